"""Contract: every violation listed with path, value and schema file; drift."""

from __future__ import annotations

import json

import pytest

from sknpay_harness.contract import Contract
from sknpay_harness.errors import ContractViolation

GOOD = {"id": "plink_abc", "url": "https://pay.example/p/1", "status": "open",
        "amount": 1000, "currency": "USD", "description": "x", "metadata": {}}


@pytest.fixture(scope="module")
def contract():
    return Contract()


def test_a_good_payment_passes(contract):
    contract.check("payment", GOOD)


def test_every_violation_is_listed_not_just_the_first(contract):
    bad = {**GOOD, "status": "cancelled", "amount": "1000", "currency": "usd"}
    with pytest.raises(ContractViolation) as info:
        contract.check("payment", bad, where="POST /payments -> 200")
    text = str(info.value)
    assert "payment.json (3 violations)" in text and "in POST /payments -> 200" in text
    assert '$.status: "cancelled" is not one of ["open", "succeeded", "canceled", "expired", "failed"]' in text
    assert "schema: payment.json#/properties/status/enum" in text
    assert "$.amount" in text and "schema: common.json#/$defs/amount/type" in text
    assert 'value:  "usd"' in text


def test_missing_url_is_named(contract):
    bad = {k: v for k, v in GOOD.items() if k != "url"}
    with pytest.raises(ContractViolation, match='"url" is a required property'):
        contract.check("payment", bad)


def test_event_refs_payment_schema_across_files(contract):
    event = {"id": "evt_1", "type": "payment.canceled", "data": {"object": {**GOOD, "status": "open"}}}
    with pytest.raises(ContractViolation, match=r"\$.data.object.status"):
        contract.check("event", event)
    contract.check("event", {**event, "data": {"object": {**GOOD, "status": "canceled"}}})


def test_error_body_may_be_string_or_object(contract):
    contract.check("error", {"error": "nope"})
    contract.check("error", {"error": {"type": "t", "code": "c", "message": "m"}})
    with pytest.raises(ContractViolation):
        contract.check("error", {"error": {"code": "c"}})


def test_unknown_fields_pass_but_are_recorded_as_drift():
    c = Contract()
    c.check("payment", {**GOOD, "brand_new": 1})
    assert [(u.owner, u.path) for u in c.drift.values()] == [("payment", "$.brand_new")]
    strict = Contract(strict=True)
    with pytest.raises(ContractViolation, match=r"\$.brand_new: field not in the payment schema"):
        strict.check("payment", {**GOOD, "brand_new": 1})


def test_schemas_are_versioned_and_reference_each_other_by_id(contract):
    assert set(contract.names) >= {"payment", "event", "error", "create-payment-request", "common"}
    assert all(v != "?" for v in contract.versions.values())


def test_any_keyword_is_checked_and_drift_follows_anyof_branches(tmp_path):
    schema = {"$id": "https://contract.test/thing.json", "type": "object", "required": ["n"],
              "properties": {"n": {"not": {"type": "string"}},
                             "v": {"anyOf": [{"not": {"type": "null"}, "properties": {"a": {}}}, {"type": "null"}]}}}
    (tmp_path / "thing.json").write_text(json.dumps(schema), encoding="utf-8")
    c = Contract(tmp_path)
    c.check("thing", {"n": 1, "v": None})
    with pytest.raises(ContractViolation, match=r"\$.n: .*not"):
        c.check("thing", {"n": "s"})
    assert [(u.owner, u.path) for u in c.unknown_fields("thing", {"n": 1, "v": {"a": 1, "b": 2}})] == \
        [("thing", "$.v.b")]


# JSON Schema patterns are ECMA-262: "$" does not match before a trailing
# newline (Python's re, and so Python's jsonschema, would let these through).
@pytest.mark.parametrize(("field", "value"), [
    ("currency", "USD\n"), ("id", "plink_abc\n"), ("url", "https://pay.example/p/1\n"),
])
def test_a_trailing_newline_breaks_the_pattern(contract, field, value):
    with pytest.raises(ContractViolation, match=rf"\$.{field}: .* does not match"):
        contract.check("payment", {**GOOD, field: value})


def test_a_customer_email_without_an_at_sign_is_refused(contract):
    body = {"amount": 1000, "currency": "USD", "customer_email": "not-an-email"}
    with pytest.raises(ContractViolation, match=r"\$.customer_email: \"not-an-email\""):
        contract.check("create-payment-request", body)
    contract.check("create-payment-request", {**body, "customer_email": "buyer@example.com"})


def test_formats_are_asserted_not_just_annotations(tmp_path):
    schema = {"$id": "https://contract.test/contact.json", "type": "object",
              "properties": {"email": {"format": "email"}, "at": {"format": "date-time"}}}
    (tmp_path / "contact.json").write_text(json.dumps(schema), encoding="utf-8")
    c = Contract(tmp_path)
    c.check("contact", {"email": "buyer@example.com", "at": "2026-05-09T10:00:00Z"})
    both = r"(?s)\$.at: .*date-time.*\$.email: .*email.*#/properties/email/format"
    with pytest.raises(ContractViolation, match=both):
        c.check("contact", {"email": "not-an-email", "at": "yesterday"})


def test_odd_keys_get_a_bracketed_json_path():
    from sknpay_harness.contract import json_path
    assert json_path(["data", "object", 0, "odd key"]) == '$.data.object[0]["odd key"]'
