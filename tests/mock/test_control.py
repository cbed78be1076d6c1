"""The /_mock test-control endpoints, each scoped to the caller's API key."""

from __future__ import annotations

import pytest

from sknpay_harness import Contract

CONTRACT = Contract()
OTHER = "sk_test_other_worker"


def control(stack, key: str | None = None):
    client = stack.client(key)
    client.base_url = stack.server.url + "/_mock"
    return client


def create(client) -> dict:
    answer = client.post("/payments", json={"amount": 2500, "currency": "XCD"})
    assert answer.status_code == 200, answer.text
    return answer.json()


def test_control_needs_an_api_key(mock_stack):
    with mock_stack.page() as anonymous:
        answer = anonymous.post("/_mock/reset")
    assert answer.status_code == 401
    CONTRACT.check("error", answer.json())


@pytest.mark.parametrize(("status", "event_type"), [
    ("succeeded", "payment.succeeded"), ("canceled", "payment.canceled"),
    ("expired", "payment.expired"), ("failed", "payment.failed"),
])
def test_set_state_fires_the_matching_event(mock_stack, status, event_type):
    with mock_stack.client() as api, control(mock_stack) as ctl:
        payment = create(api)
        answer = ctl.post(f"/payments/{payment['id']}/state", json={"status": status})
        assert answer.status_code == 200, answer.text
        assert api.get(f"/payments/{payment['id']}").json()["status"] == status
    event = mock_stack.event(event_type, payment["id"])
    CONTRACT.check("event", event.body)
    assert event.event_id == answer.json()["event_id"]


def test_set_state_without_event_and_bad_status(mock_stack):
    with mock_stack.client() as api, control(mock_stack) as ctl:
        payment = create(api)
        quiet = ctl.post(f"/payments/{payment['id']}/state",
                         json={"status": "succeeded", "event": False})
        assert quiet.json()["event_id"] is None
        bad = ctl.post(f"/payments/{payment['id']}/state", json={"status": "paid"})
        assert bad.status_code == 400 and bad.json()["error"]["param"] == "status"
        assert ctl.post("/payments/plink_nope/state", json={"status": "open"}).status_code == 404
    assert mock_stack.app.state.outbox.log() == []


def test_advancing_the_clock_expires_links_of_that_key_only(mock_stack):
    with mock_stack.client() as api, mock_stack.client(OTHER) as other_api, \
            control(mock_stack) as ctl:
        mine, theirs = create(api), create(other_api)
        answer = ctl.post("/clock/advance", json={"seconds": 24 * 3600})
        assert answer.json()["expired"] == 1 and answer.json()["offset"] == 24 * 3600
        assert api.get(f"/payments/{mine['id']}").json()["status"] == "expired"
        assert other_api.get(f"/payments/{theirs['id']}").json()["status"] == "open"
        assert ctl.post("/clock/advance", json={"seconds": -1}).status_code == 400
        assert ctl.get(f"/payments/{mine['id']}").json()["expires_at"] is not None
    mock_stack.event("payment.expired", mine["id"])


def test_deliveries_wait_and_reset_are_per_key(mock_stack):
    with mock_stack.client() as api, mock_stack.client(OTHER) as other_api, \
            control(mock_stack) as ctl, control(mock_stack, OTHER) as other_ctl:
        mine, theirs = create(api), create(other_api)
        api.post(f"/payments/{mine['id']}/cancel")
        other_api.post(f"/payments/{theirs['id']}/cancel")
        assert ctl.post("/outbox/wait", json={"timeout": 10}).json()["idle"] is True
        listed = ctl.get("/deliveries", params={"event_type": "payment.canceled"}).json()
        assert [d["payment_id"] for d in listed["deliveries"]] == [mine["id"]]
        assert listed["deliveries"][0]["state"] == "delivered"
        assert ctl.post("/reset").json() == {"reset": True}
        assert ctl.get("/deliveries").json()["deliveries"] == []
        assert api.get(f"/payments/{mine['id']}").status_code == 404
        assert other_api.get(f"/payments/{theirs['id']}").status_code == 200
        assert len(other_ctl.get("/deliveries").json()["deliveries"]) == 1


def test_wait_times_out_with_what_is_still_pending(mock_stack):
    with mock_stack.client() as api, control(mock_stack) as ctl:
        ctl.put("/webhooks/chaos", json={"delay": 30})
        payment = create(api)
        api.post(f"/payments/{payment['id']}/cancel")
        answer = ctl.post("/outbox/wait", json={"timeout": 0.2})
        assert answer.status_code == 504
        assert "payment.canceled (pending, 0 attempts)" in answer.json()["error"]["message"]
        assert ctl.post("/outbox/wait", json={"timeout": 600}).status_code == 400
        ctl.post("/reset")


def test_chaos_per_key_fail_first_then_retry(mock_stack):
    with mock_stack.client() as api, control(mock_stack) as ctl:
        set_chaos = ctl.put("/webhooks/chaos", json={"fail_first": 2, "duplicate": True})
        assert set_chaos.json()["chaos"]["fail_first"] == 2
        payment = create(api)
        api.post(f"/payments/{payment['id']}/cancel")
        ctl.post("/outbox/wait", json={"timeout": 10})
        deliveries = ctl.get("/deliveries").json()["deliveries"]
        assert sorted(d["kind"] for d in deliveries) == ["duplicate", "event"]
        for d in deliveries:
            assert [a["status"] for a in d["attempts"]] == [503, 503, 200]
        assert ctl.put("/webhooks/chaos", json={"colour": 1}).status_code == 400
        assert ctl.delete("/webhooks/chaos").json()["chaos"]["fail_first"] == 0
    assert mock_stack.event("payment.canceled", payment["id"]).deliveries == 2


def test_per_key_webhook_endpoints(mock_stack):
    with mock_stack.client() as api, control(mock_stack) as ctl:
        assert ctl.put("/webhooks/endpoints", json={"urls": []}).json() == {"urls": []}
        payment = create(api)
        api.post(f"/payments/{payment['id']}/cancel")
        assert ctl.get("/deliveries").json()["deliveries"] == []  # nowhere to send
        assert ctl.put("/webhooks/endpoints", json={"urls": ["ftp://x"]}).status_code == 400


def test_faults_per_key_on_every_built_mock_and_reset_forgets_them(mock_stack):
    # Fault injection is part of every mock, not only the command line's.
    with mock_stack.client() as api, control(mock_stack) as ctl, \
            control(mock_stack, OTHER) as other:
        queued = ctl.post("/faults", json={"route": "create", "count": 2, "status": 503})
        assert queued.json()["pending"] == [{"route": "create", "remaining": 2, "status": 503}]
        faulted = api.post("/payments", json={"amount": 100, "currency": "USD"})
        assert faulted.status_code == 503 and faulted.headers["Retry-After"] == "1"
        assert other.get("/faults").json()["pending"] == []  # another key's are its own
        assert ctl.post("/reset").status_code == 200
        assert ctl.get("/faults").json()["pending"] == []
        assert create(api)["status"] == "open"


def test_faults_per_key_on_the_command_line_mock(mock_process):
    mock = mock_process([])
    import httpx

    key = {"Authorization": "Bearer sk_test_faulty"}
    with httpx.Client(base_url=mock.url, headers=key) as client:
        queued = client.post("/_mock/faults", json={"route": "create", "count": 1, "status": 500})
        assert queued.json()["pending"] == [{"route": "create", "remaining": 1, "status": 500}]
        body = {"amount": 100, "currency": "USD"}
        assert client.post("/api/v1/payments", json=body).status_code == 500
        assert client.post("/api/v1/payments", json=body).status_code == 200
        bad = client.post("/_mock/faults", json={"route": "nope"})
        assert bad.status_code == 400 and "unknown route" in bad.json()["error"]["message"]


def test_unknown_control_route(mock_stack):
    with control(mock_stack) as ctl:
        assert ctl.get("/nothing").json()["error"]["code"] == "route_not_found"
