"""Harmless variations: changes a real API may make that the suite must tolerate."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .core import ContractBreak, ErrorAnswer

# Fields a payment, a refund, an event or an error body already has: an extra field
# may not take one of these names (it would change the object instead of adding to it).
RESERVED_FIELDS = frozenset({
    "id", "object", "amount", "currency", "description", "status", "url", "metadata",
    "customer_email", "customer_name", "success_url", "cancel_url", "livemode", "created",
    "canceled_at", "last_payment_error", "amount_refunded", "type", "data", "error",
    "payment_id",
})


class PaymentExtraField(ContractBreak):
    """Not a break: payments carry a field the schemas do not know
    (``risk_score``). The suite passes and reports it as drift; with
    --sknpay-strict-contract it fails."""

    name = "payment_extra_field"
    promise = "(harmless) a new field is not a break; it is reported as drift"
    symptom = "risk_score"
    harmless = True

    def payment_view(self, view: dict[str, Any]) -> dict[str, Any]:
        return {**view, "risk_score": 12}


class RedeliverEvents(ContractBreak):
    """Not a break: every event is delivered twice with the same id
    (at-least-once delivery). The listener deduplicates; the suite passes."""

    name = "redeliver_events"
    promise = "(harmless) a redelivery of the same event id is deduplicated"
    symptom = ""
    harmless = True

    def deliveries_per_event(self, copies: int) -> int:
        return max(copies, 2)


class ExtraFields(ContractBreak):
    """Not a break, and not in BREAKS (it takes names and values): every object
    the API returns (each payment, also as an event's ``data.object``; each
    refund; each event envelope; each error body) carries fields the schemas do not know,
    as a newer API version would. The suite passes and reports them as contract
    drift; --sknpay-strict-contract fails on them. ``sknpay-mock --extra-field``."""

    promise = "(harmless) new fields in every object are not a break; they are reported as drift"
    harmless = True

    def __init__(self, fields: Mapping[str, Any]) -> None:
        clash = sorted(set(fields) & RESERVED_FIELDS)
        if clash:
            raise ValueError(f"extra field(s) {', '.join(clash)} would replace a field the "
                             "API already sends; choose a new name")
        self.fields = dict(fields)
        self.name = "extra_fields:" + ",".join(self.fields)

    def payment_view(self, view: dict[str, Any]) -> dict[str, Any]:
        return {**view, **self.fields}

    def refund_view(self, view: dict[str, Any]) -> dict[str, Any]:
        return {**view, **self.fields}

    def event(self, event: dict[str, Any]) -> dict[str, Any]:
        return {**event, **self.fields}

    def error(self, answer: ErrorAnswer) -> ErrorAnswer:
        status, body = answer
        return status, ({**body, **self.fields} if isinstance(body, dict) else body)


AREA = (PaymentExtraField, RedeliverEvents)
