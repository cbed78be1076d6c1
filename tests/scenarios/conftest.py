"""Fixtures the lifecycle scenarios share: a new link, and a paid one.

The cards are in sknpay_harness.cards: the playground's test card pays, any
other number is declined; the 3-D Secure card is an assumed reading (cards.py
says why), so the 3-D Secure scenario is a ``sknpay_feature``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from sknpay_harness import CREATE_STATUSES
from sknpay_harness.cards import TEST_CARD
from sknpay_harness.operations import SUCCEEDED_EVENT_NAMES

# The merchant's page the customer is sent back to; never fetched (the customer
# records the redirect), so it need not exist.
SUCCESS_URL = "https://shop.example/checkout/thanks"


@dataclass(frozen=True)
class Paid:
    created: dict[str, Any]
    outcome: Any  # CheckoutOutcome
    event: Any  # ReceivedEvent

    @property
    def id(self) -> str:
        return str(self.created["id"])


@pytest.fixture
def sknpay_new_link(sknpay_api: Any, sknpay_contract: Any) -> Callable[..., dict[str, Any]]:
    """function · callable(amount=1000, **fields) -> dict · a new payment link,
    checked against the payment schema, with a success_url to come back to."""

    def create(amount: int = 1000, **fields: Any) -> dict[str, Any]:
        body = {"amount": amount, "currency": "USD", "description": "Lifecycle scenario",
                "success_url": SUCCESS_URL, **fields}
        sknpay_contract.check("create-payment-request", body, where="the request we send")
        created: dict[str, Any] = sknpay_contract.check_response(
            sknpay_api.create_payment(body), "payment", status=CREATE_STATUSES)
        assert created["status"] == "open", f"a new link should be 'open': {created['status']!r}"
        return created

    return create


@pytest.fixture
def sknpay_paid(sknpay_new_link: Callable[..., dict[str, Any]], sknpay_customer: Any,
                sknpay_webhooks: Any, sknpay_reporter: Any) -> Callable[..., Paid]:
    """function · callable(amount=1000) -> Paid · a link the customer paid with the
    test card, and its payment.succeeded webhook."""

    def pay(amount: int = 1000) -> Paid:
        created = sknpay_new_link(amount)
        outcome = sknpay_customer.pay(created["url"], TEST_CARD, success_url=created["success_url"])
        sknpay_reporter.attach_outcome(outcome)
        assert outcome.outcome == "paid", outcome.describe()
        event = sknpay_webhooks.wait_for(SUCCEEDED_EVENT_NAMES, created["id"])
        return Paid(created, outcome, event)

    return pay
