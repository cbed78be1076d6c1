"""The receiver check against the example shop, through ``sknpay_app``: the
shop meets every expectation, and each broken variant fails naming the
expectation it breaks. The check sends its deliveries to the shop itself,
signed with the run's webhook secret, so it runs on a live target too."""

from __future__ import annotations

import pytest
from examples.shop import BROKEN

from sknpay_harness.mock.receiver_battery import CASE_NAMES
from sknpay_harness.mock.receiver_check import ReceiverReport


def check_shop(running, sknpay_app, sknpay_api) -> ReceiverReport:
    """The battery about a new unpaid order; the shop's order state is the probe,
    and once the real payment is delivered the order must be paid exactly once."""
    order = running.place_order()
    payment = sknpay_api.retrieve_payment(order.payment_id).json()  # the amount the shop expects

    def paid_once() -> None:
        state = running.state(order)
        assert (state["status"], state["times_paid"]) == ("paid", 1), \
            f"order {state['status']}, paid {state['times_paid']} times: expected paid once"

    return sknpay_app.check_receiver(running.webhook_url, payment,
                                     state_probe=lambda: running.state(order),
                                     after={"valid": paid_once})


def test_the_shop_meets_every_expectation(example_shop, sknpay_app, sknpay_api):
    report = check_shop(example_shop(), sknpay_app, sknpay_api)
    print(report.text(verbose=True))
    assert report.ok, report.text()
    assert report.summary() == "receiver check passed: 11 of 11 deliveries met their expectations"
    assert [r.case for r in report.results] == list(CASE_NAMES)


FAILED = "receiver check failed "
# Each variant's one-line result: the expectation its bug breaks, and the cases that broke it.
BROKEN_SUMMARIES = {
    "skips_verification": FAILED + "(5 of 11 deliveries): expected 4xx, got 200: forged_signature, "
    "no_signature, stale_signature, future_timestamp, body_changed; must not change state: "
    "forged_signature",
    "reserialises_body": FAILED + "(6 of 11 deliveries): expected 2xx, got 400: valid, duplicate, "
    "rotated_secret, unknown_type, out_of_order, large_body; order pending, paid 0 times: "
    "expected paid once: valid",
    "not_idempotent": FAILED + "(1 of 11 deliveries): must not change state twice: duplicate",
    "ignores_timestamp": FAILED + "(2 of 11 deliveries): expected 4xx, got 200: stale_signature, "
    "future_timestamp; must not change state: stale_signature",
    "first_signature_only": FAILED + "(1 of 11 deliveries): expected 2xx, got 400: rotated_secret",
    "late_failure_undoes": FAILED + "(1 of 11 deliveries): must not undo the payment: out_of_order",
    "rejects_unknown_types": FAILED + "(1 of 11 deliveries): expected 2xx, got 400: unknown_type",
    "small_body_limit": FAILED + "(1 of 11 deliveries): expected 2xx, got 413: large_body",
}


def test_every_broken_variant_has_its_pinned_result():
    assert set(BROKEN_SUMMARIES) == set(BROKEN)


@pytest.mark.parametrize("broken", sorted(BROKEN))
def test_each_broken_shop_fails_naming_the_broken_expectation(example_shop, sknpay_app,
                                                              sknpay_api, broken):
    report = check_shop(example_shop(broken), sknpay_app, sknpay_api)
    print(f"{broken}: {report.summary()}")
    assert not report.ok
    assert report.summary() == BROKEN_SUMMARIES[broken], report.text()
