"""A mistyped enumerated setting stops the run before any test: exit 4, one
line naming the value, where it came from and the closest valid names."""

from __future__ import annotations

import pytest

from sknpay_harness.mock.breaks import BREAKS

NEVER_RUNS = """
import pytest

@pytest.mark.scenario
def test_never_runs(sknpay_target):
    raise AssertionError("a test ran despite a bad setting")
"""


def _output(result: pytest.RunResult) -> list[str]:
    return [line for line in result.outlines + result.errlines if line.strip()]


def test_mistyped_break_stops_the_run_suggesting_the_right_name(pytester: pytest.Pytester):
    pytester.makepyfile(NEVER_RUNS)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider",
                                           "--sknpay-mock-breaks=status_canceled")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    lines = _output(result)
    assert len(result.outlines + result.errlines) <= 12, "\n".join(lines)
    assert lines == [
        "ERROR: sknpay: Invalid mock breaks 'status_canceled' from option --sknpay-mock-breaks: "
        "unknown contract break 'status_canceled' (did you mean status_cancelled?); "
        f"the {len(BREAKS)} known names are listed in docs/contract.md"], "\n".join(lines)
    text = "\n".join(lines)
    assert "Traceback" not in text and "sknpay summary" not in text and "base URL" not in text


@pytest.mark.parametrize("where", ["env", "ini"])
def test_mistyped_break_names_its_source(pytester: pytest.Pytester, monkeypatch, where):
    if where == "env":
        monkeypatch.setenv("SKNPAY_MOCK_BREAKS", "no_webhook, webhook_wrong_secert")
        source = "env SKNPAY_MOCK_BREAKS"
    else:
        pytester.makeini("[pytest]\nsknpay_mock_breaks = no_webhook, webhook_wrong_secert\n")
        source = "ini sknpay_mock_breaks"
    pytester.makepyfile(NEVER_RUNS)
    result = pytester.runpytest("-p", "no:cacheprovider")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([
        f"ERROR: sknpay: Invalid mock breaks 'no_webhook, webhook_wrong_secert' from {source}: "
        "unknown contract break 'webhook_wrong_secert' (did you mean webhook_wrong_secret?)*"])


def test_a_name_with_no_close_match_says_so(pytester: pytest.Pytester):
    pytester.makepyfile(NEVER_RUNS)
    result = pytester.runpytest("-p", "no:cacheprovider", "--sknpay-mock-breaks=nope")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([f"*unknown contract break 'nope' (no close match); the {len(BREAKS)} known*"])


@pytest.mark.parametrize(("args", "env", "expected"), [
    ((), {"SKNPAY_TARGET": "sanbox"},
     "ERROR: sknpay: Invalid target 'sanbox' from env SKNPAY_TARGET: must be one of mock, "
     "sandbox; did you mean sandbox?"),
    (("--sknpay-strict-contract", "-o", "sknpay_record=ture"), {},
     "ERROR: sknpay: Invalid record 'ture' from ini sknpay_record: must be true or false; "
     "did you mean true?"),
])
def test_other_enumerated_values_stop_the_run_with_a_suggestion(
        pytester: pytest.Pytester, monkeypatch, args, env, expected):
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    pytester.makepyfile(NEVER_RUNS)
    result = pytester.runpytest("-p", "no:cacheprovider", *args)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert _output(result) == [expected]


def test_summary_never_shows_the_sandbox_url_for_a_mock_that_did_not_start(
        pytester: pytest.Pytester):
    # A scenario that fails before any fixture: the mock never started, so the
    # summary must not name a base URL it never used.
    pytester.makepyfile("""
        import pytest

        @pytest.mark.scenario
        def test_fails_early():
            raise AssertionError("before any fixture")
        """)
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["target: mock   base URL: none (the embedded mock did not start)"])
    assert "app.sknpay.com" not in result.stdout.str()
