"""JSON Schemas compiled to plain Python predicates (``instance -> bool``).

jsonschema walks the schema on every call (keyword lookups, validator
evolution, $ref resolution), which costs 100-200 us per payment or event on
the harness's hot path. The predicates here do the same checks as closures
built once, in a few microseconds.

A predicate must give exactly the verdict of
``Draft202012Validator(schema, registry=...).is_valid`` with no format
checker, as :class:`~sknpay_harness.contract.Contract` builds it, for any
JSON value (what ``json.loads`` returns). So only keywords mirrored here are
compiled; a schema that uses anything else anywhere it can reach (through
$ref too) is not compiled at all: :func:`compile_schema` returns None and
the caller keeps jsonschema. Nothing unknown is ever silently accepted.
tests/unit/test_schema_differential.py checks the agreement on real and
fuzzed instances; tests/unit/test_schema_compiler.py pins the edge cases.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from numbers import Number
from typing import Any

from referencing.exceptions import Unresolvable

Predicate = Callable[[Any], bool]

DIALECT = "https://json-schema.org/draft/2020-12/schema"
# Keywords jsonschema ignores when validating (not in its VALIDATORS), so
# they can be skipped. "then"/"else" are read by "if" (alone they do nothing).
# "format" *is* a keyword, but a no-op without a format checker.
_SKIPPED = frozenset({"title", "description", "$comment", "$defs", "$schema", "$id",
                      "then", "else", "format"})


class Unsupported(Exception):
    """The schema uses something this compiler does not mirror."""


def compile_schema(schema: Any, resolver: Any) -> Predicate | None:
    """A predicate agreeing with jsonschema's ``is_valid`` for ``schema``; None
    if the schema (or anything it references) is outside what is mirrored.

    ``resolver`` is the referencing resolver jsonschema would use for
    ``schema`` (the registry's resolver at its ``$id`` for a whole document).
    """
    try:
        return _Compiler().node(schema, resolver, own_resolver=True)
    except Unsupported:
        return None


def _always(instance: Any) -> bool:
    return True


def _never(instance: Any) -> bool:
    return False


# -- jsonschema's draft 2020-12 type checker, mirrored ------------------------
def is_integer(x: Any) -> bool:
    # bool is an int subclass but not a JSON integer; 1.0 is one (draft 6+).
    return (isinstance(x, int) and not isinstance(x, bool)) or (isinstance(x, float) and x.is_integer())


def is_number(x: Any) -> bool:
    # The exact-type test first: an ABC isinstance() costs several times more.
    return type(x) is int or type(x) is float or (isinstance(x, Number) and not isinstance(x, bool))


# Types a plain isinstance() decides; integer and number need the checks above.
_CLASSES: dict[str, type] = {"string": str, "object": dict, "array": list, "boolean": bool,
                             "null": type(None)}
_NUMERIC: dict[str, Predicate] = {"integer": is_integer, "number": is_number}


def json_equal(one: Any, two: Any) -> bool:
    """jsonschema's ``_utils.equal``: True != 1, 1 == 1.0, deep for lists/dicts."""
    if one is two:
        return True
    if isinstance(one, str) or isinstance(two, str):
        return bool(one == two)
    if isinstance(one, Sequence) and isinstance(two, Sequence):
        return len(one) == len(two) and all(json_equal(a, b) for a, b in zip(one, two, strict=True))
    if isinstance(one, Mapping) and isinstance(two, Mapping):
        return len(one) == len(two) and all(k in two and json_equal(v, two[k]) for k, v in one.items())
    return bool(_unbool(one) == _unbool(two))


_TRUE, _FALSE = object(), object()


def _unbool(x: Any) -> Any:
    return _TRUE if x is True else _FALSE if x is False else x


def _all(checks: list[Predicate]) -> Predicate:
    if not checks:
        return _always
    if len(checks) == 1:
        return checks[0]

    def every(x: Any) -> bool:
        # A loop, not all() over a generator: half the cost on this hot path.
        for check in checks:  # noqa: SIM110
            if not check(x):
                return False
        return True

    return every


def _any(checks: list[Predicate]) -> Predicate:
    def some(x: Any) -> bool:
        for check in checks:  # noqa: SIM110 (a loop: see _all)
            if check(x):
                return True
        return False

    return some


class _Compiler:
    def __init__(self) -> None:
        self._active: list[int] = []  # $ref targets being compiled: a repeat is recursion
        self._keywords: dict[str, Callable[[Any, dict[str, Any], Any], Predicate]] = {
            "$ref": self._ref, "type": self._type, "enum": self._enum, "const": self._const,
            "minimum": self._minimum, "minLength": self._min_length, "maxLength": self._max_length,
            "pattern": self._pattern, "required": self._required, "properties": self._properties,
            "additionalProperties": self._additional_properties, "allOf": self._all_of,
            "anyOf": self._any_of, "oneOf": self._one_of, "if": self._if,
        }

    def node(self, schema: Any, resolver: Any, *, own_resolver: bool = False) -> Predicate:
        if schema is True:
            return _always
        if schema is False:
            return _never
        if not isinstance(schema, dict):
            raise Unsupported(f"schema {schema!r}")
        # A nested $id would move the base URI for the $refs below it (jsonschema
        # only keeps the resolver it was given at a document root or $ref target).
        if "$id" in schema and not own_resolver:
            raise Unsupported("$id inside a document")
        # Another $schema would make jsonschema switch validator class here.
        if schema.get("$schema", DIALECT) != DIALECT:
            raise Unsupported(f"$schema {schema['$schema']!r}")
        checks = []
        for key, value in schema.items():  # in keyword order, as jsonschema
            if key in _SKIPPED or key.startswith("x-"):
                continue
            build = self._keywords.get(key)
            if build is None:
                raise Unsupported(f"keyword {key!r}")
            check = build(value, schema, resolver)
            if check is not _always:
                checks.append(check)
        return _all(checks)

    def _list(self, value: Any, resolver: Any) -> list[Predicate]:
        if not isinstance(value, list):
            raise Unsupported(f"not a list of schemas: {value!r}")
        return [self.node(sub, resolver) for sub in value]

    # -- one method per keyword: value -> predicate ---------------------------
    def _ref(self, ref: Any, schema: dict[str, Any], resolver: Any) -> Predicate:
        if not isinstance(ref, str):
            raise Unsupported(f"$ref {ref!r}")
        try:
            resolved = resolver.lookup(ref)
        except Unresolvable as exc:  # jsonschema raises when it gets there: let it
            raise Unsupported(f"$ref {ref!r}") from exc
        if id(resolved.contents) in self._active:
            raise Unsupported(f"recursive $ref {ref!r}")
        self._active.append(id(resolved.contents))
        try:
            # jsonschema descends with the lookup's resolver, as here.
            return self.node(resolved.contents, resolved.resolver, own_resolver=True)
        finally:
            self._active.pop()

    def _type(self, types: Any, schema: dict[str, Any], resolver: Any) -> Predicate:
        names = [types] if isinstance(types, str) else types
        if not isinstance(names, list) or not names or \
                not all(isinstance(n, str) and (n in _CLASSES or n in _NUMERIC) for n in names):
            raise Unsupported(f"type {types!r}")
        classes = tuple(_CLASSES[n] for n in names if n in _CLASSES)
        numeric = [_NUMERIC[n] for n in names if n in _NUMERIC]
        if "number" in names:
            numeric = [is_number]  # every integer is a number
        if not numeric:
            return lambda x: isinstance(x, classes)
        if not classes and len(numeric) == 1:
            return numeric[0]
        return _any([lambda x: isinstance(x, classes), *numeric])

    def _enum(self, members: Any, schema: dict[str, Any], resolver: Any) -> Predicate:
        if not isinstance(members, list):
            raise Unsupported(f"enum {members!r}")
        if all(isinstance(m, str) for m in members):
            # A str equals only a str (json_equal), so a set lookup agrees.
            names = frozenset(members)
            return lambda x: isinstance(x, str) and x in names
        return lambda x: any(json_equal(m, x) for m in members)

    def _const(self, value: Any, schema: dict[str, Any], resolver: Any) -> Predicate:
        if isinstance(value, str):
            return lambda x: isinstance(x, str) and x == value
        return lambda x: json_equal(x, value)

    def _minimum(self, limit: Any, schema: dict[str, Any], resolver: Any) -> Predicate:
        if not is_number(limit) or not isinstance(limit, int | float):
            raise Unsupported(f"minimum {limit!r}")
        # "not x < limit", not "x >= limit": NaN passes in jsonschema.
        return lambda x: not is_number(x) or not x < limit

    def _min_length(self, limit: Any, schema: dict[str, Any], resolver: Any) -> Predicate:
        limit = _length(limit)
        return lambda x: not isinstance(x, str) or len(x) >= limit

    def _max_length(self, limit: Any, schema: dict[str, Any], resolver: Any) -> Predicate:
        limit = _length(limit)
        return lambda x: not isinstance(x, str) or len(x) <= limit

    def _pattern(self, pattern: Any, schema: dict[str, Any], resolver: Any) -> Predicate:
        if not isinstance(pattern, str):
            raise Unsupported(f"pattern {pattern!r}")
        try:
            search = re.compile(pattern).search  # jsonschema: re.search(pattern, x)
        except re.error as exc:
            raise Unsupported(f"pattern {pattern!r}") from exc
        return lambda x: not isinstance(x, str) or search(x) is not None

    def _required(self, names: Any, schema: dict[str, Any], resolver: Any) -> Predicate:
        if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
            raise Unsupported(f"required {names!r}")
        keys = tuple(names)

        def has_all(x: Any) -> bool:
            if isinstance(x, dict):
                for key in keys:  # a loop: see _all
                    if key not in x:
                        return False
            return True

        return has_all

    def _properties(self, properties: Any, schema: dict[str, Any], resolver: Any) -> Predicate:
        if not isinstance(properties, dict):
            raise Unsupported(f"properties {properties!r}")
        checks = [(k, self.node(sub, resolver)) for k, sub in properties.items()]
        checks = [(k, check) for k, check in checks if check is not _always]

        def each_property(x: Any) -> bool:
            if isinstance(x, dict):
                for key, check in checks:
                    if key in x and not check(x[key]):
                        return False
            return True

        return each_property

    def _additional_properties(self, extra: Any, schema: dict[str, Any], resolver: Any) -> Predicate:
        # Additional = not named in "properties" (patternProperties is not mirrored).
        known = schema.get("properties", {})
        if extra is True:
            return _always
        if extra is False:
            return lambda x: not isinstance(x, dict) or all(k in known for k in x)
        if not isinstance(extra, dict):
            raise Unsupported(f"additionalProperties {extra!r}")
        check = self.node(extra, resolver)
        return lambda x: not isinstance(x, dict) or all(check(v) for k, v in x.items() if k not in known)

    def _all_of(self, subs: Any, schema: dict[str, Any], resolver: Any) -> Predicate:
        return _all(self._list(subs, resolver))

    def _any_of(self, subs: Any, schema: dict[str, Any], resolver: Any) -> Predicate:
        return _any(self._list(subs, resolver))

    def _one_of(self, subs: Any, schema: dict[str, Any], resolver: Any) -> Predicate:
        checks = self._list(subs, resolver)

        def exactly_one(x: Any) -> bool:
            matched = False
            for check in checks:
                if check(x):
                    if matched:
                        return False
                    matched = True
            return matched

        return exactly_one

    def _if(self, condition: Any, schema: dict[str, Any], resolver: Any) -> Predicate:
        test = self.node(condition, resolver)
        then = self.node(schema.get("then", True), resolver)
        otherwise = self.node(schema.get("else", True), resolver)
        return lambda x: then(x) if test(x) else otherwise(x)


def _length(limit: Any) -> int:
    if not isinstance(limit, int) or isinstance(limit, bool) or limit < 0:
        raise Unsupported(f"length {limit!r}")
    return limit
