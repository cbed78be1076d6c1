"""Regenerate the PNG screenshots in docs/screenshots/ with headless Chromium.

    python scripts/screenshots.py                  # all five pictures
    python scripts/screenshots.py --only allure    # only the allure ones (or: --only mock)

What it takes, each from a server this script starts on loopback:

- ``front-page.png``: the mock's front page (``sknpay-mock`` started as a
  subprocess, with a webhook target on loopback, a delay and some chaos);
- ``hosted-page-open.png`` and ``hosted-page-canceled.png``: one payment
  link's hosted page while open, and after ``POST /payments/{id}/cancel``;
- ``allure-passed.png`` and ``allure-failed.png``: the allure report's page of
  the cancel-before-pay test case with its steps, from
  ``pytest tests/scenarios/test_cancel_before_pay.py --alluredir=...``, the
  second run with ``--sknpay-mock-breaks=status_cancelled`` (expected to
  fail). Each result is turned into a report by ``allure generate`` and
  served over http (allure reports do not work from file://).

Needs Debian's Chromium (``apt-get update && apt-get install -y chromium``)
and, for the allure pictures, the allure CLI (``npm install -g
allure-commandline``; it runs on Java). The pytest runs get an environment
without the developer's ``SKNPAY_*`` variables, so they always use the
embedded mock. Every step has a bounded wait and fails naming what is
missing; the exit status is 0 only when every picture was written.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import http.server
import json
import os
import queue
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
SCENARIO = "tests/scenarios/test_cancel_before_pay.py"
TEST_NAME = "test_cancel_before_pay"
FAILING_BREAK = "status_cancelled"
API_KEY = "sk_test_screenshots"
WEBHOOK_SECRET = "whsec_screenshots"
READY_PREFIX = "sknpay-mock listening on "
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update",
                  "--disable-sync", "--hide-scrollbars",
                  # Lets allure's scripts finish rendering before the picture is taken.
                  "--virtual-time-budget=5000"]
CHROMIUM_HINT = "apt-get update && apt-get install -y chromium"
ALLURE_HINT = "npm install -g allure-commandline (it needs Java)"
# Seconds each outside step may take before the script gives up on it.
MOCK_START_TIMEOUT = 20.0
CHROMIUM_TIMEOUT = 90.0
PYTEST_TIMEOUT = 300.0
ALLURE_TIMEOUT = 180.0
SMALLEST_PICTURE = 8_000  # bytes; a blank page is a few hundred


class ScreenshotError(Exception):
    """A step failed; the message says which and what to do."""


# -- tools ---------------------------------------------------------------------------------
def find_tool(given: str | None, names: tuple[str, ...], hint: str) -> str:
    for candidate in ([given] if given else list(names)):
        found = shutil.which(candidate)
        if found:
            return found
    wanted = given or " or ".join(names)
    raise ScreenshotError(f"{wanted} not found on PATH; install it: {hint}")


def run(command: list[str], timeout: float, what: str, **kwargs: Any) -> subprocess.CompletedProcess[str]:
    try:
        return subprocess.run(command, capture_output=True, text=True, timeout=timeout,
                              check=False, **kwargs)
    except subprocess.TimeoutExpired:
        raise ScreenshotError(f"{what} did not finish within {timeout:g} s: "
                              f"{' '.join(command)}") from None


def chromium_run(chromium: str, url: str, *flags: str) -> subprocess.CompletedProcess[str]:
    """Chromium on ``url`` in a fresh profile (no state carried from run to run)."""
    with tempfile.TemporaryDirectory(prefix="sknpay-chromium-") as profile:
        return run([chromium, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", *flags, url],
                   CHROMIUM_TIMEOUT, "chromium")


def screenshot(chromium: str, url: str, picture: Path, size: tuple[int, int],
               shows: tuple[str, ...]) -> None:
    """One picture of ``url``, once its rendered page contains every text in ``shows``
    (so an error page or an unrendered report is not saved as the picture)."""
    dom = chromium_run(chromium, url, "--dump-dom")
    missing = [text for text in shows if text not in dom.stdout]
    if dom.returncode != 0 or missing:
        raise ScreenshotError(f"{url} does not show {missing} once rendered (chromium exit "
                              f"{dom.returncode}); its page starts:\n{dom.stdout[:1500]}"
                              f"\nchromium's stderr ends:\n{dom.stderr[-800:]}")
    picture.unlink(missing_ok=True)
    done = chromium_run(chromium, url, f"--screenshot={picture}",
                        f"--window-size={size[0]},{size[1]}")
    written = picture.stat().st_size if picture.exists() else 0
    if done.returncode != 0 or written < SMALLEST_PICTURE:
        raise ScreenshotError(
            f"chromium did not take a picture of {url} (exit {done.returncode}, "
            f"{written} bytes written to {picture}); its stderr ends:\n{done.stderr[-1500:]}")
    print(f"wrote {picture.relative_to(ROOT) if picture.is_relative_to(ROOT) else picture} "
          f"({written // 1024} KiB) <- {url}")


# -- loopback servers ----------------------------------------------------------------------
class _QuietFiles(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


class _WebhookSink(http.server.BaseHTTPRequestHandler):
    """Answers 204 to every delivery, so the mock's log shows them delivered."""

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.send_response(204)
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        pass


@contextlib.contextmanager
def loopback_server(handler: Any) -> Iterator[str]:
    """A threaded http.server on a free loopback port; yields its root URL."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@contextlib.contextmanager
def standalone_mock(webhook_url: str) -> Iterator[str]:
    """``sknpay-mock`` as a subprocess; yields its root URL once its ready line is out."""
    env = {**_without_sknpay(os.environ), "SKNPAY_WEBHOOK_SECRET": WEBHOOK_SECRET}
    process = subprocess.Popen(
        [sys.executable, "-m", "sknpay_harness.mock", "--port", "0", "--seed", "7", "--quiet",
         "--webhook-url", webhook_url, "--webhook-delay", "1-5", "--duplicate-rate", "0.1",
         "--noise-rate", "0.05"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    lines: queue.Queue[str] = queue.Queue()
    stdout = process.stdout
    # readline blocks: a thread hands the line over so the wait has a deadline.
    threading.Thread(target=lambda: lines.put(stdout.readline() if stdout else ""),
                     daemon=True).start()
    try:
        try:
            first = lines.get(timeout=MOCK_START_TIMEOUT)
        except queue.Empty:
            raise ScreenshotError(f"sknpay-mock printed no ready line within "
                                  f"{MOCK_START_TIMEOUT:g} s") from None
        if not first.startswith(READY_PREFIX):
            process.kill()
            _, errors = process.communicate(timeout=10)
            raise ScreenshotError(f"sknpay-mock did not start: {first!r}\n{errors[-1500:]}")
        yield first[len(READY_PREFIX):].strip()
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
        try:
            process.communicate(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.communicate()


def _without_sknpay(environ: Mapping[str, str]) -> dict[str, str]:
    """The environment minus SKNPAY_*: a developer's sandbox settings stay out."""
    return {k: v for k, v in environ.items() if not k.startswith("SKNPAY_")}


# -- the pictures --------------------------------------------------------------------------
def mock_pictures(chromium: str, out: Path) -> None:
    with loopback_server(_WebhookSink) as sink, standalone_mock(sink + "/webhooks/sknpay") as mock:
        screenshot(chromium, mock + "/", out / "front-page.png", (1280, 1600),
                   ("SKN Pay mock", "/_mock/reset", "uniform between 1 and 5 s"))
        with httpx.Client(base_url=mock + "/api/v1", timeout=10,
                          headers={"Authorization": f"Bearer {API_KEY}"}) as api:
            created = api.post("/payments", json={"amount": 1000, "currency": "USD",
                                                  "description": "Will cancel"})
            if created.status_code != 200:
                raise ScreenshotError(f"create answered {created.status_code}: {created.text}")
            payment = created.json()
            screenshot(chromium, payment["url"], out / "hosted-page-open.png", (1280, 660),
                       ("10.00 USD", "4111 1111 1111 1111"))
            canceled = api.post(f"/payments/{payment['id']}/cancel")
            if canceled.status_code != 200 or canceled.json().get("status") != "canceled":
                raise ScreenshotError(f"cancel answered {canceled.status_code}: {canceled.text}")
            screenshot(chromium, payment["url"], out / "hosted-page-canceled.png", (1280, 360),
                       ("no longer active",))


def allure_pictures(chromium: str, allure: str, out: Path) -> None:
    with tempfile.TemporaryDirectory(prefix="sknpay-allure-") as scratch:
        work = Path(scratch)
        for name, extra, status, exit_code in (("passed", [], "passed", 0),
                                               ("failed", [f"--sknpay-mock-breaks={FAILING_BREAK}"],
                                                "failed", 1)):
            results = work / f"{name}-results"
            scenario_results(results, extra, exit_code)
            report = work / f"{name}-report"
            done = run([allure, "generate", str(results), "-o", str(report), "--clean"],
                       ALLURE_TIMEOUT, "allure generate")
            if done.returncode != 0 or not (report / "data" / "suites.json").exists():
                raise ScreenshotError(f"allure generate failed (exit {done.returncode}):\n"
                                      f"{done.stdout[-1000:]}{done.stderr[-1000:]}")
            fragment = test_case_fragment(report, TEST_NAME, status)
            with loopback_server(functools.partial(_QuietFiles, directory=str(report))) as site:
                # The test case's pane with its steps, not the overview.
                screenshot(chromium, f"{site}/index.html{fragment}", out / f"allure-{name}.png",
                           (1280, 1000), (TEST_NAME, "Test body", status.capitalize()))


def scenario_results(results: Path, extra: list[str], expected_exit: int) -> None:
    """Run the scenario under pytest into ``results``; its exit code must be the expected one."""
    command = [sys.executable, "-m", "pytest", SCENARIO, f"--alluredir={results}",
               "--clean-alluredir", f"--junitxml={results.parent / (results.name + '.xml')}",
               "-p", "no:cacheprovider", "-q", *extra]
    done = run(command, PYTEST_TIMEOUT, "pytest", cwd=ROOT, env=_without_sknpay(os.environ))
    if done.returncode != expected_exit:
        raise ScreenshotError(f"{' '.join(command[2:])} exited {done.returncode}, expected "
                              f"{expected_exit}; its output ends:\n{done.stdout[-2000:]}")


def test_case_fragment(report: Path, test_name: str, status: str) -> str:
    """The report's URL fragment of the test case's page: ``#suites/<parent uid>/<uid>/``."""
    tree = json.loads((report / "data" / "suites.json").read_text(encoding="utf-8"))
    found = [leaf for leaf in _leaves(tree) if leaf.get("name") == test_name]
    if len(found) != 1 or found[0].get("status") != status:
        seen = [(leaf.get("name"), leaf.get("status")) for leaf in _leaves(tree)]
        raise ScreenshotError(f"expected one {status} {test_name!r} in {report}/data/suites.json, "
                              f"found {seen}")
    return f"#suites/{found[0]['parentUid']}/{found[0]['uid']}/"


def _leaves(node: dict[str, Any]) -> Iterator[dict[str, Any]]:
    children = node.get("children")
    if not children:
        yield node
        return
    for child in children:
        yield from _leaves(child)


# -- command line --------------------------------------------------------------------------
def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0] if __doc__ else None)
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots",
                        help="where the PNGs go (default: docs/screenshots)")
    parser.add_argument("--only", choices=("mock", "allure"),
                        help="take only the mock's pictures or only the allure ones")
    parser.add_argument("--chromium", help="the Chromium binary (default: chromium on PATH)")
    parser.add_argument("--allure", help="the allure CLI (default: allure on PATH)")
    args = parser.parse_args(argv)
    try:
        chromium = find_tool(args.chromium, ("chromium", "chromium-browser"), CHROMIUM_HINT)
        allure = (find_tool(args.allure, ("allure",), ALLURE_HINT)
                  if args.only != "mock" else "")
        args.out.mkdir(parents=True, exist_ok=True)
        if args.only != "allure":
            mock_pictures(chromium, args.out)
        if args.only != "mock":
            allure_pictures(chromium, allure, args.out)
    except ScreenshotError as exc:
        print(f"screenshots: error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
