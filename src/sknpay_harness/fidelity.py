"""Mock fidelity: replay a recording's steps and compare shape by shape.

The recording (see :mod:`sknpay_harness.recording`) holds what the sandbox
answered. :func:`replay` sends the same requests to another target (the
embedded mock), waits for the same webhooks, and normalises what came back
the same way; :func:`compare` lists every difference in status codes, field
names and JSON types, the values of a few kind-and-state fields (``status``,
``object``, ``type``), id prefixes, event types and contract headers. An
empty list means the mock answers like the sandbox did.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .client import SknPayClient
from .errors import ContractViolation, SknPayHarnessError
from .inbox import WebhookInbox
from .recording import Normaliser
from .redaction import Redactor

VALUE_KEYS = frozenset({"status", "object", "type"})
_SHOWN = 40


class FidelityError(ContractViolation):
    """The mock answered differently from the recorded sandbox."""


@dataclass
class Replay:
    steps: list[dict[str, Any]] = field(default_factory=list)
    webhooks: list[dict[str, Any]] = field(default_factory=list)
    missing: dict[tuple[str, str], str] = field(default_factory=dict)  # (type, payment) -> why


def replay(
    recording: dict[str, Any], client: SknPayClient, inbox: WebhookInbox, *,
    timeout: float, give_up: Callable[[], str | None] | None = None,
    redactor: Redactor | None = None,
) -> Replay:
    """Send the recording's requests through ``client``; wait for its webhooks on ``inbox``.

    ``inbox`` must track the payments ``client`` creates (the plugin's ledger
    does). Placeholders in paths and idempotency keys map to this replay's
    own ids and fresh keys, in the order the recording met them.
    """
    normaliser = Normaliser(redactor)
    keys: dict[str, str] = {}
    result = Replay()
    for step in recording["steps"]:
        if step["kind"] == "page":
            url = _page_url(client, normaliser, step["of"])
            if url is None:
                result.steps.append({"kind": "page", "of": step["of"], "response": {
                    "status": 0, "headers": {}, "format": "none: no url for this payment",
                    "body": None}})
            else:
                result.steps.append(normaliser.exchange(client.hosted_page(url),
                                                        client.base_url))
            continue
        headers = {}
        for name, value in step["request"]["headers"].items():
            if name == "idempotency-key":
                headers["Idempotency-Key"] = keys.setdefault(value, str(uuid.uuid4()))
            elif name == "content-type":
                headers["Content-Type"] = value
        body = step["request"]["body"]
        path = _restore(normaliser, step["path"])
        exchange = client.request(step["method"], path, json_body=body, headers=headers,
                                  retry=False)
        result.steps.append(normaliser.exchange(exchange, client.base_url))
    for hook in recording["webhooks"]:
        event_type, payment = hook["type"], hook["payment"]
        try:
            actual = normaliser.actual(payment)
            inbox.wait_for(event_type, actual, timeout, give_up=give_up)
        except (KeyError, SknPayHarnessError, AssertionError) as exc:
            result.missing[(event_type, payment)] = str(exc).splitlines()[0]
    ours = normaliser.seen_ids()
    for event in sorted(inbox.events(), key=lambda e: e.seq):
        if event.payment_id in ours:
            result.webhooks.append(normaliser.webhook(event))
    return result


def compare(recording: dict[str, Any], replayed: Replay) -> list[str]:
    """Every difference, each as one line naming the step and the JSON path."""
    diffs: list[str] = []
    recorded_steps, mock_steps = recording["steps"], replayed.steps
    if len(recorded_steps) != len(mock_steps):
        diffs.append(f"steps: recording has {len(recorded_steps)}, replay made {len(mock_steps)}")
    for n, (rec, got) in enumerate(zip(recorded_steps, mock_steps, strict=False), 1):
        where = f"step {n} {_label(rec)}"
        rr, gr = rec["response"], got["response"]
        if rr["status"] != gr["status"]:
            diffs.append(f"{where}: status {rr['status']} in the recording, {gr['status']} "
                         "from the mock")
        diffs += _header_diffs(where, rr["headers"], gr["headers"])
        if rr["format"] != gr["format"]:
            diffs.append(f"{where}: body is {rr['format']} in the recording, {gr['format']} "
                         "from the mock")
        else:
            diffs += shape_diff(f"{where} body", rr["body"], gr["body"])
    recorded_hooks = {(h["type"], h["payment"]): h for h in recording["webhooks"]}
    mock_hooks = {(h["type"], h["payment"]): h for h in replayed.webhooks}
    for key, hook in recorded_hooks.items():
        got_hook = mock_hooks.get(key)
        where = f"webhook {key[0]} for {key[1]}"
        if got_hook is None:
            why = replayed.missing.get(key, "it never arrived")
            diffs.append(f"{where}: in the recording, not from the mock ({why})")
            continue
        diffs += _header_diffs(where, hook["headers"], got_hook["headers"])
        diffs += shape_diff(f"{where} body", hook["body"], got_hook["body"])
    for key in mock_hooks.keys() - recorded_hooks.keys():
        diffs.append(f"webhook {key[0]} for {key[1]}: sent by the mock, not in the recording")
    return diffs


def assert_faithful(recording: dict[str, Any], replayed: Replay, source: str) -> None:
    diffs = compare(recording, replayed)
    if diffs:
        shown = "\n".join(f"  - {d}" for d in diffs[:_SHOWN])
        more = f"\n  ... and {len(diffs) - _SHOWN} more" if len(diffs) > _SHOWN else ""
        raise FidelityError(
            f"The mock differs from the recorded sandbox ({len(diffs)} difference"
            f"{'s' if len(diffs) != 1 else ''}; recording {source}):\n{shown}{more}\n"
            "  where to look: the mock (src/sknpay_harness/mock/) if the recording is right; "
            "a fresh recording (--sknpay-record on the sandbox) if the sandbox changed")


def shape_diff(where: str, recorded: Any, mocked: Any, path: str = "$") -> list[str]:
    """Differences in field names, JSON types, id prefixes and VALUE_KEYS values."""
    rs, ms = shape_of(recorded, path), shape_of(mocked, path)
    if rs != ms:
        return [f"{where} {path}: {rs} in the recording, {ms} from the mock"]
    if isinstance(recorded, dict):
        diffs = []
        for key in recorded.keys() - mocked.keys():
            diffs.append(f"{where} {path}.{key}: in the recording "
                         f"({shape_of(recorded[key], key)}), missing from the mock")
        for key in mocked.keys() - recorded.keys():
            diffs.append(f"{where} {path}.{key}: sent by the mock ({shape_of(mocked[key], key)}), "
                         "not in the recording")
        for key in sorted(recorded.keys() & mocked.keys()):
            diffs += shape_diff(where, recorded[key], mocked[key], f"{path}.{key}")
        return diffs
    if isinstance(recorded, list):
        if path.endswith(".phrases") and recorded != mocked:  # what a hosted page says
            return [f"{where} {path}: the page says {recorded} in the recording, {mocked} "
                    "on the mock"]
        if bool(recorded) != bool(mocked):
            return [f"{where} {path}: {len(recorded)} item(s) in the recording, "
                    f"{len(mocked)} from the mock"]
        if recorded:
            return shape_diff(where, recorded[0], mocked[0], f"{path}[0]")
    return []


def shape_of(value: Any, path: str) -> str:
    """The shape of one value; for VALUE_KEYS and placeholders, the value itself."""
    key = path.rsplit(".", 1)[-1]
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        if key in VALUE_KEYS:
            return f"string {value!r}"
        if value.startswith("<timestamp:"):
            return value
        if value.startswith("<origin>"):
            return "url"
        if value.endswith(">") and "_<" in value:
            return f"id {value.split('<', 1)[0]}..."
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


def _header_diffs(where: str, recorded: dict[str, str], mocked: dict[str, str]) -> list[str]:
    diffs = []
    for name in sorted(recorded.keys() | mocked.keys()):
        r, m = recorded.get(name), mocked.get(name)
        if r is None:
            diffs.append(f"{where}: header {name} sent by the mock, not in the recording")
        elif m is None:
            diffs.append(f"{where}: header {name} in the recording, missing from the mock")
        elif r != m and not r.startswith("<"):
            diffs.append(f"{where}: header {name} is {r!r} in the recording, {m!r} from the mock")
    return diffs


def _label(step: dict[str, Any]) -> str:
    if step["kind"] == "page":
        return f"(hosted page of {step['of']})"
    return f"({step['method']} {step['path']})"


def _restore(normaliser: Normaliser, path: str) -> str:
    for placeholder in _placeholders_in(path):
        path = path.replace(placeholder, normaliser.actual(placeholder))
    return path


def _page_url(client: SknPayClient, normaliser: Normaliser, of: str) -> str | None:
    """The replay's own hosted-page url for the recorded step's payment."""
    if of.startswith("<origin>"):
        return client.base_url.split("/api/", 1)[0] + _restore(normaliser, of[len("<origin>"):])
    return normaliser.url_of(of)


def _placeholders_in(text: str) -> list[str]:
    return re.findall(r"[a-z][a-z0-9]*_<\d+>", text)
