"""Run-level hooks: settings, binding the webhook port, header, per-test timeouts,
terminal summary."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from ..contract import Contract
from ..runlog import RunLog, summary_lines
from . import binding, parallel
from .options import settings_from_config
from .state import contract_key, reporter_of, run_log_key, settings_key

# The per-test timeout (pytest-timeout) sits this far above the webhook wait,
# so a wait fails with its own message first; the timeout is only a backstop.
TIMEOUT_GRACE_SECONDS = 30.0
# Registered by the plugin, so a project using the harness gets them (and
# --strict-markers passes) without listing them in its own ini.
MARKERS = (
    "scenario: an end-to-end SKN Pay scenario (create, cancel, webhook, hosted page)",
    "mock_only(reason=None): needs control of the embedded mock; skipped against the "
    "sandbox, saying why (the reason given, if any)",
    "smoke: the minimal sandbox smoke check",
    "sknpay_feature(name): needs a feature SKN Pay's docs do not pin (three_d_secure, expiry); "
    "on a live target it runs only if --sknpay-sandbox-features lists it",
)


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    # A sandbox run without key, secret or port stops here, with one message
    # listing all of them (settings.resolve): it never skips everything and passes.
    for marker in MARKERS:
        config.addinivalue_line("markers", marker)
    settings = parallel.worker_settings(config, settings_from_config(config))
    if settings.record and settings.target != "sandbox":
        raise pytest.UsageError("sknpay: --sknpay-record records the sandbox; it needs "
                                "--sknpay-target sandbox (SKNPAY_TARGET=sandbox)")
    config.stash[settings_key] = settings
    config.stash[run_log_key] = RunLog()
    config.stash[contract_key] = Contract(strict=settings.strict_contract)
    parallel.configure_worker(config)
    # Last: a port in use or a foreign host stops the run here, before any test
    # (exit 4, one short message), and nothing else is left running.
    binding.bind_up_front(config, settings)


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node: Any) -> None:
    """pytest-xdist (controller): tell a worker the run id and where the relay is."""
    config = node.config
    parallel.configure_node(node, config.stash[settings_key],
                            config.stash.get(binding.relay_key, None))


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: Any, error: object) -> None:
    """pytest-xdist (controller): a worker finished; merge its run log and drift."""
    parallel.merge_from_worker(node.config, node)


def pytest_report_header(config: pytest.Config) -> list[str]:
    return config.stash[settings_key].header_lines(relay=binding.relay_key in config.stash)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    settings = config.stash[settings_key]
    backstop = settings.webhook_timeout + TIMEOUT_GRACE_SECONDS
    for item in items:
        mock_only = item.get_closest_marker("mock_only")
        if settings.target != "mock" and mock_only is not None:
            why = mock_only.kwargs.get("reason") or "needs the embedded mock's controls"
            item.add_marker(pytest.mark.skip(
                reason=f"mock_only: {why}; target is {settings.target}"))
        feature = item.get_closest_marker("sknpay_feature")
        why = settings.feature_unavailable(feature.args[0], parallel.is_worker(config)) \
            if feature is not None else None
        if why is not None:
            item.add_marker(pytest.mark.skip(reason=why))
        waits = "sknpay_webhooks" in getattr(item, "fixturenames", ())
        if waits and item.get_closest_marker("timeout") is None:
            item.add_marker(pytest.mark.timeout(backstop))


def pytest_runtest_setup(item: pytest.Item) -> None:
    if item.get_closest_marker("scenario") is not None:
        item.config.stash[run_log_key].add_scenario(item.nodeid)


def pytest_sessionfinish(session: pytest.Session) -> None:
    if parallel.is_worker(session.config):
        parallel.send_to_controller(session.config)  # the controller reports for all
        return
    relay = binding.finish(session.config)  # every worker is done: the relay's counts are final
    if relay is not None:
        parallel.merge_relay(session.config, relay)
    _report_drift(session)
    _write_run_summary(session)


def _write_run_summary(session: pytest.Session) -> None:
    """On the sandbox target, the run summary next to junit.xml (``sknpay-run.json``)."""
    config = session.config
    xmlpath = getattr(config.option, "xmlpath", None)
    if settings_key not in config.stash or not xmlpath or parallel.is_worker(config):
        return
    settings = config.stash[settings_key]
    if settings.target == "sandbox":
        config.stash[run_log_key].write_summary(Path(xmlpath).parent, settings.run_id,
                                                reporter_of(config).redactor)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    config = terminalreporter.config
    if settings_key not in config.stash:
        return
    settings, log = config.stash[settings_key], config.stash[run_log_key]
    contract = config.stash[contract_key]
    if not log.scenarios and not log.waits and not contract.drift and settings.target != "sandbox":
        return
    terminalreporter.section("sknpay summary")
    relay = config.stash.get(binding.relay_key, None)
    for line in summary_lines(log, target=settings.target, base_url=settings.base_url,
                              run_id=settings.run_id,
                              relay_summary=relay.summary() if relay is not None else None):
        terminalreporter.write_line(line)
    for line in contract.drift_lines():
        terminalreporter.write_line(line)


def _report_drift(session: pytest.Session) -> None:
    """Attach contract drift to allure once per run (on the controller, after
    the workers' drift was merged in)."""
    config = session.config
    if contract_key not in config.stash:
        return
    lines = config.stash[contract_key].drift_lines()
    if lines:
        reporter_of(config).attach_run_text("contract drift", "\n".join(lines))
