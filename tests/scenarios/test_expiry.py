"""Expiry: a link left unpaid past its lifetime expires, payment.expired is
sent, and the hosted page says the link is no longer active.

No waiting: the key's clock is moved forward through the mock's control API.
SKN Pay documents neither a link's lifetime nor the expiry event's name
(``payment.expired`` is the mock's reading), so on a live target this runs only
when --sknpay-sandbox-features lists ``expiry`` (a target with the mock's
control API, such as the mock run as its own process).
"""

from __future__ import annotations

import pytest

from sknpay_harness.control_api import advance_clock
from sknpay_harness.operations import EXPIRED_EVENT_NAMES

pytestmark = [pytest.mark.scenario, pytest.mark.sknpay_feature("expiry")]

A_DAY_AND_A_SECOND = 24 * 3600 + 1  # the mock's lifetime is Stripe Checkout's 24 h


def test_expiry(sknpay_new_link, sknpay_api, sknpay_settings, sknpay_contract, sknpay_webhooks,
                sknpay_reporter):
    with sknpay_reporter.step("1. Create a payment link"):
        created = sknpay_new_link()
        payment_id = created["id"]

    with sknpay_reporter.step("2. A day passes on the key's clock"):
        moved = advance_clock(sknpay_api.base_url, sknpay_settings.api_key, A_DAY_AND_A_SECOND)
        sknpay_reporter.attach_json("clock", moved)

    with sknpay_reporter.step("3. The link is expired, and its expiry event arrives"):
        retrieved = sknpay_contract.check_response(sknpay_api.retrieve_payment(payment_id),
                                                   "payment", status=200)
        assert retrieved["status"] == "expired", f"status a day later: {retrieved['status']!r}"
        event = sknpay_webhooks.wait_for(EXPIRED_EVENT_NAMES, payment_id)
        sknpay_contract.check("event", event.body, where=f"webhook {event.event_id}")

    with sknpay_reporter.step("4. The hosted page says the link is no longer active"):
        page = sknpay_api.hosted_page(created["url"])
        assert page.status < 500, f"hosted page answered {page.status}: {page.response_body[:300]}"
        page.expect_text("no longer active", "hosted page should say the expired link is no longer active")
