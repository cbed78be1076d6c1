"""The client is httpx's own client and transport: a user's proxy settings and
event hooks apply, and a POST is never silently sent twice."""

from __future__ import annotations

import json
import socket
import ssl
import threading
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from werkzeug.serving import make_server

from sknpay_harness.client import SknPayClient
from sknpay_harness.errors import TransportError

KEY = "sk_test_client_http"


@pytest.fixture
def proxy() -> Iterator[tuple[str, list[dict[str, Any]]]]:
    """A loopback HTTP proxy stand-in: records each request's target and answers
    as the API would, so nothing leaves the machine."""
    seen: list[dict[str, Any]] = []

    def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        seen.append({"method": environ["REQUEST_METHOD"], "target": environ.get("REQUEST_URI"),
                     "host": environ.get("HTTP_HOST")})
        body = json.dumps({"id": "plink_viaProxy", "status": "open"}).encode()
        start_response("200 OK", [("Content-Type", "application/json"),
                                  ("Content-Length", str(len(body)))])
        return [body]

    # werkzeug's server: cheroot refuses absolute-form targets unless it is a proxy.
    server = make_server("127.0.0.1", 0, app, threaded=True)
    # A short poll: shutdown() waits for it (werkzeug's default is 0.5 s).
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02},
                              daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.port}", seen
    server.shutdown()
    thread.join(timeout=5)


def test_http_proxy_from_the_environment_is_used_for_an_http_sandbox_url(
        monkeypatch: pytest.MonkeyPatch, proxy: tuple[str, list[dict[str, Any]]]) -> None:
    proxy_url, seen = proxy
    for name in ("NO_PROXY", "no_proxy", "ALL_PROXY", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HTTP_PROXY", proxy_url)
    client = SknPayClient("http://sandbox.sknpay.invalid/api/v1", KEY)
    try:
        exchange = client.retrieve_payment("plink_viaProxy")
    finally:
        client.close()
    assert exchange.status == 200
    # A proxied request names the absolute URL of the real target.
    assert seen == [{"method": "GET", "host": "sandbox.sknpay.invalid",
                     "target": "http://sandbox.sknpay.invalid/api/v1/payments/plink_viaProxy"}]


def test_event_hooks_on_the_client_see_every_request() -> None:
    seen: list[str] = []
    client = SknPayClient("https://api.example/api/v1", KEY, transport=httpx.MockTransport(
        lambda request: httpx.Response(200, json={"id": "plink_x"})))
    client.http.event_hooks["request"].append(lambda request: seen.append(str(request.url)))
    client.cancel_payment("plink_x")
    client.close()
    assert seen == ["https://api.example/api/v1/payments/plink_x/cancel"]


class _ClosesAfterTheSecondRequest:
    """A raw server: answers the first request on a connection with keep-alive,
    then reads the second (a POST), counts it as processed, and closes the
    connection without answering: what a server that crashed mid-answer does."""

    def __init__(self) -> None:
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.requests: list[bytes] = []
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _read_request(self, conn: socket.socket) -> bytes:
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = conn.recv(65536)
            if not chunk:
                return data
            data += chunk
        head, _, body = data.partition(b"\r\n\r\n")
        length = next((int(line.split(b":", 1)[1]) for line in head.split(b"\r\n")
                       if line.lower().startswith(b"content-length:")), 0)
        while len(body) < length:
            body += conn.recv(65536)
        return head

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            with conn:
                first = self._read_request(conn)
                if not first:
                    continue
                self.requests.append(first.split(b"\r\n", 1)[0])
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                             b"Content-Length: 2\r\n\r\n{}")
                second = self._read_request(conn)
                if second:
                    self.requests.append(second.split(b"\r\n", 1)[0])

    def close(self) -> None:
        self.listener.close()


def test_a_post_the_server_processed_before_closing_is_sent_once() -> None:
    server = _ClosesAfterTheSecondRequest()
    client = SknPayClient(f"http://127.0.0.1:{server.port}/api/v1", KEY)
    try:
        assert client.retrieve_payment("plink_warm").status == 200  # the connection is now reused
        with pytest.raises(TransportError, match="RemoteProtocolError"):
            client.request("POST", "/payments", json_body={"amount": 1000, "currency": "USD"},
                           retry=False)
    finally:
        client.close()
        server.close()
    posts = [line for line in server.requests if line.startswith(b"POST")]
    assert posts == [b"POST /api/v1/payments HTTP/1.1"], server.requests


def test_every_client_shares_one_verifying_tls_context():
    # Made once per process (a new one reads the CA bundle again, ~35 ms), and
    # httpx's own: certificates and host names are checked.
    from sknpay_harness.tls import shared_ssl_context

    context = shared_ssl_context()
    assert context is shared_ssl_context()
    assert context.verify_mode is ssl.CERT_REQUIRED and context.check_hostname
    first, second = (SknPayClient("https://sandbox.invalid/api/v1", KEY) for _ in range(2))
    try:
        assert first.http._transport._pool._ssl_context is context
        assert second.http._transport._pool._ssl_context is context
    finally:
        first.close()
        second.close()
