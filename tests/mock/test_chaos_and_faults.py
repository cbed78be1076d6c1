"""Webhook chaos (duplicates, noise, lost and failed attempts, reordering) and
API fault injection, each proven on a real outbox or WSGI app."""

from __future__ import annotations

import pytest
from werkzeug.test import Client

from sknpay_harness import Contract, WebhookInbox, WebhookListener
from sknpay_harness.backoff import Backoff
from sknpay_harness.mock.app import create_app
from sknpay_harness.mock.chaos import ChaosPolicy, WebhookChaos, chaos_from_dict, parse_delay
from sknpay_harness.mock.faults import ApiFaults, FailFirst, route_of
from sknpay_harness.mock.outbox import DeliveryAttempts, Outbox
from sknpay_harness.mock.state import MockConfig

SECRET = "whsec_chaos_test"
QUICK = DeliveryAttempts(max_attempts=5, backoff=Backoff(initial=0.01, multiplier=1.0, maximum=0.01))


def event(payment_id: str = "plink_abc", event_id: str = "evt_1") -> dict:
    return {"id": event_id, "object": "event", "type": "payment.canceled", "created": 1,
            "data": {"object": {"id": payment_id, "url": f"http://m/pay/{payment_id}",
                                "status": "canceled", "amount": 1000, "currency": "USD"}}}


@pytest.fixture
def listener():
    inbox = WebhookInbox([SECRET])
    server = WebhookListener(inbox).start()
    yield server
    server.stop()


def run_outbox(chaos: WebhookChaos, listener: WebhookListener, events: list[dict]) -> Outbox:
    policy = ChaosPolicy(seed=7)
    policy.configure("sk_test_a", chaos)
    outbox = Outbox(SECRET, chaos=policy, attempts=QUICK)
    outbox.start()
    try:
        for e in events:
            outbox.enqueue(e, [listener.url], "sk_test_a")
        outbox.wait_idle(10)
    finally:
        outbox.stop()
    return outbox


def test_duplicate_rate_one_delivers_each_event_twice_with_the_same_id(listener):
    listener.inbox.track("plink_abc")
    outbox = run_outbox(WebhookChaos(duplicate_rate=1.0), listener, [event()])
    kinds = sorted(d["kind"] for d in outbox.log())
    assert kinds == ["duplicate", "event"]
    received = listener.inbox.events("payment.canceled", "plink_abc")
    assert len(received) == 1 and received[0].deliveries == 2


def test_noise_is_a_valid_signed_event_for_someone_elses_payment(listener):
    listener.inbox.track("plink_abc")
    outbox = run_outbox(WebhookChaos(noise_rate=1.0), listener, [event()])
    noise = [d for d in outbox.log() if d["kind"] == "noise"]
    assert len(noise) == 1 and noise[0]["state"] == "delivered"
    assert noise[0]["payment_id"].startswith("plink_") and noise[0]["payment_id"] != "plink_abc"
    assert listener.inbox.events(payment_id=noise[0]["payment_id"]) == []  # ignored: not ours
    assert len(listener.inbox.events("payment.canceled", "plink_abc")) == 1


def test_noise_event_still_satisfies_the_event_schema():
    noisy = ChaosPolicy(WebhookChaos(noise_rate=1.0), seed=1).plan(event(), "t")[-1]
    assert noisy.kind == "noise"
    Contract().check("event", noisy.event)


def test_drop_then_fail_first_attempts_are_retried_until_delivered(listener):
    listener.inbox.track("plink_abc")
    outbox = run_outbox(WebhookChaos(drop_first=1, fail_first=2), listener, [event()])
    (delivery,) = outbox.log()
    answers = [(a["status"], bool(a["error"])) for a in delivery["attempts"]]
    assert answers == [(None, True), (503, True), (503, True), (200, False)]
    assert delivery["state"] == "delivered"


def test_reorder_delivers_a_quick_batch_newest_first(listener):
    ids = [f"plink_r{n}" for n in range(3)]
    for pid in ids:
        listener.inbox.track(pid)
    # 0.4 s between arrivals: 0.1 s was too little on a loaded 2-core machine.
    run_outbox(WebhookChaos(reorder=3, reorder_window=1.2), listener,
               [event(pid, f"evt_r{n}") for n, pid in enumerate(ids)])
    arrived = sorted(listener.inbox.events(), key=lambda e: e.seq)
    assert [e.payment_id for e in arrived] == list(reversed(ids))


def test_chaos_is_per_tenant():
    policy = ChaosPolicy(seed=1)
    policy.configure("sk_test_a", WebhookChaos(duplicate_rate=1.0))
    assert len(policy.plan(event(), "sk_test_a")) == 2
    assert len(policy.plan(event(), "sk_test_b")) == 1
    policy.clear("sk_test_a")
    assert len(policy.plan(event(), "sk_test_a")) == 1


def test_chaos_from_dict_names_bad_fields():
    assert chaos_from_dict({"duplicate": True, "delay": "1-2"}).duplicate_rate == 1.0
    with pytest.raises(ValueError, match=r"unknown chaos setting.*colour"):
        chaos_from_dict({"colour": 1})
    with pytest.raises(ValueError, match="noise_rate must be between 0 and 1"):
        chaos_from_dict({"noise_rate": 3})
    with pytest.raises(ValueError, match="drop_first must be an integer"):
        chaos_from_dict({"drop_first": "x"})


def test_parse_delay():
    assert parse_delay("2") == 2.0
    assert parse_delay("1-20") == (1.0, 20.0)
    with pytest.raises(ValueError):
        parse_delay("abc")


def test_route_names():
    assert route_of("POST", "/api/v1/payments") == "create_payment"
    assert route_of("GET", "/api/v1/payments/plink_x") == "retrieve_payment"
    assert route_of("POST", "/api/v1/payments/plink_x/cancel") == "cancel_payment"
    assert route_of("POST", "/api/v1/refunds") == "create_refund"
    assert route_of("GET", "/pay/plink_x") is None


def test_random_faults_are_reproducible_with_a_seed_and_never_touch_other_routes():
    def statuses(seed: int) -> list[int]:
        app = create_app(MockConfig(webhook_secret=SECRET),
                         faults=ApiFaults(rate=0.5, kinds=("500", "503"), seed=seed))
        client = Client(app)
        auth = {"Authorization": "Bearer sk_test_f"}
        return [client.get("/api/v1/payments/plink_none", headers=auth).status_code
                for _ in range(20)]

    first = statuses(3)
    assert first == statuses(3)
    assert {500, 503} <= set(first) and 404 in first


def test_fail_first_per_tenant_does_not_touch_other_keys():
    app = create_app(MockConfig(webhook_secret=SECRET))
    app.state.faults.fail_next(FailFirst("retrieve", 1, 500), tenant="sk_test_a")
    client = Client(app)
    path = "/api/v1/payments/plink_none"
    assert client.get(path, headers={"Authorization": "Bearer sk_test_b"}).status_code == 404
    assert client.get(path, headers={"Authorization": "Bearer sk_test_a"}).status_code == 500
    assert client.get(path, headers={"Authorization": "Bearer sk_test_a"}).status_code == 404
