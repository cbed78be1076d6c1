"""Properties: whatever the signature header and body, nothing escapes as "unexpected error".

``signing.verify`` raises only :class:`SignatureError`; the inbox answers 2xx
or 4xx with a reason, records every delivery, and links a rejected one to the
payment its body names; the same holds over HTTP, down to raw header bytes.

Hypothesis runs inside each test (its pytest plugin is off in addopts), with a
fixed seed and a bounded number of examples so the run is deterministic and
quick. Each test counts the examples it ran and records the count as a junit
suite property (``hypothesis_examples[...]``); ``-s`` or ``-rA`` prints it
with the outcomes seen.
"""

from __future__ import annotations

import contextlib
import json
import re
from collections import Counter
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sknpay_harness import WebhookInbox, WebhookListener, signing
from sknpay_harness.errors import SignatureError, WebhookRejected
from sknpay_harness.listener import ACCEPTED, DUPLICATE, IGNORED, REJECTED

SECRET = "whsec_property_test_secret"
NOW = 1_800_000_000
OURS = "plink_Ours0001"
MAX_BODY = 64 * 1024  # the inbox's limit here: deep bodies fit under it, "big" ones do not
# Placeholders filled in once the body is known: the body's v1 at that t, with
# our secret (valid) or another one (forged).
VALID = f"<valid:{NOW}>"
_PLACEHOLDER = re.compile(r"<(valid|forged):([0-9]+)>")


def _settings(examples: int) -> settings:
    return settings(max_examples=examples, derandomize=True, database=None, deadline=None,
                    print_blob=False,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                           HealthCheck.large_base_example])


# -- what a header is made of -------------------------------------------------
any_text = st.text(st.characters(exclude_categories=()), max_size=40)  # surrogates included
latin1_text = st.text(st.characters(max_codepoint=0xFF), max_size=40)  # what WSGI decodes bytes to
# Digits to str.isdigit() and int(), but not ASCII: "\u0661\u0667\u0660..."
ARABIC_INDIC = {ord(d): 0x660 + int(d) for d in "0123456789"}
odd_timestamps = st.sampled_from(
    ["²", "1800000000".translate(ARABIC_INDIC), "+1800000000", "-1", " 1800000000", "1_800_000_000", "1e9",
     "", "0" * 18, "9" * 19, "9" * 400, str(2**63), "NaN", "1800000000.5"])
timestamps = st.one_of(st.just(str(NOW)), st.integers(0, 10**20).map(str), odd_timestamps, latin1_text)
v1_values = st.one_of(
    st.just(VALID), st.just("bad_signature"), st.just("0" * 64),
    st.text("0123456789abcdefABCDEF", min_size=60, max_size=68), latin1_text)
parts = st.one_of(
    st.tuples(st.just("t"), timestamps), st.tuples(st.just("v1"), v1_values),
    st.tuples(st.sampled_from(["v0", "v2", "T", "V1", ""]), latin1_text),
    st.tuples(latin1_text, latin1_text), latin1_text.map(lambda s: (s, None)))
extra_parts = st.one_of(  # beside a valid v1: other v1 values and other schemes
    st.tuples(st.just("v1"), v1_values), st.tuples(st.sampled_from(["v0", "v2"]), latin1_text))


@st.composite
def header_plans(draw: st.DrawFn, text: st.SearchStrategy[str] = latin1_text) -> str | None:
    """A header as text with placeholders: signed (at, near or far from NOW),
    a random t/v1 structure, noise, or no header at all."""
    kind = draw(st.sampled_from(["signed", "signed", "structured", "structured", "noise", "absent"]))
    if kind == "absent":
        return None
    if kind == "noise":
        return draw(text)
    if kind == "signed":
        t = NOW + draw(st.sampled_from([0, 0, 0, -1, 1, -300, 300, -301, 301, -10**6, 10**6]))
        signer = draw(st.sampled_from(["valid", "valid", "forged"]))
        items = [*draw(st.lists(extra_parts, max_size=2)), ("t", str(t)), ("v1", f"<{signer}:{t}>"),
                 *draw(st.lists(extra_parts, max_size=2))]
    else:
        items = draw(st.lists(parts, min_size=0, max_size=6))
    joined = [k if v is None else f"{k}={v}" for k, v in items]
    return draw(st.sampled_from([",", ", ", " ,"])).join(joined)


def _fill(plan: str | None, body: bytes) -> str | None:
    """Replace each placeholder with the body's signature at its t."""
    if plan is None:
        return None
    return _PLACEHOLDER.sub(
        lambda m: signing.compute(SECRET if m[1] == "valid" else "whsec_forger", int(m[2]), body), plan)


def envelope(payment_id: str, event_id: str = "evt_1", type_: str = "payment.canceled") -> bytes:
    return json.dumps({"id": event_id, "type": type_,
                       "data": {"object": {"id": payment_id, "status": "canceled"}}}).encode()


@st.composite
def bodies(draw: st.DrawFn) -> tuple[bytes, str | None]:
    """A body and the payment it names (None if it names none)."""
    kind = draw(st.sampled_from(["envelope", "envelope", "bytes", "json", "deep", "big"]))
    if kind == "envelope":
        pid = draw(st.one_of(st.just(OURS), st.just("plink_NotOurs01"), any_text))
        event_id = draw(st.one_of(st.just("evt_1"), any_text))
        type_ = draw(st.one_of(st.just("payment.canceled"), any_text))
        return envelope(pid, event_id, type_), pid
    if kind == "deep":  # deeper than json.loads can recurse
        depth = draw(st.integers(1_000, 10_000))
        return draw(st.sampled_from([b"[" * depth, b'{"a":' * depth + b"1" + b"}" * depth])), None
    if kind == "big":  # over the inbox's max_body below
        return b"{" + b" " * draw(st.integers(MAX_BODY, MAX_BODY + 1024)) + b"}", None
    if kind == "json":
        leaf = st.none() | st.booleans() | st.integers() | any_text
        value = draw(st.one_of(leaf, st.lists(leaf, max_size=3), st.dictionaries(any_text, leaf, max_size=3),
                               st.fixed_dictionaries({"type": leaf, "data": leaf})))
        return json.dumps(value).encode(), None
    return draw(st.binary(max_size=300)), None


# -- signing.verify ------------------------------------------------------------
def test_verify_raises_only_signature_error(record_testsuite_property):
    seen: Counter[str] = Counter()
    header_values = st.one_of(
        header_plans(any_text), header_plans().map(lambda h: None if h is None else h.encode("latin-1")),
        st.binary(max_size=80), st.integers(), st.lists(any_text, max_size=2))
    body_values = st.one_of(st.binary(max_size=200), any_text, st.none(), st.integers(), st.just({}))

    @given(header=header_values, body=body_values)
    def check(header: object, body: object) -> None:
        if isinstance(header, str) and isinstance(body, bytes | str):
            # A body with a lone surrogate cannot be signed: verify must refuse it as such.
            with contextlib.suppress(UnicodeEncodeError):
                header = _fill(header, body if isinstance(body, bytes) else body.encode())
        try:
            signing.verify(header, body, [SECRET], now=NOW)  # type: ignore[arg-type]
        except SignatureError as exc:  # anything else fails the test
            assert exc.reason in {"missing", "malformed", "stale", "future", "mismatch"}
            assert str(exc) and len(str(exc)) < 300, "the message names the problem, briefly"
            seen[exc.reason] += 1
        else:
            seen["passes"] += 1

    count = _run_given(check, 250, "verify", record_testsuite_property, seen)
    assert count >= 200
    assert {"passes", "missing", "malformed", "stale", "future", "mismatch"} <= set(seen), seen


def test_one_valid_v1_passes_whatever_else_the_header_holds(record_testsuite_property):
    noise = st.one_of(st.tuples(st.just("v1"), v1_values.filter(lambda v: v != VALID)),
                      st.tuples(st.sampled_from(["v0", "v2", "x"]), latin1_text.filter(lambda s: "," not in s)))

    @given(before=st.lists(noise, max_size=4), after=st.lists(noise, max_size=4),
           body=st.one_of(st.binary(max_size=200), st.text(max_size=100)))
    def check(before: list[tuple[str, str]], after: list[tuple[str, str]], body: bytes | str) -> None:
        raw = body if isinstance(body, bytes) else body.encode()
        items = [*before, ("t", str(NOW)), ("v1", VALID), *after]
        header = _fill(",".join(f"{k}={v}" for k, v in items), raw)
        assert signing.verify(header, body, [SECRET], now=NOW).timestamp == NOW

    assert _run_given(check, 100, "one valid v1", record_testsuite_property) >= 80


# -- the inbox -------------------------------------------------------------------
def _assert_answered_and_recorded(inbox: WebhookInbox, status: int, answer: dict[str, Any],
                                  payment_id: str | None, seen: Counter[str], *, wait: bool) -> None:
    """2xx or 4xx; a 4xx has a reason, never "unexpected error"; the delivery is
    recorded as answered; a rejected one that was read is linked to its payment
    (``wait``: and a wait for that payment fails at once)."""
    assert status == 200 or 400 <= status < 500, (status, answer)
    delivery = inbox.deliveries()[-1]
    assert delivery.status == status
    if status == 200:
        assert delivery.outcome in {ACCEPTED, DUPLICATE, IGNORED}
        seen[delivery.outcome] += 1
        return
    reason = answer["error"]
    assert reason and not reason.startswith("unexpected error"), reason
    assert delivery.outcome == REJECTED and delivery.reason == reason
    seen[re.sub(r"[0-9]+", "N", reason.split(":")[0])] += 1
    if status == 400 and payment_id is not None:  # the body was read: the rejection is the payment's
        assert delivery.payment_id == payment_id
        if wait and payment_id:
            with pytest.raises(WebhookRejected):
                inbox.wait_for("payment.canceled", payment_id, timeout=0.001)


def test_the_inbox_answers_every_delivery_with_a_reason_and_records_it(record_testsuite_property):
    seen: Counter[str] = Counter()
    other_headers = st.dictionaries(st.sampled_from(["SknPay-Event-Type", "Content-Type", "X-Other"]),
                                    latin1_text, max_size=2)

    @given(plan=header_plans(), body=bodies(), extra=other_headers,
           method=st.sampled_from(["POST"] * 8 + ["GET", "PUT"]))
    def check(plan: str | None, body: tuple[bytes, str | None], extra: dict[str, str], method: str) -> None:
        raw, payment_id = body
        inbox = WebhookInbox([SECRET], clock=lambda: NOW, max_body=MAX_BODY)
        inbox.track(OURS)
        header = _fill(plan, raw)
        headers = {**extra, **({signing.HEADER: header} if header is not None else {})}
        status, answer = inbox.handle(method, "/hook", headers, raw)
        assert inbox.delivery_count == 1
        _assert_answered_and_recorded(inbox, status, answer, payment_id, seen, wait=True)

    assert _run_given(check, 250, "inbox", record_testsuite_property, seen) >= 200
    assert {ACCEPTED, IGNORED, "signature malformed", "signature mismatch", "signature missing",
            "body is not a JSON object"} <= set(seen), seen


@pytest.mark.parametrize("body", [pytest.param(b"[" * 100_000, id="arrays"),
                                  pytest.param(b'{"a":' * 100_000, id="objects")])
def test_a_signed_body_too_deep_for_json_is_answered_not_an_unexpected_error(body):
    # Before: json.loads raised RecursionError, answered "unexpected error: RecursionError".
    inbox = WebhookInbox([SECRET], clock=lambda: NOW)
    status, answer = inbox.handle("POST", "/hook", {signing.HEADER: signing.sign(body, SECRET, NOW)}, body)
    assert (status, answer) == (400, {"error": "body is not a JSON object"})
    assert inbox.deliveries()[-1].reason == "body is not a JSON object"


# -- over HTTP, with raw header bytes ------------------------------------------------
@pytest.fixture(scope="module")
def served() -> Iterator[tuple[WebhookInbox, httpx.Client]]:
    inbox = WebhookInbox([SECRET], clock=lambda: NOW, max_body=MAX_BODY)
    inbox.track(OURS)
    listener = WebhookListener(inbox).start()
    with httpx.Client(base_url=listener.root_url, timeout=10) as client:
        yield inbox, client
    listener.stop()
    listener.check_handler_errors()


def _sendable(value: bytes) -> bytes:
    """What an HTTP client may send in a header value: visible ASCII, obs-text
    (0x80-0xFF, e.g. the 0xB2 that decodes to '²') and inner spaces."""
    return bytes(c for c in value if c == 0x20 or 0x21 <= c <= 0x7E or c >= 0x80).strip(b" ")


def test_over_http_no_header_bytes_reach_unexpected_error(served, record_testsuite_property):
    inbox, client = served
    seen: Counter[str] = Counter()
    values = st.one_of(header_plans().map(lambda h: (h or "").encode("latin-1")), st.binary(max_size=60),
                       st.just(b"t=\xb2,v1=" + b"0" * 64))

    @given(value=values, body=bodies())
    def check(value: bytes, body: tuple[bytes, str | None]) -> None:
        raw, payment_id = body
        before = inbox.delivery_count
        value = _sendable((_fill(value.decode("latin-1"), raw) or "").encode("latin-1"))
        response = client.post("/hook", content=raw, headers={signing.HEADER: value} if value else {})
        assert inbox.delivery_count == before + 1, "every request is recorded as a delivery"
        answer = response.json()
        # One inbox for all examples: an earlier accepted event would satisfy a wait.
        _assert_answered_and_recorded(inbox, response.status_code, answer, payment_id, seen, wait=False)

    assert _run_given(check, 100, "HTTP", record_testsuite_property, seen) >= 80


@pytest.mark.parametrize("header", [
    pytest.param(b"t=\xb2,v1=" + b"0" * 64, id="t as byte 0xB2 (decodes to a superscript two)"),
    pytest.param(b"t=" + b"9" * 400 + b",v1=" + b"0" * 64, id="t of 400 digits"),
])
def test_issue_18_headers_over_http_are_rejections_linked_to_their_payment(header):
    # Before: 400 "unexpected error: ValueError / OverflowError", not linked to
    # the payment, so a test waiting for its event waited out its timeout.
    inbox = WebhookInbox([SECRET], clock=lambda: NOW)
    inbox.track(OURS)
    listener = WebhookListener(inbox).start()
    try:
        response = httpx.post(listener.url, content=envelope(OURS), headers={signing.HEADER: header})
    finally:
        listener.stop()
    assert response.status_code == 400
    assert response.json()["error"].startswith("signature malformed: SknPay-Signature timestamp ")
    with pytest.raises(WebhookRejected, match="rejected: signature malformed"):
        inbox.wait_for("payment.canceled", OURS, timeout=5)


def _run_given(check: Any, examples: int, name: str, record_testsuite_property: Any,
               seen: Counter[str] | None = None) -> int:
    """Run the @given test ``check`` with fixed settings; return how many examples ran."""
    inner = check.hypothesis.inner_test
    count = 0

    def counted(*args: Any, **kwargs: Any) -> None:
        nonlocal count
        count += 1
        inner(*args, **kwargs)

    check.hypothesis.inner_test = counted
    _settings(examples)(check)()
    record_testsuite_property(f"hypothesis_examples[{name}]", count)
    print(f"\n{name}: {count} examples" + (f"; outcomes {dict(sorted(seen.items()))}" if seen else ""))
    return count
