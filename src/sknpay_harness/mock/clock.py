"""Injected time and ids, so a test can reproduce what the mock did."""

from __future__ import annotations

import random
import secrets
import string
import threading
import time

_ALPHABET = string.ascii_letters + string.digits


class SystemClock:
    """Wall-clock seconds (for timestamps and signatures)."""

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


class OffsetClock:
    """System time plus an offset the test-control API can advance."""

    def __init__(self) -> None:
        self.offset = 0.0

    def now(self) -> float:
        return time.time() + self.offset

    def advance(self, seconds: float) -> float:
        self.offset += seconds
        return self.now()


class IdFactory:
    """Typed ids (``plink_...``, ``evt_...``); seeded for reproducible runs."""

    def __init__(self, seed: int | None = None, length: int = 24) -> None:
        self._random = random.Random(seed) if seed is not None else None
        self._length = length
        self._lock = threading.Lock()

    def new(self, prefix: str) -> str:
        if self._random is None:
            body = "".join(secrets.choice(_ALPHABET) for _ in range(self._length))
        else:
            with self._lock:
                body = "".join(self._random.choice(_ALPHABET) for _ in range(self._length))
        return f"{prefix}_{body}"
