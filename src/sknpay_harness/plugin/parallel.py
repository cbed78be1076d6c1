"""pytest-xdist support: each worker runs its own listener and mock (session
fixtures on free ports), and the controller merges what they report.

Nothing here imports xdist; it only reads the attributes xdist sets
(``config.workerinput`` on a worker, ``node.workeroutput`` on the controller).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from ..contract import UnknownField
from ..ledger import CleanupResult
from .state import DELIVERIES_KEPT, RunLog, WaitRecord, contract_key, run_log_key

_OUTPUT_KEY = "sknpay_run_log"


def is_worker(config: pytest.Config) -> bool:
    return hasattr(config, "workerinput")


def configure_worker(config: pytest.Config) -> None:
    """Only the controller may clean the allure results folder: a worker that
    cleaned it on start-up would delete results another worker already wrote."""
    if is_worker(config) and hasattr(config.option, "clean_alluredir"):
        config.option.clean_alluredir = False


def send_to_controller(config: pytest.Config) -> None:
    """On a worker, at session end: hand the run log and drift to the controller
    (plain data: xdist sends it over execnet)."""
    if not is_worker(config) or run_log_key not in config.stash:
        return
    log = config.stash[run_log_key]
    with log.lock:
        output = {
            "api_url": log.api_url, "waits": [vars(w) for w in log.waits],
            "scenarios": list(log.scenarios), "retries": list(log.retries),
            "delivery_counts": dict(log.delivery_counts), "ignored": list(log.ignored),
            "deliveries": list(log.deliveries), "cleanup": [vars(r) for r in log.cleanup],
            "recordings": [str(path) for path in log.recordings],
        }
    output["drift"] = [vars(u) for u in config.stash[contract_key].drift.values()]
    config.workeroutput[_OUTPUT_KEY] = output  # type: ignore[attr-defined]


def merge_from_worker(config: pytest.Config, node: Any) -> None:
    """On the controller, when a worker finishes: fold its log into ours."""
    data = getattr(node, "workeroutput", {}).get(_OUTPUT_KEY)
    if not data or run_log_key not in config.stash:
        return
    log: RunLog = config.stash[run_log_key]
    with log.lock:
        if data["api_url"] and not log.api_url:
            log.api_url = f"{data['api_url']} (each worker has its own mock)"
        log.scenarios.extend(data["scenarios"])
        log.waits.extend(WaitRecord(**w) for w in data["waits"])
        log.retries.extend(data["retries"])
        for outcome, count in data["delivery_counts"].items():
            log.delivery_counts[outcome] = log.delivery_counts.get(outcome, 0) + count
        log.ignored.extend(data["ignored"])
        log.deliveries.extend(data["deliveries"][:max(0, DELIVERIES_KEPT - len(log.deliveries))])
        log.cleanup.extend(CleanupResult(**r) for r in data["cleanup"])
        log.recordings.extend(Path(p) for p in data["recordings"])
    config.stash[contract_key].merge_drift(UnknownField(**u) for u in data["drift"])
