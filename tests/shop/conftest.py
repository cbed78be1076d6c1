"""The example shop (examples/shop) served on a loopback port, talking to a
mock built by the mock's builder (as tests/mock builds it), whose webhooks for
the shop's API key go to the shop."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from examples.shop import Shop, ShopConfig, create_shop

from sknpay_harness.backoff import Backoff
from sknpay_harness.mock.build import MockSpec, RunningMock, build_mock
from sknpay_harness.mock.outbox import DeliveryAttempts
from sknpay_harness.serving import WsgiServer
from sknpay_harness.tls import shared_ssl_context
from sknpay_harness.waiting import wait_until

KEY = "sk_test_shop_0123456789"
SECRET = "whsec_shop_0123456789"


@dataclass
class ShopRig:
    """The shop, its server, and the mock it takes payments through."""

    shop: Shop
    server: WsgiServer
    mock: RunningMock

    secret: str = SECRET

    @property
    def url(self) -> str:
        return self.server.url

    @property
    def webhook_url(self) -> str:
        return self.server.url + "/webhooks/sknpay"

    def api(self) -> httpx.Client:
        """The merchant's own client for the mock's API (refunds, payments)."""
        return http_client(self.mock.api_url, KEY)

    def order(self, amount: int = 2500, currency: str = "USD") -> tuple[str, dict[str, Any]]:
        """A new order through the shop: its id and the payment the shop made for it."""
        with http_client(self.url) as customer:
            answer = customer.post("/orders", data={"amount": str(amount), "currency": currency,
                                                    "description": "Receiver check order"})
        assert answer.status_code == 303, answer.text
        payment_id = answer.headers["Location"].rsplit("/", 1)[1]
        order = self.shop.order_for_payment(payment_id)
        assert order is not None, f"the shop made no order for {payment_id}"
        with self.api() as api:
            payment = api.get(f"/payments/{payment_id}").json()
        return order.id, payment

    def wait_for_status(self, order_id: str, status: str, timeout: float = 10.0) -> dict[str, Any]:
        """The order's state once its status is ``status``; WaitTimeout otherwise."""
        __tracebackhide__ = True
        shop = self.shop

        def describe() -> str:
            order = shop.orders[order_id]
            sent = [(d["event_type"], d["state"], [a["status"] for a in d["attempts"]])
                    for d in self.mock.outbox.log(KEY) if d["payment_id"] == order.payment_id]
            return (f"order {order_id} is {order.status!r}, expected {status!r} within "
                    f"{timeout:g} s; the mock's deliveries for {order.payment_id} "
                    f"(type, state, answers): {sent or 'none'}")

        return wait_until(shop.changed,
                          lambda: shop.order_state(order_id)
                          if shop.orders[order_id].status == status else None,
                          timeout, describe)


def http_client(base_url: str = "", key: str | None = None) -> httpx.Client:
    """A client with the process's shared TLS context: each new default one reads
    the CA bundle again (~0.1 s), which every test here would pay several times."""
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    return httpx.Client(base_url=base_url, headers=headers, verify=shared_ssl_context())


@pytest.fixture
def shop_rig() -> Iterator[Callable[..., ShopRig]]:
    """function · factory(broken=None) -> ShopRig · the example shop (or a broken variant)
    on a loopback port, and a fresh embedded mock whose webhooks go to it."""
    mock = build_mock(MockSpec(SECRET, delivery_attempts=DeliveryAttempts(
        3, Backoff(0.05, 2.0, 0.2)))).start()
    started: list[tuple[Shop, WsgiServer]] = []

    def start(broken: str | None = None) -> ShopRig:
        shop = create_shop(ShopConfig(mock.api_url, KEY, SECRET), broken=broken,
                           http=http_client(mock.api_url, KEY))
        server = WsgiServer(shop, name="example-shop").start()
        started.append((shop, server))
        with http_client(mock.url, KEY) as ctl:
            answer = ctl.put("/_mock/webhooks/endpoints",
                             json={"urls": [server.url + "/webhooks/sknpay"]})
            assert answer.status_code == 200, answer.text
        return ShopRig(shop, server, mock)

    yield start
    mock.stop()
    for shop, server in started:
        server.stop()
        shop.close()
