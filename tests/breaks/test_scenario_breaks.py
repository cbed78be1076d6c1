"""Proof the scenario can fail: run it against the mock with each contract
break on, in a pytest run of its own (in-process: its own session, mock and
listener; a subprocess per break cost ~0.7 s of start-up each), and check the
failure names the symptom. A check no broken server can trip would be
worthless.

The child runs the scenario at the path users run it from, on an 80-column
terminal and the default ``--tb=auto``, so what is pinned here is what they
see: a failure section that is short and shows no frame of the harness, and a
short summary that names the symptom.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

SCENARIO = Path(__file__).parents[1] / "scenarios" / "test_cancel_before_pay.py"
SCENARIO_PATH = "tests/scenarios/test_cancel_before_pay.py"
MAX_FAILURE_LINES = 45

# break -> text the failure must contain (what a reader needs to see first)
SYMPTOMS = {
    "status_cancelled": '$.status: "cancelled" is not one of',
    "no_webhook": "No payment.canceled webhook for payment",
    "webhook_wrong_secret": "was rejected: signature mismatch",
    "event_type_typo": "payment.cancelled evt_",
    "hosted_page_still_active": "hosted page should say 'no longer active' after cancel",
    "payment_without_url": '"url" is a required property',
}
# break -> what the 80-column short summary must show of it
SUMMARIES = {
    "status_cancelled": 'Contract violation: payment.json $.status "cancelled"',
    "no_webhook": "No payment.canceled webhook for payment plink_",
    "webhook_wrong_secret": "was rejected: signature mismatch",
    "event_type_typo": "No payment.canceled webhook (got payment.cancelled) for payment",
    "hosted_page_still_active": "Contract violation: hosted page should say 'no longer active' after cancel",
    "payment_without_url": 'Contract violation: payment.json $: "url" is a required property',
}


def run_scenario(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    pytester.makeini("[pytest]\n")  # the rootdir, so node ids read as in the repository
    pytester.makepyfile(**{SCENARIO_PATH.removesuffix(".py"): SCENARIO.read_text(encoding="utf-8"),
                           # A package: imported as scenarios.test_cancel_before_pay, not
                           # as the basename this process already imported the original by.
                           "tests/scenarios/__init__": ""})
    return pytester.runpytest_inprocess("-p", "no:cacheprovider", "--sknpay-webhook-timeout=20",
                                        SCENARIO_PATH, *args)


def failure_section(output: str) -> list[str]:
    """From the test's ``____ name ____`` header to the next section."""
    lines = output.splitlines()
    start = next(i for i, line in enumerate(lines)
                 if re.fullmatch(r"_+ test_cancel_before_pay _+", line))
    end = next((i for i in range(start + 1, len(lines)) if re.match(r"^(=+|-+) \S", lines[i])),
               len(lines))
    return lines[start:end]


def short_summary(output: str) -> list[str]:
    lines = output.splitlines()
    start = next(i for i, line in enumerate(lines) if "short test summary info" in line)
    return [line for line in lines[start + 1:] if not line.startswith("=")]


def failing_run(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, break_name: str) -> str:
    """The scenario's output with ``break_name`` on, on 80 columns, checked for
    what every broken run must show; returned for more checks."""
    monkeypatch.setenv("COLUMNS", "80")
    # A terminal as a person has it: pytest leaves the short summary uncut on CI.
    monkeypatch.delenv("CI", raising=False)
    monkeypatch.delenv("BUILD_NUMBER", raising=False)
    result = run_scenario(pytester, f"--sknpay-mock-breaks={break_name}")
    result.assert_outcomes(failed=1)
    output = result.stdout.str()
    assert SYMPTOMS[break_name] in output, (
        f"break {break_name!r} failed the scenario, but not with the expected symptom "
        f"{SYMPTOMS[break_name]!r}:\n{output[-3000:]}")

    section = failure_section(output)
    shown = "\n".join(section)
    assert len(section) <= MAX_FAILURE_LINES, f"{len(section)} lines:\n{shown}"
    assert "sknpay_harness/" not in shown, f"a harness frame is shown:\n{shown}"
    assert f"{SCENARIO_PATH}:" in shown  # the failing line is the scenario's own

    summary = short_summary(output)
    assert all(len(line) <= 80 for line in summary), summary
    assert any(SUMMARIES[break_name] in line for line in summary), summary
    return output


def test_scenario_passes_with_no_break(pytester: pytest.Pytester) -> None:
    result = run_scenario(pytester)
    result.assert_outcomes(passed=1)


@pytest.mark.parametrize("break_name", sorted(set(SYMPTOMS) - {"webhook_wrong_secret"}))
def test_scenario_fails_with_each_break(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch,
                                        break_name: str) -> None:
    failing_run(pytester, monkeypatch, break_name)


def test_a_rejected_webhook_is_counted_alike_everywhere(pytester: pytest.Pytester,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """The failure, the run summary and the mock's delivery log tell one story:
    the mock retried the rejected delivery until it gave up, and each of them
    counts every attempt, each answered 400."""
    output = failing_run(pytester, monkeypatch, "webhook_wrong_secret")
    in_message = re.search(r"rejected deliveries \((\d+)\):", output)
    listed = re.findall(r"- #\d+ POST \S+ -> 400 rejected: signature mismatch", output)
    in_summary = re.search(r"webhook deliveries: 0 accepted, .* (\d+) rejected", output)
    in_mock_log = re.search(r"gave up after (\d+) attempts \(answers: ([\d, ]+)\)", output)
    assert in_message and in_summary and in_mock_log, output
    answers = in_mock_log[2].split(", ")
    assert int(in_message[1]) == len(listed) == int(in_summary[1]) == int(in_mock_log[1]) == len(answers)
    assert set(answers) == {"400"} and "none yet" not in output and "so far" not in output


def test_full_trace_still_shows_the_harness_frames(pytester: pytest.Pytester) -> None:
    result = run_scenario(pytester, "--sknpay-mock-breaks=status_cancelled", "--full-trace")
    result.assert_outcomes(failed=1)
    assert "sknpay_harness/contract.py" in "\n".join(failure_section(result.stdout.str()))


def test_every_break_of_the_first_issue_is_covered() -> None:
    from sknpay_harness.mock.breaks import BREAKS

    assert set(SYMPTOMS) <= set(BREAKS) and set(SUMMARIES) == set(SYMPTOMS)
