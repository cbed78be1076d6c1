"""The curl line in the report, pasted into a shell with SKNPAY_API_KEY set,
gets the same answer: the scenario runs in sandbox mode against a standalone
``sknpay-mock``, then each exchange's curl attachment is run through bash
against that same mock."""

from __future__ import annotations

import json
import os
import queue
import shutil
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from sknpay_harness.mock.cli import READY_PREFIX

SCENARIO = Path(__file__).parents[1] / "scenarios" / "test_cancel_before_pay.py"
KEY = "sk_test_curl_replay_3b9f0c"
WHSEC = "whsec_curl_replay_a41d27"
CHILD_ADDOPTS = "-p no:hypothesispytest -p no:schemathesis -p no:anyio"  # as tests/conftest.py
START_TIMEOUT = 20.0

pytestmark = pytest.mark.skipif(shutil.which("curl") is None or shutil.which("bash") is None,
                                reason="needs curl and bash")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def standalone_mock(tmp_path: Path) -> Iterator[tuple[str, int]]:
    """function · (mock URL, webhook port) · ``python -m sknpay_harness.mock`` with a fixed
    key, sending its webhooks to a port the child pytest's listener will bind."""
    port = _free_port()
    log = (tmp_path / "mock.log").open("w", encoding="utf-8")
    process = subprocess.Popen(
        [sys.executable, "-m", "sknpay_harness.mock", "--port", "0", "--api-key", KEY,
         "--webhook-url", f"http://127.0.0.1:{port}/webhooks/sknpay"],
        stdout=subprocess.PIPE, stderr=log, text=True,
        env={**os.environ, "SKNPAY_WEBHOOK_SECRET": WHSEC})
    log.close()
    assert process.stdout is not None
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=lambda out=process.stdout: lines.put(out.readline()), daemon=True).start()
    try:
        first = lines.get(timeout=START_TIMEOUT)
        assert first.startswith(READY_PREFIX), f"unexpected first line {first!r}"
        yield first[len(READY_PREFIX):].strip(), port
    finally:
        process.terminate()
        process.communicate(timeout=15)


def _scenario_results(where: Path, mock_url: str, port: int) -> Path:
    (where / "test_scenario.py").write_text(SCENARIO.read_text(encoding="utf-8"), encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("SKNPAY_")}
    env.update(PYTEST_ADDOPTS=CHILD_ADDOPTS, SKNPAY_TARGET="sandbox",
               SKNPAY_BASE_URL=f"{mock_url}/api/v1", SKNPAY_API_KEY=KEY,
               SKNPAY_WEBHOOK_SECRET=WHSEC, SKNPAY_WEBHOOK_PORT=str(port),
               SKNPAY_WEBHOOK_TIMEOUT="20")
    results = where / "allure-results"
    done = subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q",
                           f"--alluredir={results}"], cwd=where, env=env, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    return results


def _exchanges(results: Path) -> list[dict[str, str]]:
    """For each exchange step: its status parameter, curl line and response body."""
    (result_file,) = results.glob("*-result.json")
    result = json.loads(result_file.read_text(encoding="utf-8"))
    found = []
    for step in result["steps"]:
        for sub in step.get("steps", []):
            files = {a["name"]: (results / a["source"]).read_text(encoding="utf-8")
                     for a in sub.get("attachments", [])}
            if "curl" in files:
                status = sub["name"].split(" -> ", 1)[1].split(" ", 1)[0]  # "-> 200 (1.2 ms)"
                found.append({"step": sub["name"], "status": status, "curl": files["curl"],
                              "body": files["response body"]})
    return found


def _paste(curl: str, where: Path, env: dict[str, str]) -> tuple[str, str]:
    """Run the line as a shell would, plus where to put the body and print the status."""
    body = where / "replayed-body"
    done = subprocess.run(["bash", "-c", f"{curl.strip()} -o {body} -w '%{{http_code}}'"],
                          env={"PATH": os.environ["PATH"], **env}, capture_output=True,
                          text=True, timeout=30)
    assert done.returncode == 0, done.stderr
    return done.stdout, body.read_text(encoding="utf-8")


def test_each_curl_line_pasted_into_a_shell_gets_the_same_answer(
        standalone_mock: tuple[str, int], tmp_path: Path):
    mock_url, port = standalone_mock
    exchanges = _exchanges(_scenario_results(tmp_path, mock_url, port))
    assert [e["step"].split(" ")[0] for e in exchanges] == ["POST", "POST", "GET"]
    for exchange in exchanges:
        assert KEY not in exchange["curl"]
        status, body = _paste(exchange["curl"], tmp_path, {"SKNPAY_API_KEY": KEY})
        assert status == exchange["status"], exchange["step"]
        if exchange["step"].startswith("GET /pay/"):
            assert body == exchange["body"], exchange["step"]
        else:
            # create replays its Idempotency-Key; cancel is idempotent: the very same payment.
            assert json.loads(body) == json.loads(exchange["body"]), exchange["step"]
    # The key comes from the environment, not from the line.
    status, _ = _paste(exchanges[1]["curl"], tmp_path, {})
    assert status == "401"
