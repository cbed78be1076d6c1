"""pytest -n 2 on the sandbox target with ONE fixed webhook port: the xdist
controller's relay holds it and every worker gets its own payments' events.

The stand-in for SKN Pay is the sknpay-mock server, built in this process and
sending every event to the fixed port, as the dashboard's endpoint and a
tunnel would. Each child run is a real ``pytest -n 2`` subprocess.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from typing import Any
from xml.etree import ElementTree

import pytest

pytestmark = pytest.mark.heavy  # child runs of seconds: scheduled first (tests/conftest.py)

CANCEL_AND_FORGE_TESTS = """
import json, time

import httpx
import pytest

from sknpay_harness import signing

PORT = {port}


@pytest.mark.parametrize("n", range(4))
def test_cancel(n, sknpay_api, sknpay_webhooks, worker_id, record_property):
    record_property("worker", worker_id)
    payment = sknpay_api.create_payment({{"amount": 100 + n, "currency": "USD"}}).json()
    assert sknpay_api.cancel_payment(payment["id"]).json()["status"] == "canceled"
    sknpay_webhooks.wait_for("payment.canceled", payment["id"])


def test_a_forged_delivery_through_the_relay(sknpay_api, sknpay_webhooks):
    # Left open, this payment is canceled by the clean-up at the end: one more event.
    payment = sknpay_api.create_payment({{"amount": 300, "currency": "USD"}}).json()
    body = json.dumps({{"id": "evt_forged", "type": "payment.canceled",
                       "data": {{"object": dict(payment, status="canceled")}}}}).encode()
    answer = httpx.post(f"http://127.0.0.1:{{PORT}}/dashboard/endpoint", content=body,
                        headers={{signing.HEADER: signing.sign(body, "whsec_forger", time.time())}})
    assert answer.status_code == 400, answer.text  # the worker's verdict, passed back
    sknpay_webhooks.wait_for("payment.canceled", payment["id"])


def test_where_to_look_names_the_relays_port_not_the_workers(sknpay_target):
    # A failed wait says the dashboard's endpoint must reach this URL: the relay's.
    where = sknpay_target.describe_deliveries("plink_x")
    assert f"must reach the xdist relay (http://127.0.0.1:{{PORT}})," in where, where
"""

# Two tests on two workers: xdist deals them one each. The first makes a
# payment, hands its id to the second through a named pipe and dies holding
# the pipe open; the second reads until end-of-file, which comes exactly when
# that worker is gone, and only then cancels the dead worker's payment and a
# payment of its own. No timing decides the order.
KILL_TESTS = """
import os, select, time


def test_worker_dies_after_making_a_payment(sknpay_api):
    payment = sknpay_api.create_payment({{"amount": 100, "currency": "USD"}}).json()
    with open({fifo!r}, "w") as fifo:  # returns once the other worker opened it to read
        fifo.write(payment["id"])
        fifo.flush()
        os._exit(1)  # the worker is killed; the pipe closes with it


def _when_the_other_worker_died(timeout=30):
    data, deadline = b"", time.monotonic() + timeout
    with open({fifo!r}, "rb", buffering=0) as fifo:  # returns once the other side opened it
        while True:
            ready, _, _ = select.select([fifo], [], [], max(0.0, deadline - time.monotonic()))
            assert ready, f"the other worker neither wrote nor died within {{timeout}} s: {{data!r}}"
            chunk = os.read(fifo.fileno(), 1024)
            if not chunk:
                return data.decode()  # end of file: every writer is gone
            data += chunk


def test_the_relay_serves_on_after_a_worker_died(sknpay_api, sknpay_webhooks):
    orphan = _when_the_other_worker_died()
    # Its event now goes to a dead worker: counted, answered 502, and the relay goes on.
    assert sknpay_api.cancel_payment(orphan).json()["status"] == "canceled"
    payment = sknpay_api.create_payment({{"amount": 200, "currency": "USD"}}).json()
    sknpay_api.cancel_payment(payment["id"])
    sknpay_webhooks.wait_for("payment.canceled", payment["id"])
"""


@pytest.fixture
def stand_in(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch,
             sandbox_stand_in: Callable[..., Any]) -> Callable[..., Any]:
    """function · factory(*mock_cli_args) -> SandboxStandIn · the in-process sknpay-mock
    posting every event to a fixed port; the child runs get its settings."""

    def start(*cli_args: str) -> Any:
        stand = sandbox_stand_in(*cli_args, webhook_path="/dashboard/endpoint",
                                 webhook_timeout="20")
        for name, value in stand.env().items():
            monkeypatch.setenv(name, value)
        return stand

    return start


def test_both_workers_get_their_events_and_duplicates_and_noise_count_once(
        pytester: pytest.Pytester, stand_in):
    # Every event is delivered twice and followed by one for a payment nobody here made.
    stand = stand_in("--duplicate-rate", "1", "--noise-rate", "1")
    pytester.makepyfile(CANCEL_AND_FORGE_TESTS.format(port=stand.listener_port))
    result = pytester.runpytest_subprocess(
        "-p", "no:cacheprovider", "-n", "2", "--dist", "load", "--junitxml", "junit.xml",
        "--sknpay-linger", "1")
    result.assert_outcomes(passed=5, failed=1)
    cases = ElementTree.parse(pytester.path / "junit.xml").getroot().iter("testcase")
    workers = {p.get("value") for case in cases for p in case.iter("property")}
    assert workers == {"gw0", "gw1"}, "each worker should have waited for its own events"
    # Five payments (the forged test's canceled by the clean-up): each event once
    # accepted, once a duplicate and once followed by noise; the forgery rejected.
    result.stdout.fnmatch_lines([
        f"sknpay: sandbox * listener=127.0.0.1:{stand.listener_port} (relay to the xdist workers) *",
        "E *sknpay_harness.WebhookRejected: * was rejected: signature mismatch*",
        f"target: sandbox   base URL: {stand.mock.url}/api/v1",
        "webhook deliveries: 5 accepted, 5 duplicate, 5 ignored (other payments), 1 rejected",
        f"webhook relay on 127.0.0.1:{stand.listener_port}: 11 forwarded to 2 worker(s) (0 after waiting "
        "for the payment's registration), 5 ignored, 0 rejected, 0 could not be forwarded "
        "(worker gone)",
    ])
    out = result.stdout.str()
    assert out.count("  ignored #") == 5
    # The forgery failed its test at once, by the worker's rejection, not a timeout.
    assert "Nothing matching arrived" not in out
    # One run, one run id: every worker tagged its payments with the controller's.
    run_id = re.search(r"^run id: (\S+) ", out, re.MULTILINE)
    assert run_id, out
    assert {p.metadata["harness_run"] for p in stand.payments()} == {run_id.group(1)}


def test_a_killed_worker_leaves_the_relay_serving(pytester: pytest.Pytester, stand_in):
    stand = stand_in()
    fifo = pytester.path / "handover.fifo"
    os.mkfifo(fifo)
    pytester.makepyfile(KILL_TESTS.format(fifo=str(fifo)))
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-n", "2",
                                           "--dist", "load")
    result.assert_outcomes(passed=1, failed=1)
    out = result.stdout.str()
    assert re.search(r"worker 'gw\d' crashed while running "
                     r"'test_a_killed_worker\w*\.py::test_worker_dies_after_making_a_payment'", out), out
    unforwarded = re.search(r"(\d+) could not be forwarded \(worker gone\)$", out, re.MULTILINE)
    assert unforwarded and int(unforwarded.group(1)) >= 1, out
    assert stand.log.getvalue().count(" 502 (") >= 1  # the sender was told, and will retry
