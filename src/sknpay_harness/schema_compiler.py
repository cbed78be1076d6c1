"""JSON Schemas compiled to plain Python predicates (``instance -> bool``).

jsonschema walks the schema on every call (keyword lookups, validator
evolution, $ref resolution), which costs 100-200 us per payment or event on
the harness's hot path. Here each schema becomes the source of one Python
function, written once and compiled with ``compile()``: the checks of every
keyword inline, one after another, each returning False on a failure. A
nested schema is inlined too, except under anyOf, oneOf and if, which call
the nested schema's own function. (A tree of closures, one call per keyword,
cost 2-3x as much.)

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

import itertools
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
# The checks the generated source calls for the numeric types.
_NUMERIC: dict[str, str] = {"integer": "is_integer", "number": "is_number"}


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


class _Lines:
    """Statements checking the value held in a local name; they ``return False``
    at the first failure and fall through when the value passes."""

    def __init__(self, write: Callable[[str, str], list[str]]) -> None:
        self.write = write  # (local name, indent) -> lines

    def __call__(self, name: str, indent: str) -> list[str]:
        return self.write(name, indent)


Built = _Lines | Predicate  # a keyword's check: code to inline, or a predicate to call


def _joined(parts: list[_Lines]) -> _Lines | None:
    if not parts:
        return None
    if len(parts) == 1:
        return parts[0]
    return _Lines(lambda v, i: [line for part in parts for line in part(v, i)])


def _exactly_one(x: Any, checks: tuple[Predicate, ...]) -> bool:
    matched = False
    for check in checks:
        if check(x):
            if matched:
                return False
            matched = True
    return matched


class _Compiler:
    def __init__(self) -> None:
        self._active: list[int] = []  # $ref targets being compiled: a repeat is recursion
        self._names = itertools.count()
        self._globals: dict[str, Any] = {"__builtins__": {}, "isinstance": isinstance, "len": len, "any": any,
                                         "dict": dict, "str": str, "is_integer": is_integer,
                                         "is_number": is_number, "json_equal": json_equal,
                                         "exactly_one": _exactly_one}
        self._keywords: dict[str, Callable[[Any, dict[str, Any], Any], Built]] = {
            "$ref": self._ref, "type": self._type, "enum": self._enum, "const": self._const,
            "minimum": self._minimum, "minLength": self._min_length, "maxLength": self._max_length,
            "pattern": self._pattern, "required": self._required, "properties": self._properties,
            "additionalProperties": self._additional_properties, "allOf": self._all_of,
            "anyOf": self._any_of, "oneOf": self._one_of, "if": self._if,
        }

    # -- schemas -----------------------------------------------------------------
    def node(self, schema: Any, resolver: Any, *, own_resolver: bool = False) -> Predicate:
        """The predicate for ``schema``: a function of its own."""
        if schema is True:
            return _always
        if schema is False:
            return _never
        code = self._code(schema, resolver, own_resolver=own_resolver)
        if code is None:
            return _always
        name = f"schema_{next(self._names)}"
        source = "\n".join([f"def {name}(x):", *code("x", "    "), "    return True", ""])
        # Safe to exec: the source is built from keyword templates; a schema's
        # values reach it only as names of constants (or as checked ints).
        exec(compile(source, f"<compiled schema {name}>", "exec"), self._globals)
        predicate: Predicate = self._globals[name]
        return predicate

    def _code(self, schema: Any, resolver: Any, *, own_resolver: bool = False) -> _Lines | None:
        """The inline checks for ``schema``; None when it accepts everything."""
        if schema is True:
            return None
        if schema is False:
            return _Lines(lambda v, i: [f"{i}return False"])
        if not isinstance(schema, dict):
            raise Unsupported(f"schema {schema!r}")
        # A nested $id would move the base URI for the $refs below it (jsonschema
        # only keeps the resolver it was given at a document root or $ref target).
        if "$id" in schema and not own_resolver:
            raise Unsupported("$id inside a document")
        # Another $schema would make jsonschema switch validator class here.
        if schema.get("$schema", DIALECT) != DIALECT:
            raise Unsupported(f"$schema {schema['$schema']!r}")
        parts = []
        for key, value in schema.items():  # in keyword order, as jsonschema
            if key in _SKIPPED or key.startswith("x-"):
                continue
            build = self._keywords.get(key)
            if build is None:
                raise Unsupported(f"keyword {key!r}")
            built = build(value, schema, resolver)
            if built is not _always:
                parts.append(built if isinstance(built, _Lines) else self._call(built))
        return _joined(parts)

    def _list(self, value: Any) -> list[Any]:
        if not isinstance(value, list):
            raise Unsupported(f"not a list of schemas: {value!r}")
        return value

    # -- helpers for the generated source ----------------------------------------
    def _constant(self, value: Any) -> str:
        name = f"c{next(self._names)}"
        self._globals[name] = value
        return name

    def _local(self) -> str:
        return f"v{next(self._names)}"

    def _call(self, predicate: Predicate) -> _Lines:
        name = self._constant(predicate)
        return _Lines(lambda v, i: [f"{i}if not {name}({v}): return False"])

    @staticmethod
    def _unless(test: Callable[[str], str]) -> _Lines:
        """Fail when ``test(value)`` (a Python expression) is true."""
        return _Lines(lambda v, i: [f"{i}if {test(v)}: return False"])

    # -- one method per keyword: value -> checks ----------------------------------
    def _ref(self, ref: Any, schema: dict[str, Any], resolver: Any) -> Built:
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
            code = self._code(resolved.contents, resolved.resolver, own_resolver=True)
        finally:
            self._active.pop()
        return _always if code is None else code

    def _type(self, types: Any, schema: dict[str, Any], resolver: Any) -> Built:
        names = [types] if isinstance(types, str) else types
        if not isinstance(names, list) or not names or \
                not all(isinstance(n, str) and (n in _CLASSES or n in _NUMERIC) for n in names):
            raise Unsupported(f"type {types!r}")
        classes = tuple(_CLASSES[n] for n in names if n in _CLASSES)
        tests: list[Callable[[str], str]] = []
        if classes:
            kinds = self._constant(classes)
            tests.append(lambda v: f"isinstance({v}, {kinds})")
        if "number" in names or "integer" in names:
            numeric = _NUMERIC["number" if "number" in names else "integer"]  # every integer is a number
            tests.append(lambda v: f"{numeric}({v})")
        return self._unless(lambda v: "not (" + " or ".join(test(v) for test in tests) + ")")

    def _enum(self, members: Any, schema: dict[str, Any], resolver: Any) -> Built:
        if not isinstance(members, list):
            raise Unsupported(f"enum {members!r}")
        if all(isinstance(m, str) for m in members):
            # A str equals only a str (json_equal), so a set lookup agrees.
            names = self._constant(frozenset(members))
            return self._unless(lambda v: f"not (isinstance({v}, str) and {v} in {names})")
        listed = self._constant(tuple(members))
        return self._unless(lambda v: f"not any(json_equal(m, {v}) for m in {listed})")

    def _const(self, value: Any, schema: dict[str, Any], resolver: Any) -> Built:
        name = self._constant(value)
        if isinstance(value, str):
            return self._unless(lambda v: f"not (isinstance({v}, str) and {v} == {name})")
        return self._unless(lambda v: f"not json_equal({v}, {name})")

    def _minimum(self, limit: Any, schema: dict[str, Any], resolver: Any) -> Built:
        if not is_number(limit) or not isinstance(limit, int | float):
            raise Unsupported(f"minimum {limit!r}")
        # Fails only when "x < limit" holds: NaN passes in jsonschema.
        name = self._constant(limit)
        return self._unless(lambda v: f"is_number({v}) and {v} < {name}")

    def _min_length(self, limit: Any, schema: dict[str, Any], resolver: Any) -> Built:
        limit = _length(limit)
        return self._unless(lambda v: f"isinstance({v}, str) and len({v}) < {limit}")

    def _max_length(self, limit: Any, schema: dict[str, Any], resolver: Any) -> Built:
        limit = _length(limit)
        return self._unless(lambda v: f"isinstance({v}, str) and len({v}) > {limit}")

    def _pattern(self, pattern: Any, schema: dict[str, Any], resolver: Any) -> Built:
        if not isinstance(pattern, str):
            raise Unsupported(f"pattern {pattern!r}")
        try:
            search = self._constant(re.compile(pattern).search)  # jsonschema: re.search(pattern, x)
        except re.error as exc:
            raise Unsupported(f"pattern {pattern!r}") from exc
        return self._unless(lambda v: f"isinstance({v}, str) and {search}({v}) is None")

    def _required(self, names: Any, schema: dict[str, Any], resolver: Any) -> Built:
        if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
            raise Unsupported(f"required {names!r}")
        if not names:
            return _always
        keys = [self._constant(n) for n in names]
        return self._unless(lambda v: f"isinstance({v}, dict) and not ("
                            + " and ".join(f"{k} in {v}" for k in keys) + ")")

    def _properties(self, properties: Any, schema: dict[str, Any], resolver: Any) -> Built:
        if not isinstance(properties, dict):
            raise Unsupported(f"properties {properties!r}")
        checks = [(self._constant(key), self._code(sub, resolver)) for key, sub in properties.items()]
        present = [(key, code) for key, code in checks if code is not None]
        if not present:
            return _always

        def write(v: str, i: str) -> list[str]:
            lines = [f"{i}if isinstance({v}, dict):"]
            for key, code in present:
                value = self._local()
                lines += [f"{i}    if {key} in {v}:", f"{i}        {value} = {v}[{key}]",
                          *code(value, i + "        ")]
            return lines

        return _Lines(write)

    def _additional_properties(self, extra: Any, schema: dict[str, Any], resolver: Any) -> Built:
        # Additional = not named in "properties" (patternProperties is not mirrored).
        properties = schema.get("properties", {})
        if not isinstance(properties, dict):
            raise Unsupported(f"properties {properties!r}")
        known = self._constant(frozenset(properties))
        if extra is True:
            return _always
        if extra is False:
            return self._unless(lambda v: f"isinstance({v}, dict) and not {known}.issuperset({v})")
        if not isinstance(extra, dict):
            raise Unsupported(f"additionalProperties {extra!r}")
        code = self._code(extra, resolver)
        if code is None:
            return _always
        checked = code

        def write(v: str, i: str) -> list[str]:
            key, value = self._local(), self._local()
            return [f"{i}if isinstance({v}, dict):",
                    f"{i}    for {key}, {value} in {v}.items():",
                    f"{i}        if {key} not in {known}:",
                    *checked(value, i + "            ")]

        return _Lines(write)

    def _all_of(self, subs: Any, schema: dict[str, Any], resolver: Any) -> Built:
        codes = [self._code(sub, resolver) for sub in self._list(subs)]
        joined = _joined([code for code in codes if code is not None])
        return _always if joined is None else joined

    def _any_of(self, subs: Any, schema: dict[str, Any], resolver: Any) -> Built:
        checks = [self._constant(self.node(sub, resolver)) for sub in self._list(subs)]
        if not checks:
            return _Lines(lambda v, i: [f"{i}return False"])
        return self._unless(lambda v: "not (" + " or ".join(f"{c}({v})" for c in checks) + ")")

    def _one_of(self, subs: Any, schema: dict[str, Any], resolver: Any) -> Built:
        checks = self._constant(tuple(self.node(sub, resolver) for sub in self._list(subs)))
        return self._unless(lambda v: f"not exactly_one({v}, {checks})")

    def _if(self, condition: Any, schema: dict[str, Any], resolver: Any) -> Built:
        test = self._constant(self.node(condition, resolver))
        then = self._code(schema.get("then", True), resolver)
        otherwise = self._code(schema.get("else", True), resolver)
        if then is None and otherwise is None:
            return _always

        def write(v: str, i: str) -> list[str]:
            return [f"{i}if {test}({v}):", *(then(v, i + "    ") if then else [f"{i}    pass"]),
                    f"{i}else:", *(otherwise(v, i + "    ") if otherwise else [f"{i}    pass"])]

        return _Lines(write)


def _length(limit: Any) -> int:
    if not isinstance(limit, int) or isinstance(limit, bool) or limit < 0:
        raise Unsupported(f"length {limit!r}")
    return limit
