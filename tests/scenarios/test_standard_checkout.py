"""Standard checkout: the customer pays with the playground's test card.

The link is paid, payment.succeeded is signed and sent, the customer is sent
back to the merchant's success_url with ``?payment_id=<id>``, the page takes
no more cards, and a cancel after the payment is a no-op that fires nothing.
"""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

from sknpay_harness.cards import TEST_CARD
from sknpay_harness.operations import SUCCEEDED_EVENT_NAMES

pytestmark = [pytest.mark.scenario]


def test_standard_checkout(sknpay_new_link, sknpay_customer, sknpay_api, sknpay_contract,
                           sknpay_webhooks, sknpay_reporter):
    with sknpay_reporter.step("1. Create a payment link with a success_url"):
        created = sknpay_new_link()
        payment_id = created["id"]

    with sknpay_reporter.step("2. The customer pays with the test card"):
        outcome = sknpay_customer.pay(created["url"], TEST_CARD, success_url=created["success_url"])
        sknpay_reporter.attach_outcome(outcome)
        assert outcome.outcome == "paid", outcome.describe()

    with sknpay_reporter.step("3. The customer is sent back to success_url?payment_id=<id>"):
        assert outcome.redirect, f"no redirect to the success_url: {outcome.describe()}"
        assert outcome.redirect.startswith(created["success_url"]), \
            f"redirected to {outcome.redirect!r}, expected {created['success_url']}?payment_id={payment_id}"
        query = parse_qs(urlsplit(outcome.redirect).query)
        assert query.get("payment_id") == [payment_id], \
            f"redirect {outcome.redirect!r} should carry payment_id={payment_id}"

    with sknpay_reporter.step("4. The payment is succeeded, and payment.succeeded arrives"):
        event = sknpay_webhooks.wait_for(SUCCEEDED_EVENT_NAMES, payment_id)
        sknpay_contract.check("event", event.body, where=f"webhook {event.event_id}")
        assert event.body["data"]["object"]["status"] == "succeeded", event.body["data"]["object"]
        retrieved = sknpay_contract.check_response(sknpay_api.retrieve_payment(payment_id),
                                                   "payment", status=200)
        assert retrieved["status"] == "succeeded", f"status after paying: {retrieved['status']!r}"

    with sknpay_reporter.step("5. The hosted page no longer takes a card"):
        after = sknpay_customer.look(created["url"])
        sknpay_reporter.attach_outcome(after)
        assert after.outcome != "payable", f"the paid link still shows a card form: {after.describe()}"

    with sknpay_reporter.step("6. A cancel after the payment is a 200 no-op that fires no event"):
        again = sknpay_contract.check_response(sknpay_api.cancel_payment(payment_id), "payment",
                                               status=200)
        assert again["status"] == "succeeded", \
            f"cancel is a no-op once terminal; it turned the payment {again['status']!r}"
        sknpay_webhooks.no_more_events("payment.canceled", payment_id, expected=0)
