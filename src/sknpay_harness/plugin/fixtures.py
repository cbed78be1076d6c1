"""The plugin's fixtures. Expensive things start once per session; each test
gets a clean view (mock state reset, its own exchange and delivery log)."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from ..client import Exchange, SknPayClient
from ..contract import Contract
from ..listener import WebhookInbox, WebhookListener
from ..redaction import Redactor
from ..reporting import Reporter
from ..settings import Settings
from ..targets import EmbeddedMockTarget, Target
from .state import contract_key, run_log_key, settings_key
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
def sknpay_listener(sknpay_settings: Settings, sknpay_inbox: WebhookInbox) -> Iterator[WebhookListener]:
    """session · WebhookListener · the HTTP listener (--sknpay-webhook-host/-port) on pytest-httpserver."""
    listener = WebhookListener(sknpay_inbox, sknpay_settings.webhook_host,
                               sknpay_settings.webhook_port).start()
    yield listener
    listener.stop()
    listener.check_handler_errors()


@pytest.fixture(scope="session")
def sknpay_session_target(
    pytestconfig: pytest.Config, sknpay_settings: Settings, sknpay_listener: WebhookListener,
    sknpay_inbox: WebhookInbox,
) -> Iterator[Target]:
    """session · Target · the embedded mock started once (target 'mock')."""
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
    sknpay_settings: Settings, sknpay_session_target: Target, sknpay_redactor: Redactor,
    sknpay_inbox: WebhookInbox,
) -> Iterator[SknPayClient]:
    """session · SknPayClient · one kept-alive httpx client for the whole run."""
    assert sknpay_settings.api_key, "an API key is resolved in pytest_configure"
    client = SknPayClient(sknpay_session_target.api_url, sknpay_settings.api_key,
                          timeout=sknpay_settings.request_timeout, redactor=sknpay_redactor)

    def track_created(exchange: Exchange) -> None:
        # Events only count for payments this run made (a shared endpoint
        # also gets other runs' events).
        if exchange.method == "POST" and exchange.url.endswith("/payments") and exchange.status < 300:
            try:
                payment_id = json.loads(exchange.response_body).get("id")
            except (ValueError, AttributeError):
                return
            if isinstance(payment_id, str):
                sknpay_inbox.track(payment_id)

    client.add_observer(track_created)
    yield client
    client.close()


@pytest.fixture
def sknpay_webhooks(
    request: pytest.FixtureRequest, sknpay_settings: Settings, sknpay_inbox: WebhookInbox,
    sknpay_listener: WebhookListener, sknpay_target: Target, sknpay_reporter: Reporter,
) -> Iterator[TestWebhooks]:
    """function · TestWebhooks · wait_for(type, payment_id) on the listener; deliveries
    this test saw are attached to the report at teardown. Default timeout:
    --sknpay-webhook-timeout (60 s)."""
    view = TestWebhooks(sknpay_inbox, sknpay_listener, sknpay_target, sknpay_reporter,
                        request.config.stash[run_log_key], request.node.nodeid,
                        sknpay_settings.webhook_timeout, first_seq=sknpay_inbox.delivery_count,
                        quiet_period=sknpay_settings.quiet_period)
    yield view
    seen = view.deliveries()
    if seen:
        sknpay_reporter.attach_deliveries("webhook deliveries", seen)
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
        sknpay_reporter.attach_exchange(exchange)
        if webhooks is not None:
            webhooks.note_exchange(exchange)

    sknpay_client.add_observer(observe)
    yield sknpay_client
    sknpay_client.remove_observer(observe)
