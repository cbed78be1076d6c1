"""The plugin's fixtures: thin views over one :class:`~sknpay_harness.harness.Harness`.

Expensive things start once per run (``sknpay_harness``); each test gets a
clean view (mock state reset, its own exchange and delivery log) from
whichever per-test fixture it asks for first. None has a teardown of its own:
the harness stops through one named finalizer, a test's view through a node
finalizer, so the report's tear-down lists no anonymous entries.
"""

from __future__ import annotations

import pytest

from ..app_under_test import AppUnderTest
from ..client import SknPayClient
from ..contract import Contract
from ..customer import Driver
from ..harness import Harness
from ..listener import WebhookListener
from ..redaction import Redactor
from ..reporting import Reporter
from ..settings import Settings
from ..targets import EmbeddedMockTarget, Target
from ..webhook_waiter import WebhookWaiter
from .binding import bound_listener, webhook_endpoint
from .parallel import worker_id
from .state import contract_key, harness_key, reporter_of, run_log_key, settings_key

_waiter_key = pytest.StashKey[WebhookWaiter]()


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
def sknpay_harness(request: pytest.FixtureRequest) -> Harness:
    """session · Harness · the webhook listener, the target (the embedded mock, started
    once, or the sandbox) and the API client, started once per run (per xdist worker)
    and stopped at its end. Tests use the per-test fixtures below."""
    config = request.config
    worker = worker_id(config)
    harness = Harness(config.stash[settings_key], listener=bound_listener(config),
                      reporter=reporter_of(config), run_log=config.stash[run_log_key],
                      endpoint=webhook_endpoint(config),
                      record_dir=config.rootpath / config.stash[settings_key].record_dir,
                      record_suffix="" if worker == "main" else f"-{worker}")
    config.stash[harness_key] = harness
    request.addfinalizer(harness.close)
    return harness


def _begin_test(request: pytest.FixtureRequest, harness: Harness) -> WebhookWaiter:
    """This test's clean view, made once however many fixtures ask for it; a node
    finalizer (not a fixture's) ends it after the test's fixtures are torn down."""
    item: pytest.Item = request.node
    waiter = item.stash.get(_waiter_key, None)
    if waiter is None:
        waiter = item.stash[_waiter_key] = harness.begin_test(item.nodeid)
        item.addfinalizer(harness.end_test)
    return waiter


@pytest.fixture(scope="session")
def sknpay_listener(sknpay_harness: Harness) -> WebhookListener:
    """session · WebhookListener · the HTTP listener (--sknpay-webhook-host/-port) and
    its ``inbox``; accepts deliveries on any path (the dashboard URL's path is yours)."""
    return sknpay_harness.listener


@pytest.fixture
def sknpay_target(request: pytest.FixtureRequest, sknpay_harness: Harness) -> Target:
    """function · Target · the embedded mock (target 'mock', state reset for this test)
    or the sandbox at --sknpay-base-url (target 'sandbox')."""
    _begin_test(request, sknpay_harness)
    return sknpay_harness.target


@pytest.fixture
def sknpay_mock(request: pytest.FixtureRequest, sknpay_harness: Harness) -> EmbeddedMockTarget:
    """function · EmbeddedMockTarget · direct control of the embedded mock (breaks, state),
    reset for this test; skips the test on any other target."""
    if sknpay_harness.mock is None:
        pytest.skip("needs the embedded mock's test controls")
    _begin_test(request, sknpay_harness)
    return sknpay_harness.mock


@pytest.fixture
def sknpay_api(request: pytest.FixtureRequest, sknpay_harness: Harness) -> SknPayClient:
    """function · SknPayClient · the run's kept-alive client, mock state reset for this
    test; its exchanges (every attempt) are attached to the step they happened in, and
    timed for webhook latency. Retries transient faults (--sknpay-retries); on the
    sandbox, tags each payment with the run and test and cancels those left open."""
    _begin_test(request, sknpay_harness)
    return sknpay_harness.client


@pytest.fixture
def sknpay_webhooks(request: pytest.FixtureRequest, sknpay_harness: Harness) -> WebhookWaiter:
    """function · WebhookWaiter · wait_for(type, payment_id) on the listener, for any
    payment the test names, whoever made it; a failed wait attaches the deliveries this
    test saw to its step. Default timeout: --sknpay-webhook-timeout (60 s)."""
    return _begin_test(request, sknpay_harness)


@pytest.fixture
def sknpay_customer(request: pytest.FixtureRequest, sknpay_harness: Harness) -> Driver:
    """function · Customer · the person on a payment's hosted page: ``pay(url, card,
    challenge=..., success_url=...)`` and ``look(url)`` report a CheckoutOutcome. Finds the
    card fields by autocomplete tokens and labels, on any ordinary HTML form. Driver:
    --sknpay-customer (form; browser for pages that need JavaScript)."""
    _begin_test(request, sknpay_harness)
    return sknpay_harness.customer


@pytest.fixture
def sknpay_app(request: pytest.FixtureRequest, sknpay_harness: Harness) -> AppUnderTest:
    """function · AppUnderTest · for testing your own app: ``api_url``, ``api_key`` and
    ``webhook_secret`` (Secrets: ``.reveal()`` into the app's config) to give it;
    ``send_webhooks_to(url)`` routes the mock's webhooks to your endpoint (and the
    harness's listener); ``check_receiver(url, payment_id)`` attacks your webhook handler
    with forged, stale, replayed and out-of-order deliveries. Reset for each test."""
    _begin_test(request, sknpay_harness)
    return sknpay_harness.app
