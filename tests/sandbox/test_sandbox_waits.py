"""A wait counts the events of the payment it names, whoever made it (the app
under test, a plain HTTP call), on the sandbox target too; and a wait that times
out on a live target says which of two cases it met."""

from __future__ import annotations

PLAIN_HTTPX = """
import httpx

def test_plain_httpx_payment(sknpay_api, sknpay_settings, sknpay_webhooks):
    # The integrator's own code: not the harness's client.
    key = sknpay_settings.api_key.reveal()
    with httpx.Client(base_url=sknpay_api.base_url,
                      headers={"Authorization": f"Bearer {key}"}) as app:
        created = app.post("/payments", json={"amount": 1000, "currency": "USD",
                                              "description": "made by the app"}).json()
        assert app.post(f"/payments/{created['id']}/cancel").status_code == 200
    event = sknpay_webhooks.wait_for("payment.canceled", created["id"])
    assert event.payment_id == created["id"]
"""

NOTHING_SENT = """
def test_waits_for_a_payment_nobody_made(sknpay_webhooks):
    sknpay_webhooks.wait_for("payment.canceled", "plink_nobodymadethis", timeout=0.3)
"""

OTHERS_ONLY = """
def test_waits_for_the_wrong_payment(sknpay_api, sknpay_webhooks):
    created = sknpay_api.create_payment({"amount": 1000, "currency": "USD",
                                          "description": "Will cancel"}).json()
    sknpay_api.cancel_payment(created["id"])
    sknpay_webhooks.wait_for("payment.canceled", created["id"])  # arrives
    sknpay_webhooks.wait_for("payment.canceled", "plink_someoneelses", timeout=0.3)
"""


def test_a_payment_made_with_plain_httpx_is_waited_for_on_the_sandbox(
        sandbox_stand_in, sandbox_run):
    stand_in = sandbox_stand_in()
    result = sandbox_run(stand_in, files={"test_app": PLAIN_HTTPX})
    result.assert_outcomes(passed=1)


def test_a_timeout_with_nothing_delivered_says_check_the_endpoint_and_tunnel(
        sandbox_stand_in, sandbox_run):
    stand_in = sandbox_stand_in()
    result = sandbox_run(stand_in, files={"test_nothing": NOTHING_SENT})
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines([
        "*No payment.canceled webhook for payment plink_nobodymadethis within 0.3 s",
        "*nothing reached this listener at all in this run: check the dashboard's webhook "
        "endpoint and the tunnel to this listener",
    ])


def test_a_timeout_with_other_payments_events_says_another_run_may_take_them(
        sandbox_stand_in, sandbox_run):
    stand_in = sandbox_stand_in()
    result = sandbox_run(stand_in, files={"test_others": OTHERS_ONLY})
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines([
        "*No payment.canceled webhook for payment plink_someoneelses within 0.3 s",
        "*1 deliveries reached this listener in this run (1 accepted, 0 duplicate, 0 for "
        "payments this run did not name, 0 rejected); events came for 1 of the 2 payments "
        "this run named, and no payment.canceled for plink_someoneelses: if another run "
        "shares the dashboard's one endpoint, it may be taking this run's deliveries*",
    ])
