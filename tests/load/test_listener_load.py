"""Load on the real listener: signed deliveries over loopback from 16
threads, a fifth of them duplicates, shuffled so a payment's events and their
redeliveries arrive out of order. Nothing may be lost, dedupe must be exact,
and every waiter must wake with its own event.

The suite sends 2,000 (the same threads, waiters, duplicate share and
shuffle: every property checked here shows at that size). The 10,000 of the
scale target are the ``load`` marker's run, outside the default selection
because they take ~15 s of a 2-core machine's suite (``pytest -m load``;
.ci/run runs it).

Deterministic: the deliveries, their order and their split over threads come
from a seeded RNG; the checks are counts and identities, never timings (the
only clock is a generous hang guard on each wait).
"""

from __future__ import annotations

import http.client
import json
import random
import threading
import time
from collections import Counter
from dataclasses import dataclass

import pytest

from sknpay_harness import signing
from sknpay_harness.inbox import ACCEPTED, DUPLICATE, WebhookInbox
from sknpay_harness.listener import WebhookListener

SECRET = "whsec_load_0123456789abcdef"
EVENT_TYPES = ("payment.created", "payment.canceled")  # two events per payment
SENDERS = 16
WAITERS = 32
HANG_GUARD_SECONDS = 60.0  # not a timing assertion: only stops a hang


@dataclass(frozen=True)
class Load:
    """``deliveries`` in all: two events per payment, a fifth of them redeliveries."""

    deliveries: int

    @property
    def duplicates(self) -> int:
        return self.deliveries // 5

    @property
    def unique(self) -> int:
        return self.deliveries - self.duplicates

    @property
    def payments(self) -> int:
        return self.unique // len(EVENT_TYPES)


@dataclass(frozen=True)
class Planned:
    event_id: str
    event_type: str
    payment_id: str
    body: bytes


def plan(load: Load, seed: int = 6) -> tuple[list[Planned], list[Planned]]:
    """(unique events, all deliveries in send order)."""
    rng = random.Random(seed)
    unique = []
    for p in range(load.payments):
        payment_id = f"plink_load{p:06d}"
        for t, event_type in enumerate(EVENT_TYPES):
            event_id = f"evt_load{p:06d}x{t}"
            body = json.dumps({
                "id": event_id, "object": "event", "type": event_type, "created": 1700000000,
                "data": {"object": {"id": payment_id, "object": "payment",
                                    "status": event_type.split(".")[1]}},
            }, separators=(",", ":")).encode()
            unique.append(Planned(event_id, event_type, payment_id, body))
    deliveries = unique + rng.sample(unique, load.duplicates)
    rng.shuffle(deliveries)  # a canceled before its created, a redelivery before its first
    return unique, deliveries


@pytest.fixture(params=[pytest.param(Load(2_000), id="2k"),
                        pytest.param(Load(10_000), id="10k", marks=pytest.mark.load)])
def load(request: pytest.FixtureRequest) -> Load:
    return request.param


@pytest.fixture
def load_listener(load: Load):
    inbox = WebhookInbox([SECRET], keep_events=load.unique, keep_deliveries=load.deliveries)
    listener = WebhookListener(inbox).start()
    yield inbox, listener
    listener.stop()
    listener.check_handler_errors()


def test_deliveries_from_16_threads_none_lost_dedupe_exact_waiters_get_their_own(
        load: Load, load_listener):
    inbox, listener = load_listener
    unique, deliveries = plan(load)
    for p in range(load.payments):
        inbox.track(f"plink_load{p:06d}")
    port = int(listener.url.split(":")[2].split("/")[0])
    answers: list[list[tuple[str, int, str]]] = [[] for _ in range(SENDERS)]
    woken: dict[tuple[str, str], tuple[str, str | None, str]] = {}
    errors: list[BaseException] = []
    woken_lock = threading.Lock()

    def send(n: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=HANG_GUARD_SECONDS)
        try:
            for d in deliveries[n::SENDERS]:
                header = signing.sign(d.body, SECRET, time.time())
                conn.request("POST", "/webhooks/sknpay", d.body,
                             {"Content-Type": "application/json", signing.HEADER: header,
                              signing.EVENT_TYPE_HEADER: d.event_type})
                response = conn.getresponse()
                answer = json.loads(response.read())
                answers[n].append((d.event_id, response.status, answer.get("outcome", "")))
        except BaseException as exc:  # reported below, not lost in a thread
            errors.append(exc)
        finally:
            conn.close()

    def wait(n: int) -> None:
        try:
            for payment in range(n, load.payments, WAITERS):
                payment_id = f"plink_load{payment:06d}"
                for event_type in reversed(EVENT_TYPES):
                    event = inbox.wait_for(event_type, payment_id, HANG_GUARD_SECONDS)
                    with woken_lock:
                        woken[(event_type, payment_id)] = (event.event_id, event.payment_id,
                                                           event.type)
        except BaseException as exc:
            errors.append(exc)

    waiters = [threading.Thread(target=wait, args=(n,)) for n in range(WAITERS)]
    senders = [threading.Thread(target=send, args=(n,)) for n in range(SENDERS)]
    for thread in waiters + senders:
        thread.start()
    for thread in senders + waiters:
        thread.join()

    assert not errors, f"{len(errors)} thread(s) failed; first: {errors[0]!r}"
    sent = [a for per_thread in answers for a in per_thread]
    assert len(sent) == load.deliveries
    assert Counter(status for _, status, _ in sent) == {200: load.deliveries}

    # None lost: every delivery reached the inbox, every event is in it once.
    assert inbox.delivery_count == load.deliveries
    assert {e.event_id for e in inbox.events()} == {u.event_id for u in unique}
    # Dedupe exact: each event accepted once, every redelivery a duplicate.
    copies = Counter(d.event_id for d in deliveries)
    outcomes: dict[str, Counter[str]] = {}
    for event_id, _, outcome in sent:
        outcomes.setdefault(event_id, Counter())[outcome] += 1
    wrong = {eid: dict(c) for eid, c in outcomes.items()
             if c != Counter({ACCEPTED: 1, DUPLICATE: copies[eid] - 1}) - Counter()}
    assert not wrong, f"{len(wrong)} events not deduplicated exactly: {list(wrong.items())[:3]}"
    assert (inbox.counters.accepted, inbox.counters.duplicate) == (load.unique, load.duplicates)
    assert inbox.counters.rejected == inbox.counters.ignored == 0
    assert all(e.deliveries == copies[e.event_id] for e in inbox.events())
    # Every waiter woke with its own event: right payment, right type, right id.
    expected = {(u.event_type, u.payment_id): (u.event_id, u.payment_id, u.event_type)
                for u in unique}
    crossed = {k: v for k, v in woken.items() if expected[k] != v}
    assert len(woken) == load.unique and not crossed, f"crossed: {list(crossed.items())[:3]}"


def test_bounded_inbox_forgets_old_events_but_dedupes_them_exactly():
    """Memory stays flat on long runs (old events, records and bodies are
    dropped) without a redelivery of a forgotten event being accepted again."""
    inbox = WebhookInbox([SECRET], keep_events=3, keep_deliveries=5, keep_bodies=2)
    unique, _ = plan(Load(10))
    first_eight = unique[:8]
    for u in first_eight:
        inbox.track(u.payment_id)

    def deliver(u: Planned) -> str:
        headers = {signing.HEADER: signing.sign(u.body, SECRET, time.time())}
        status, answer = inbox.handle("POST", "/webhooks/sknpay", headers, u.body)
        assert status == 200
        return str(answer["outcome"])

    assert [deliver(u) for u in first_eight] == [ACCEPTED] * 8
    assert [deliver(first_eight[0]), deliver(first_eight[7])] == [DUPLICATE, DUPLICATE]
    assert (inbox.counters.accepted, inbox.counters.duplicate) == (8, 2)
    assert [e.event_id for e in inbox.events()] == [u.event_id for u in first_eight[5:]]
    assert inbox.delivery_count == 10
    kept = inbox.deliveries()
    assert [d.seq for d in kept] == [6, 7, 8, 9, 10]
    assert [bool(d.body) for d in kept] == [False, False, False, True, True]
    assert [d.seq for d in inbox.deliveries(since_seq=8)] == [9, 10]
