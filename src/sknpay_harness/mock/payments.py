"""Payments: validation, the state machine, and the JSON view.

Validation runs before any state changes, and is plain code (never
``assert``, which ``python -O`` removes). Where the real API's rules are
unknown, the likely Stripe-flavoured reading is taken and marked.
"""

from __future__ import annotations

import hmac
import json
import re
from dataclasses import dataclass, field
from typing import Any

from .. import limits

OPEN, SUCCEEDED, CANCELED, EXPIRED, FAILED = "open", "succeeded", "canceled", "expired", "failed"
STATUSES = (OPEN, SUCCEEDED, CANCELED, EXPIRED, FAILED)
# The request rules live in one place, ../limits.py (what is known, and where
# SKN Pay's rule is unknown, Stripe's).
ZERO_DECIMAL = frozenset({"JPY"})  # for the hosted page's rendering, should JPY be added

# Stripe's error codes for a refused parameter (the notes leave the codes open).
PARAMETER_MISSING = "parameter_missing"
PARAMETER_INVALID = "parameter_invalid"
PARAMETER_UNKNOWN = "parameter_unknown"
# Said in every refusal of a shape whose rule is unknown for SKN Pay.
_LIKELY = "SKN Pay's rule is unknown: the mock's likely reading, docs/mock.md"


@dataclass(frozen=True)
class FieldError:
    """One refused parameter. ``known``: the API notes state the rule (any
    faithful SKN Pay refuses this too); False: the rule is unknown for SKN Pay
    and the mock takes Stripe's (break ``accepts_undocumented_shapes`` lifts
    exactly these)."""

    param: str
    code: str
    message: str
    known: bool = True


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
    # The token of the 3-D Secure challenge the hosted page is showing (not in
    # the view: a page secret, single use).
    challenge_token: str | None = field(default=None, repr=False)
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
    """Every problem with a create body, or [] when it is acceptable.

    Each message names the parameter as the request body has it (``amount``,
    ``metadata[order_id]``), what was received and the rule; a rule that is
    unknown for SKN Pay says so."""
    if not isinstance(body, dict):
        return [FieldError("body", "invalid_body",
                           f"the request body must be a JSON object, got {kind_of(body)}")]
    errors: list[FieldError] = []
    # Unknown parameters are refused, as Stripe does, so a typo in an
    # integrator's field name fails loudly instead of being dropped.
    known = ", ".join(sorted(limits.CREATE_FIELDS))
    errors += [FieldError(k, PARAMETER_UNKNOWN,
                          f"received unknown parameter: {k} (POST /payments takes {known}; "
                          f"{_LIKELY})", known=False)
               for k in sorted(set(body) - limits.CREATE_FIELDS)]
    # An explicit null is refused, not read as "absent": the docs never show
    # one, and it usually means an integrator's bug.
    errors += [FieldError(k, PARAMETER_INVALID, f"{k} is null: leave it out instead ({_LIKELY})",
                          known=False)
               for k in sorted(limits.CREATE_FIELDS - limits.CREATE_REQUIRED)
               if k in body and body[k] is None]
    errors += _amount_problems(body)
    errors += _currency_problems(body)
    if limits.DESCRIPTION_REQUIRED and "description" not in body:
        errors.append(FieldError("description", PARAMETER_MISSING, "description is required"))
    for key, limit in limits.CREATE_STRING_MAX_LENGTHS.items():
        value = body.get(key)
        if value is None:
            continue
        if not isinstance(value, str):
            errors.append(FieldError(key, PARAMETER_INVALID,
                                     f"{key} must be a string, got {kind_of(value)} ({_LIKELY})",
                                     known=False))
        elif len(value) > limit:
            errors.append(FieldError(key, PARAMETER_INVALID,
                                     f"{key} is {len(value)} characters long; at most {limit} "
                                     f"are accepted ({_LIKELY})", known=False))
        elif key == "customer_email" and not limits.EMAIL.match(value):
            errors.append(FieldError(key, PARAMETER_INVALID,
                                     f"customer_email {_shown(value)} is not an email address "
                                     f"({_LIKELY})", known=False))
        elif key.endswith("_url") and not limits.HTTP_URL.match(value):
            errors.append(FieldError(key, PARAMETER_INVALID,
                                     f"{key} {_shown(value)} is not an absolute http(s) URL "
                                     f"(the customer's browser is sent there; {_LIKELY})",
                                     known=False))
    errors += _metadata_problems(body.get("metadata"))
    return errors


def _amount_problems(body: dict[str, Any]) -> list[FieldError]:
    """amount: known to be an integer of minor units; the upper bound is Stripe's."""
    if "amount" not in body:
        return [FieldError("amount", PARAMETER_MISSING, "amount is required (an integer number "
                                                        "of minor units: 1000 = 10.00 USD)")]
    amount = body["amount"]
    if isinstance(amount, float) and not amount.is_integer():
        return [FieldError("amount", PARAMETER_INVALID,
                           f"amount must be an integer number of minor units, got {amount!r}")]
    if not isinstance(amount, int) or isinstance(amount, bool):
        # "1000", 10.0, true, null: the docs show only a JSON integer; whether
        # SKN Pay coerces these is unknown. Refused, as the likely reading.
        return [FieldError("amount", PARAMETER_INVALID,
                           f"amount must be a JSON integer number of minor units, got "
                           f"{kind_of(amount)} ({_LIKELY})", known=False)]
    if amount < limits.AMOUNT_MIN:
        return [FieldError("amount", PARAMETER_INVALID,
                           f"amount must be at least {limits.AMOUNT_MIN}, got {amount}")]
    if amount > limits.AMOUNT_MAX:
        return [FieldError("amount", PARAMETER_INVALID,
                           f"amount must be at most {limits.AMOUNT_MAX:,}, got {amount:,} "
                           f"({_LIKELY})", known=False)]
    return []


def _currency_problems(body: dict[str, Any]) -> list[FieldError]:
    """currency: known to be a code such as USD or XCD; case and list are choices."""
    accepted = ", ".join(sorted(limits.CURRENCIES))
    if "currency" not in body:
        return [FieldError("currency", PARAMETER_MISSING,
                           f"currency is required (one of {accepted})")]
    currency = body["currency"]
    if isinstance(currency, str) and re.fullmatch(limits.CURRENCY_PATTERN, currency):
        if currency in limits.CURRENCIES:
            return []
        return [FieldError("currency", PARAMETER_INVALID,
                           f"unsupported currency {currency!r}: the mock accepts {accepted}, the "
                           f"currencies SKN Pay is seen to use (docs/mock.md)")]
    return [FieldError("currency", PARAMETER_INVALID,
                       f"currency must be an upper-case code, one of {accepted}; got "
                       f"{kind_of(currency)} ({_LIKELY})", known=False)]


def _metadata_problems(metadata: Any) -> list[FieldError]:
    """metadata: known to be an object; string values and Stripe's limits are likely."""
    if metadata is None:
        return []
    if not isinstance(metadata, dict):
        return [FieldError("metadata", PARAMETER_INVALID,
                           f"metadata must be an object of string values, got {kind_of(metadata)}")]
    errors = []
    if len(metadata) > limits.METADATA_MAX_KEYS:
        errors.append(FieldError("metadata", PARAMETER_INVALID,
                                 f"metadata has {len(metadata)} keys; at most "
                                 f"{limits.METADATA_MAX_KEYS} are accepted ({_LIKELY})",
                                 known=False))
    for key, value in metadata.items():
        param = f"metadata[{key}]"
        if not 1 <= len(key) <= limits.METADATA_KEY_MAX_LENGTH:
            errors.append(FieldError(param, PARAMETER_INVALID,
                                     f"metadata key {_shown(key)} is {len(key)} characters long; "
                                     f"keys are 1 to {limits.METADATA_KEY_MAX_LENGTH} characters "
                                     f"({_LIKELY})", known=False))
        if not isinstance(value, str):
            errors.append(FieldError(param, PARAMETER_INVALID,
                                     f"{param} must be a string, got {kind_of(value)}; send "
                                     f"{json.dumps(_as_text(value))} instead (the quickstart shows "
                                     f"only string values; {_LIKELY})", known=False))
        elif len(value) > limits.METADATA_VALUE_MAX_LENGTH:
            errors.append(FieldError(param, PARAMETER_INVALID,
                                     f"{param} is {len(value)} characters long; at most "
                                     f"{limits.METADATA_VALUE_MAX_LENGTH} are accepted "
                                     f"({_LIKELY})", known=False))
    return errors


def kind_of(value: Any) -> str:
    """``"1000"`` -> ``string '1000'``; ``1`` -> ``number 1``: what arrived, briefly."""
    names = {bool: "boolean", int: "number", float: "number", str: "string", list: "array",
             dict: "object", type(None): "null"}
    name = names.get(type(value), type(value).__name__)
    if isinstance(value, dict | list):
        return name
    return f"{name} {_shown(value)}"


def _shown(value: Any, limit: int = 60) -> str:
    text = json.dumps(value) if not isinstance(value, str) else repr(value)
    return text if len(text) <= limit else text[:limit - 3] + "..."


def _as_text(value: Any) -> str:
    """What the caller probably meant, as a string (for the error's hint)."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool) or value is None:
        return json.dumps(value)
    if isinstance(value, int | float):
        return str(value)
    return json.dumps(value, separators=(",", ":"))


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
DECLINED = {"code": "card_declined", "decline_code": "generic_decline",
            "message": "Your card was declined."}

# The 3-D Secure card and its challenge step: an assumed reading (cards.py says why).
AUTHENTICATION_FAILED = {"code": "payment_intent_authentication_failure", "decline_code": None,
                         "message": "The card's 3-D Secure authentication failed."}


def normalize_card(text: str) -> str:
    return "".join(ch for ch in text if ch.isdigit())


def pay(payment: Payment) -> bool:
    """open -> succeeded; True if it changed."""
    if payment.status != OPEN:
        return False
    payment.status = SUCCEEDED
    payment.last_payment_error = None
    payment.challenge_token = None
    return True


def decline(payment: Payment) -> bool:
    """A declined card: the link stays open (the customer may retry) and
    remembers why. True if the payment was open."""
    if payment.status != OPEN:
        return False
    payment.last_payment_error = dict(DECLINED)
    payment.challenge_token = None
    return True


def ask_authentication(payment: Payment, token: str) -> bool:
    """A 3-D Secure card: the link waits for the challenge ``token`` to come
    back (a new card or challenge replaces it). True if the payment was open."""
    if payment.status != OPEN:
        return False
    payment.challenge_token = token
    return True


def challenge_matches(payment: Payment, token: str) -> bool:
    """Whether ``token`` is the challenge the page is showing (an answer, pay or
    fail_authentication, uses it up)."""
    expected = payment.challenge_token
    return (payment.status == OPEN and expected is not None
            and hmac.compare_digest(expected.encode(), token.encode()))


def fail_authentication(payment: Payment) -> bool:
    """A failed challenge: declined like a card (the link stays open). True if open."""
    if payment.status != OPEN:
        return False
    payment.last_payment_error = dict(AUTHENTICATION_FAILED)
    payment.challenge_token = None
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
