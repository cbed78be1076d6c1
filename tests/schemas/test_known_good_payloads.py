"""The schemas against known-good payloads (fixtures/examples/): a schema edit
that rejects a real payload fails here; a new field stays harmless drift."""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path

import pytest

from sknpay_harness import Contract

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "fixtures" / "examples"
PREFIXES = ("create-payment-request", "payment", "refund", "event", "error")  # longest first
RESPONSE_SCHEMAS = ("payment", "refund", "event", "error")


def _schema_for(path: Path) -> str:
    for prefix in PREFIXES:
        if path.stem.startswith(prefix + "-"):
            return prefix
    raise AssertionError(f"{path.name}: name does not start with a schema name ({PREFIXES})")


EXAMPLE_FILES = sorted(EXAMPLES.glob("*.json"))


@pytest.fixture(scope="module")
def contract() -> Contract:
    return Contract()


def test_there_are_examples_for_every_response_schema():
    covered = {_schema_for(p) for p in EXAMPLE_FILES}
    assert set(RESPONSE_SCHEMAS) <= covered, f"no example for {set(RESPONSE_SCHEMAS) - covered}"


@pytest.mark.parametrize("path", EXAMPLE_FILES, ids=[p.stem for p in EXAMPLE_FILES])
def test_known_good_payload_matches_its_schema(path, contract):
    payload = json.loads(path.read_text(encoding="utf-8"))
    name = _schema_for(path)
    contract.check(name, payload, where=f"fixtures/examples/{path.name}")
    unknown = contract.unknown_fields(name, payload)
    assert not unknown, f"{path.name} has fields {name}.json does not declare: {unknown}"


@pytest.mark.parametrize("name", RESPONSE_SCHEMAS)
def test_a_new_field_is_drift_not_a_break(name, contract):
    example = next(p for p in EXAMPLE_FILES if _schema_for(p) == name and "minimal" not in p.stem)
    payload = copy.deepcopy(json.loads(example.read_text(encoding="utf-8")))
    payload["zz_new_field"] = {"nested": True}
    if name == "event":
        payload["data"]["object"]["zz_new_payment_field"] = 1
    contract.check(name, payload)  # must not raise: unknown fields are allowed
    paths = {u.path for u in contract.unknown_fields(name, payload)}
    assert "$.zz_new_field" in paths
    if name == "event":
        assert "$.data.object.zz_new_payment_field" in paths
    strict = Contract(strict=True)
    with pytest.raises(AssertionError, match="strict contract"):
        strict.check(name, payload)


def test_every_schema_carries_a_version_and_a_v1_id(contract):
    for name in contract.names:
        schema = json.loads((contract.schema_dir / f"{name}.json").read_text(encoding="utf-8"))
        assert re.fullmatch(r"\d+\.\d+\.\d+", str(schema.get("x-schema-version"))), (
            f"{name}.json needs x-schema-version as MAJOR.MINOR.PATCH")
        assert "/schemas/v1/" in schema["$id"], f"{name}.json $id should name API v1"


@pytest.mark.parametrize("name", RESPONSE_SCHEMAS)
def test_response_schemas_accept_unknown_fields(name, contract):
    schema = json.loads((contract.schema_dir / f"{name}.json").read_text(encoding="utf-8"))
    assert schema.get("additionalProperties", True) is not False, (
        f"{name}.json must not forbid unknown fields: a new field is not a break")
