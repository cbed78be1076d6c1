"""The allure results of the scenario read as a person needs them: one typed
attachment per thing, each on the step where it happened, wall-clock times,
no anonymous tear-down entries, labels, and an environment.properties."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

SCENARIO = Path(__file__).parents[1] / "scenarios" / "test_cancel_before_pay.py"
KEY = "sk_test_allure_report_key_5d1e"
WHSEC = "whsec_allure_report_secret_77a0"
# Lean child runs, as tests/conftest.py's pytester fixture makes them.
CHILD_ADDOPTS = "-p no:hypothesispytest -p no:schemathesis -p no:anyio"

pytestmark = pytest.mark.heavy  # child runs of seconds: scheduled first (tests/conftest.py)


@dataclass
class AllureRun:
    """One test's view of a child pytest run's allure results folder."""

    results: Path
    test: str  # the test this view is about

    def files(self, suffix: str) -> list[Path]:
        return sorted(self.results.glob(f"*{suffix}"))

    def results_by_name(self) -> dict[str, dict[str, Any]]:
        found = [json.loads(p.read_text(encoding="utf-8")) for p in self.files("-result.json")]
        return {result["name"]: result for result in found}

    def result(self) -> dict[str, Any]:
        return self.results_by_name()[self.test]

    def containers(self) -> list[dict[str, Any]]:
        return [json.loads(p.read_text(encoding="utf-8")) for p in self.files("-container.json")]

    def attachment(self, entry: dict[str, Any]) -> str:
        return (self.results / entry["source"]).read_text(encoding="utf-8")

    def steps(self) -> Iterator[dict[str, Any]]:
        """Every step of the test, depth first."""
        todo = list(reversed(self.result()["steps"]))
        while todo:
            step = todo.pop()
            yield step
            todo.extend(reversed(step.get("steps", [])))

    def attachments(self) -> Iterator[tuple[dict[str, Any], dict[str, Any]]]:
        """(attachment entry, the step or result holding it) for every attachment
        of the test."""
        result = self.result()
        for holder in (result, *self.steps()):
            for entry in holder.get("attachments", []):
                yield entry, holder


# Run next to the scenario: the scenario once more with its webhook signed
# with the wrong secret (its delivery is rejected at step 3), and a few tests
# for labels and finalizers.
NEIGHBOURS = {
    "test_rejected.py": (
        "import pytest\n"
        "from test_scenario import test_cancel_before_pay as scenario\n\n"
        "@pytest.mark.scenario\n"
        "def test_rejected(sknpay_mock, sknpay_api, sknpay_contract, sknpay_webhooks,"
        " sknpay_reporter):\n"
        "    sknpay_mock.breaks.set(['webhook_wrong_secret'])\n"
        "    scenario(sknpay_api, sknpay_contract, sknpay_webhooks, sknpay_reporter)\n"),
    "contract/test_cancel.py": (
        "import allure\n\n"
        "def test_plain():\n    pass\n\n"
        "@allure.story('Mine')\n@allure.severity(allure.severity_level.BLOCKER)\n"
        "def test_labelled():\n    pass\n"),
    "contract/test_refunds.py": "def test_refund():\n    pass\n",
    "test_unit.py": (
        "import pytest\n\n"
        "@pytest.fixture\ndef resource(request):\n"
        "    def release_resource():\n        pass\n"
        "    request.addfinalizer(release_resource)\n\n"
        "def test_unit(resource):\n    pass\n"),
}


@pytest.fixture(scope="module")
def results(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """module · Path · the allure results of one child run under pytest -n 2, with
    known secrets: the scenario and its neighbours; a stale file waited there."""
    where = tmp_path_factory.mktemp("child")
    (where / "test_scenario.py").write_text(SCENARIO.read_text(encoding="utf-8"), encoding="utf-8")
    for path, source in NEIGHBOURS.items():
        (where / path).parent.mkdir(parents=True, exist_ok=True)
        (where / path).write_text(source, encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("SKNPAY_")}
    env.update(PYTEST_ADDOPTS=CHILD_ADDOPTS, SKNPAY_API_KEY=KEY, SKNPAY_WEBHOOK_SECRET=WHSEC)
    results = where / "allure-results"
    results.mkdir()
    (results / "stale-result.json").write_text("{}", encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", "-n", "2",
         f"--alluredir={results}", "--clean-alluredir", "--sknpay-webhook-timeout=20"],
        cwd=where, env=env, capture_output=True, text=True, timeout=120)
    output = done.stdout + done.stderr
    assert done.returncode == 1 and "1 failed, 5 passed" in output, output[-3000:]
    assert "FAILED test_rejected.py::test_rejected" in output
    assert "was rejected: signature mismatch" in output
    return results


@pytest.fixture
def passed(results: Path) -> AllureRun:
    """function · AllureRun · the scenario, passing."""
    return AllureRun(results, "test_cancel_before_pay")


@pytest.fixture
def rejected(results: Path) -> AllureRun:
    """function · AllureRun · the scenario failing at step 3: its webhook's delivery
    was rejected (signed with the wrong secret)."""
    return AllureRun(results, "test_rejected")


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


@pytest.mark.parametrize("run", ["passed", "rejected"])
def test_no_attachment_holds_json_inside_a_json_string(run: str, request: pytest.FixtureRequest):
    results: AllureRun = request.getfixturevalue(run)
    json_attachments = [e for e, _ in results.attachments() if e["type"] == "application/json"]
    assert json_attachments, "expected JSON attachments"
    for entry in json_attachments:
        for text in _strings(json.loads(results.attachment(entry))):
            try:
                inner = json.loads(text)
            except ValueError:
                continue
            assert not isinstance(inner, dict | list), (
                f"attachment {entry['name']!r} holds JSON inside a string: {text[:120]!r}")


def _exchange_steps(run: AllureRun) -> list[dict[str, Any]]:
    return [s for s in run.steps() if re.match(r"(GET|POST) /", s["name"])]


def test_each_exchange_is_a_step_with_typed_attachments(passed: AllureRun):
    by_step = {step["name"]: step for step in passed.result()["steps"]}
    assert list(by_step) == ["1. Create a payment link", "2. Cancel it before anyone pays",
                             "3. Receive the signed payment.canceled webhook",
                             "4. The hosted page says the link is no longer active"]
    exchanges = _exchange_steps(passed)
    assert [s["name"].split(" -> ")[0] for s in exchanges] == [
        "POST /api/v1/payments", f"POST /api/v1/payments/{_payment_id(passed)}/cancel",
        f"GET /pay/{_payment_id(passed)}"]
    for step in exchanges:
        kinds = {e["name"]: e["type"] for e in step["attachments"]}
        params = {p["name"]: p["value"] for p in step["parameters"]}
        assert re.fullmatch(r"(GET|POST) /\S+ -> \d{3} \(\d+\.\d ms\)", step["name"]), step["name"]
        assert params["url"].startswith("http://127.0.0.1:") and "> Accept" in params, params
        assert kinds["curl"] == "text/plain"
        if step["name"].startswith("GET /pay/"):
            assert kinds == {"response body": "text/html", "curl": "text/plain"}
        else:
            assert kinds["response body"] == "application/json"
    create_kinds = {e["name"]: e["type"] for e in exchanges[0]["attachments"]}
    assert create_kinds == {"request body": "application/json", "response body": "application/json",
                            "curl": "text/plain"}


def _payment_id(run: AllureRun) -> str:
    (create,) = [s for s in _exchange_steps(run) if s["name"].startswith("POST /api/v1/payments ")]
    (body,) = [e for e in create["attachments"] if e["name"] == "response body"]
    return str(json.loads(run.attachment(body))["id"])


def test_bodies_are_pretty_json_the_page_is_html_the_curl_line_one_line(passed: AllureRun):
    for entry, _ in passed.attachments():
        text = passed.attachment(entry)
        if entry["type"] == "application/json":
            assert text == json.dumps(json.loads(text), indent=2, ensure_ascii=False), entry["name"]
        elif entry["name"] == "response body":
            assert entry["type"] == "text/html" and "no longer active" in text.lower()
        if entry["name"] == "curl":
            assert text.startswith("curl ") and text.count("\n") == 1 and text.endswith("\n")
            assert "\\\"" not in text, "a curl line escaped for JSON cannot be pasted"


def test_attachments_sit_on_the_step_where_they_happened(passed: AllureRun, rejected: AllureRun):
    for run in (passed, rejected):
        assert not run.result().get("attachments"), "no attachment on the test itself"
        for container in run.containers():
            for fixture in container.get("befores", []) + container.get("afters", []):
                assert not fixture.get("attachments"), f"{fixture['name']} holds attachments"
    webhook_step = passed.result()["steps"][2]
    (event_step,) = webhook_step["steps"]
    assert event_step["name"].startswith("webhook payment.canceled evt_")
    assert [e["name"] for e in event_step["attachments"]] == ["event body"]
    failed_wait = rejected.result()["steps"][2]
    assert failed_wait["status"] == "failed"
    (deliveries,) = failed_wait["attachments"]
    assert deliveries["name"] == "webhook deliveries during this test"
    # Every attempt the mock made before giving up (the wait lets it finish).
    records = json.loads(rejected.attachment(deliveries))
    assert records
    for record in records:
        assert record["outcome"] == "rejected" and record["reason"].startswith("signature mismatch")
        assert record["body"]["type"] == "payment.canceled"  # the body as JSON, not a string


def _iso(text: str) -> float:
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z", text), text
    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


def test_times_are_wall_clock_iso_8601_utc(passed: AllureRun, rejected: AllureRun):
    for run in (passed, rejected):
        result = run.result()
        started, stopped = result["start"] / 1000 - 1, result["stop"] / 1000 + 1
        stamps = [p["value"] for s in run.steps() for p in s.get("parameters", [])
                  if p["name"] == "signed at"]
        stamps += [s["name"].rsplit(" received ", 1)[1] for s in run.steps()
                   if s["name"].startswith("webhook ")]
        for entry, _ in run.attachments():
            if entry["name"].startswith("webhook deliveries"):
                stamps += [d["received_at"] for d in json.loads(run.attachment(entry))]
        assert stamps
        for stamp in stamps:
            assert started <= _iso(stamp) <= stopped, f"{stamp} is not during the test"


def test_no_anonymous_tear_down_entries(passed: AllureRun):
    entries = [f for c in passed.containers() for f in c.get("befores", []) + c.get("afters", [])]
    names = [f["name"] for f in entries]
    assert "sknpay_harness::close" in names
    for fixture in entries:
        assert "<lambda>" not in fixture["name"] and not re.search(r"::\d+$", fixture["name"]), names
        assert fixture.get("status") == "passed", fixture
    uuid = passed.result()["uuid"]
    set_up = sorted(c["befores"][0]["name"] for c in passed.containers() if uuid in c["children"])
    assert set_up == ["sknpay_api", "sknpay_contract", "sknpay_harness", "sknpay_reporter",
                      "sknpay_webhooks"], "the scenario sets up the harness's few fixtures"


def test_labels_and_link(passed: AllureRun):
    result = passed.result()
    labels = {(label["name"], label["value"]) for label in result["labels"]}
    assert {("feature", "Payment-link lifecycle"), ("severity", "critical"),
            ("story", "Cancel before pay")} <= labels
    assert [(link["name"], link["url"]) for link in result["links"]] == [
        ("SKN Pay API reference", "https://app.sknpay.com/docs/sknpay-api.md")]


def test_contract_files_map_to_stories_and_a_tests_own_label_wins(passed: AllureRun):
    labels = {name: {(x["name"], x["value"]) for x in result["labels"]
                     if x["name"] in ("feature", "story", "severity")}
              for name, result in passed.results_by_name().items()
              if name not in ("test_cancel_before_pay", "test_rejected")}
    assert labels == {
        "test_plain": {("feature", "The API contract"), ("story", "Cancel an open link"),
                       ("severity", "normal")},
        "test_labelled": {("feature", "The API contract"), ("story", "Mine"), ("severity", "blocker")},
        "test_refund": {("feature", "The API contract"), ("story", "refunds"), ("severity", "normal")},
        "test_unit": set(),
    }


def test_a_fixtures_own_finalizers_stay_in_the_report(passed: AllureRun):
    """Only pytest's internal finalizer is dropped, not one a fixture registers."""
    afters = [a["name"] for c in passed.containers() for a in c.get("afters", [])]
    assert set(afters) == {"resource::release_resource", "sknpay_harness::close"}


def _properties(run: AllureRun) -> dict[str, str]:
    text = (run.results / "environment.properties").read_text(encoding="utf-8")
    assert KEY not in text and WHSEC not in text
    return dict(line.split("=", 1) for line in text.splitlines())


def test_environment_properties_names_the_run_and_no_secret(passed: AllureRun):
    values = _properties(passed)
    assert values["target"] == "mock"
    assert re.match(r"http://127\.0\.0\.1:\d+/api/v1", values["base_url"]), values
    assert re.fullmatch(r"\d{8}-\d{6}-[0-9a-f]+", values["run_id"]), values
    for package in ("sknpay-harness", "httpx", "pytest", "allure-pytest", "python"):
        assert re.fullmatch(r"\d+\.\d+.*", values[package]), (package, values)


def test_environment_properties_is_the_xdist_controllers_written_after_the_clean(
        passed: AllureRun):
    assert not (passed.results / "stale-result.json").exists()  # the controller cleaned first
    values = _properties(passed)
    assert values["xdist_workers"] == "2" and values["mock_breaks"] == "none"
    assert values["base_url"].endswith("(each worker has its own mock)"), values
