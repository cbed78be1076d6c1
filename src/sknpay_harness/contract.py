"""The contract: JSON Schemas loaded once, validators built once.

The verdict is jsonschema-rs's (a maintained, spec-compliant 2020-12
validator: ECMA-262 patterns, so ``"USD\n"`` does not match ``^[A-Z]{3}$``;
formats such as ``email`` asserted). ``check`` raises :class:`ContractViolation`
listing *every* violation with its JSON path, the value received and the
schema file and pointer that rejected it. Unknown fields are allowed by the
schemas (a new field is not a break) but every one seen is recorded as drift;
in strict mode drift is a violation too.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urldefrag, urljoin, urlsplit

import jsonschema_rs
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from .client import Exchange
from .errors import ContractViolation
from .schema_location import default_schema_dir

SCHEMA_BASE = "https://sknpay-harness.invalid/schemas/v1/"
# Whether create answers 200 or 201 is unknown (API notes); accept both until
# a sandbox recording shows which, then tighten here.
CREATE_STATUSES = frozenset({200, 201})
_MAX_SHOWN = 25
Predicate = Callable[[Any], bool]
_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


@dataclass(frozen=True)
class Violation:
    path: str
    message: str
    value: str
    schema: str

    def brief(self) -> str:
        """A few words for a failure's first line: the path and why, or the
        value received when the reason is long (the numbered list has all)."""
        if len(self.message) <= 60:
            return f"{self.path}: {self.message}"
        if len(self.value) <= 40:
            return f"{self.path} {self.value}"
        return f"{self.path}: {_clip(self.message, 60)}"

    def render(self, index: int) -> str:
        return (
            f"  {index}. {self.path}: {self.message}\n"
            f"       value:  {self.value}\n"
            f"       schema: {self.schema}"
        )


@dataclass(frozen=True)
class UnknownField:
    owner: str  # the schema whose object had the field, e.g. "payment"
    path: str  # JSON path where it was seen
    value_type: str


class Contract:
    """Every schema in ``schema_dir``, cross-referenced through one registry."""

    def __init__(self, schema_dir: Path | None = None, *, strict: bool = False) -> None:
        self.schema_dir = schema_dir or default_schema_dir()
        self.strict = strict
        self._schemas: dict[str, dict[str, Any]] = {}
        for path in sorted(self.schema_dir.glob("*.json")):
            self._schemas[path.stem] = json.loads(path.read_text(encoding="utf-8"))
        if not self._schemas:
            raise FileNotFoundError(f"no *.json schemas in {self.schema_dir}")
        # The drift walk follows $refs itself (referencing keeps the schemas'
        # own objects, so a node is found by identity); the verdict is
        # jsonschema-rs's, over its own registry of the same files.
        self.registry: Registry[Any] = Registry().with_resources(
            (s["$id"], Resource.from_contents(s, default_specification=DRAFT202012))
            for s in self._schemas.values()
        )
        self._rs_registry = jsonschema_rs.Registry([(s["$id"], s) for s in self._schemas.values()])
        self._validators = {name: self.validator(schema, schema["$id"])
                            for name, schema in self._schemas.items()}
        # Each schema prepared once for the drift walk, on first use.
        self._drift_trees: dict[str, _DriftNode] = {}
        self._drift_merges: dict[tuple[_DriftNode, ...], tuple[dict[str, list[_DriftNode]], str]] = {}
        self._drift_lock = threading.Lock()
        self.drift: dict[tuple[str, str], UnknownField] = {}

    @property
    def names(self) -> list[str]:
        return sorted(self._schemas)

    @property
    def versions(self) -> dict[str, str]:
        return {n: str(s.get("x-schema-version", "?")) for n, s in self._schemas.items()}

    # -- validation --------------------------------------------------------
    def validator(self, schema: Any, base_uri: str) -> jsonschema_rs.Validator:
        """A jsonschema-rs validator for ``schema`` (which may be a subschema of
        the file at ``base_uri``), resolving $refs across our files, never the network."""
        return jsonschema_rs.Draft202012Validator(
            schema, registry=self._rs_registry, base_uri=base_uri, validate_formats=True,
            retriever=_no_retrieval)

    def violations(self, name: str, instance: Any) -> list[Violation]:
        validator = self._validator(name)
        if validator.is_valid(instance):
            return []
        errors = sorted(validator.iter_errors(instance), key=lambda e: list(map(str, e.instance_path)))
        return [_violation(e) for e in errors]

    def check(self, name: str, instance: Any, *, where: str = "") -> None:
        """Raise ContractViolation if ``instance`` breaks schema ``name``."""
        __tracebackhide__ = True
        found = self.violations(name, instance)
        unknown = self.unknown_fields(name, instance)
        self._record_drift(unknown)
        if self.strict:
            found += [
                Violation(u.path, f"field not in the {u.owner} schema (strict contract)",
                          u.value_type, f"{u.owner}.json")
                for u in unknown
            ]
        if found:
            raise ContractViolation(_render(name, found, where))

    def check_response(
        self, exchange: Exchange, name: str, *, status: int | Collection[int]
    ) -> Any:
        """Check status code, JSON-ness and schema of a response; return its body."""
        __tracebackhide__ = True
        expected = {status} if isinstance(status, int) else set(status)
        request = f"{exchange.method} {urlsplit(exchange.url).path}"
        if exchange.status not in expected:
            shown = " or ".join(map(str, sorted(expected)))
            raise ContractViolation(
                f"Contract violation: {request}: expected HTTP {shown}, got {exchange.status}\n"
                f"  in {exchange.summary()}\n"
                f"  response body: {exchange.response_body[:500]}\n"
                f"  reproduce: {exchange.curl}"
            )
        try:
            body = json.loads(exchange.response_body)
        except ValueError:
            raise ContractViolation(
                f"Contract violation: {request}: response body is not JSON\n"
                f"  in {exchange.summary()}\n"
                f"  Content-Type {exchange.response_headers.get('content-type')!r}: "
                f"{exchange.response_body[:300]!r}"
            ) from None
        self.check(name, body, where=exchange.summary())
        return body

    # -- drift -------------------------------------------------------------
    def unknown_fields(self, name: str, instance: Any) -> list[UnknownField]:
        tree = self._drift_trees.get(name)
        if tree is None:
            schema = self._schemas[name]
            # Two threads may both build it: the same tree, built privately.
            tree = _DriftBuilder(self).node(schema, schema["$id"], name)
            self._drift_trees[name] = tree
        found: list[UnknownField] = []
        _walk([tree], instance, "$", found, self._drift_merges)
        return found

    def drift_by_owner(self) -> dict[str, list[UnknownField]]:
        with self._drift_lock:
            grouped: dict[str, list[UnknownField]] = {}
            for field in self.drift.values():
                grouped.setdefault(field.owner, []).append(field)
            return grouped

    def merge_drift(self, fields: Iterable[UnknownField]) -> None:
        """Add drift recorded elsewhere (an xdist worker's contract)."""
        self._record_drift(list(fields))

    def drift_lines(self) -> list[str]:
        """The drift summary: one line per object type, every unknown field in it."""
        drift = self.drift_by_owner()
        if not drift:
            return []
        mode = ("FAILING (strict)" if self.strict
                else "allowed; --sknpay-strict-contract fails on it")
        lines = [f"contract drift: fields the schemas do not know ({mode}):"]
        for owner, fields in sorted(drift.items()):
            shown = ", ".join(sorted(f"{f.path} ({f.value_type})" for f in fields))
            lines.append(f"  {owner}: {shown}")
        return lines

    def _record_drift(self, unknown: list[UnknownField]) -> None:
        if unknown:
            with self._drift_lock:
                for u in unknown:
                    self.drift.setdefault((u.owner, u.path), u)

    # -- helpers -----------------------------------------------------------
    def _validator(self, name: str) -> jsonschema_rs.Validator:
        try:
            return self._validators[name]
        except KeyError:
            raise KeyError(f"no schema {name!r}; known: {', '.join(self.names)}") from None


def _no_retrieval(uri: str) -> Any:
    raise ValueError(f"schema {uri} is not in schemas/ (the contract never fetches schemas)")


def _violation(error: jsonschema_rs.ValidationError) -> Violation:
    return Violation(
        path=json_path(error.instance_path),
        message=_clip(_message(error), 300),
        value=_clip(json.dumps(error.instance, default=str), 200),
        schema=_schema_location(error),
    )


def _message(error: jsonschema_rs.ValidationError) -> str:
    """jsonschema-rs's message; an enum lists every allowed value, and an
    anyOf/oneOf says why each branch failed."""
    kind = error.kind
    if isinstance(kind, jsonschema_rs.ValidationErrorKind.Enum):
        return f"{json.dumps(error.instance)} is not one of {json.dumps(kind.options)}"
    message = error.message
    context = getattr(kind, "context", None)
    if context:
        reasons = sorted({e.message for branch in context for e in branch})[:3]
        message += " (" + "; ".join(reasons) + ")"
    return message


def json_path(parts: Iterable[str | int]) -> str:
    """``$.data.object.status``, ``$.items[0]``, ``$['odd key']``."""
    path = "$"
    for part in parts:
        if isinstance(part, int):
            path += f"[{part}]"
        elif _IDENTIFIER.match(part):
            path += f".{part}"
        else:
            path += f"[{json.dumps(part)}]"
    return path


def _schema_location(error: jsonschema_rs.ValidationError) -> str:
    """``payment.json#/properties/status/enum``: the file and pointer that said no."""
    location = error.absolute_keyword_location
    if location is None:
        return "#/" + "/".join(map(str, error.schema_path))
    return location.removeprefix(SCHEMA_BASE)


class _DriftNode:
    """One subschema (at one place, for one owner) prepared for the drift walk:
    the properties it declares and the subschemas that may apply with it."""

    def __init__(self, owner: str) -> None:
        self.owner = owner
        self.props: dict[str, _DriftNode] | None = None  # None: declares no properties
        self.ref: _DriftNode | None = None
        self.parts: list[tuple[Predicate | None, _DriftNode]] = []  # allOf (None), anyOf/oneOf
        self.branches: tuple[Predicate, _DriftNode | None, _DriftNode | None] | None = None  # if

    def collect(self, instance: Any, out: list[_DriftNode]) -> None:
        """Append the nodes that apply to ``instance`` and declare properties:
        the $ref's target, itself, allOf and matching anyOf/oneOf entries, the
        if's branch - in that order, which decides the owner of a drift."""
        if self.ref is not None:
            self.ref.collect(instance, out)
        if self.props is not None:
            out.append(self)
        for matches, part in self.parts:
            if matches is None or matches(instance):
                part.collect(instance, out)
        if self.branches is not None:
            test, then, otherwise = self.branches
            branch = then if test(instance) else otherwise
            if branch is not None:
                branch.collect(instance, out)


class _DriftBuilder:
    """Builds the drift tree of one schema, with jsonschema-rs matchers for
    the anyOf/oneOf entries and if-conditions that decide which branch applies."""

    def __init__(self, contract: Contract) -> None:
        self.contract = contract
        # By place and owner; a node is stored before its children are built,
        # so a recursive schema ends in a cycle rather than endless recursion.
        self._built: dict[tuple[int, str], _DriftNode] = {}

    def node(self, schema: Any, base_uri: str, owner: str) -> _DriftNode:
        node = self._built.get((id(schema), owner))
        if node is not None:
            return node
        node = self._built[id(schema), owner] = _DriftNode(owner)
        if not isinstance(schema, dict):
            return node
        if "$ref" in schema:
            resolved = self.contract.registry.resolver(base_uri).lookup(schema["$ref"])
            target_uri = urldefrag(urljoin(base_uri, schema["$ref"])).url
            node.ref = self.node(resolved.contents, target_uri, _owner_of(resolved.contents, owner))
        props = schema.get("properties")
        if isinstance(props, dict):
            node.props = {key: self.node(sub, base_uri, owner) for key, sub in props.items()}
        for key in ("allOf", "anyOf", "oneOf"):
            for sub in schema.get(key, []):
                matches = None if key == "allOf" else self._matcher(sub, base_uri)
                node.parts.append((matches, self.node(sub, base_uri, owner)))
        if "if" in schema:
            then, otherwise = (self.node(schema[b], base_uri, owner) if b in schema else None
                               for b in ("then", "else"))
            node.branches = (self._matcher(schema["if"], base_uri), then, otherwise)
        return node

    def _matcher(self, schema: Any, base_uri: str) -> Predicate:
        return self.contract.validator(schema, base_uri).is_valid


def _walk(nodes: list[_DriftNode], instance: Any, path: str, found: list[UnknownField],
          merges: dict[tuple[_DriftNode, ...], tuple[dict[str, list[_DriftNode]], str]]) -> None:
    """Report keys of ``instance`` that no applicable subschema declares.

    All subschemas that apply at one place are merged first: a key is known
    if any of them names it, and the drift's owner is the one declaring the
    most properties. Objects with no declared properties (metadata, say) are
    free-form and never reported.
    """
    if not isinstance(instance, dict):
        return
    declaring: list[_DriftNode] = []
    for node in nodes:
        node.collect(instance, declaring)
    if not declaring:
        return
    # The same subschemas apply again and again (the schema's few branches):
    # merge each combination once.
    combination = tuple(declaring)
    merged = merges.get(combination)
    if merged is None:
        merged = merges[combination] = _merge(declaring)
    known, owner = merged
    for key, value in instance.items():
        children = known.get(key)
        if children is None:
            found.append(UnknownField(owner, f"{path}.{key}", type(value).__name__))
        elif isinstance(value, dict):
            _walk(children, value, f"{path}.{key}", found, merges)


def _merge(declaring: list[_DriftNode]) -> tuple[dict[str, list[_DriftNode]], str]:
    """Each known key with the subschemas declaring it; the owner of an unknown key."""
    known: dict[str, list[_DriftNode]] = {}
    owner, widest = "", -1
    for node in declaring:
        assert node.props is not None
        if len(node.props) > widest:
            owner, widest = node.owner, len(node.props)
        for key, child in node.props.items():
            known.setdefault(key, []).append(child)
    return known, owner


def _owner_of(contents: Any, fallback: str) -> str:
    if isinstance(contents, dict) and isinstance(contents.get("$id"), str):
        return str(contents["$id"]).rsplit("/", 1)[-1].removesuffix(".json")
    return fallback


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _render(name: str, found: list[Violation], where: str) -> str:
    # The first line is the symptom (pytest's short summary shows only it).
    count = len(found)
    head = f"Contract violation: {name}.json {found[0].brief()}"
    if count > 1:
        head = f"Contract violation: {name}.json ({count} violations): {found[0].brief()}, ..."
    lines = [head]
    if where:
        lines.append(f"  in {where}")
    lines += [v.render(i) for i, v in enumerate(found[:_MAX_SHOWN], 1)]
    if count > _MAX_SHOWN:
        lines.append(f"  ... and {count - _MAX_SHOWN} more")
    return "\n".join(lines)
