"""The example shop (examples/shop) as the app under test: configured from the
plugin's ``sknpay_app`` (the target's API base URL, key and webhook secret),
served on a loopback port. A test routes the mock's webhooks to it itself
(``sknpay_app.send_webhooks_to``), so each test says where its events go."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from examples.shop import Order, Shop, ShopConfig, create_shop

from sknpay_harness.errors import WaitTimeout
from sknpay_harness.serving import WsgiServer
from sknpay_harness.tls import shared_ssl_context
from sknpay_harness.waiting import wait_until


@dataclass
class RunningShop:
    """The shop, the server it answers on, and the harness's view of its webhooks."""

    shop: Shop
    server: WsgiServer
    webhooks: Any  # the test's sknpay_webhooks (WebhookWaiter)

    @property
    def url(self) -> str:
        return self.server.url

    @property
    def webhook_url(self) -> str:
        return self.server.url + "/webhooks/sknpay"

    def place_order(self, amount: int = 2500, currency: str = "USD") -> Order:
        """A customer's order at the shop (POST /orders, as the shop's form does):
        the order, holding the payment link the shop made and redirected to."""
        with http_client(self.url) as browser:
            answer = browser.post("/orders", data={"amount": str(amount), "currency": currency,
                                                   "description": "Example shop order"})
        assert answer.status_code == 303, f"POST /orders -> {answer.status_code}: {answer.text}"
        link = answer.headers["Location"]
        with self.shop.changed:
            order = next((o for o in self.shop.orders.values() if o.payment_url == link), None)
        assert order is not None and order.payment_id, f"the shop redirected to {link}, no order's link"
        return order

    def state(self, order: Order) -> dict[str, Any]:
        return self.shop.order_state(order.id)

    def wait_for_status(self, order: Order, status: str) -> dict[str, Any]:
        """The order's state once its status is ``status`` (the shop notifies
        ``changed`` after every event it applies); WaitTimeout, saying what the
        order is and what was delivered, when it is not within the webhook
        timeout, or at once when the embedded mock has nothing more to deliver."""
        __tracebackhide__ = True
        shop, webhooks, payment_id = self.shop, self.webhooks, str(order.payment_id)
        timeout = webhooks.default_timeout
        nothing_more_coming = webhooks.target.nothing_more_coming  # never sure on a live target

        def describe(why: str) -> str:
            heard = [e.line() for e in webhooks.events(payment_id=payment_id)]
            return (f"order {order.id} (shop {self.url}) is {shop.orders[order.id].status!r}, "
                    f"expected {status!r} {why}\n"
                    f"  the harness's listener got: {heard or 'nothing'}\n"
                    f"  {webhooks.target.describe_deliveries(payment_id)}")

        def reached() -> dict[str, Any] | None:
            if shop.orders[order.id].status == status:
                return shop.order_state(order.id)
            # The shop applies an event before it answers, so once the mock's
            # outbox is idle the order will not move any more.
            idle = nothing_more_coming()
            if idle:
                raise WaitTimeout(describe(f"and it will not move: {idle}"))
            return None

        return wait_until(shop.changed, reached, timeout,
                          lambda: describe(f"within {timeout:g} s"))


def http_client(base_url: str = "", key: str | None = None) -> httpx.Client:
    """A client with the process's shared TLS context: each new default one reads
    the CA bundle again (~0.1 s), which every test here would pay several times."""
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    return httpx.Client(base_url=base_url, headers=headers, timeout=10.0,
                        verify=shared_ssl_context())


@pytest.fixture(scope="session")
def shops_to_wake(sknpay_harness: Any) -> list[Shop]:
    """session · list · the running shops, woken when the embedded mock's outbox goes
    idle (one listener for the run): wait_for_status then knows the order will not move."""
    shops: list[Shop] = []

    def outbox_idle() -> None:
        for shop in list(shops):
            with shop.changed:
                shop.changed.notify_all()

    if sknpay_harness.mock is not None:
        sknpay_harness.mock.state.outbox.add_idle_listener(outbox_idle)
    return shops


@pytest.fixture
def example_shop(sknpay_app: Any, sknpay_api: Any, sknpay_webhooks: Any,
                 shops_to_wake: list[Shop]) -> Iterator[Callable[..., RunningShop]]:
    """function · factory(broken=None) -> RunningShop · the example shop (or a broken
    variant) on a loopback port, given the target's API base URL, key and webhook
    secret by ``sknpay_app``. On a live target its links are canceled at the end."""
    started: list[RunningShop] = []

    def start(broken: str | None = None) -> RunningShop:
        key = sknpay_app.api_key.reveal()  # into the app's config, as an app reads its own
        config = ShopConfig(sknpay_app.api_url, key, sknpay_app.webhook_secret.reveal())
        shop = create_shop(config, broken=broken, http=http_client(sknpay_app.api_url, key))
        running = RunningShop(shop, WsgiServer(shop, name="example-shop").start(),
                              sknpay_webhooks)
        started.append(running)
        shops_to_wake.append(shop)
        return running

    yield start
    for running in started:
        shops_to_wake.remove(running.shop)
        running.server.stop()
        running.shop.close()
        if sknpay_app.live:  # the mock forgets each test's payments; the sandbox keeps them
            for order in running.shop.orders.values():
                # Whatever the shop believes (the receiver check's made-up events mark
                # orders paid), nobody paid these links: cancel them (a paid one refuses).
                if order.payment_id:
                    sknpay_api.cancel_payment(order.payment_id)
