"""Invalid create: every malformed request gets a 4xx with an error body
matching the error schema, and makes no payment."""

from __future__ import annotations

import pytest

from .conftest import payment_request


def _without(field: str) -> dict:
    body = payment_request()
    del body[field]
    return body


INVALID_BODIES = {
    "amount_zero": payment_request(amount=0),
    "amount_negative": payment_request(amount=-500),
    "amount_fractional": payment_request(amount=10.5),
    "amount_string": payment_request(amount="1000"),
    "amount_missing": _without("amount"),
    "currency_missing": _without("currency"),
    "currency_unknown": payment_request(currency="ZZZ"),
}


@pytest.mark.parametrize("body", INVALID_BODIES.values(), ids=INVALID_BODIES.keys())
def test_invalid_create_is_refused(body, sknpay_api, sknpay_expect_error, sknpay_payment_count):
    sknpay_expect_error(sknpay_api.create_payment(body))
    made = sknpay_payment_count()
    assert made in (0, None), f"{made} payment(s) exist after a refused create"


def test_create_with_non_json_body_is_refused(sknpay_api, sknpay_expect_error,
                                              sknpay_payment_count):
    exchange = sknpay_api.request("POST", "/payments", content=b'{"amount": 1000, "curr',
                                  headers={"Content-Type": "application/json"})
    sknpay_expect_error(exchange)
    made = sknpay_payment_count()
    assert made in (0, None), f"{made} payment(s) exist after a refused create"
