"""The plugin as users see it, through pytester."""

from __future__ import annotations

import pytest


def test_report_header_names_the_target_and_never_the_key(pytester: pytest.Pytester, monkeypatch):
    monkeypatch.setenv("SKNPAY_API_KEY", "sk_test_header_should_not_show")
    pytester.makeini("[pytest]\nsknpay_quiet_period = 2.5\n")
    pytester.makepyfile("def test_nothing(): pass")
    result = pytester.runpytest("-p", "no:cacheprovider", "--sknpay-webhook-timeout=7")
    result.stdout.fnmatch_lines([
        "sknpay: target=mock webhook_timeout=7s*",
        "sknpay: not default: api_key=[set] (env SKNPAY_API_KEY), "
        "webhook_timeout=7 (option --sknpay-webhook-timeout), "
        "quiet_period=2.5 (ini sknpay_quiet_period)",
    ])
    assert "sk_test_header_should_not_show" not in result.stdout.str()


def test_invalid_setting_stops_the_run_naming_its_source(pytester: pytest.Pytester, monkeypatch):
    monkeypatch.setenv("SKNPAY_WEBHOOK_TIMEOUT", "soon")
    pytester.makepyfile("def test_nothing(): pass")
    result = pytester.runpytest("-p", "no:cacheprovider")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(
        ["*sknpay: Invalid webhook timeout 'soon' from env SKNPAY_WEBHOOK_TIMEOUT: must be a number*"])


def test_ini_and_option_precedence(pytester: pytest.Pytester):
    pytester.makeini("[pytest]\nsknpay_webhook_timeout = 7\n")
    pytester.makepyfile(
        "def test_timeout(sknpay_settings):\n"
        "    assert sknpay_settings.webhook_timeout == 3\n"
        "    assert sknpay_settings.sources['webhook_timeout'] == 'option --sknpay-webhook-timeout'\n")
    pytester.runpytest("-p", "no:cacheprovider", "--sknpay-webhook-timeout=3").assert_outcomes(passed=1)
    pytester.makepyfile(
        "def test_timeout(sknpay_settings):\n"
        "    assert sknpay_settings.webhook_timeout == 7\n")
    pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=1)


def test_unknown_break_is_a_usage_error_before_any_test(pytester: pytest.Pytester):
    # Suggestions and sources: tests/plugin/test_bad_settings.py.
    pytester.makepyfile("def test_x(sknpay_target): pass")
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "--sknpay-mock-breaks=nope")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert "unknown contract break 'nope'" in result.stderr.str()


def test_fixtures_are_documented_with_scope_and_type(pytester: pytest.Pytester):
    pytester.makepyfile("def test_nothing(): pass")
    result = pytester.runpytest("-p", "no:cacheprovider", "--fixtures")
    for name in ("sknpay_api", "sknpay_webhooks", "sknpay_contract", "sknpay_settings", "sknpay_mock"):
        result.stdout.fnmatch_lines([f"{name}*"])
    result.stdout.fnmatch_lines(["*function · WebhookWaiter · wait_for(type, payment_id)*"])


def test_tests_waiting_on_webhooks_get_a_timeout_above_the_wait(pytester: pytest.Pytester):
    pytester.makepyfile(
        "def test_w(request, sknpay_webhooks):\n"
        "    assert request.node.get_closest_marker('timeout').args == (35.0,)\n")
    pytester.runpytest_subprocess("-p", "no:cacheprovider", "--sknpay-webhook-timeout=5").assert_outcomes(passed=1)


def test_one_tests_state_never_reaches_the_next(pytester: pytest.Pytester):
    # Payments, the key's clock, queued API faults and breaks: the embedded
    # target's reset is the control API's (one function, mock/state.py).
    pytester.makepyfile(
        """
        import httpx
        made = {}

        def control(mock, settings, method, path, body=None):
            key = {"Authorization": "Bearer " + settings.api_key.reveal()}
            answer = httpx.request(method, mock.server.url + "/_mock" + path, json=body,
                                   headers=key)
            assert answer.status_code == 200, answer.text
            return answer.json()

        def test_first(sknpay_api, sknpay_mock, sknpay_settings):
            made["id"] = sknpay_api.create_payment({"amount": 100, "currency": "USD"}).json()["id"]
            control(sknpay_mock, sknpay_settings, "POST", "/clock/advance", {"seconds": 60})
            control(sknpay_mock, sknpay_settings, "POST", "/faults", {"route": "cancel"})
            sknpay_mock.breaks.set(["status_cancelled"])

        def test_second(sknpay_api, sknpay_mock, sknpay_settings):
            assert sknpay_api.retrieve_payment(made["id"]).status == 404
            assert control(sknpay_mock, sknpay_settings, "GET", "/clock")["offset"] == 0
            assert control(sknpay_mock, sknpay_settings, "GET", "/faults")["pending"] == []
            assert sknpay_mock.breaks.names == []
        """)
    pytester.runpytest_subprocess("-p", "no:cacheprovider").assert_outcomes(passed=2)


def test_plugin_registers_its_markers_for_strict_projects(pytester: pytest.Pytester):
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.scenario
        @pytest.mark.smoke
        @pytest.mark.mock_only
        def test_marked():
            pass
        """)
    pytester.runpytest("-p", "no:cacheprovider", "--strict-markers").assert_outcomes(passed=1)
    result = pytester.runpytest("-p", "no:cacheprovider", "--markers")
    result.stdout.fnmatch_lines(["@pytest.mark.mock_only: needs control of the embedded mock*"])


def test_every_request_goes_through_httpx_and_its_logging(pytester: pytest.Pytester):
    """The client, the hosted page and the mock's webhook deliveries all use
    httpx's own client and transport, so httpx's log lines show each of them."""
    pytester.makepyfile("""
        def test_cancel(sknpay_api, sknpay_webhooks):
            payment = sknpay_api.create_payment({"amount": 500, "currency": "USD"}).json()
            assert sknpay_api.cancel_payment(payment["id"]).json()["status"] == "canceled"
            sknpay_webhooks.wait_for("payment.canceled", payment["id"])
            assert "no longer active" in sknpay_api.hosted_page(payment["url"]).response_body
        """)
    result = pytester.runpytest("-p", "no:cacheprovider", "-o", "log_cli=true",
                                "--log-cli-level=DEBUG")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines([
        '*HTTP Request: POST http://127.0.0.1:*/api/v1/payments "HTTP/1.1 20? *"*',
        '*HTTP Request: POST http://127.0.0.1:*/api/v1/payments/plink_*/cancel "HTTP/1.1 200 OK"*',
    ])
    # The delivery to the listener and the hosted page, in whatever order they came.
    text = result.stdout.str()
    assert "/webhooks/sknpay \"HTTP/1.1 200 OK\"" in text, text[-3000:]
    assert "/pay/plink_" in text
