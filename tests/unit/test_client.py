"""SknPayClient over an httpx.MockTransport: headers, records, redaction."""

from __future__ import annotations

import json

import httpx
import pytest

from sknpay_harness.client import SknPayClient
from sknpay_harness.errors import TransportError

KEY = "sk_test_client_unit_key"


@pytest.fixture
def seen():
    return []


@pytest.fixture
def client(seen):
    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"id": "plink_1", "echo": request.headers.get("Authorization")})

    c = SknPayClient("https://api.example/api/v1/", KEY, transport=httpx.MockTransport(handler))
    yield c
    c.close()


def test_create_sends_bearer_key_json_and_idempotency_key(client, seen):
    ex = client.create_payment({"amount": 1000, "currency": "USD"}, idempotency_key="idem-1")
    req = seen[0]
    assert req.method == "POST" and str(req.url) == "https://api.example/api/v1/payments"
    assert req.headers["Authorization"] == f"Bearer {KEY}"
    assert req.headers["Idempotency-Key"] == "idem-1"
    assert json.loads(req.content) == {"amount": 1000, "currency": "USD"}
    assert ex.status == 200 and ex.elapsed_ms >= 0


def test_exchange_record_never_holds_the_key(client):
    ex = client.retrieve_payment("plink_1")
    dumped = json.dumps(ex.as_report())
    assert KEY not in dumped
    assert ex.request_headers["Authorization"] == "Bearer [REDACTED]"
    assert "[REDACTED]" in ex.response_body  # the server echoed it; masked anyway


def test_curl_line_reads_the_key_from_the_environment(client):
    ex = client.cancel_payment("plink_1")
    assert ex.curl.startswith("curl -sS -X POST https://api.example/api/v1/payments/plink_1/cancel")
    assert '"Authorization: Bearer $SKNPAY_API_KEY"' in ex.curl and KEY not in ex.curl


def test_curl_line_masks_every_secret_a_header_carries(client):
    ex = client.request("GET", "/payments/plink_1", headers={
        "Cookie": "session=cookie-value-123", "Proxy-Authorization": "Basic cHJveHk6c2VjcmV0",
        "X-Debug": f"key={KEY}"})
    for secret in ("cookie-value-123", "cHJveHk6c2VjcmV0", KEY):
        assert secret not in ex.curl and secret not in json.dumps(ex.as_report()), ex.curl
    assert "'Cookie: [REDACTED]'" in ex.curl and "'X-Debug: key=[REDACTED]'" in ex.curl


def test_hosted_page_is_fetched_without_the_key(client, seen):
    client.hosted_page("https://pay.example/pay/plink_1")
    assert "Authorization" not in seen[0].headers


def test_auth_override_for_contract_tests(client, seen):
    client.request("GET", "/payments/x", auth=None)
    client.request("GET", "/payments/x", auth="Basic abc")
    assert "Authorization" not in seen[0].headers and seen[1].headers["Authorization"] == "Basic abc"


def test_observers_see_every_exchange(client):
    got = []
    client.add_observer(got.append)
    client.retrieve_payment("plink_1")
    client.remove_observer(got.append)
    client.retrieve_payment("plink_1")
    assert len(got) == 1


def test_transport_failure_is_a_clear_error_without_the_key():
    def boom(request):
        raise httpx.ConnectError(f"refused {request.headers['Authorization']}")

    c = SknPayClient("http://127.0.0.1:9/api/v1", KEY, transport=httpx.MockTransport(boom))
    with pytest.raises(TransportError, match=r"POST http://127\.0\.0\.1:9/api/v1/payments failed") as info:
        c.create_payment({"amount": 1})
    assert KEY not in str(info.value)
