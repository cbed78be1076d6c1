"""WebhookInbox: accept, dedupe, reject, and waits that explain themselves."""

from __future__ import annotations

import json
import threading
import time

import httpx
import pytest

from sknpay_harness import signing
from sknpay_harness.errors import WaitTimeout, WebhookRejected
from sknpay_harness.inbox import ACCEPTED, DUPLICATE, IGNORED, REJECTED, WebhookInbox
from sknpay_harness.listener import WebhookListener

SECRET = "whsec_unit_listener"
NOW = 1_800_000_000.0


def event(payment_id="plink_A", event_id="evt_1", type_="payment.canceled"):
    return json.dumps({"id": event_id, "type": type_,
                       "data": {"object": {"id": payment_id, "status": "canceled"}}}).encode()


def headers(body, secret=SECRET, now=NOW, type_="payment.canceled"):
    return {"SknPay-Signature": signing.sign(body, secret, now), "SknPay-Event-Type": type_}


@pytest.fixture
def inbox():
    box = WebhookInbox([SECRET], clock=lambda: NOW)
    box.track("plink_A")
    return box


def test_valid_event_is_accepted_and_found_by_a_later_wait(inbox):
    body = event()
    assert inbox.handle("POST", "/hook", headers(body), body) == (200, {"received": True, "outcome": ACCEPTED})
    got = inbox.wait_for("payment.canceled", "plink_A", timeout=0.01)
    assert got.event_id == "evt_1" and got.body["data"]["object"]["id"] == "plink_A"


def test_a_redelivery_is_deduplicated_by_event_id(inbox):
    body = event()
    inbox.handle("POST", "/", headers(body), body)
    status, answer = inbox.handle("POST", "/", headers(body), body)
    assert (status, answer["outcome"]) == (200, DUPLICATE)
    assert len(inbox.events()) == 1 and inbox.events()[0].deliveries == 2


def test_events_for_payments_this_run_did_not_make_are_ignored(inbox):
    body = event(payment_id="plink_OTHER", event_id="evt_noise")
    assert inbox.handle("POST", "/", headers(body), body)[1]["outcome"] == IGNORED
    assert inbox.events() == [] and inbox.deliveries()[-1].outcome == IGNORED


def test_an_ignored_event_counts_once_its_payment_is_named(inbox):
    # The app under test made the payment: its event came before anyone named it.
    body = event(payment_id="plink_APP", event_id="evt_app")
    inbox.handle("POST", "/", headers(body), body)
    assert inbox.handle("POST", "/", headers(body), body)[1]["outcome"] == DUPLICATE
    assert (inbox.counters.ignored, inbox.counters.accepted) == (1, 0)
    inbox.track("plink_APP")
    got = inbox.wait_for("payment.canceled", "plink_APP", timeout=0.01)
    assert (got.event_id, got.deliveries) == ("evt_app", 2)
    assert (inbox.counters.ignored, inbox.counters.accepted) == (0, 1)
    first = inbox.deliveries()[0]
    assert (first.outcome, first.reason) == (ACCEPTED, "counted once the payment was named")


def test_held_events_are_bounded(inbox):
    small = WebhookInbox([SECRET], clock=lambda: NOW, keep_events=2)
    for n in range(3):
        body = event(payment_id=f"plink_{n}", event_id=f"evt_{n}")
        small.handle("POST", "/", headers(body), body)
    for n in range(3):
        small.track(f"plink_{n}")
    assert [e.event_id for e in small.events()] == ["evt_1", "evt_2"]


def test_waiter_blocked_before_the_event_is_woken_by_it(inbox):
    body = event()
    result = {}

    def wait():
        result["event"] = inbox.wait_for("payment.canceled", "plink_A", timeout=10)

    waiter = threading.Thread(target=wait)
    waiter.start()
    inbox.handle("POST", "/", headers(body), body)
    waiter.join(timeout=10)
    assert result["event"].event_id == "evt_1"


def test_bad_signature_for_the_awaited_payment_fails_at_once(inbox):
    body = event()
    status, answer = inbox.handle("POST", "/", headers(body, secret="whsec_wrong"), body)
    assert status == 400 and "signature mismatch" in answer["error"]
    with pytest.raises(WebhookRejected, match="was rejected: signature mismatch"):
        inbox.wait_for("payment.canceled", "plink_A", timeout=30)


def test_a_wait_for_several_names_takes_the_first_to_arrive(inbox):
    # An undocumented event's plausible names: whichever comes, its type says which.
    other = event(type_="payment.canceled", event_id="evt_other")
    inbox.handle("POST", "/", headers(other), other)
    body = event(type_="payment_link.expired", event_id="evt_exp")
    inbox.handle("POST", "/", headers(body, type_="payment_link.expired"), body)
    got = inbox.wait_for(("payment.expired", "payment_link.expired"), "plink_A", timeout=0.01)
    assert (got.event_id, got.type) == ("evt_exp", "payment_link.expired")
    with pytest.raises(WaitTimeout) as info:
        inbox.wait_for(("payment.expired", "payment.lapsed"), "plink_A", timeout=0.01)
    assert str(info.value).startswith(
        "No payment.expired or payment.lapsed webhook (got payment.canceled, payment_link.expired) "
        "for payment plink_A within 0.01 s\n")
    assert "expected: type='payment.expired' or 'payment.lapsed'" in str(info.value)


def test_timeout_lists_what_arrived_and_what_was_rejected(inbox):
    typo = event(type_="payment.cancelled", event_id="evt_typo")
    inbox.handle("POST", "/", headers(typo), typo)
    inbox.handle("POST", "/", {}, b"not json")
    with pytest.raises(WaitTimeout) as info:
        inbox.wait_for("payment.canceled", "plink_A", timeout=0.01, where="listener X")
    text = str(info.value)
    # The first line is the symptom: the awaited type is missing, another came.
    assert text.startswith("No payment.canceled webhook (got payment.cancelled) for payment plink_A "
                           "within 0.01 s\n")
    assert "payment.cancelled evt_typo payment=plink_A" in text
    assert "signature missing" in text
    assert "where to look: listener X" in text


def test_a_rejection_is_described_once_the_sender_has_stopped_retrying(inbox):
    body = event()
    inbox.handle("POST", "/", headers(body, secret="whsec_wrong"), body)

    def sender_retries(seconds):
        # What the mock's outbox does meanwhile: two more attempts, then idle.
        for _ in range(2):
            inbox.handle("POST", "/", headers(body, secret="whsec_wrong"), body)
        return "the outbox is idle"

    with pytest.raises(WebhookRejected) as info:
        inbox.wait_for("payment.canceled", "plink_A", timeout=30, settle=sender_retries)
    text = str(info.value)
    assert text.startswith("Webhook for plink_A was rejected: signature mismatch\n")
    assert "the sender has stopped retrying: the outbox is idle" in text
    assert "rejected deliveries (3):" in text and text.count("-> 400 rejected") == 3


def test_a_rejection_the_sender_may_retry_says_so(inbox):
    body = event()
    inbox.handle("POST", "/", headers(body, secret="whsec_wrong"), body)
    with pytest.raises(WebhookRejected, match=r"rejected deliveries \(1 so far; the sender retries"):
        inbox.wait_for("payment.canceled", "plink_A", timeout=30, settle=lambda seconds: None)


def test_the_failure_lists_only_what_came_after_since_seq(inbox):
    old = event(payment_id="plink_old", event_id="evt_old")
    inbox.track("plink_old")
    inbox.handle("POST", "/", headers(old), old)
    with pytest.raises(WaitTimeout) as info:
        inbox.wait_for("payment.canceled", "plink_A", timeout=0.01, since_seq=inbox.delivery_count)
    assert "events that did arrive (0):" in str(info.value) and "evt_old" not in str(info.value)


def test_give_up_ends_the_wait_early_with_its_reason(inbox):
    with pytest.raises(WaitTimeout, match="outbox is empty"):
        inbox.wait_for("payment.canceled", "plink_A", timeout=30,
                       give_up=lambda: "outbox is empty")


def test_non_post_and_oversized_and_non_json_are_rejected_and_recorded(inbox):
    assert inbox.handle("GET", "/", {}, b"")[0] == 405
    assert inbox.handle("POST", "/", {}, None, content_length=2 * 1024 * 1024)[0] == 413
    body = b"\xff\xfe not json"
    assert inbox.handle("POST", "/", headers(body), body)[0] == 400
    assert [d.outcome for d in inbox.deliveries()] == [REJECTED] * 3
    assert inbox.counters.rejected == 3 and inbox.events() == []


def test_listener_serves_the_inbox_over_http_on_any_path():
    box = WebhookInbox([SECRET])
    box.track("plink_A")
    listener = WebhookListener(box).start()
    try:
        body = event()
        base = listener.url.rsplit("/webhooks", 1)[0]
        for path in ("/webhooks/sknpay", "/any/other/path"):
            r = httpx.post(base + path, content=body,
                           headers=headers(body, now=time.time()))
            assert r.status_code == 200, r.text
        big = httpx.post(listener.url, content=b"x" * (1024 * 1024 + 1))
        assert big.status_code == 413
        assert [d.path for d in box.deliveries()][:2] == ["/webhooks/sknpay", "/any/other/path"]
    finally:
        listener.stop()
    listener.check_handler_errors()
