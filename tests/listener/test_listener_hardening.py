"""Listener hardening: hostile and odd deliveries, posted over loopback HTTP.

Each case gets the right HTTP answer, is recorded with its reason, never
crashes the listener and never counts as a valid event. All cases go to ONE
listener in sequence (so "never crashes" means it still accepts a good event
afterwards), and a table of what happened is printed: run with ``-s`` (or
``-rA``) to see it in the test log.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest

from sknpay_harness import WebhookInbox, WebhookListener, signing
from sknpay_harness.listener import ACCEPTED, DUPLICATE, IGNORED, MAX_BODY_BYTES, REJECTED

SECRET = "whsec_hardening_test_secret"
OURS = "plink_MadeByThisRun01"
NOT_OURS = "plink_SomeoneElses001"


def _event(event_id: str, payment_id: str = OURS, event_type: str = "payment.canceled",
           created: int = 1_700_000_000) -> bytes:
    status = "canceled" if event_type == "payment.canceled" else "open"
    return json.dumps({
        "id": event_id, "object": "event", "type": event_type, "created": created,
        "data": {"object": {"id": payment_id, "status": status}},
    }).encode()


def _signed(body: bytes, *, secret: str = SECRET, skew: float = 0.0,
            event_type: str | None = "payment.canceled") -> dict[str, str]:
    headers = {"Content-Type": "application/json",
               signing.HEADER: signing.sign(body, secret, time.time() + skew)}
    if event_type:
        headers[signing.EVENT_TYPE_HEADER] = event_type
    return headers


@dataclass(frozen=True)
class Case:
    name: str
    body: bytes | None
    headers: dict[str, str]
    status: int  # the HTTP answer expected
    outcome: str  # how the inbox records it
    reason: str | None  # text the recorded reason must contain
    method: str = "POST"
    chunked: bool = False
    counts_as_new_event: bool = False


def _cases() -> list[Case]:
    good = _event("evt_Good0001")
    oversize = b"{" + b" " * MAX_BODY_BYTES + b"}"
    not_json = b"this is not json"
    not_envelope = b'{"hello": "world"}'
    later, earlier = (_event("evt_Later002", created=1_700_000_100),
                      _event("evt_Early001", event_type="payment.failed", created=1_700_000_000))
    return [
        Case("valid event (baseline)", good, _signed(good), 200, ACCEPTED, None,
             counts_as_new_event=True),
        Case("forged signature (other secret)", _event("evt_Forged01"),
             _signed(_event("evt_Forged01"), secret="whsec_attacker"), 400, REJECTED,
             "signature mismatch"),
        Case("signature over a different body", _event("evt_Tamper01"),
             _signed(_event("evt_Tamper01", payment_id=NOT_OURS)), 400, REJECTED,
             "signature mismatch"),
        Case("stale timestamp (10 min old)", _event("evt_Stale001"),
             _signed(_event("evt_Stale001"), skew=-600), 400, REJECTED, "signature stale"),
        Case("future timestamp (10 min ahead)", _event("evt_Future01"),
             _signed(_event("evt_Future01"), skew=600), 400, REJECTED, "signature future"),
        Case("missing signature header", _event("evt_NoSig001"),
             {"Content-Type": "application/json"}, 400, REJECTED, "signature missing"),
        Case("malformed signature header", _event("evt_BadSig01"),
             {signing.HEADER: "t=yesterday,v1=zz"}, 400, REJECTED, "signature malformed"),
        Case("signature header without v1", _event("evt_NoV1_001"),
             {signing.HEADER: f"t={int(time.time())}"}, 400, REJECTED, "signature malformed"),
        Case("body not JSON (validly signed)", not_json, _signed(not_json), 400, REJECTED,
             "not a JSON object"),
        Case("JSON but not an event envelope", not_envelope, _signed(not_envelope), 400,
             REJECTED, "not an event envelope"),
        Case("body over 1 MiB (Content-Length)", oversize, _signed(oversize), 413, REJECTED,
             "byte limit"),
        Case("body over 1 MiB (chunked)", oversize, _signed(oversize), 413, REJECTED,
             "byte limit", chunked=True),
        Case("GET instead of POST", None, {}, 405, REJECTED, "not allowed", method="GET"),
        Case("event for a payment this run never made", _event("evt_NotOurs1", NOT_OURS),
             _signed(_event("evt_NotOurs1", NOT_OURS)), 200, IGNORED,
             "payment not named by this run"),
        Case("duplicate delivery (same event id)", good, _signed(good), 200, DUPLICATE,
             "already received"),
        Case("out of order: later event first", later, _signed(later), 200, ACCEPTED, None,
             counts_as_new_event=True),
        Case("out of order: earlier event second", earlier,
             _signed(earlier, event_type="payment.failed"), 200, ACCEPTED, None,
             counts_as_new_event=True),
        Case("type header differs from body", _event("evt_HdrType1"),
             _signed(_event("evt_HdrType1"), event_type="payment.updated"), 200, ACCEPTED,
             "differs from body type", counts_as_new_event=True),
    ]


@pytest.fixture
def hardening_listener() -> Iterator[tuple[WebhookInbox, WebhookListener]]:
    inbox = WebhookInbox([SECRET])
    inbox.track(OURS)
    listener = WebhookListener(inbox).start()
    yield inbox, listener
    listener.stop()


def test_every_hostile_delivery_is_answered_and_recorded(hardening_listener):
    inbox, listener = hardening_listener
    rows, problems = [], []
    with httpx.Client(timeout=10) as http:
        for case in _cases():
            valid_before = len(inbox.events())
            content = case.body
            if case.chunked and content is not None:
                whole = content
                content = iter([whole[i:i + 65536] for i in range(0, len(whole), 65536)])
            try:
                answer = http.request(case.method, listener.url, headers=case.headers,
                                      content=content)
                status: int | str = answer.status_code
            except httpx.HTTPError as exc:  # a listener that hangs up is a failure too
                status = f"{type(exc).__name__}"
            recorded = inbox.deliveries()[-1]
            new_events = len(inbox.events()) - valid_before
            rows.append(f"{case.name:<42} -> HTTP {status!s:<4} {recorded.outcome:<9} "
                        f"{recorded.reason or '-'}")
            wrong = []
            if status != case.status:
                wrong.append(f"HTTP {status}, expected {case.status}")
            if recorded.outcome != case.outcome:
                wrong.append(f"recorded {recorded.outcome}, expected {case.outcome}")
            if case.reason and case.reason not in (recorded.reason or ""):
                wrong.append(f"reason {recorded.reason!r} lacks {case.reason!r}")
            if new_events != int(case.counts_as_new_event):
                wrong.append(f"{new_events} new valid event(s), expected "
                             f"{int(case.counts_as_new_event)}")
            if wrong:
                problems.append(f"{case.name}: " + "; ".join(wrong))

    table = "\n".join(["listener hardening: case -> answer, recorded outcome, reason", *rows])
    print("\n" + table)
    assert not problems, "\n".join(["listener mishandled deliveries:", *problems, "", table])
    # Never crashed: no handler errors, and the same listener still serves.
    listener.check_handler_errors()
    after = _event("evt_After001")
    assert httpx.post(listener.url, content=after, headers=_signed(after)).status_code == 200
    accepted = {e.event_id for e in inbox.events()}
    assert accepted == {"evt_Good0001", "evt_Later002", "evt_Early001", "evt_HdrType1",
                        "evt_After001"}, f"valid events are exactly the good ones: {accepted}"


def test_duplicate_counts_once_and_out_of_order_events_are_all_awaitable(hardening_listener):
    inbox, listener = hardening_listener
    later, earlier = _event("evt_Second01", created=200), _event(
        "evt_First001", event_type="payment.failed", created=100)
    with httpx.Client(timeout=10) as http:
        for body, kind in ((later, "payment.canceled"), (later, "payment.canceled"),
                           (earlier, "payment.failed")):
            assert http.post(listener.url, content=body,
                             headers=_signed(body, event_type=kind)).status_code == 200
    canceled = inbox.wait_for("payment.canceled", OURS, timeout=1)
    failed = inbox.wait_for("payment.failed", OURS, timeout=1)
    assert canceled.deliveries == 2, "a redelivery is counted on the one event"
    assert len(inbox.events("payment.canceled", OURS)) == 1
    assert failed.seq > canceled.seq, "arrival order is kept; neither event is dropped"
    print(f"\nduplicate: {canceled.line()}\nout of order: {failed.line()} after {canceled.line()}")


def test_a_rejected_delivery_fails_the_wait_at_once(hardening_listener):
    inbox, listener = hardening_listener
    body = _event("evt_Forged02")
    httpx.post(listener.url, content=body, headers=_signed(body, secret="whsec_attacker"))
    started = time.monotonic()
    with pytest.raises(AssertionError, match="rejected: signature mismatch"):
        inbox.wait_for("payment.canceled", OURS, timeout=30)
    assert time.monotonic() - started < 5, "a bad signature should not wait out the deadline"
    assert inbox.events() == []
