"""Proof the lifecycle scenarios can fail: each runs against the mock with a
break of the promise it proves switched on (in a pytest run of its own, in
process), and must fail naming the symptom; with no break, all pass."""

from __future__ import annotations

from pathlib import Path

import pytest

SCENARIOS = Path(__file__).parents[1] / "scenarios"
FILES = ("conftest.py", "test_standard_checkout.py", "test_declined_card.py",
         "test_three_d_secure.py", "test_refund.py", "test_expiry.py", "test_idempotency.py")

# (break, the scenario it must fail, text its failure must contain)
CASES = [
    ("no_succeeded_event", "test_standard_checkout",
     "No payment.succeeded or payment.paid or payment.completed webhook for payment"),
    ("hosted_page_paid_still_payable", "test_standard_checkout",
     "the paid link still shows a card form"),
    ("cancel_overrides_terminal", "test_standard_checkout",
     "cancel is a no-op once terminal; it turned the payment 'canceled'"),
    ("declined_card_pays", "test_declined_card", "customer (form driver): paid, last status 303"),
    ("failed_event_without_reason", "test_declined_card",
     "last_payment_error: null is not of type"),
    ("no_failed_event", "test_three_d_secure_failed", "No payment.failed webhook for payment"),
    ("refund_no_webhook", "test_full_refund", "No payment.refunded webhook (got payment.succeeded) for"),
    ("refund_over_the_rest", "test_partial_refunds",
     "a refund over what is left: expected a 4xx refusal"),
    ("refund_of_unpaid_link", "test_refund_of_an_unpaid_link_is_refused",
     "a refund of an unpaid link: expected a 4xx refusal"),
    ("expired_event_stale_status", "test_expiry", '"expired" was expected'),
    ("idempotency_ignored", "test_idempotency", "the retry made a second link"),
]


@pytest.fixture
def lifecycle(pytester: pytest.Pytester) -> pytest.Pytester:
    # Each file under a name of its own: this process imported the originals by theirs.
    for name in FILES:
        copy = name if name == "conftest.py" else name.replace("test_", "test_copy_", 1)
        (pytester.path / copy).write_text((SCENARIOS / name).read_text(encoding="utf-8"))
    return pytester


def test_the_lifecycle_scenarios_pass_with_no_break(lifecycle: pytest.Pytester) -> None:
    result = lifecycle.runpytest_inprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=9)


@pytest.mark.parametrize(("break_name", "test", "symptom"), CASES,
                         ids=[f"{b}-{t}" for b, t, _ in CASES])
def test_a_lifecycle_scenario_fails_with_its_break(lifecycle: pytest.Pytester, break_name: str,
                                                   test: str, symptom: str) -> None:
    result = lifecycle.runpytest_inprocess("-p", "no:cacheprovider", "--sknpay-webhook-timeout=5",
                                           f"--sknpay-mock-breaks={break_name}", "-k", test)
    outcomes = result.parseoutcomes()
    assert outcomes.get("failed", 0) >= 1, f"{break_name} failed no scenario:\n{result.stdout.str()[-2000:]}"
    assert symptom in result.stdout.str(), (
        f"{break_name} failed {test}, but not with {symptom!r}:\n{result.stdout.str()[-3000:]}")


def test_every_case_names_a_known_break() -> None:
    from sknpay_harness.mock.breaks import BREAKS

    assert {b for b, _, _ in CASES} <= set(BREAKS)
