"""Injected time and ids, so a test can reproduce what the mock did."""

from __future__ import annotations

import random
import secrets
import string
import threading
import time
from typing import Protocol

_ALPHABET = string.ascii_letters + string.digits


class Clock(Protocol):
    """What the mock reads time from: the wall clock, or a test's own."""

    def now(self) -> float: ...


class SystemClock:
    """Wall-clock seconds (for timestamps and signatures). The mock's one
    clock offset is per API key (``Tenant.clock_offset``, advanced through the
    control API), so parallel tests never move each other's time."""

    def now(self) -> float:
        return time.time()


class ManualClock:
    """A clock that only moves when told to (link expiry without waiting)."""

    def __init__(self, start: float = 1_780_000_000.0) -> None:
        self._now = start
        self._lock = threading.Lock()

    def now(self) -> float:
        with self._lock:
            return self._now

    def advance(self, seconds: float) -> float:
        with self._lock:
            self._now += seconds
            return self._now


_BYTE_TO_CHAR = bytes(ord(_ALPHABET[n % len(_ALPHABET)]) for n in range(256))


class IdFactory:
    """Typed ids (``plink_...``, ``evt_...``); seeded for reproducible runs.

    Unseeded, the generator is seeded from the OS once: ids must be unique,
    not unguessable. One ``randbytes`` call mapped through a 256-entry table
    costs ~0.5 us an id, against ~4 us for ``choices`` and ~20 us for drawing
    each character from the OS. (256 is not a multiple of 62, so 8 characters
    come up 5/4 as often as the rest: ~142.8 bits an id instead of ~142.9.)
    """

    def __init__(self, seed: int | None = None, length: int = 24) -> None:
        self._seeded = seed is not None
        self._random = random.Random(seed if seed is not None else secrets.randbits(128))
        self._length = length
        self._lock = threading.Lock()

    def new(self, prefix: str) -> str:
        with self._lock:
            if self._seeded:  # the draw sequence seeded runs were recorded with
                body = "".join(self._random.choice(_ALPHABET) for _ in range(self._length))
            else:
                body = self._random.randbytes(self._length).translate(_BYTE_TO_CHAR).decode("ascii")
        return f"{prefix}_{body}"
