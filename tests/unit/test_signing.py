"""SknPay-Signature: known-answer vector, round trip, and every refusal.

Stripe's libraries' own cases are in test_signing_reference_cases.py.
"""

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
        (f"t={T},t={T},v1={KNOWN_V1}", "malformed"),  # which t was signed? refuse, do not guess
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


# Digits to str.isdigit() and int(), but not ASCII: "\u0661\u0667\u0660..."
ARABIC_INDIC = {ord(d): 0x660 + int(d) for d in "0123456789"}
@pytest.mark.parametrize(
    "timestamp",
    ["²", "1700000000".translate(ARABIC_INDIC), "+1700000000", "-1", " 1700000000", "1_700_000_000", "1e9", "0x10", "",
     "1" * (signing.MAX_TIMESTAMP_DIGITS + 1), "9" * 400],
)
def test_a_timestamp_must_be_ascii_digits_of_bounded_length(timestamp):
    # int() takes most of these (and str.isdigit() the first two); none is Unix seconds as sent.
    with pytest.raises(SignatureError) as info:
        signing.parse_header(f"t={timestamp},v1={KNOWN_V1}")
    assert info.value.reason == "malformed"
    assert f"is not 1 to {signing.MAX_TIMESTAMP_DIGITS} ASCII digits" in str(info.value)
    assert len(str(info.value)) < 160  # a hostile value is cut short, not echoed whole


def test_the_longest_timestamp_allowed_parses_and_leading_zeros_are_signed_as_the_number():
    longest = "9" * signing.MAX_TIMESTAMP_DIGITS
    assert signing.parse_header(f"t={longest},v1={KNOWN_V1}").timestamp == int(longest)
    with pytest.raises(SignatureError) as info:
        signing.verify(f"t={longest},v1={KNOWN_V1}", BODY, [SECRET], now=T)
    assert info.value.reason == "future"
    # As in stripe-python and stripe-go, the payload is signed over the number, not its spelling.
    signing.verify(f"t=000{T},v1={KNOWN_V1}", BODY, [SECRET], now=T)


def test_a_huge_header_part_is_not_echoed_whole():
    with pytest.raises(SignatureError) as info:
        signing.verify("x" * 100_000, BODY, [SECRET], now=T)
    assert info.value.reason == "malformed" and "(100000 characters)" in str(info.value)
    assert len(str(info.value)) < 120


def test_one_matching_v1_passes_whatever_the_other_v1_values_are():
    for other in ("bad_signature", KNOWN_V1.upper(), "", "0" * 64, "é" * 64):
        signing.verify(f"t={T},v1={other},v1={KNOWN_V1}", BODY, [SECRET], now=T)
        signing.verify(f"t={T},v1={KNOWN_V1},v1={other}", BODY, [SECRET], now=T)


def test_a_mismatch_says_how_many_malformed_v1_values_were_skipped():
    with pytest.raises(SignatureError) as info:
        signing.verify(f"t={T},v1={'0' * 64},v1=bad,v1=worse", BODY, [SECRET], now=T)
    assert info.value.reason == "mismatch" and "(2 other v1 value(s)" in str(info.value)


def test_the_age_is_counted_in_whole_seconds():
    # t has one-second resolution: now = T + 300.9 is 300 s after t, inside 300.
    header = f"t={T},v1={KNOWN_V1}"
    signing.verify(header, BODY, [SECRET], now=T + 300.9)
    signing.verify(header, BODY, [SECRET], now=T + 0.9, tolerance=0)
    with pytest.raises(SignatureError) as info:
        signing.verify(header, BODY, [SECRET], now=T + 1, tolerance=0)
    assert info.value.reason == "stale"


def test_tolerance_none_skips_the_timestamp_check_on_both_sides():
    header = f"t={T},v1={KNOWN_V1}"
    signing.verify(header, BODY, [SECRET], now=T + 10**9, tolerance=None)
    signing.verify(header, BODY, [SECRET], now=0, tolerance=None)


@pytest.mark.parametrize("tolerance", [-1, float("nan")])
def test_a_tolerance_that_would_refuse_or_pass_everything_is_a_caller_error(tolerance):
    # NaN compares false with every age, so it would silently turn the check off.
    with pytest.raises(ValueError, match="tolerance must be a number of seconds >= 0, or None"):
        signing.verify(f"t={T},v1={KNOWN_V1}", BODY, [SECRET], now=T, tolerance=tolerance)
