"""``sknpay-check-receiver`` from the command line against a receiver written in
Node (receiver.js): the check is for any language's CI, not only Python's."""

from __future__ import annotations

import queue
import shutil
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

pytestmark = pytest.mark.skipif(shutil.which("node") is None,
                                reason="node is not installed: the Node receiver needs it "
                                       "(CI installs it)")

RECEIVER_JS = Path(__file__).with_name("receiver.js")
SECRET = "whsec_node_receiver_0123456789"
READY = "listening on "


def check_receiver_command() -> list[str]:
    """The installed console script (pyproject's [project.scripts]) beside this Python."""
    script = Path(sys.executable).with_name("sknpay-check-receiver")
    assert script.exists(), f"{script} is missing: pip install -e . registers it"
    return [str(script)]


@pytest.fixture
def node_receiver(child_env) -> Iterator[Callable[..., str]]:
    """function · factory(bug=None) -> URL · receiver.js on a free loopback port."""
    started: list[subprocess.Popen[str]] = []

    def start(bug: str | None = None) -> str:
        env = child_env({"SKNPAY_WEBHOOK_SECRET": SECRET, **({"RECEIVER_BUG": bug} if bug else {})})
        process = subprocess.Popen(["node", str(RECEIVER_JS)], stdout=subprocess.PIPE,
                                   stderr=subprocess.PIPE, text=True, env=env)
        started.append(process)
        lines: queue.Queue[str] = queue.Queue()
        assert process.stdout is not None
        stdout = process.stdout
        threading.Thread(target=lambda: lines.put(stdout.readline()), daemon=True).start()
        try:
            first = lines.get(timeout=15)
        except queue.Empty:
            raise AssertionError("receiver.js printed no ready line within 15 s") from None
        assert first.startswith(READY), f"receiver.js said {first!r}; exit {process.poll()}"
        return first[len(READY):].strip()

    yield start
    for process in started:
        process.terminate()
        process.communicate(timeout=10)


def run_check(url: str, child_env) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*check_receiver_command(), f"{url}/webhooks/sknpay", "--payment-id", "plink_node_order",
         "--state-url", f"{url}/state"],
        capture_output=True, text=True, timeout=120,
        env=child_env({"SKNPAY_WEBHOOK_SECRET": SECRET}))


def test_a_node_receiver_passes_the_check_from_the_command_line(node_receiver, child_env):
    done = run_check(node_receiver(), child_env)
    print(done.stdout)
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.rstrip().endswith(
        "receiver check passed: 11 of 11 deliveries met their expectations")
    assert "state judged by the state probe" in done.stdout
    assert SECRET not in done.stdout + done.stderr


def test_a_node_receiver_that_reserialises_the_body_fails_with_exit_1(node_receiver, child_env):
    done = run_check(node_receiver("reserialise"), child_env)
    print(done.stdout)
    assert done.returncode == 1, done.stdout + done.stderr
    assert done.stdout.rstrip().splitlines()[-1] == (
        "receiver check failed (6 of 11 deliveries): expected 2xx, got 400: valid, duplicate, "
        "rotated_secret, unknown_type, out_of_order, large_body")
