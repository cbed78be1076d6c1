"""Helpers used by the contract tests alone.

Every contract test runs unchanged against the embedded mock and any faithful
SKN Pay (the sandbox target, or its rehearsal). So a test sends only request
shapes the docs show (string metadata values, documented fields), knows what
the harness itself adds (its run and test tags in metadata on a live target),
and where the docs are silent (200 or 201 on create and refund, the error
body's shape, the hosted page's status after cancel and after a decline, what
it says after a payment, what paying an inactive link does, the refund
object's fields, the expiry event's name, optional fields) accepts each
plausible reading and notes which one it met (``sknpay_reading``). The few
tests that need to put the mock in a state the API cannot reach by itself, or
that pin the mock's own strictness where SKN Pay's rule is unknown, are marked
``mock_only``; those that need a feature the docs do not pin (a link's
expiry) are marked ``sknpay_feature`` and run on a live target only when
--sknpay-sandbox-features lists it.

A customer (``sknpay_customer``) pays on the hosted page as a person would:
the card fields are found by their autocomplete tokens and labels, never by
the mock's own form field names, since a live hosted page differs.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import pytest

from sknpay_harness import CREATE_STATUSES, Exchange, SknPayClient, control_api
from sknpay_harness.cards import DECLINED_CARD_EXAMPLE, TEST_CARD
from sknpay_harness.operations import SUCCEEDED_EVENT_NAMES
from sknpay_harness.targets import EmbeddedMockTarget

# An amount whose rendering ("12.34") is unlikely to appear on a page by chance.
AMOUNT = 1234
MAJOR_UNITS = "12.34"
# Prefix of the junit property / allure note naming a reading (tests/conftest.py
# sums them up at the end of the run).
READING = "sknpay reading: "
# The playground's cards (API notes): the test card pays, any other is declined.
DECLINED_CARD = DECLINED_CARD_EXAMPLE
# The merchant's page a paid customer is sent back to; recorded, never fetched.
SUCCESS_URL = "https://shop.example/checkout/thanks"
# Whether a refund answers 200 or 201 is unknown, as for create.
REFUND_STATUSES = CREATE_STATUSES


def payment_request(**overrides: Any) -> dict[str, Any]:
    """A valid create body in the shape the docs show: amount, currency,
    description, and metadata with string values only (the quickstart sends
    nothing else; a number is refused by Stripe-flavoured APIs and the mock)."""
    body: dict[str, Any] = {
        "amount": AMOUNT, "currency": "USD", "description": "contract suite",
        "metadata": {"order_id": f"ord-{uuid.uuid4().hex[:8]}", "attempt": "1"},
    }
    body.update(overrides)
    return body


def expected_metadata(sent: Mapping[str, Any] | None, client: SknPayClient) -> dict[str, Any]:
    """The metadata a faithful API echoes for ``sent``: the caller's keys, plus
    exactly the tags the harness added on the way out (``harness_run`` and
    ``harness_test`` on a live target; none on the mock), the caller's keys winning
    as in :meth:`SknPayClient.create_payment`."""
    return {**client.payment_tags, **(sent or {})}


def describe_metadata_difference(sent: Mapping[str, Any] | None, got: Any,
                                 client: SknPayClient) -> str:
    """Why ``got`` is not the echo of ``sent``, naming the harness's own tags."""
    expected = expected_metadata(sent, client)
    tags = sorted(client.payment_tags)
    added = (f"the harness added its own tags {', '.join(tags)} (allowed, and expected back)"
             if tags else "the harness added no tags (target mock)")
    if not isinstance(got, dict):
        return f"metadata: sent {dict(sent or {})!r}, got {got!r}; {added}"
    missing = {k: v for k, v in expected.items() if k not in got}
    changed = {k: (v, got[k]) for k, v in expected.items() if k in got and got[k] != v}
    extra = sorted(set(got) - set(expected))
    parts = [f"missing {missing!r}" if missing else "",
             ", ".join(f"{k}: sent {a!r}, got {b!r}" for k, (a, b) in changed.items()),
             f"keys nobody sent: {extra}" if extra else ""]
    return (f"metadata: {'; '.join(p for p in parts if p)} (sent {dict(sent or {})!r}, got "
            f"{got!r}); {added}")


@pytest.fixture
def sknpay_reading(request: pytest.FixtureRequest, sknpay_reporter: Any
                   ) -> Callable[[str, str], None]:
    """function · callable(question, answer) · notes which plausible reading of
    something the docs leave open the target showed (e.g. "create status", "201"):
    a junit property ``sknpay reading: <question>``, an allure attachment, and a
    line in the run's terminal summary."""

    def note(question: str, answer: str) -> None:
        entry = (READING + question, answer)
        if entry not in request.node.user_properties:
            request.node.user_properties.append(entry)
            sknpay_reporter.attach_text(entry[0], answer)

    return note


@pytest.fixture
def sknpay_create(sknpay_api: SknPayClient, sknpay_contract: Any,
                  sknpay_reading: Callable[[str, str], None]) -> Callable[..., dict[str, Any]]:
    """function · callable(body=None, idempotency_key=None) -> dict · creates a payment
    and checks the answer against the payment schema (200 or 201: the docs do not say
    which; the one met is noted)."""

    def create(body: dict[str, Any] | None = None,
               idempotency_key: str | None = None) -> dict[str, Any]:
        exchange = sknpay_api.create_payment(body or payment_request(),
                                             idempotency_key=idempotency_key)
        created: dict[str, Any] = sknpay_contract.check_response(exchange, "payment",
                                                                 status=CREATE_STATUSES)
        sknpay_reading("create answers", f"HTTP {exchange.status}")
        return created

    return create


@pytest.fixture
def sknpay_expect_error(sknpay_contract: Any, sknpay_reading: Callable[[str, str], None]
                        ) -> Callable[..., Any]:
    """function · callable(exchange, status=None) -> body · asserts an error answer:
    ``status`` exactly, or any 4xx when None; a JSON body matching the error schema,
    whose ``error`` may be a string or an object (the docs do not say: the one met is
    noted)."""

    def expect(exchange: Exchange, status: int | None = None) -> Any:
        __tracebackhide__ = True
        if status is None and not 400 <= exchange.status < 500:
            raise AssertionError(
                f"{exchange.summary()}: expected HTTP 4xx, got {exchange.status}\n"
                f"  response body: {exchange.response_body[:300]}\n  reproduce: {exchange.curl}")
        body = sknpay_contract.check_response(exchange, "error",
                                              status=exchange.status if status is None else status)
        error = body.get("error")
        shape = ("an object with " + ", ".join(sorted(error)) if isinstance(error, dict)
                 else "a string")
        sknpay_reading("error body's 'error'", shape)
        if status is None:
            sknpay_reading("invalid request answered", f"HTTP {exchange.status}")
        return body

    return expect


@pytest.fixture
def sknpay_payment_count(sknpay_target: Any) -> Callable[[], int | None]:
    """function · callable() -> int | None · payments the mock holds for this test;
    None on a live target, which cannot list them."""

    def count() -> int | None:
        if isinstance(sknpay_target, EmbeddedMockTarget):
            return sknpay_target.app.state.store.payment_count()
        return None

    return count


@dataclass(frozen=True)
class PaidPayment:
    created: dict[str, Any]
    outcome: Any  # CheckoutOutcome
    event: Any  # ReceivedEvent: its payment.succeeded

    @property
    def id(self) -> str:
        return str(self.created["id"])


@pytest.fixture
def sknpay_pay(sknpay_customer: Any, sknpay_webhooks: Any, sknpay_reporter: Any
               ) -> Callable[[dict[str, Any]], PaidPayment]:
    """function · callable(created) -> PaidPayment · the customer pays the link
    with the test card; returns once its payment.succeeded is in."""

    def pay(created: dict[str, Any]) -> PaidPayment:
        __tracebackhide__ = True
        outcome = sknpay_customer.pay(created["url"], TEST_CARD, success_url=SUCCESS_URL)
        sknpay_reporter.attach_outcome(outcome)
        assert outcome.outcome == "paid", (
            f"the customer could not pay with the test card: {outcome.describe()}")
        return PaidPayment(created, outcome,
                           sknpay_webhooks.wait_for(SUCCEEDED_EVENT_NAMES, created["id"]))

    return pay


@pytest.fixture
def sknpay_paid_link(sknpay_create: Callable[..., dict[str, Any]],
                     sknpay_pay: Callable[[dict[str, Any]], PaidPayment]) -> PaidPayment:
    """function · PaidPayment · a link of AMOUNT (with a success_url) the customer
    paid with the test card, and its payment.succeeded."""
    return sknpay_pay(sknpay_create(payment_request(success_url=SUCCESS_URL)))


@pytest.fixture
def sknpay_refund(sknpay_api: SknPayClient, sknpay_contract: Any,
                  sknpay_reading: Callable[[str, str], None]) -> Callable[..., dict[str, Any]]:
    """function · callable(payment_id, amount=None) -> dict · a refund made and its
    answer checked against the refund schema (200 or 201: the one met is noted)."""

    def refund(payment_id: str, amount: int | None = None) -> dict[str, Any]:
        __tracebackhide__ = True
        exchange = sknpay_api.create_refund(payment_id, amount)
        answer: dict[str, Any] = sknpay_contract.check_response(exchange, "refund",
                                                                status=REFUND_STATUSES)
        sknpay_reading("refund answers", f"HTTP {exchange.status}")
        return answer

    return refund


def advance_clock(api: SknPayClient, api_key: Any, seconds: int) -> None:
    """Move the key's clock forward through the mock's control API (the embedded
    mock, or a mock process: a target listed with the ``expiry`` feature)."""
    __tracebackhide__ = True
    control_api.advance_clock(api.base_url, api_key, seconds)
