"""What one run reports at its end: webhook waits, retries, deliveries, clean-up.

The harness writes to a :class:`RunLog` as tests run; the plugin prints
:func:`summary_lines` in the terminal summary and, on the sandbox target,
writes :meth:`RunLog.as_report` next to junit.xml. Under pytest-xdist each
worker sends :meth:`RunLog.as_data` to the controller, which folds it in with
:meth:`RunLog.merge_data`. No pytest here.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .client import Exchange
from .ledger import CleanupResult
from .redaction import Redactor

RUN_SUMMARY_FILE = "sknpay-run.json"
DELIVERIES_KEPT = 500  # delivery records in the run summary file; the counters count all
IGNORED_SHOWN = 20


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

    def add_scenario(self, nodeid: str) -> None:
        with self.lock:
            self.scenarios.append(nodeid)

    def note_exchange(self, exchange: Exchange) -> None:
        """Client observer: remember every attempt that was retried."""
        if not exchange.final:
            with self.lock:
                self.retries.append(exchange.summary())

    def add_counts(self, counts: dict[str, int]) -> None:
        with self.lock:
            for outcome, count in counts.items():
                if count:
                    self.delivery_counts[outcome] = self.delivery_counts.get(outcome, 0) + count

    def add_deliveries(self, records: list[dict[str, Any]], ignored: list[str]) -> None:
        """Delivery records (kept up to :data:`DELIVERIES_KEPT`) and ignored lines."""
        with self.lock:
            self.ignored.extend(ignored)
            self.deliveries.extend(records[:max(0, DELIVERIES_KEPT - len(self.deliveries))])

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

    def write_summary(self, folder: Path, run_id: str, redactor: Redactor) -> Path:
        """The sandbox run's summary file: waits, retries, every delivery incl.
        ignored ones, clean-up; redacted once more as a whole."""
        report = {"target": "sandbox", "run_id": run_id, **self.as_report()}
        path = folder / RUN_SUMMARY_FILE
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(redactor.text(json.dumps(report, indent=2, default=str)) + "\n",
                        encoding="utf-8")
        self.summary_file = path
        return path

    def as_data(self) -> dict[str, Any]:
        """Plain data for another process (an xdist worker's to its controller)."""
        with self.lock:
            return {
                "api_url": self.api_url, "waits": [vars(w) for w in self.waits],
                "scenarios": list(self.scenarios), "retries": list(self.retries),
                "delivery_counts": dict(self.delivery_counts), "ignored": list(self.ignored),
                "deliveries": list(self.deliveries), "cleanup": [vars(r) for r in self.cleanup],
                "recordings": [str(path) for path in self.recordings],
            }

    def merge_data(self, data: dict[str, Any], *, own_mock: bool) -> None:
        """Fold in another process's :meth:`as_data`. ``own_mock``: each process
        ran its own mock (so the first URL seen stands for all)."""
        with self.lock:
            if data["api_url"] and not self.api_url:
                self.api_url = data["api_url"] + (" (each worker has its own mock)" if own_mock else "")
            self.scenarios.extend(data["scenarios"])
            self.waits.extend(WaitRecord(**w) for w in data["waits"])
            self.retries.extend(data["retries"])
            self.cleanup.extend(CleanupResult(**r) for r in data["cleanup"])
            self.recordings.extend(Path(p) for p in data["recordings"])
        self.add_counts(data["delivery_counts"])
        self.add_deliveries(data["deliveries"], data["ignored"])


def summary_lines(log: RunLog, *, target: str, base_url: str, run_id: str,
                  relay_summary: str | None = None) -> Iterator[str]:
    """The "sknpay summary" section: target, waits, and on the sandbox what
    reached the shared endpoint, clean-up and the recording."""
    sandbox = target == "sandbox"
    # Only what is true: on the mock, its URL once it started (the configured
    # base URL is the sandbox's and means nothing there).
    shown_url = log.api_url or (base_url if sandbox else "none (the embedded mock did not start)")
    yield f"target: {target}   base URL: {shown_url}"
    if sandbox:
        yield f"run id: {run_id} (in the metadata of every payment this run created)"
    yield f"scenarios run: {len(log.scenarios)}"
    for w in log.waits:
        yield (f"  webhook {w.event_type} for {w.payment_id}: {w.latency_ms:.1f} ms "
               f"after the request was sent ({w.deliveries} deliveries)  [{w.nodeid}]")
    if log.retries:
        yield f"retried attempts: {len(log.retries)}"
        yield from (f"  {line}" for line in log.retries)
    c = log.delivery_counts
    if c and any(c.values()):
        unforwarded = (f", {c['unforwarded']} could not be forwarded (worker gone)"
                       if c.get("unforwarded") else "")
        yield (f"webhook deliveries: {c.get('accepted', 0)} accepted, {c.get('duplicate', 0)} "
               f"duplicate, {c.get('ignored', 0)} ignored (other payments), "
               f"{c.get('rejected', 0)} rejected{unforwarded}")
        yield from (f"  ignored {line}" for line in log.ignored[:IGNORED_SHOWN])
        if len(log.ignored) > IGNORED_SHOWN:
            yield f"  ... and {len(log.ignored) - IGNORED_SHOWN} more ignored"
    if relay_summary:
        yield relay_summary
    if log.cleanup:
        failed = sum(not r.ok for r in log.cleanup)
        canceled = sum(r.outcome == "canceled" for r in log.cleanup)
        # "already <status>": paid on the hosted page, say, which the client never saw.
        already = len(log.cleanup) - canceled - failed
        yield (f"clean-up: {len(log.cleanup)} payment(s) left open by this run, {canceled} "
               f"canceled, " + (f"{already} already terminal, " if already else "")
               + f"{failed} failed")
        yield from (f"  {r.payment_id} [{r.test or '?'}]: {r.outcome}" for r in log.cleanup)
    yield from (f"recording: {path}" for path in log.recordings)
    if log.summary_file is not None:
        yield f"run summary: {log.summary_file}"
