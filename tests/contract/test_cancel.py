"""Cancel: answers the canceled payment, is idempotent, fires exactly one
payment.canceled, and leaves a payment in another terminal state alone (a
paid one on any target; expired and failed ones, which the mock must be put
in, on the mock)."""

from __future__ import annotations

import pytest


def test_cancel_unknown_id_is_404(sknpay_api, sknpay_expect_error):
    sknpay_expect_error(sknpay_api.cancel_payment("plink_NoSuchPayment0000000"), 404)


def test_cancel_answers_the_canceled_payment(sknpay_api, sknpay_contract, sknpay_create):
    created = sknpay_create()
    canceled = sknpay_contract.check_response(sknpay_api.cancel_payment(created["id"]), "payment",
                                              status=200)
    assert canceled["id"] == created["id"], (
        f"cancel answered for payment {canceled['id']!r}, expected {created['id']!r}")
    assert canceled["status"] == "canceled", (
        f"cancel answered status {canceled['status']!r}, expected 'canceled'")
    assert canceled["amount"] == created["amount"], (
        f"cancel changed the amount: {created['amount']!r} -> {canceled['amount']!r}")


def test_cancel_twice_same_object_and_one_event(sknpay_api, sknpay_contract, sknpay_create,
                                                sknpay_webhooks):
    created = sknpay_create()
    first = sknpay_contract.check_response(sknpay_api.cancel_payment(created["id"]), "payment",
                                           status=200)
    second = sknpay_contract.check_response(sknpay_api.cancel_payment(created["id"]), "payment",
                                            status=200)
    differs = sorted(k for k in set(first) | set(second)
                     if k not in first or k not in second or first[k] != second[k])
    assert not differs, (
        f"a second cancel (a no-op: the payment is already terminal) answered another object; "
        f"fields that differ: {differs}\n  first:  {first}\n  second: {second}")
    assert second["status"] == "canceled", f"after two cancels status is {second['status']!r}"
    sknpay_webhooks.wait_for("payment.canceled", created["id"])
    sknpay_webhooks.no_more_events("payment.canceled", created["id"], expected=1)


def test_cancel_after_payment_changes_nothing(sknpay_paid_link, sknpay_api, sknpay_contract,
                                              sknpay_webhooks):
    payment_id = sknpay_paid_link.id
    before = sknpay_contract.check_response(sknpay_api.retrieve_payment(payment_id), "payment",
                                            status=200)
    answer = sknpay_contract.check_response(sknpay_api.cancel_payment(payment_id), "payment",
                                            status=200)
    differs = [f"{f}: {before.get(f)!r} -> {answer.get(f)!r}"
               for f in ("id", "status", "amount", "canceled_at", "amount_refunded")
               if before.get(f) != answer.get(f)]
    assert not differs, ("cancel of a succeeded payment changed it (a no-op once paid): "
                         + "; ".join(differs))
    sknpay_webhooks.no_more_events("payment.canceled", payment_id, expected=0)


@pytest.mark.mock_only
@pytest.mark.parametrize("status", ["succeeded", "expired", "failed"])
def test_cancel_of_terminal_payment_changes_nothing(status, sknpay_mock, sknpay_api,
                                                    sknpay_contract, sknpay_create,
                                                    sknpay_webhooks):
    created = sknpay_create()
    sknpay_mock.force_status(created["id"], status)
    before = sknpay_contract.check_response(sknpay_api.retrieve_payment(created["id"]), "payment",
                                            status=200)
    answer = sknpay_contract.check_response(sknpay_api.cancel_payment(created["id"]), "payment",
                                            status=200)
    assert answer == before, (
        f"cancel of a {status} payment changed it: status {before['status']!r} -> "
        f"{answer['status']!r}\n  before: {before}\n  after:  {answer}")
    sknpay_webhooks.no_more_events("payment.canceled", created["id"], expected=0)
