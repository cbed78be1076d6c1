"""A small shop that takes payments through SKN Pay: the integrator's side.

- ``POST /orders`` (form: ``amount``, ``currency``, ``description``) makes an
  order, creates a payment link for it through the API (tried again after a
  5xx, with an ``Idempotency-Key`` per order, so a retried create never makes
  two links) and redirects the customer to the link's ``url`` (303).
- ``GET /orders/<id>/paid`` is the ``success_url``: it thanks the customer but
  marks nothing; only a verified webhook does (a redirect can be forged).
- ``POST /webhooks/sknpay`` verifies the signature over the raw body first,
  applies each event once (by event id), and only moves an order forward:
  a late ``payment.failed`` never undoes a payment. It answers 2xx to events
  it ignores (unknown types, other payments) so SKN Pay stops retrying, and
  400 to a delivery it cannot trust.
- ``GET /orders/<id>`` is the order as JSON.

State lives in memory (a real shop keeps orders and processed event ids in
its database, the event id under a unique constraint). ``changed`` is
notified after every applied event, so a test can wait for an order's state.
"""

from __future__ import annotations

import json
import secrets
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from typing import Any

import httpx
from werkzeug.exceptions import HTTPException
from werkzeug.routing import Map, Rule
from werkzeug.utils import redirect
from werkzeug.wrappers import Request, Response

from . import webhook_signature

PENDING, FAILED, PAID, REFUNDED, PARTLY_REFUNDED = (
    "pending", "failed", "paid", "refunded", "partly_refunded")
PAYABLE = (PENDING, FAILED)  # a declined try leaves the order payable: the link stays open


@dataclass
class Order:
    id: str
    amount: int
    currency: str
    description: str
    status: str = PENDING
    payment_id: str | None = None
    payment_url: str | None = None
    times_paid: int = 0  # how many times a payment was recorded: 1 at most, in a correct shop
    amount_refunded: int = 0

    def state(self) -> dict[str, Any]:
        """What the receiver check compares before and after each delivery."""
        return {"status": self.status, "times_paid": self.times_paid,
                "amount_refunded": self.amount_refunded}


@dataclass
class ShopConfig:
    api_url: str  # e.g. https://app.sknpay.com/api/v1
    api_key: str = field(repr=False)
    webhook_secret: str = field(repr=False)


class Shop:
    """The WSGI app. ``http``: the client for the SKN Pay API (made if not given)."""

    def __init__(self, config: ShopConfig, *, http: httpx.Client | None = None,
                 clock: Callable[[], float] = time.time) -> None:
        self.config, self.clock = config, clock
        self.http = http or httpx.Client(
            base_url=config.api_url, timeout=10.0,
            headers={"Authorization": f"Bearer {config.api_key}"})
        self.orders: dict[str, Order] = {}
        self._by_payment: dict[str, Order] = {}
        self._applied_events: set[str] = set()
        self.changed = threading.Condition()  # guards the state above; notified on each change
        self._routes = Map([
            Rule("/orders", endpoint="create_order", methods=["POST"]),
            Rule("/orders/<order_id>", endpoint="show_order", methods=["GET"]),
            Rule("/orders/<order_id>/paid", endpoint="thanks", methods=["GET"]),
            Rule("/webhooks/sknpay", endpoint="webhook", methods=["POST"]),
        ])

    def __call__(self, environ: dict[str, Any],
                 start_response: Callable[..., Any]) -> Iterable[bytes]:
        request = Request(environ)
        try:
            endpoint, args = self._routes.bind_to_environ(environ).match()
            response = getattr(self, endpoint)(request, **args)
        except HTTPException as exc:
            response = exc.get_response(environ)
        return response(environ, start_response)  # type: ignore[no-any-return]

    def close(self) -> None:
        self.http.close()

    # -- the customer's side ------------------------------------------------------------
    def create_order(self, request: Request) -> Response:
        order = Order("ord_" + secrets.token_hex(6), int(request.form.get("amount", "1000")),
                      request.form.get("currency", "USD"),
                      request.form.get("description", "An order"))
        home = request.host_url.rstrip("/")
        answer = self.create_payment(order, {
            "amount": order.amount, "currency": order.currency, "description": order.description,
            "metadata": {"order_id": order.id}, "success_url": f"{home}/orders/{order.id}/paid",
            "cancel_url": f"{home}/orders/{order.id}"})
        if answer is None or answer.status_code not in (200, 201):
            said = "no answer" if answer is None else answer.status_code
            return Response(f"payment provider said {said}", status=502)
        payment = answer.json()
        order.payment_id, order.payment_url = payment["id"], payment["url"]
        with self.changed:
            self.orders[order.id] = order
            self._by_payment[payment["id"]] = order
        return redirect(payment["url"], code=303)

    def create_payment(self, order: Order, body: dict[str, Any]) -> httpx.Response | None:
        """POST /payments, tried again (up to three tries) after a 5xx or no answer:
        the order's Idempotency-Key makes a retry return the first try's link, never
        a second one. (A real shop would back off between tries; the example does not.)"""
        answer = None
        for _ in range(3):
            try:
                answer = self.http.post("/payments", json=body,
                                        headers={"Idempotency-Key": f"order-{order.id}"})
            except httpx.TransportError:
                continue
            if answer.status_code < 500:
                break
        return answer

    def show_order(self, request: Request, order_id: str) -> Response:
        with self.changed:
            order = self.orders.get(order_id)
            body = None if order is None else asdict(order)
        if body is None:
            return Response("no such order", status=404)
        return Response(json.dumps(body), content_type="application/json")

    def thanks(self, request: Request, order_id: str) -> Response:
        return Response("Thank you: your order is confirmed once SKN Pay tells us it is paid.")

    # -- SKN Pay's side: the webhook ----------------------------------------------------
    max_webhook_bytes = 1024 * 1024

    def webhook(self, request: Request) -> Response:
        if (request.content_length or 0) > self.max_webhook_bytes:
            return Response("too large", status=413)
        raw = request.get_data(cache=False)  # the bytes as sent, before any parsing
        try:
            self.verify(request.headers.get("SknPay-Signature"), raw)
        except webhook_signature.BadSignature as exc:
            return Response(f"bad signature: {exc}", status=400)
        event = json.loads(raw)
        with self.changed:
            if self.already_applied(event["id"]):
                return Response("duplicate: already applied")
            self.apply(event)
            self._applied_events.add(event["id"])  # after apply: a failed one is retried
            self.changed.notify_all()
        return Response("ok")

    def verify(self, header: str | None, raw: bytes) -> None:
        webhook_signature.verify(header, raw, self.config.webhook_secret, self.clock())

    def already_applied(self, event_id: str) -> bool:
        """Deliveries are at-least-once: the same event may come again."""
        return event_id in self._applied_events

    def apply(self, event: dict[str, Any]) -> None:
        payment = event.get("data", {}).get("object", {})
        order = self._by_payment.get(payment.get("id"))
        if order is None:
            return  # not a payment of this shop: acknowledge and ignore
        if event["type"] == "payment.succeeded":
            self.paid(order)
        elif event["type"] == "payment.failed":
            self.declined(order)
        elif event["type"] == "payment.refunded":
            self.refunded(order, int(payment.get("amount_refunded", order.amount)))
        # Any other type (canceled, expired, a new one): acknowledged, nothing to do here.

    def paid(self, order: Order) -> None:
        if order.status in PAYABLE:
            order.status = PAID
            order.times_paid += 1

    def declined(self, order: Order) -> None:
        # Only an unpaid order can fail: a payment.failed arriving after the
        # payment succeeded is an earlier declined try, reported late.
        if order.status == PENDING:
            order.status = FAILED

    def refunded(self, order: Order, amount_refunded: int) -> None:
        if order.status in (PAID, PARTLY_REFUNDED, REFUNDED):
            order.amount_refunded = max(order.amount_refunded, amount_refunded)
            order.status = REFUNDED if order.amount_refunded >= order.amount else PARTLY_REFUNDED

    # -- for tests ------------------------------------------------------------------------
    def order_state(self, order_id: str) -> dict[str, Any]:
        with self.changed:
            return self.orders[order_id].state()

    def order_for_payment(self, payment_id: str) -> Order | None:
        with self.changed:
            return self._by_payment.get(payment_id)
