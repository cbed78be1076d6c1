"""The webhook relay on its own: two worker listeners behind one port.

Each delivery must reach the listener of the worker that registered its
payment with body and headers unchanged (the worker verifies the signature,
the relay holds no secret), the sender must get that worker's answer, and
everything the relay answers itself must be counted once. No timing is
asserted: every check reads state the relay has already recorded.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest

from sknpay_harness import WebhookInbox, WebhookListener, signing
from sknpay_harness.inbox import ACCEPTED, DUPLICATE, IGNORED, REJECTED
from sknpay_harness.relay import TOKEN_HEADER, UNFORWARDED, RelayError, RelayRegistration, WebhookRelay

SECRET = "whsec_relay_test_secret"


def _event(event_id: str, payment_id: str) -> bytes:
    return json.dumps({"id": event_id, "object": "event", "type": "payment.canceled",
                       "data": {"object": {"id": payment_id, "status": "canceled"}}}).encode()


def _signed(body: bytes, secret: str = SECRET) -> dict[str, str]:
    return {"Content-Type": "application/json", signing.EVENT_TYPE_HEADER: "payment.canceled",
            signing.HEADER: signing.sign(body, secret, time.time())}


@dataclass
class Worker:
    """What a worker builds: its inbox, a free-port listener, its registration."""

    name: str
    inbox: WebhookInbox
    listener: WebhookListener
    registration: RelayRegistration


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def relay(clock: FakeClock) -> Iterator[WebhookRelay]:
    relay = WebhookRelay(claim_window=30, clock=clock).start()
    yield relay
    relay.stop()


@pytest.fixture
def workers(relay: WebhookRelay) -> Iterator[tuple[Worker, Worker]]:
    made = []
    for name in ("gw0", "gw1"):
        inbox = WebhookInbox([SECRET])
        listener = WebhookListener(inbox).start()
        registration = RelayRegistration(relay.control_url, relay.token, listener.root_url, name)
        inbox.add_track_listener(registration.register)
        made.append(Worker(name, inbox, listener, registration))
    yield made[0], made[1]
    for worker in made:
        worker.listener.stop()
        worker.registration.close()


def _post(relay: WebhookRelay, body: bytes, headers: dict[str, str],
          path: str = "/sknpay/endpoint") -> httpx.Response:
    return httpx.post(relay.url + path, content=body, headers=headers, timeout=10)


def test_each_delivery_reaches_the_worker_that_made_the_payment_unchanged(relay, workers):
    one, two = workers
    one.inbox.track("plink_one")
    two.inbox.track("plink_two")
    for event_id, payment in (("evt_1", "plink_one"), ("evt_2", "plink_two")):
        body = _event(event_id, payment)
        answer = _post(relay, body, _signed(body), path="/dash/path?from=tunnel")
        assert answer.status_code == 200
        assert answer.json() == {"received": True, "outcome": ACCEPTED}  # the worker's answer
    # Accepted means the worker verified the signature over the raw body it got.
    assert [(e.event_id, e.payment_id) for e in one.inbox.events()] == [("evt_1", "plink_one")]
    assert [(e.event_id, e.payment_id) for e in two.inbox.events()] == [("evt_2", "plink_two")]
    (delivery,) = one.inbox.deliveries()
    assert delivery.path == "/dash/path"
    headers = {name.lower(): value for name, value in delivery.headers.items()}
    assert headers[signing.EVENT_TYPE_HEADER.lower()] == "payment.canceled"
    assert headers["content-type"] == "application/json"
    assert relay.counts.forwarded == 2 and relay.records() == []


def test_a_forged_delivery_gets_the_workers_400_and_fails_its_wait_at_once(relay, workers):
    one, _ = workers
    one.inbox.track("plink_one")
    body = _event("evt_forged", "plink_one")
    answer = _post(relay, body, _signed(body, secret="whsec_attacker"))
    assert answer.status_code == 400
    assert "signature mismatch" in answer.json()["error"]
    (delivery,) = one.inbox.deliveries()
    assert delivery.outcome == REJECTED
    with pytest.raises(AssertionError, match="was rejected: signature mismatch"):
        one.inbox.wait_for("payment.canceled", "plink_one", timeout=30)


def test_a_duplicate_goes_to_the_owner_whose_inbox_counts_it_once(relay, workers):
    one, two = workers
    one.inbox.track("plink_one")
    body = _event("evt_dup", "plink_one")
    for _ in range(2):
        assert _post(relay, body, _signed(body)).status_code == 200
    assert [d.outcome for d in one.inbox.deliveries()] == [ACCEPTED, DUPLICATE]
    assert two.inbox.deliveries() == []
    relay.stop()
    assert relay.counts.forwarded == 2 and relay.counts.ignored == 0


def test_another_runs_event_is_answered_at_once_and_counted_ignored_once(relay, workers):
    one, two = workers
    body = _event("evt_noise", "plink_someone_elses")
    answer = _post(relay, body, _signed(body))
    assert answer.status_code == 200 and answer.json()["outcome"] == "unclaimed"
    assert relay.unclaimed_count == 1
    relay.stop()
    assert one.inbox.deliveries() == [] and two.inbox.deliveries() == []
    assert relay.counts.ignored == 1
    (record,) = relay.records()
    assert (record.outcome, record.payment_id, record.event_id) == (
        IGNORED, "plink_someone_elses", "evt_noise")
    assert "payment not named by this run (the run ended)" in record.line()


def test_a_webhook_that_beats_the_registration_still_reaches_the_worker(relay, workers):
    # The race: the event arrives before the create's answer let the worker
    # register the payment. The relay keeps it; the registration forwards it
    # before it returns, so it is in the inbox as soon as track() is done.
    one, _ = workers
    body = _event("evt_early", "plink_late")
    assert _post(relay, body, _signed(body)).json()["outcome"] == "unclaimed"
    assert one.inbox.deliveries() == []
    one.inbox.track("plink_late")
    (event,) = one.inbox.events("payment.canceled", "plink_late")
    assert event.event_id == "evt_early"
    assert relay.unclaimed_count == 0
    relay.stop()
    assert relay.counts.claimed_late == 1 and relay.counts.ignored == 0


def test_a_delivery_unclaimed_past_the_window_counts_as_ignored(relay, workers, clock):
    one, _ = workers
    body = _event("evt_stale", "plink_slow")
    _post(relay, body, _signed(body))
    clock.now += relay.claim_window
    one.inbox.track("plink_slow")  # too late: it was counted as another run's
    assert one.inbox.deliveries() == []
    assert relay.counts.ignored == 1
    assert "no worker registered it within 30 s" in relay.records()[0].line()


def test_a_dead_worker_is_counted_and_the_relay_keeps_serving_the_others(relay, workers):
    one, two = workers
    one.inbox.track("plink_one")
    two.inbox.track("plink_two")
    one.listener.stop()  # the worker died
    body = _event("evt_lost", "plink_one")
    answer = _post(relay, body, _signed(body))
    assert answer.status_code == 502
    assert "worker gw0" in answer.json()["error"]
    assert relay.counts.unforwarded == 1
    assert relay.records()[0].outcome == UNFORWARDED
    body = _event("evt_alive", "plink_two")
    assert _post(relay, body, _signed(body)).status_code == 200
    assert [e.event_id for e in two.inbox.events()] == ["evt_alive"]


def test_what_the_relay_cannot_route_is_answered_and_counted_there(relay, workers):
    assert httpx.get(relay.url + "/x", timeout=10).status_code == 405
    assert _post(relay, b"not json", {"Content-Type": "text/plain"}).status_code == 400
    body = json.dumps({"id": "evt_acct", "type": "account.updated", "data": {"object": {}}}).encode()
    assert _post(relay, body, _signed(body)).status_code == 200  # not a payment event: not ours
    assert relay.counts.rejected == 2 and relay.counts.ignored == 1


def test_only_the_token_holder_registers_and_only_on_the_control_port(relay, workers):
    one, _ = workers
    payload = {"payment_id": "plink_hijack", "worker": "evil", "listener": one.listener.root_url}
    assert httpx.post(relay.control_url + "/payments", json=payload,
                      headers={TOKEN_HEADER: "guess"}, timeout=10).status_code == 401
    outside = {**payload, "listener": "http://203.0.113.9:80"}
    assert httpx.post(relay.control_url + "/payments", json=outside,
                      headers={TOKEN_HEADER: relay.token}, timeout=10).status_code == 400
    # The public port (reachable through the tunnel) has no control route at all.
    _post(relay, json.dumps(payload).encode(), {"Content-Type": "application/json"},
          path="/payments")
    body = _event("evt_x", "plink_hijack")
    assert _post(relay, body, _signed(body)).json()["outcome"] == "unclaimed"


def test_a_registration_the_relay_cannot_take_fails_loudly(relay, workers):
    one, _ = workers
    relay.stop()
    with pytest.raises(RelayError, match=r"could not register payment plink_x with the webhook relay"):
        one.inbox.track("plink_x")
