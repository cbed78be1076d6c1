"""KeepAliveTransport against real loopback servers, each test scripting how its server answers."""

from __future__ import annotations

import contextlib
import gzip
import socket
import threading
import time
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import httpx
import pytest

from sknpay_harness.transport import MAX_HEAD_BYTES, KeepAliveTransport, http_client

WAIT = 10.0  # seconds a test waits for its server before failing


@dataclass(frozen=True)
class Seen:
    """A request as the server read it."""

    index: int  # which accepted connection (0 = first)
    method: str
    path: str
    headers: list[tuple[str, str]]
    body: bytes

    def header(self, name: str) -> str | None:
        return next((v for k, v in self.headers if k.lower() == name.lower()), None)


def answer(status: str = "200 OK", body: bytes = b"ok", *headers: str, length: bool = True,
           version: str = "HTTP/1.1") -> bytes:
    lines = [f"{version} {status}", *headers]
    if length:
        lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


class Peer:
    """One accepted connection, as a test's script sees it."""

    def __init__(self, server: ScriptedServer, sock: socket.socket, index: int) -> None:
        self.server, self.sock, self.index = server, sock, index
        self._reader = sock.makefile("rb")

    def read_request(self) -> Seen | None:
        """The next request, or None once the client closed the connection."""
        line = self._reader.readline()
        if not line:
            self.server.note_eof()
            return None
        method, path, _ = line.decode().split(" ", 2)
        headers = []
        while (raw := self._reader.readline()) not in (b"\r\n", b""):
            name, _, value = raw.decode().partition(":")
            headers.append((name, value.strip()))
        length = int(next((v for k, v in headers if k.lower() == "content-length"), "0"))
        seen = Seen(self.index, method, path, headers, self._reader.read(length))
        self.server.note_request(seen)
        return seen

    def send(self, data: bytes) -> None:
        self.sock.sendall(data)

    def serve(self, respond: Callable[[Seen], bytes]) -> None:
        """Answer every request until the client closes the connection."""
        while (seen := self.read_request()) is not None:
            self.send(respond(seen))


Script = Callable[[Peer], None]


class ScriptedServer:
    """A loopback HTTP server whose every connection runs ``script``.

    ``threaded=False`` serves one connection at a time, in the order they were
    accepted, so "the server saw request X" means every earlier connection is done.
    """

    def __init__(self, script: Script, threaded: bool = False) -> None:
        self.script, self.threaded = script, threaded
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.listener.getsockname()[1]}"
        self.requests: list[Seen] = []
        self.accepted = 0
        self.eofs = 0  # connections the client closed
        self.stopping = threading.Event()  # scripts that hold a connection wait on this
        self._cond = threading.Condition()
        self._socks: list[socket.socket] = []
        self._threads = [threading.Thread(target=self._accept, daemon=True)]
        self._threads[0].start()

    def _accept(self) -> None:
        while True:
            try:
                sock, _ = self.listener.accept()
            except OSError:
                return
            with self._cond:
                index, self.accepted = self.accepted, self.accepted + 1
                self._socks.append(sock)
            if self.threaded:
                thread = threading.Thread(target=self._run, args=(sock, index), daemon=True)
                self._threads.append(thread)
                thread.start()
            else:
                self._run(sock, index)

    def _run(self, sock: socket.socket, index: int) -> None:
        try:
            self.script(Peer(self, sock, index))
        except OSError:
            pass  # the client went away: that is what some tests provoke
        finally:
            sock.close()

    def note_request(self, seen: Seen) -> None:
        with self._cond:
            self.requests.append(seen)
            self._cond.notify_all()

    def note_eof(self) -> None:
        with self._cond:
            self.eofs += 1
            self._cond.notify_all()

    def wait_until(self, predicate: Callable[[], bool], what: str) -> None:
        with self._cond:
            if not self._cond.wait_for(predicate, WAIT):
                raise AssertionError(f"server: {what} within {WAIT} s; saw {self.accepted} connections, "
                                     f"{len(self.requests)} requests, {self.eofs} client closes")

    def close(self) -> None:
        self.stopping.set()
        self.listener.shutdown(socket.SHUT_RDWR)  # wakes the blocked accept()
        self.listener.close()
        with self._cond:
            socks = list(self._socks)
        for sock in socks:
            with contextlib.suppress(OSError):  # wakes a blocked read; close() alone does not
                sock.shutdown(socket.SHUT_RDWR)
        for thread in self._threads:
            thread.join(WAIT)


@pytest.fixture
def serve() -> Iterator[Callable[..., ScriptedServer]]:
    """function · callable(script, threaded=False) -> ScriptedServer · stopped at teardown."""
    servers: list[ScriptedServer] = []

    def start(script: Script, threaded: bool = False) -> ScriptedServer:
        servers.append(ScriptedServer(script, threaded))
        return servers[-1]

    yield start
    for server in servers:
        server.close()


@pytest.fixture
def transport() -> Iterator[KeepAliveTransport]:
    t = KeepAliveTransport()
    yield t
    t.close()


@pytest.fixture
def client(transport: KeepAliveTransport) -> Iterator[httpx.Client]:
    with httpx.Client(transport=transport, timeout=WAIT) as c:
        yield c


def echo_path(peer: Peer) -> None:
    peer.serve(lambda seen: answer("200 OK", seen.path.encode()))


# -- keep-alive ------------------------------------------------------------------

def test_100_requests_share_one_connection(serve, client):
    server = serve(echo_path)
    for i in range(100):
        assert client.get(f"{server.url}/n/{i}").text == f"/n/{i}"
    assert server.accepted == 1


@pytest.mark.parametrize(("version", "connection", "reused"), [
    ("HTTP/1.1", "Connection: close", False),
    ("HTTP/1.0", "X-Nothing: here", False),
    ("HTTP/1.0", "Connection: Keep-Alive", True),
    ("HTTP/1.1", "Connection: keep-alive", True),
])
def test_connection_header_and_version_decide_reuse(serve, client, version, connection, reused):
    # The server keeps every connection open: only the client decides.
    server = serve(lambda peer: peer.serve(lambda seen: answer("200 OK", b"hi", connection, version=version)),
                   threaded=True)
    assert [client.get(server.url).text for _ in range(3)] == ["hi"] * 3
    assert server.accepted == (1 if reused else 3)
    if not reused:
        server.wait_until(lambda: server.eofs == 3, "the client closes each connection after its answer")


def test_sends_httpx_headers_and_frames_the_body(serve, client):
    server = serve(echo_path)
    client.post(server.url + "/json", json={"a": 1})
    client.post(server.url + "/empty")
    client.get(server.url + "/get")
    client.post(server.url + "/stream", content=iter([b"ab", b"cd"]))  # httpx would send it chunked
    posted, empty, got, streamed = server.requests
    names = [k.lower() for k, _ in posted.headers]
    assert names[:5] == ["host", "accept", "accept-encoding", "connection", "user-agent"]
    assert posted.header("Host") == server.url.removeprefix("http://")
    assert posted.header("Content-Type") == "application/json" and posted.body == b'{"a":1}'
    assert posted.header("Content-Length") == "7"
    assert empty.header("Content-Length") == "0" and empty.body == b""
    assert got.header("Content-Length") is None
    assert streamed.body == b"abcd" and streamed.header("Content-Length") == "4"
    assert streamed.header("Transfer-Encoding") is None
    assert server.accepted == 1


# -- response framing -----------------------------------------------------------

def test_chunked_body_with_extensions_and_trailers(serve, client):
    chunked = (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
               b"5;name=value\r\nhello\r\n1\r\n \r\n6\r\nworld!\r\n0\r\nX-Trailer: t\r\n\r\n")
    server = serve(lambda peer: peer.serve(lambda seen: chunked))
    assert [client.get(server.url).text for _ in range(2)] == ["hello world!"] * 2
    assert server.accepted == 1


def test_close_delimited_body(serve, client):
    def script(peer: Peer) -> None:
        peer.read_request()
        peer.send(answer("200 OK", b"until close", length=False))

    server = serve(script)  # the script ends, so the server closes the connection
    assert [client.get(server.url).text for _ in range(2)] == ["until close"] * 2
    assert server.accepted == 2


@pytest.mark.parametrize(("method", "status"), [("HEAD", "200 OK"), ("GET", "204 No Content"),
                                                ("GET", "304 Not Modified")])
def test_no_body_answers_leave_the_connection_ready(serve, client, method, status):
    # Content-Length describes the entity; no body follows, so reading one would hang.
    bodiless = f"HTTP/1.1 {status}\r\nContent-Length: 5\r\n\r\n".encode()
    server = serve(lambda peer: peer.serve(lambda seen: bodiless if seen.path == "/none" else answer()))
    response = client.request(method, server.url + "/none")
    assert response.status_code == int(status[:3]) and response.content == b""
    assert client.get(server.url + "/next").text == "ok"
    assert server.accepted == 1


def test_interim_responses_are_skipped(serve, client):
    interim = b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a.css>\r\n\r\n"
    server = serve(lambda peer: peer.serve(lambda seen: interim + answer("201 Created", b"made")))
    response = client.post(server.url, content=b"x")
    assert (response.status_code, response.text, response.reason_phrase) == (201, "made", "Created")
    assert "link" not in response.headers
    assert client.get(server.url).status_code == 201 and server.accepted == 1


GZIPPED = gzip.compress(b'{"zipped": true}')
SHAPES = {
    "gzip": answer("200 OK", GZIPPED, "Content-Encoding: gzip", "Content-Type: application/json"),
    "deflate": answer("200 OK", zlib.compress(b"deflated"), "Content-Encoding: deflate"),
    "chunked gzip": (b"HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n"
                     + b"%x\r\n%s\r\n0\r\n\r\n" % (len(GZIPPED), GZIPPED)),
    "duplicates and case": answer("404 Nope", b"{}", "set-cookie: a=1", "Set-Cookie: b=2", "X-Odd-CASE: v"),
    "http/1.0 keep-alive": answer("200 OK", b"old", "Connection: keep-alive", version="HTTP/1.0"),
    "no reason phrase": b"HTTP/1.1 200\r\nContent-Length: 0\r\n\r\n",
}


@pytest.mark.parametrize("shape", SHAPES)
def test_response_matches_httpx_default_transport(serve, client, shape):
    server = serve(lambda peer: peer.serve(lambda seen: SHAPES[shape]), threaded=True)
    with httpx.Client(timeout=WAIT) as default:
        expected = default.get(server.url)
    got = client.get(server.url)
    assert (got.status_code, got.headers.raw, got.content, got.text) == (
        expected.status_code, expected.headers.raw, expected.content, expected.text)
    assert (got.http_version, got.reason_phrase) == (expected.http_version, expected.reason_phrase)


# -- stale and dying connections ------------------------------------------------

def test_idle_connection_closed_by_server_is_replaced(serve, client):
    closed = threading.Event()

    def script(peer: Peer) -> None:
        if peer.index > 0:
            peer.serve(lambda seen: answer("200 OK", b"second"))
            return
        peer.read_request()
        peer.send(answer("200 OK", b"first"))
        peer.sock.close()  # no Connection: close header: the client learns only from the EOF
        closed.set()

    server = serve(script, threaded=True)
    assert client.get(server.url).text == "first"
    assert closed.wait(WAIT)
    assert client.get(server.url).text == "second"
    assert server.accepted == 2


def test_idle_connection_with_unsolicited_bytes_is_not_reused(serve, client):
    # Reusing it would hand the next request this stale answer.
    got_first = threading.Event()
    junk_sent = threading.Event()

    def script(peer: Peer) -> None:
        if peer.index > 0:
            peer.serve(lambda seen: answer("200 OK", b"fresh"))
            return
        peer.read_request()
        peer.send(answer("200 OK", b"first"))
        got_first.wait(WAIT)
        peer.send(answer("200 OK", b"stale"))
        junk_sent.set()
        peer.server.stopping.wait(WAIT)

    server = serve(script, threaded=True)
    assert client.get(server.url).text == "first"
    got_first.set()
    assert junk_sent.wait(WAIT)
    assert client.get(server.url).text == "fresh"
    assert server.accepted == 2


def test_reused_connection_closed_unanswered_is_retried_once_on_a_new_one(serve, client):
    def script(peer: Peer) -> None:
        if peer.index > 0:
            peer.serve(lambda seen: answer("200 OK", b"retried"))
            return
        peer.read_request()
        peer.send(answer("200 OK", b"first"))
        peer.read_request()  # then close without a byte of answer: the stale-close race

    server = serve(script)
    assert client.get(server.url + "/a").text == "first"
    assert client.get(server.url + "/b").text == "retried"
    assert [(s.index, s.path) for s in server.requests] == [(0, "/a"), (0, "/b"), (1, "/b")]


def test_fresh_connection_closed_unanswered_is_not_retried(serve, client):
    def script(peer: Peer) -> None:
        if peer.read_request() is not None and peer.index > 0:
            peer.send(answer())

    server = serve(script)  # one connection at a time: the sentinel comes after any retry
    with pytest.raises(httpx.RemoteProtocolError, match="closed the connection without sending a response"):
        client.post(server.url + "/once", content=b"pay")
    with httpx.Client(timeout=WAIT) as other:
        assert other.get(server.url + "/sentinel").status_code == 200
    assert [s.path for s in server.requests] == ["/once", "/sentinel"]


def test_eof_mid_body_is_a_protocol_error(serve, client):
    def script(peer: Peer) -> None:
        peer.read_request()
        peer.send(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc")

    server = serve(script)
    with pytest.raises(httpx.RemoteProtocolError, match=r"after 3 of 10 body bytes"):
        client.get(server.url)
    assert server.accepted == 1


@pytest.mark.parametrize(("reply", "match"), [
    (b"HTTP/1.1 200 OK\r\nX-Big: " + b"a" * (MAX_HEAD_BYTES + 10) + b"\r\n\r\n", "header block exceeds"),
    (b"ICY 200 OK\r\n\r\n", "malformed status line"),
    (b"HTTP/1.1 200 OK\r\nno colon here\r\n\r\n", "malformed header line"),
    (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", "malformed chunk size"),
    (b"HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab", "invalid Content-Length"),
])
def test_malformed_answers_are_protocol_errors_naming_the_server(serve, client, reply, match):
    def script(peer: Peer) -> None:
        peer.read_request()
        peer.send(reply)
        peer.server.stopping.wait(WAIT)  # keep it open: the error must not come from an EOF

    server = serve(script, threaded=True)
    with pytest.raises(httpx.RemoteProtocolError, match=match) as caught:
        client.get(server.url)
    assert server.url.removeprefix("http://") in str(caught.value)


# -- timeouts and connection errors ---------------------------------------------

def test_read_timeout_fires_within_its_deadline(serve, transport):
    def script(peer: Peer) -> None:
        peer.read_request()
        peer.server.stopping.wait(WAIT)  # never answers

    server = serve(script, threaded=True)
    with httpx.Client(transport=transport, timeout=httpx.Timeout(WAIT, read=0.2)) as client:
        started = time.monotonic()
        with pytest.raises(httpx.ReadTimeout, match=r"no response from 127\.0\.0\.1:\d+ within 0\.2 s"):
            client.get(server.url)
        assert 0.19 <= time.monotonic() - started < 0.2 + 2.0  # slack for a busy shared machine


def test_refused_port_is_a_connect_error(client):
    with socket.socket() as bound:  # bound but not listening: connecting is refused at once
        bound.bind(("127.0.0.1", 0))
        port = bound.getsockname()[1]
        with pytest.raises(httpx.ConnectError, match=f"cannot connect to 127.0.0.1:{port}"):
            client.get(f"http://127.0.0.1:{port}/")


def test_https_is_unsupported(client):
    with pytest.raises(httpx.UnsupportedProtocol, match="plain http:// only, not https://"):
        client.get("https://127.0.0.1:1/")


# -- threads and the pool -------------------------------------------------------

def test_16_threads_share_one_client_and_each_gets_its_own_answer(serve, client):
    server = serve(lambda peer: peer.serve(lambda seen: answer("200 OK", (seen.header("X-Id") or "").encode())),
                   threaded=True)
    wrong: list[str] = []

    def worker(thread: int) -> None:
        for i in range(50):
            request_id = f"{thread}-{i}"
            got = client.get(server.url, headers={"X-Id": request_id}).text
            if got != request_id:
                wrong.append(f"sent {request_id}, got {got}")

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not wrong
    assert len(server.requests) == 16 * 50
    assert server.accepted <= 16  # never more connections than concurrent requests


def test_close_closes_pooled_connections(serve, transport, client):
    server = serve(echo_path)
    client.get(server.url)
    transport.close()
    server.wait_until(lambda: server.eofs == 1, "the client closes its idle connection")


def test_connection_returned_after_close_is_closed(serve, transport, client):
    go = threading.Event()

    def script(peer: Peer) -> None:
        peer.read_request()
        go.wait(WAIT)
        peer.send(answer())
        peer.read_request()  # EOF: the client closed it instead of pooling it

    server = serve(script)
    done: list[int] = []
    thread = threading.Thread(target=lambda: done.append(client.get(server.url).status_code))
    thread.start()
    server.wait_until(lambda: len(server.requests) == 1, "the request arrives")
    transport.close()
    go.set()
    thread.join(WAIT)
    assert done == [200]
    server.wait_until(lambda: server.eofs == 1, "the client closes the connection once answered")


def test_idle_connections_beyond_the_bound_are_closed(serve):
    def script(peer: Peer) -> None:
        while peer.read_request() is not None:
            # Answer only once both requests are in, so both connections are in use at once.
            peer.server.wait_until(lambda: len(peer.server.requests) >= 2, "two concurrent requests")
            peer.send(answer())

    server = serve(script, threaded=True)
    with httpx.Client(transport=KeepAliveTransport(max_idle_per_origin=1), timeout=WAIT) as client:
        threads = [threading.Thread(target=client.get, args=(server.url,)) for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(WAIT)
        server.wait_until(lambda: server.eofs == 1, "one of the two connections is closed, not pooled")
        assert client.get(server.url).status_code == 200
        assert server.accepted == 2  # the third request reused the pooled one


# -- the harness on top ---------------------------------------------------------

def test_harness_scenario_through_the_transport():
    from sknpay_harness import WebhookInbox, WebhookListener
    from sknpay_harness.client import SknPayClient
    from sknpay_harness.settings import Secret, Settings
    from sknpay_harness.targets import EmbeddedMockTarget

    key, secret = "sk_test_transport_key", "whsec_transport_secret"
    inbox = WebhookInbox([secret], track_payments=False)
    listener = WebhookListener(inbox).start()
    target = EmbeddedMockTarget(Settings(api_key=Secret(key), webhook_secret=Secret(secret)), listener.url).start()
    client = SknPayClient(target.api_url, key, transport=KeepAliveTransport())
    try:
        created = client.create_payment({"amount": 1234, "currency": "USD"})
        assert created.status in (200, 201), created.summary()
        payment = created.json()
        canceled = client.cancel_payment(payment["id"])
        assert canceled.status == 200 and canceled.json()["status"] == "canceled", canceled.summary()
        event = inbox.wait_for("payment.canceled", payment["id"], timeout=WAIT)
        assert event.body["data"]["object"]["id"] == payment["id"]
        page = client.hosted_page(payment["url"])
        assert "no longer active" in page.response_body, page.summary()
    finally:
        client.close()
        target.stop()
        listener.stop()


def test_http_client_mounts_the_lean_transport_for_plain_http_only() -> None:
    # _transport_for_url is how httpx itself routes a request to a mount.
    with http_client() as client:
        assert isinstance(client._transport_for_url(httpx.URL("http://127.0.0.1:9/")), KeepAliveTransport)
        assert isinstance(client._transport_for_url(httpx.URL("https://sandbox.invalid/")),
                          httpx.HTTPTransport)
    with http_client(kind="httpx") as client:
        assert isinstance(client._transport_for_url(httpx.URL("http://127.0.0.1:9/")), httpx.HTTPTransport)


def test_http_client_refuses_an_unknown_kind() -> None:
    with pytest.raises(ValueError, match="unknown HTTP transport 'h2'; use one of keepalive, httpx"):
        http_client(kind="h2")


def test_http_client_carries_no_cookie_from_one_response_to_the_next_request() -> None:
    seen: list[str | None] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.headers.get("cookie"))
        return httpx.Response(200, headers={"Set-Cookie": "session=abc; Path=/"})

    with http_client(transport=httpx.MockTransport(handler)) as client:
        client.get("http://127.0.0.1:9/first")
        client.get("http://127.0.0.1:9/second")
    assert seen == [None, None]
