"""The one way to wait: a condition, a deadline, and a description.

Waiters block on a :class:`threading.Condition` that producers notify; they
never poll with sleep. When the deadline passes, :func:`wait_until` raises
:class:`WaitTimeout` with the text ``describe()`` builds at that moment, so the
message can list what *did* arrive. ``describe()`` runs after the condition is
released: it may take that lock itself, or ask another component (the mock's
outbox) whose threads need the lock to record what they just did.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import TypeVar

from .errors import WaitTimeout

T = TypeVar("T")


class Deadline:
    """A point in monotonic time; ``remaining()`` never goes below zero."""

    def __init__(self, seconds: float, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self.seconds = seconds
        self.at = clock() + seconds

    def remaining(self) -> float:
        return max(0.0, self.at - self._clock())

    @property
    def expired(self) -> bool:
        return self.remaining() <= 0.0


def wait_until(
    condition: threading.Condition,
    predicate: Callable[[], T | None],
    timeout: float,
    describe: Callable[[], str],
) -> T:
    """Return the first non-None ``predicate()``; raise WaitTimeout after ``timeout`` s.

    ``predicate`` runs with ``condition`` held, first at once (the thing may
    already be there) and then on every notify. It may raise to abort early.
    """
    __tracebackhide__ = True  # the failure is the caller's: pytest shows its line
    deadline = Deadline(timeout)
    with condition:
        while True:
            result = predicate()
            if result is not None:
                return result
            remaining = deadline.remaining()
            if remaining <= 0.0:
                break
            condition.wait(remaining)
    raise WaitTimeout(describe())
