"""Breaks of cancel: its answer, its idempotency, and the one event it fires."""

from __future__ import annotations

from typing import Any

from ..payments import CANCELED, OPEN, Payment
from .core import ContractBreak


class CancelWrongId(ContractBreak):
    """Cancel answers the canceled payment; this answers with another id."""

    name = "cancel_wrong_id"
    promise = "cancel answers the payment it canceled"
    symptom = "plink_0ther"

    def answer(self, view: dict[str, Any], endpoint: str) -> dict[str, Any]:
        return {**view, "id": "plink_0ther"} if endpoint == "cancel" else view


class CancelResponseStale(ContractBreak):
    """Cancel answers the payment as it is after cancel; this answers the
    snapshot from before (status 'open')."""

    name = "cancel_response_stale"
    promise = "cancel answers status 'canceled'"
    symptom = "cancel answered status 'open'"

    def answer(self, view: dict[str, Any], endpoint: str) -> dict[str, Any]:
        if endpoint == "cancel" and view.get("status") == CANCELED:
            return {**view, "status": OPEN, "canceled_at": None}
        return view


class CancelRefusesRepeat(ContractBreak):
    """Cancel is idempotent (a no-op on a terminal payment); this answers 4xx
    to a payment that is no longer open."""

    name = "cancel_refuses_repeat"
    promise = "cancel is idempotent: 200 on a payment already terminal"
    symptom = "expected HTTP 200, got 400"

    def refuses_repeat_cancel(self, payment: Payment) -> bool:
        return True


class SecondEventOnSecondCancel(ContractBreak):
    """A second cancel fires no event; this fires a new payment.canceled."""

    name = "second_event_on_second_cancel"
    promise = "exactly one payment.canceled per payment"
    symptom = "2 distinct payment.canceled event(s)"

    def cancel_emits(self, emits: bool) -> bool:
        return True


class CancelOverridesTerminal(ContractBreak):
    """Cancel leaves a succeeded, expired or failed payment unchanged; this
    turns it into 'canceled' (and fires an event)."""

    name = "cancel_overrides_terminal"
    promise = "cancel of a succeeded/expired/failed payment changes nothing"
    symptom = "payment changed it"

    def cancel_changes(self, changed: bool, payment: Payment, now: float) -> bool:
        if not changed and payment.status != CANCELED:
            payment.status, payment.canceled_at = CANCELED, int(now)
            return True
        return changed


AREA = (CancelWrongId, CancelResponseStale, CancelRefusesRepeat, SecondEventOnSecondCancel,
        CancelOverridesTerminal)
