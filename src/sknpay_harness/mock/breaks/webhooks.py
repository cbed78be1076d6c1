"""Breaks of the webhook: whether it fires, how it is signed, and the event it carries."""

from __future__ import annotations

from typing import Any

from ..payments import CANCELED, OPEN
from .core import ContractBreak


class NoWebhook(ContractBreak):
    """Cancel must fire payment.canceled; this fires nothing."""

    name = "no_webhook"
    promise = "cancel fires a payment.canceled webhook"
    symptom = "the mock queued no webhook"

    def cancel_emits(self, emits: bool) -> bool:
        return False


class WebhookWrongSecret(ContractBreak):
    """Webhooks are signed with the endpoint's whsec_ secret; this uses another."""

    name = "webhook_wrong_secret"
    promise = "webhooks are signed with the configured secret"
    symptom = "signature mismatch"

    def signing_secret(self, secret: str) -> str:
        return "whsec_not_the_configured_secret"


class WebhookUnsigned(ContractBreak):
    """Every webhook carries SknPay-Signature; this sends none."""

    name = "webhook_unsigned"
    promise = "webhooks carry a SknPay-Signature header"
    symptom = "signature missing"

    def delivery_headers(self, headers: dict[str, str]) -> dict[str, str]:
        return {k: v for k, v in headers.items() if k.lower() != "sknpay-signature"}


class WebhookStaleSignature(ContractBreak):
    """The signature timestamp is the send time; this signs 10 minutes in the
    past (outside the 5-minute tolerance), as a replayed delivery would be."""

    name = "webhook_stale_signature"
    promise = "the signature timestamp is within tolerance"
    symptom = "signature stale"

    def signing_time(self, now: float) -> float:
        return now - 600


class EventTypeTypo(ContractBreak):
    """The event type is "payment.canceled"; this sends "payment.cancelled"."""

    name = "event_type_typo"
    promise = "the cancel event's type is 'payment.canceled'"
    symptom = "payment.cancelled"

    def event(self, event: dict[str, Any]) -> dict[str, Any]:
        if event.get("type") == "payment.canceled":
            return {**event, "type": "payment.cancelled"}
        return event


class EventTypeHeaderMismatch(ContractBreak):
    """SknPay-Event-Type equals the body's type; this sends "payment.updated"."""

    name = "event_type_header_mismatch"
    promise = "SknPay-Event-Type equals the body's type"
    symptom = "header is 'payment.updated'"

    def delivery_headers(self, headers: dict[str, str]) -> dict[str, str]:
        return {**headers, "SknPay-Event-Type": "payment.updated"}


class EventMissingId(ContractBreak):
    """Every event has an evt_ id (deduplication needs it); this drops it."""

    name = "event_missing_id"
    promise = "the event envelope has an id"
    symptom = '"id" is a required property'

    def event(self, event: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in event.items() if k != "id"}


class EventStaleStatus(ContractBreak):
    """The event's data.object is the payment after the change; this sends the
    snapshot from before (status 'open')."""

    name = "event_stale_status"
    promise = "payment.canceled carries the canceled payment"
    symptom = '"canceled" was expected'

    def event(self, event: dict[str, Any]) -> dict[str, Any]:
        data = event.get("data")
        obj = data.get("object") if isinstance(data, dict) else None
        if isinstance(obj, dict) and obj.get("status") == CANCELED:
            stale = {**obj, "status": OPEN, "canceled_at": None}
            return {**event, "data": {**data, "object": stale}}  # type: ignore[dict-item]
        return event


class EventAmountDiffers(ContractBreak):
    """The event's data.object agrees with a retrieve; this sends another amount."""

    name = "event_amount_differs"
    promise = "the event's data.object agrees with a retrieve"
    symptom = "differs from a retrieve"

    def event(self, event: dict[str, Any]) -> dict[str, Any]:
        data = event.get("data")
        obj = data.get("object") if isinstance(data, dict) else None
        if isinstance(obj, dict) and isinstance(obj.get("amount"), int):
            return {**event, "data": {**data, "object": {**obj, "amount": obj["amount"] + 1}}}  # type: ignore[dict-item]
        return event


AREA = (NoWebhook, WebhookWrongSecret, WebhookUnsigned, WebhookStaleSignature, EventTypeTypo,
        EventTypeHeaderMismatch, EventMissingId, EventStaleStatus, EventAmountDiffers)
