"""The listener as one test sees it: :class:`WebhookWaiter` waits for a payment's
events, whoever made the payment, and reads this test's deliveries.

A wait names its payment to the inbox first (``WebhookInbox.track``): events
for it count from then on, and so do those that arrived before the wait began
(the inbox holds them), so a payment made by the integrator's own app or by a
plain HTTP call is waited for like one the harness's client made.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from .client import Exchange
from .inbox import Delivery, ReceivedEvent, WebhookInbox
from .listener import WebhookListener
from .reporting import Reporter
from .runlog import RunLog, WaitRecord
from .targets import Target


@dataclass(repr=False)
class WebhookWaiter:
    """The listener as one test sees it: wait for events, read deliveries.

    Latency is measured from the moment this test's latest API call was
    sent, so it reads as "event arrived N ms after the cancel was sent" (on
    the mock the event often lands before the cancel's answer does).
    """

    inbox: WebhookInbox
    listener: WebhookListener
    target: Target
    reporter: Reporter
    run_log: RunLog
    nodeid: str
    default_timeout: float
    first_seq: int = 0
    quiet_period: float = 5.0
    last_request_sent: float = field(default_factory=time.monotonic)

    def __repr__(self) -> str:
        # One line in a traceback's fixture list, not every field's own repr.
        return f"WebhookWaiter({self.nodeid.rpartition('::')[2]}, target={self.target.name})"

    @property
    def url(self) -> str:
        return self.listener.url

    def note_exchange(self, exchange: Exchange) -> None:
        self.last_request_sent = time.monotonic() - exchange.elapsed_ms / 1000

    def wait_for(self, event_type: str | tuple[str, ...], payment_id: str,
                 timeout: float | None = None) -> ReceivedEvent:
        """The first ``event_type`` event for ``payment_id`` (already in, or the
        next to come), verified; fails with what did arrive and where to look.
        A tuple of types (the plausible names of an undocumented event) takes
        the first of them to arrive; its ``type`` says which."""
        __tracebackhide__ = True
        since = self.last_request_sent
        # Named here, so it counts whoever made it (and an xdist relay routes it here).
        self.inbox.track(payment_id)
        try:
            event = self.inbox.wait_for(
                event_type, payment_id, self.default_timeout if timeout is None else timeout,
                give_up=self.target.nothing_more_coming,
                where=lambda: f"listener {self.listener.url}; {self.target.describe_deliveries(payment_id)}",
                settle=self.target.settle, since_seq=self.first_seq,
                live=self.target.name == "sandbox",
            )
        except Exception:
            self.attach_deliveries()  # on the step that waited, where the reader looks
            raise
        latency_ms = max(0.0, (event.received_at - since) * 1000)
        self.run_log.add_wait(WaitRecord(self.nodeid, event.type, payment_id, latency_ms,
                                         event.deliveries))
        self.reporter.attach_event(event, latency_ms)
        return event

    def events(self, event_type: str | None = None, payment_id: str | None = None) -> list[ReceivedEvent]:
        if payment_id is not None:
            self.inbox.track(payment_id)
        return self.inbox.events(event_type, payment_id)

    def deliveries(self) -> list[Delivery]:
        """Deliveries that reached the listener since this test started."""
        return self.inbox.deliveries(self.first_seq)

    def attach_deliveries(self) -> None:
        """Attach every delivery this test saw (accepted, duplicate, ignored,
        rejected) to the current step, if any came."""
        seen = self.deliveries()
        if seen:
            self.reporter.attach_deliveries("webhook deliveries during this test", seen)

    def settle(self, until: Callable[[], bool] | None = None) -> str:
        """Return once no further webhook can arrive, saying how that is known.

        The mock says when its outbox is idle; a live target cannot, so the
        listener is watched for ``quiet_period`` seconds (--sknpay-quiet-period),
        or until ``until()`` is true.
        """
        __tracebackhide__ = True
        how = self.target.settle(self.default_timeout)
        if how is not None:
            return str(how)
        self.inbox.wait_quiet(self.quiet_period, until=until)
        return f"watched the listener for a quiet period of {self.quiet_period:g} s"

    def no_more_events(
        self, event_type: str, payment_id: str, expected: int = 1
    ) -> list[ReceivedEvent]:
        """Assert that exactly ``expected`` distinct ``event_type`` events for
        ``payment_id`` arrived once the target has settled. Redeliveries of one
        event id count once (the inbox deduplicates them)."""
        __tracebackhide__ = True
        self.inbox.track(payment_id)
        how = self.settle(until=lambda: len(self.inbox.events(event_type, payment_id)) > expected)
        events = self.inbox.events(event_type, payment_id)
        if len(events) != expected:
            self.attach_deliveries()
            listed = "\n".join(f"    - {e.line()}" for e in events) or "    (none)"
            raise AssertionError(
                f"{len(events)} distinct {event_type} event(s) for payment {payment_id}; "
                f"expected exactly {expected} (a redelivery of one event id counts once).\n"
                f"  events:\n{listed}\n  settled: {how}\n"
                f"  where to look: {self.target.describe_deliveries(payment_id)}")
        return events
