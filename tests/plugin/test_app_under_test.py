"""``sknpay_app`` on the embedded mock: the app is given the mock's base URL and
the run's key and secret (masked), webhook routing is the test's own and is reset
for the next test, and a URL the mock cannot deliver to is refused saying so."""

from __future__ import annotations

import pytest

ROUTING = """
import httpx
import pytest

from sknpay_harness.errors import TargetError


def endpoints(app):
    root = app.api_url.removesuffix("/api/v1")
    return httpx.get(f"{root}/_mock/webhooks/endpoints",
                     headers={"Authorization": f"Bearer {app.api_key.reveal()}"}).json()["urls"]


def test_given_and_routed(sknpay_app, sknpay_api, sknpay_settings):
    assert sknpay_app.api_url == sknpay_api.base_url and not sknpay_app.live
    assert sknpay_app.api_key.reveal() == sknpay_settings.api_key.reveal()
    assert sknpay_app.webhook_secret.reveal() == sknpay_settings.webhook_secret.reveal()
    for secret in (sknpay_app.api_key, sknpay_app.webhook_secret):
        assert secret.reveal() not in repr(sknpay_app) + repr(secret)
    assert endpoints(sknpay_app) == [sknpay_app.listener_url]
    assert sknpay_app.send_webhooks_to("http://127.0.0.1:9/a", "http://127.0.0.1:9/b") == [
        "http://127.0.0.1:9/a", "http://127.0.0.1:9/b", sknpay_app.listener_url]
    assert sknpay_app.send_webhooks_to("http://127.0.0.1:9/a", also_listener=False) == [
        "http://127.0.0.1:9/a"]
    assert endpoints(sknpay_app) == ["http://127.0.0.1:9/a"]


def test_the_next_test_starts_with_the_listener_only(sknpay_app):
    assert endpoints(sknpay_app) == [sknpay_app.listener_url]


def test_a_url_the_mock_cannot_deliver_to_is_refused(sknpay_app):
    with pytest.raises(TargetError) as refused:
        sknpay_app.send_webhooks_to("localhost:8000/webhooks")
    assert str(refused.value).startswith(
        "the mock refused PUT /_mock/webhooks/endpoints: HTTP 400 ")
    assert "urls must be a list of http(s) URLs" in str(refused.value)
"""


def test_the_app_is_given_the_target_and_routes_its_webhooks(pytester: pytest.Pytester):
    pytester.makepyfile(test_app=ROUTING)
    result = pytester.runpytest_inprocess("-p", "no:cacheprovider")  # in file order
    result.assert_outcomes(passed=3)
