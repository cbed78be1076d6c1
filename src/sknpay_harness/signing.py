"""SknPay-Signature: ``t=<unix seconds>,v1=<hex HMAC-SHA256>``.

The signed payload is ``f"{t}.".encode() + raw_body``, keyed with the
``whsec_...`` secret (as the Odoo integration's verification code does).
Parsing, computing and verifying are separate so each can be tested alone,
and the mock signs with the same :func:`sign` that :func:`verify` is tested
against. ``now`` is always a parameter: no clock is read here.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Iterable
from dataclasses import dataclass

from .errors import SignatureError
from .secret import Secret

SigningSecret = str | Secret

HEADER = "SknPay-Signature"
EVENT_TYPE_HEADER = "SknPay-Event-Type"
DEFAULT_TOLERANCE_SECONDS = 300  # "reject a t more than 5 minutes from now"

_HEX64 = re.compile(r"^[0-9a-f]{64}$")


@dataclass(frozen=True)
class ParsedSignature:
    timestamp: int
    v1: tuple[str, ...]


def parse_header(header: str | None) -> ParsedSignature:
    """Split the header into its timestamp and every ``v1`` value.

    Unknown schemes (``v0=``, a future ``v2=``) are ignored, as Stripe does, so
    a new scheme added next to ``v1`` is not a break.
    """
    if header is None or not header.strip():
        raise SignatureError("missing", f"no {HEADER} header")
    timestamp: int | None = None
    v1: list[str] = []
    for part in header.split(","):
        key, sep, value = part.strip().partition("=")
        if not sep:
            raise SignatureError("malformed", f"{HEADER} part {part.strip()!r} is not key=value")
        if key == "t":
            if not value.isdigit():
                raise SignatureError("malformed", f"{HEADER} timestamp {value!r} is not an integer")
            timestamp = int(value)
        elif key == "v1":
            if not _HEX64.match(value):
                raise SignatureError("malformed", f"{HEADER} v1 is not 64 lowercase hex characters")
            v1.append(value)
    if timestamp is None:
        raise SignatureError("malformed", f"{HEADER} has no t= timestamp")
    if not v1:
        raise SignatureError("malformed", f"{HEADER} has no v1= signature")
    return ParsedSignature(timestamp, tuple(v1))


def compute(secret: SigningSecret, timestamp: int, body: bytes) -> str:
    """Hex HMAC-SHA256 of ``<timestamp>.<body>`` keyed with ``secret``."""
    payload = str(timestamp).encode("ascii") + b"." + body
    # Unwrapped inside the call: no local of this frame holds the clear secret.
    return hmac.new(_reveal(secret).encode("utf-8"), payload, hashlib.sha256).hexdigest()


def _reveal(secret: SigningSecret) -> str:
    return secret.reveal() if isinstance(secret, Secret) else secret


def sign(body: bytes, secret: SigningSecret, now: float) -> str:
    """The header value SKN Pay would send for ``body`` at time ``now``."""
    timestamp = int(now)
    return f"t={timestamp},v1={compute(secret, timestamp, body)}"


def verify(
    header: str | None,
    body: bytes,
    secrets: Iterable[SigningSecret],
    now: float,
    tolerance: float = DEFAULT_TOLERANCE_SECONDS,
) -> ParsedSignature:
    """Check ``header`` against ``body``; raise :class:`SignatureError` if it fails.

    Several secrets may be given (rotation: old and new both valid for a
    while); any ``v1`` matching any secret passes. Timestamps too far in the
    past *or* the future are refused, since either means a replay or a clock
    we cannot trust.
    """
    parsed = parse_header(header)
    age = now - parsed.timestamp
    if age > tolerance:
        raise SignatureError("stale", f"signature timestamp is {age:.0f}s old (tolerance {tolerance:.0f}s)")
    if -age > tolerance:
        raise SignatureError(
            "future", f"signature timestamp is {-age:.0f}s in the future (tolerance {tolerance:.0f}s)"
        )
    keys = [s for s in secrets if s]
    if not keys:
        raise SignatureError("no_secret", "no webhook secret configured to verify with")
    for secret in keys:
        expected = compute(secret, parsed.timestamp, body)
        # compare_digest on every candidate: constant time per comparison.
        if any(hmac.compare_digest(expected, candidate) for candidate in parsed.v1):
            return parsed
    raise SignatureError("mismatch", "no v1 signature matches the body with the configured secret(s)")
