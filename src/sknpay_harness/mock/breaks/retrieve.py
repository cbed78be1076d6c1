"""Breaks of retrieve: it reflects the payment as it is now, and 404s an unknown id."""

from __future__ import annotations

from typing import Any

from ..payments import CANCELED, OPEN
from .core import ContractBreak, ErrorAnswer, error_code


class RetrieveStaleStatus(ContractBreak):
    """Retrieve reflects the current status; this keeps answering 'open' after
    cancel (a stale read replica)."""

    name = "retrieve_stale_status"
    promise = "retrieve reflects 'canceled' after cancel"
    symptom = "retrieve after cancel shows status 'open'"

    def answer(self, view: dict[str, Any], endpoint: str) -> dict[str, Any]:
        if endpoint == "retrieve" and view.get("status") == CANCELED:
            return {**view, "status": OPEN, "canceled_at": None}
        return view


class RetrieveReportsExpired(ContractBreak):
    """Retrieve of a fresh link says 'open'; this says 'expired', as an API
    that computed the expiry in milliseconds instead of seconds would."""

    name = "retrieve_reports_expired"
    promise = "retrieve reflects 'open' after create"
    symptom = "retrieve after create shows status 'expired'"

    def answer(self, view: dict[str, Any], endpoint: str) -> dict[str, Any]:
        if endpoint == "retrieve" and view.get("status") == OPEN:
            return {**view, "status": "expired"}
        return view


class UnknownPaymentNot404(ContractBreak):
    """An unknown payment id gets 404; this answers 400."""

    name = "unknown_payment_not_404"
    promise = "an unknown payment id gets 404"
    symptom = "expected HTTP 404"

    def error(self, answer: ErrorAnswer) -> ErrorAnswer:
        body = answer[1]
        return (400, body) if error_code(body) == "resource_missing" else answer


AREA = (RetrieveStaleStatus, RetrieveReportsExpired, UnknownPaymentNot404)
