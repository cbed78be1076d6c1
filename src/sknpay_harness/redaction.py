"""Masks secrets before anything is logged, attached or printed.

Every report, log line and failure message goes through :class:`Redactor`.
It removes the exact secrets it was given *and* anything shaped like an SKN Pay
key or webhook secret, so a secret that reached us by another path (an echoed
header, a mock's debug output) is still masked.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from .secret import Secret

MASK = "[REDACTED]"

# sk_test_/sk_live_ keys and whsec_ secrets; the body is [A-Za-z0-9_-]+.
_PREFIX = re.compile(r"^(?:sk_(?:test|live)_|whsec_)")
_SECRET_SHAPES = re.compile(r"\b(?:sk_(?:test|live)_|whsec_)[A-Za-z0-9_\-]+")
_SENSITIVE_HEADERS = frozenset({"authorization", "proxy-authorization", "cookie", "set-cookie"})
# A secret's body without its prefix is masked too, when it is long enough
# not to match ordinary text by chance; so are the head and tail a shortened
# repr keeps around its "..." (pytest's saferepr), from this length on.
_MIN_BODY = 8
_MIN_FRAGMENT = 6
_ELLIPSIS = "..."


class Redactor:
    """Replaces known secrets and secret-shaped tokens with ``[REDACTED]``."""

    def __init__(self, secrets: Iterable[str | Secret | None] = ()) -> None:
        known = {s.reveal() if isinstance(s, Secret) else s for s in secrets if s}
        bodies = {_PREFIX.sub("", s) for s in known}
        known |= {b for b in bodies if len(b) >= _MIN_BODY}
        # Longest first, so a secret that contains another is masked whole.
        self._secrets = sorted(known, key=len, reverse=True)
        # What a repr cut in the middle keeps of a secret, longest first.
        self._heads = _longest_first({s[:n] for s in known for n in range(_MIN_FRAGMENT, len(s))})
        self._tails = _longest_first({s[-n:] for s in known for n in range(_MIN_FRAGMENT, len(s))})
        # Their last/first few characters, to pass over an ordinary "..." at once.
        self._head_ends = {h[-_MIN_FRAGMENT:] for h in self._heads}
        self._tail_starts = {t[:_MIN_FRAGMENT] for t in self._tails}

    def __repr__(self) -> str:
        return f"Redactor({len(self._secrets)} secret forms)"

    def text(self, value: str) -> str:
        for secret in self._secrets:
            value = value.replace(secret, MASK)
        # Every shape starts with one of these; the substring tests cost far
        # less than the regex scan over a page or body that has none.
        if "sk_" in value or "whsec_" in value:
            value = _SECRET_SHAPES.sub(MASK, value)
        if _ELLIPSIS in value and self._heads:
            value = self._mask_cut_fragments(value)
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
        return (any(s in value for s in self._secrets) or bool(_SECRET_SHAPES.search(value))
                or (_ELLIPSIS in value and self._mask_cut_fragments(value) != value))

    def _mask_cut_fragments(self, value: str) -> str:
        """Mask a secret's head just before a "..." and its tail just after it:
        what a repr shortened in the middle (``'sk_test_ab..._yz'``) keeps of it."""
        parts, done = [], 0
        at = value.find(_ELLIPSIS)
        while at != -1:
            after = at + len(_ELLIPSIS)
            head = 0 if value[max(done, at - _MIN_FRAGMENT):at] not in self._head_ends else next(
                (len(h) for h in self._heads if value.endswith(h, done, at)), 0)
            tail = 0 if value[after:after + _MIN_FRAGMENT] not in self._tail_starts else next(
                (len(t) for t in self._tails if value.startswith(t, after)), 0)
            parts += [value[done:at - head], MASK if head else "", _ELLIPSIS, MASK if tail else ""]
            done = after + tail
            at = value.find(_ELLIPSIS, done)
        return "".join(parts) + value[done:]


def _longest_first(parts: set[str]) -> list[str]:
    return sorted(parts, key=len, reverse=True)
