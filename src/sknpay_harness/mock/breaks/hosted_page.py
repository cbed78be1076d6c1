"""Breaks of the hosted page: the pay form while open, the notice once canceled."""

from __future__ import annotations

from ..payments import CANCELED, Payment, format_amount
from .core import ContractBreak


class HostedPageStillActive(ContractBreak):
    """After cancel the hosted page says the link is no longer active; this
    keeps showing the pay form."""

    name = "hosted_page_still_active"
    promise = "the hosted page of a canceled link says it is no longer active"
    symptom = "no longer active"

    def hosted_page_open(self, shown_open: bool, payment: Payment) -> bool:
        return shown_open or payment.status == CANCELED


class HostedPageWrongAmount(ContractBreak):
    """The hosted page shows the payment's amount; this shows it divided by 100."""

    name = "hosted_page_wrong_amount"
    promise = "the hosted page shows the amount while open"
    symptom = "should show the amount"

    def hosted_page_html(self, html: str, payment: Payment) -> str:
        right = format_amount(payment.amount, payment.currency)
        return html.replace(right, format_amount(payment.amount // 100, payment.currency))


AREA = (HostedPageStillActive, HostedPageWrongAmount)
