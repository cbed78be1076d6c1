"""Refund, full and partial: one payment.refunded per refund, the amounts add
up, and an over-refund or a refund of an unpaid link is refused."""

from __future__ import annotations

import pytest

pytestmark = [pytest.mark.scenario]


def _refund(sknpay_api, sknpay_contract, payment_id, amount=None):
    refund = sknpay_contract.check_response(sknpay_api.create_refund(payment_id, amount),
                                            "refund", status=(200, 201))
    assert refund["payment_id"] == payment_id, f"refund for {refund['payment_id']!r}"
    return refund


def _refused(exchange, why):
    assert 400 <= exchange.status < 500, (
        f"{why}: expected a 4xx refusal, got {exchange.summary()}\n"
        f"  response body: {exchange.response_body[:300]}\n  reproduce: {exchange.curl}")


def test_partial_refunds(sknpay_paid, sknpay_api, sknpay_contract, sknpay_webhooks,
                         sknpay_reporter):
    with sknpay_reporter.step("1. A customer pays 10.00"):
        paid = sknpay_paid(1000)

    with sknpay_reporter.step("2. Refund 4.00, then 6.00"):
        first = _refund(sknpay_api, sknpay_contract, paid.id, 400)
        second = _refund(sknpay_api, sknpay_contract, paid.id, 600)
        assert first["amount"] + second["amount"] == 1000, (first["amount"], second["amount"])

    with sknpay_reporter.step("3. One payment.refunded per refund"):
        events = sknpay_webhooks.no_more_events("payment.refunded", paid.id, expected=2)
        for event in events:
            sknpay_contract.check("event", event.body, where=f"webhook {event.event_id}")

    with sknpay_reporter.step("4. Nothing is left to refund: one more cent is refused"):
        _refused(sknpay_api.create_refund(paid.id, 1), "a refund over what is left")


def test_full_refund(sknpay_paid, sknpay_api, sknpay_contract, sknpay_webhooks, sknpay_reporter):
    with sknpay_reporter.step("1. A customer pays 12.34"):
        paid = sknpay_paid(1234)

    with sknpay_reporter.step("2. Refund without an amount refunds it all"):
        refund = _refund(sknpay_api, sknpay_contract, paid.id)
        assert refund["amount"] == 1234, f"a full refund should be 1234, got {refund['amount']}"

    with sknpay_reporter.step("3. payment.refunded arrives"):
        event = sknpay_webhooks.wait_for("payment.refunded", paid.id)
        sknpay_contract.check("event", event.body, where=f"webhook {event.event_id}")
        assert event.body["data"]["object"]["id"] == paid.id


def test_refund_of_an_unpaid_link_is_refused(sknpay_new_link, sknpay_api, sknpay_webhooks,
                                             sknpay_reporter):
    with sknpay_reporter.step("1. A link nobody paid"):
        created = sknpay_new_link()

    with sknpay_reporter.step("2. Its refund is refused, and nothing is sent"):
        _refused(sknpay_api.create_refund(created["id"]), "a refund of an unpaid link")
        sknpay_webhooks.no_more_events("payment.refunded", created["id"], expected=0)
