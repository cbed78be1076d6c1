"""Rehearse the sandbox run offline: the suite in sandbox mode against a mock process.

``python -m sknpay_harness.rehearsal [options] [-- pytest args]``

1. picks a fixed free port for the webhook listener (as a tunnel would need),
2. starts ``python -m sknpay_harness.mock`` as its own process, sending every
   event to that port on a path of its choosing (as the dashboard does), with
   webhook delays drawn from a range, duplicate deliveries, unrelated "noise"
   events, and optionally API faults (``--fail-first create=1``),
3. runs pytest (default ``-m smoke``) with ``SKNPAY_TARGET=sandbox`` and
   ``SKNPAY_BASE_URL`` pointing at the mock,
4. stops the mock and exits with pytest's exit code.

The API key and webhook secret are throwaway values made for this rehearsal
(or taken from ``SKNPAY_REHEARSAL_API_KEY`` / ``SKNPAY_REHEARSAL_WEBHOOK_SECRET``)
and reach both processes through the environment only, never argv. The mock's
log goes to ``<reports>/rehearsal-mock.log``; pytest writes its junit and
allure results under ``<reports>``.
"""

from __future__ import annotations

import argparse
import os
import queue
import secrets
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import IO

from .mock.cli import READY_PREFIX

KEY_ENV, SECRET_ENV = "SKNPAY_REHEARSAL_API_KEY", "SKNPAY_REHEARSAL_WEBHOOK_SECRET"
WEBHOOK_PATH = "/sknpay/rehearsal-endpoint"  # any path: the listener takes them all
DEFAULT_PYTEST_ARGS = ("-m", "smoke")
START_TIMEOUT = 20.0
STOP_TIMEOUT = 15.0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m sknpay_harness.rehearsal",
        description="Run the suite in sandbox mode against a separately started mock that "
                    "behaves like the SKN Pay sandbox (late, duplicated and unrelated webhooks).",
        epilog="Anything after -- goes to pytest (default: -m smoke). "
               "Example: python -m sknpay_harness.rehearsal --webhook-delay 5-20 -- -m smoke",
    )
    parser.add_argument("--webhook-delay", default="1-3", metavar="SECONDS|LOW-HIGH",
                        help="mock's delay before each webhook (default: %(default)s)")
    parser.add_argument("--duplicate-rate", default="0.5", metavar="P",
                        help="chance an event is delivered twice (default: %(default)s)")
    parser.add_argument("--noise-rate", default="1", metavar="P",
                        help="chance an event is followed by one for another payment "
                             "(default: %(default)s)")
    parser.add_argument("--fail-first", action="append", default=[], metavar="ROUTE=N[:STATUS]",
                        help="mock answers STATUS (503) to the first N calls of ROUTE "
                             "(repeatable, e.g. create=1 cancel=1)")
    parser.add_argument("--break", dest="breaks", action="append", default=[], metavar="NAME",
                        help="switch on a contract break in the mock (repeatable)")
    parser.add_argument("--seed", default=None, help="seed the mock's randomness")
    parser.add_argument("--webhook-timeout", default=None, metavar="SECONDS",
                        help="SKNPAY_WEBHOOK_TIMEOUT for the run (default: the harness's 60)")
    parser.add_argument("--linger", default=None, metavar="SECONDS",
                        help="SKNPAY_LINGER: keep the listener up after the last test so late "
                             "duplicates and noise reach the summary (default: the longest "
                             "webhook delay + 1)")
    parser.add_argument("--reports", default="reports", metavar="DIR",
                        help="where the mock log, junit.xml and allure-results go "
                             "(default: %(default)s)")
    parser.add_argument("--record", action="store_true",
                        help="also record the run (--sknpay-record) for the fidelity test")
    parser.add_argument("--record-dir", default=None, metavar="DIR",
                        help="where --record writes (default: the harness's fixtures/recordings)")
    return parser


def free_port(host: str = "127.0.0.1") -> int:
    """A port free right now, for the listener (fixed before the mock starts)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def longest_delay(delay: str) -> float:
    """``"2"`` -> 2.0, ``"1-20"`` -> 20.0 (the mock validates the text itself)."""
    try:
        return float(delay.rpartition("-")[2] or delay)
    except ValueError:
        return 0.0


def credentials(env: dict[str, str]) -> tuple[str, str]:
    key = env.get(KEY_ENV) or "sk_test_rehearsal_" + secrets.token_hex(16)
    secret = env.get(SECRET_ENV) or "whsec_rehearsal_" + secrets.token_hex(24)
    if not key.startswith("sk_test_"):
        raise SystemExit(f"{KEY_ENV} must be a sk_test_ key")
    return key, secret


class MockProcess:
    """The mock as a child process; ``url`` once it said it is listening."""

    def __init__(self, argv: list[str], env: dict[str, str], log_path: Path) -> None:
        log_path.parent.mkdir(parents=True, exist_ok=True)
        self._log = log_path.open("w", encoding="utf-8")
        self.process = subprocess.Popen(argv, env=env, stdout=subprocess.PIPE,
                                        stderr=self._log, text=True)
        self.url = self._wait_ready(log_path)

    def _wait_ready(self, log_path: Path) -> str:
        lines: queue.Queue[str] = queue.Queue()
        stdout = self.process.stdout
        assert stdout is not None
        threading.Thread(target=_read_lines, args=(stdout, lines), daemon=True).start()
        try:
            first = lines.get(timeout=START_TIMEOUT)
        except queue.Empty:
            first = ""
        if not first.startswith(READY_PREFIX):
            self.stop()
            log = log_path.read_text(encoding="utf-8")[-2000:]
            raise SystemExit(f"rehearsal: the mock did not start (expected {READY_PREFIX!r}, "
                             f"got {first!r}); its log:\n{log}")
        return first[len(READY_PREFIX):].strip()

    def stop(self) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(STOP_TIMEOUT)
        self._log.close()
        return self.process.returncode


def _read_lines(stream: IO[str], lines: queue.Queue[str]) -> None:
    for line in stream:
        lines.put(line)


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    pytest_args = list(DEFAULT_PYTEST_ARGS)
    if "--" in argv:
        split = argv.index("--")
        argv, pytest_args = argv[:split], argv[split + 1:]
    args = build_parser().parse_args(argv)
    reports = Path(args.reports)
    env = dict(os.environ)
    key, secret = credentials(env)
    port = free_port()
    hook_url = f"http://127.0.0.1:{port}{WEBHOOK_PATH}"

    mock_env = {**env, "SKNPAY_WEBHOOK_SECRET": secret, "SKNPAY_MOCK_API_KEYS": key}
    mock_argv = [sys.executable, "-m", "sknpay_harness.mock", "--port", "0",
                 "--webhook-url", hook_url, "--webhook-delay", args.webhook_delay,
                 "--duplicate-rate", args.duplicate_rate, "--noise-rate", args.noise_rate]
    for rule in args.fail_first:
        mock_argv += ["--fail-first", rule]
    for name in args.breaks:
        mock_argv += ["--break", name]
    if args.seed is not None:
        mock_argv += ["--seed", args.seed]
    mock = MockProcess(mock_argv, mock_env, reports / "rehearsal-mock.log")
    print(f"rehearsal: mock process at {mock.url} (pid {mock.process.pid}); webhooks to "
          f"{hook_url}; delay {args.webhook_delay} s, duplicates {args.duplicate_rate}, "
          f"noise {args.noise_rate}, faults {', '.join(args.fail_first) or 'none'}", flush=True)

    run_env = {k: v for k, v in env.items() if not k.startswith("SKNPAY_")}
    run_env.update({
        "SKNPAY_TARGET": "sandbox", "SKNPAY_BASE_URL": mock.url + "/api/v1",
        "SKNPAY_API_KEY": key, "SKNPAY_WEBHOOK_SECRET": secret,
        "SKNPAY_WEBHOOK_PORT": str(port),
    })
    if args.webhook_timeout:
        run_env["SKNPAY_WEBHOOK_TIMEOUT"] = args.webhook_timeout
    run_env["SKNPAY_LINGER"] = args.linger or f"{longest_delay(args.webhook_delay) + 1:g}"
    run_argv = [sys.executable, "-m", "pytest", f"--junitxml={reports / 'junit.xml'}",
                f"--alluredir={reports / 'allure-results'}"]
    if args.record:
        run_argv.append("--sknpay-record")
        if args.record_dir:
            run_argv.append(f"--sknpay-record-dir={args.record_dir}")
    try:
        code = subprocess.call(run_argv + pytest_args, env=run_env)
    finally:
        mock.stop()
    print(f"rehearsal: pytest exited {code}; mock log: {reports / 'rehearsal-mock.log'}",
          flush=True)
    return code


if __name__ == "__main__":
    raise SystemExit(main())
