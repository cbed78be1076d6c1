"""pytest -n 2: each worker has its own listener and mock, and the controller's
summary adds up what every worker saw."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from xml.etree import ElementTree

import pytest

from sknpay_harness.contract import Contract
from sknpay_harness.ledger import CleanupResult
from sknpay_harness.plugin import parallel
from sknpay_harness.plugin.state import contract_key, run_log_key
from sknpay_harness.rehearsal import free_port
from sknpay_harness.runlog import DELIVERIES_KEPT, RunLog, WaitRecord

CANCEL_TESTS = """
import pytest

@pytest.mark.scenario
@pytest.mark.parametrize("n", range(4))
def test_cancel(n, sknpay_api, sknpay_webhooks, record_property):
    record_property("api_url", sknpay_api.base_url)
    payment = sknpay_api.create_payment({"amount": 100 + n, "currency": "USD"}).json()
    assert sknpay_api.cancel_payment(payment["id"]).json()["status"] == "canceled"
    sknpay_webhooks.wait_for("payment.canceled", payment["id"])
"""

pytestmark = pytest.mark.heavy  # child runs of seconds: scheduled first (tests/conftest.py)


def test_a_dist_mode_without_workers_runs_here_on_the_fixed_port(pytester: pytest.Pytester):
    # xdist distributes only with -n/--tx: --dist alone (say, in addopts) must not
    # make this process a controller that binds a relay on the port it then needs.
    pytester.makepyfile(CANCEL_TESTS)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "--dist", "loadgroup",
                                           f"--sknpay-webhook-port={free_port()}")
    result.assert_outcomes(passed=4)
    assert "relay" not in result.stdout.str()


def test_two_workers_each_get_a_mock_and_the_summary_adds_them_up(pytester: pytest.Pytester):
    pytester.makepyfile(CANCEL_TESTS)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-n", "2", "--dist", "load",
                                           "--junitxml", "junit.xml")
    result.assert_outcomes(passed=4)
    output = result.stdout.str()
    assert output.count("  webhook payment.canceled for plink_") == 4, output
    result.stdout.fnmatch_lines([
        "*(each worker has its own mock)*",
        "scenarios run: 4",
        "webhook deliveries: 4 accepted, 0 duplicate, 0 ignored (other payments), 0 rejected",
    ])
    cases = list(ElementTree.parse(pytester.path / "junit.xml").getroot().iter("testcase"))
    assert len(cases) == 4  # xdist merged the workers' JUnit reports
    mocks = {p.get("value") for case in cases for p in case.iter("property") if p.get("name") == "api_url"}
    assert len(mocks) == 2, f"each worker should run on its own mock, got {mocks}"


def _worker(log: RunLog, contract: Contract) -> SimpleNamespace:
    config = SimpleNamespace(stash=pytest.Stash(), workerinput={}, workeroutput={})
    config.stash[run_log_key] = log
    config.stash[contract_key] = contract
    return config


def test_the_controller_merges_every_part_of_each_workers_log():
    one = RunLog(api_url="http://127.0.0.1:1/api/v1", scenarios=["a"],
                 waits=[WaitRecord("a", "payment.canceled", "plink_a", 1.5, 1)],
                 retries=["POST /payments -> 503 [attempt 1]"],
                 delivery_counts={"accepted": 2, "ignored": 1}, ignored=["evt_x for plink_other"],
                 deliveries=[{"n": n} for n in range(DELIVERIES_KEPT - 1)],
                 cleanup=[CleanupResult("plink_a", "a", "canceled")],
                 recordings=[Path("recordings/20261126T101010Z-gw0.json")])
    two = RunLog(api_url="http://127.0.0.1:2/api/v1", scenarios=["b"],
                 retries=["POST /payments/plink_b/cancel -> 503 [attempt 1]"],
                 delivery_counts={"accepted": 3, "duplicate": 1},
                 deliveries=[{"n": "two"}, {"n": "over the cap"}],
                 cleanup=[CleanupResult("plink_b", "b", "failed: 500")],
                 recordings=[Path("recordings/20261126T101010Z-gw1.json")])
    controller = SimpleNamespace(stash=pytest.Stash())
    controller.stash[run_log_key] = RunLog()
    controller.stash[contract_key] = Contract()
    for log in (one, two):
        worker = _worker(log, Contract())
        parallel.send_to_controller(worker)  # type: ignore[arg-type]
        parallel.merge_from_worker(controller, worker)  # type: ignore[arg-type]
    merged = controller.stash[run_log_key]
    assert merged.scenarios == ["a", "b"] and [w.payment_id for w in merged.waits] == ["plink_a"]
    assert merged.retries == one.retries + two.retries
    assert merged.delivery_counts == {"accepted": 5, "ignored": 1, "duplicate": 1}
    assert merged.ignored == ["evt_x for plink_other"]
    assert len(merged.deliveries) == DELIVERIES_KEPT and merged.deliveries[-1] == {"n": "two"}
    assert [r.outcome for r in merged.cleanup] == ["canceled", "failed: 500"]
    assert merged.recordings == one.recordings + two.recordings
