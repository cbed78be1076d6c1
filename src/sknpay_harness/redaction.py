"""Masks secrets before anything is logged, attached or printed.

Every report, log line and failure message goes through :class:`Redactor`.
It removes the exact secrets it was given *and* anything shaped like an SKN Pay
key or webhook secret, so a secret that reached us by another path (an echoed
header, a mock's debug output) is still masked.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from .settings import Secret

MASK = "[REDACTED]"

# sk_test_/sk_live_ keys and whsec_ secrets; the body is [A-Za-z0-9_-]+.
_PREFIX = re.compile(r"^(?:sk_(?:test|live)_|whsec_)")
_SECRET_SHAPES = re.compile(r"\b(?:sk_(?:test|live)_|whsec_)[A-Za-z0-9_\-]+")
_SENSITIVE_HEADERS = frozenset({"authorization", "proxy-authorization", "cookie", "set-cookie"})
# A secret's body without its prefix is masked too, when it is long enough
# not to match ordinary text by chance.
_MIN_BODY = 8


class Redactor:
    """Replaces known secrets and secret-shaped tokens with ``[REDACTED]``."""

    def __init__(self, secrets: Iterable[str | Secret | None] = ()) -> None:
        known = {s.reveal() if isinstance(s, Secret) else s for s in secrets if s}
        bodies = {_PREFIX.sub("", s) for s in known}
        known |= {b for b in bodies if len(b) >= _MIN_BODY}
        # Longest first, so a secret that contains another is masked whole.
        self._secrets = sorted(known, key=len, reverse=True)

    def __repr__(self) -> str:
        return f"Redactor({len(self._secrets)} secret forms)"

    def text(self, value: str) -> str:
        for secret in self._secrets:
            value = value.replace(secret, MASK)
        # Every shape starts with one of these; the substring tests cost far
        # less than the regex scan over a page or body that has none.
        if "sk_" in value or "whsec_" in value:
            value = _SECRET_SHAPES.sub(MASK, value)
        return value

    def headers(self, headers: Mapping[str, str]) -> dict[str, str]:
        clean: dict[str, str] = {}
        for name, value in headers.items():
            if name.lower() in _SENSITIVE_HEADERS:
                scheme = value.split(" ", 1)[0] if " " in value else ""
                clean[name] = f"{scheme} {MASK}".strip()
            else:
                clean[name] = self.text(value)
        return clean

    def contains_secret(self, value: str) -> bool:
        return any(s in value for s in self._secrets) or bool(_SECRET_SHAPES.search(value))
