"""The secret type: an API key or webhook secret that never shows itself.

A leaf module (the mock and the core both use it, and it imports nothing of
either).
"""

from __future__ import annotations

import hmac


class Secret:
    """A credential that never shows itself: ``repr()``, ``str()`` and f-strings
    print ``[REDACTED]``, so no settings dump, message or traceback local (``-l``)
    can leak it. ``reveal()`` gives the value; call it only where the value goes
    on the wire or into the HMAC, inside the expression that uses it, so no
    frame keeps the clear value in a local.

    Deliberately not a ``str``: a str subclass hands its value to every
    ``str()``, ``format()``, concatenation and ``%s`` on the way.
    """

    __slots__ = ("_value",)

    def __init__(self, value: str | Secret) -> None:
        if isinstance(value, Secret):
            value = value.reveal()
        if not isinstance(value, str):
            raise TypeError(f"a Secret holds a str, not {type(value).__name__}")
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "Secret('[REDACTED]')"

    def __str__(self) -> str:
        return "[REDACTED]"

    def __format__(self, spec: str) -> str:
        return format(str(self), spec)

    def __bool__(self) -> bool:
        return bool(self._value)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Secret):
            return NotImplemented
        return hmac.compare_digest(self._value.encode(), other._value.encode())

    def __hash__(self) -> int:
        return hash((Secret, self._value))


SecretInput = str | Secret | None


def as_secret(value: SecretInput) -> Secret | None:
    """``value`` held as a Secret (None and "" stay None)."""
    return Secret(value) if value else None
