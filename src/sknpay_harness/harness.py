"""The harness: listener, target, client, ledger and recording for one run.

:class:`Harness` is the library object the pytest plugin, the benchmarks and
a plain script all use. It starts the listener (or takes one already bound),
the target (the embedded mock, or the sandbox) and the API client once, and
stops them in reverse order, each stop running even if an earlier one
failed. :meth:`Harness.begin_test` gives one test its clean view (the mock
reset, a :class:`WebhookWaiter` counting from now, the test named in sandbox
payments, its exchanges attached to its report); :meth:`Harness.end_test`
closes it. No pytest here::

    with Harness(Settings(api_key=Secret("sk_test_..."), webhook_secret=Secret("whsec_..."))) as h:
        waiter = h.begin_test("my check")
        payment = h.client.create_payment({"amount": 1000, "currency": "USD", "description": "x"})
        ...
        h.end_test()
"""

from __future__ import annotations

from contextlib import ExitStack
from pathlib import Path
from types import TracebackType

from .app_under_test import AppUnderTest
from .backoff import pause
from .client import Exchange, RequestRetries, SknPayClient
from .customer import Driver, make_customer
from .errors import ConfigError
from .inbox import IGNORED, WebhookInbox
from .ledger import RUN_TAG, TEST_TAG, PaymentLedger, short_nodeid
from .listener import WebhookListener
from .mock.receiver_check import check_receiver
from .recording import Recorder
from .redaction import Redactor
from .reporting import Reporter
from .runlog import DELIVERIES_KEPT, RunLog
from .settings import Settings
from .targets import EmbeddedMockTarget, SandboxTarget, Target
from .webhook_waiter import WebhookWaiter


class Harness:
    """Listener, target and client for one run (one per pytest-xdist worker).

    ``listener``: one already started (the plugin binds it when the run is
    configured, so a port in use stops the run before any test); by default
    one is started on the settings' host and port. ``endpoint``: what the
    sandbox dashboard's webhook endpoint must reach, as a failed wait names
    it (default: this listener). ``record_dir``: with ``settings.record`` on
    the sandbox, where the recording goes (``record_suffix`` tells processes apart).
    """

    def __init__(self, settings: Settings, *, listener: WebhookListener | None = None,
                 reporter: Reporter | None = None, run_log: RunLog | None = None,
                 endpoint: str | None = None, record_dir: Path | None = None,
                 record_suffix: str = "") -> None:
        if settings.api_key is None:
            raise ConfigError("the harness needs an API key (settings.api_key)")
        self.settings = settings
        self.reporter = reporter or Reporter(Redactor(settings.secrets()))
        self.log = run_log or RunLog()
        self.current: WebhookWaiter | None = None  # the running test's view
        self.recorder: Recorder | None = None
        self._customer: Driver | None = None
        self._stack = ExitStack()
        with ExitStack() as started:  # a failed start stops what did start
            self.listener = listener or self._start_listener()
            self.inbox: WebhookInbox = self.listener.inbox
            started.callback(self._stop_listener)
            self.target = self._start_target(started, endpoint)
            self.log.api_url = self.target.api_url
            self.client = SknPayClient(self.target.api_url, settings.api_key,
                                       timeout=settings.request_timeout,
                                       redactor=self.reporter.redactor,
                                       retry=RequestRetries(retries=settings.retries))
            started.callback(self._stop_client)
            # On a live target events only count for payments this run named
            # (a shared endpoint also gets other runs' events): the ledger
            # names each payment the client creates; a wait names its own.
            self.ledger = PaymentLedger(on_created=self.inbox.track)
            for observer in (self.ledger.observe, self.log.note_exchange, self._observe):
                self.client.add_observer(observer)
            if self.sandbox:
                self.client.payment_tags = {RUN_TAG: settings.run_id}
            self.recorder = self._start_recording(record_dir, record_suffix)
            self._stack = started.pop_all()

    @property
    def sandbox(self) -> bool:
        return self.settings.target == "sandbox"

    @property
    def mock(self) -> EmbeddedMockTarget | None:
        """The embedded mock, or None on a live target."""
        return self.target if isinstance(self.target, EmbeddedMockTarget) else None

    @property
    def customer(self) -> Driver:
        """The customer on the hosted page (``settings.customer``: form or
        browser), made on first use and kept for the run: the browser driver
        starts Chromium once. Evidence of a failure goes to the report."""
        if self._customer is None:
            self._customer = make_customer(self.settings.customer,
                                           attach=self.reporter.attach_evidence,
                                           timeout=self.settings.request_timeout)
            self._stack.callback(self._customer.close)
        return self._customer

    @property
    def app(self) -> AppUnderTest:
        """What an integrator's app under test is given (base URL, key, secret),
        and where the mock sends its webhooks."""
        settings = self.settings
        assert settings.api_key is not None and settings.webhook_secret is not None
        return AppUnderTest(self.target.api_url, settings.api_key, settings.webhook_secret,
                            self.listener.url, live=self.mock is None, check=check_receiver)

    def __enter__(self) -> Harness:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()

    # -- per test ------------------------------------------------------------
    def begin_test(self, nodeid: str) -> WebhookWaiter:
        """A clean view for the test ``nodeid``: the mock reset, a webhook waiter
        counting from now, the test named in sandbox payments' metadata, and
        its exchanges attached to its report until :meth:`end_test`."""
        if self.mock is not None:
            self.mock.reset()
        settings = self.settings
        waiter = WebhookWaiter(self.inbox, self.listener, self.target, self.reporter, self.log,
                               nodeid, settings.webhook_timeout,
                               first_seq=self.inbox.delivery_count,
                               quiet_period=settings.quiet_period)
        if self.sandbox:
            # The run is named by the session; each payment also names its test.
            self.client.payment_tags = {RUN_TAG: settings.run_id, TEST_TAG: short_nodeid(nodeid)}
        if self.recorder is not None:
            self.recorder.test = short_nodeid(nodeid)
        self.current = waiter
        return waiter

    def end_test(self) -> None:
        """Stop attaching, and raise if the listener's handler failed during the test."""
        self.current = None
        if self.sandbox:
            self.client.payment_tags = {RUN_TAG: self.settings.run_id}
        self.listener.check_handler_errors()

    def _observe(self, exchange: Exchange) -> None:
        # Every attempt is attached, so a retried 503 shows next to its retry.
        current = self.current
        if current is not None:
            self.reporter.attach_exchange(exchange)
            current.note_exchange(exchange)

    # -- start and stop ------------------------------------------------------
    def close(self) -> None:
        """Stop the client, the target and the listener (in that order), each
        even if an earlier one failed; then check the listener's handler."""
        self._stack.close()

    def _start_listener(self) -> WebhookListener:
        settings = self.settings
        secret = settings.webhook_secret
        inbox = WebhookInbox([secret] if secret else [], redactor=self.reporter.redactor)
        return WebhookListener(inbox, settings.webhook_host, settings.webhook_port).start()

    def _start_target(self, started: ExitStack, endpoint: str | None) -> Target:
        if self.sandbox:
            return SandboxTarget(self.settings, endpoint or f"this listener ({self.listener.url})")
        mock = EmbeddedMockTarget(self.settings, self.listener.url, on_idle=self.inbox.notify)
        mock.start()
        started.callback(mock.stop)
        return mock

    def _start_recording(self, record_dir: Path | None, suffix: str) -> Recorder | None:
        """With settings.record on the sandbox target: record every final exchange."""
        if not self.settings.record or not self.sandbox:
            return None
        folder = record_dir or Path(self.settings.record_dir)
        recorder = Recorder(folder, self.client.base_url, self.reporter.redactor,
                            source={"target": self.settings.target}, name_suffix=suffix)
        self.client.add_observer(recorder.observe)
        return recorder

    def _stop_client(self) -> None:
        if self.recorder is not None:
            self.client.remove_observer(self.recorder.observe)
            self.log.recordings.append(self.recorder.save(self.inbox.events()))
        try:
            if self.sandbox:
                # The embedded mock forgets its payments per test; the sandbox
                # keeps them, so open links this run left behind are canceled.
                self.log.cleanup = self.ledger.clean_up(self.client)
        finally:
            self.client.close()

    def _stop_listener(self) -> None:
        settings, inbox = self.settings, self.inbox
        if self.sandbox and settings.linger > 0:
            # Staying up for a while IS the point here (late redeliveries and
            # other payments' events still reach the summary): nothing to wait for.
            pause(settings.linger)
        self.listener.stop()
        # For the run summary: what reached the endpoint, incl. other runs' events.
        self.log.add_counts(dict(vars(inbox.counters)))
        deliveries = inbox.deliveries()
        self.log.add_deliveries([d.as_report() for d in deliveries[:DELIVERIES_KEPT]],
                                [d.line() for d in deliveries if d.outcome == IGNORED])
        self.listener.check_handler_errors()
