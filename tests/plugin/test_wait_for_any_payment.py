"""Item of the house issue: a wait for a payment the test names counts that
payment's events whoever created it: here a plain httpx call on the embedded mock,
in a project that only installs the package (no conftest, no import of ours)."""

from __future__ import annotations

import pytest

PLAIN_HTTPX = """
import httpx

def test_plain_httpx_payment(sknpay_api, sknpay_settings, sknpay_webhooks):
    key = sknpay_settings.api_key.reveal()
    headers = {"Authorization": f"Bearer {key}"}
    created = httpx.post(f"{sknpay_api.base_url}/payments", headers=headers,
                         json={"amount": 1000, "currency": "USD", "description": "app"}).json()
    payment_id = created["id"]
    httpx.post(f"{sknpay_api.base_url}/payments/{payment_id}/cancel", headers=headers)
    sknpay_webhooks.wait_for("payment.canceled", payment_id)
"""


def test_a_payment_made_with_plain_httpx_is_waited_for_on_the_mock(pytester: pytest.Pytester):
    pytester.makepyfile(test_app=PLAIN_HTTPX)
    result = pytester.runpytest_inprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["webhook deliveries: 1 accepted, 0 duplicate, 0 ignored*"])
