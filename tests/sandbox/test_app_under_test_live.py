"""``sknpay_app`` on a live target (the sandbox stand-in): the app gets the
target's base URL, key and secret, the customer pays a link the app made and
the harness's listener (the dashboard's endpoint) gets its webhook; routing
webhooks from a test is refused, saying the dashboard decides."""

from __future__ import annotations

REFUSED = ("send_webhooks_to(http://127.0.0.1:9/webhooks/sknpay) works on the embedded mock "
           "only: on a live target the SKN Pay dashboard's webhook endpoint (Settings -> "
           "Webhooks) decides where webhooks go; point it at your app there, or mark the test "
           "mock_only")

APP_ON_SANDBOX = f"""
import os

import httpx
import pytest

from sknpay_harness.operations import SUCCEEDED_EVENT_NAMES
from sknpay_harness.errors import ConfigError


def test_the_app_on_a_live_target(sknpay_app, sknpay_api, sknpay_customer, sknpay_webhooks):
    assert sknpay_app.live
    assert sknpay_app.api_url == os.environ["SKNPAY_BASE_URL"] == sknpay_api.base_url
    key, secret = os.environ["SKNPAY_API_KEY"], os.environ["SKNPAY_WEBHOOK_SECRET"]
    assert (sknpay_app.api_key.reveal(), sknpay_app.webhook_secret.reveal()) == (key, secret)
    assert key not in repr(sknpay_app) and secret not in repr(sknpay_app)

    with pytest.raises(ConfigError) as refused:
        sknpay_app.send_webhooks_to("http://127.0.0.1:9/webhooks/sknpay")
    assert str(refused.value) == {REFUSED!r}

    # The app's own payment (its own HTTP client, not the harness's): the customer
    # pays it, and the dashboard's endpoint, the harness's listener here, gets the event.
    with httpx.Client(base_url=sknpay_app.api_url,
                      headers={{"Authorization": f"Bearer {{key}}"}}) as app:
        created = app.post("/payments", json={{"amount": 1500, "currency": "USD",
                                               "description": "made by the app"}}).json()
    outcome = sknpay_customer.pay(created["url"], "4111 1111 1111 1111")
    assert outcome.outcome == "paid", outcome.describe()
    event = sknpay_webhooks.wait_for(SUCCEEDED_EVENT_NAMES, created["id"])
    assert event.body["data"]["object"]["amount"] == 1500
"""


def test_the_app_under_test_on_the_sandbox(sandbox_stand_in, sandbox_run):
    result = sandbox_run(sandbox_stand_in(), files={"test_app": APP_ON_SANDBOX})
    result.assert_outcomes(passed=1)
