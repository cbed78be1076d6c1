"""The receiver check as a library, a command and a control endpoint: the
battery is signed as each case says, every verdict can fail, and no secret is
ever shown. (The example shop and its broken variants: tests/shop.)"""

from __future__ import annotations

import io
import itertools
import json
import re
from collections.abc import Iterator

import httpx
import pytest
from werkzeug.test import Client

from sknpay_harness import SignatureError, WebhookInbox, WebhookListener, limits, signing
from sknpay_harness.errors import ConfigError
from sknpay_harness.mock import receiver_cli
from sknpay_harness.mock.app import create_app
from sknpay_harness.mock.build import MockSpec, build_mock
from sknpay_harness.mock.receiver_battery import (
    ACCEPT,
    BATTERY,
    CASE_NAMES,
    REFUSE,
    Kit,
    encode,
    payment_object,
)
from sknpay_harness.mock.receiver_check import ReceiverCheckFailed, check_receiver
from sknpay_harness.mock.state import MockConfig
from sknpay_harness.rehearsal import free_port

SECRET = "whsec_receiver_check_0123456789"
OLD_SECRET = "whsec_rotated_out_0123456789"
NOW = 1_800_000_000.0
PASSED = "receiver check passed: 11 of 11 deliveries met their expectations"


@pytest.fixture
def listener() -> Iterator[WebhookListener]:
    """The harness's own webhook listener: a receiver that verifies and dedupes."""
    running = WebhookListener(WebhookInbox([SECRET], track_payments=False)).start()
    yield running
    running.stop()


@pytest.fixture
def closed_url() -> str:
    """An http URL nothing listens on (the port was free a moment ago)."""
    return f"http://127.0.0.1:{free_port()}/webhooks"


def built() -> dict[str, tuple[str, signing.ParsedSignature | SignatureError, bytes]]:
    """Every case's delivery, verified with the receiver's secret at NOW."""
    kit = Kit(payment_object("plink_check"), SECRET, OLD_SECRET, lambda: NOW, "test")
    verdicts = {}
    for case in BATTERY:
        outgoing = case.build(kit)
        try:
            verdict: signing.ParsedSignature | SignatureError = signing.verify(
                outgoing.headers.get(signing.HEADER), outgoing.body, [SECRET], NOW)
        except SignatureError as error:
            verdict = error
        verdicts[case.name] = (outgoing.event_id, verdict, outgoing.body)
    return verdicts


# -- the battery --------------------------------------------------------------------------
def test_the_battery_is_the_issues_list_each_with_its_expectation():
    assert [(case.name, case.expectation) for case in BATTERY] == [
        ("forged_signature", "4xx, must not change state"),
        ("no_signature", "4xx, must not change state"),
        ("stale_signature", "4xx, must not change state"),
        ("future_timestamp", "4xx, must not change state"),
        ("body_changed", "4xx, must not change state"),
        ("valid", "2xx"),
        ("duplicate", "2xx, must not change state twice"),
        ("rotated_secret", "2xx"),
        ("unknown_type", "2xx, must not change state"),
        ("out_of_order", "2xx, must not undo the payment"),
        ("large_body", "2xx"),
    ]


def test_each_delivery_is_signed_as_its_case_says():
    # The harness's own verify (the one the listener uses) is the judge here.
    verdicts = built()
    refused = {name: verdict.reason for name, (_, verdict, _) in verdicts.items()
               if isinstance(verdict, SignatureError)}
    assert refused == {"forged_signature": "mismatch", "no_signature": "missing",
                       "stale_signature": "stale", "future_timestamp": "future",
                       "body_changed": "mismatch"}
    assert {case.name for case in BATTERY if case.expects == REFUSE} == set(refused)
    assert {case.name for case in BATTERY if case.expects == ACCEPT} == set(verdicts) - set(refused)
    rotated = verdicts["rotated_secret"][1]
    assert isinstance(rotated, signing.ParsedSignature) and len(rotated.v1) == 2
    # The old secret's v1 comes first: a receiver that checks only the first fails.
    assert rotated.v1[0] == signing.compute(OLD_SECRET, int(NOW), verdicts["rotated_secret"][2])


def test_the_duplicate_is_the_valid_event_again_and_every_other_id_is_new():
    verdicts = built()
    assert verdicts["duplicate"][0] == verdicts["valid"][0]
    assert verdicts["duplicate"][2] == verdicts["valid"][2]
    ids = [event_id for name, (event_id, _, _) in verdicts.items() if name != "duplicate"]
    assert len(set(ids)) == len(ids)


def test_no_json_library_writes_the_bodies_back_byte_for_byte():
    # So a receiver that re-serialises before verifying fails in any language.
    for _, _, body in built().values():
        event = json.loads(body)
        assert body not in (json.dumps(event).encode(),
                            json.dumps(event, separators=(",", ":")).encode())


def test_the_large_body_stays_within_the_apis_limits():
    event = json.loads(built()["large_body"][2])
    metadata = event["data"]["object"]["metadata"]
    assert len(metadata) == limits.METADATA_MAX_KEYS
    assert all(len(k) <= limits.METADATA_KEY_MAX_LENGTH and len(v) <= limits.METADATA_VALUE_MAX_LENGTH
               for k, v in metadata.items())
    assert len(encode(event)) > 25_000


def test_the_payment_object_keeps_what_the_caller_gives():
    payment = payment_object({"id": "plink_x", "amount": 2500, "currency": "XCD",
                              "metadata": {"order_id": "42"}})
    assert (payment["amount"], payment["currency"], payment["metadata"]) == (2500, "XCD",
                                                                             {"order_id": "42"})
    assert payment_object("plink_y")["id"] == "plink_y"


# -- verdicts ----------------------------------------------------------------------------------
def test_the_harness_listener_meets_every_answer_expectation(listener):
    report = check_receiver(listener.url, "plink_listener", SECRET)
    assert report.ok, report.text()
    assert report.summary() == PASSED + " (state rules not judged: no state probe)"
    assert "no state probe: state rules not judged" in report.text()


def test_an_unanswered_endpoint_breaks_every_expectation(closed_url):
    report = check_receiver(closed_url + "?token=t0ps3cret", "plink_x", SECRET, timeout=2)
    assert not report.ok
    assert report.summary() == ("receiver check failed (11 of 11 deliveries): no answer "
                                "(ConnectError): " + ", ".join(CASE_NAMES))
    assert "t0ps3cret" not in report.text() and report.url == closed_url


def test_a_slow_answer_breaks_its_expectation(listener):
    # The timer is injected: each answer "takes" 11 s, with no real waiting.
    ticks = itertools.count(step=11.0)
    report = check_receiver(listener.url, "plink_x", SECRET, timer=lambda: next(ticks))
    assert report.summary() == ("receiver check failed (11 of 11 deliveries): slow (over 10 s): "
                                + ", ".join(CASE_NAMES))
    assert "answered in 11.0 s; answer first, work later" in report.text()


def test_state_rules_compare_the_probe_before_and_after_each_delivery(listener):
    inbox = listener.inbox
    # "State" that changes on every accepted delivery: every state rule of an
    # accepted case breaks, and none of the refused ones (they are refused).
    report = check_receiver(listener.url, "plink_x", SECRET,
                            state_probe=lambda: inbox.counters.accepted)
    assert report.summary() == (
        "receiver check failed (2 of 11 deliveries): must not change state: unknown_type; "
        "must not undo the payment: out_of_order")
    assert "state before: 2; after: 3" in report.text()


def test_hooks_break_the_delivery_they_follow(listener):
    def fails() -> None:
        raise AssertionError("order paid 2 times, expected once\nmore detail")

    def crashes() -> None:
        raise KeyError("ord_1")

    def bad_probe() -> object:
        raise RuntimeError("database down")

    report = check_receiver(listener.url, "plink_x", SECRET,
                            after={"duplicate": fails, "valid": crashes})
    assert report.summary() == ("receiver check failed (2 of 11 deliveries): hook raised KeyError: "
                                "valid; order paid 2 times, expected once: duplicate")
    probed = check_receiver(listener.url, "plink_x", SECRET, state_probe=bad_probe)
    assert probed.summary().endswith("state probe failed: " + ", ".join(CASE_NAMES))
    with pytest.raises(ReceiverCheckFailed) as failure:
        report.raise_if_broken()
    assert isinstance(failure.value, AssertionError)
    assert str(failure.value).splitlines()[0] == report.summary()


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"url": "ftp://x/hooks"}, "the endpoint 'ftp://x/hooks' is not an http(s) URL"),
    ({"secret": ""}, "no webhook secret given"),
    ({"after": {"dupliate": lambda: None}}, "after= names no case of the battery: dupliate"),
    ({"slow_after": 0}, "must be more than 0 seconds"),
    ({"payment": {"amount": 100}}, "the payment has no id (got None)"),
    ({"payment": ""}, "the payment has no id (got '')"),
])
def test_bad_input_is_refused_naming_it(kwargs, message):
    arguments = {"url": "http://127.0.0.1:9/hooks", "payment": "plink_x", "secret": SECRET,
                 **kwargs}
    with pytest.raises(ConfigError, match=re.escape(message)):
        check_receiver(**arguments)


def test_no_secret_is_in_the_report_or_its_json(listener):
    report = check_receiver(listener.url, "plink_x", SECRET, old_secret=OLD_SECRET)
    shown = report.text(verbose=True) + json.dumps(report.as_dict()) + repr(report)
    assert SECRET not in shown and OLD_SECRET not in shown
    assert "rotated-out secret's first" in report.text(verbose=True)
    kit = Kit(payment_object("p"), SECRET, OLD_SECRET, lambda: NOW, "r")
    assert SECRET not in repr(kit) and OLD_SECRET not in repr(kit)


# -- the command -------------------------------------------------------------------------------
def test_the_command_exits_0_when_met_and_prints_no_secret(listener, monkeypatch, capsys):
    monkeypatch.setenv("MY_HOOK_SECRET", SECRET)
    out = io.StringIO()
    code = receiver_cli.main([listener.url, "--payment-id", "plink_cli",
                              "--secret-env", "MY_HOOK_SECRET", "--json"], stdout=out)
    assert code == 0
    report = json.loads(out.getvalue())
    assert report["passed"] is True and len(report["deliveries"]) == len(BATTERY)
    assert SECRET not in out.getvalue() + capsys.readouterr().err


def test_the_command_exits_1_when_an_expectation_is_broken(closed_url, monkeypatch):
    monkeypatch.setenv("SKNPAY_WEBHOOK_SECRET", SECRET)
    out = io.StringIO()
    assert receiver_cli.main([closed_url, "--payment-id", "plink_cli", "--timeout", "2"],
                             stdout=out) == 1
    assert out.getvalue().rstrip().splitlines()[-1].startswith("receiver check failed (11 of 11")


@pytest.mark.parametrize(("args", "env", "expected"), [
    (["http://127.0.0.1:9/x", "--payment-id", "p"], {}, "$SKNPAY_WEBHOOK_SECRET is not set"),
    (["http://127.0.0.1:9/x", "--payment-id", "p", "--old-secret-env", "OLD"],
     {"SKNPAY_WEBHOOK_SECRET": SECRET}, "$OLD is not set"),
    (["127.0.0.1:9/x", "--payment-id", "p"], {}, "is not an http(s) URL"),
    (["http://127.0.0.1:9/x"], {}, "the following arguments are required: --payment-id"),
    (["http://127.0.0.1:9/x", "--payment-id", "p", "--metadata", "order"], {},
     "'order' is not KEY=VALUE"),
])
def test_the_command_refuses_bad_usage_with_exit_2(args, env, expected, monkeypatch, capsys):
    monkeypatch.delenv("SKNPAY_WEBHOOK_SECRET", raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(SystemExit) as exit_info:
        receiver_cli.main(args)
    assert exit_info.value.code == 2
    assert expected in capsys.readouterr().err


def test_the_commands_help_lists_the_battery(capsys):
    with pytest.raises(SystemExit):
        receiver_cli.main(["--help"])
    shown = capsys.readouterr().out
    for case in BATTERY:
        assert f"{case.name}" in shown and case.expectation in shown


# -- the standalone mock's control endpoint -----------------------------------------------------
def test_the_mock_sends_the_battery_on_request_signed_with_its_secret(listener):
    # The listener verifies with SECRET: the mock must sign with its own secret, SECRET.
    server = build_mock(MockSpec(SECRET)).start()
    key = {"Authorization": "Bearer sk_test_receiver_check"}
    try:
        with httpx.Client(base_url=server.url, headers=key, timeout=30) as mock:
            payment = mock.post("/api/v1/payments", json={"amount": 2500, "currency": "XCD"}).json()
            answer = mock.post("/_mock/receiver-check",
                               json={"url": listener.url, "payment_id": payment["id"]})
            after = mock.get(f"/api/v1/payments/{payment['id']}").json()
    finally:
        server.stop()
    assert answer.status_code == 200, answer.text
    report = answer.json()
    assert report["passed"] is True, report["report"]
    assert report["payment_id"] == payment["id"]
    assert report["report"].rstrip().endswith(PASSED + " (state rules not judged: no state probe)")
    # The events carry the mock's own payment object (amount, currency, url).
    valid = listener.inbox.events("payment.succeeded", payment["id"])[0]
    assert (valid.body["data"]["object"]["amount"], valid.body["data"]["object"]["url"]) == (
        2500, payment["url"])
    assert after["status"] == "open"  # made-up events: the payment itself is unchanged
    assert SECRET not in answer.text


def test_the_control_endpoint_refuses_bad_requests():
    app = create_app(MockConfig(webhook_secret=SECRET))
    client = Client(app)
    key = {"Authorization": "Bearer sk_test_receiver_check"}
    try:
        cases = [({"url": "http://127.0.0.1:9/x", "payment_id": "plink_nope"}, 404, "id"),
                 ({"url": "nope", "payment_id": "plink_nope"}, 400, "url"),
                 ({"url": "http://", "payment_id": "plink_nope"}, 400, "url"),
                 ({"url": "http://127.0.0.1:9/x"}, 400, "payment_id"),
                 ({"url": "http://127.0.0.1:9/x", "payment_id": "p", "timeout": 120}, 400,
                  "timeout")]
        for body, status, param in cases:
            answer = client.post("/_mock/receiver-check", json=body, headers=key)
            assert (answer.status_code, answer.get_json()["error"]["param"]) == (status, param), body
        assert client.post("/_mock/receiver-check", json={}).status_code == 401
    finally:
        app.state.outbox.stop()


def test_the_front_page_says_how_to_check_a_receiver():
    app = create_app(MockConfig(webhook_secret=SECRET))
    try:
        page = Client(app).get("/").get_data(as_text=True)
    finally:
        app.state.outbox.stop()
    assert 'id="receiver-check"' in page
    assert "/_mock/receiver-check" in page and "sknpay-check-receiver URL --payment-id" in page
    assert SECRET not in page
