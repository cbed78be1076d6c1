"""Back-off between attempts: how long to wait, and the wait itself.

One shape for both senders that retry: the client's requests
(client.RequestRetries) and the mock's webhook deliveries
(mock/outbox.DeliveryAttempts). A leaf module (the standard library only):
the mock, which stands alone, and the core share it.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass


@dataclass(frozen=True)
class Backoff:
    """``initial`` seconds after the first failure, times ``multiplier`` after
    each further one, never more than ``maximum``."""

    initial: float = 0.5
    multiplier: float = 2.0
    maximum: float = 30.0

    def delay(self, failures: int) -> float:
        """The wait after the ``failures``-th failed attempt (1-based)."""
        return min(self.maximum, self.initial * self.multiplier ** (failures - 1))


def pause(seconds: float) -> None:
    """Wait out a back-off. The delay itself is the behaviour here (giving a
    struggling server room), not a wait for something to happen, so there is
    no condition to wake on; an Event that is never set is a plain timed wait."""
    threading.Event().wait(seconds)
