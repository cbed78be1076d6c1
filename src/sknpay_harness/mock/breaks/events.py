"""Breaks of the events a payment's life fires besides payment.canceled
(webhooks.py): whether each fires, and what it carries."""

from __future__ import annotations

from typing import Any

from ..payments import OPEN
from .core import ContractBreak


def _object(event: dict[str, Any], event_type: str) -> dict[str, Any] | None:
    """The event's data.object if the event is ``event_type``."""
    data = event.get("data")
    obj = data.get("object") if isinstance(data, dict) else None
    return obj if event.get("type") == event_type and isinstance(obj, dict) else None


def _with_object(event: dict[str, Any], obj: dict[str, Any]) -> dict[str, Any]:
    return {**event, "data": {**event["data"], "object": obj}}


class NoSucceededEvent(ContractBreak):
    """A paid link fires payment.succeeded; this fires nothing."""

    name = "no_succeeded_event"
    promise = "a payment on the hosted page fires payment.succeeded"
    symptom = "No payment.succeeded or payment.paid or payment.completed webhook"

    def fires_event(self, fires: bool, event_type: str) -> bool:
        return False if event_type == "payment.succeeded" else fires


class SucceededEventStaleStatus(ContractBreak):
    """payment.succeeded carries the paid payment; this sends the snapshot
    from before the payment (status 'open')."""

    name = "succeeded_event_stale_status"
    promise = "payment.succeeded carries the succeeded payment"
    symptom = '"succeeded" was expected'

    def event(self, event: dict[str, Any]) -> dict[str, Any]:
        obj = _object(event, "payment.succeeded")
        return event if obj is None else _with_object(event, {**obj, "status": OPEN})


class NoFailedEvent(ContractBreak):
    """A declined card fires payment.failed; this fires nothing."""

    name = "no_failed_event"
    promise = "a declined card fires payment.failed"
    symptom = "No payment.failed webhook"

    def fires_event(self, fires: bool, event_type: str) -> bool:
        return False if event_type == "payment.failed" else fires


class FailedEventWithoutReason(ContractBreak):
    """payment.failed carries the gateway's reason (last_payment_error); this
    sends it empty (null)."""

    name = "failed_event_without_reason"
    promise = "payment.failed carries last_payment_error with the reason code"
    symptom = 'last_payment_error: null is not of type "object"'

    def event(self, event: dict[str, Any]) -> dict[str, Any]:
        obj = _object(event, "payment.failed")
        return event if obj is None else _with_object(event, {**obj, "last_payment_error": None})


class RefundedEventBeforeRefund(ContractBreak):
    """payment.refunded carries the payment after the refund; this sends it
    as it was before (amount_refunded 0), so it disagrees with a retrieve."""

    name = "refunded_event_before_refund"
    promise = "payment.refunded carries the refunded payment (agrees with a retrieve)"
    symptom = "amount_refunded: event 0"

    def event(self, event: dict[str, Any]) -> dict[str, Any]:
        obj = _object(event, "payment.refunded")
        return event if obj is None else _with_object(event, {**obj, "amount_refunded": 0})


class ExpiredEventStaleStatus(ContractBreak):
    """The expiry event carries the expired payment; this sends it still 'open'."""

    name = "expired_event_stale_status"
    promise = "payment.expired carries the expired payment"
    symptom = '"expired" was expected'

    def event(self, event: dict[str, Any]) -> dict[str, Any]:
        obj = _object(event, "payment.expired")
        return event if obj is None else _with_object(event, {**obj, "status": OPEN})


AREA = (NoSucceededEvent, SucceededEventStaleStatus, NoFailedEvent, FailedEventWithoutReason,
        RefundedEventBeforeRefund, ExpiredEventStaleStatus)
