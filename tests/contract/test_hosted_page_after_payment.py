"""The hosted page once a customer has used it: a paid link takes no more
cards, paying a canceled or paid link takes no payment, and after a declined
card the link stays open and offers the form again.

The customer (``sknpay_customer``) finds the card form as a person would;
what a live page says and answers here is undocumented (API notes), so each
plausible reading passes and the one met is noted: the status of a declined
page (200 or 402), what the page says after a payment, and what paying an
inactive link does.
"""

from __future__ import annotations

import pytest

from sknpay_harness.client import visible_text
from sknpay_harness.customer.verdict import INACTIVE_WORDS, PAID_WORDS

from .conftest import DECLINED_CARD, SUCCESS_URL, TEST_CARD, payment_request


def _what_it_says(outcome) -> str:
    """A reading of a page without a card form: where it sent the customer, or its words."""
    if outcome.redirect:
        return f"HTTP {outcome.status}: sends the customer to success_url"
    text = visible_text(outcome.html)
    says = ("that the payment was received" if PAID_WORDS.search(text)
            else "that the link is no longer active" if INACTIVE_WORDS.search(text)
            else "neither that it is paid nor that it is inactive")
    return f"HTTP {outcome.status}: says {says}"


def test_hosted_page_takes_no_card_after_payment(sknpay_paid_link, sknpay_customer,
                                                 sknpay_reporter, sknpay_reading):
    after = sknpay_customer.look(sknpay_paid_link.created["url"], success_url=SUCCESS_URL)
    sknpay_reporter.attach_outcome(after)
    assert after.outcome != "payable", (
        f"the hosted page of a paid link still shows a card form: {after.describe()}")
    sknpay_reading("hosted page of a paid link", _what_it_says(after))
    assert after.status < 500, f"the hosted page of a paid link answered {after.status}"
    assert after.outcome == "inactive", (
        f"the hosted page of a paid link should say it is paid or no longer active: "
        f"{after.describe()}")


@pytest.mark.parametrize("state", ["canceled", "paid"])
def test_paying_an_inactive_link_takes_no_payment(state, sknpay_api, sknpay_contract, sknpay_create,
                                                  sknpay_customer, sknpay_pay, sknpay_reporter,
                                                  sknpay_reading, sknpay_webhooks):
    created = sknpay_create(payment_request(success_url=SUCCESS_URL))
    if state == "canceled":
        sknpay_contract.check_response(sknpay_api.cancel_payment(created["id"]), "payment",
                                       status=200)
    else:
        sknpay_pay(created)
    before = sknpay_contract.check_response(sknpay_api.retrieve_payment(created["id"]), "payment",
                                            status=200)
    outcome = sknpay_customer.pay(created["url"], TEST_CARD, success_url=SUCCESS_URL)
    sknpay_reporter.attach_outcome(outcome)
    sknpay_reading(f"paying a {state} link", f"{outcome.outcome.value} (HTTP {outcome.status})")
    assert outcome.outcome != "paid", f"the customer paid a {state} link: {outcome.describe()}"
    after = sknpay_contract.check_response(sknpay_api.retrieve_payment(created["id"]), "payment",
                                           status=200)
    assert after["status"] == before["status"], (
        f"paying a {state} link turned it {after['status']!r} (was {before['status']!r})")
    sknpay_webhooks.no_more_events("payment.succeeded", created["id"],
                                   expected=1 if state == "paid" else 0)


def test_hosted_page_after_a_decline_offers_the_form_again(sknpay_api, sknpay_contract,
                                                           sknpay_create, sknpay_customer,
                                                           sknpay_reporter, sknpay_reading):
    created = sknpay_create(payment_request(success_url=SUCCESS_URL))
    declined = sknpay_customer.pay(created["url"], DECLINED_CARD, success_url=SUCCESS_URL)
    sknpay_reporter.attach_outcome(declined)
    assert declined.outcome == "declined", (
        f"the declined card was not declined: {declined.describe()}")
    # 402 (Payment Required) or 200 with the form and a flagged message: both plausible.
    sknpay_reading("hosted page of a declined card answers", f"HTTP {declined.status}")
    again = sknpay_customer.look(created["url"], success_url=SUCCESS_URL)
    sknpay_reporter.attach_outcome(again)
    assert again.outcome == "payable", (
        "after a decline the hosted page does not offer the card form again (the link stays "
        f"open for another card): {again.describe()}")
    retrieved = sknpay_contract.check_response(sknpay_api.retrieve_payment(created["id"]),
                                               "payment", status=200)
    assert retrieved["status"] == "open", (
        f"a declined card leaves the link open for another try; it is {retrieved['status']!r}")
