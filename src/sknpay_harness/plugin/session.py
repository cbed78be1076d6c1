"""The harness as one pytest session holds it, and what each test gets.

:class:`HarnessSession` starts the listener, the target and the client once,
and stops them in reverse order (each stop runs even if an earlier one
failed). :meth:`HarnessSession.begin_test` gives a test its clean view: mock
state reset, its own webhook view, its exchanges in its report. The fixtures
are thin views over these two, so a test pays for one piece of per-test work
however many ``sknpay_*`` fixtures it asks for (and allure writes one
container per fixture, so fewer fixtures also mean fewer files).
"""

from __future__ import annotations

from contextlib import ExitStack

import pytest

from ..client import Exchange, RetryPolicy, SknPayClient, pause
from ..ledger import RUN_TAG, TEST_TAG, PaymentLedger, short_nodeid
from ..listener import IGNORED, WebhookInbox, WebhookListener
from ..recording import Recorder
from ..reporting import Reporter
from ..settings import Settings
from ..targets import EmbeddedMockTarget, SandboxTarget, Target
from .binding import bound_listener, webhook_endpoint
from .state import DELIVERIES_KEPT, RunLog, recorder_key, reporter_of, run_log_key, settings_key
from .views import TestWebhooks

test_webhooks_key = pytest.StashKey[TestWebhooks]()


class HarnessSession:
    """Listener, target and client for one pytest session (one per xdist worker)."""

    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        self.settings: Settings = config.stash[settings_key]
        self.reporter: Reporter = reporter_of(config)
        self.log: RunLog = config.stash[run_log_key]
        self.current: TestWebhooks | None = None  # the running test's view
        self.recorder: Recorder | None = None
        self._stack = ExitStack()
        settings = self.settings
        assert settings.api_key, "an API key is resolved in pytest_configure"
        with ExitStack() as started:  # a failed start stops what did start
            # Bound when the run was configured (a port in use stops the run
            # there); under xdist with a fixed port, a free one behind the relay.
            self.listener: WebhookListener = bound_listener(config)
            self.inbox: WebhookInbox = self.listener.inbox
            started.callback(self._stop_listener)
            self.target = self._start_target(started)
            self.log.api_url = self.target.api_url
            self.client = SknPayClient(self.target.api_url, settings.api_key,
                                       timeout=settings.request_timeout,
                                       redactor=self.reporter.redactor,
                                       retry=RetryPolicy(retries=settings.retries))
            started.callback(self._stop_client)
            # Events only count for payments this run made (a shared endpoint
            # also gets other runs' events): the ledger tells the inbox of each.
            self.ledger = PaymentLedger(on_created=self.inbox.track)
            for observer in (self.ledger.observe, self.log.note_exchange, self._observe):
                self.client.add_observer(observer)
            if self.sandbox:
                self.client.payment_tags = {RUN_TAG: settings.run_id}
            self.recorder = self._start_recording()
            self._stack = started.pop_all()

    @property
    def sandbox(self) -> bool:
        return self.settings.target == "sandbox"

    # -- per test ------------------------------------------------------------
    def begin_test(self, item: pytest.Item) -> TestWebhooks:
        """This test's clean view, made once however many fixtures ask for it:
        the mock reset, a webhook view counting from now, the test named in
        sandbox payments, and its exchanges attached to its report."""
        webhooks = item.stash.get(test_webhooks_key, None)
        if webhooks is not None:
            return webhooks
        if isinstance(self.target, EmbeddedMockTarget):
            self.target.reset()
        settings = self.settings
        webhooks = TestWebhooks(self.inbox, self.listener, self.target, self.reporter, self.log,
                                item.nodeid, settings.webhook_timeout,
                                first_seq=self.inbox.delivery_count,
                                quiet_period=settings.quiet_period)
        if self.sandbox:
            # The run is named by the session; each payment also names its test.
            self.client.payment_tags = {RUN_TAG: settings.run_id,
                                        TEST_TAG: short_nodeid(item.nodeid)}
        if self.recorder is not None:
            self.recorder.test = short_nodeid(item.nodeid)
        item.stash[test_webhooks_key] = webhooks
        self.current = webhooks
        # A node finalizer, not a fixture's: it runs after the test's fixtures
        # are torn down, and is no teardown entry of its own in the report.
        item.addfinalizer(self.end_test)
        return webhooks

    def end_test(self) -> None:
        """After the test's fixtures: stop attaching, and fail the test if the
        listener's handler raised during it."""
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

    def _start_target(self, started: ExitStack) -> Target:
        if self.sandbox:
            return SandboxTarget(self.settings, webhook_endpoint(self.config))
        mock = EmbeddedMockTarget(self.settings, self.listener.url, on_idle=self.inbox.notify)
        mock.start()
        started.callback(mock.stop)
        return mock

    def _start_recording(self) -> Recorder | None:
        """With --sknpay-record on the sandbox target: record every final exchange."""
        settings, config = self.settings, self.config
        if not settings.record or not self.sandbox:
            return None
        # Each xdist worker records the tests it ran, in a file of its own.
        worker = getattr(config, "workerinput", {}).get("workerid")
        recorder = Recorder(config.rootpath / settings.record_dir, self.client.base_url,
                            self.reporter.redactor, source={"target": settings.target},
                            name_suffix=f"-{worker}" if worker else "")
        config.stash[recorder_key] = recorder
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
        self.log.delivery_counts = dict(vars(inbox.counters))
        deliveries = inbox.deliveries()
        self.log.ignored = [d.line() for d in deliveries if d.outcome == IGNORED]
        self.log.deliveries = [d.as_report() for d in deliveries[:DELIVERIES_KEPT]]
        self.listener.check_handler_errors()
