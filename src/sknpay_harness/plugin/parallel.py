"""pytest-xdist support: each worker runs its own listener and mock (session
fixtures on free ports), and the controller merges what they report.

With a fixed webhook port the controller's relay holds it and forwards to the
workers (plugin/binding.py); the controller tells each worker where the relay
is, and the run id every payment of the run carries, through ``workerinput``.

Nothing here imports xdist; it only reads the attributes xdist sets
(``config.workerinput`` on a worker, ``node.workerinput``/``node.workeroutput``
on the controller).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from ..contract import UnknownField
from ..ledger import CleanupResult
from ..listener import IGNORED
from ..relay import WebhookRelay
from ..settings import Settings
from .state import DELIVERIES_KEPT, RunLog, WaitRecord, contract_key, run_log_key, settings_key

_OUTPUT_KEY = "sknpay_run_log"
_INPUT_KEY = "sknpay"


@dataclass(frozen=True)
class RelayAddress:
    """Where a worker registers its payments (the controller's relay), and the
    relay's public URL, where SKN Pay delivers for every worker."""

    control_url: str
    token: str
    public_url: str


def is_worker(config: pytest.Config) -> bool:
    return hasattr(config, "workerinput")


def is_controller(config: pytest.Config) -> bool:
    """This process hands the tests to xdist workers and runs none itself.

    As xdist decides it: a --dist mode alone (say, in addopts) with no -n or
    --tx distributes nothing, and this process then runs the tests itself."""
    return (not is_worker(config) and config.pluginmanager.hasplugin("xdist")
            and getattr(config.option, "dist", "no") != "no"
            and bool(getattr(config.option, "tx", None)))


def worker_id(config: pytest.Config) -> str:
    return str(getattr(config, "workerinput", {}).get("workerid", "main"))


def configure_node(node: Any, settings: Settings, relay: WebhookRelay | None) -> None:
    """pytest_configure_node (controller): what every worker needs from us."""
    data: dict[str, Any] = {"run_id": settings.run_id}
    if relay is not None:
        data["relay"] = {"control_url": relay.control_url, "token": relay.token,
                         "public_url": relay.url}
    node.workerinput[_INPUT_KEY] = data


def _from_controller(config: pytest.Config) -> dict[str, Any]:
    data = getattr(config, "workerinput", {}).get(_INPUT_KEY)
    return data if isinstance(data, dict) else {}


def relay_address(config: pytest.Config) -> RelayAddress | None:
    relay = _from_controller(config).get("relay")
    return RelayAddress(relay["control_url"], relay["token"], relay["public_url"]) if relay else None


def worker_settings(config: pytest.Config, settings: Settings) -> Settings:
    """On a worker, the controller's run id unless one was given: one run, one id
    in the metadata of every payment (each worker would make its own)."""
    run_id = _from_controller(config).get("run_id")
    if not run_id or settings.sources.get("run_id", "default") != "default":
        return settings
    return dataclasses.replace(settings, run_id=run_id,
                               sources={**settings.sources, "run_id": "the xdist controller"})


def merge_relay(config: pytest.Config, relay: WebhookRelay) -> None:
    """On the controller, after the relay stopped: what it settled itself (other
    runs' events, unroutable and unforwarded deliveries) joins the workers' counts.
    Each delivery is counted once: by the worker it reached, or here."""
    if run_log_key not in config.stash:
        return
    log: RunLog = config.stash[run_log_key]
    records = relay.records()
    with log.lock:
        for outcome, count in (("ignored", relay.counts.ignored),
                               ("rejected", relay.counts.rejected),
                               ("unforwarded", relay.counts.unforwarded)):
            if count:
                log.delivery_counts[outcome] = log.delivery_counts.get(outcome, 0) + count
        log.ignored.extend(d.line() for d in records if d.outcome == IGNORED)
        room = max(0, DELIVERIES_KEPT - len(log.deliveries))
        log.deliveries.extend(d.as_report() for d in records[:room])


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
            own_mock = _target(config) == "mock"  # the sandbox is one for all
            log.api_url = data["api_url"] + (" (each worker has its own mock)" if own_mock else "")
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


def _target(config: pytest.Config) -> str:
    return config.stash[settings_key].target if settings_key in config.stash else "mock"
