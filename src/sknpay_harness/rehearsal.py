"""Rehearse the sandbox run offline: the suite in sandbox mode against a mock process.

``python -m sknpay_harness.rehearsal [--profile NAME] [options] [-- pytest args]``

1. picks a fixed free port for the webhook listener (as a tunnel would need),
2. starts ``python -m sknpay_harness.mock`` as its own process, sending every
   event to that port on a path of its choosing (as the dashboard does), with
   the profile's webhook delays, duplicate deliveries, unrelated "noise"
   events, API faults (``--fail-first create=1``) and unknown extra fields,
3. runs pytest with ``SKNPAY_TARGET=sandbox`` and ``SKNPAY_BASE_URL`` pointing
   at the mock (the profile's pytest arguments, or those after ``--``),
4. stops the mock and exits with pytest's exit code.

Profiles (``--profile``) name a behaviour, so CI and the docs say one thing:

- ``smoke`` (default): ``-m smoke`` with late (1-3 s), duplicated and
  unrelated webhooks;
- ``sandbox-like``: the **whole suite** (the plugin skips ``mock_only``
  tests on the sandbox target) against a mock that behaves like the sandbox
  is expected to: webhook delays of seconds, duplicate deliveries, other
  payments' events, a 503 on the first create and the first cancel, and an
  unknown extra field in every payment, event and error body (reported as
  contract drift). What CI runs.

Any option given on the command line overrides the profile's value.

The API key and webhook secret are throwaway values made for this rehearsal
(or taken from ``SKNPAY_REHEARSAL_API_KEY`` / ``SKNPAY_REHEARSAL_WEBHOOK_SECRET``)
and reach both processes through the environment only, never argv. The mock's
log goes to ``<reports>/rehearsal-mock.log``; pytest writes its junit and
allure results and the run summary under ``<reports>`` (by default
``reports/rehearsal-<profile>/``, so a rehearsal never overwrites the reports
of a plain run).
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
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from .mock.cli import READY_PREFIX

KEY_ENV, SECRET_ENV = "SKNPAY_REHEARSAL_API_KEY", "SKNPAY_REHEARSAL_WEBHOOK_SECRET"
WEBHOOK_PATH = "/sknpay/rehearsal-endpoint"  # any path: the listener takes them all
START_TIMEOUT = 20.0
STOP_TIMEOUT = 15.0


@dataclass(frozen=True)
class Profile:
    """A named rehearsal: how the mock behaves and what pytest runs."""

    description: str
    webhook_delay: str
    duplicate_rate: str
    noise_rate: str
    fail_first: tuple[str, ...] = ()
    extra_fields: tuple[str, ...] = ()
    quiet_period: str | None = None  # SKNPAY_QUIET_PERIOD; None: the harness's default (5 s)
    # SKNPAY_SANDBOX_FEATURES: what the docs do not pin that the mock process
    # offers all the same (its assumed 3-D Secure card, its clock control).
    sandbox_features: str = ""
    pytest_args: tuple[str, ...] = field(default=("-m", "smoke"))


PROFILES: dict[str, Profile] = {
    "smoke": Profile(
        description="-m smoke; webhooks 1-3 s late, duplicated, and other payments' events",
        webhook_delay="1-3", duplicate_rate="0.5", noise_rate="1",
    ),
    "sandbox-like": Profile(
        description="the whole suite; webhooks 1-3 s late, duplicated, other payments' events, "
                    "a 503 on the first create and cancel, an unknown field in every object",
        # "Within ~1 minute" on the real sandbox; seconds here keep CI short while
        # still making every wait a real wait (docs/sandbox.md has the figures).
        webhook_delay="1-3", duplicate_rate="0.5", noise_rate="1",
        fail_first=("create=1", "cancel=1"),
        extra_fields=("rehearsal_extra=\"unknown to the schemas\"",),
        # At least the longest delay: a second event fired with the first would
        # arrive within it. Only the "no second event" checks pay it.
        quiet_period="3",
        sandbox_features="three_d_secure,expiry",
        pytest_args=(),
    ),
}
DEFAULT_PROFILE = "smoke"


def build_parser() -> argparse.ArgumentParser:
    profiles = "\n".join(f"  {name:<13} {p.description}" for name, p in PROFILES.items())
    parser = argparse.ArgumentParser(
        prog="python -m sknpay_harness.rehearsal",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Run the suite in sandbox mode against a separately started mock that "
                    "behaves like the SKN Pay sandbox (late, duplicated and unrelated webhooks).",
        epilog="profiles (--profile):\n" + profiles + "\n\n"
               "Anything after -- goes to pytest instead of the profile's arguments.\n"
               "Example: python -m sknpay_harness.rehearsal --profile sandbox-like -- -x",
    )
    parser.add_argument("--sandbox-features", default=None, metavar="NAMES",
                        help="SKNPAY_SANDBOX_FEATURES for the run: features the docs do not pin "
                             "that the mock offers (three_d_secure, expiry; default: the "
                             "profile's)")
    parser.add_argument("--profile", choices=sorted(PROFILES), default=DEFAULT_PROFILE,
                        help="the named behaviour to rehearse (default: %(default)s)")
    parser.add_argument("--webhook-delay", default=None, metavar="SECONDS|LOW-HIGH",
                        help="mock's delay before each webhook (default: the profile's)")
    parser.add_argument("--duplicate-rate", default=None, metavar="P",
                        help="chance an event is delivered twice (default: the profile's)")
    parser.add_argument("--noise-rate", default=None, metavar="P",
                        help="chance an event is followed by one for another payment "
                             "(default: the profile's)")
    parser.add_argument("--fail-first", action="append", default=None, metavar="ROUTE=N[:STATUS]",
                        help="mock answers STATUS (503) to the first N calls of ROUTE "
                             "(repeatable, e.g. create=1 cancel=1; replaces the profile's)")
    parser.add_argument("--extra-field", dest="extra_fields", action="append", default=None,
                        metavar="NAME[=JSON]",
                        help="mock adds this unknown field to every payment, event and error "
                             "(repeatable; replaces the profile's)")
    parser.add_argument("--break", dest="breaks", action="append", default=[], metavar="NAME",
                        help="switch on a contract break in the mock (repeatable)")
    parser.add_argument("--seed", default=None, help="seed the mock's randomness")
    parser.add_argument("--webhook-timeout", default=None, metavar="SECONDS",
                        help="SKNPAY_WEBHOOK_TIMEOUT for the run (default: the harness's 60)")
    parser.add_argument("--quiet-period", default=None, metavar="SECONDS",
                        help="SKNPAY_QUIET_PERIOD: how long 'no second event' is watched for "
                             "(default: the profile's, else the harness's 5)")
    parser.add_argument("--linger", default=None, metavar="SECONDS",
                        help="SKNPAY_LINGER: keep the listener up after the last test so late "
                             "duplicates and noise reach the summary (default: the longest "
                             "webhook delay + 1)")
    parser.add_argument("--reports", default=None, metavar="DIR",
                        help="where the mock log, junit.xml, allure-results and the run summary "
                             "go (default: reports/rehearsal-<profile>)")
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


@dataclass
class Plan:
    """Everything one rehearsal runs, worked out before anything starts."""

    profile: str
    mock_argv: list[str]
    pytest_argv: list[str]
    reports: Path
    settings: dict[str, str]  # SKNPAY_* for the pytest run, but the key and secret
    summary: str


def plan(argv: Sequence[str]) -> Plan:
    """The mock's and pytest's command lines for ``argv`` (options, then ``--``
    and pytest's arguments), with the profile's values where no option is given."""
    argv = list(argv)
    pytest_args: list[str] | None = None
    if "--" in argv:
        split = argv.index("--")
        argv, pytest_args = argv[:split], argv[split + 1:]
    args = build_parser().parse_args(argv)
    profile = PROFILES[args.profile]
    delay = args.webhook_delay or profile.webhook_delay
    duplicates = args.duplicate_rate or profile.duplicate_rate
    noise = args.noise_rate or profile.noise_rate
    fail_first = list(profile.fail_first if args.fail_first is None else args.fail_first)
    extra_fields = list(profile.extra_fields if args.extra_fields is None else args.extra_fields)
    reports = Path(args.reports or f"reports/rehearsal-{args.profile}")

    mock_argv = [sys.executable, "-m", "sknpay_harness.mock", "--port", "0",
                 "--webhook-delay", delay, "--duplicate-rate", duplicates, "--noise-rate", noise]
    for rule in fail_first:
        mock_argv += ["--fail-first", rule]
    for extra in extra_fields:
        mock_argv += ["--extra-field", extra]
    for name in args.breaks:
        mock_argv += ["--break", name]
    if args.seed is not None:
        mock_argv += ["--seed", args.seed]

    settings = {"SKNPAY_TARGET": "sandbox",
                "SKNPAY_LINGER": args.linger or f"{longest_delay(delay) + 1:g}"}
    if args.webhook_timeout:
        settings["SKNPAY_WEBHOOK_TIMEOUT"] = args.webhook_timeout
    quiet = args.quiet_period or profile.quiet_period
    if quiet:
        settings["SKNPAY_QUIET_PERIOD"] = quiet
    features = profile.sandbox_features if args.sandbox_features is None else args.sandbox_features
    if features:
        settings["SKNPAY_SANDBOX_FEATURES"] = features
    pytest_argv = [sys.executable, "-m", "pytest", f"--junitxml={reports / 'junit.xml'}",
                   f"--alluredir={reports / 'allure-results'}"]
    if args.record:
        pytest_argv.append("--sknpay-record")
        if args.record_dir:
            pytest_argv.append(f"--sknpay-record-dir={args.record_dir}")
    chosen = list(profile.pytest_args if pytest_args is None else pytest_args)
    pytest_argv += chosen
    summary = (f"profile {args.profile}; delay {delay} s, duplicates {duplicates}, noise {noise}, "
               f"faults {', '.join(fail_first) or 'none'}, extra fields "
               f"{', '.join(e.partition('=')[0] for e in extra_fields) or 'none'}, quiet period "
               f"{quiet or 'default'} s, features {features or 'none'}; "
               f"pytest {' '.join(chosen) or '(the whole suite)'}")
    return Plan(args.profile, mock_argv, pytest_argv, reports, settings, summary)


def main(argv: Sequence[str] | None = None) -> int:
    run = plan(sys.argv[1:] if argv is None else argv)
    env = dict(os.environ)
    key, secret = credentials(env)
    port = free_port()
    hook_url = f"http://127.0.0.1:{port}{WEBHOOK_PATH}"

    mock_env = {k: v for k, v in env.items() if not k.startswith("SKNPAY_")}
    mock_env.update({"SKNPAY_WEBHOOK_SECRET": secret, "SKNPAY_MOCK_API_KEYS": key})
    mock = MockProcess([*run.mock_argv, "--webhook-url", hook_url], mock_env,
                       run.reports / "rehearsal-mock.log")
    print(f"rehearsal: mock process at {mock.url} (pid {mock.process.pid}); webhooks to "
          f"{hook_url}; {run.summary}", flush=True)

    # Built from scratch: none of the caller's own SKNPAY_* settings reach the run.
    run_env = {k: v for k, v in env.items() if not k.startswith("SKNPAY_")}
    run_env.update(run.settings)
    run_env.update({"SKNPAY_BASE_URL": mock.url + "/api/v1", "SKNPAY_API_KEY": key,
                    "SKNPAY_WEBHOOK_SECRET": secret, "SKNPAY_WEBHOOK_PORT": str(port)})
    try:
        code = subprocess.call(run.pytest_argv, env=run_env)
    finally:
        mock.stop()
    print(f"rehearsal: pytest exited {code}; mock log: {run.reports / 'rehearsal-mock.log'}",
          flush=True)
    return code


if __name__ == "__main__":
    raise SystemExit(main())
