"""Per-test views over session-wide objects: what the fixtures hand to tests."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from ..client import Exchange
from ..listener import Delivery, ReceivedEvent, WebhookInbox, WebhookListener
from ..reporting import Reporter
from ..targets import Target
from .state import RunLog, WaitRecord


@dataclass(repr=False)
class TestWebhooks:
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
        return f"TestWebhooks({self.nodeid.rpartition('::')[2]}, target={self.target.name})"

    @property
    def url(self) -> str:
        return self.listener.url

    def note_exchange(self, exchange: Exchange) -> None:
        self.last_request_sent = time.monotonic() - exchange.elapsed_ms / 1000

    def wait_for(self, event_type: str, payment_id: str, timeout: float | None = None) -> ReceivedEvent:
        __tracebackhide__ = True
        since = self.last_request_sent
        try:
            event = self.inbox.wait_for(
                event_type, payment_id, self.default_timeout if timeout is None else timeout,
                give_up=self.target.nothing_more_coming,
                where=lambda: f"listener {self.listener.url}; {self.target.describe_deliveries(payment_id)}",
                settle=self.target.settle, since_seq=self.first_seq,
            )
        except Exception:
            self.attach_deliveries()  # on the step that waited, where the reader looks
            raise
        latency_ms = max(0.0, (event.received_at - since) * 1000)
        self.run_log.add_wait(WaitRecord(self.nodeid, event_type, payment_id, latency_ms,
                                         event.deliveries))
        self.reporter.attach_event(event, latency_ms)
        return event

    def events(self, event_type: str | None = None, payment_id: str | None = None) -> list[ReceivedEvent]:
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
