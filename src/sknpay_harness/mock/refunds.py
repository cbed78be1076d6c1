"""Refunds: full when no amount is given, partial ones up to the paid total.

The refund object's fields beyond ``payment_id`` and ``amount`` are not known;
the Stripe-flavoured reading is used (``re_`` ids, ``object``, ``status``,
``currency``, ``created``) and described in schemas/refund.json.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .. import limits
from .payments import (
    PARAMETER_INVALID,
    PARAMETER_MISSING,
    PARAMETER_UNKNOWN,
    SUCCEEDED,
    FieldError,
    Payment,
    kind_of,
    refundable,
)

REFUND_FIELDS = limits.REFUND_FIELDS


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
    """Problems with the request's shape (before the payment is looked up);
    the same codes and rules as a create (../limits.py)."""
    if not isinstance(body, dict):
        return [FieldError("body", "invalid_body",
                           f"the request body must be a JSON object, got {kind_of(body)}")]
    known = ", ".join(sorted(REFUND_FIELDS))
    errors = [FieldError(k, PARAMETER_UNKNOWN, f"received unknown parameter: {k} (POST /refunds "
                                               f"takes {known})", known=False)
              for k in sorted(set(body) - REFUND_FIELDS)]
    payment_id = body.get("payment_id")
    if "payment_id" not in body:
        errors.append(FieldError("payment_id", PARAMETER_MISSING, "payment_id is required"))
    elif not isinstance(payment_id, str) or not payment_id:
        errors.append(FieldError("payment_id", PARAMETER_INVALID,
                                 f"payment_id must be a payment's id (plink_...), got "
                                 f"{kind_of(payment_id)}"))
    amount = body.get("amount")
    if amount is not None and (not isinstance(amount, int) or isinstance(amount, bool)
                               or not limits.AMOUNT_MIN <= amount <= limits.AMOUNT_MAX):
        errors.append(FieldError("amount", PARAMETER_INVALID,
                                 f"amount must be an integer number of minor units from "
                                 f"{limits.AMOUNT_MIN} to {limits.AMOUNT_MAX:,}, or left out for "
                                 f"the whole rest; got {kind_of(amount)}"))
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
