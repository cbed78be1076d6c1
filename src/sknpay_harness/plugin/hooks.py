"""Run-level hooks: settings, header, per-test timeouts, terminal summary."""

from __future__ import annotations

import pytest

from ..contract import Contract
from . import parallel
from .options import settings_from_config
from .state import RunLog, contract_key, run_log_key, settings_key

# The per-test timeout (pytest-timeout) sits this far above the webhook wait,
# so a wait fails with its own message first; the timeout is only a backstop.
TIMEOUT_GRACE_SECONDS = 30.0


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    settings = settings_from_config(config)
    if settings.target == "sandbox":
        raise pytest.UsageError(
            "sknpay: --sknpay-target sandbox is not yet supported; use the embedded mock "
            "(--sknpay-target mock, the default)."
        )
    config.stash[settings_key] = settings
    config.stash[run_log_key] = RunLog()
    config.stash[contract_key] = Contract(strict=settings.strict_contract)
    parallel.configure_worker(config)


def pytest_sessionfinish(session: pytest.Session) -> None:
    parallel.send_to_controller(session.config)  # under pytest-xdist, on a worker


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: object, error: object) -> None:
    """pytest-xdist (controller): a worker finished; merge its run log."""
    parallel.merge_from_worker(node.config, node)  # type: ignore[attr-defined]


def pytest_report_header(config: pytest.Config) -> list[str]:
    s = config.stash[settings_key]
    breaks = ",".join(s.mock_breaks) or "none"
    return [
        f"sknpay: target={s.target} webhook_timeout={s.webhook_timeout:g}s "
        f"request_timeout={s.request_timeout:g}s strict_contract={s.strict_contract} "
        f"mock_breaks={breaks}"
    ]


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    backstop = config.stash[settings_key].webhook_timeout + TIMEOUT_GRACE_SECONDS
    for item in items:
        waits = "sknpay_webhooks" in getattr(item, "fixturenames", ())
        if waits and item.get_closest_marker("timeout") is None:
            item.add_marker(pytest.mark.timeout(backstop))


def pytest_runtest_setup(item: pytest.Item) -> None:
    if item.get_closest_marker("scenario") is not None:
        log = item.config.stash[run_log_key]
        with log.lock:
            log.scenarios.append(item.nodeid)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    config = terminalreporter.config
    if settings_key not in config.stash:
        return
    settings, log = config.stash[settings_key], config.stash[run_log_key]
    contract = config.stash[contract_key]
    if not log.scenarios and not log.waits and not contract.drift:
        return
    write = terminalreporter.write_line
    terminalreporter.section("sknpay summary")
    write(f"target: {settings.target}   base URL: {log.api_url or settings.base_url}")
    write(f"scenarios run: {len(log.scenarios)}")
    for w in log.waits:
        write(f"  webhook {w.event_type} for {w.payment_id}: {w.latency_ms:.1f} ms "
              f"after the request was sent ({w.deliveries} deliveries)  [{w.nodeid}]")
    drift = contract.drift_by_owner()
    if drift:
        mode = "FAILING (strict)" if contract.strict else "allowed; --sknpay-strict-contract fails on it"
        write(f"contract drift: fields the schemas do not know ({mode}):")
        for owner, fields in sorted(drift.items()):
            shown = ", ".join(sorted(f"{f.path} ({f.value_type})" for f in fields))
            write(f"  {owner}: {shown}")
