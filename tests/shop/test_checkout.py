"""The example shop against the embedded mock: a customer pays on the hosted
page, the mock's signed payment.succeeded reaches the shop, the order is paid."""

from __future__ import annotations

import httpx

from sknpay_harness.cards import TEST_CARD
from sknpay_harness.mock.hosted import DECLINED_CARD_EXAMPLE

from .conftest import http_client


def pay(payment_url: str, card: str) -> httpx.Response:
    """The customer submits the hosted page's form (every field, as a browser would)."""
    with http_client() as browser:
        page = browser.get(payment_url)
        assert page.status_code == 200 and 'autocomplete="cc-number"' in page.text
        return browser.post(payment_url, data={"card_number": card, "expiry": "12/34",
                                               "cvc": "123"})


def test_checkout_pays_the_order(shop_rig):
    rig = shop_rig()
    with http_client(rig.url) as customer:
        answer = customer.post("/orders", data={"amount": "2500", "currency": "USD"})
    assert answer.status_code == 303
    payment_url = answer.headers["Location"]
    assert payment_url.startswith(rig.mock.url + "/pay/plink_")
    order = rig.shop.order_for_payment(payment_url.rsplit("/", 1)[1])
    assert order is not None and order.status == "pending"

    paid = pay(payment_url, TEST_CARD)
    # Back to the shop's success_url, which thanks the customer but marks nothing.
    assert paid.status_code == 303
    assert paid.headers["Location"].startswith(f"{rig.url}/orders/{order.id}/paid?payment_id=")

    assert rig.wait_for_status(order.id, "paid") == {
        "status": "paid", "times_paid": 1, "amount_refunded": 0}


def test_a_declined_card_leaves_the_order_unpaid_and_a_retry_pays(shop_rig):
    rig = shop_rig()
    order_id, payment = rig.order()
    assert pay(payment["url"], DECLINED_CARD_EXAMPLE).status_code == 402
    assert rig.wait_for_status(order_id, "failed")["times_paid"] == 0
    assert pay(payment["url"], TEST_CARD).status_code == 303  # to the success_url
    assert rig.wait_for_status(order_id, "paid")["times_paid"] == 1
