"""Build a mock in one place: the command line, the embedded target and the
tests all describe the mock they want as a :class:`MockSpec` and get a
:class:`RunningMock` from :func:`build_mock`.

Every part is made here from the spec (breaks, chaos, outbox, API faults,
config, ids) and served by one :class:`MockServer`; API faults are always
in the app's WSGI chain (app.py), so ``/_mock/faults`` works on every mock.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from typing import Any

from .app import MockApp, create_app
from .body_layout import DEFAULT_BODY_LAYOUT
from .breaks import BreakSet, ExtraFields
from .chaos import ChaosPolicy, Delay, WebhookChaos
from .clock import Clock, IdFactory, SystemClock
from .faults import FAULT_KINDS, ApiFaults, FailFirst
from .outbox import DeliveryAttempts, Outbox
from .server import MockServer
from .state import MockConfig, MockState

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


@dataclass(frozen=True)
class MockSpec:
    """Everything a mock is built from. The defaults are sknpay-mock's own."""

    webhook_secret: str = field(repr=False)  # never in a repr, a log or -l output
    api_keys: frozenset[str] | None = field(default=None, repr=False)  # None: any sk_test_
    webhook_endpoints: tuple[str, ...] = ()
    breaks: tuple[str, ...] = ()
    extra_fields: tuple[tuple[str, Any], ...] = ()  # (name, value): contract drift on purpose
    link_lifetime: float | None = 24 * 3600.0  # None: links never expire
    webhook_delay: Delay = 0.0
    delivery_attempts: DeliveryAttempts = field(default_factory=DeliveryAttempts)
    body_layout: str = DEFAULT_BODY_LAYOUT
    chaos: WebhookChaos = field(default_factory=WebhookChaos)  # mock-wide; per key: /_mock
    fault_rate: float = 0.0
    fault_kinds: tuple[str, ...] = FAULT_KINDS
    slow_seconds: float = 2.0
    fail_first: tuple[FailFirst, ...] = ()  # copied per build: a rule counts down
    seed: int | None = None  # ids, delays, duplicates, noise and faults
    host: str = "127.0.0.1"
    port: int = 0  # 0: any free port


@dataclass
class RunningMock:
    """A built mock: its app (and state), the server that serves it."""

    app: MockApp
    server: MockServer

    @property
    def state(self) -> MockState:
        return self.app.state

    @property
    def faults(self) -> ApiFaults:
        return self.app.state.faults

    @property
    def outbox(self) -> Outbox:
        return self.app.state.outbox

    @property
    def url(self) -> str:
        return self.server.url

    @property
    def api_url(self) -> str:
        return self.server.api_url

    def start(self) -> RunningMock:
        """Listen and start delivering; OSError if the port cannot be bound."""
        self.server.start()
        # Hosted-page links in events sent outside any request (an expiry the
        # timer finds) point here.
        self.state.config.public_url = self.state.config.public_url or self.server.url
        return self

    def stop(self) -> None:
        self.faults.close()  # a slow fault in progress ends now
        self.server.stop()

    def __enter__(self) -> RunningMock:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def build_mock(spec: MockSpec, *, clock: Clock | None = None,
               wrap: Callable[[MockApp], WSGIApp] | None = None) -> RunningMock:
    """The mock ``spec`` describes, not started. ``clock``: a test's own
    (default: the wall clock). ``wrap``: WSGI middleware around the app
    (the command line's request log)."""
    clock = clock or SystemClock()
    extras = [ExtraFields(dict(spec.extra_fields))] if spec.extra_fields else []
    breaks = BreakSet(spec.breaks, extras=extras)
    outbox = Outbox(spec.webhook_secret, clock=clock.now, breaks=breaks,
                    attempts=spec.delivery_attempts, delay=spec.webhook_delay, seed=spec.seed,
                    chaos=ChaosPolicy(spec.chaos, seed=spec.seed), body_layout=spec.body_layout)
    faults = ApiFaults(rate=spec.fault_rate, kinds=spec.fault_kinds,
                       slow_seconds=spec.slow_seconds, seed=spec.seed,
                       fail_first=[replace(rule) for rule in spec.fail_first])
    config = MockConfig(webhook_secret=spec.webhook_secret, api_keys=spec.api_keys,
                        webhook_endpoints=list(spec.webhook_endpoints),
                        link_lifetime=spec.link_lifetime)
    app = create_app(config, outbox=outbox, breaks=breaks, clock=clock,
                     ids=IdFactory(spec.seed), faults=faults)
    server = MockServer(app, spec.host, spec.port, wsgi=wrap(app) if wrap else None)
    return RunningMock(app, server)
