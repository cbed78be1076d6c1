"""Idempotency-Key on create: a replay returns the same payment, a different
body under the same key is a 409, two keys make two payments."""

from __future__ import annotations

import uuid

from .conftest import payment_request


def _key() -> str:
    return f"contract-{uuid.uuid4()}"


def test_same_key_same_body_returns_same_payment(sknpay_create, sknpay_payment_count):
    key, body = _key(), payment_request()
    first = sknpay_create(body, idempotency_key=key)
    second = sknpay_create(body, idempotency_key=key)
    assert second["id"] == first["id"], (
        f"the same Idempotency-Key and body made two payments: {first['id']} and {second['id']}")
    made = sknpay_payment_count()
    assert made in (1, None), f"the same Idempotency-Key made {made} payments, expected 1"


def test_same_key_other_body_is_409(sknpay_api, sknpay_create, sknpay_expect_error):
    key = _key()
    sknpay_create(payment_request(amount=1000), idempotency_key=key)
    sknpay_expect_error(sknpay_api.create_payment(payment_request(amount=2000),
                                                  idempotency_key=key), 409)


def test_two_keys_make_two_payments(sknpay_create):
    body = payment_request()
    first = sknpay_create(body, idempotency_key=_key())
    second = sknpay_create(body, idempotency_key=_key())
    assert first["id"] != second["id"], f"two Idempotency-Keys returned one payment {first['id']}"
