"""The scenario in sandbox mode against a stand-in: retries, isolation, clean-up."""

from __future__ import annotations


def test_503_on_first_create_and_cancel_still_makes_exactly_one_payment(
        sandbox_stand_in, sandbox_run):
    stand_in = sandbox_stand_in("--fail-first", "create=1", "--fail-first", "cancel=1")
    result = sandbox_run(stand_in)
    result.assert_outcomes(passed=1)
    assert stand_in.mock.app.state.store.payment_count() == 1
    log = stand_in.log.getvalue()
    assert log.count("POST /api/v1/payments -> 503") == 1
    assert log.count("POST /api/v1/payments -> 200") == 1
    result.stdout.fnmatch_lines([
        "retried attempts: 2",
        "*POST */payments -> 503 * [[]HTTP 503, Retry-After 1: retrying in 1 s[]]",
        "*POST */cancel -> 503 * [[]HTTP 503, Retry-After 1: retrying in 1 s[]]",
    ])


def test_payments_carry_run_and_test_names_and_other_payments_events_are_ignored(
        sandbox_stand_in, sandbox_run):
    # --noise-rate 1: every event is followed by a validly signed one for a payment
    # this run did not make, as on a dashboard endpoint shared with other runs.
    stand_in = sandbox_stand_in("--noise-rate", "1", "--duplicate-rate", "1")
    result = sandbox_run(stand_in, "--sknpay-run-id", "run-A", "--sknpay-linger", "1")
    result.assert_outcomes(passed=1)
    payments = [p for t in stand_in.mock.app.state.store._tenants.values()
                for p in t.payments.values()]
    assert len(payments) == 1
    assert payments[0].metadata == {"harness_run": "run-A",
                                    "harness_test": "test_scenario.py::test_cancel_before_pay"}
    result.stdout.fnmatch_lines([
        "run id: run-A *",
        "webhook deliveries: 1 accepted, 1 duplicate, 1 ignored (other payments), 0 rejected",
        "  ignored #* ignored: payment not named by this run "
        "[[]payment.canceled evt_* payment=plink_*[]]",
    ])


def test_open_payments_are_canceled_at_session_end(sandbox_stand_in, sandbox_run):
    stand_in = sandbox_stand_in()
    files = {"test_leaves_open": """
        def test_leaves_one_open(sknpay_api):
            created = sknpay_api.create_payment({"amount": 700, "currency": "XCD",
                                                 "description": "left open"})
            assert created.status in (200, 201), created.summary()
    """}
    result = sandbox_run(stand_in, files=files)
    result.assert_outcomes(passed=1)
    payments = [p for t in stand_in.mock.app.state.store._tenants.values()
                for p in t.payments.values()]
    assert [p.status for p in payments] == ["canceled"]
    result.stdout.fnmatch_lines([
        "clean-up: 1 payment(s) left open by this run, 1 canceled, 0 failed",
        f"  {payments[0].id} [[]test_leaves_open.py::test_leaves_one_open[]]: canceled",
    ])
