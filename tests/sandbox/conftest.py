"""Fixtures for the sandbox-target tests: the mock CLI's server built in-process,
and a pytester run of the scenario in sandbox mode against it."""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from sknpay_harness.mock.cli import LineLog, RunningMock, build, build_parser
from sknpay_harness.rehearsal import free_port

KEY = "sk_test_sandboxtests_0123456789"
SECRET = "whsec_sandboxtests_0123456789"
SCENARIO = Path(__file__).parents[1] / "scenarios" / "test_cancel_before_pay.py"


@dataclass
class SandboxStandIn:
    """The mock as the sandbox's stand-in, and where it sends webhooks."""

    mock: RunningMock
    listener_port: int
    log: io.StringIO

    @property
    def api_url(self) -> str:
        return self.mock.url + "/api/v1"

    def env(self) -> dict[str, str]:
        return {"SKNPAY_TARGET": "sandbox", "SKNPAY_BASE_URL": self.api_url,
                "SKNPAY_API_KEY": KEY, "SKNPAY_WEBHOOK_SECRET": SECRET,
                "SKNPAY_WEBHOOK_PORT": str(self.listener_port),
                "SKNPAY_WEBHOOK_TIMEOUT": "10"}


@pytest.fixture
def sandbox_stand_in() -> Iterator[Callable[..., SandboxStandIn]]:
    """function · factory(*cli_args) -> SandboxStandIn · the sknpay-mock server in this
    process (so a test can count its payments), posting to a fixed listener port."""
    started: list[RunningMock] = []

    def start(*cli_args: str) -> SandboxStandIn:
        port = free_port()
        args = build_parser().parse_args(
            ["--port", "0", "--webhook-url", f"http://127.0.0.1:{port}/any/path",
             "--webhook-secret", SECRET, *cli_args])
        log = io.StringIO()
        mock = build(args, LineLog(log), SECRET, [KEY])
        mock.server.start()
        started.append(mock)
        return SandboxStandIn(mock, port, log)

    yield start
    for mock in started:
        mock.stop()


@pytest.fixture
def sandbox_run(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
                ) -> Callable[..., pytest.RunResult]:
    """function · run(stand_in, *pytest_args, files=None) -> RunResult · the scenario (or
    ``files``) run in sandbox mode against the stand-in, in process."""

    def run(stand_in: SandboxStandIn, *args: str, files: dict[str, str] | None = None
            ) -> pytest.RunResult:
        for name, value in stand_in.env().items():
            monkeypatch.setenv(name, value)
        pytester.makepyfile(**(files or {"test_scenario": SCENARIO.read_text()}))
        return pytester.runpytest_inprocess("-p", "no:cacheprovider", *args)

    return run
