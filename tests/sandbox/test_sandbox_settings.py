"""Asking for the sandbox without what it needs stops the run at once, with one message."""

from __future__ import annotations

import pytest

from sknpay_harness import ConfigError
from sknpay_harness.rehearsal import free_port
from sknpay_harness.settings import resolve

COMPLETE = {"SKNPAY_TARGET": "sandbox", "SKNPAY_API_KEY": "sk_test_x1234567890",
            "SKNPAY_WEBHOOK_SECRET": "whsec_y1234567890", "SKNPAY_WEBHOOK_PORT": "8765"}


def test_every_missing_setting_in_one_message():
    with pytest.raises(ConfigError) as info:
        resolve({}, {"SKNPAY_TARGET": "sandbox"}, {})
    text = str(info.value)
    for name in ("SKNPAY_API_KEY", "SKNPAY_WEBHOOK_SECRET", "SKNPAY_WEBHOOK_PORT"):
        assert name in text


def test_complete_sandbox_settings_resolve_with_defaults_and_a_run_id():
    settings = resolve({}, COMPLETE, {})
    assert settings.target == "sandbox"
    assert settings.base_url == "https://app.sknpay.com/api/v1"
    assert settings.webhook_host == "127.0.0.1" and settings.webhook_timeout == 60
    assert settings.run_id and settings.run_id != resolve({}, COMPLETE, {}).run_id


@pytest.mark.parametrize("target", ["sandbox", "mock"])
def test_a_live_key_is_refused_on_any_target_without_showing_it(target):
    env = {**COMPLETE, "SKNPAY_TARGET": target, "SKNPAY_API_KEY": "sk_live_realmoney123"}
    with pytest.raises(ConfigError, match="live key") as info:
        resolve({}, env, {})
    assert "realmoney" not in str(info.value)


def test_pytest_with_target_sandbox_and_no_key_exits_at_once(pytester, monkeypatch):
    for name in ("SKNPAY_API_KEY", "SKNPAY_WEBHOOK_SECRET", "SKNPAY_WEBHOOK_PORT"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("SKNPAY_TARGET", "sandbox")
    pytester.makepyfile("def test_never_runs(sknpay_api):\n    raise AssertionError\n")
    result = pytester.runpytest_subprocess()
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([
        "*the sandbox target cannot start:*",
        "*SKNPAY_API_KEY*missing*",
        "*SKNPAY_WEBHOOK_SECRET*missing*",
        "*SKNPAY_WEBHOOK_PORT*missing*",
    ])
    assert "test_never_runs" not in result.stdout.str()


def test_mock_only_tests_are_skipped_on_the_sandbox_with_a_reason(pytester, monkeypatch):
    for name, value in COMPLETE.items():
        monkeypatch.setenv(name, value)
    pytester.makepyfile("""
        import pytest

        @pytest.mark.mock_only
        def test_marked():
            pass

        @pytest.mark.mock_only(reason="routes the mock's webhooks to the app")
        def test_marked_with_a_reason():
            pass

        def test_uses_mock_fixture(sknpay_mock):
            pass
    """)
    result = pytester.runpytest_inprocess("-rs", "--sknpay-webhook-port", str(free_port()),
                                          "--sknpay-base-url", "http://127.0.0.1:9/api/v1")
    result.assert_outcomes(skipped=3)
    result.stdout.fnmatch_lines_random([
        "*mock_only: needs the embedded mock's controls; target is sandbox",
        "*mock_only: routes the mock's webhooks to the app; target is sandbox",
        "*needs the embedded mock's test controls*"])
