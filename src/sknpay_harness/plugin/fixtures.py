"""The plugin's fixtures: thin views over one :class:`HarnessSession`.

Expensive things start once per session (``sknpay_session``); each test gets
a clean view (mock state reset, its own exchange and delivery log) from
whichever per-test fixture it asks for first. None has a teardown of its own:
the session stops through one named finalizer, a test's view through a node
finalizer, so the report's tear-down lists no anonymous entries.
"""

from __future__ import annotations

import pytest

from ..client import SknPayClient
from ..contract import Contract
from ..listener import WebhookInbox, WebhookListener
from ..redaction import Redactor
from ..reporting import Reporter
from ..settings import Settings
from ..targets import EmbeddedMockTarget, Target
from .session import HarnessSession
from .state import contract_key, reporter_of, settings_key
from .views import TestWebhooks


@pytest.fixture(scope="session")
def sknpay_settings(request: pytest.FixtureRequest) -> Settings:
    """session · Settings · the resolved run settings (option > env > ini > default)."""
    return request.config.stash[settings_key]


@pytest.fixture(scope="session")
def sknpay_redactor(request: pytest.FixtureRequest) -> Redactor:
    """session · Redactor · masks the API key, webhook secret and secret-shaped text."""
    return reporter_of(request.config).redactor


@pytest.fixture(scope="session")
def sknpay_reporter(request: pytest.FixtureRequest) -> Reporter:
    """session · Reporter · allure steps and attachments, all redacted."""
    return reporter_of(request.config)


@pytest.fixture(scope="session")
def sknpay_contract(request: pytest.FixtureRequest) -> Contract:
    """session · Contract · the JSON Schemas in schemas/, loaded once; records drift."""
    return request.config.stash[contract_key]


@pytest.fixture(scope="session")
def sknpay_session(request: pytest.FixtureRequest) -> HarnessSession:
    """session · HarnessSession · the webhook listener, the target (the embedded mock,
    started once, or the sandbox) and the API client, started once per run (per xdist
    worker) and stopped at its end."""
    session = HarnessSession(request.config)
    request.addfinalizer(session.close)
    return session


@pytest.fixture(scope="session")
def sknpay_inbox(sknpay_session: HarnessSession) -> WebhookInbox:
    """session · WebhookInbox · every delivery since the session started."""
    return sknpay_session.inbox


@pytest.fixture(scope="session")
def sknpay_listener(sknpay_session: HarnessSession) -> WebhookListener:
    """session · WebhookListener · the HTTP listener (--sknpay-webhook-host/-port);
    accepts deliveries on any path (the dashboard URL's path is yours)."""
    return sknpay_session.listener


@pytest.fixture(scope="session")
def sknpay_session_target(sknpay_session: HarnessSession) -> Target:
    """session · Target · the embedded mock started once (target 'mock'), or the sandbox
    at --sknpay-base-url (target 'sandbox')."""
    return sknpay_session.target


@pytest.fixture(scope="session")
def sknpay_client(sknpay_session: HarnessSession) -> SknPayClient:
    """session · SknPayClient · one kept-alive httpx client for the whole run; retries
    transient faults (--sknpay-retries); on the sandbox, tags each payment with the run
    id and cancels the ones left open at the end."""
    return sknpay_session.client


@pytest.fixture
def sknpay_target(request: pytest.FixtureRequest, sknpay_session: HarnessSession) -> Target:
    """function · Target · the session's target, with mock state reset for this test."""
    sknpay_session.begin_test(request.node)
    return sknpay_session.target


@pytest.fixture
def sknpay_mock(request: pytest.FixtureRequest, sknpay_session: HarnessSession) -> EmbeddedMockTarget:
    """function · EmbeddedMockTarget · direct control of the embedded mock (breaks, state),
    reset for this test; skips the test on any other target."""
    target = sknpay_session.target
    if not isinstance(target, EmbeddedMockTarget):
        pytest.skip("needs the embedded mock's test controls")
    sknpay_session.begin_test(request.node)
    return target


@pytest.fixture
def sknpay_api(request: pytest.FixtureRequest, sknpay_session: HarnessSession) -> SknPayClient:
    """function · SknPayClient · the session client; this test's exchanges (every
    attempt) are attached to the step they happened in, and timed for webhook latency."""
    sknpay_session.begin_test(request.node)
    return sknpay_session.client


@pytest.fixture
def sknpay_webhooks(request: pytest.FixtureRequest, sknpay_session: HarnessSession) -> TestWebhooks:
    """function · TestWebhooks · wait_for(type, payment_id) on the listener; a failed
    wait attaches the deliveries this test saw to its step. Default timeout:
    --sknpay-webhook-timeout (60 s)."""
    return sknpay_session.begin_test(request.node)
