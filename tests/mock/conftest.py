"""Fixtures for the mock's own tests: the ``sknpay-mock`` command as a subprocess."""

from __future__ import annotations

import queue
import signal
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from sknpay_harness.backoff import Backoff
from sknpay_harness.mock.outbox import DeliveryAttempts

READY = "sknpay-mock listening on "
# A refused delivery is tried 3 times within ~0.25 s: a failing test shows soon.
QUICK_ATTEMPTS = DeliveryAttempts(3, Backoff(0.05, 2.0, 0.2))


@dataclass
class MockProcess:
    """A running ``python -m sknpay_harness.mock``; stderr goes to ``log_path``."""

    process: subprocess.Popen[str]
    url: str
    log_path: Path
    stdout_lines: list[str] = field(default_factory=list)

    @property
    def api_url(self) -> str:
        return self.url + "/api/v1"

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8")

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 10.0) -> int:
        if self.process.poll() is None:
            self.process.send_signal(sig)
        out, _ = self.process.communicate(timeout=timeout)  # also closes the pipe
        self.stdout_lines += out.splitlines()
        return self.process.returncode


def start_mock(args: list[str], tmp_path: Path, env: dict[str, str],
               timeout: float = 15.0, command: list[str] | None = None) -> MockProcess:
    """``command`` (default ``python -m sknpay_harness.mock``) with ``--port 0`` and ``args``.
    ``env``: the whole environment (build it with the ``child_env`` fixture, so
    the outer run's SKNPAY_WEBHOOK_SECRET or SKNPAY_MOCK_API_KEYS never reach it)."""
    log_path = tmp_path / f"mock-{len(list(tmp_path.glob('mock-*.log')))}.log"
    stderr = log_path.open("w", encoding="utf-8")
    process = subprocess.Popen(
        [*(command or [sys.executable, "-m", "sknpay_harness.mock"]), "--port", "0", *args],
        stdout=subprocess.PIPE, stderr=stderr, text=True, env=env,
    )
    stderr.close()
    lines: queue.Queue[str] = queue.Queue()
    assert process.stdout is not None
    stdout = process.stdout
    # readline blocks; a thread hands the first line over so we can wait with a deadline.
    threading.Thread(target=lambda: lines.put(stdout.readline()), daemon=True).start()
    try:
        first = lines.get(timeout=timeout)
    except queue.Empty:
        process.kill()
        process.communicate()
        raise AssertionError(f"sknpay-mock printed no ready line within {timeout} s; "
                             f"its log:\n{log_path.read_text()}") from None
    if not first.startswith(READY):
        process.kill()
        process.communicate()
        raise AssertionError(f"expected a line starting {READY!r}, got {first!r}; "
                             f"exit {process.returncode}; log:\n{log_path.read_text()}")
    return MockProcess(process, first[len(READY):].strip(), log_path, [first.rstrip("\n")])


@pytest.fixture
def mock_process(tmp_path: Path, child_env: Callable[..., dict[str, str]]
                 ) -> Iterator[Callable[..., MockProcess]]:
    """function · factory(args, env=None, command=None) -> MockProcess · the CLI as a
    subprocess, with none of the outer run's SKNPAY_* variables but ``env``; stopped
    (SIGTERM) at teardown."""
    started: list[MockProcess] = []

    def start(args: list[str], env: dict[str, str] | None = None,
              command: list[str] | None = None) -> MockProcess:
        started.append(start_mock(args, tmp_path, child_env(env), command=command))
        return started[-1]

    yield start
    for mock in started:
        if mock.process.poll() is None:
            mock.stop()


@dataclass
class MockStack:
    """An in-process mock served on a loopback port, sending to a listener."""

    mock: Any  # RunningMock
    inbox: Any
    key: str

    @property
    def server(self) -> Any:
        return self.mock.server

    @property
    def app(self) -> Any:
        return self.mock.app

    def client(self, key: str | None = None, **kwargs: Any) -> httpx.Client:
        return httpx.Client(base_url=self.server.api_url,
                            headers={"Authorization": f"Bearer {key or self.key}"}, **kwargs)

    def page(self) -> httpx.Client:
        return httpx.Client(base_url=self.server.url)

    def event(self, event_type: str, payment_id: str, timeout: float = 10.0) -> Any:
        return self.inbox.wait_for(event_type, payment_id, timeout,
                                   give_up=self._idle_reason)

    def _idle_reason(self) -> str | None:
        return "the mock's outbox is idle" if self.app.state.outbox.is_idle() else None


@pytest.fixture
def mock_stack() -> Iterator[MockStack]:
    """function · MockStack · a fresh in-process mock (24 h links, no delay) and a
    listener that accepts every verified event."""
    from sknpay_harness import WebhookInbox, WebhookListener
    from sknpay_harness.mock.build import MockSpec, build_mock

    secret = "whsec_stack_secret"
    inbox = WebhookInbox([secret], track_payments=False)
    listener = WebhookListener(inbox).start()
    mock = build_mock(MockSpec(secret, webhook_endpoints=(listener.url,),
                               delivery_attempts=QUICK_ATTEMPTS))
    mock.outbox.add_idle_listener(inbox.notify)
    mock.start()
    yield MockStack(mock, inbox, "sk_test_stack")
    mock.stop()
    listener.stop()
    listener.check_handler_errors()
