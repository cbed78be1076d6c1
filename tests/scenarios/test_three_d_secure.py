"""3-D Secure: a challenge completed pays the link; a challenge failed sends
payment.failed and leaves it open.

The 3-D Secure test card and its challenge are an assumed reading (the mock
follows Stripe's habit; sknpay_harness.mock.payments): on a live target this
runs only when --sknpay-sandbox-features lists three_d_secure.
"""

from __future__ import annotations

import pytest

from sknpay_harness.cards import THREE_D_SECURE_CARD
from sknpay_harness.operations import SUCCEEDED_EVENT_NAMES

pytestmark = [pytest.mark.scenario, pytest.mark.sknpay_feature("three_d_secure")]


def test_three_d_secure_completed(sknpay_new_link, sknpay_customer, sknpay_api, sknpay_contract,
                                  sknpay_webhooks, sknpay_reporter):
    with sknpay_reporter.step("1. Create a payment link"):
        created = sknpay_new_link()

    with sknpay_reporter.step("2. The customer pays with the 3-D Secure card and completes the challenge"):
        outcome = sknpay_customer.pay(created["url"], THREE_D_SECURE_CARD, challenge="complete",
                                      success_url=created["success_url"])
        sknpay_reporter.attach_outcome(outcome)
        assert outcome.challenged, f"the 3-D Secure card met no challenge: {outcome.describe()}"
        assert outcome.outcome == "paid", outcome.describe()

    with sknpay_reporter.step("3. payment.succeeded arrives and the payment is succeeded"):
        event = sknpay_webhooks.wait_for(SUCCEEDED_EVENT_NAMES, created["id"])
        sknpay_contract.check("event", event.body, where=f"webhook {event.event_id}")
        retrieved = sknpay_contract.check_response(sknpay_api.retrieve_payment(created["id"]),
                                                   "payment", status=200)
        assert retrieved["status"] == "succeeded", retrieved["status"]


def test_three_d_secure_failed(sknpay_new_link, sknpay_customer, sknpay_api, sknpay_contract,
                               sknpay_webhooks, sknpay_reporter):
    with sknpay_reporter.step("1. Create a payment link"):
        created = sknpay_new_link()

    with sknpay_reporter.step("2. The customer fails the challenge"):
        outcome = sknpay_customer.pay(created["url"], THREE_D_SECURE_CARD, challenge="fail",
                                      success_url=created["success_url"])
        sknpay_reporter.attach_outcome(outcome)
        assert outcome.challenged, f"the 3-D Secure card met no challenge: {outcome.describe()}"
        assert outcome.outcome == "challenge_failed", outcome.describe()

    with sknpay_reporter.step("3. payment.failed arrives and the link stays open"):
        failed = sknpay_webhooks.wait_for("payment.failed", created["id"])
        sknpay_contract.check("event", failed.body, where=f"webhook {failed.event_id}")
        assert failed.body["data"]["object"].get("last_payment_error"), failed.body["data"]["object"]
        retrieved = sknpay_contract.check_response(sknpay_api.retrieve_payment(created["id"]),
                                                   "payment", status=200)
        assert retrieved["status"] == "open", \
            f"a failed challenge leaves the link open; it is {retrieved['status']!r}"
