"""Refunds (POST /refunds {payment_id, amount?}): the answer is a refund naming
its payment and amount; a full refund takes the whole rest and partial ones
add up to the paid total; an unpaid link, more than is left, an unknown
payment and an invalid amount are refused with an error body and refund
nothing; each refund fires one payment.refunded.

The refund object's fields beyond payment_id and amount are unknown (API
notes): schemas/refund.json requires only those two, and the fields the
target sent are noted as a reading.
"""

from __future__ import annotations

import pytest

from .conftest import AMOUNT, DECLINED_CARD, REFUND_STATUSES, SUCCESS_URL, payment_request

UNKNOWN_PAYMENT = "plink_NoSuchPayment0000000"


@pytest.fixture
def expect_refused(sknpay_expect_error):
    """callable(exchange, what, detail="", note=True) -> body · the refund was refused
    with 4xx and an error body; the failure names what should have been refused.
    ``note``: count the status among the answers to an invalid request."""

    def refused(exchange, what: str, detail: str = "", note: bool = True):
        __tracebackhide__ = True
        if not 400 <= exchange.status < 500:
            raise AssertionError(
                f"{what} was not refused{f' ({detail})' if detail else ''}: "
                f"{exchange.summary()}, expected HTTP 4xx\n"
                f"  response body: {exchange.response_body[:300]}\n  reproduce: {exchange.curl}")
        return sknpay_expect_error(exchange, None if note else exchange.status)

    return refused


def _amount_answered(refund: dict, sent: int) -> None:
    __tracebackhide__ = True
    assert refund["amount"] == sent, (
        f"a refund of {sent}: the refund answered amount {refund['amount']!r}")


def test_refund_answer_matches_refund_schema(sknpay_paid_link, sknpay_api, sknpay_contract,
                                             sknpay_reading):
    sknpay_contract.check("create-refund-request", {"payment_id": sknpay_paid_link.id},
                          where="the request we send")
    exchange = sknpay_api.create_refund(sknpay_paid_link.id)
    refund = sknpay_contract.check_response(exchange, "refund", status=REFUND_STATUSES)
    sknpay_reading("refund answers", f"HTTP {exchange.status}")
    extra = sorted(set(refund) - {"payment_id", "amount"})
    sknpay_reading("refund fields beyond payment_id and amount", ", ".join(extra) or "none")
    assert refund["payment_id"] == sknpay_paid_link.id, (
        f"the refund names payment {refund['payment_id']!r}, expected {sknpay_paid_link.id!r}")


def test_full_refund_refunds_the_whole_amount(sknpay_paid_link, sknpay_api, sknpay_refund,
                                              expect_refused):
    refund = sknpay_refund(sknpay_paid_link.id)  # no amount: the whole rest
    _amount_answered(refund, AMOUNT)
    expect_refused(sknpay_api.create_refund(sknpay_paid_link.id, 1),
                   "a refund of more than is left", "nothing is, after a full refund")


def test_partial_refunds_add_up_to_the_total(sknpay_paid_link, sknpay_api, sknpay_refund,
                                             expect_refused):
    first, rest = 400, AMOUNT - 400
    _amount_answered(sknpay_refund(sknpay_paid_link.id, first), first)
    _amount_answered(sknpay_refund(sknpay_paid_link.id, rest), rest)
    expect_refused(sknpay_api.create_refund(sknpay_paid_link.id, 1),
                   "a refund of more than is left", f"nothing is, after {first} + {rest}")


def test_refund_of_more_than_is_left_is_refused(sknpay_paid_link, sknpay_api, sknpay_refund,
                                                expect_refused):
    payment_id = sknpay_paid_link.id
    expect_refused(sknpay_api.create_refund(payment_id, AMOUNT + 1),
                   "a refund of more than is left", f"{AMOUNT + 1} of {AMOUNT}")
    _amount_answered(sknpay_refund(payment_id, 1000), 1000)
    expect_refused(sknpay_api.create_refund(payment_id, AMOUNT - 1000 + 1),
                   "a refund of more than is left", f"{AMOUNT - 1000 + 1} of {AMOUNT - 1000}")
    # The refused ones refunded nothing: a full refund now takes exactly the rest.
    _amount_answered(sknpay_refund(payment_id), AMOUNT - 1000)


@pytest.mark.parametrize("state", ["open", "declined", "canceled"])
def test_refund_of_an_unpaid_link_is_refused(state, sknpay_api, sknpay_contract, sknpay_create,
                                             sknpay_customer, sknpay_reporter, sknpay_webhooks,
                                             expect_refused):
    created = sknpay_create(payment_request(success_url=SUCCESS_URL))
    if state == "declined":  # open, after a card was refused
        declined = sknpay_customer.pay(created["url"], DECLINED_CARD, success_url=SUCCESS_URL)
        sknpay_reporter.attach_outcome(declined)
        assert declined.outcome == "declined", (
            f"the declined card was not declined: {declined.describe()}")
    elif state == "canceled":
        sknpay_contract.check_response(sknpay_api.cancel_payment(created["id"]), "payment",
                                       status=200)
    expect_refused(sknpay_api.create_refund(created["id"]), "a refund of an unpaid link", state)
    sknpay_webhooks.no_more_events("payment.refunded", created["id"], expected=0)


def test_refund_of_an_unknown_payment_is_refused(sknpay_api, sknpay_reading, expect_refused):
    exchange = sknpay_api.create_refund(UNKNOWN_PAYMENT)
    # 404 (an unknown payment, as retrieve answers) or 400 (a bad body parameter,
    # as Stripe answers one naming a missing object): the docs do not say.
    sknpay_reading("refund of an unknown payment answers", f"HTTP {exchange.status}")
    expect_refused(exchange, "a refund of an unknown payment", note=False)


def _without_payment_id(payment_id: str) -> dict:
    return {"amount": 100}


# Each breaks a rule the API notes state: payment_id is required, and an amount
# is an integer of minor units, at least 1.
INVALID_REFUNDS = {
    "payment_id_missing": _without_payment_id,
    "amount_zero": lambda payment_id: {"payment_id": payment_id, "amount": 0},
    "amount_negative": lambda payment_id: {"payment_id": payment_id, "amount": -500},
    "amount_fractional": lambda payment_id: {"payment_id": payment_id, "amount": 10.5},
}


@pytest.mark.parametrize("body", INVALID_REFUNDS.values(), ids=INVALID_REFUNDS.keys())
def test_invalid_refund_is_refused(body, sknpay_paid_link, sknpay_api, sknpay_refund,
                                   expect_refused):
    expect_refused(sknpay_api.request("POST", "/refunds", json_body=body(sknpay_paid_link.id)),
                   "an invalid refund")
    # It refunded nothing: a full refund now takes the whole amount.
    _amount_answered(sknpay_refund(sknpay_paid_link.id), AMOUNT)


def test_each_refund_fires_one_payment_refunded(sknpay_paid_link, sknpay_contract, sknpay_refund,
                                                sknpay_webhooks):
    payment_id = sknpay_paid_link.id
    sknpay_refund(payment_id, 400)
    sknpay_refund(payment_id)
    sknpay_webhooks.wait_for("payment.refunded", payment_id)
    for event in sknpay_webhooks.no_more_events("payment.refunded", payment_id, expected=2):
        sknpay_contract.check("event", event.body, where=f"webhook {event.event_id}")
        assert event.body["data"]["object"]["id"] == payment_id, (
            f"payment.refunded {event.event_id} carries {event.body['data']['object']['id']!r}, "
            f"expected the refunded payment {payment_id!r}")
