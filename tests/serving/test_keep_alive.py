"""The loopback servers keep connections alive, and fall back to werkzeug's
closing path for anything unusual, without losing a request."""

from __future__ import annotations

import http.client
import json
import socket
import threading
import time

import pytest
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from sknpay_harness import signing
from sknpay_harness._serving import KEEP_ALIVE_MAX_BODY, QuietHandler
from sknpay_harness.listener import WebhookInbox, WebhookListener

SECRET = "whsec_keepalive_0123456789"


@Request.application
def echo(request: Request) -> Response:
    if request.path == "/boom":
        raise RuntimeError("boom")
    body = request.get_data()
    return Response(json.dumps({"method": request.method, "size": len(body)}),
                    content_type="application/json")


@pytest.fixture
def echo_server():
    server = make_server("127.0.0.1", 0, echo, threaded=True, request_handler=QuietHandler)
    accepted = []
    original = server.process_request

    def counting(request, address):
        accepted.append(address)
        return original(request, address)

    server.process_request = counting
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield server, accepted
    server.shutdown()
    server.server_close()


def test_many_requests_share_one_connection(echo_server):
    server, accepted = echo_server
    conn = http.client.HTTPConnection("127.0.0.1", server.port)
    for n in range(20):
        conn.request("POST", "/x", b"a" * n, {"Content-Type": "application/octet-stream"})
        response = conn.getresponse()
        assert json.loads(response.read()) == {"method": "POST", "size": n}
        assert response.getheader("Connection") is None
    conn.request("HEAD", "/x")
    head = conn.getresponse()
    assert head.read() == b"" and int(head.getheader("Content-Length")) > 0
    conn.close()
    assert len(accepted) == 1


def test_chunked_oversized_and_failing_requests_close_but_are_answered(echo_server):
    server, accepted = echo_server
    conn = http.client.HTTPConnection("127.0.0.1", server.port)
    conn.request("POST", "/x", iter([b"abc", b"def"]), encode_chunked=True)
    chunked = conn.getresponse()
    assert json.loads(chunked.read()) == {"method": "POST", "size": 6}
    assert chunked.getheader("Connection") == "close"
    conn.close()

    conn = http.client.HTTPConnection("127.0.0.1", server.port)
    big = b"x" * (KEEP_ALIVE_MAX_BODY + 1)
    conn.request("POST", "/x", big)
    assert json.loads(conn.getresponse().read())["size"] == len(big)
    conn.close()

    conn = http.client.HTTPConnection("127.0.0.1", server.port)
    conn.request("GET", "/boom")
    failed = conn.getresponse()
    assert failed.status == 500 and failed.getheader("Connection") == "close"
    failed.read()
    conn.close()
    assert len(accepted) == 3


def test_listener_refuses_oversized_body_and_closes_then_serves_the_next():
    inbox = WebhookInbox([SECRET], max_body=1000)
    listener = WebhookListener(inbox).start()
    try:
        port = int(listener.url.split(":")[2].split("/")[0])
        with socket.create_connection(("127.0.0.1", port)) as raw:
            raw.sendall(b"POST /webhooks/sknpay HTTP/1.1\r\nHost: x\r\nContent-Length: 5000\r\n\r\n"
                        + b"{" * 5000)
            answer = raw.makefile("rb").read()  # the server closes: read to EOF
        assert answer.startswith(b"HTTP/1.1 413") and b"Connection: close" in answer
        body = json.dumps({"id": "evt_1", "type": "payment.canceled",
                           "data": {"object": {"id": "plink_1"}}}).encode()
        inbox.track("plink_1")
        conn = http.client.HTTPConnection("127.0.0.1", port)
        conn.request("POST", "/webhooks/sknpay", body,
                     {signing.HEADER: signing.sign(body, SECRET, time.time())})
        assert json.loads(conn.getresponse().read())["outcome"] == "accepted"
        conn.close()
    finally:
        listener.stop()
