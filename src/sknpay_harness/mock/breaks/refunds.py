"""Breaks of refunds: the refund object, the refund rules, and payment.refunded."""

from __future__ import annotations

from typing import Any

from ..payments import SUCCEEDED, Payment
from .core import ContractBreak, ErrorAnswer, error_code


class RefundWithoutPaymentId(ContractBreak):
    """A refund names the payment it refunds; this drops payment_id."""

    name = "refund_without_payment_id"
    promise = "the refund object names its payment_id"
    symptom = '"payment_id" is a required property'

    def refund_view(self, view: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in view.items() if k != "payment_id"}


class RefundAmountWrong(ContractBreak):
    """A refund answers the amount refunded; this answers it x100, as an API
    that read the request's amount as major units would."""

    name = "refund_amount_wrong"
    promise = "a refund answers the amount refunded (the whole rest when none was sent)"
    symptom = "the refund answered amount"

    def refund_view(self, view: dict[str, Any]) -> dict[str, Any]:
        if isinstance(view.get("amount"), int):
            return {**view, "amount": view["amount"] * 100}
        return view


class RefundOverTheRest(ContractBreak):
    """A refund of more than is left (or of a fully refunded payment) is
    refused; this makes it."""

    name = "refund_over_the_rest"
    promise = "a refund of more than is left is refused with 4xx"
    symptom = "a refund of more than is left was not refused"

    def refund_refusal(self, refusal: Any, payment: Payment) -> Any:
        return None if payment.status == SUCCEEDED else refusal


class RefundOfUnpaidLink(ContractBreak):
    """Only a paid link can be refunded; this refunds an open or canceled one."""

    name = "refund_of_unpaid_link"
    promise = "a refund of an unpaid link is refused with 4xx"
    symptom = "a refund of an unpaid link was not refused"

    def refund_refusal(self, refusal: Any, payment: Payment) -> Any:
        return None if payment.status != SUCCEEDED else refusal


class RefundAmountUnchecked(ContractBreak):
    """A refund's amount is an integer of minor units, at least 1; this takes
    zero, a negative or a fractional amount."""

    name = "refund_amount_unchecked"
    promise = "a refund with an invalid amount is refused with 4xx"
    symptom = "an invalid refund was not refused"

    def refund_problems(self, problems: list[Any]) -> list[Any]:
        return [p for p in problems if getattr(p, "param", None) != "amount"]


class RefundUnknownPayment500(ContractBreak):
    """A refund of a payment that does not exist is refused with 4xx; this
    answers 500, as a server that trips over the missing payment would."""

    name = "refund_unknown_payment_500"
    promise = "a refund of an unknown payment is refused with 4xx"
    symptom = "a refund of an unknown payment was not refused"

    def error(self, answer: ErrorAnswer) -> ErrorAnswer:
        body = answer[1]
        error = body.get("error") if isinstance(body, dict) else None
        param = error.get("param") if isinstance(error, dict) else None
        missing = error_code(body) == "resource_missing" and param == "payment_id"
        return (500, body) if missing else answer


class RefundNoWebhook(ContractBreak):
    """Each refund fires payment.refunded; this fires nothing."""

    name = "refund_no_webhook"
    promise = "each refund fires one payment.refunded"
    symptom = "No payment.refunded webhook"

    def fires_event(self, fires: bool, event_type: str) -> bool:
        return False if event_type == "payment.refunded" else fires


AREA = (RefundWithoutPaymentId, RefundAmountWrong, RefundOverTheRest, RefundOfUnpaidLink,
        RefundAmountUnchecked, RefundUnknownPayment500, RefundNoWebhook)
