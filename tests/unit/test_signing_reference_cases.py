"""``signing.verify`` against the webhook-signature test cases of Stripe's own libraries.

SknPay-Signature is Stripe's scheme (``t=...,v1=...``, HMAC-SHA256 over
``<t>.<raw body>``), so the cases stripe-python (tests/test_webhook.py),
stripe-node (test/Webhook.spec.ts) and stripe-go (webhook/client_test.go)
test their verifiers with are run here, each named after the library's own
case. The expectations are ours: where we differ on purpose, the case says so.

Where the libraries read the clock, ``now`` is a fixed parameter here; every
refusal must be a :class:`SignatureError` (never ``ValueError``, ``TypeError``
...), and its ``reason`` is the harness's code for it.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from sknpay_harness import signing
from sknpay_harness.errors import SignatureError

SECRET = "whsec_test_secret"
PAYLOAD = '{\n  "id": "evt_test_webhook",\n  "object": "event"\n}'
RAW = PAYLOAD.encode("utf-8")  # the listener's case: the body as received
NOW = 1_700_000_000
PASSES = "passes"
_DEFAULT = object()


def generate_header(*, timestamp: int = NOW, payload: str = PAYLOAD, secret: str = SECRET,
                    scheme: str = "v1", signature: str | None = None) -> str:
    """A header as the references' test helpers build one (our own code)."""
    if signature is None:
        signature = signing.compute(secret, timestamp, payload.encode("utf-8"))
    return f"t={timestamp},{scheme}={signature}"


@dataclass(frozen=True)
class Case:
    name: str  # the reference library's name for the case
    header: object
    expect: str  # PASSES, or the SignatureError reason
    body: object = RAW
    tolerance: object = _DEFAULT  # _DEFAULT: verify's own default (300 s)
    now: float = NOW
    secrets: tuple[str, ...] = (SECRET,)
    says: str = ""  # text the refusal's message must contain


ROLLED = f"{generate_header()},v1={signing.compute(SECRET + '_rolled_key', NOW, RAW)}"

REFERENCE_CASES = [
    # -- malformed headers ------------------------------------------------------
    Case("stripe-python test_raise_on_malformed_header / stripe-node 'header does not have the expected format'",
         "i'm not even a real signature header", "malformed", says="is not key=value"),
    Case("stripe-python test_raise_on_invalid_header / stripe-node 'invalid signature header'",
         "bad_header", "malformed"),
    Case("stripe-go 'v1,t=1' is ErrInvalidHeader", "v1,t=1", "malformed"),
    Case("stripe-go 't=' is ErrInvalidHeader", "t=", "malformed", says="ASCII digits"),
    Case("stripe-node 'header is null or empty' (null)", None, "missing"),
    Case("stripe-node 'header is null or empty' (empty) / stripe-go '' is ErrNotSigned", "", "missing"),
    Case("stripe-node 'signature which is an array' errors", [generate_header()], "malformed",
         says="must be str or bytes, not list"),
    # -- no v1 with the expected scheme, or none that can match -----------------
    Case("stripe-python test_raise_on_no_signatures_with_expected_scheme / stripe-node / stripe-go (v0 scheme)",
         generate_header(scheme="v0"), "malformed", says="no v1= signature"),
    # The libraries call the next two "no valid signature"; a v1 that is not
    # 64 lower-case hex characters can never match, so ours says exactly that.
    Case("stripe-python test_raise_on_no_valid_signatures_for_payload / stripe-node (v1=bad_signature)",
         generate_header(signature="bad_signature"), "malformed", says="64 lower-case hex"),
    Case("stripe-go fake signature is ErrNoValidSignature (v1=hex of 'deadbeef')",
         generate_header(signature=b"deadbeef".hex()), "malformed", says="64 lower-case hex"),
    Case("no valid signature: a well-formed v1 over another payload",
         generate_header(payload=PAYLOAD + " "), "mismatch"),
    # -- one valid signature is enough ------------------------------------------
    Case("stripe-python test_header_contains_valid_signature (+',v1=bad_signature')",
         generate_header() + ",v1=bad_signature", PASSES, tolerance=10),
    Case("stripe-go unreadable signature in the header should be ignored (+',v1=bad_signature')",
         generate_header() + ",v1=bad_signature", PASSES),
    Case("stripe-node 'header contains at least one valid signature' (+',v1=potato')",
         generate_header() + ",v1=potato", PASSES, tolerance=10),
    Case("stripe-go rolled key: old secret verifies a header signed with both", ROLLED, PASSES),
    Case("stripe-go rolled key: new secret verifies a header signed with both", ROLLED, PASSES,
         secrets=(SECRET + "_rolled_key",)),
    # -- valid header, tolerance ------------------------------------------------
    Case("stripe-python test_valid_header_and_signature", generate_header(), PASSES, tolerance=10),
    Case("stripe-node 'valid signature within the tolerance of the provided timestamp' (t = now - 9, tol 10)",
         generate_header(timestamp=NOW - 9), PASSES, tolerance=10),
    Case("stripe-python test_raise_on_timestamp_outside_tolerance / stripe-node / stripe-go ErrTooOld"
         " (t = now - 15, tol 10)",
         generate_header(timestamp=NOW - 15), "stale", tolerance=10, says="15s old"),
    Case("stripe-go inside the window (t = now - 15, tol 20)",
         generate_header(timestamp=NOW - 15), PASSES, tolerance=20),
    Case("stripe-go default tolerance: 1 s inside passes", generate_header(timestamp=NOW - 299), PASSES),
    Case("stripe-go default tolerance: just outside is ErrTooOld", generate_header(timestamp=NOW - 301), "stale"),
    Case("stripe-node constructEvent default tolerance: 400 s old is refused",
         generate_header(timestamp=NOW - 400), "stale"),
    Case("stripe-python test_timestamp_off_but_no_tolerance / stripe-node / stripe-go IgnoringTolerance"
         " (t=12345, tolerance None)",
         generate_header(timestamp=12345), PASSES, tolerance=None),
    # Differs on purpose: Stripe reads tolerance 0 as "no check"; here 0 is
    # the strictest check (the same second) and only None turns it off.
    Case("tolerance 0 is 'the same second' here, not 'no check' as in Stripe (t=12345)",
         generate_header(timestamp=12345), "stale", tolerance=0),
    Case("tolerance 0 passes within the same second", generate_header(), PASSES, tolerance=0, now=NOW + 0.99),
    # Differs on purpose: the libraries refuse only a too-old t; a t too far
    # ahead is refused here as well (a clock we cannot trust, or a pre-signed replay).
    Case("a t too far in the future is refused (Stripe's libraries accept it)",
         generate_header(timestamp=NOW + 301), "future"),
    # -- payload and header types -------------------------------------------------
    Case("stripe-python test_construct_event (str payload) / stripe-node (string payload)",
         generate_header(), PASSES, body=PAYLOAD),
    Case("stripe-python test_construct_event_from_bytes", generate_header(), PASSES),
    Case("stripe-python test_construct_event_from_bytearray", generate_header(), PASSES,
         body=bytearray(PAYLOAD, "utf-8")),
    Case("stripe-node 'payload and header with type Buffer'", generate_header().encode(), PASSES),
    Case("stripe-node 'payload and header with type Uint8Array'", memoryview(generate_header().encode()), PASSES,
         body=memoryview(RAW)),
    Case("stripe-node 'payload is of an unknown type' ({})", generate_header(), "malformed", body={},
         says="body must be bytes or str, not dict"),
    Case("stripe-node 'No webhook payload was provided' (null)", generate_header(), "malformed", body=None,
         says="body must be bytes or str, not NoneType"),
]


@pytest.mark.parametrize("case", REFERENCE_CASES, ids=[c.name for c in REFERENCE_CASES])
def test_reference_library_case(case: Case):
    _check(case)


# The cases issue #18 names, with what each did before the fix.
ISSUE_CASES = [
    Case("t=² (byte 0xB2 decoded as Latin-1): was ValueError", f"t=²,v1={'0' * 64}", "malformed",
         says="'²' is not 1 to 18 ASCII digits"),
    Case("t of 400 digits: was OverflowError", f"t={'9' * 400},v1={'0' * 64}", "malformed",
         says="(400 characters) is not 1 to 18 ASCII digits"),
    Case("valid v1 beside v1=bad_signature: was refused as malformed",
         generate_header() + ",v1=bad_signature", PASSES),
    Case("str body: was TypeError", generate_header(), PASSES, body=PAYLOAD),
    Case("bytes header: was TypeError", generate_header().encode("ascii"), PASSES),
    Case("bytes header that is not ASCII", b"t=\xb2,v1=" + b"0" * 64, "malformed",
         says="not ASCII (byte 0xB2 at offset 2)"),
    Case("str body with a lone surrogate", generate_header(), "malformed", body="{\ud800}",
         says="cannot be encoded as UTF-8"),
]


@pytest.mark.parametrize("case", ISSUE_CASES, ids=[c.name for c in ISSUE_CASES])
def test_issue_18_case(case: Case):
    _check(case)


def _check(case: Case) -> None:
    kwargs = {} if case.tolerance is _DEFAULT else {"tolerance": case.tolerance}

    def run() -> signing.ParsedSignature:
        return signing.verify(case.header, case.body, case.secrets, now=case.now, **kwargs)  # type: ignore[arg-type]

    if case.expect == PASSES:
        assert run().timestamp > 0
        return
    with pytest.raises(SignatureError) as info:
        run()
    assert info.value.reason == case.expect, str(info.value)
    assert case.says in str(info.value)
