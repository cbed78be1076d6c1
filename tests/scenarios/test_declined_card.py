"""Declined card: payment.failed carries the gateway's reason, the link stays
open, and the customer's retry with the test card pays."""

from __future__ import annotations

import pytest

from sknpay_harness.cards import DECLINED_CARD_EXAMPLE, TEST_CARD
from sknpay_harness.operations import SUCCEEDED_EVENT_NAMES

pytestmark = [pytest.mark.scenario]


def test_declined_card(sknpay_new_link, sknpay_customer, sknpay_api, sknpay_contract,
                       sknpay_webhooks, sknpay_reporter):
    with sknpay_reporter.step("1. Create a payment link"):
        created = sknpay_new_link()
        payment_id = created["id"]

    with sknpay_reporter.step("2. The customer's card is declined"):
        declined = sknpay_customer.pay(created["url"], DECLINED_CARD_EXAMPLE, success_url=created["success_url"])
        sknpay_reporter.attach_outcome(declined)
        assert declined.outcome == "declined", declined.describe()

    with sknpay_reporter.step("3. payment.failed arrives with last_payment_error"):
        failed = sknpay_webhooks.wait_for("payment.failed", payment_id)
        sknpay_contract.check("event", failed.body, where=f"webhook {failed.event_id}")
        error = failed.body["data"]["object"].get("last_payment_error")
        assert error, f"payment.failed should carry last_payment_error: {failed.body['data']['object']}"

    with sknpay_reporter.step("4. The link stays open"):
        retrieved = sknpay_contract.check_response(sknpay_api.retrieve_payment(payment_id),
                                                   "payment", status=200)
        assert retrieved["status"] == "open", \
            f"a declined card leaves the link open for a retry; it is {retrieved['status']!r}"

    with sknpay_reporter.step("5. A retry with the test card pays"):
        retried = sknpay_customer.pay(created["url"], TEST_CARD, success_url=created["success_url"])
        sknpay_reporter.attach_outcome(retried)
        assert retried.outcome == "paid", retried.describe()
        event = sknpay_webhooks.wait_for(SUCCEEDED_EVENT_NAMES, payment_id)
        assert event.body["data"]["object"]["status"] == "succeeded", event.body["data"]["object"]
