"""The cancel-before-pay scenario through the harness's own parts.

The library's :class:`~sknpay_harness.harness.Harness` (the object the pytest
plugin wires: one client, the inbox + listener, the embedded mock target and
the ledger) plus the contract, driven without pytest so each step can be timed.
"""

from __future__ import annotations

import os
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from sknpay_harness import CREATE_STATUSES, Contract, Redactor, SknPayClient
from sknpay_harness.harness import Harness
from sknpay_harness.inbox import WebhookInbox
from sknpay_harness.listener import WebhookListener
from sknpay_harness.secret import Secret
from sknpay_harness.settings import Settings
from sknpay_harness.targets import EmbeddedMockTarget

STEPS = ("create", "cancel", "webhook", "page")
NO_LONGER_ACTIVE = "no longer active"
REQUEST = {"amount": 1000, "currency": "USD", "description": "Will cancel"}


@dataclass
class ScenarioResult:
    payment_id: str
    event_payment_id: str
    event_id: str
    steps: dict[str, float]  # seconds per step
    total: float
    wake: float | None  # listener received -> waiter unblocked, when the waiter was blocked


@dataclass
class HarnessRig:
    """One session's worth of harness objects, built once."""

    webhook_timeout: float = 10.0
    keep_events: int = 1000
    settings: Settings = field(init=False)
    inbox: WebhookInbox = field(init=False)
    listener: WebhookListener = field(init=False)
    target: EmbeddedMockTarget = field(init=False)
    client: SknPayClient = field(init=False)
    contract: Contract = field(init=False)

    def __post_init__(self) -> None:
        self.settings = Settings(api_key=Secret("sk_test_bench_0123456789abcdef"),
                                 webhook_secret=Secret("whsec_bench_0123456789abcdef"))
        redactor = Redactor(self.settings.secrets())
        self.inbox = WebhookInbox([self.settings.webhook_secret or ""], redactor=redactor,
                                  keep_events=self.keep_events)
        self.harness = Harness(self.settings, listener=WebhookListener(self.inbox).start())
        self.listener, self.client = self.harness.listener, self.harness.client
        assert self.harness.mock is not None
        self.target = self.harness.mock
        self.contract = Contract()

    def close(self) -> None:
        self.harness.close()

    def scenario(self) -> ScenarioResult:
        """Create, cancel, wait for the signed webhook, read the hosted page."""
        contract, client, inbox = self.contract, self.client, self.inbox
        t0 = time.perf_counter()
        contract.check("create-payment-request", REQUEST, where="the request we send")
        created = contract.check_response(client.create_payment(REQUEST), "payment",
                                          status=CREATE_STATUSES)
        payment_id = created["id"]  # the harness's ledger names it to the inbox
        assert created["status"] == "open"
        t1 = time.perf_counter()
        canceled = contract.check_response(client.cancel_payment(payment_id), "payment",
                                           status=200)
        assert canceled["status"] == "canceled"
        t2 = time.perf_counter()
        waiting_since = time.monotonic()
        event = inbox.wait_for("payment.canceled", payment_id, self.webhook_timeout,
                               give_up=self.target.nothing_more_coming)
        woke = time.monotonic()
        contract.check("event", event.body, where=f"webhook {event.event_id}")
        t3 = time.perf_counter()
        page = client.hosted_page(created["url"])
        assert page.status < 500 and NO_LONGER_ACTIVE in page.response_body.lower()
        t4 = time.perf_counter()
        wake = woke - event.received_at if event.received_at > waiting_since else None
        return ScenarioResult(
            payment_id, event.body["data"]["object"]["id"], event.event_id,
            {"create": t1 - t0, "cancel": t2 - t1, "webhook": t3 - t2, "page": t4 - t3},
            t4 - t0, wake,
        )


def wake_latency(rig: HarnessRig, count: int) -> list[float]:
    """Listener received -> waiter unblocked, with the waiter surely blocked first.

    A waiter thread blocks in ``inbox.wait_for``; once it is waiting the mock
    emits the event (the outbox sends it to the listener over HTTP).
    """
    out: list[float] = []
    tenant = rig.target.state.store.tenant(rig.settings.api_key.reveal() if rig.settings.api_key else "")
    for n in range(count):
        payment_id = f"plink_wake{n:08d}"
        rig.inbox.track(payment_id)
        started = threading.Event()
        result: list[Any] = []

        def waiter(pid: str = payment_id, go: threading.Event = started,
                   got: list[Any] = result) -> None:
            go.set()
            event = rig.inbox.wait_for("payment.canceled", pid, rig.webhook_timeout)
            got.append(time.monotonic() - event.received_at)

        thread = threading.Thread(target=waiter)
        thread.start()
        started.wait()
        # set() runs just before wait_for takes the lock; a short grace lets
        # it block so we measure a real wake, not an already-there event.
        _until_waiting(rig.inbox)
        rig.target.state.emit(tenant, "payment.canceled", {"id": payment_id, "status": "canceled"})
        thread.join()
        out.append(result[0])
    return out


def _until_waiting(inbox: WebhookInbox) -> None:
    cond = inbox._cond  # the benchmark peeks at the waiter list
    deadline = time.monotonic() + 1.0
    while time.monotonic() < deadline:
        with cond:
            if cond._waiters:  # type: ignore[attr-defined]
                return
        os.sched_yield()  # let the waiter thread run; a bounded spin, not a timed wait


@dataclass
class ThroughputResult:
    workers: int
    scenarios: int
    seconds: float
    failures: list[str]
    lost: int
    duplicated: int
    crossed: int

    @property
    def per_second(self) -> float:
        return self.scenarios / self.seconds if self.seconds else 0.0


def throughput(workers: int, count: int) -> ThroughputResult:
    """``count`` scenarios over ``workers`` threads sharing one rig (one client,
    one mock, one listener, one inbox), then an audit of every event."""
    rig = HarnessRig(keep_events=count + 10)
    try:
        for _ in range(20):
            rig.scenario()
        baseline = {e.event_id for e in rig.inbox.events()}
        results: list[ScenarioResult] = []
        failures: list[str] = []
        lock = threading.Lock()
        per_worker = [count // workers + (1 if n < count % workers else 0) for n in range(workers)]

        def work(todo: int) -> None:
            for _ in range(todo):
                try:
                    result = rig.scenario()
                except Exception as exc:  # counted and shown, never silent
                    with lock:
                        failures.append(f"{type(exc).__name__}: {str(exc)[:300]}")
                    continue
                with lock:
                    results.append(result)

        threads = [threading.Thread(target=work, args=(n,)) for n in per_worker]
        started = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        seconds = time.perf_counter() - started
        events = [e for e in rig.inbox.events("payment.canceled") if e.event_id not in baseline]
        per_payment: dict[str | None, int] = {}
        for e in events:
            per_payment[e.payment_id] = per_payment.get(e.payment_id, 0) + 1
        made = {r.payment_id for r in results}
        lost = len(made - set(per_payment)) + sum(1 for f in failures if "WaitTimeout" in f)
        duplicated = sum(n - 1 for n in per_payment.values() if n > 1)
        crossed = sum(1 for r in results if r.event_payment_id != r.payment_id)
        return ThroughputResult(workers, len(results), seconds, failures, lost, duplicated,
                                crossed)
    finally:
        rig.close()
