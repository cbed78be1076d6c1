"""Targets: where the API calls go, and what each can tell about its webhooks.

The embedded mock knows when it has nothing left to send, so a wait for an
event that will never come fails at once instead of after 60 s. A live
target cannot know that; its waits run to the deadline.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from .backoff import Backoff
from .control_api import control_call
from .errors import ConfigError, TargetError
from .mock.app import MockApp
from .mock.breaks import BreakSet
from .mock.build import MockSpec, RunningMock, build_mock
from .mock.outbox import DeliveryAttempts
from .mock.payments import STATUSES
from .mock.server import MockServer
from .mock.state import MockState
from .settings import Settings

# Quick retries inside a test run: a refused delivery is tried 5 times
# within ~0.15 s in all, not over the minutes a real sender takes. A test
# that expects a webhook the listener refuses fails once the mock gives up,
# so this back-off is how long such a failure takes to show.
EMBEDDED_ATTEMPTS = DeliveryAttempts(max_attempts=5, backoff=Backoff(0.01, 2.0, 0.1))


class Target(Protocol):
    @property
    def name(self) -> str: ...

    @property
    def api_url(self) -> str:
        """The API base URL (``.../api/v1``)."""

    def nothing_more_coming(self) -> str | None:
        """A reason no further webhook can arrive, or None if one still might."""

    def describe_deliveries(self, payment_id: str) -> str:
        """Where to look for this payment's webhook deliveries."""

    def settle(self, timeout: float) -> str | None:
        """Block until the target has sent every webhook it is going to send
        and return how that is known; None if it cannot know (a live target:
        the caller then watches for a quiet period instead).

        This is the harness's one meaning of "settle": the sender is done
        (WebhookWaiter.settle, the inbox's ``settle=`` and SETTLE_SECONDS
        all mean it)."""


class EmbeddedMockTarget:
    """An in-process mock on a free loopback port, sending to ``webhook_url``."""

    name = "mock"

    def __init__(self, settings: Settings, webhook_url: str,
                 on_idle: Callable[[], None] | None = None) -> None:
        if not settings.api_key or not settings.webhook_secret:
            raise ConfigError("the embedded mock needs an API key and webhook secret")
        # The mock is the other end of the wire: it holds the values in clear,
        # as SKN Pay does, in its own threads.
        self.running: RunningMock = build_mock(MockSpec(
            webhook_secret=settings.webhook_secret.reveal(),
            api_keys=frozenset({settings.api_key.reveal()}),
            webhook_endpoints=(webhook_url,), breaks=tuple(settings.mock_breaks),
            webhook_delay=settings.mock_webhook_delay, delivery_attempts=EMBEDDED_ATTEMPTS))
        self._api_key = settings.api_key
        if on_idle is not None:
            self.state.outbox.add_idle_listener(on_idle)

    @property
    def app(self) -> MockApp:
        return self.running.app

    @property
    def state(self) -> MockState:
        return self.running.state

    @property
    def server(self) -> MockServer:
        return self.running.server

    @property
    def breaks(self) -> BreakSet:
        """The breaks in force: ``set([...])`` switches them for this test."""
        return self.running.state.breaks

    @property
    def api_url(self) -> str:
        return self.running.api_url

    def start(self) -> EmbeddedMockTarget:
        self.running.start()
        return self

    def stop(self) -> None:
        self.running.stop()

    def reset(self) -> None:
        """A clean view for the next test: no payments, refunds, deliveries,
        clock offset, chaos or faults, and the breaks the session started with
        (the one reset: the control API's ``POST /_mock/reset`` does the same
        for one key)."""
        self.state.reset()

    def nothing_more_coming(self) -> str | None:
        __tracebackhide__ = True
        if self.state.outbox.is_idle():
            return "The mock's outbox is empty: every event it queued has been delivered or given up."
        return None

    def settle(self, timeout: float) -> str | None:
        __tracebackhide__ = True
        self.state.outbox.wait_idle(timeout)
        return "the mock's outbox is idle (every queued event delivered or given up)"

    def force_status(self, payment_id: str, status: str) -> None:
        """Put a payment straight into ``status`` (succeeded, expired, failed...)
        without an event, as a customer's payment or the link's expiry would
        on the real API; for contract tests of terminal states. Goes through
        the mock's own test-control endpoint, the one integrators use."""
        __tracebackhide__ = True
        if status not in STATUSES:
            raise TargetError(f"unknown status {status!r}; known: {', '.join(STATUSES)}")
        control_call(self.api_url, self._api_key, "POST", f"/payments/{payment_id}/state",
                     {"status": status, "event": False})

    def describe_deliveries(self, payment_id: str) -> str:
        __tracebackhide__ = True
        deliveries = [d for d in self.state.outbox.log() if d["payment_id"] == payment_id]
        if not deliveries:
            return f"the mock queued no webhook for {payment_id} (mock delivery log is empty for it)"
        lines = [f"the mock's delivery log for {payment_id}:"]
        for d in deliveries:
            lines.append(f"      {d['id']} {d['event_type']} {d['event_id']} -> {d['endpoint']}: "
                         f"{_delivery_state(d)}")
        return "\n".join(lines)


def _delivery_state(delivery: dict[str, Any]) -> str:
    """One outbox delivery's state and the answer to each attempt made so far."""
    answers = [str(a["status"] or a["error"]) for a in delivery["attempts"]]
    shown = ", ".join(answers) or "none"
    state = delivery["state"]
    if state == "delivering":
        return f"attempt {len(answers) + 1} in flight (answers so far: {shown})"
    if state == "pending" and answers:
        return f"retry queued (answers so far: {shown})"
    if state == "failed":
        return f"gave up after {len(answers)} attempts (answers: {shown})"
    return f"{state} (answers: {shown})"


class SandboxTarget:
    """SKN Pay's sandbox (or a mock process standing in for it in a rehearsal).

    Webhooks go to the endpoint configured in the dashboard, not to a URL we
    choose, so nothing here can know whether more events are coming: waits
    run to their deadline.
    """

    name = "sandbox"

    def __init__(self, settings: Settings, endpoint: str) -> None:
        """``endpoint``: what the dashboard's webhook endpoint must reach, as a
        message names it (this listener, or the xdist relay in front of it)."""
        self.api_url = settings.base_url.rstrip("/")
        self.endpoint = endpoint

    def nothing_more_coming(self) -> str | None:
        return None

    def settle(self, timeout: float) -> str | None:
        return None  # cannot know: the caller watches for a quiet period

    def describe_deliveries(self, payment_id: str) -> str:
        return (f"the SKN Pay dashboard, Settings -> Webhooks -> your endpoint's delivery log, "
                f"for payment {payment_id}; the endpoint's URL must reach {self.endpoint} "
                f"through your tunnel, and be signed with the secret in "
                f"SKNPAY_WEBHOOK_SECRET")
