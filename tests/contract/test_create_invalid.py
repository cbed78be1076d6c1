"""Invalid create: every malformed request gets a 4xx with an error body
matching the error schema, and makes no payment.

Two kinds of malformed body:

- ``INVALID_BODIES`` break a rule the API notes state (amount an integer of
  minor units, at least 1; amount and currency required; a real currency
  code). Any faithful SKN Pay refuses them, so they run on every target.
- ``UNDOCUMENTED_SHAPES`` are shapes the docs never show (a metadata value
  that is not a string, Stripe's metadata limits, an unknown field, ...).
  Whether SKN Pay refuses them is unknown; the mock does, as the likeliest
  reading (src/sknpay_harness/limits.py), so an integrator's bug shows on the
  mock first. Sending them to a live target proves nothing, so they are
  ``mock_only``.
"""

from __future__ import annotations

import pytest

from sknpay_harness import limits

from .conftest import payment_request


def _without(field: str) -> dict:
    body = payment_request()
    del body[field]
    return body


INVALID_BODIES = {
    "amount_zero": payment_request(amount=0),
    "amount_negative": payment_request(amount=-500),
    "amount_fractional": payment_request(amount=10.5),
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
    # A refused request changes nothing, so a repeat after a transient fault is safe.
    exchange = sknpay_api.request("POST", "/payments", content=b'{"amount": 1000, "curr',
                                  headers={"Content-Type": "application/json"}, retry=True)
    sknpay_expect_error(exchange)
    made = sknpay_payment_count()
    assert made in (0, None), f"{made} payment(s) exist after a refused create"


def _metadata(count: int, key_length: int = 8, value: object = "v") -> dict:
    return {f"k{i:0{key_length - 1}d}": value for i in range(count)}


KEY_TOO_LONG = "k" * (limits.METADATA_KEY_MAX_LENGTH + 1)
# (body, the param the mock's error names, the code)
UNDOCUMENTED_SHAPES = {
    "metadata_number": (payment_request(metadata={"order_id": "o-1", "attempt": 1}),
                        "metadata[attempt]", "parameter_invalid"),
    "metadata_boolean": (payment_request(metadata={"gift": True}), "metadata[gift]",
                         "parameter_invalid"),
    "metadata_null": (payment_request(metadata={"note": None}), "metadata[note]",
                      "parameter_invalid"),
    "metadata_nested": (payment_request(metadata={"cart": {"items": "2"}}), "metadata[cart]",
                        "parameter_invalid"),
    "metadata_too_many_keys": (payment_request(metadata=_metadata(limits.METADATA_MAX_KEYS + 1)),
                               "metadata", "parameter_invalid"),
    "metadata_key_too_long": (payment_request(metadata={KEY_TOO_LONG: "v"}),
                              f"metadata[{KEY_TOO_LONG}]", "parameter_invalid"),
    "metadata_value_too_long": (
        payment_request(metadata={"note": "x" * (limits.METADATA_VALUE_MAX_LENGTH + 1)}),
        "metadata[note]", "parameter_invalid"),
    "unknown_field": (payment_request(customer_phone="+1 869 555 0100"), "customer_phone",
                      "parameter_unknown"),
    "description_null": (payment_request(description=None), "description", "parameter_invalid"),
    "description_too_long": (payment_request(description="d" * (limits.DESCRIPTION_MAX_LENGTH + 1)),
                             "description", "parameter_invalid"),
    "amount_string": (payment_request(amount="1000"), "amount", "parameter_invalid"),
    "amount_too_large": (payment_request(amount=limits.AMOUNT_MAX + 1), "amount",
                         "parameter_invalid"),
    "currency_lowercase": (payment_request(currency="usd"), "currency", "parameter_invalid"),
    "customer_email_malformed": (payment_request(customer_email="buyer at example.com"),
                                 "customer_email", "parameter_invalid"),
    "customer_name_too_long": (
        payment_request(customer_name="n" * (limits.CUSTOMER_NAME_MAX_LENGTH + 1)),
        "customer_name", "parameter_invalid"),
    "success_url_relative": (payment_request(success_url="/thanks"), "success_url",
                             "parameter_invalid"),
    "cancel_url_too_long": (
        payment_request(cancel_url="https://shop.example/" + "c" * limits.URL_MAX_LENGTH),
        "cancel_url", "parameter_invalid"),
}


@pytest.mark.mock_only
@pytest.mark.parametrize(("body", "param", "code"), UNDOCUMENTED_SHAPES.values(),
                         ids=UNDOCUMENTED_SHAPES.keys())
def test_mock_refuses_shapes_the_docs_do_not_show(body, param, code, sknpay_api,
                                                  sknpay_expect_error, sknpay_payment_count):
    answer = sknpay_expect_error(sknpay_api.create_payment(body), 400)
    error = answer["error"]
    assert (error.get("code"), error.get("param")) == (code, param), (
        f"the mock refused the create, but its error names {error.get('param')!r} "
        f"({error.get('code')!r}); expected {param!r} ({code!r}): {error.get('message')}")
    made = sknpay_payment_count()
    assert made == 0, f"{made} payment(s) exist after a refused create"
