"""A short rehearsal in a subprocess: separate mock process, sandbox mode, late,
duplicated and unrelated webhooks, 503s; and no secret anywhere afterwards."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from sknpay_harness.rehearsal import plan

ROOT = Path(__file__).parents[2]
# Distinctive values: if either shows up anywhere, it leaked.
KEY = "sk_test_REHEARSALKEY4d1f7c9e2b"
SECRET = "whsec_REHEARSALSECRET8a3b6e0f5c"

pytestmark = pytest.mark.heavy  # child runs of seconds: scheduled first (tests/conftest.py)


@dataclass
class Rehearsal:
    result: subprocess.CompletedProcess[str]
    reports: Path

    @property
    def output(self) -> str:
        return self.result.stdout + self.result.stderr


@pytest.fixture(scope="module")
def rehearsal(tmp_path_factory: pytest.TempPathFactory, child_env) -> Rehearsal:
    """module · Rehearsal · one short rehearsal run (delays up to 0.6 s), shared by the
    checks below. Its environment has none of this run's SKNPAY_* settings: when this
    suite is itself rehearsed, the outer listener's fixed port is taken."""
    reports = tmp_path_factory.mktemp("rehearsal-reports")
    env = child_env({"SKNPAY_REHEARSAL_API_KEY": KEY, "SKNPAY_REHEARSAL_WEBHOOK_SECRET": SECRET})
    result = subprocess.run(
        [sys.executable, "-m", "sknpay_harness.rehearsal", "--webhook-delay", "0.2-0.6",
         "--duplicate-rate", "1", "--noise-rate", "1", "--fail-first", "create=1",
         "--fail-first", "cancel=1", "--extra-field", "risk_score=12", "--seed", "4",
         "--reports", str(reports), "--", "-m", "smoke", "-p", "no:cacheprovider",
         "tests/scenarios"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    return Rehearsal(result, reports)


def test_rehearsal_passes_and_reports_waits_retries_and_ignored_events(rehearsal):
    assert rehearsal.result.returncode == 0, rehearsal.output[-3000:]
    out = rehearsal.result.stdout
    assert "target: sandbox" in out
    assert "webhook payment.canceled for plink_" in out  # the wait and its latency
    assert "retried attempts: 2" in out
    assert "1 ignored (other payments)" in out
    summary = json.loads((rehearsal.reports / "sknpay-run.json").read_text())
    assert summary["webhook_waits"][0]["event_type"] == "payment.canceled"
    assert summary["webhook_deliveries"]["ignored"], "the noise event is in the run summary"
    outcomes = {d["outcome"] for d in summary["webhook_deliveries"]["all"]}
    assert outcomes == {"accepted", "duplicate", "ignored"}


def test_rehearsal_tolerates_and_reports_an_unknown_field(rehearsal):
    assert rehearsal.result.returncode == 0, rehearsal.output[-3000:]
    out = rehearsal.result.stdout
    assert "contract drift: fields the schemas do not know (allowed;" in out, out[-3000:]
    assert "$.risk_score (int)" in out and "$.data.object.risk_score (int)" in out, out[-3000:]


def test_rehearsal_made_exactly_one_payment_despite_the_503s(rehearsal):
    log = (rehearsal.reports / "rehearsal-mock.log").read_text()
    assert log.count("POST /api/v1/payments -> 503") == 1
    assert log.count("POST /api/v1/payments -> 200") == 1


def test_no_secret_in_output_or_reports_after_a_rehearsal(rehearsal):
    assert rehearsal.result.returncode == 0, rehearsal.output[-3000:]
    files = [p for p in rehearsal.reports.rglob("*") if p.is_file()]
    assert any(p.name == "junit.xml" for p in files)
    assert any(p.parent.name == "allure-results" for p in files)
    places = {"stdout": rehearsal.result.stdout, "stderr": rehearsal.result.stderr}
    places.update({str(p): p.read_text(errors="replace") for p in files})
    for secret in (KEY, SECRET, KEY.removeprefix("sk_test_"), SECRET.removeprefix("whsec_")):
        leaked = [name for name, text in places.items() if secret in text]
        assert not leaked, f"a secret appears in {leaked}"


def test_profiles_name_what_ci_and_the_docs_run():
    smoke = plan([])
    assert smoke.profile == "smoke" and smoke.pytest_argv[-2:] == ["-m", "smoke"]
    whole = plan(["--profile", "sandbox-like"])
    mock = " ".join(whole.mock_argv)
    for part in ("--webhook-delay 1-3", "--duplicate-rate 0.5", "--noise-rate 1",
                 "--fail-first create=1", "--fail-first cancel=1", "--extra-field rehearsal_extra="):
        assert part in mock, f"{part!r} not in the sandbox-like mock's argv: {mock}"
    assert not [a for a in whole.pytest_argv[3:] if not a.startswith("--")], (
        f"sandbox-like runs the whole suite, not a selection: {whole.pytest_argv}")
    assert whole.settings["SKNPAY_QUIET_PERIOD"] == "3"
    assert whole.reports == Path("reports/rehearsal-sandbox-like")
    for doc in ("docs/sandbox.md", ".ci/run"):
        assert "--profile sandbox-like" in (ROOT / doc).read_text(encoding="utf-8"), doc


def test_options_override_the_profile_and_pytest_args_replace_its_own():
    run = plan(["--profile", "sandbox-like", "--webhook-delay", "0.5", "--fail-first",
                "retrieve=2", "--", "-n", "2", "-x"])
    mock = " ".join(run.mock_argv)
    assert "--webhook-delay 0.5" in mock and "--fail-first retrieve=2" in mock
    assert "create=1" not in mock, "--fail-first replaces the profile's faults"
    assert run.pytest_argv[-3:] == ["-n", "2", "-x"] and run.settings["SKNPAY_LINGER"] == "1.5"
