"""Verifying an SKN Pay webhook, as an integrator writes it (about twenty lines).

Written here on purpose rather than imported from the harness: an app does
not ship its test tool, and the receiver check is only a check if the code it
checks is not its own ``signing.verify``.

``SknPay-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256>`` over the bytes
``<t>.<raw body>``, keyed with the ``whsec_...`` secret. Verify the bytes as
they arrived (never a parsed-and-re-serialised body), refuse a ``t`` more
than five minutes off, compare in constant time, and accept any ``v1`` (the
sender signs with two secrets during a rotation).
"""

from __future__ import annotations

import hashlib
import hmac

TOLERANCE_SECONDS = 300


class BadSignature(Exception):
    """The delivery is not from SKN Pay, or not from now: answer 400."""


def parse(header: str | None) -> tuple[int, list[str]]:
    """The header's timestamp and its ``v1`` values."""
    if not header:
        raise BadSignature("no SknPay-Signature header")
    timestamp, signatures = None, []
    for part in header.split(","):
        key, _, value = part.strip().partition("=")
        if key == "t" and value.isdigit():
            timestamp = int(value)
        elif key == "v1":
            signatures.append(value)
    if timestamp is None or not signatures:
        raise BadSignature("SknPay-Signature needs t= and v1=")
    return timestamp, signatures


def expected(secret: str, timestamp: int, raw_body: bytes) -> str:
    return hmac.new(secret.encode(), f"{timestamp}.".encode() + raw_body,
                    hashlib.sha256).hexdigest()


def verify(header: str | None, raw_body: bytes, secret: str, now: float) -> None:
    """Return if the delivery is genuine and recent; raise BadSignature if not."""
    timestamp, signatures = parse(header)
    if abs(now - timestamp) > TOLERANCE_SECONDS:
        raise BadSignature("signature timestamp too far from now")
    want = expected(secret, timestamp, raw_body)
    if not any(hmac.compare_digest(want, signature) for signature in signatures):
        raise BadSignature("no signature matches")
