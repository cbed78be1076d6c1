"""Idempotency: a create retried after a lost answer makes one link.

The answer to the first create is "lost" (the test ignores it, as a client
whose connection dropped would); the retry sends the same Idempotency-Key and
the same body, and gets the same payment back.
"""

from __future__ import annotations

import uuid

import pytest

from sknpay_harness import CREATE_STATUSES

pytestmark = [pytest.mark.scenario]


def test_idempotency(sknpay_api, sknpay_contract, sknpay_reporter):
    request = {"amount": 1500, "currency": "USD", "description": "Idempotent create"}
    key = f"scenario-{uuid.uuid4()}"

    with sknpay_reporter.step("1. Create with an Idempotency-Key; the answer is lost"):
        first = sknpay_api.create_payment(request, idempotency_key=key)
        lost = sknpay_contract.check_response(first, "payment", status=CREATE_STATUSES)

    with sknpay_reporter.step("2. The retry with the same key and body answers the same link"):
        retried = sknpay_contract.check_response(
            sknpay_api.create_payment(request, idempotency_key=key), "payment",
            status=CREATE_STATUSES)
        assert retried["id"] == lost["id"], \
            f"the retry made a second link {retried['id']!r}; the first was {lost['id']!r}"

    with sknpay_reporter.step("3. That one link is open"):
        retrieved = sknpay_contract.check_response(sknpay_api.retrieve_payment(lost["id"]),
                                                   "payment", status=200)
        assert retrieved["status"] == "open", retrieved["status"]
