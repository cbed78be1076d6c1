"""SknPay-Signature: ``t=<unix seconds>,v1=<hex HMAC-SHA256>``.

The signed payload is ``f"{t}.".encode() + raw_body``, keyed with the
``whsec_...`` secret (as the Odoo integration's verification code does).
Parsing, computing and verifying are separate so each can be tested alone,
and the mock signs with the same :func:`sign` that :func:`verify` is tested
against. ``now`` is always a parameter: no clock is read here.

:func:`verify` refuses every bad input with a :class:`SignatureError` naming
what is wrong, never another exception: the header is untrusted bytes off the
wire (``str.isdigit`` and ``int()`` accept ``'²'`` and other non-ASCII digits
a header may decode to, and a timestamp of hundreds of digits overflows a
float), so ``t`` must be 1 to :data:`MAX_TIMESTAMP_DIGITS` ASCII digits.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass

from .errors import SignatureError
from .secret import Secret

SigningSecret = str | Secret

HEADER = "SknPay-Signature"
EVENT_TYPE_HEADER = "SknPay-Event-Type"
DEFAULT_TOLERANCE_SECONDS = 300  # "reject a t more than 5 minutes from now"
# Up to 18 digits always fits a signed 64-bit integer (what stripe-go's
# ParseInt takes); Unix seconds have 10 until the year 2286.
MAX_TIMESTAMP_DIGITS = 18

_TIMESTAMP = re.compile(f"[0-9]{{1,{MAX_TIMESTAMP_DIGITS}}}")
_HEX64 = re.compile(r"[0-9a-f]{64}")
_SHOWN_CHARS = 24  # of an echoed header value: a hostile one may be kilobytes long


@dataclass(frozen=True)
class ParsedSignature:
    timestamp: int
    v1: tuple[str, ...]  # the well-formed v1 values, in header order
    # v1 values that are not 64 lower-case hex characters: they can never
    # match, and are skipped (as Stripe's libraries do) so one good v1 passes.
    ignored_v1: int = 0


def parse_header(header: str | bytes | None) -> ParsedSignature:
    """Split the header into its timestamp and every well-formed ``v1`` value.

    Unknown schemes (``v0=``, a future ``v2=``) are ignored, as Stripe does, so
    a new scheme added next to ``v1`` is not a break. A ``bytes`` header is
    read as ASCII (the header's whole alphabet).
    """
    text = _header_text(header)
    if not text.strip():
        raise SignatureError("missing", f"no {HEADER} header")
    timestamp: int | None = None
    v1: list[str] = []
    ignored = 0
    for part in text.split(","):
        key, sep, value = part.strip().partition("=")
        if not sep:
            raise SignatureError("malformed", f"{HEADER} part {_show(part.strip())} is not key=value")
        if key == "t":
            if timestamp is not None:
                raise SignatureError("malformed", f"{HEADER} has more than one t= timestamp")
            timestamp = _parse_timestamp(value)
        elif key == "v1":
            if _HEX64.fullmatch(value):
                v1.append(value)
            else:
                ignored += 1
    if timestamp is None:
        raise SignatureError("malformed", f"{HEADER} has no t= timestamp")
    if not v1:
        if ignored:
            raise SignatureError(
                "malformed", f"none of the {HEADER} header's {ignored} v1 value(s) is 64 lower-case hex characters"
            )
        raise SignatureError("malformed", f"{HEADER} has no v1= signature")
    return ParsedSignature(timestamp, tuple(v1), ignored)


def _header_text(header: object) -> str:
    if header is None:
        raise SignatureError("missing", f"no {HEADER} header")
    if isinstance(header, bytes | bytearray | memoryview):
        raw = bytes(header)
        try:
            return raw.decode("ascii")
        except UnicodeDecodeError as exc:
            raise SignatureError(
                "malformed", f"{HEADER} header is not ASCII (byte 0x{raw[exc.start]:02X} at offset {exc.start})"
            ) from None
    if not isinstance(header, str):
        raise SignatureError("malformed", f"{HEADER} header must be str or bytes, not {type(header).__name__}")
    return header


def _parse_timestamp(value: str) -> int:
    # fullmatch on [0-9]: not isdigit()/int(), which take '²', '٣', '+1', ' 1' and '1_0'.
    if not _TIMESTAMP.fullmatch(value):
        raise SignatureError(
            "malformed",
            f"{HEADER} timestamp {_show(value)} is not 1 to {MAX_TIMESTAMP_DIGITS} ASCII digits (Unix seconds)",
        )
    return int(value)


def _show(value: str) -> str:
    """``value`` for a message: its repr, cut short if long."""
    if len(value) <= _SHOWN_CHARS:
        return repr(value)
    return f"{value[:_SHOWN_CHARS]!r}... ({len(value)} characters)"


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


def _body_bytes(body: bytes | bytearray | memoryview | str) -> bytes:
    """The bytes a signature covers: a ``str`` body is its UTF-8 encoding, as
    in Stripe's libraries. Anything else is a :class:`SignatureError`."""
    if isinstance(body, bytes):
        return body
    if isinstance(body, bytearray | memoryview):
        return bytes(body)
    if isinstance(body, str):
        try:
            return body.encode("utf-8")
        except UnicodeEncodeError as exc:  # a lone surrogate, e.g. from a bad decode
            raise SignatureError(
                "malformed", f"body str cannot be encoded as UTF-8 (character {exc.start}: {body[exc.start]!r})"
            ) from None
    raise SignatureError("malformed", f"body must be bytes or str, not {type(body).__name__}")


def verify(
    header: str | bytes | None,
    body: bytes | bytearray | memoryview | str,
    secrets: Iterable[SigningSecret],
    now: float,
    tolerance: float | None = DEFAULT_TOLERANCE_SECONDS,
) -> ParsedSignature:
    """Check ``header`` against ``body``; raise :class:`SignatureError` if it fails.

    Several secrets may be given (rotation: old and new both valid for a
    while); any well-formed ``v1`` matching any secret passes, whatever the
    other ``v1`` values are. A ``str`` body is checked as its UTF-8 bytes.

    ``tolerance`` is how far, in whole seconds, ``t`` may be from the second
    ``now`` falls in, *on either side*: a ``t`` too far in the past or the
    future means a replay or a clock we cannot trust. 300 (the default)
    accepts ``t`` from 300 s before to 300 s after; ``0`` accepts only ``t``
    equal to ``int(now)``; ``None`` skips the timestamp check. This differs
    from Stripe's libraries, where ``0`` (or no tolerance) means *no check*
    and only a too-old ``t`` is refused.
    """
    if tolerance is not None and not tolerance >= 0:  # NaN too: it would pass every t
        raise ValueError(f"tolerance must be a number of seconds >= 0, or None; got {tolerance!r}")
    parsed = parse_header(header)
    payload = _body_bytes(body)
    if tolerance is not None:
        age = math.floor(now) - parsed.timestamp
        if age > tolerance:
            raise SignatureError("stale", f"signature timestamp is {age}s old (tolerance {tolerance:g}s)")
        if -age > tolerance:
            raise SignatureError(
                "future", f"signature timestamp is {-age}s in the future (tolerance {tolerance:g}s)"
            )
    keys = [s for s in secrets if s]
    if not keys:
        raise SignatureError("no_secret", "no webhook secret configured to verify with")
    for secret in keys:
        expected = compute(secret, parsed.timestamp, payload)
        # compare_digest on every candidate: constant time per comparison.
        if any(hmac.compare_digest(expected, candidate) for candidate in parsed.v1):
            return parsed
    skipped = f" ({parsed.ignored_v1} other v1 value(s) not 64 lower-case hex, skipped)" if parsed.ignored_v1 else ""
    raise SignatureError(
        "mismatch", f"no v1 signature matches the body with the configured secret(s){skipped}"
    )
