"""The compiled contract checks against jsonschema, differentially.

Every schema's compiled predicate must give jsonschema's ``is_valid`` verdict
(the validator built as contract.py builds it), and the precompiled drift
walk must report what the jsonschema-driven walk it replaced reported, on:
every JSON value in fixtures/; real answers of the in-process mock, with and
without each named contract break; and several thousand seeded mutations of
valid instances. The last tests show this comparison catches a broken keyword.
"""

from __future__ import annotations

import copy
import json
import math
import random
import re
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from jsonschema import Draft202012Validator

from sknpay_harness import schema_compiler
from sknpay_harness.contract import Contract, UnknownField, _owner_of
from sknpay_harness.mock.app import MockConfig, create_app
from sknpay_harness.mock.breaks import BREAKS, BreakSet
from sknpay_harness.mock.clock import IdFactory, ManualClock
from sknpay_harness.mock.outbox import Outbox
from sknpay_harness.mock.payments import TEST_CARD
from sknpay_harness.schema_compiler import Predicate, compile_schema

ROOT = Path(__file__).resolve().parents[2]
SECRET, KEY = "whsec_differential", "sk_test_differential"
AUTH = {"Authorization": f"Bearer {KEY}"}
VARIANTS = {"payment": 1500, "event": 1500, "error": 600, "create-payment-request": 600,
            "refund": 400, "create-refund-request": 400}


@pytest.fixture(scope="module")
def contract() -> Contract:
    return Contract()


def compiled(contract: Contract) -> dict[str, Predicate]:
    """Every schema compiled afresh (so a monkeypatched compiler takes effect)."""
    out = {}
    for name, schema in contract._schemas.items():
        predicate = compile_schema(schema, contract.registry.resolver(schema["$id"]))
        assert predicate is not None, name
        out[name] = predicate
    return out


def disagreements(predicates: dict[str, Predicate],
                  cases: list[tuple[str, Any, bool]]) -> list[tuple[str, Any, bool]]:
    """The (schema, instance, jsonschema's verdict) cases the predicates get wrong."""
    return [(name, inst, expected) for name, inst, expected in cases if predicates[name](inst) is not expected]


def judged(contract: Contract, pairs: Iterator[tuple[str, Any]]) -> list[tuple[str, Any, bool]]:
    """jsonschema's verdicts, from validators built exactly as contract.py builds them."""
    validators = {name: Draft202012Validator(schema, registry=contract.registry)
                  for name, schema in contract._schemas.items()}
    return [(name, inst, validators[name].is_valid(inst)) for name, inst in pairs]


# -- corpus 1: fixtures/ ----------------------------------------------------------------
def _values(value: Any) -> Iterator[Any]:
    """A JSON document and every value nested in it."""
    yield value
    children = value.values() if isinstance(value, dict) else value if isinstance(value, list) else ()
    for child in children:
        yield from _values(child)


def fixture_values() -> list[Any]:
    files = sorted((ROOT / "fixtures" / "examples").glob("*.json")) + \
        sorted((ROOT / "fixtures" / "recordings").glob("*.json"))
    assert len(files) >= 10
    return [v for f in files for v in _values(json.loads(f.read_text(encoding="utf-8")))]


# -- corpus 2: what the mock answers, with each contract break ----------------------------
class _RecordingOutbox(Outbox):
    """Never started: it keeps each event as the mock would send it."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.events: list[Any] = []

    def enqueue(self, event: dict[str, Any], endpoints: list[str], tenant: str) -> list[Any]:
        self.events.append(json.loads(json.dumps(event)))
        return super().enqueue(event, endpoints, tenant)


def mock_values(break_name: str | None) -> list[Any]:
    """Request bodies, JSON answers and events of one walk through the mock's API:
    create, retrieve, cancel (twice), pay, decline, refund, expire, and errors."""
    breaks, clock = BreakSet([break_name] if break_name else []), ManualClock()
    outbox = _RecordingOutbox(SECRET, clock=clock.now, breaks=breaks)
    app = create_app(MockConfig(SECRET, api_keys=frozenset({KEY}), webhook_endpoints=["http://127.0.0.1:9/h"],
                                link_lifetime=3600), outbox=outbox, breaks=breaks, clock=clock, ids=IdFactory(6))
    seen: list[Any] = []
    with httpx.Client(transport=httpx.WSGITransport(app=app), base_url="http://mock.test") as http:
        def call(method: str, path: str, body: Any = None, **kw: Any) -> Any:
            if body is not None:
                seen.append(body)
            kw.setdefault("headers", AUTH)
            r = http.request(method, "/api/v1" + path, json=body, **kw)
            try:
                seen.append(r.json())
            except ValueError:
                return {}
            return seen[-1]

        full = {"amount": 2500, "currency": "XCD", "description": "d\u00e9j\u00e0 \U0001F600",
                "customer_email": "a@b.test", "customer_name": "A", "success_url": "https://shop.test/ok",
                "cancel_url": "http://shop.test/no?x=1", "metadata": {"order": "1", "n": 2, "ok": True, "z": None}}
        for body in ({"amount": 1, "currency": "USD"}, full):
            pid = call("POST", "/payments", body).get("id", "x")
            call("GET", f"/payments/{pid}")
            call("POST", f"/payments/{pid}/cancel")
            call("POST", f"/payments/{pid}/cancel")
        for card in (TEST_CARD, "4000000000000002"):
            pid = call("POST", "/payments", {"amount": 900, "currency": "USD"}).get("id", "x")
            http.post(f"/pay/{pid}", data={"card_number": card})
            call("POST", "/refunds", {"payment_id": pid, "amount": 100})
            call("POST", "/refunds", {"payment_id": pid})
            call("GET", f"/payments/{pid}")
        pid = call("POST", "/payments", {"amount": 5, "currency": "USD"}).get("id", "x")
        clock.advance(7200)  # past the link lifetime: payment.expired
        call("GET", f"/payments/{pid}")
        call("POST", "/payments", {"amount": 1.5, "currency": "usd"})
        call("POST", "/payments", {"currency": "USD"})
        call("POST", "/payments", content=b"{not json", headers={**AUTH, "Content-Type": "application/json"})
        call("GET", "/payments/plink_missing")
        call("GET", "/payments/x", headers={"Authorization": "Bearer sk_test_wrong"})
        call("POST", "/payments", {"amount": 1, "currency": "USD"}, headers={**AUTH, "Idempotency-Key": "k"})
        call("POST", "/payments", {"amount": 2, "currency": "USD"}, headers={**AUTH, "Idempotency-Key": "k"})
        call("DELETE", "/payments")
        call("POST", "/refunds", {"payment_id": "plink_missing"})
    outbox.stop()
    return seen + outbox.events


# -- corpus 3: seeded mutations of valid instances -----------------------------------------
def _constants(node: dict[str, Any]) -> list[Any]:
    """Values at and around what one schema node pins: enum members, consts, minimums, lengths."""
    out: list[Any] = []
    for value in node.get("enum", []) + ([node["const"]] if "const" in node else []):
        out += [value, value.upper(), value + "\n", value[:-1] + "l" + value[-1:]]  # canceled -> cancelled
    if "minimum" in node:
        m = node["minimum"]
        out += [m - 1, m, m + 1, float(m), m - 0.5, m + 0.5, m - 1e-9, True, False]
    for length in (node[k] for k in ("minLength", "maxLength") if k in node):
        for char in ("a", "\u00e9", "\U0001F600"):  # 1, 2 and 4 bytes: lengths count code points
            out += [char * max(length - 1, 0), char * length, char * (length + 1)]
    return out


NEAR_MISSES = [
    "plink_", "plink_abc", "plink_ab-c", "PLINK_abc", "plink_abc\n", "evt_", "evt_1", "evt_1 ", "re_1", "re_",
    "USD", "usd", "US", "USDD", "US1", "\u00c9UR", "https://x", "http://", "ftp://x.test", "https://a b",
    "/pay/plink_1", "https://a.test/b?c#d", "payment.canceled", "payment.succeeded", "payment.", "payment",
    "payment.canceled\n", "Payment.canceled", "refund.created", "payment_x.y_z", "payment.cancelled",
]
TYPE_SWAPS = [None, True, False, 0, 1, -1, 1.0, 0.5, 2**64, math.nan, math.inf, -math.inf, "", "a", "1",
              [], [1], {}, {"a": 1}, {"message": "m"}, {"message": ""}, {"object": {}}]


def key_pools(contract: Contract, seeds: list[Any]) -> dict[str, list[Any]]:
    """For each property name: values seen under it, and values at the edges of
    what its subschema (through $refs) allows. A swap from here keeps the
    instance plausible, so it reaches the if/anyOf/oneOf branches and limits."""
    # Event types: payment.* ones apply payment.json to data.object, others leave it free.
    pools: dict[str, list[Any]] = {"type": [*NEAR_MISSES[22:], "refund.created", "charge.dispute.created",
                                            "payment_link.updated"]}
    for schema in contract._schemas.values():
        resolver = contract.registry.resolver(schema["$id"])
        for node in (v for v in _values(schema) if isinstance(v, dict)):
            for key, sub in node.get("properties", {}).items():
                reached = [*_values(sub)]
                reached += [resolver.lookup(r).contents for r in (n.get("$ref") for n in reached
                                                                  if isinstance(n, dict)) if r]
                pools.setdefault(key, []).extend(c for n in reached if isinstance(n, dict) for c in _constants(n))
    for value in (v for seed in seeds for v in _values(seed) if isinstance(v, dict)):
        for key, item in value.items():
            pools.setdefault(key, []).append(item)
    return {key: _unique(pool) for key, pool in pools.items()}


class Mutator:
    """1-3 random edits per variant anywhere in the instance (data.object of an
    event too): drop or add a key, or swap a value for a neighbour (0/1/True,
    limit +-1, a near-miss string), a value of another JSON type, or one seen
    or allowed under the same key elsewhere."""

    def __init__(self, seed: int, pools: dict[str, list[Any]], branch_keys: set[str]) -> None:
        self.random = random.Random(seed)
        self.pools = pools
        self.branch_keys = branch_keys
        self.anything = [v for pool in pools.values() for v in pool] + NEAR_MISSES + TYPE_SWAPS
        self.names = [*sorted(pools), "brand_new", "x-extra", ""]

    def variant(self, instance: Any) -> Any:
        out = copy.deepcopy(instance)
        for _ in range(self.random.choice((1, 1, 1, 2, 3))):
            out = self.mutate(out)
        return out

    def mutate(self, root: Any) -> Any:
        # A container first, then a key in it: the envelope's few keys are
        # edited as often as the nested payment's many.
        containers = [v for v in _values(root) if isinstance(v, dict | list) and v]
        op = self.random.random()
        if op < 0.03 or not containers:
            return self.pick(TYPE_SWAPS)  # the whole instance
        deciding = [(v, k) for v in containers if isinstance(v, dict) for k in v if k in self.branch_keys]
        if op < 0.2 and deciding:
            parent, key = self.random.choice(deciding)
            parent[key] = self.pick(self.pools[key])
            return root
        if op < 0.3:
            objects = [v for v in _values(root) if isinstance(v, dict)]
            if objects:
                key = self.random.choice(self.names)
                self.random.choice(objects)[key] = self.pick(self.pools.get(key) or self.anything)
            return root
        parent = self.random.choice(containers)
        key = self.random.choice(list(parent) if isinstance(parent, dict) else range(len(parent)))
        if op < 0.45 and isinstance(parent, dict):
            del parent[key]
        elif op < 0.6:
            parent[key] = self.pick(self.neighbours(parent[key]))
        elif op < 0.8 and isinstance(key, str) and key in self.pools:
            parent[key] = self.pick(self.pools[key])
        else:
            parent[key] = self.pick(self.random.choice((TYPE_SWAPS, self.anything)))
        return root

    def pick(self, values: list[Any]) -> Any:
        # A copy: a later edit must not change the pool (or an earlier variant).
        return copy.deepcopy(self.random.choice(values))

    def neighbours(self, value: Any) -> list[Any]:
        if isinstance(value, bool):
            return [not value, int(value), float(value), str(value).lower(), None]
        if isinstance(value, int | float) and math.isfinite(value):
            return [value - 1, value + 1, -value, float(value), value + 0.5, int(value), True, False, str(value)]
        if isinstance(value, str):
            i = self.random.randrange(len(value) + 1)
            swap = self.random.choice("_-.\u00e9\U0001F600 Aa0/")
            return ["", value.upper(), value.lower(), value + "\n", " " + value, value[:-1], value + "x",
                    value[:i] + swap + value[i + 1:], value * 2, value.encode().hex()]
        if isinstance(value, dict):
            return [{}, {**value, "extra": value}, [value], None]
        return [[], None, {}, [value, value]]


def branch_keys(contract: Contract) -> set[str]:
    """Property names that pick an if/anyOf/oneOf branch: those named in an if
    or its then, and those whose subschema is an anyOf/oneOf."""
    keys = set()
    for node in (v for v in _values(contract._schemas) if isinstance(v, dict)):
        for part in (node.get("if"), node.get("then")):
            keys |= {k for v in _values(part) if isinstance(v, dict) for k in v.get("properties", {})}
        keys |= {k for k, sub in node.get("properties", {}).items()
                 if isinstance(sub, dict) and {"anyOf", "oneOf"} & sub.keys()}
    return keys


def fuzz_cases(contract: Contract, seeds: dict[str, list[Any]]) -> Iterator[tuple[str, Any]]:
    pools = key_pools(contract, [v for values in seeds.values() for v in values])
    deciding = branch_keys(contract)
    assert {"type", "status", "error", "metadata"} <= deciding
    for n, (name, count) in enumerate(VARIANTS.items()):
        assert seeds[name], f"no valid seed for {name}"
        mutator = Mutator(6000 + n, pools, deciding)
        for i in range(count):
            yield name, mutator.variant(seeds[name][i % len(seeds[name])])


# -- the drift walk as contract.py did it before it was precompiled -------------------------
def reference_unknown_fields(contract: Contract, name: str, instance: Any) -> list[UnknownField]:
    schema = contract._schemas[name]
    found: list[UnknownField] = []
    _reference_walk(contract, [(schema, contract.registry.resolver(schema["$id"]), name)], instance, "$", found)
    return found


def _reference_walk(contract: Contract, candidates: list[Any], instance: Any, path: str,
                    found: list[UnknownField]) -> None:
    if not isinstance(instance, dict):
        return
    known: dict[str, list[Any]] = {}
    owner, widest = "", -1
    for schema, resolver, schema_owner in candidates:
        for sub, sub_resolver, sub_owner in _reference_applicable(contract, schema, resolver, instance, schema_owner):
            props = sub.get("properties")
            if not isinstance(props, dict):
                continue
            if len(props) > widest:
                owner, widest = sub_owner, len(props)
            for key, prop in props.items():
                known.setdefault(key, []).append((prop, sub_resolver, sub_owner))
    for key, value in instance.items():
        child = f"{path}.{key}"
        if key in known:
            _reference_walk(contract, known[key], value, child, found)
        elif widest >= 0:
            found.append(UnknownField(owner, child, type(value).__name__))


def _reference_applicable(contract: Contract, schema: Any, resolver: Any, instance: Any, owner: str) -> Iterator[Any]:
    def matches(sub: Any) -> bool:
        return bool(Draft202012Validator(sub, registry=contract.registry, _resolver=resolver).is_valid(instance))

    if not isinstance(schema, dict):
        return
    if "$ref" in schema:
        resolved = resolver.lookup(schema["$ref"])
        yield from _reference_applicable(contract, resolved.contents, resolved.resolver, instance,
                                         _owner_of(resolved.contents, owner))
    yield schema, resolver, owner
    for key in ("allOf", "anyOf", "oneOf"):
        for sub in schema.get(key, []):
            if key == "allOf" or matches(sub):
                yield from _reference_applicable(contract, sub, resolver, instance, owner)
    if "if" in schema:
        branch = "then" if matches(schema["if"]) else "else"
        if branch in schema:
            yield from _reference_applicable(contract, schema[branch], resolver, instance, owner)


# -- the tests ---------------------------------------------------------------------------
def _unique(values: list[Any]) -> list[Any]:
    return list({json.dumps(v, sort_keys=True): v for v in values}.values())


@pytest.fixture(scope="module")
def real_values() -> list[Any]:
    """fixtures/ and the mock's answers under no break and each break, deduplicated."""
    values = fixture_values() + [v for b in [None, *sorted(BREAKS)] for v in mock_values(b)]
    return _unique(values)


@pytest.fixture(scope="module")
def fuzzed(contract, real_values) -> list[tuple[str, Any, bool]]:
    seeds = {name: [v for v in real_values if contract._validators[name].is_valid(v)] for name in VARIANTS}
    return judged(contract, fuzz_cases(contract, seeds))


def test_real_values_get_jsonschemas_verdict_from_every_schema(contract, real_values):
    cases = judged(contract, ((name, v) for v in real_values for name in contract.names))
    assert disagreements(compiled(contract), cases) == []
    # The hot path is the compiled one, and agrees in the product's own terms.
    for name, inst, expected in cases:
        assert (not contract.violations(name, inst)) is expected
    counts = Counter((name, ok) for name, _, ok in cases if name in ("payment", "event", "error"))
    assert min(counts.values()) >= 10, counts  # both verdicts, for each response schema
    print(f"\nreal values: {len(real_values)}, verdicts: {dict(sorted(counts.items()))}")


def test_mutated_instances_get_jsonschemas_verdict(contract, fuzzed):
    assert disagreements(compiled(contract), fuzzed) == []
    counts = Counter((name, ok) for name, _, ok in fuzzed)
    for name, count in VARIANTS.items():
        # Mutations that mostly break (or mostly keep) an instance would prove little.
        assert counts[name, True] >= count // 20 and counts[name, False] >= count // 20, counts
    print(f"\nfuzzed: {len(fuzzed)}, verdicts: {dict(sorted(counts.items()))}")


def test_drift_walk_reports_what_the_jsonschema_walk_reported(contract, real_values, fuzzed):
    cases = [(name, v) for v in real_values for name in contract.names] + [(n, v) for n, v, _ in fuzzed]
    reported = 0
    for name, inst in cases:
        expected = reference_unknown_fields(contract, name, inst)
        assert contract.unknown_fields(name, inst) == expected, (name, inst)
        reported += bool(expected)
    assert reported >= 500  # drift was found, not just agreed absent
    print(f"\ndrift walks: {len(cases)}, with drift: {reported}")


def _exclusive_minimum(self: Any, limit: Any, schema: Any, resolver: Any) -> Predicate:
    return lambda x: not schema_compiler.is_number(x) or x > limit  # off by one at the limit


def _no_required(self: Any, names: Any, schema: Any, resolver: Any) -> Predicate:
    return schema_compiler._always


def _pattern_fullmatch(self: Any, pattern: Any, schema: Any, resolver: Any) -> Predicate:
    return lambda x: not isinstance(x, str) or re.fullmatch(pattern, x) is not None  # "USD\n" now fails


@pytest.mark.parametrize(("method", "broken"), [("_minimum", _exclusive_minimum), ("_required", _no_required),
                                                ("_pattern", _pattern_fullmatch)])
def test_the_comparison_catches_a_subtly_broken_keyword(contract, fuzzed, monkeypatch, method, broken):
    monkeypatch.setattr(schema_compiler._Compiler, method, broken)
    assert disagreements(compiled(contract), fuzzed), f"a broken {method} went unnoticed"


@pytest.mark.parametrize("keyword", sorted(schema_compiler._Compiler()._keywords))
def test_the_comparison_notices_any_compiled_keyword_ignored(contract, fuzzed, monkeypatch, keyword):
    """The corpus exercises every keyword: checking nothing for one is caught."""
    method = schema_compiler._Compiler()._keywords[keyword].__name__
    monkeypatch.setattr(schema_compiler._Compiler, method, lambda *args: schema_compiler._always)
    assert disagreements(compiled(contract), fuzzed), f"ignoring {keyword} went unnoticed"
