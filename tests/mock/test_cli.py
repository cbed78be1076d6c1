"""The ``sknpay-mock`` command: options, a real run, logs, faults, shutdown."""

from __future__ import annotations

import io
import os
import signal
import subprocess
import sys

import httpx
import pytest

from sknpay_harness import WebhookInbox, WebhookListener
from sknpay_harness.cards import TEST_CARD
from sknpay_harness.mock.cli import LineLog, build, build_parser, main

KEY = "sk_test_cli_key_0123456789"
SECRET = "whsec_cli_secret_0123456789"


@pytest.fixture
def run_cli(child_env):
    """function · callable(*args) -> CompletedProcess · ``sknpay-mock ARGS`` to its end,
    with none of the outer run's SKNPAY_* variables (e.g. its webhook secret)."""

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "sknpay_harness.mock", *args],
                              capture_output=True, text=True, timeout=30, env=child_env())

    return run


def test_help_documents_every_option(run_cli):
    result = run_cli("--help")
    assert result.returncode == 0, result.stderr
    for action in build_parser()._actions:
        for option in action.option_strings:
            assert option in result.stdout, f"--help does not mention {option}"
        if action.option_strings and action.dest != "help":
            assert action.help, f"{action.option_strings} has no help text"
    assert "SKNPAY_WEBHOOK_SECRET" in result.stdout
    assert "no_webhook" in result.stdout  # contract breaks are listed


@pytest.mark.parametrize(("args", "expected"), [
    (["--webhook-delay", "5-1"], "need 0 <= low <= high"),
    (["--duplicate-rate", "2"], "not a rate between 0 and 1"),
    (["--fail-first", "create"], "is not ROUTE=N[:STATUS]"),
    (["--fail-first", "delete=1"], "unknown route 'delete'"),
    (["--break", "nope"], "unknown contract break 'nope' (no close match)"),
    (["--break", "status_canceled"], "'status_canceled' (did you mean status_cancelled?)"),
    (["--fault-kinds", "500,teapot"], "fault kinds are a comma-separated subset"),
    (["--webhook-url", "http://127.0.0.1:9/hook"], "needs a signing secret"),
    (["--webhook-url", "ftp://x"], "is not an http(s) URL"),
    (["--extra-field", "status=1"], "'status' is a field the API already sends"),
    (["--extra-field", "payment_id"], "'payment_id' is a field the API already sends"),
    (["--extra-field", "Risk Score"], "the field name must be lower-case letters"),
    (["--extra-field", "risk_score=high"], "the value after = must be JSON"),
])
def test_bad_option_is_refused_with_the_reason(args, expected, capsys, monkeypatch):
    # In-process: argparse refuses before anything starts, and an interpreter
    # per case cost ~0.4 s (--help above runs the real command).
    for name in [n for n in os.environ if n.startswith("SKNPAY_")]:
        monkeypatch.delenv(name)
    with pytest.raises(SystemExit) as exit_info:
        main(args)
    assert exit_info.value.code == 2
    error = capsys.readouterr().err.splitlines()[-1]
    assert expected in error
    assert len(error) < 250, f"the error should name the near miss, not list everything: {error}"


def test_standalone_run_create_cancel_signed_webhook_and_clean_stop(mock_process):
    inbox = WebhookInbox([SECRET])
    listener = WebhookListener(inbox).start()
    try:
        mock = mock_process(["--api-key", KEY, "--webhook-url", listener.url],
                            env={"SKNPAY_WEBHOOK_SECRET": SECRET})
        headers = {"Authorization": f"Bearer {KEY}"}
        with httpx.Client(base_url=mock.api_url, headers=headers) as client:
            created = client.post("/payments", json={"amount": 1000, "currency": "USD",
                                                     "description": "Will cancel"})
            assert created.status_code == 200, created.text
            payment = created.json()
            inbox.track(payment["id"])
            canceled = client.post(f"/payments/{payment['id']}/cancel")
            assert canceled.json()["status"] == "canceled"
            refused = client.get(f"/payments/{payment['id']}",
                                 headers={"Authorization": "Bearer sk_test_other"})
            assert refused.status_code == 401  # only --api-key keys are accepted
        event = inbox.wait_for("payment.canceled", payment["id"], timeout=10)
        assert event.body["data"]["object"]["status"] == "canceled"
        assert mock.stop(signal.SIGTERM) == 0
    finally:
        listener.stop()
    log = mock.log()
    assert "POST /api/v1/payments -> 200" in log
    assert f"POST /api/v1/payments/{payment['id']}/cancel -> 200" in log
    assert f"payment.canceled {event.event_id} for {payment['id']}" in log
    assert "attempt 1: 200" in log and log.rstrip().endswith("stopped")
    everything = log + "\n".join(mock.stdout_lines)
    assert KEY not in everything and SECRET not in everything


def test_sigint_stops_cleanly(mock_process):
    mock = mock_process([])
    assert mock.stop(signal.SIGINT) == 0
    assert "stopped" in mock.log()


def test_fail_first_answers_503_once_and_changes_nothing(mock_process):
    mock = mock_process(["--fail-first", "create=1", "--fail-first", "cancel=1:500"])
    body = {"amount": 500, "currency": "XCD"}
    with httpx.Client(base_url=mock.api_url,
                      headers={"Authorization": "Bearer sk_test_any"}) as client:
        first = client.post("/payments", json=body)
        assert first.status_code == 503 and first.headers["Retry-After"] == "1"
        assert first.json()["error"]["code"] == "injected_fault"
        second = client.post("/payments", json=body)
        assert second.status_code == 200
        payment_id = second.json()["id"]
        assert client.post(f"/payments/{payment_id}/cancel").status_code == 500
        assert client.get(f"/payments/{payment_id}").json()["status"] == "open"
        assert client.post(f"/payments/{payment_id}/cancel").json()["status"] == "canceled"
    mock.stop()
    assert "POST /api/v1/payments -> 503" in mock.log()
    assert "[injected fault: 503]" in mock.log()


def test_extra_field_is_in_every_payment_refund_event_and_error():
    """--extra-field: a field the schemas do not know, in each object the API returns
    (the rehearsal uses it so contract drift is reported and tolerated)."""
    inbox = WebhookInbox([SECRET])
    listener = WebhookListener(inbox).start()
    args = build_parser().parse_args(["--port", "0", "--webhook-url", listener.url,
                                      "--extra-field", "risk_score=12", "--extra-field", "region"])
    mock = build(args, LineLog(io.StringIO()), SECRET, [KEY]).start()
    try:
        with httpx.Client(base_url=mock.url + "/api/v1",
                          headers={"Authorization": f"Bearer {KEY}"}) as client:
            created = client.post("/payments", json={"amount": 1000, "currency": "USD",
                                                     "description": "extra"}).json()
            inbox.track(created["id"])
            canceled = client.post(f"/payments/{created['id']}/cancel").json()
            error = client.get("/payments/plink_NoSuchPayment").json()
            paid = client.post("/payments", json={"amount": 500, "currency": "USD"}).json()
            httpx.post(f"{mock.url}/pay/{paid['id']}", data={"card_number": TEST_CARD})
            refund = client.post("/refunds", json={"payment_id": paid["id"]}).json()
        event = inbox.wait_for("payment.canceled", created["id"], timeout=10).body
    finally:
        mock.stop()
        listener.stop()
    for where, body in (("create", created), ("cancel", canceled), ("refund", refund),
                        ("error", error), ("event", event),
                        ("event data.object", event["data"]["object"])):
        assert (body.get("risk_score"), body.get("region")) == (12, "extra"), (where, body)
    assert canceled["status"] == "canceled" and error["error"]["code"] == "resource_missing"
    assert refund["object"] == "refund" and refund["payment_id"] == paid["id"]
