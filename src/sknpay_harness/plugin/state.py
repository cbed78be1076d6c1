"""Typed keys for the plugin's state in ``config.stash`` (never module globals)."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from ..client import Exchange
from ..contract import Contract
from ..ledger import CleanupResult
from ..recording import Recorder
from ..redaction import Redactor
from ..reporting import Reporter
from ..settings import Settings

DELIVERIES_KEPT = 500  # delivery records in the run summary file; the counters count all


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
    retries: list[str] = field(default_factory=list)  # one line per retried attempt
    delivery_counts: dict[str, int] = field(default_factory=dict)
    ignored: list[str] = field(default_factory=list)  # deliveries for other runs' payments
    deliveries: list[dict[str, Any]] = field(default_factory=list)  # redacted
    cleanup: list[CleanupResult] = field(default_factory=list)
    recordings: list[Path] = field(default_factory=list)  # one per process (xdist worker)
    summary_file: Path | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add_wait(self, record: WaitRecord) -> None:
        with self.lock:
            self.waits.append(record)

    def as_report(self) -> dict[str, Any]:
        """The run summary file's content (every part already redacted)."""
        with self.lock:
            return {
                "api_url": self.api_url,
                "scenarios": list(self.scenarios),
                "webhook_waits": [vars(w) for w in self.waits],
                "retried_attempts": list(self.retries),
                "webhook_deliveries": {"counts": dict(self.delivery_counts),
                                       "ignored": list(self.ignored),
                                       "all": list(self.deliveries)},
                "cleanup": [vars(r) for r in self.cleanup],
                "recordings": [str(path) for path in self.recordings],
            }

    def note_exchange(self, exchange: Exchange) -> None:
        """Client observer: remember every attempt that was retried."""
        if not exchange.final:
            with self.lock:
                self.retries.append(exchange.summary())


settings_key = pytest.StashKey[Settings]()
run_log_key = pytest.StashKey[RunLog]()
contract_key = pytest.StashKey[Contract]()
recorder_key = pytest.StashKey[Recorder]()
reporter_key = pytest.StashKey[Reporter]()


def reporter_of(config: pytest.Config) -> Reporter:
    """The run's one Reporter (and its Redactor), built on first use: needs
    only the settings, so asking for it starts no server."""
    reporter = config.stash.get(reporter_key, None)
    if reporter is None:
        reporter = Reporter(Redactor(config.stash[settings_key].secrets()))
        config.stash[reporter_key] = reporter
    return reporter
