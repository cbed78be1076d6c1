"""Transient faults: bounded retries where a repeat is safe, each attempt an Exchange."""

from __future__ import annotations

import json

import httpx
import pytest

from sknpay_harness import SknPayClient, TransportError
from sknpay_harness.client import RequestRetries, is_transient, parse_retry_after

KEY = "sk_test_retry_0123456789"


def make_client(answers, *, retries=3):
    """A client whose transport plays ``answers`` in order (a status, (status, headers)
    or an exception); returns (client, requests seen, pauses taken, exchanges observed)."""
    seen: list[httpx.Request] = []
    pauses: list[float] = []
    plays = iter(answers)

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        answer = next(plays)
        if isinstance(answer, Exception):
            raise answer
        status, headers = answer if isinstance(answer, tuple) else (answer, {})
        body = {"id": "plink_abc123456789", "status": "open"} if status < 300 else {"error": {}}
        return httpx.Response(status, json=body, headers=headers)

    client = SknPayClient("https://sandbox.invalid/api/v1", KEY,
                          transport=httpx.MockTransport(handler),
                          retry=RequestRetries(retries=retries), pause=pauses.append)
    exchanges = []
    client.add_observer(exchanges.append)
    return client, seen, pauses, exchanges


def test_create_retried_after_503_with_one_idempotency_key():
    client, seen, pauses, exchanges = make_client([503, 200])
    final = client.create_payment({"amount": 1000, "currency": "USD"})
    assert final.status == 200 and final.attempt == 2 and final.final
    keys = {r.headers["Idempotency-Key"] for r in seen}
    assert len(seen) == 2 and len(keys) == 1, "a retried create must reuse its Idempotency-Key"
    assert pauses == [0.5]
    assert [e.status for e in exchanges] == [503, 200], "every attempt is reported"
    assert "retrying in 0.5 s" in exchanges[0].summary()
    assert exchanges[0].as_report()["retry"] == {"reason": "HTTP 503", "in_seconds": 0.5}


def test_each_create_call_gets_its_own_idempotency_key():
    client, seen, _, _ = make_client([200, 200])
    client.create_payment({"amount": 1000, "currency": "USD"})
    client.create_payment({"amount": 1000, "currency": "USD"})
    assert seen[0].headers["Idempotency-Key"] != seen[1].headers["Idempotency-Key"]


def test_429_retry_after_is_honoured():
    client, _, pauses, _ = make_client([(429, {"Retry-After": "7"}), 200])
    assert client.retrieve_payment("plink_abc123456789").status == 200
    assert pauses == [7.0]


def test_retry_after_longer_than_the_cap_is_the_answer():
    client, seen, pauses, _ = make_client([(429, {"Retry-After": "3600"})])
    assert client.retrieve_payment("plink_abc123456789").status == 429
    assert len(seen) == 1 and pauses == []


def test_back_off_is_bounded_and_gives_up():
    client, seen, pauses, _ = make_client([500, 502, 503, 504], retries=3)
    final = client.cancel_payment("plink_abc123456789")
    assert final.status == 504 and final.final
    assert pauses == [0.5, 1.0, 2.0] and len(seen) == 4
    assert RequestRetries(retries=9).decide(9, 503).delay == 8.0  # backoff.maximum


def test_connection_errors_are_retried_then_raised_with_every_attempt_reported():
    boom = httpx.ConnectError("connection refused")
    client, _, pauses, exchanges = make_client([boom, boom, boom], retries=2)
    with pytest.raises(TransportError, match="after 3 attempts"):
        client.cancel_payment("plink_abc123456789")
    assert [e.status for e in exchanges] == [0, 0, 0]
    assert exchanges[0].error.startswith("ConnectError") and pauses == [0.5, 1.0]


def test_timeouts_are_retried():
    client, _, _, _ = make_client([httpx.ReadTimeout("slow"), 200])
    assert client.cancel_payment("plink_abc123456789").status == 200


def test_a_post_without_idempotency_key_is_never_repeated():
    client, seen, pauses, _ = make_client([503])
    assert client.request("POST", "/refunds", json_body={"payment_id": "x"}).status == 503
    assert len(seen) == 1 and pauses == []


def test_client_errors_are_not_retried():
    client, seen, _, _ = make_client([404])
    assert client.retrieve_payment("plink_missing").status == 404
    assert len(seen) == 1


def test_tags_go_into_metadata_and_the_callers_keys_win():
    client, seen, _, _ = make_client([200, 200])
    with client.tagged({"harness_run": "r1", "harness_test": "t.py::t"}):
        client.create_payment({"amount": 1, "currency": "USD", "metadata": {"order": "9"}})
    client.create_payment({"amount": 1, "currency": "USD"})
    first, second = (json.loads(r.content) for r in seen)
    assert first["metadata"] == {"harness_run": "r1", "harness_test": "t.py::t", "order": "9"}
    assert "metadata" not in second, "tags end with the with-block"


@pytest.mark.parametrize(("status", "transient"), [
    (429, True), (500, True), (502, True), (503, True), (504, True),
    (400, False), (401, False), (404, False), (409, False), (501, False),
])
def test_which_statuses_are_transient(status, transient):
    assert is_transient(status) is transient


def test_retry_after_as_http_date():
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:10 GMT", now=1445412480.0) == 10.0
    assert parse_retry_after("soon") is None
