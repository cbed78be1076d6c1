"""The example shop as the app under test, against the embedded mock: the
customer pays on the hosted page the shop redirects to, the mock's signed
webhooks reach the shop's own endpoint (and the harness's listener), and the
order follows: paid, unpaid after a declined card and paid by the retry,
refunded. On a live target the dashboard decides where webhooks go, so these
are the mock's (the receiver check runs everywhere: test_receiver_check_shop)."""

from __future__ import annotations

import pytest

from sknpay_harness.cards import DECLINED_CARD_EXAMPLE, TEST_CARD

pytestmark = pytest.mark.mock_only(
    reason="routes the mock's webhooks to the shop; on a live target the dashboard's "
           "webhook endpoint decides where they go")


def test_checkout_pays_the_order(example_shop, sknpay_app, sknpay_customer, sknpay_webhooks):
    running = example_shop()
    assert sknpay_app.send_webhooks_to(running.webhook_url) == [
        running.webhook_url, sknpay_webhooks.url]
    order = running.place_order(2500)
    assert running.state(order)["status"] == "pending"

    outcome = sknpay_customer.pay(str(order.payment_url), TEST_CARD,
                                  success_url=f"{running.url}/orders/{order.id}/paid")
    assert outcome.outcome == "paid", outcome.describe()
    # Back to the shop's success_url, which thanks the customer but marks nothing.
    assert outcome.payment_id == order.payment_id, outcome.describe()

    event = sknpay_webhooks.wait_for("payment.succeeded", str(order.payment_id))
    assert event.body["data"]["object"]["metadata"]["order_id"] == order.id
    assert running.wait_for_status(order, "paid") == {
        "status": "paid", "times_paid": 1, "amount_refunded": 0}


def test_a_declined_card_leaves_the_order_unpaid_and_a_retry_pays(
        example_shop, sknpay_app, sknpay_customer, sknpay_webhooks):
    running = example_shop()
    sknpay_app.send_webhooks_to(running.webhook_url)
    order = running.place_order()
    payment_id = str(order.payment_id)

    declined = sknpay_customer.pay(str(order.payment_url), DECLINED_CARD_EXAMPLE)
    assert declined.outcome == "declined", declined.describe()
    sknpay_webhooks.wait_for("payment.failed", payment_id)
    assert running.wait_for_status(order, "failed")["times_paid"] == 0

    retried = sknpay_customer.pay(str(order.payment_url), TEST_CARD)
    assert retried.outcome == "paid", retried.describe()
    sknpay_webhooks.wait_for("payment.succeeded", payment_id)
    assert running.wait_for_status(order, "paid")["times_paid"] == 1


def test_refunds_mark_the_order_partly_then_fully_refunded(
        example_shop, sknpay_app, sknpay_customer, sknpay_webhooks, sknpay_api):
    running = example_shop()
    sknpay_app.send_webhooks_to(running.webhook_url)
    order = running.place_order(2500)
    payment_id = str(order.payment_id)
    assert sknpay_customer.pay(str(order.payment_url), TEST_CARD).outcome == "paid"
    running.wait_for_status(order, "paid")

    # The merchant refunds through the API (the shop has no refund action of its
    # own); the shop learns of it from payment.refunded, as it would from the dashboard.
    first = sknpay_api.create_refund(payment_id, 1000)
    assert first.status in (200, 201), first.summary()
    assert running.wait_for_status(order, "partly_refunded")["amount_refunded"] == 1000

    rest = sknpay_api.create_refund(payment_id)
    assert rest.status in (200, 201), rest.summary()
    assert rest.json()["amount"] == 1500
    assert running.wait_for_status(order, "refunded") == {
        "status": "refunded", "times_paid": 1, "amount_refunded": 2500}
    assert len(sknpay_webhooks.no_more_events("payment.refunded", payment_id, expected=2)) == 2


def test_without_the_listener_only_the_shop_gets_the_webhooks(
        example_shop, sknpay_app, sknpay_customer, sknpay_webhooks):
    running = example_shop()
    assert sknpay_app.send_webhooks_to(running.webhook_url, also_listener=False) == [
        running.webhook_url]
    order = running.place_order()
    assert sknpay_customer.pay(str(order.payment_url), TEST_CARD).outcome == "paid"
    assert running.wait_for_status(order, "paid")["times_paid"] == 1
    sknpay_webhooks.settle()  # the mock has delivered all it will
    assert sknpay_webhooks.events(payment_id=str(order.payment_id)) == []
