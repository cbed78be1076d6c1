"""Payments: validation, the state machine, and the JSON view.

Validation runs before any state changes, and is plain code (never
``assert``, which ``python -O`` removes). Where the real API's rules are
unknown, the likely Stripe-flavoured reading is taken and marked.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

OPEN, SUCCEEDED, CANCELED, EXPIRED, FAILED = "open", "succeeded", "canceled", "expired", "failed"
STATUSES = (OPEN, SUCCEEDED, CANCELED, EXPIRED, FAILED)
TERMINAL = frozenset({SUCCEEDED, CANCELED, EXPIRED, FAILED})

# Currencies seen are USD and XCD; the rest are common ISO 4217 codes so an
# integrator's own tests are not refused for a plausible currency. Upper
# case only: whether the real API accepts "usd" is unknown.
CURRENCIES = frozenset({
    "USD", "XCD", "EUR", "GBP", "CAD", "AUD", "JPY", "CHF", "TTD", "JMD", "BBD", "BSD",
    "BZD", "KYD", "DOP", "HTG", "GYD", "SRD", "AWG", "ANG", "MXN", "BRL", "INR", "NZD",
})
ZERO_DECIMAL = frozenset({"JPY"})
CREATE_FIELDS = frozenset({
    "amount", "currency", "description", "customer_email", "customer_name",
    "success_url", "cancel_url", "metadata",
})
MAX_AMOUNT = 99_999_999
# The same rules as schemas/common.json's http_url and a loose email check.
_HTTP_URL = re.compile(r"^https?://[^\s/?#]+[^\s]*$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+$")
MAX_DESCRIPTION = 500


@dataclass(frozen=True)
class FieldError:
    param: str
    code: str
    message: str


@dataclass
class Payment:
    id: str
    amount: int
    currency: str
    description: str | None
    created: int
    metadata: dict[str, Any] = field(default_factory=dict)
    customer_email: str | None = None
    customer_name: str | None = None
    success_url: str | None = None
    cancel_url: str | None = None
    status: str = OPEN
    canceled_at: int | None = None
    last_payment_error: dict[str, Any] | None = None
    amount_refunded: int = 0
    # Not in the view: the real field name (if any) is unknown. Control API shows it.
    expires_at: float | None = None

    def view(self, host_url: str) -> dict[str, Any]:
        """The payment object as the API returns it."""
        return {
            "id": self.id,
            "object": "payment",
            "amount": self.amount,
            "currency": self.currency,
            "description": self.description,
            "status": self.status,
            "url": f"{host_url.rstrip('/')}/pay/{self.id}",
            "metadata": dict(self.metadata),
            "customer_email": self.customer_email,
            "customer_name": self.customer_name,
            "success_url": self.success_url,
            "cancel_url": self.cancel_url,
            "livemode": False,
            "created": self.created,
            "canceled_at": self.canceled_at,
            "last_payment_error": self.last_payment_error,
            "amount_refunded": self.amount_refunded,
        }


def validate_create(body: Any) -> list[FieldError]:
    """Every problem with a create body, or [] when it is acceptable."""
    if not isinstance(body, dict):
        return [FieldError("body", "invalid_body", "request body must be a JSON object")]
    errors: list[FieldError] = []
    # Unknown parameters are refused, as Stripe-flavoured APIs do, so a typo
    # in an integrator's field name fails loudly instead of being dropped.
    errors += [FieldError(k, "unknown_parameter", f"received unknown parameter: {k}")
               for k in sorted(set(body) - CREATE_FIELDS)]
    # An explicit null is refused, not read as "absent": the request schema
    # types every field, and a null usually means an integrator's bug.
    errors += [FieldError(k, "null_value", f"{k} must not be null (leave it out instead)")
               for k in sorted(CREATE_FIELDS - {"amount", "currency"})
               if k in body and body[k] is None]
    amount = body.get("amount")
    if "amount" not in body:
        errors.append(FieldError("amount", "parameter_missing", "amount is required"))
    elif not isinstance(amount, int) or isinstance(amount, bool):
        errors.append(FieldError("amount", "invalid_amount",
                                 "amount must be an integer number of minor units"))
    elif not 1 <= amount <= MAX_AMOUNT:
        errors.append(FieldError("amount", "invalid_amount",
                                 f"amount must be between 1 and {MAX_AMOUNT}"))
    currency = body.get("currency")
    if "currency" not in body:
        errors.append(FieldError("currency", "parameter_missing", "currency is required"))
    elif not isinstance(currency, str) or currency not in CURRENCIES:
        errors.append(FieldError("currency", "invalid_currency",
                                 f"unsupported currency {currency!r}"))
    description = body.get("description")
    if description is not None and (
        not isinstance(description, str) or len(description) > MAX_DESCRIPTION
    ):
        errors.append(FieldError("description", "invalid_description",
                                 f"description must be a string of at most {MAX_DESCRIPTION} characters"))
    for key in ("customer_email", "customer_name"):
        if body.get(key) is not None and not isinstance(body[key], str):
            errors.append(FieldError(key, "invalid_string", f"{key} must be a string"))
    email = body.get("customer_email")
    if isinstance(email, str) and not _EMAIL.match(email):
        errors.append(FieldError("customer_email", "invalid_email",
                                 "customer_email must be an email address"))
    for key in ("success_url", "cancel_url"):
        value = body.get(key)
        if value is not None and not (isinstance(value, str) and _HTTP_URL.match(value)):
            errors.append(FieldError(key, "invalid_url", f"{key} must be an absolute http(s) URL"))
    metadata = body.get("metadata")
    if metadata is not None and not (
        isinstance(metadata, dict)
        and all(isinstance(v, str | int | float | bool) or v is None for v in metadata.values())
    ):
        errors.append(FieldError("metadata", "invalid_metadata",
                                 "metadata must be an object of scalar values"))
    return errors


def new_payment(payment_id: str, body: dict[str, Any], now: float,
                lifetime: float | None = None) -> Payment:
    return Payment(
        expires_at=now + lifetime if lifetime else None,
        id=payment_id,
        amount=body["amount"],
        currency=body["currency"],
        description=body.get("description"),
        created=int(now),
        metadata=dict(body.get("metadata") or {}),
        customer_email=body.get("customer_email"),
        customer_name=body.get("customer_name"),
        success_url=body.get("success_url"),
        cancel_url=body.get("cancel_url"),
    )


def cancel(payment: Payment, now: float) -> bool:
    """open -> canceled; True if it changed. Terminal payments are left alone
    ("idempotent, no-op if already terminal")."""
    if payment.status != OPEN:
        return False
    payment.status = CANCELED
    payment.canceled_at = int(now)
    return True


# The playground's test card pays; any other number is declined (API notes).
TEST_CARD = "4111111111111111"
DECLINED = {"code": "card_declined", "decline_code": "generic_decline",
            "message": "Your card was declined."}


def normalize_card(text: str) -> str:
    return "".join(ch for ch in text if ch.isdigit())


def pay(payment: Payment) -> bool:
    """open -> succeeded; True if it changed."""
    if payment.status != OPEN:
        return False
    payment.status = SUCCEEDED
    payment.last_payment_error = None
    return True


def decline(payment: Payment) -> bool:
    """A declined card: the link stays open (the customer may retry) and
    remembers why. True if the payment was open."""
    if payment.status != OPEN:
        return False
    payment.last_payment_error = dict(DECLINED)
    return True


def expire(payment: Payment, now: float) -> bool:
    """open -> expired once its lifetime is over; True if it changed."""
    if payment.status != OPEN or payment.expires_at is None or now < payment.expires_at:
        return False
    payment.status = EXPIRED
    return True


def refundable(payment: Payment) -> int:
    """How much may still be refunded (0 unless the payment succeeded)."""
    return payment.amount - payment.amount_refunded if payment.status == SUCCEEDED else 0


def format_amount(amount: int, currency: str) -> str:
    if currency in ZERO_DECIMAL:
        return f"{amount:,} {currency}"
    return f"{amount // 100:,}.{amount % 100:02d} {currency}"
