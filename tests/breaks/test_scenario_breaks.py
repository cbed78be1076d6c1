"""Proof the scenario can fail: run it against the mock with each contract
break on, in a fresh pytest subprocess, and check the failure names the
symptom. A check no broken server can trip would be worthless."""

from __future__ import annotations

from pathlib import Path

import pytest

SCENARIO = Path(__file__).parents[1] / "scenarios" / "test_cancel_before_pay.py"

# break -> text the failure must contain (what a reader needs to see first)
SYMPTOMS = {
    "status_cancelled": '$.status: "cancelled" is not one of',
    "no_webhook": "No payment.canceled webhook for payment",
    "webhook_wrong_secret": "was rejected: signature mismatch",
    "event_type_typo": "payment.cancelled evt_",
    "hosted_page_still_active": "should say the link is 'no longer active' after cancel",
    "payment_without_url": '"url" is a required property',
}


def run_scenario(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    pytester.makepyfile(test_scenario=SCENARIO.read_text(encoding="utf-8"))
    return pytester.runpytest_subprocess("-p", "no:cacheprovider", "--sknpay-webhook-timeout=20", *args)


def test_scenario_passes_with_no_break(pytester: pytest.Pytester) -> None:
    result = run_scenario(pytester)
    result.assert_outcomes(passed=1)


@pytest.mark.parametrize("break_name", sorted(SYMPTOMS))
def test_scenario_fails_with_each_break(pytester: pytest.Pytester, break_name: str) -> None:
    result = run_scenario(pytester, f"--sknpay-mock-breaks={break_name}")
    result.assert_outcomes(failed=1)
    output = result.stdout.str()
    assert SYMPTOMS[break_name] in output, (
        f"break {break_name!r} failed the scenario, but not with the expected symptom "
        f"{SYMPTOMS[break_name]!r}:\n{output[-3000:]}")


def test_every_break_of_the_first_issue_is_covered() -> None:
    from sknpay_harness.mock.breaks import BREAKS

    assert set(SYMPTOMS) <= set(BREAKS)
