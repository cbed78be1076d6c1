"""Fixtures for the mock's own tests: the ``sknpay-mock`` command as a subprocess."""

from __future__ import annotations

import os
import queue
import signal
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

READY = "sknpay-mock listening on "


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


def start_mock(args: list[str], tmp_path: Path, env: dict[str, str] | None = None,
               timeout: float = 15.0) -> MockProcess:
    log_path = tmp_path / f"mock-{len(list(tmp_path.glob('mock-*.log')))}.log"
    stderr = log_path.open("w", encoding="utf-8")
    process = subprocess.Popen(
        [sys.executable, "-m", "sknpay_harness.mock", "--port", "0", *args],
        stdout=subprocess.PIPE, stderr=stderr, text=True,
        env={**os.environ, **(env or {})},
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
def mock_process(tmp_path: Path) -> Iterator[Callable[..., MockProcess]]:
    """function · factory(args, env=None) -> MockProcess · the CLI as a subprocess,
    stopped (SIGTERM) at teardown."""
    started: list[MockProcess] = []

    def start(args: list[str], env: dict[str, str] | None = None) -> MockProcess:
        started.append(start_mock(args, tmp_path, env))
        return started[-1]

    yield start
    for mock in started:
        if mock.process.poll() is None:
            mock.stop()
