"""The mock's outbox: signed deliveries, retries with back-off, idle signal.

Uses pytest-httpserver as the receiving end, so each answer is scripted.
"""

from __future__ import annotations

import threading
import time

import pytest
from pytest_httpserver import HTTPServer

from sknpay_harness import signing
from sknpay_harness.backoff import Backoff
from sknpay_harness.errors import WaitTimeout
from sknpay_harness.mock.outbox import DELIVERY_BACKOFF, DeliveryAttempts, Outbox

SECRET = "whsec_outbox_unit"
EVENT = {"id": "evt_1", "type": "payment.canceled", "data": {"object": {"id": "plink_1"}}}
FAST = DeliveryAttempts(max_attempts=3, backoff=Backoff(initial=0.01, multiplier=2, maximum=0.05))


@pytest.fixture
def outbox():
    box = Outbox(SECRET, attempts=FAST)
    box.start()
    yield box
    box.stop()


def test_delivery_is_signed_and_typed(outbox, httpserver: HTTPServer):
    httpserver.expect_request("/hook", method="POST").respond_with_data("ok")
    outbox.enqueue(EVENT, [httpserver.url_for("/hook")], tenant="t")
    outbox.wait_idle(10)
    request, _ = httpserver.log[0]
    signing.verify(request.headers[signing.HEADER], request.get_data(), [SECRET],
                   now=time.time())
    assert request.headers[signing.EVENT_TYPE_HEADER] == "payment.canceled"
    assert outbox.log()[0]["state"] == "delivered"


def test_non_2xx_is_retried_until_accepted(outbox, httpserver: HTTPServer):
    httpserver.expect_ordered_request("/hook").respond_with_data("busy", status=503)
    httpserver.expect_ordered_request("/hook").respond_with_data("no", status=400)
    httpserver.expect_ordered_request("/hook").respond_with_data("ok", status=200)
    outbox.enqueue(EVENT, [httpserver.url_for("/hook")], tenant="t")
    outbox.wait_idle(10)
    entry = outbox.log()[0]
    assert [a["status"] for a in entry["attempts"]] == [503, 400, 200]
    assert entry["state"] == "delivered"
    httpserver.check_assertions()


def test_connection_errors_are_retried_then_given_up(outbox):
    outbox.enqueue(EVENT, ["http://127.0.0.1:9/unreachable"], tenant="t")
    outbox.wait_idle(10)
    entry = outbox.log()[0]
    assert entry["state"] == "failed" and len(entry["attempts"]) == FAST.max_attempts
    assert all(a["status"] is None and a["error"] for a in entry["attempts"])


def test_idle_listeners_hear_when_the_outbox_drains(outbox, httpserver: HTTPServer):
    httpserver.expect_request("/hook").respond_with_data("ok")
    drained = threading.Event()
    outbox.add_idle_listener(drained.set)
    outbox.enqueue(EVENT, [httpserver.url_for("/hook")], tenant="t")
    assert drained.wait(10)


def test_a_delayed_delivery_keeps_the_outbox_busy_and_reset_drops_it(httpserver: HTTPServer):
    box = Outbox(SECRET, attempts=FAST, delay=3600)
    box.start()
    try:
        box.enqueue(EVENT, [httpserver.url_for("/hook")], tenant="t")
        assert not box.is_idle()
        with pytest.raises(WaitTimeout, match="1 queued, 0 in flight"):
            box.wait_idle(0.01)
        box.reset()
        assert box.is_idle() and box.log() == [] and httpserver.log == []
    finally:
        box.stop()


@pytest.mark.parametrize("workers", [1, 2])
def test_a_new_event_is_sent_while_workers_wait_out_a_later_one(httpserver: HTTPServer, workers):
    # Every worker may be asleep until the far delivery is due; the new one
    # must wake one of them, or it would wait out the hour too.
    httpserver.expect_request("/hook").respond_with_data("ok")
    sent = threading.Event()
    box = Outbox(SECRET, attempts=FAST, delay=3600, workers=workers)
    box.attempt_listeners.append(lambda delivery, attempt: sent.set())
    box.start()
    try:
        box.enqueue(EVENT, [httpserver.url_for("/hook")], tenant="t")
        box.delay = 0.0
        box.enqueue({**EVENT, "id": "evt_2"}, [httpserver.url_for("/hook")], tenant="t")
        assert sent.wait(10), f"evt_2 not sent within 10 s; outbox log: {box.log()}"
        assert [d["state"] for d in box.log()] == ["pending", "delivered"]
    finally:
        box.stop()


def test_back_off_grows_and_is_capped():
    backoff = Backoff(initial=0.5, multiplier=2, maximum=3)
    assert [backoff.delay(n) for n in (1, 2, 3, 4, 5)] == [0.5, 1.0, 2.0, 3, 3]
    # A real sender's: 0.5 s, doubling, at most 30 s; six attempts in all.
    assert [DELIVERY_BACKOFF.delay(n) for n in (1, 2, 7, 8)] == [0.5, 1.0, 30.0, 30.0]
    assert DeliveryAttempts().max_attempts == 6


def test_a_sender_bug_is_recorded_and_the_worker_goes_on(outbox, httpserver: HTTPServer, monkeypatch):
    # Before, anything but an httpx error killed the worker thread: every later
    # delivery sat in the queue and waits ran to their deadline.
    httpserver.expect_request("/hook").respond_with_data("ok")
    real_post, calls = outbox._post, []

    def flaky_post(*args):
        calls.append(args)
        if len(calls) <= outbox._workers:  # every worker meets the bug once
            raise RuntimeError("boom")
        return real_post(*args)

    monkeypatch.setattr(outbox, "_post", flaky_post)
    outbox.enqueue(EVENT, [httpserver.url_for("/hook")], tenant="t")
    outbox.wait_idle(10)
    outbox.enqueue({**EVENT, "id": "evt_2"}, [httpserver.url_for("/hook")], tenant="t")
    outbox.wait_idle(10)
    entries = outbox.log()
    assert [e["state"] for e in entries] == ["delivered", "delivered"]
    errors = [a["error"] for e in entries for a in e["attempts"] if a["error"]]
    assert errors and all(err == "sender failed: RuntimeError: boom" for err in errors)
