"""Typed keys for the plugin's state in ``config.stash`` (never module globals)."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

import pytest

from ..contract import Contract
from ..settings import Settings


@dataclass(frozen=True)
class WaitRecord:
    nodeid: str
    event_type: str
    payment_id: str
    latency_ms: float
    deliveries: int


@dataclass
class RunLog:
    """What the terminal summary reports at the end of the run."""

    api_url: str = ""
    waits: list[WaitRecord] = field(default_factory=list)
    scenarios: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add_wait(self, record: WaitRecord) -> None:
        with self.lock:
            self.waits.append(record)


settings_key = pytest.StashKey[Settings]()
run_log_key = pytest.StashKey[RunLog]()
contract_key = pytest.StashKey[Contract]()
