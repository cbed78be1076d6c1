"""schema_compiler: the semantics that are easy to get wrong, each pinned twice -
the verdict jsonschema gives, and the compiled predicate agreeing with it -
and the None fallback for everything the compiler does not mirror."""

from __future__ import annotations

import math
from typing import Any

import pytest
from jsonschema import Draft202012Validator
from jsonschema._utils import equal as jsonschema_equal
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from sknpay_harness.contract import Contract
from sknpay_harness.schema_compiler import DIALECT, _Compiler, compile_schema, json_equal

BASE = "https://compiler.test/"


def _registry(*schemas: dict[str, Any]) -> Registry[Any]:
    return Registry().with_resources(
        (s["$id"], Resource.from_contents(s, default_specification=DRAFT202012)) for s in schemas)


def verdict(schema: Any, instance: Any, *others: dict[str, Any]) -> bool:
    """jsonschema's verdict, after asserting the compiled predicate gives the same."""
    if isinstance(schema, dict):
        schema = {"$id": BASE + "root.json", **schema}
    registry = _registry(schema, *others) if isinstance(schema, dict) else Registry()
    expected = Draft202012Validator(schema, registry=registry).is_valid(instance)
    compiled = compile_schema(schema, registry.resolver(BASE + "root.json"))
    assert compiled is not None, f"{schema} did not compile"
    assert compiled(instance) is expected, f"{schema} on {instance!r}: jsonschema says {expected}"
    return bool(expected)


def test_bool_is_neither_integer_nor_number_but_a_whole_float_is_an_integer():
    assert not verdict({"type": "integer"}, True)
    assert not verdict({"type": "number"}, False)
    assert verdict({"type": "integer"}, 1.0) and verdict({"type": "integer"}, -0.0)
    assert not verdict({"type": "integer"}, 1.5)
    assert verdict({"type": "integer"}, 10**30) and verdict({"type": "integer"}, 1e300)
    assert verdict({"type": "boolean"}, True) and not verdict({"type": "boolean"}, 1)


@pytest.mark.parametrize("value", [math.nan, math.inf, -math.inf])
def test_non_finite_floats_are_numbers_not_integers(value):
    assert verdict({"type": "number"}, value)
    assert not verdict({"type": "integer"}, value)


def test_type_lists_and_null():
    schema = {"type": ["string", "number", "boolean", "null"]}
    assert all(verdict(schema, v) for v in ("", 0, 1.5, False, None))
    assert not verdict(schema, []) and not verdict(schema, {})
    assert verdict({"type": ["integer", "null"]}, None) and not verdict({"type": ["integer", "null"]}, 0.5)


def test_minimum_applies_to_numbers_only_and_bools_are_not_numbers():
    schema = {"minimum": 1}
    assert verdict(schema, 1) and verdict(schema, 1.0) and verdict(schema, 2)
    assert not verdict(schema, 0) and not verdict(schema, 0.999) and not verdict(schema, -(10**30))
    # Not numbers, so minimum says nothing: a bool, a string, NaN (NaN < 1 is false).
    assert verdict(schema, False) and verdict(schema, True) and verdict(schema, "0") and verdict(schema, math.nan)
    assert not verdict({"type": "integer", "minimum": 1}, True)
    assert not verdict(schema, -math.inf) and verdict(schema, math.inf)


def test_enum_and_const_use_json_equality():
    assert not verdict({"const": 1}, True) and not verdict({"const": 0}, False)
    assert verdict({"const": 1}, 1.0) and verdict({"const": True}, True)
    assert not verdict({"enum": [1, 2]}, True) and verdict({"enum": [1, 2]}, 2.0)
    assert verdict({"const": [1, {"a": 1.0}]}, [1.0, {"a": 1}])
    assert not verdict({"const": [1, {"a": 1}]}, [True, {"a": 1}])
    assert not verdict({"const": {"a": 1}}, {"a": 1, "b": 2}) and not verdict({"const": [1]}, [1, 1])
    assert verdict({"const": None}, None) and not verdict({"const": None}, False)
    assert not verdict({"const": "1"}, 1) and not verdict({"enum": ["open"]}, "Open")
    assert verdict({"enum": ["a", 1, None]}, None) and not verdict({"enum": ["a", 1, None]}, True)


@pytest.mark.parametrize("pair", [
    (True, 1), (False, 0), (1, 1.0), ([True], [1]), ({"a": [0]}, {"a": [False]}), ([1, [2.0]], [1.0, [2]]),
    ("a", "a"), ({"a": 1}, {"b": 1}), (None, None), ([], {}), ((1,), [1]), (math.nan, math.nan),
])
def test_json_equal_is_jsonschemas_equal(pair):
    one, two = pair
    assert json_equal(one, two) == jsonschema_equal(one, two) == jsonschema_equal(two, one) == json_equal(two, one)


def test_pattern_is_a_search_with_pythons_re():
    assert verdict({"pattern": "b"}, "abc")  # not anchored unless the pattern says so
    assert not verdict({"pattern": "^b"}, "abc")
    # Python's $ also matches before a final newline: jsonschema accepts "USD\n".
    assert verdict({"pattern": "^[A-Z]{3}$"}, "USD\n") and not verdict({"pattern": "^[A-Z]{3}$"}, "USD ")
    assert verdict({"pattern": "^b"}, 42)  # applies to strings only


def test_lengths_count_code_points():
    assert verdict({"maxLength": 1}, "\u00e9") and verdict({"maxLength": 1}, "\U0001F600")  # 2 and 4 UTF-8 bytes
    assert not verdict({"maxLength": 1}, "e\u0301")  # e + combining accent: 2 code points
    assert not verdict({"minLength": 1}, "") and verdict({"minLength": 1}, "\U0001F600")
    assert verdict({"maxLength": 3}, "\U0001F600" * 3) and not verdict({"maxLength": 3}, "\U0001F600" * 4)
    assert verdict({"minLength": 2}, [1])  # applies to strings only


def test_one_of_means_exactly_one():
    schema = {"oneOf": [{"type": "integer"}, {"minimum": 0}]}
    assert not verdict(schema, 5)  # both
    assert verdict(schema, -1) and verdict(schema, "x")  # one each (minimum ignores strings)
    assert not verdict(schema, -1.5)  # neither
    assert not verdict({"oneOf": []}, 1) and not verdict({"anyOf": []}, 1) and verdict({"allOf": []}, 1)


def test_if_then_else():
    schema = {"if": {"type": "string"}, "then": {"minLength": 2}, "else": {"type": "integer"}}
    assert verdict(schema, "ab") and not verdict(schema, "a") and verdict(schema, 1) and not verdict(schema, 1.5)
    assert verdict({"if": {"type": "string"}}, 1.5)  # no then/else: if alone asserts nothing
    assert verdict({"if": {"type": "string"}, "then": False}, 1)
    assert not verdict({"if": {}, "else": True, "then": False}, 1)
    assert verdict({"then": False}, 1) and verdict({"else": False}, 1)  # no if: jsonschema ignores them


def test_properties_required_and_additional_properties():
    schema = {"type": "object", "required": ["a"], "properties": {"a": {"type": "string"}, "b": True},
              "additionalProperties": {"type": "integer"}}
    assert verdict(schema, {"a": "x", "b": [], "c": 1})
    assert not verdict(schema, {"a": "x", "c": "1"})  # an extra must match additionalProperties
    assert not verdict(schema, {"b": 1}) and not verdict(schema, {"a": 1})
    closed = {"properties": {"a": {}}, "additionalProperties": False}
    assert verdict(closed, {"a": 1}) and verdict(closed, {}) and not verdict(closed, {"a": 1, "z": None})
    assert verdict({"required": ["a"]}, ["a"]) and verdict({"properties": {"a": False}}, "a")  # objects only
    assert not verdict({"properties": {"a": False}}, {"a": None})


def test_format_is_only_an_annotation_without_a_format_checker():
    assert verdict({"type": "string", "format": "email"}, "not an email")


def test_boolean_schemas():
    assert verdict(True, {"anything": 1}) and not verdict(False, None)


def test_refs_across_documents_resolve_against_the_referring_document():
    common = {"$id": BASE + "common.json", "$defs": {"id": {"type": "string", "pattern": "^x_"},
                                                      "alias": {"$ref": "#/$defs/id"}}}
    by_ref = {"properties": {"id": {"$ref": "common.json#/$defs/alias"}}}
    assert verdict(by_ref, {"id": "x_1"}, common) and not verdict(by_ref, {"id": "y_1"}, common)
    assert not verdict({"$ref": "common.json#/$defs/id"}, {"id": "x_1"}, common)
    # A $ref beside other keywords applies alongside them (2020-12).
    assert not verdict({"$ref": "common.json#/$defs/id", "maxLength": 3}, "x_12", common)
    assert verdict({"$ref": "common.json#/$defs/id", "maxLength": 3}, "x_1", common)


def test_the_harness_schemas_all_compile():
    """Else their hot path silently falls back to jsonschema, ~30x slower:
    extend schema_compiler, or accept that and drop this test knowingly."""
    contract = Contract()
    for name, schema in contract._schemas.items():
        assert compile_schema(schema, contract.registry.resolver(schema["$id"])) is not None, name


COMPILED_KEYWORDS = set(_Compiler()._keywords)


@pytest.mark.parametrize("keyword", sorted(set(Draft202012Validator.VALIDATORS) - COMPILED_KEYWORDS - {"format"}))
def test_every_other_validation_keyword_is_refused(keyword):
    """Anything jsonschema would check that is not mirrored means no predicate, anywhere it is."""
    resolver = Registry().resolver()
    assert compile_schema({keyword: {}}, resolver) is None
    assert compile_schema({"properties": {"a": {"anyOf": [{keyword: {}}]}}}, resolver) is None


def test_compiled_keywords_are_jsonschema_keywords_and_skipped_ones_are_not():
    from sknpay_harness.schema_compiler import _SKIPPED
    assert set(Draft202012Validator.VALIDATORS) >= COMPILED_KEYWORDS
    # Skipped keywords do nothing in jsonschema either (format: no checker is given).
    assert set(Draft202012Validator.VALIDATORS) & _SKIPPED == {"format"}


@pytest.mark.parametrize("schema", [
    {"unknownKeyword": 1},  # not an annotation we know: it could be a typo for one we check
    {"type": "decimal"}, {"type": []}, {"minimum": "1"}, {"minimum": True}, {"minLength": 1.5},
    {"pattern": "("}, {"enum": "abc"}, {"required": "a"}, {"additionalProperties": None},
    {"$ref": "nowhere.json"},  # unresolvable: jsonschema raises when it gets there
    {"properties": {"a": {"$id": "other.json"}}},  # a nested $id moves the base URI
    {"$schema": "http://json-schema.org/draft-07/schema#"},  # jsonschema would switch dialect
    {"patternProperties": {"^a": {}}, "additionalProperties": False},
    {"additionalProperties": False, "properties": 5},  # read before "properties" is
    {"additionalProperties": {"type": "string"}, "properties": ["a"]},
])
def test_unsupported_or_malformed_schemas_are_not_compiled(schema):
    assert compile_schema(schema, Registry().resolver()) is None


def test_a_recursive_ref_is_not_compiled():
    tree = {"$id": BASE + "tree.json", "properties": {"child": {"$ref": "#"}}}
    assert compile_schema(tree, _registry(tree).resolver(BASE + "tree.json")) is None


def test_the_dialect_may_be_named():
    assert verdict({"$schema": DIALECT, "title": "t", "description": "d", "x-note": 1, "$defs": {"a": {"not": 1}}}, 1)


TRICKY = "a'] or True #\n    return True\n\"\\"  # would break generated source if pasted into it


def test_schema_values_never_become_source_text():
    schema = {"type": "object", "required": [TRICKY],
              "properties": {TRICKY: {"enum": [TRICKY, "b"], "pattern": "^a'"},
                             "n": {"const": TRICKY}},
              "additionalProperties": False}
    assert verdict(schema, {TRICKY: TRICKY})
    assert not verdict(schema, {TRICKY: "b"})  # the pattern fails
    assert not verdict(schema, {TRICKY: TRICKY, "n": "other"})
    assert not verdict(schema, {"n": TRICKY})  # the tricky key is required
    assert not verdict(schema, {TRICKY: TRICKY, "extra": 1})
