"""What a user sees when the mock drifts from the recording, and the normaliser."""

from __future__ import annotations

from pathlib import Path

import pytest

from sknpay_harness.client import Exchange
from sknpay_harness.recording import Normaliser
from sknpay_harness.redaction import Redactor

HERE = Path(__file__).parent
RECORDINGS = HERE.parents[1] / "fixtures" / "recordings"


@pytest.mark.parametrize(("break_name", "expected"), [
    ("payment_without_url", "*$.url: in the recording (url), missing from the mock*"),
    ("event_type_typo", "*webhook payment.canceled for plink_<1>: in the recording, not from "
                        "the mock*"),
])
def test_fidelity_test_fails_with_a_contract_break(pytester, break_name, expected):
    pytester.makepyfile(test_fidelity=(HERE / "test_mock_fidelity.py").read_text())
    result = pytester.runpytest_inprocess(
        "-p", "no:cacheprovider", "-k", "newest_recording", "--sknpay-mock-breaks", break_name,
        f"--sknpay-record-dir={RECORDINGS}")  # one token: not read as a rootdir hint
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*FidelityError: The mock differs from the recorded sandbox*",
                                 expected])


def test_the_same_fidelity_test_passes_without_a_break(pytester):
    pytester.makepyfile(test_fidelity=(HERE / "test_mock_fidelity.py").read_text())
    result = pytester.runpytest_inprocess("-p", "no:cacheprovider", "-k", "newest_recording",
                                          f"--sknpay-record-dir={RECORDINGS}")
    result.assert_outcomes(passed=1)


def exchange(method, url, status, body, request_body=None, headers=None):
    return Exchange(method, url, {"Authorization": "Bearer [REDACTED]",
                                  "Idempotency-Key": "5f0c-key"}, request_body, status,
                    headers or {"Content-Type": "application/json; charset=utf-8",
                                "Date": "Thu, 26 Nov 2026", "Server": "x"}, body, 1.0)


def test_normaliser_numbers_ids_hides_times_origins_and_secrets():
    n = Normaliser(Redactor(["sk_test_abcdefgh12345"]))
    api = "https://app.sknpay.com/api/v1"
    created = n.exchange(exchange("POST", api + "/payments", 200,
                                  '{"id": "plink_AAAAAAAAAAAA", "created": 1780000000, '
                                  '"url": "https://pay.sknpay.com/p/plink_AAAAAAAAAAAA", '
                                  '"metadata": {"harness_run": "20261126-x", '
                                  '"note": "sk_test_abcdefgh12345"}}',
                                  '{"amount": 1}'), api)
    canceled = '{"id": "plink_AAAAAAAAAAAA", "canceled_at": "2026-11-26T05:00Z"}'
    cancel = n.exchange(exchange("POST", api + "/payments/plink_AAAAAAAAAAAA/cancel", 200,
                                 canceled), api)
    body = created["response"]["body"]
    assert body["id"] == "plink_<1>" and body["created"] == "<timestamp:integer>"
    assert body["url"] == "<origin>/p/plink_<1>"
    assert body["metadata"] == {"harness_run": "<run>", "note": "[REDACTED]"}
    assert created["request"]["headers"] == {"idempotency-key": "<idempotency-key:1>"}
    assert created["response"]["headers"] == {"content-type": "application/json"}
    assert cancel["path"] == "/payments/plink_<1>/cancel"
    assert cancel["response"]["body"]["canceled_at"] == "<timestamp:string>"
    assert n.actual("plink_<1>") == "plink_AAAAAAAAAAAA"
    page = n.exchange(exchange("GET", "https://pay.sknpay.com/p/plink_AAAAAAAAAAAA", 200,
                               "<p>This link is no longer active</p>",
                               headers={"Content-Type": "text/html"}), api)
    assert page["of"] == "plink_<1>"
    assert page["response"]["body"] == {"phrases": ["no longer active"]}
