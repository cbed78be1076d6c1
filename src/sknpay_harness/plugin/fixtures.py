"""The plugin's fixtures. Expensive things start once per session; each test
gets a clean view (mock state reset, its own exchange and delivery log)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager, nullcontext

import pytest

from ..client import Exchange, RetryPolicy, SknPayClient, pause
from ..contract import Contract
from ..ledger import RUN_TAG, TEST_TAG, PaymentLedger, short_nodeid
from ..listener import IGNORED, WebhookInbox, WebhookListener
from ..recording import Recorder
from ..redaction import Redactor
from ..reporting import Reporter
from ..settings import Settings
from ..targets import EmbeddedMockTarget, SandboxTarget, Target
from .state import DELIVERIES_KEPT, contract_key, recorder_key, run_log_key, settings_key
from .views import TestWebhooks


@pytest.fixture(scope="session")
def sknpay_settings(pytestconfig: pytest.Config) -> Settings:
    """session · Settings · the resolved run settings (option > env > ini > default)."""
    return pytestconfig.stash[settings_key]


@pytest.fixture(scope="session")
def sknpay_redactor(sknpay_settings: Settings) -> Redactor:
    """session · Redactor · masks the API key, webhook secret and secret-shaped text."""
    return Redactor(sknpay_settings.secrets())


@pytest.fixture(scope="session")
def sknpay_reporter(sknpay_redactor: Redactor) -> Reporter:
    """session · Reporter · allure steps and attachments, all redacted."""
    return Reporter(sknpay_redactor)


@pytest.fixture(scope="session")
def sknpay_contract(pytestconfig: pytest.Config) -> Contract:
    """session · Contract · the JSON Schemas in schemas/, compiled once; records drift."""
    return pytestconfig.stash[contract_key]


@pytest.fixture(scope="session")
def sknpay_inbox(sknpay_settings: Settings, sknpay_redactor: Redactor) -> WebhookInbox:
    """session · WebhookInbox · every delivery since the session started."""
    secret = sknpay_settings.webhook_secret
    return WebhookInbox([secret] if secret else [], redactor=sknpay_redactor)


@pytest.fixture(scope="session")
def sknpay_listener(
    pytestconfig: pytest.Config, sknpay_settings: Settings, sknpay_inbox: WebhookInbox,
) -> Iterator[WebhookListener]:
    """session · WebhookListener · the HTTP listener (--sknpay-webhook-host/-port) on
    pytest-httpserver; accepts deliveries on any path (the dashboard URL's path is yours)."""
    listener = WebhookListener(sknpay_inbox, sknpay_settings.webhook_host,
                               sknpay_settings.webhook_port).start()
    yield listener
    if sknpay_settings.target == "sandbox" and sknpay_settings.linger > 0:
        # Staying up for a while IS the point here (late redeliveries and other
        # payments' events still reach the summary); nothing to wait for.
        pause(sknpay_settings.linger)
    listener.stop()
    # For the run summary: what reached the shared endpoint, incl. other runs' events.
    log = pytestconfig.stash[run_log_key]
    log.delivery_counts = dict(vars(sknpay_inbox.counters))
    deliveries = sknpay_inbox.deliveries()
    log.ignored = [d.line() for d in deliveries if d.outcome == IGNORED]
    log.deliveries = [d.as_report() for d in deliveries[:DELIVERIES_KEPT]]
    listener.check_handler_errors()


@pytest.fixture(scope="session")
def sknpay_session_target(
    pytestconfig: pytest.Config, sknpay_settings: Settings, sknpay_listener: WebhookListener,
    sknpay_inbox: WebhookInbox,
) -> Iterator[Target]:
    """session · Target · the embedded mock started once (target 'mock'), or the sandbox
    at --sknpay-base-url (target 'sandbox')."""
    if sknpay_settings.target == "sandbox":
        sandbox = SandboxTarget(sknpay_settings, sknpay_listener.url)
        pytestconfig.stash[run_log_key].api_url = sandbox.api_url
        yield sandbox
        return
    target = EmbeddedMockTarget(sknpay_settings, sknpay_listener.url, on_idle=sknpay_inbox.notify)
    target.start()
    pytestconfig.stash[run_log_key].api_url = target.api_url
    yield target
    target.stop()


@pytest.fixture
def sknpay_target(sknpay_session_target: Target) -> Target:
    """function · Target · the session's target, with mock state reset for this test."""
    if isinstance(sknpay_session_target, EmbeddedMockTarget):
        sknpay_session_target.reset()
    return sknpay_session_target


@pytest.fixture
def sknpay_mock(sknpay_target: Target) -> EmbeddedMockTarget:
    """function · EmbeddedMockTarget · direct control of the embedded mock (breaks, state);
    skips the test on any other target."""
    if not isinstance(sknpay_target, EmbeddedMockTarget):
        pytest.skip("needs the embedded mock's test controls")
    return sknpay_target


@pytest.fixture(scope="session")
def sknpay_client(
    pytestconfig: pytest.Config, sknpay_settings: Settings, sknpay_session_target: Target,
    sknpay_redactor: Redactor, sknpay_inbox: WebhookInbox,
) -> Iterator[SknPayClient]:
    """session · SknPayClient · one kept-alive httpx client for the whole run; retries
    transient faults (--sknpay-retries); on the sandbox, tags each payment with the run
    id and cancels the ones left open at the end."""
    assert sknpay_settings.api_key, "an API key is resolved in pytest_configure"
    log = pytestconfig.stash[run_log_key]
    client = SknPayClient(sknpay_session_target.api_url, sknpay_settings.api_key,
                          timeout=sknpay_settings.request_timeout, redactor=sknpay_redactor,
                          retry=RetryPolicy(retries=sknpay_settings.retries))
    # Events only count for payments this run made (a shared endpoint also
    # gets other runs' events): the ledger tells the inbox about each one.
    ledger = PaymentLedger(on_created=sknpay_inbox.track)
    client.add_observer(ledger.observe)
    client.add_observer(log.note_exchange)
    sandbox = sknpay_settings.target == "sandbox"
    if sandbox:
        client.payment_tags = {RUN_TAG: sknpay_settings.run_id}
    recorder = start_recording(pytestconfig, sknpay_settings, client, sknpay_redactor)
    yield client
    if recorder is not None:
        client.remove_observer(recorder.observe)
        log.recordings.append(recorder.save(sknpay_inbox.events()))
    if sandbox:
        # The embedded mock forgets its payments per test; the sandbox keeps
        # them, so open links this run left behind are canceled here.
        log.cleanup = ledger.clean_up(client)
    client.close()


def start_recording(
    config: pytest.Config, settings: Settings, client: SknPayClient, redactor: Redactor,
) -> Recorder | None:
    """With --sknpay-record on the sandbox target: record every final exchange."""
    if not settings.record or settings.target != "sandbox":
        return None
    # Each xdist worker records the tests it ran, in a file of its own.
    worker = getattr(config, "workerinput", {}).get("workerid")
    recorder = Recorder(config.rootpath / settings.record_dir, client.base_url, redactor,
                        source={"target": settings.target},
                        name_suffix=f"-{worker}" if worker else "")
    config.stash[recorder_key] = recorder
    client.add_observer(recorder.observe)
    return recorder


@pytest.fixture
def sknpay_webhooks(
    request: pytest.FixtureRequest, sknpay_settings: Settings, sknpay_inbox: WebhookInbox,
    sknpay_listener: WebhookListener, sknpay_target: Target, sknpay_reporter: Reporter,
) -> Iterator[TestWebhooks]:
    """function · TestWebhooks · wait_for(type, payment_id) on the listener; a failed
    wait attaches the deliveries this test saw to its step. Default timeout:
    --sknpay-webhook-timeout (60 s)."""
    view = TestWebhooks(sknpay_inbox, sknpay_listener, sknpay_target, sknpay_reporter,
                        request.config.stash[run_log_key], request.node.nodeid,
                        sknpay_settings.webhook_timeout, first_seq=sknpay_inbox.delivery_count,
                        quiet_period=sknpay_settings.quiet_period)
    yield view
    sknpay_listener.check_handler_errors()


@pytest.fixture
def sknpay_api(
    request: pytest.FixtureRequest, sknpay_client: SknPayClient, sknpay_target: Target,
    sknpay_reporter: Reporter,
) -> Iterator[SknPayClient]:
    """function · SknPayClient · the session client; this test's exchanges are attached
    to the report (redacted) and timed for webhook latency."""
    webhooks: TestWebhooks | None = None
    if "sknpay_webhooks" in request.fixturenames:
        webhooks = request.getfixturevalue("sknpay_webhooks")

    def observe(exchange: Exchange) -> None:
        # Every attempt is attached, so a retried 503 shows next to its retry.
        sknpay_reporter.attach_exchange(exchange)
        if webhooks is not None:
            webhooks.note_exchange(exchange)

    tagging: AbstractContextManager[object] = nullcontext()
    if sknpay_target.name == "sandbox":
        # Name the test in each payment's metadata (the run is named by the session client).
        tagging = sknpay_client.tagged({TEST_TAG: short_nodeid(request.node.nodeid)})
    recorder = request.config.stash.get(recorder_key, None)
    if recorder is not None:
        recorder.test = short_nodeid(request.node.nodeid)
    sknpay_client.add_observer(observe)
    with tagging:
        yield sknpay_client
    sknpay_client.remove_observer(observe)
