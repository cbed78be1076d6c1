"""PlainLane: the same bytes on the wire as httpx.Client, the same answer back,
and httpx's way for everything it cannot say exactly."""

from __future__ import annotations

import gzip
import socket
import threading
import zlib
from collections.abc import Iterator

import httpx
import pytest

from sknpay_harness.client import SknPayClient
from sknpay_harness.lane import Answer, PlainLane
from sknpay_harness.transport import KeepAliveTransport, SessionClient, http_client

WAIT = 10.0


class CaptureServer:
    """Keeps each request's exact bytes and answers every one with ``reply``."""

    def __init__(self, reply: bytes = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok") -> None:
        self.reply = reply
        self.seen: list[bytes] = []
        self._sock = socket.create_server(("127.0.0.1", 0))
        self.port = self._sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self._sock.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        buffer = b""
        with conn:
            while True:
                while b"\r\n\r\n" not in buffer:
                    data = conn.recv(65536)
                    if not data:
                        return
                    buffer += data
                head, _, rest = buffer.partition(b"\r\n\r\n")
                length = next((int(line.split(b":", 1)[1]) for line in head.split(b"\r\n")
                               if line.lower().startswith(b"content-length:")), 0)
                while len(rest) < length:
                    rest += conn.recv(65536)
                self.seen.append(head + b"\r\n\r\n" + rest[:length])
                buffer = rest[length:]
                conn.sendall(self.reply)

    def close(self) -> None:
        self._sock.close()


@pytest.fixture
def server() -> Iterator[CaptureServer]:
    s = CaptureServer()
    yield s
    s.close()


@pytest.fixture
def httpx_way() -> Iterator[SessionClient]:
    with http_client(timeout=WAIT) as client:
        yield client


@pytest.fixture
def lane(httpx_way: SessionClient) -> PlainLane:
    made = PlainLane.of(httpx_way)
    assert made is not None
    return made


KEY = {"Authorization": "Bearer sk_test_lane"}
PLAIN = [
    ("GET", "/api/v1/payments/plink_abc", {"Accept": "application/json", **KEY}, None),
    ("POST", "/api/v1/payments", {"Accept": "application/json", **KEY, "Idempotency-Key": "k-1",
                                  "Content-Type": "application/json"}, b'{"amount":1000}'),
    ("POST", "/api/v1/payments/plink_abc/cancel", {"Accept": "application/json", **KEY}, None),
    ("POST", "/empty-body", {}, b""),
    ("PUT", "/put", {"x-lower": "v", "X-Tab": "a\tb"}, b"x"),
    ("DELETE", "/payments/p_1", {"accept": "text/html"}, None),
    ("GET", "/pay/plink_abc?a=1&b=x-y_z.~", {"Accept": "text/html"}, None),
    ("GET", "/a//b/c.json", {"User-Agent": "mine", "Accept-Encoding": "identity"}, None),
    ("GET", "/", {"Connection": "close"}, None),
]


@pytest.mark.parametrize(("method", "path", "headers", "content"), PLAIN,
                         ids=[f"{m} {p}" for m, p, _, _ in PLAIN])
def test_sends_the_bytes_httpx_sends(server, httpx_way, lane, method, path, headers, content):
    httpx_way.request(method, server.url + path, headers=headers, content=content)
    assert lane.send(method, server.url + path, headers, content) is not None
    by_httpx, by_lane = server.seen
    assert by_lane == by_httpx


def test_default_port_leaves_the_port_out_of_host(lane):
    # Nothing listens on loopback port 80 in a test; only the head is checked.
    head = lane._head("GET", "http://localhost:80/x", {}, None)
    assert head is not None and head[0] == ("localhost", 80)
    assert b"\r\nHost: localhost\r\n" in head[1]
    assert httpx.Client().build_request("GET", "http://localhost:80/x").headers["Host"] == "localhost"


NOT_PLAIN = {
    "https": ("GET", "https://127.0.0.1:9/x", {}),
    "upper-case host": ("GET", "http://LOCALHOST:9/x", {}),
    "ipv6": ("GET", "http://[::1]:9/x", {}),
    "no path": ("GET", "http://127.0.0.1:9", {}),
    "space in path": ("GET", "http://127.0.0.1:9/a b", {}),
    "percent in path": ("GET", "http://127.0.0.1:9/a%2Fb", {}),
    "unicode path": ("GET", "http://127.0.0.1:9/caf\u00e9", {}),
    "dot segment": ("GET", "http://127.0.0.1:9/a/../b", {}),
    "query to quote": ("GET", "http://127.0.0.1:9/a?q=a b", {}),
    "empty query": ("GET", "http://127.0.0.1:9/a?", {}),
    "fragment": ("GET", "http://127.0.0.1:9/a#f", {}),
    "zero-padded port": ("GET", "http://127.0.0.1:09/a", {}),
    "port too big": ("GET", "http://127.0.0.1:70000/a", {}),
    "invalid IPv4": ("GET", "http://999.0.0.1:9/a", {}),
    "IPv4 with leading zeros": ("GET", "http://127.000.0.1:9/a", {}),
    "lower-case method": ("get", "http://127.0.0.1:9/a", {}),
    "non-ASCII header": ("GET", "http://127.0.0.1:9/a", {"X-Name": "caf\u00e9"}),
    "line break in header": ("GET", "http://127.0.0.1:9/a", {"X-Bad": "a\r\nInjected: 1"}),
    "bad header name": ("GET", "http://127.0.0.1:9/a", {"Bad Name": "v"}),
    "own Host": ("GET", "http://127.0.0.1:9/a", {"host": "elsewhere"}),
    "own Content-Length": ("POST", "http://127.0.0.1:9/a", {"Content-Length": "0"}),
    "own Transfer-Encoding": ("POST", "http://127.0.0.1:9/a", {"Transfer-Encoding": "chunked"}),
}


@pytest.mark.parametrize("case", NOT_PLAIN)
def test_leaves_to_httpx_what_httpx_would_change(lane, case):
    method, url, headers = NOT_PLAIN[case]
    assert lane._head(method, url, headers, None) is None
    assert lane.send(method, url, headers, None) is None  # nothing sent: port 9 is not dialled


GZIPPED = gzip.compress(b'{"zipped": true}')
REPLIES = {
    "plain": b"HTTP/1.1 201 Created\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}",
    "gzip": (b"HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: %d\r\n\r\n"
             % len(GZIPPED)) + GZIPPED,
    "deflate": (b"HTTP/1.1 200 OK\r\nContent-Encoding: deflate\r\nContent-Length: %d\r\n\r\n"
                % len(zlib.compress(b"deflated"))) + zlib.compress(b"deflated"),
    "repeats and case": (b"HTTP/1.1 404 Nope\r\nset-cookie: a=1\r\nSet-Cookie: b=2\r\n"
                         b"X-Odd-CASE: v\r\nRetry-After: 3\r\nContent-Length: 0\r\n\r\n"),
    "latin-1 header": b"HTTP/1.1 200 OK\r\nX-Name: caf\xe9\r\nContent-Length: 1\r\n\r\nx",
    "utf-8 header": b"HTTP/1.1 200 OK\r\nX-Name: caf\xc3\xa9\r\nContent-Length: 1\r\n\r\nx",
    "chunked": b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n",
}


@pytest.mark.parametrize("shape", REPLIES)
def test_answer_is_what_httpx_reads(shape):
    server = CaptureServer(REPLIES[shape])
    try:
        with httpx.Client(timeout=WAIT) as default, http_client(timeout=WAIT) as ours:
            expected = Answer.of(default.get(server.url + "/x"))
            lane = PlainLane.of(ours)
            assert lane is not None
            got = lane.send("GET", server.url + "/x", {}, None)
    finally:
        server.close()
    assert got == expected


def test_transport_errors_are_httpx_errors(lane):
    with socket.create_server(("127.0.0.1", 0)) as placeholder:
        port = placeholder.getsockname()[1]
    with pytest.raises(httpx.ConnectError, match=f"cannot connect to 127.0.0.1:{port}"):
        lane.send("GET", f"http://127.0.0.1:{port}/x", {}, None)


def test_client_takes_the_lane_only_with_its_own_transport(server):
    lane_client = SknPayClient(server.url, "sk_test_lane")
    httpx_client = SknPayClient(server.url, "sk_test_lane", http_transport="httpx")
    injected = SknPayClient(server.url, "sk_test_lane", transport=KeepAliveTransport())
    try:
        assert lane_client._lane is not None
        assert httpx_client._lane is None and injected._lane is None
        answers = [c.retrieve_payment("plink_abc") for c in (lane_client, httpx_client, injected)]
        odd = lane_client.request("GET", "/payments/with space")  # not plain: httpx's way
    finally:
        for c in (lane_client, httpx_client, injected):
            c.close()
    same = {(a.status, a.response_body, a.url, a.curl) for a in answers}
    assert len(same) == 1 and odd.status == 200
    assert server.seen[-1].startswith(b"GET /payments/with%20space HTTP/1.1\r\n")
    assert server.seen[0] == server.seen[2]  # the lane's bytes, and httpx.Client's over our transport


def test_str_content_and_a_closed_client_go_httpx_way(httpx_way, lane):
    assert lane._head("POST", "http://127.0.0.1:9/a", {}, "text") is None  # type: ignore[arg-type]
    httpx_way.close()
    assert lane.send("GET", "http://127.0.0.1:9/a", {}, None) is None


def test_a_closed_client_refuses_as_httpx_does(server):
    client = SknPayClient(server.url, "sk_test_lane")
    client.close()
    with pytest.raises(RuntimeError, match="client has been closed"):
        client.retrieve_payment("plink_abc")
    assert server.seen == []
