"""The request limits are written once (src/sknpay_harness/limits.py) and the
mock, its OpenAPI document and schemas/create-payment-request.json all follow
them: each limit is accepted at the bound and refused one past it, with a 400
naming the parameter, and the document says valid exactly where the mock says
accepted."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import httpx
import pytest
from jsonschema import Draft202012Validator

from sknpay_harness import Contract, limits
from sknpay_harness.mock.app import create_app
from sknpay_harness.mock.breaks import BreakSet
from sknpay_harness.mock.clock import IdFactory, ManualClock
from sknpay_harness.mock.openapi import build_document
from sknpay_harness.mock.state import MockConfig

ROOT = Path(__file__).resolve().parents[2]
SCHEMA = json.loads((ROOT / "schemas" / "create-payment-request.json").read_text(encoding="utf-8"))
KEY = "sk_test_limits"
AUTH = {"Authorization": f"Bearer {KEY}"}
GOOD = {"amount": 1000, "currency": "USD", "description": "limits"}


def _metadata(count: int, key_length: int = 8, value: Any = "v") -> dict[str, Any]:
    return {f"k{i:0{key_length - 1}d}": value for i in range(count)}


AT_LIMIT = {
    "amount_min": {**GOOD, "amount": limits.AMOUNT_MIN},
    "amount_max": {**GOOD, "amount": limits.AMOUNT_MAX},
    "every_currency": [{**GOOD, "currency": c} for c in sorted(limits.CURRENCIES)],
    "metadata_max_keys": {**GOOD, "metadata": _metadata(limits.METADATA_MAX_KEYS)},
    "metadata_key_max_length": {**GOOD, "metadata": _metadata(
        1, key_length=limits.METADATA_KEY_MAX_LENGTH)},
    "metadata_value_max_length": {**GOOD, "metadata": {
        "note": "v" * limits.METADATA_VALUE_MAX_LENGTH}},
    "metadata_value_empty": {**GOOD, "metadata": {"note": ""}},
    "description_max_length": {**GOOD, "description": "d" * limits.DESCRIPTION_MAX_LENGTH},
    "no_description": {"amount": 1000, "currency": "USD"},
    "customer_name_max_length": {**GOOD, "customer_name": "n" * limits.CUSTOMER_NAME_MAX_LENGTH},
    "customer_email_max_length": {**GOOD, "customer_email": "b" * (
        limits.CUSTOMER_EMAIL_MAX_LENGTH - len("@example.com")) + "@example.com"},
    "url_max_length": {**GOOD, "success_url": "https://shop.example/" + "s" * (
        limits.URL_MAX_LENGTH - len("https://shop.example/"))},
    "every_field": json.loads((ROOT / "fixtures" / "examples" /
                               "create-payment-request-full.json").read_text(encoding="utf-8")),
}
# name -> (body, the param the error names, its code)
PAST_LIMIT = {
    "amount_below_min": ({**GOOD, "amount": limits.AMOUNT_MIN - 1}, "amount", "parameter_invalid"),
    "amount_above_max": ({**GOOD, "amount": limits.AMOUNT_MAX + 1}, "amount", "parameter_invalid"),
    "amount_as_json_float": ({**GOOD, "amount": 1000.0}, "amount", "parameter_invalid"),
    "amount_boolean": ({**GOOD, "amount": True}, "amount", "parameter_invalid"),
    "currency_not_seen": ({**GOOD, "currency": "EUR"}, "currency", "parameter_invalid"),
    "currency_lowercase": ({**GOOD, "currency": "xcd"}, "currency", "parameter_invalid"),
    "metadata_too_many_keys": ({**GOOD, "metadata": _metadata(limits.METADATA_MAX_KEYS + 1)},
                               "metadata", "parameter_invalid"),
    "metadata_key_too_long": (
        {**GOOD, "metadata": _metadata(1, key_length=limits.METADATA_KEY_MAX_LENGTH + 1)},
        "metadata[k" + "0" * limits.METADATA_KEY_MAX_LENGTH + "]", "parameter_invalid"),
    "metadata_key_empty": ({**GOOD, "metadata": {"": "v"}}, "metadata[]", "parameter_invalid"),
    "metadata_value_too_long": (
        {**GOOD, "metadata": {"note": "v" * (limits.METADATA_VALUE_MAX_LENGTH + 1)}},
        "metadata[note]", "parameter_invalid"),
    "metadata_value_number": ({**GOOD, "metadata": {"attempt": 1}}, "metadata[attempt]",
                              "parameter_invalid"),
    "metadata_value_float": ({**GOOD, "metadata": {"ratio": 0.5}}, "metadata[ratio]",
                             "parameter_invalid"),
    "metadata_value_list": ({**GOOD, "metadata": {"tags": ["a"]}}, "metadata[tags]",
                            "parameter_invalid"),
    "metadata_not_an_object": ({**GOOD, "metadata": ["order_id"]}, "metadata",
                               "parameter_invalid"),
    "description_too_long": ({**GOOD, "description": "d" * (limits.DESCRIPTION_MAX_LENGTH + 1)},
                             "description", "parameter_invalid"),
    "description_number": ({**GOOD, "description": 42}, "description", "parameter_invalid"),
    "customer_name_too_long": (
        {**GOOD, "customer_name": "n" * (limits.CUSTOMER_NAME_MAX_LENGTH + 1)},
        "customer_name", "parameter_invalid"),
    "customer_email_too_long": (
        {**GOOD, "customer_email": "b" * limits.CUSTOMER_EMAIL_MAX_LENGTH + "@x.example"},
        "customer_email", "parameter_invalid"),
    "customer_email_without_at": ({**GOOD, "customer_email": "buyer.example.com"},
                                  "customer_email", "parameter_invalid"),
    "customer_email_with_space": ({**GOOD, "customer_email": "a buyer@example.com"},
                                  "customer_email", "parameter_invalid"),
    "success_url_not_http": ({**GOOD, "success_url": "ftp://shop.example/ok"}, "success_url",
                             "parameter_invalid"),
    "cancel_url_relative": ({**GOOD, "cancel_url": "/cart"}, "cancel_url", "parameter_invalid"),
    "url_too_long": ({**GOOD, "success_url": "https://shop.example/" + "s" * limits.URL_MAX_LENGTH},
                     "success_url", "parameter_invalid"),
    "unknown_field": ({**GOOD, "customer_phone": "+1 869 555 0100"}, "customer_phone",
                      "parameter_unknown"),
    "null_field": ({**GOOD, "customer_name": None}, "customer_name", "parameter_invalid"),
    "amount_missing": ({"currency": "USD"}, "amount", "parameter_missing"),
    "currency_missing": ({"amount": 1000}, "currency", "parameter_missing"),
}


def _bodies(value: Any) -> list[dict[str, Any]]:
    return value if isinstance(value, list) else [value]


@pytest.fixture
def app():
    return create_app(MockConfig("whsec_limits", api_keys=frozenset({KEY})), clock=ManualClock(),
                      ids=IdFactory(seed=3))


@pytest.fixture
def http(app):
    with httpx.Client(transport=httpx.WSGITransport(app=app), base_url="http://mock.test") as c:
        yield c


@pytest.mark.parametrize("name", AT_LIMIT)
def test_the_mock_accepts_each_limit_at_its_bound(name, http):
    for body in _bodies(AT_LIMIT[name]):
        answer = http.post("/api/v1/payments", json=body, headers=AUTH)
        assert answer.status_code == 200, f"{name}: {answer.text}"
        assert answer.json()["metadata"] == body.get("metadata", {})


@pytest.mark.parametrize("name", PAST_LIMIT)
def test_the_mock_refuses_one_past_each_limit_naming_the_param(name, app, http):
    body, param, code = PAST_LIMIT[name]
    answer = http.post("/api/v1/payments", json=body, headers=AUTH)
    assert answer.status_code == 400, f"{name}: {answer.text}"
    error = answer.json()["error"]
    assert (error["type"], error["code"], error["param"]) == ("invalid_request_error", code, param)
    assert param.split("[")[0] in error["message"], error["message"]
    assert app.state.store.payment_count() == 0


def test_a_number_in_metadata_gets_a_400_that_says_what_to_send(http):
    answer = http.post("/api/v1/payments", json={**GOOD, "metadata": {"order_id": "o-1",
                                                                      "attempt": 1}}, headers=AUTH)
    assert answer.status_code == 400
    message = answer.json()["error"]["message"]
    assert "metadata[attempt] must be a string, got number 1; send \"1\" instead" in message
    assert "SKN Pay's rule is unknown" in message and "docs/mock.md" in message
    example = ROOT / "fixtures" / "examples" / "error-metadata-not-a-string.json"
    assert answer.json() == json.loads(example.read_text(encoding="utf-8")), (
        f"{example.name} should be exactly what the mock answers")


def test_the_lenient_break_lifts_exactly_the_rules_unknown_for_sknpay():
    """accepts_undocumented_shapes lets the likely-reading rules go, and keeps the
    documented ones (the contract suite's live invalid bodies are still refused)."""
    app = create_app(MockConfig("whsec_limits", api_keys=frozenset({KEY})),
                     breaks=BreakSet(["accepts_undocumented_shapes"]))
    with httpx.Client(transport=httpx.WSGITransport(app=app), base_url="http://mock.test") as c:
        number = c.post("/api/v1/payments", json={**GOOD, "metadata": {"attempt": 1}},
                        headers=AUTH)
        zero = c.post("/api/v1/payments", json={**GOOD, "amount": 0}, headers=AUTH)
        unknown_currency = c.post("/api/v1/payments", json={**GOOD, "currency": "ZZZ"},
                                  headers=AUTH)
    assert number.status_code == 200 and number.json()["metadata"] == {"attempt": 1}
    assert (zero.status_code, unknown_currency.status_code) == (400, 400)


# -- the schema file and the OpenAPI document follow limits.py -------------------------
def test_the_request_schema_states_the_limits_it_can():
    props = SCHEMA["properties"]
    assert set(props) == limits.CREATE_FIELDS and SCHEMA["additionalProperties"] is False
    assert set(SCHEMA["required"]) == limits.CREATE_REQUIRED
    assert props["metadata"]["additionalProperties"] == {
        "type": "string", "maxLength": limits.METADATA_VALUE_MAX_LENGTH}
    for name, length in limits.CREATE_STRING_MAX_LENGTHS.items():
        stated = props[name].get("maxLength") or props[name]["allOf"][1]["maxLength"]
        assert stated == length, f"schemas/create-payment-request.json {name}: maxLength {stated}"
    assert props["customer_email"]["pattern"] == limits.EMAIL_PATTERN
    common = json.loads((ROOT / "schemas" / "common.json").read_text(encoding="utf-8"))["$defs"]
    assert common["currency"]["pattern"] == limits.CURRENCY_PATTERN
    assert common["http_url"]["pattern"] == limits.HTTP_URL_PATTERN
    assert common["amount"]["minimum"] == limits.AMOUNT_MIN
    assert props["amount"]["allOf"][1] == {"maximum": limits.AMOUNT_MAX}
    assert props["metadata"]["maxProperties"] == limits.METADATA_MAX_KEYS
    assert props["metadata"]["propertyNames"] == {
        "minLength": 1, "maxLength": limits.METADATA_KEY_MAX_LENGTH}
    # The contract checks "the request we send" against the whole file.
    too_many = {str(n): "v" for n in range(limits.METADATA_MAX_KEYS + 1)}
    assert Contract().violations("create-payment-request", {
        "amount": limits.AMOUNT_MAX + 1, "currency": "USD", "metadata": too_many})


def test_the_openapi_document_states_every_limit():
    request = build_document()["components"]["schemas"]["create-payment-request"]
    props = request["properties"]
    metadata = props["metadata"]["allOf"][1]
    assert metadata["maxProperties"] == limits.METADATA_MAX_KEYS
    assert metadata["propertyNames"]["maxLength"] == limits.METADATA_KEY_MAX_LENGTH
    assert metadata["additionalProperties"]["maxLength"] == limits.METADATA_VALUE_MAX_LENGTH
    assert props["amount"]["allOf"][1] == {"maximum": limits.AMOUNT_MAX}
    assert props["currency"]["allOf"][1] == {"enum": sorted(limits.CURRENCIES)}
    assert set(request["required"]) == limits.CREATE_REQUIRED


def _document_validator() -> Draft202012Validator:
    """The document's create-payment-request schema, its refs resolved in the document."""
    document = copy.deepcopy(build_document())
    root = {"$ref": "#/components/schemas/create-payment-request",
            "components": document["components"]}
    return Draft202012Validator(root)


def test_the_document_says_valid_exactly_where_the_mock_says_accepted(http):
    validator = _document_validator()
    cases = [(n, b) for n, v in AT_LIMIT.items() for b in _bodies(v)]
    cases += [(n, b) for n, (b, _, _) in PAST_LIMIT.items()]
    disagree = []
    for name, body in cases:
        accepted = http.post("/api/v1/payments", json=body, headers=AUTH).status_code == 200
        if validator.is_valid(body) is not accepted:
            disagree.append(f"{name}: mock {'accepts' if accepted else 'refuses'}, document "
                            f"says {'valid' if validator.is_valid(body) else 'invalid'}")
    # JSON Schema cannot tell 1000.0 from 1000 (both integers), so that one case
    # is the known, documented exception.
    assert disagree == ["amount_as_json_float: mock refuses, document says valid"], disagree
