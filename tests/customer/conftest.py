"""Fixtures for the customer's own tests: our mock on a loopback port with a
listener for its events, and a merchant's shop that must never be fetched."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from sknpay_harness import WebhookInbox, WebhookListener
from sknpay_harness.backoff import Backoff
from sknpay_harness.mock.app import MockApp
from sknpay_harness.mock.build import MockSpec, RunningMock, build_mock
from sknpay_harness.mock.outbox import DeliveryAttempts

SECRET = "whsec_customer_tests"
KEY = "sk_test_customer"


@dataclass
class Mock:
    """Our mock, served; ``create`` makes a payment, ``event`` waits for one."""

    server: RunningMock
    inbox: WebhookInbox
    api: httpx.Client

    @property
    def app(self) -> MockApp:
        return self.server.app

    def create(self, **extra: Any) -> dict[str, Any]:
        answer = self.api.post("/payments", json={"amount": 1000, "currency": "USD",
                                                  "description": "Customer test", **extra})
        assert answer.status_code == 200, answer.text
        return answer.json()  # type: ignore[no-any-return]

    def payment(self, payment_id: str) -> dict[str, Any]:
        return self.api.get(f"/payments/{payment_id}").json()  # type: ignore[no-any-return]

    def event(self, event_type: str, payment_id: str) -> dict[str, Any]:
        received = self.inbox.wait_for(event_type, payment_id, 10.0, give_up=self._idle)
        return received.body  # type: ignore[no-any-return]

    def event_types(self, payment_id: str) -> list[str]:
        """Every event the mock sent for the payment (its outbox's log)."""
        return [d["event_type"] for d in self.app.state.outbox.log() if d.get("payment_id") == payment_id]

    def _idle(self) -> str | None:
        return "the mock's outbox is idle" if self.app.state.outbox.is_idle() else None


@pytest.fixture
def mock() -> Iterator[Mock]:
    """function · Mock · a fresh mock on a loopback port, its events to a listener."""
    inbox = WebhookInbox([SECRET], track_payments=False)
    listener = WebhookListener(inbox).start()
    server = build_mock(MockSpec(SECRET, webhook_endpoints=(listener.url,),
                                 delivery_attempts=DeliveryAttempts(3, Backoff(0.05, 2.0, 0.2))))
    server.outbox.add_idle_listener(inbox.notify)
    server.start()
    api = httpx.Client(base_url=server.api_url, headers={"Authorization": f"Bearer {KEY}"})
    yield Mock(server, inbox, api)
    api.close()
    server.stop()
    listener.stop()
    listener.check_handler_errors()


@pytest.fixture
def shop(httpserver: Any) -> Iterator[str]:
    """function · str · the merchant's success_url on a server of its own (another
    origin), which the customer must record and never fetch."""
    url = httpserver.url_for("/thanks?order=7")
    yield url
    assert httpserver.log == [], f"the customer fetched the merchant's page: {httpserver.log}"
