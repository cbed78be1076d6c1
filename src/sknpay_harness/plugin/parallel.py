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
from typing import Any

import pytest

from ..contract import UnknownField
from ..inbox import IGNORED
from ..relay import WebhookRelay
from ..runlog import RunLog
from ..settings import Settings
from .state import contract_key, run_log_key, settings_key

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
    """On the controller, after the relay stopped: what it answered itself (other
    runs' events, unroutable and unforwarded deliveries) joins the workers' counts.
    Each delivery is counted once: by the worker it reached, or here."""
    if run_log_key not in config.stash:
        return
    log: RunLog = config.stash[run_log_key]
    records = relay.records()
    log.add_counts({"ignored": relay.counts.ignored, "rejected": relay.counts.rejected,
                    "unforwarded": relay.counts.unforwarded})
    log.add_deliveries([d.as_report() for d in records],
                       [d.line() for d in records if d.outcome == IGNORED])


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
    output = config.stash[run_log_key].as_data()
    output["drift"] = [vars(u) for u in config.stash[contract_key].drift.values()]
    config.workeroutput[_OUTPUT_KEY] = output  # type: ignore[attr-defined]


def merge_from_worker(config: pytest.Config, node: Any) -> None:
    """On the controller, when a worker finishes: fold its log into ours."""
    data = getattr(node, "workeroutput", {}).get(_OUTPUT_KEY)
    if not data or run_log_key not in config.stash:
        return
    own_mock = settings_key not in config.stash or config.stash[settings_key].target == "mock"
    config.stash[run_log_key].merge_data(data, own_mock=own_mock)  # the sandbox is one for all
    config.stash[contract_key].merge_drift(UnknownField(**u) for u in data["drift"])
