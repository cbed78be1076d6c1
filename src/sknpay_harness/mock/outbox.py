"""Webhook delivery: an outbox, worker threads, retries with back-off, a log.

Nothing is fire-and-forget: every delivery is queued, each attempt is logged
with its answer, and anyone may wait until the outbox is idle (nothing queued
and nothing in flight), which is how the harness knows, on the mock, that no
further event is coming. Waiting between attempts is the configured delay
itself (a Condition wait with a timeout), never a sleep loop.
"""

from __future__ import annotations

import heapq
import itertools
import random
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

from .. import signing
from ..backoff import Backoff
from ..errors import WaitTimeout
from ..tls import shared_ssl_context
from ..waiting import wait_until
from .body_layout import DEFAULT_BODY_LAYOUT, check_layout, serialise
from .breaks import BreakSet
from .chaos import ChaosPolicy, Delay

USER_AGENT = "sknpay-mock"


# As a real sender: 0.5 s, 1 s, 2 s ... at most 30 s between attempts.
DELIVERY_BACKOFF = Backoff(initial=0.5, multiplier=2.0, maximum=30.0)


@dataclass(frozen=True)
class DeliveryAttempts:
    """How often a delivery is tried: counts *attempts* (the first included),
    with ``backoff`` between them (0.5 s, doubling, at most 30 s)."""

    max_attempts: int = 6
    backoff: Backoff = DELIVERY_BACKOFF


@dataclass(frozen=True)
class Attempt:
    number: int
    at: float
    status: int | None
    error: str | None
    elapsed_ms: float


@dataclass
class OutgoingDelivery:
    id: str
    event_id: str
    event_type: str
    payment_id: str | None
    endpoint: str
    body: bytes
    tenant: str
    due: float
    state: str = "pending"  # pending | delivering | delivered | failed | dropped
    attempts: list[Attempt] = field(default_factory=list)
    kind: str = "event"  # event | duplicate | noise (see chaos.py)

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id, "event_id": self.event_id, "event_type": self.event_type,
            "payment_id": self.payment_id, "endpoint": self.endpoint, "state": self.state,
            "kind": self.kind,
            "attempts": [a.__dict__ for a in self.attempts],
        }


class Outbox:
    """Queues signed webhook deliveries and sends them from worker threads."""

    def __init__(
        self,
        secret: str,
        *,
        clock: Callable[[], float] = time.time,
        breaks: BreakSet | None = None,
        attempts: DeliveryAttempts | None = None,
        delay: Delay = 0.0,
        seed: int | None = None,
        workers: int = 2,
        timeout: float = 10.0,
        log_limit: int = 10_000,
        chaos: ChaosPolicy | None = None,
        body_layout: str = DEFAULT_BODY_LAYOUT,
    ) -> None:
        self.secret = secret
        # How events become bytes (body_layout.py): SKN Pay's own layout is unknown.
        self.body_layout = check_layout(body_layout)
        self._clock = clock
        self.breaks = breaks or BreakSet()
        self.attempts = attempts or DeliveryAttempts()
        self.delay: Delay = delay
        self._random = random.Random(seed)
        self._workers = workers
        # One httpx client for every delivery: its pool keeps the connection
        # to each endpoint alive. Cookies are never kept (a webhook sender has none).
        self._http = httpx.Client(timeout=timeout, headers={"User-Agent": USER_AGENT},
                                  follow_redirects=False, verify=shared_ssl_context())
        # One lock, two conditions: workers wait on ``_due`` for work, anyone
        # else on ``_cond`` for a change of state (idle, a delivery finished).
        # Apart, a new event wakes one worker, not every worker and waiter.
        lock = threading.Lock()
        self._cond = threading.Condition(lock)
        self._due = threading.Condition(lock)
        self._queue: list[tuple[float, int, OutgoingDelivery]] = []
        self._tie = itertools.count()
        self._ids = itertools.count(1)
        self._in_flight = 0
        self._log: deque[OutgoingDelivery] = deque(maxlen=log_limit)
        self._idle_listeners: list[Callable[[], None]] = []
        self._threads: list[threading.Thread] = []
        self._stopping = False
        self.sent = 0
        self.chaos = chaos or ChaosPolicy(seed=seed)
        # Called after each attempt (outside the lock), e.g. the CLI's log line.
        self.attempt_listeners: list[Callable[[OutgoingDelivery, Attempt], None]] = []

    # -- lifecycle ---------------------------------------------------------
    def start(self) -> None:
        for n in range(self._workers):
            t = threading.Thread(target=self._work, name=f"sknpay-outbox-{n}", daemon=True)
            t.start()
            self._threads.append(t)

    def stop(self) -> None:
        with self._cond:
            self._stopping = True
            self._due.notify_all()
            self._cond.notify_all()
        for t in self._threads:
            t.join(timeout=5)
        self._threads.clear()
        self._http.close()

    # -- producers ---------------------------------------------------------
    def enqueue(self, event: dict[str, Any], endpoints: list[str], tenant: str) -> list[OutgoingDelivery]:
        made = []
        with self._cond:
            # The chaos policy may add a duplicate or a noise event, or set
            # delays; a contract break may send each delivery more than once.
            copies = self.breaks.apply("deliveries_per_event", 1)
            for planned in self.chaos.plan(event, tenant):
                body = serialise(planned.event, self.body_layout)
                data = planned.event.get("data")
                obj = data.get("object") if isinstance(data, dict) else None
                payment_id = obj.get("id") if isinstance(obj, dict) else None
                delay = self._draw_delay() if planned.delay is None else planned.delay
                for endpoint in [e for e in endpoints for _ in range(copies)]:
                    delivery = OutgoingDelivery(
                        id=f"dlv_{next(self._ids)}", event_id=str(planned.event.get("id")),
                        event_type=str(planned.event.get("type")), payment_id=payment_id,
                        endpoint=endpoint, body=body, tenant=tenant,
                        due=time.monotonic() + delay, kind=planned.kind,
                    )
                    self._push(delivery)
                    self._log.append(delivery)
                    made.append(delivery)
            self._due.notify(len(made))  # a woken worker takes whatever is due first
            self._cond.notify_all()
        return made

    def _draw_delay(self) -> float:
        if isinstance(self.delay, tuple):
            low, high = self.delay
            return self._random.uniform(low, high)
        return float(self.delay)

    def _push(self, delivery: OutgoingDelivery) -> None:
        heapq.heappush(self._queue, (delivery.due, next(self._tie), delivery))

    # -- state -------------------------------------------------------------
    def add_idle_listener(self, callback: Callable[[], None]) -> None:
        with self._cond:
            self._idle_listeners.append(callback)

    def is_idle(self) -> bool:
        with self._cond:
            return not self._queue and self._in_flight == 0

    def wait_idle(self, timeout: float) -> None:
        """Block until nothing is queued or in flight; WaitTimeout otherwise."""
        wait_until(
            self._cond, lambda: True if not self._queue and self._in_flight == 0 else None,
            timeout, lambda: f"mock outbox still busy after {timeout:g} s: "
                             f"{len(self._queue)} queued, {self._in_flight} in flight",
        )

    def wait_tenant_idle(self, tenant: str, timeout: float) -> bool:
        """Block until ``tenant`` has nothing queued or in flight; False on timeout."""
        def idle() -> bool | None:
            busy = any(d.tenant == tenant for _, _, d in self._queue) or any(
                d.tenant == tenant and d.state == "delivering" for d in self._log)
            return None if busy else True
        try:
            return wait_until(self._cond, idle, timeout, lambda: "")
        except WaitTimeout:
            return False

    def log(self, tenant: str | None = None) -> list[dict[str, Any]]:
        with self._cond:
            return [d.as_dict() for d in self._log if tenant is None or d.tenant == tenant]

    def reset(self, tenant: str | None = None) -> None:
        """Drop queued deliveries (all, or one tenant's), forget the log and
        the chaos settings, so every caller gets the same clean outbox."""
        self.chaos.clear(tenant)
        with self._cond:
            kept = []
            for item in self._queue:
                if tenant is None or item[2].tenant == tenant:
                    item[2].state = "dropped"
                else:
                    kept.append(item)
            heapq.heapify(kept)
            self._queue = kept
            for d in self._log:  # in flight now: finish, but never retry
                if d.state == "delivering" and (tenant is None or d.tenant == tenant):
                    d.state = "dropped"
            self._log = deque((d for d in self._log if tenant is not None and d.tenant != tenant),
                              maxlen=self._log.maxlen)
            idle = not self._queue and self._in_flight == 0
            listeners = list(self._idle_listeners) if idle else []
            self._due.notify_all()
            self._cond.notify_all()
        for callback in listeners:
            callback()

    # -- worker ------------------------------------------------------------
    def _work(self) -> None:
        while True:
            with self._cond:
                delivery = self._next_due()
                if delivery is None:
                    return
                self._in_flight += 1
                delivery.state = "delivering"
            attempt = self._attempt(delivery)
            with self._cond:
                self._in_flight -= 1
                delivery.attempts.append(attempt)
                self._after_attempt(delivery, attempt)  # a retry is queued: this worker loops to it
                idle = not self._queue and self._in_flight == 0
                listeners = list(self._idle_listeners) if idle else []
                self._cond.notify_all()
            for callback in listeners:
                callback()
            for observe in list(self.attempt_listeners):
                observe(delivery, attempt)

    def _next_due(self) -> OutgoingDelivery | None:
        """Pop the next delivery once it is due; None when stopping. Lock held."""
        while not self._stopping:
            if self._queue:
                wait = self._queue[0][0] - time.monotonic()
                if wait <= 0:
                    return heapq.heappop(self._queue)[2]
                self._due.wait(wait)  # the configured delay / back-off itself
            else:
                self._due.wait()
        return None

    def _attempt(self, delivery: OutgoingDelivery) -> Attempt:
        number = len(delivery.attempts) + 1
        now = self._clock()
        intercepted = self.chaos.intercept(delivery.tenant, number)
        if intercepted is not None:
            return Attempt(number, now, intercepted[0], intercepted[1], 0.0)
        secret = self.breaks.apply("signing_secret", self.secret)
        headers = self.breaks.apply("delivery_headers", {
            "Content-Type": "application/json",
            signing.HEADER: signing.sign(delivery.body, secret, self.breaks.apply("signing_time", now)),
            signing.EVENT_TYPE_HEADER: delivery.event_type,
        })
        started = time.perf_counter()
        try:
            status, error = self._post(delivery.endpoint, delivery.body, headers), None
        except httpx.HTTPError as exc:
            status, error = None, f"{type(exc).__name__}: {exc}"
        except Exception as exc:  # a sending bug must not kill the worker and strand the queue
            status, error = None, f"sender failed: {type(exc).__name__}: {exc}"
        self.sent += 1
        return Attempt(number, now, status, error, (time.perf_counter() - started) * 1000)

    def _post(self, endpoint: str, body: bytes, headers: dict[str, str]) -> int:
        status = self._http.post(endpoint, content=body, headers=headers).status_code
        self._http.cookies.clear()
        return status

    def _after_attempt(self, delivery: OutgoingDelivery, attempt: Attempt) -> None:
        """Delivered, given up, or queued again after the back-off. Lock held."""
        if delivery.state == "dropped":
            return
        if attempt.status is not None and 200 <= attempt.status < 300:
            delivery.state = "delivered"
        elif attempt.number >= self.attempts.max_attempts:
            delivery.state = "failed"
        else:
            delivery.state = "pending"
            delivery.due = time.monotonic() + self.attempts.backoff.delay(attempt.number)
            self._push(delivery)
