"""Helpers used by the contract tests alone.

Every contract test runs unchanged against the embedded mock and (once that
target lands) the sandbox. The few that need to put the mock in a state the
API cannot reach by itself are marked ``mock_only`` and use ``sknpay_mock``.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from sknpay_harness import CREATE_STATUSES, Exchange
from sknpay_harness.targets import EmbeddedMockTarget

# An amount whose rendering ("12.34") is unlikely to appear on a page by chance.
AMOUNT = 1234
MAJOR_UNITS = "12.34"


def payment_request(**overrides: Any) -> dict[str, Any]:
    """A valid create body in the shape the docs show: amount, currency,
    description, and metadata with string values only (the quickstart sends
    nothing else; a number is refused by Stripe-flavoured APIs)."""
    body: dict[str, Any] = {
        "amount": AMOUNT, "currency": "USD", "description": "contract suite",
        "metadata": {"order_id": f"ord-{uuid.uuid4().hex[:8]}", "attempt": "1"},
    }
    body.update(overrides)
    return body


@pytest.fixture
def sknpay_create(sknpay_api, sknpay_contract) -> Callable[..., dict[str, Any]]:
    """function · callable(body=None, idempotency_key=None) -> dict · creates a payment
    and checks the answer against the payment schema."""

    def create(body: dict[str, Any] | None = None,
               idempotency_key: str | None = None) -> dict[str, Any]:
        exchange = sknpay_api.create_payment(body or payment_request(),
                                             idempotency_key=idempotency_key)
        return sknpay_contract.check_response(exchange, "payment", status=CREATE_STATUSES)

    return create


@pytest.fixture
def sknpay_expect_error(sknpay_contract) -> Callable[[Exchange, int | None], Any]:
    """function · callable(exchange, status=None) -> body · asserts an error answer:
    ``status`` exactly, or any 4xx when None; a JSON body matching the error schema."""

    def expect(exchange: Exchange, status: int | None = None) -> Any:
        if status is None and not 400 <= exchange.status < 500:
            raise AssertionError(
                f"{exchange.summary()}: expected HTTP 4xx, got {exchange.status}\n"
                f"  response body: {exchange.response_body[:300]}\n  reproduce: {exchange.curl}")
        return sknpay_contract.check_response(exchange, "error",
                                              status=exchange.status if status is None else status)

    return expect


@pytest.fixture
def sknpay_payment_count(sknpay_target) -> Callable[[], int | None]:
    """function · callable() -> int | None · payments the mock holds for this test;
    None on a live target, which cannot list them."""

    def count() -> int | None:
        if isinstance(sknpay_target, EmbeddedMockTarget):
            return sknpay_target.app.store.payment_count()
        return None

    return count


@dataclass(frozen=True)
class CanceledPayment:
    created: dict[str, Any]
    canceled: dict[str, Any]
    event: Any  # ReceivedEvent


@pytest.fixture
def sknpay_canceled(sknpay_create, sknpay_api, sknpay_contract, sknpay_webhooks) -> CanceledPayment:
    """function · CanceledPayment · a payment created, canceled, and its
    payment.canceled webhook received (not yet checked beyond the listener's
    signature verification)."""
    created = sknpay_create()
    canceled = sknpay_contract.check_response(
        sknpay_api.cancel_payment(created["id"]), "payment", status=200)
    event = sknpay_webhooks.wait_for("payment.canceled", created["id"])
    return CanceledPayment(created, canceled, event)
