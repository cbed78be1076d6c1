"""SknPay-Signature: known-answer vector, round trip, and every refusal."""

from __future__ import annotations

import pytest

from sknpay_harness import signing
from sknpay_harness.errors import SignatureError

SECRET = "whsec_test_known_answer"
BODY = b'{"id":"evt_123","type":"payment.canceled"}'
T = 1_700_000_000
# Computed independently: printf '1700000000.<body>' | openssl dgst -sha256 -hmac <secret>
KNOWN_V1 = "6d2895ef8a8fc9c005bca86f11150dc533bcf28f221252bf3d5eb3ec97853d95"


def test_known_answer_vector():
    assert signing.compute(SECRET, T, BODY) == KNOWN_V1
    assert signing.sign(BODY, SECRET, now=T + 0.9) == f"t={T},v1={KNOWN_V1}"


def test_verify_accepts_the_known_vector():
    parsed = signing.verify(f"t={T},v1={KNOWN_V1}", BODY, [SECRET], now=T + 10)
    assert parsed.timestamp == T and parsed.v1 == (KNOWN_V1,)


def test_round_trip_with_rotated_secrets_and_several_v1_values():
    old, new = "whsec_old", "whsec_new"
    header = f"t={T},v1={signing.compute(old, T, BODY)},v1={signing.compute(new, T, BODY)}"
    signing.verify(header, BODY, [new], now=T)
    signing.verify(header, BODY, [old], now=T)
    signing.verify(signing.sign(BODY, old, T), BODY, ["whsec_other", old], now=T)


def test_unknown_schemes_next_to_v1_are_ignored():
    header = f"t={T},v0=abc,v1={KNOWN_V1},v2=zzz"
    signing.verify(header, BODY, [SECRET], now=T)


@pytest.mark.parametrize(
    ("header", "reason"),
    [
        (None, "missing"),
        ("", "missing"),
        ("garbage", "malformed"),
        (f"v1={KNOWN_V1}", "malformed"),
        (f"t={T}", "malformed"),
        (f"t=abc,v1={KNOWN_V1}", "malformed"),
        (f"t={T},v1=xyz", "malformed"),
        (f"t={T},v1={KNOWN_V1.upper()}", "malformed"),
    ],
)
def test_bad_headers_are_refused_with_a_reason(header, reason):
    with pytest.raises(SignatureError) as info:
        signing.verify(header, BODY, [SECRET], now=T)
    assert info.value.reason == reason


def test_tampered_body_is_a_mismatch():
    with pytest.raises(SignatureError) as info:
        signing.verify(f"t={T},v1={KNOWN_V1}", BODY + b" ", [SECRET], now=T)
    assert info.value.reason == "mismatch"


def test_wrong_secret_is_a_mismatch():
    with pytest.raises(SignatureError) as info:
        signing.verify(f"t={T},v1={KNOWN_V1}", BODY, ["whsec_other"], now=T)
    assert info.value.reason == "mismatch"


def test_timestamp_inside_tolerance_on_both_sides_passes():
    header = f"t={T},v1={KNOWN_V1}"
    signing.verify(header, BODY, [SECRET], now=T + 300)
    signing.verify(header, BODY, [SECRET], now=T - 300)


def test_stale_and_future_timestamps_are_refused():
    header = f"t={T},v1={KNOWN_V1}"
    with pytest.raises(SignatureError) as stale:
        signing.verify(header, BODY, [SECRET], now=T + 301)
    assert stale.value.reason == "stale"
    with pytest.raises(SignatureError) as future:
        signing.verify(header, BODY, [SECRET], now=T - 301)
    assert future.value.reason == "future"


def test_no_secret_configured_is_its_own_reason():
    with pytest.raises(SignatureError) as info:
        signing.verify(f"t={T},v1={KNOWN_V1}", BODY, [""], now=T)
    assert info.value.reason == "no_secret"


def test_the_secret_never_appears_in_an_error_message():
    for now in (T, T + 1000):
        with pytest.raises(SignatureError) as info:
            signing.verify(f"t={T},v1={'0' * 64}", BODY, [SECRET], now=now)
        assert SECRET not in str(info.value)
