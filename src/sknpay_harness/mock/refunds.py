"""Refunds: full when no amount is given, partial ones up to the paid total.

The refund object's fields beyond ``payment_id`` and ``amount`` are not known;
the Stripe-flavoured reading is used (``re_`` ids, ``object``, ``status``,
``currency``, ``created``) and described in schemas/refund.json.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .payments import SUCCEEDED, FieldError, Payment, refundable

REFUND_FIELDS = frozenset({"payment_id", "amount"})


@dataclass(frozen=True)
class Refund:
    id: str
    payment_id: str
    amount: int
    currency: str
    created: int
    status: str = "succeeded"  # the mock refunds at once; pending refunds are not modeled

    def view(self) -> dict[str, Any]:
        return {"id": self.id, "object": "refund", "payment_id": self.payment_id,
                "amount": self.amount, "currency": self.currency, "status": self.status,
                "created": self.created}


def validate_request(body: Any) -> list[FieldError]:
    """Problems with the request's shape (before the payment is looked up)."""
    if not isinstance(body, dict):
        return [FieldError("body", "invalid_body", "request body must be a JSON object")]
    errors = [FieldError(k, "unknown_parameter", f"received unknown parameter: {k}")
              for k in sorted(set(body) - REFUND_FIELDS)]
    payment_id = body.get("payment_id")
    if "payment_id" not in body:
        errors.append(FieldError("payment_id", "parameter_missing", "payment_id is required"))
    elif not isinstance(payment_id, str) or not payment_id:
        errors.append(FieldError("payment_id", "invalid_string", "payment_id must be a string"))
    amount = body.get("amount")
    if amount is not None and (not isinstance(amount, int) or isinstance(amount, bool)
                               or amount < 1):
        errors.append(FieldError("amount", "invalid_amount",
                                 "amount must be a positive integer number of minor units"))
    return errors


def check_refundable(payment: Payment, amount: int | None) -> FieldError | None:
    """Why this refund cannot be made, or None. ``amount`` None means the rest."""
    left = refundable(payment)
    if payment.status != SUCCEEDED:
        return FieldError("payment_id", "payment_not_succeeded",
                          f"payment {payment.id} is {payment.status}; only a succeeded "
                          "payment can be refunded")
    if left == 0:
        return FieldError("payment_id", "already_refunded",
                          f"payment {payment.id} is already fully refunded")
    if amount is not None and amount > left:
        return FieldError("amount", "amount_too_large",
                          f"amount {amount} is more than the {left} left to refund")
    return None


def apply(payment: Payment, refund_id: str, amount: int | None, now: float) -> Refund:
    """Record the refund on the payment (call check_refundable first)."""
    amount = refundable(payment) if amount is None else amount
    payment.amount_refunded += amount
    return Refund(refund_id, payment.id, amount, payment.currency, int(now))
