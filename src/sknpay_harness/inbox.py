"""The webhook inbox: verify, deduplicate, record, and let tests wait.

:class:`WebhookInbox` holds all the logic and knows nothing of HTTP servers:
``handle(...)`` takes one delivery and returns the answer (listener.py serves
it over HTTP). Every delivery is kept, accepted or not, with its reason, so a
failed wait can say exactly what did arrive. Waiters block on a Condition the
handler notifies: an event that is already in satisfies the wait at once.
"""

from __future__ import annotations

import hashlib
import itertools
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from typing import Any

from . import signing
from .errors import SignatureError, WaitTimeout, WebhookRejected
from .jsonbody import json_object
from .redaction import Redactor
from .secret import Secret
from .waiting import Deadline, wait_until

MAX_BODY_BYTES = 1024 * 1024
_SHOWN = 40  # events/deliveries listed in a timeout message; the report has all
# How long a failing wait lets the sender finish retrying a rejected delivery,
# so the message counts what the sender's log and the run summary count.
SETTLE_SECONDS = 5.0

# Outcomes of one delivery.
ACCEPTED = "accepted"  # new, valid event for a payment this run made
DUPLICATE = "duplicate"  # valid, but its event id was seen before (at-least-once delivery)
IGNORED = "ignored"  # valid, but for a payment this run did not make (shared endpoint)
REJECTED = "rejected"  # failed verification or parsing; answered 4xx


@dataclass(frozen=True, repr=False)
class Delivery:
    """One HTTP request that reached the listener, whatever became of it."""

    seq: int
    received_at: float  # time.monotonic()
    method: str
    path: str
    status: int
    outcome: str
    reason: str | None
    event_id: str | None
    event_type: str | None
    payment_id: str | None
    headers: dict[str, str]
    body: str

    def line(self) -> str:
        what = f"{self.event_type or '?'} {self.event_id or '?'} payment={self.payment_id or '?'}"
        why = f": {self.reason}" if self.reason else ""
        return f"#{self.seq} {self.method} {self.path} -> {self.status} {self.outcome}{why} [{what}]"

    def __repr__(self) -> str:
        return f"Delivery({self.line()})"

    def as_report(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in self.__dataclass_fields__}


@dataclass(repr=False)
class ReceivedEvent:
    """A verified event, first delivery wins; ``deliveries`` counts redeliveries."""

    event_id: str
    type: str
    payment_id: str | None
    body: dict[str, Any]
    raw: bytes
    headers: dict[str, str]
    received_at: float  # time.monotonic() of the first delivery
    signature_timestamp: int
    deliveries: int = 1
    seq: int = 0

    def line(self) -> str:
        return f"{self.type} {self.event_id} payment={self.payment_id} (x{self.deliveries})"

    def __repr__(self) -> str:
        # One line: never the body, in a failing assert's "where" lines or -l.
        return f"ReceivedEvent({self.line()})"


@dataclass(frozen=True)
class _Outcome:
    """How a wait ends: the event, or why it will not come (a rejection, or
    the sender's word that nothing more is coming)."""

    event: ReceivedEvent | None = None
    rejected: bool = False
    reason: str = ""


@dataclass
class _Counters:
    accepted: int = 0
    duplicate: int = 0
    ignored: int = 0
    rejected: int = 0


class WebhookInbox:
    """Verifies and stores webhook deliveries; ``wait_for`` blocks until one matches.

    ``track_payments``: when True, only events for payments registered with
    :meth:`track` count; others are acknowledged (2xx, so the sender stops
    retrying) and kept as ``ignored`` for diagnostics.

    Memory stays flat over long runs: only the latest ``keep_events`` events,
    ``keep_deliveries`` delivery records and ``keep_bodies`` delivery bodies
    are kept. A forgotten event's id is still remembered, so deduplication
    stays exact however long the run.
    """

    def __init__(
        self,
        secrets: Iterable[str | Secret],
        *,
        clock: Callable[[], float] = time.time,
        tolerance: float = signing.DEFAULT_TOLERANCE_SECONDS,
        max_body: int = MAX_BODY_BYTES,
        redactor: Redactor | None = None,
        track_payments: bool = True,
        keep_bodies: int = 1000,
        keep_deliveries: int = 5000,
        keep_events: int = 1000,
    ) -> None:
        self._secrets = tuple(Secret(s) for s in secrets if s)
        self._clock = clock
        self.tolerance = tolerance
        self.max_body = max_body
        self._redactor = redactor or Redactor(self._secrets)
        self.track_payments = track_payments
        self._keep_bodies = max(0, min(keep_bodies, keep_deliveries))
        self._keep_events = max(1, keep_events)
        self._cond = threading.Condition()
        self._deliveries: deque[Delivery] = deque(maxlen=max(1, keep_deliveries))
        self._delivery_total = 0  # every delivery ever, kept or not; the last seq
        self._events: dict[str, ReceivedEvent] = {}
        self._forgotten: set[str] = set()  # ids of events dropped past keep_events
        self._by_key: dict[tuple[str, str | None], list[ReceivedEvent]] = {}
        self._rejected_for: dict[str, list[Delivery]] = {}
        self._tracked: set[str | None] = set()
        # Valid events for payments not (yet) named: counted as ignored until named.
        self._held: dict[str | None, list[ReceivedEvent]] = {}
        self._held_order: deque[ReceivedEvent] = deque()
        self._track_listeners: list[Callable[[str], None]] = []
        self.counters = _Counters()

    # -- producers ---------------------------------------------------------
    def track(self, payment_id: str) -> None:
        """Declare a payment as this run's, so its events count: those to come,
        and those already held as ignored; then tell the track listeners (a
        webhook relay routes the payment's events here). Naming a payment
        twice costs nothing: only the first call is passed on."""
        with self._cond:
            if payment_id in self._tracked:
                return
            self._tracked.add(payment_id)
            for event in self._held.pop(payment_id, ()):
                self._promote(event)
            listeners = list(self._track_listeners)
            self._cond.notify_all()
        for listener in listeners:  # outside the lock: a relay answers over HTTP
            listener(payment_id)

    def _promote(self, event: ReceivedEvent) -> None:
        """A held event counts after all: its payment was named late (made by
        the app under test, or named by a wait before the create's answer was
        parsed). Its delivery record says so. Lock held."""
        self._remember(event)
        self.counters.ignored -= 1
        self.counters.accepted += 1
        first_kept = self._delivery_total - len(self._deliveries) + 1
        index = event.seq - first_kept
        if 0 <= index < len(self._deliveries):
            self._deliveries[index] = replace(self._deliveries[index], outcome=ACCEPTED,
                                              reason="counted once the payment was named")

    def add_track_listener(self, callback: Callable[[str], None]) -> None:
        with self._cond:
            self._track_listeners.append(callback)

    def notify(self) -> None:
        """Wake every waiter so it re-checks (e.g. the mock's outbox went idle)."""
        with self._cond:
            self._cond.notify_all()

    def handle(
        self,
        method: str,
        path: str,
        headers: dict[str, str],
        body: bytes | None,
        content_length: int | None = None,
    ) -> tuple[int, dict[str, Any]]:
        """Process one delivery; return (HTTP status, JSON answer). Never raises."""
        received_at = time.monotonic()
        try:
            return self._handle(method, path, headers, body, content_length, received_at)
        except Exception as exc:
            return self._reject(method, path, headers, body or b"", received_at, 400,
                                f"unexpected error: {type(exc).__name__}: {exc}", None)

    def _handle(
        self, method: str, path: str, headers: dict[str, str], body: bytes | None,
        content_length: int | None, received_at: float,
    ) -> tuple[int, dict[str, Any]]:
        if method != "POST":
            return self._reject(method, path, headers, b"", received_at, 405,
                                f"method {method} not allowed; webhooks are POSTed", None)
        size = content_length if body is None else len(body)
        if body is None or (size is not None and size > self.max_body):
            return self._reject(method, path, headers, b"", received_at, 413,
                                f"body of {size} bytes is over the {self.max_body}-byte limit", None)
        lower = {k.lower(): v for k, v in headers.items()}
        parsed_json = json_object(body)
        hint = _payment_id_of(parsed_json)
        try:
            sig = signing.verify(lower.get(signing.HEADER.lower()), body, self._secrets,
                                 self._clock(), self.tolerance)
        except SignatureError as exc:
            return self._reject(method, path, headers, body, received_at, 400,
                                f"signature {exc.reason}: {exc}", parsed_json, hint)
        if parsed_json is None:
            return self._reject(method, path, headers, body, received_at, 400,
                                "body is not a JSON object", None, hint)
        event_type = parsed_json.get("type")
        if not isinstance(event_type, str) or not isinstance(parsed_json.get("data"), dict):
            return self._reject(method, path, headers, body, received_at, 400,
                                "not an event envelope (needs string 'type' and object 'data')",
                                parsed_json, hint)
        header_type = lower.get(signing.EVENT_TYPE_HEADER.lower())
        event_id = parsed_json.get("id")
        if not isinstance(event_id, str) or not event_id:
            # The id is the likely Stripe-style reading, not confirmed: without
            # one, the body's hash stands in so redeliveries still dedupe.
            event_id = "sha256:" + hashlib.sha256(body).hexdigest()[:32]
        return self._accept(method, path, headers, body, received_at, parsed_json,
                            event_id, event_type, hint, sig.timestamp, header_type)

    def _accept(
        self, method: str, path: str, headers: dict[str, str], body: bytes, received_at: float,
        envelope: dict[str, Any], event_id: str, event_type: str, payment_id: str | None,
        sig_timestamp: int, header_type: str | None,
    ) -> tuple[int, dict[str, Any]]:
        # Redacted once, for both records, and outside the lock.
        clean_headers = self._redactor.headers(headers)
        with self._cond:
            seq = self._delivery_total + 1
            existing = self._events.get(event_id) or self._held_event(payment_id, event_id)
            if existing is not None or event_id in self._forgotten:
                if existing is not None:
                    existing.deliveries += 1
                outcome, reason = DUPLICATE, f"event {event_id} already received"
                self.counters.duplicate += 1
            else:
                event = ReceivedEvent(event_id, event_type, payment_id, envelope, body,
                                      dict(clean_headers), received_at, sig_timestamp, seq=seq)
                if self.track_payments and payment_id not in self._tracked:
                    outcome, reason = IGNORED, "payment not named by this run"
                    self._hold(event)
                    self.counters.ignored += 1
                else:
                    outcome, reason = ACCEPTED, None
                    if header_type is not None and header_type != event_type:
                        reason = f"{signing.EVENT_TYPE_HEADER} {header_type!r} differs from body type"
                    self._remember(event)
                    self.counters.accepted += 1
            self._log(self._delivery(seq, method, path, 200, outcome, reason, event_id,
                                     event_type, payment_id, headers, body, received_at,
                                     clean_headers))
            self._cond.notify_all()
        return 200, {"received": True, "outcome": outcome}

    def _reject(
        self, method: str, path: str, headers: dict[str, str], body: bytes, received_at: float,
        status: int, reason: str, envelope: dict[str, Any] | None, payment_id: str | None = None,
    ) -> tuple[int, dict[str, Any]]:
        event_id = envelope.get("id") if envelope else None
        event_type = envelope.get("type") if envelope else None
        with self._cond:
            seq = self._delivery_total + 1
            delivery = self._delivery(seq, method, path, status, REJECTED, reason,
                                      event_id if isinstance(event_id, str) else None,
                                      event_type if isinstance(event_type, str) else None,
                                      payment_id, headers, body, received_at)
            self._log(delivery)
            if payment_id:
                self._rejected_for.setdefault(payment_id, []).append(delivery)
            self.counters.rejected += 1
            self._cond.notify_all()
        return status, {"error": reason}

    def _delivery(
        self, seq: int, method: str, path: str, status: int, outcome: str, reason: str | None,
        event_id: str | None, event_type: str | None, payment_id: str | None,
        headers: dict[str, str], body: bytes, received_at: float,
        clean_headers: dict[str, str] | None = None,
    ) -> Delivery:
        """``clean_headers``: ``headers`` already redacted, if at hand."""
        if self._keep_bodies <= 0:
            return Delivery(seq, received_at, method, path, status, outcome, reason, event_id,
                            event_type, payment_id, {}, "")
        shown_body = self._redactor.text(body[:4096].decode("utf-8", "replace"))
        if clean_headers is None:
            clean_headers = self._redactor.headers(headers)
        return Delivery(seq, received_at, method, path, status, outcome, reason, event_id,
                        event_type, payment_id, clean_headers, shown_body)

    def _log(self, delivery: Delivery) -> None:
        """Keep a delivery record; only the latest ``keep_bodies`` keep body and
        headers, so a long load run does not grow memory. Lock held."""
        self._deliveries.append(delivery)
        self._delivery_total = delivery.seq
        old = len(self._deliveries) - 1 - self._keep_bodies
        if old >= 0 and (self._deliveries[old].body or self._deliveries[old].headers):
            self._deliveries[old] = replace(self._deliveries[old], body="", headers={})

    def _hold(self, event: ReceivedEvent) -> None:
        """Keep a valid event for a payment nobody has named yet (another run's,
        or one a later wait will name); the oldest go past ``keep_events``. Lock held."""
        self._held.setdefault(event.payment_id, []).append(event)
        self._held_order.append(event)
        while len(self._held_order) > self._keep_events:
            oldest = self._held_order.popleft()
            same = self._held.get(oldest.payment_id)
            if same and oldest in same:
                same.remove(oldest)
                if not same:
                    del self._held[oldest.payment_id]

    def _held_event(self, payment_id: str | None, event_id: str) -> ReceivedEvent | None:
        return next((e for e in self._held.get(payment_id, ()) if e.event_id == event_id), None)

    def _remember(self, event: ReceivedEvent) -> None:
        """Index a new event; forget the oldest past ``keep_events``. Lock held."""
        self._events[event.event_id] = event
        self._by_key.setdefault((event.type, event.payment_id), []).append(event)
        while len(self._events) > self._keep_events:
            oldest = self._events.pop(next(iter(self._events)))
            self._forgotten.add(oldest.event_id)
            same_key = self._by_key.get((oldest.type, oldest.payment_id), [])
            if oldest in same_key:
                same_key.remove(oldest)
            if not same_key:
                self._by_key.pop((oldest.type, oldest.payment_id), None)

    # -- consumers ---------------------------------------------------------
    def wait_for(
        self,
        event_type: str | tuple[str, ...],
        payment_id: str,
        timeout: float,
        *,
        give_up: Callable[[], str | None] | None = None,
        where: str | Callable[[], str] = "",
        settle: Callable[[float], str | None] | None = None,
        since_seq: int = 0,
        live: bool = False,
    ) -> ReceivedEvent:
        """Block until an accepted ``event_type`` event for ``payment_id`` is in.
        A tuple of types takes the first of them to arrive: the plausible names
        of an event the docs do not name (the ``type`` of the one returned says
        which was met).

        Fails at once if a delivery for that payment was rejected (a bad
        signature is a broken contract, not a reason to keep waiting), or if
        ``give_up()`` says no more deliveries can come. ``where`` (or what it
        returns, built when the wait fails) tells the reader where to look.

        Before describing a rejection, ``settle(seconds)`` lets the sender
        finish retrying it (the mock: until its outbox is idle; it returns how
        that is known, or None if it cannot know), so the message counts the
        same deliveries as the sender's log and the run summary. The message
        lists what reached the listener after delivery ``since_seq``; with
        ``live`` (a target that cannot say it is done) a timeout also says
        whether anything reached the listener at all in this run.
        """
        __tracebackhide__ = True
        deadline = Deadline(timeout)
        wanted = (event_type,) if isinstance(event_type, str) else event_type

        def ready() -> _Outcome | None:
            __tracebackhide__ = True
            matches = [e for name in wanted for e in self._by_key.get((name, payment_id), ())]
            if matches:
                return _Outcome(min(matches, key=lambda e: e.seq))
            rejected = self._rejected_for.get(payment_id)
            if rejected:
                return _Outcome(rejected=True, reason=str(rejected[0].reason))
            reason = give_up() if give_up is not None else None
            return _Outcome(reason=reason) if reason else None

        found = wait_until(
            self._cond, ready, timeout,
            lambda: self._describe(wanted, payment_id, since_seq, where,
                                   f" within {timeout:g} s",
                                   self._reach(wanted, payment_id) if live else None),
        )
        if found.event is not None:
            return found.event
        if not found.rejected:
            raise WaitTimeout(self._describe(wanted, payment_id, since_seq, where, "",
                                             found.reason))
        settled = _settled(settle, min(SETTLE_SECONDS, deadline.remaining()))
        raise WebhookRejected(self._describe(
            wanted, payment_id, since_seq, where, "",
            f"the sender has stopped retrying: {settled}" if settled else None,
            head=f"Webhook for {payment_id} was rejected: {found.reason.split(':', 1)[0]}",
            retrying=settled is None))

    def _reach(self, wanted: tuple[str, ...], payment_id: str) -> str:
        """On a live target, which of two cases a timeout met: nothing reached
        this listener at all (the endpoint or the tunnel), or deliveries came
        but not this payment's (another run sharing the endpoint may be
        taking them)."""
        with self._cond:
            total, c = self._delivery_total, replace(self.counters)
            named = len(self._tracked)
            heard = len({e.payment_id for e in self._events.values()})
        if total == 0:
            return ("nothing reached this listener at all in this run: check the dashboard's "
                    "webhook endpoint and the tunnel to this listener")
        return (f"{total} deliveries reached this listener in this run ({c.accepted} accepted, "
                f"{c.duplicate} duplicate, {c.ignored} for payments this run did not name, "
                f"{c.rejected} rejected); events came for {heard} of the {named} payments this "
                f"run named, and no {' or '.join(wanted)} for {payment_id}: if another run shares the "
                "dashboard's one endpoint, it may be taking this run's deliveries "
                "(docs/sandbox.md, 'One endpoint, one run at a time')")

    def wait_quiet(self, seconds: float, *, until: Callable[[], bool] | None = None) -> None:
        """Watch the inbox for ``seconds`` (the quiet period is the behaviour
        itself, not a wait for something); return early once ``until()`` is
        true, e.g. an unwanted event already arrived."""
        deadline = Deadline(seconds)
        with self._cond:
            while not (until is not None and until()) and not deadline.expired:
                self._cond.wait(deadline.remaining())

    def events(self, event_type: str | None = None, payment_id: str | None = None) -> list[ReceivedEvent]:
        with self._cond:
            return [e for e in self._events.values()
                    if (event_type is None or e.type == event_type)
                    and (payment_id is None or e.payment_id == payment_id)]

    def deliveries(self, since_seq: int = 0) -> list[Delivery]:
        with self._cond:
            first_kept = self._delivery_total - len(self._deliveries)  # seq before the first kept
            return list(itertools.islice(self._deliveries, max(0, since_seq - first_kept), None))

    @property
    def delivery_count(self) -> int:
        with self._cond:
            return self._delivery_total

    def _describe(
        self, wanted: tuple[str, ...], payment_id: str, since_seq: int,
        where: str | Callable[[], str],
        suffix: str, why: str | None = None, *, head: str | None = None, retrying: bool = False,
    ) -> str:
        """The failure text: the symptom on the first line (pytest's short
        summary shows it), then expected, what did arrive, and where to look."""
        with self._cond:
            events = [e for e in self._events.values() if e.seq > since_seq]
            seen = [d for d in self._deliveries if d.seq > since_seq]
        rejected = [d for d in seen if d.outcome == REJECTED]
        ignored = [d for d in seen if d.outcome == IGNORED]
        count = f"{len(rejected)}"
        if retrying:
            count += " so far; the sender retries rejected deliveries, so more may come"
        if head is None:
            # The likeliest symptom of all: the right payment, the wrong type.
            others = sorted({e.type for e in events if e.payment_id == payment_id} - set(wanted))
            got = f" (got {', '.join(others)})" if others else ""
            head = f"No {' or '.join(wanted)} webhook{got} for payment {payment_id}{suffix}"
        lines = [
            head,
            *([f"  {why}"] if why else []),
            f"  expected: type={' or '.join(map(repr, wanted))}, data.object.id={payment_id!r}, "
            "valid signature",
            f"  events that did arrive ({len(events)}):",
            *[f"    - {e.line()}" for e in events[-_SHOWN:]],
            f"  rejected deliveries ({count}):",
            *[f"    - {d.line()}" for d in rejected[-_SHOWN:]],
        ]
        if ignored:
            lines.append(f"  ignored (other payments): {len(ignored)}")
        where_text = where() if callable(where) else where
        lines.append("  where to look: " + (where_text or "the listener's delivery log in the report"))
        return "\n".join(lines)


def _settled(settle: Callable[[float], str | None] | None, seconds: float) -> str | None:
    """How the sender is known to be done (``settle``'s answer), or None."""
    if settle is None or seconds <= 0:
        return None
    try:
        return settle(seconds)
    except WaitTimeout:
        return None


def _payment_id_of(envelope: dict[str, Any] | None) -> str | None:
    if not envelope:
        return None
    data = envelope.get("data")
    obj = data.get("object") if isinstance(data, dict) else None
    pid = obj.get("id") if isinstance(obj, dict) else None
    return pid if isinstance(pid, str) else None
