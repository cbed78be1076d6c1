"""The API key and webhook secret never reach output, junit or allure files,
whether the scenario passes or fails."""

from __future__ import annotations

from pathlib import Path

import pytest

SCENARIO = Path(__file__).parents[1] / "scenarios" / "test_cancel_before_pay.py"
KEY = "sk_test_SECRETKEY_must_not_leak_7f3a"
WHSEC = "whsec_SECRET_must_not_leak_91bc"


@pytest.mark.parametrize("breaks", ["", "webhook_wrong_secret", "status_cancelled"])
def test_secrets_stay_out_of_output_and_reports(pytester: pytest.Pytester, monkeypatch, breaks):
    monkeypatch.setenv("SKNPAY_API_KEY", KEY)
    monkeypatch.setenv("SKNPAY_WEBHOOK_SECRET", WHSEC)
    pytester.makepyfile(test_scenario=SCENARIO.read_text(encoding="utf-8"))
    reports = pytester.path / "reports"
    result = pytester.runpytest_subprocess(
        "-p", "no:cacheprovider", "-vv", "-s", "--showlocals", "-rA",
        f"--junitxml={reports / 'junit.xml'}", f"--alluredir={reports / 'allure-results'}",
        f"--sknpay-mock-breaks={breaks}" if breaks else "-q")
    if breaks:
        result.assert_outcomes(failed=1)
    else:
        result.assert_outcomes(passed=1)
    texts = {"stdout": result.stdout.str(), "stderr": result.stderr.str()}
    files = [p for p in reports.rglob("*") if p.is_file()]
    assert any(p.name.endswith("-result.json") for p in files) and (reports / "junit.xml").exists()
    texts.update({str(p): p.read_text(encoding="utf-8", errors="replace") for p in files})
    for where, text in texts.items():
        for secret in (KEY, WHSEC):
            assert secret not in text, f"{secret[:8]}... leaked into {where}"
