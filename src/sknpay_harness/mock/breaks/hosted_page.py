"""Breaks of the hosted page: the pay form while open (and again after a
decline), the notice once canceled or paid, and which card pays."""

from __future__ import annotations

from ...cards import TEST_CARD
from ..payments import CANCELED, SUCCEEDED, Payment, format_amount
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


class HostedPagePaidStillPayable(ContractBreak):
    """A paid link's page takes no more cards; this keeps showing the form
    (and "takes" the card again, answering as if paid)."""

    name = "hosted_page_paid_still_payable"
    promise = "the hosted page of a paid link takes no card"
    symptom = "still shows a card form"

    def hosted_page_open(self, shown_open: bool, payment: Payment) -> bool:
        return shown_open or payment.status == SUCCEEDED


class HostedPageClosedAfterDecline(ContractBreak):
    """After a declined card the link stays open and the page offers the form
    again; this shows the link as no longer active."""

    name = "hosted_page_closed_after_decline"
    promise = "after a decline the hosted page offers the card form again"
    symptom = "does not offer the card form again"

    def hosted_page_open(self, shown_open: bool, payment: Payment) -> bool:
        return shown_open and payment.last_payment_error is None


class DeclinedCardPays(ContractBreak):
    """Only the test card pays; this reads every card as the test card."""

    name = "declined_card_pays"
    promise = "a card other than the test card is declined"
    symptom = "the declined card was not declined"

    def card_number(self, card: str) -> str:
        return TEST_CARD if card else card


AREA = (HostedPageStillActive, HostedPageWrongAmount, HostedPagePaidStillPayable,
        HostedPageClosedAfterDecline, DeclinedCardPays)
