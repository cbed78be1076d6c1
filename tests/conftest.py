"""For this repository's own tests only (users get fixtures from the plugin).

Child runs are isolated from the outer run. A child pytest run (pytester, or
``python -m pytest`` in a subprocess) or a mock started as a subprocess sees
none of the outer run's SKNPAY_* variables: when the suite itself runs in
sandbox mode (the rehearsal exports ``SKNPAY_TARGET=sandbox``, a fixed
``SKNPAY_WEBHOOK_PORT``, a key and a secret) a child that inherited them
would aim at the outer target, bind the outer listener's port and die with
EADDRINUSE. Each child gets only what it needs: :func:`make_child_env` (fixture
``child_env``) builds a subprocess's environment, the ``pytester`` fixture below clears its own.

Child pytest runs also skip the hypothesis, schemathesis and anyio plugins
that the dev extra installs: they are not used there and importing them
costs ~1.4 s per child, which the meta-tests pay dozens of times.

allure-commons keeps its listeners process-wide: during an in-process child
run the outer run's allure is paused, or every step and attachment the
child's harness makes would land in the outer test's report (and cost the
outer run a file each).
"""

from __future__ import annotations

import io
import os
import socket
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import allure_commons
import pytest

from sknpay_harness.mock.build import RunningMock
from sknpay_harness.mock.cli import LineLog, build, build_parser
from sknpay_harness.rehearsal import free_port

CHILD_ADDOPTS = "-p no:hypothesispytest -p no:schemathesis -p no:anyio"
# The outer run's settings (SKNPAY_*) and its pytest/xdist context (PYTEST_ADDOPTS,
# PYTEST_XDIST_WORKER, PYTEST_CURRENT_TEST ...): never passed on to a child.
_OUTER_PREFIXES = ("SKNPAY_", "PYTEST_")
# What a child pytest run gets unless told otherwise: the embedded mock, and a
# listener on a free port (never the outer run's fixed one).
PYTEST_CHILD = {"SKNPAY_TARGET": "mock", "SKNPAY_WEBHOOK_PORT": "0"}


def make_child_env(settings: Mapping[str, str] | None = None, *, pytest_run: bool = False,
                   base: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment for a child process: ``base`` (default ``os.environ``)
    without any SKNPAY_* or PYTEST_* variable, plus :data:`PYTEST_CHILD` for a
    child pytest run (``pytest_run``), plus exactly ``settings`` (e.g. the mock's
    ``SKNPAY_WEBHOOK_SECRET`` for a mock subprocess)."""
    env = {k: v for k, v in (os.environ if base is None else base).items()
           if not k.startswith(_OUTER_PREFIXES)}
    if pytest_run:
        env.update(PYTEST_CHILD)
    env.update(settings or {})
    return env


@pytest.fixture(scope="session", name="child_env")
def _child_env() -> Callable[..., dict[str, str]]:
    """session · callable(settings=None, *, pytest_run=False, base=None) -> dict ·
    :func:`make_child_env`: the environment for a test's subprocess (a child
    pytest run, the mock's CLI), free of the outer run's settings."""
    return make_child_env


@pytest.fixture
def pytester(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> pytest.Pytester:
    """function · Pytester · the builtin, with lean child runs and none of the outer
    run's SKNPAY_* settings (see module doc)."""
    monkeypatch.setenv("PYTEST_ADDOPTS", CHILD_ADDOPTS)
    for name in [n for n in os.environ if n.startswith("SKNPAY_")]:
        monkeypatch.delenv(name)
    inline_run = pytester.inline_run

    def inline_run_without_outer_allure(*args: Any, **kwargs: Any) -> pytest.HookRecorder:
        with _outer_allure_paused():
            return inline_run(*args, **kwargs)

    monkeypatch.setattr(pytester, "inline_run", inline_run_without_outer_allure)
    return pytester


@contextmanager
def _outer_allure_paused() -> Iterator[None]:
    """allure-commons' listeners unregistered, then registered again in the same order."""
    manager = allure_commons.plugin_manager
    plugins = manager.list_name_plugin()  # in registration order, which is hook order
    for _, plugin in plugins:
        manager.unregister(plugin)
    try:
        yield
    finally:
        for plugin in manager.get_plugins():  # whatever the child left behind
            manager.unregister(plugin)
        for name, plugin in plugins:
            manager.register(plugin, name)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Tests marked ``heavy`` first (a stable sort: each module keeps its order).
    xdist hands tests out in collection order, and a 7 s child run collected
    last kept one worker busy long after the other had finished."""
    items.sort(key=lambda item: item.get_closest_marker("heavy") is None)


# Readings noted by tests/contract's ``sknpay_reading`` (its READING prefix).
_READING = "sknpay reading: "


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Sum up which reading of each point the docs leave open the target showed
    (from the tests' junit properties, so it works under xdist too)."""
    seen: dict[str, Counter[str]] = {}
    for reports in terminalreporter.stats.values():
        for report in reports:
            if getattr(report, "when", None) != "call":
                continue
            for name, value in getattr(report, "user_properties", ()):
                if isinstance(name, str) and name.startswith(_READING):
                    seen.setdefault(name.removeprefix(_READING), Counter())[str(value)] += 1
    if not seen:
        return
    terminalreporter.write_sep("-", "where the SKN Pay docs are silent, the target showed")
    for question, answers in sorted(seen.items()):
        shown = ", ".join(f"{answer} ({count} test{'s' * (count != 1)})"
                          for answer, count in answers.most_common())
        terminalreporter.write_line(f"  {question}: {shown}")


@pytest.fixture
def held_port() -> Iterator[int]:
    """function · int · a loopback port another socket is listening on (tests/listener
    and tests/plugin: a port in use)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        yield holder.getsockname()[1]


STAND_IN_KEY = "sk_test_sandboxtests_0123456789"
STAND_IN_SECRET = "whsec_sandboxtests_0123456789"


@dataclass
class SandboxStandIn:
    """The mock as the sandbox's stand-in, and the fixed port it sends webhooks to
    (where a tunnel would deliver)."""

    mock: RunningMock
    listener_port: int
    log: io.StringIO
    webhook_timeout: str = "10"

    @property
    def api_url(self) -> str:
        return self.mock.url + "/api/v1"

    def env(self) -> dict[str, str]:
        return {"SKNPAY_TARGET": "sandbox", "SKNPAY_BASE_URL": self.api_url,
                "SKNPAY_API_KEY": STAND_IN_KEY, "SKNPAY_WEBHOOK_SECRET": STAND_IN_SECRET,
                "SKNPAY_WEBHOOK_PORT": str(self.listener_port),
                "SKNPAY_WEBHOOK_TIMEOUT": self.webhook_timeout}

    def payments(self) -> list[object]:
        return [p for t in self.mock.app.state.store._tenants.values() for p in t.payments.values()]


@pytest.fixture
def sandbox_stand_in() -> Iterator[Callable[..., SandboxStandIn]]:
    """function · factory(*cli_args, webhook_path="/any/path", webhook_timeout="10") ->
    SandboxStandIn · the sknpay-mock server in this process (so a test can count its
    payments), built as the command builds it (its log included), posting to a fixed
    listener port (tests/sandbox and tests/plugin)."""
    started: list[RunningMock] = []

    def start(*cli_args: str, webhook_path: str = "/any/path",
              webhook_timeout: str = "10") -> SandboxStandIn:
        port = free_port()
        args = build_parser().parse_args(
            ["--port", "0", "--webhook-url", f"http://127.0.0.1:{port}{webhook_path}",
             "--webhook-secret", STAND_IN_SECRET, *cli_args])
        log = io.StringIO()
        mock = build(args, LineLog(log), STAND_IN_SECRET, [STAND_IN_KEY]).start()
        started.append(mock)
        return SandboxStandIn(mock, port, log, webhook_timeout)

    yield start
    for mock in started:
        mock.stop()
