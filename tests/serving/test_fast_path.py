"""QuietHandler's own request parser: the environ it builds equals
werkzeug's ``make_environ`` for the same bytes, unusual requests still take
http.server's path, and malformed or oversized heads are refused and closed.

One server serves each request twice on one connection, once with the fast
path and once without, and the app records both environs.
"""

from __future__ import annotations

import io
import socket
import sys
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from werkzeug.serving import make_server
from werkzeug.wrappers import Request

from sknpay_harness._serving import KEEP_ALIVE_MAX_BODY, MAX_HEADERS, MAX_LINE, QuietHandler


class TogglingHandler(QuietHandler):
    """QuietHandler whose fast path a test switches, counting fast requests."""

    fast_path = True
    fast_served = 0

    def _environ(self, fields: list[tuple[str, str]], body: bytes) -> dict[str, Any]:
        type(self).fast_served += 1
        return super()._environ(fields, body)


class Recorder:
    """A WSGI app that keeps each environ (the body read out) and echoes the body."""

    def __init__(self) -> None:
        self.seen: list[dict[str, Any]] = []

    def __call__(self, environ: dict[str, Any], start_response: Any) -> list[bytes]:
        stream = environ["wsgi.input"]
        chunked = environ.get("wsgi.input_terminated")
        length = environ.get("CONTENT_LENGTH", "")
        stated = int(length) if length.isdigit() and len(length) < 10 else 0
        body = stream.read() if chunked else stream.read(stated)
        self.seen.append({**environ, "wsgi.input": body})
        start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
        return [body]


class Connection:
    """One raw client connection: send bytes, read one framed answer."""

    def __init__(self, port: int) -> None:
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=5)
        self.stream = self.sock.makefile("rb")

    def exchange(self, raw: bytes) -> tuple[bytes, dict[str, str], bytes]:
        self.sock.sendall(raw)
        status = self.stream.readline()
        headers = {}
        while (line := self.stream.readline()) not in (b"\r\n", b""):
            name, _, value = line.decode("latin-1").partition(":")
            headers[name.strip().lower()] = value.strip()
        body = self.stream.read(int(headers.get("content-length", 0)))
        return status, headers, body

    def until_closed(self) -> bytes:
        """Everything left, up to the server's FIN (a reset fails the test)."""
        return self.stream.read()

    def close(self) -> None:
        self.stream.close()
        self.sock.close()


@pytest.fixture
def served() -> Iterator[tuple[Recorder, int, list[Any]]]:
    TogglingHandler.fast_path, TogglingHandler.fast_served = True, 0
    app = Recorder()
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=TogglingHandler)
    accepted: list[Any] = []
    original = server.process_request

    def counting(request: Any, address: Any) -> None:
        accepted.append(address)
        original(request, address)

    server.process_request = counting  # type: ignore[method-assign]
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield app, server.port, accepted
    server.shutdown()
    server.server_close()


def _request(target: str | bytes, *headers: str | bytes, method: bytes = b"GET",
             body: bytes = b"") -> bytes:
    target_bytes = target.encode() if isinstance(target, str) else target
    lines = [h.encode("latin-1") if isinstance(h, str) else h for h in headers]
    return b"\r\n".join([method + b" " + target_bytes + b" HTTP/1.1", b"Host: 127.0.0.1:1",
                         *lines, b"", body])


EVERYDAY = {
    "root": _request("/"),
    "percent-escaped unicode": _request("/caf%C3%A9/%E2%82%AC/a%20b?x=%E2%82%AC&y=1"),
    "invalid utf-8 escapes": _request("/bad%ff%FE/%zz/%"),
    "encoded slashes": _request("/a%2Fb%2f/c"),
    "query and fragment": _request("/p/q?a=1&b=&a=2#frag"),
    "fragment before ?": _request("/p#frag?not=query"),
    "odd characters": _request("/a;b/c:d@e!$&'()*+,=~/?q=;:@/?"),
    "empty query": _request("/p?"),
    "POST with body and type": _request(
        "/api/v1/payment_links", "Content-Type: application/json", "Content-Length: 11",
        method=b"POST", body=b'{"a": "b"}\n'),
    "POST, no Content-Type": _request("/x", "Content-Length: 3", method=b"POST", body=b"abc"),
    "no Content-Length": _request("/x", method=b"DELETE"),
    "duplicate headers": _request("/x", "X-Dup: one", "Accept: a/b", "X-Dup: two",
                                  "accept: c/d", "X-Dup: three"),
    "duplicate Content-Type": _request("/x", "Content-Type: text/plain",
                                       "Content-Type: application/json"),
    "underscores in names": _request("/x", "X_Forwarded_For: spoof", "X-Forwarded-For: real",
                                     "Content_Type: spoof"),
    "name case and blanks": _request("/x", "x-lower: v", "X-UPPER: V ", "X-Tabs:\t v\t",
                                     "X-Empty:", "X-Colons: a:b:c"),
    "Connection: keep-alive": _request("/x", "Connection: keep-alive"),
    "HEAD": _request("/x", method=b"HEAD"),
    "lower-case method": _request("/x", method=b"get"),
    "Content-Length: 0": _request("/x", "Content-Length: 0", method=b"PUT"),
}

# Valid requests the fast path hands to http.server and werkzeug unchanged.
STANDARD = {
    "raw UTF-8 in the target": _request("/café/€".encode()),
    "obs-text in a value": _request("/x", "X-Latin: caf\xe9"),
    "double slash": _request("//a//b"),
    "absolute-form target": _request("http://example.com/p?q=1"),
    "Content-Length with a plus": _request("/x", "Content-Length: +2", method=b"POST", body=b"ab"),
}

# Keys werkzeug's make_environ sets; all must match.
ENVIRON_KEYS = {
    "REQUEST_METHOD", "SCRIPT_NAME", "PATH_INFO", "QUERY_STRING", "REQUEST_URI", "RAW_URI",
    "SERVER_NAME", "SERVER_PORT", "SERVER_PROTOCOL", "SERVER_SOFTWARE", "REMOTE_ADDR",
    "REMOTE_PORT", "wsgi.version", "wsgi.url_scheme", "wsgi.errors", "wsgi.multithread",
    "wsgi.multiprocess", "wsgi.run_once", "werkzeug.socket",
}


def _both_ways(port: int, app: Recorder, raw: bytes) -> tuple[dict[str, Any], dict[str, Any]]:
    conn = Connection(port)
    try:
        answers = []
        for fast in (True, False):
            TogglingHandler.fast_path = fast
            answers.append(conn.exchange(raw))
    finally:
        conn.close()
    (fast_status, fast_headers, fast_body), (status, headers, body) = answers
    assert (fast_status, fast_body) == (status, body)
    assert {**fast_headers, "date": ""} == {**headers, "date": ""}, "the same answer, but its Date"
    fast_env, standard_env = app.seen[-2:]
    return fast_env, standard_env


@pytest.mark.parametrize("raw", EVERYDAY.values(), ids=EVERYDAY.keys())
def test_fast_environ_equals_werkzeugs(served, raw):
    app, port, _ = served
    fast_env, standard_env = _both_ways(port, app, raw)
    assert TogglingHandler.fast_served == 1, "the fast path took this request"
    assert fast_env.keys() >= ENVIRON_KEYS
    assert fast_env == standard_env
    fast_request, standard_request = Request(fast_env), Request(standard_env)
    assert (fast_request.path, fast_request.args, dict(fast_request.headers)) == (
        standard_request.path, standard_request.args, dict(standard_request.headers))


def test_the_equivalence_cases_cover_what_they_claim(served):
    app, port, _ = served
    _both_ways(port, app, EVERYDAY["percent-escaped unicode"])
    assert app.seen[-1]["PATH_INFO"] == "/café/€/a b".encode().decode("latin-1")
    _both_ways(port, app, EVERYDAY["duplicate headers"])
    assert app.seen[-1]["HTTP_X_DUP"] == "one,two,three"
    assert app.seen[-1]["HTTP_ACCEPT"] == "a/b,c/d"
    _both_ways(port, app, EVERYDAY["underscores in names"])
    assert app.seen[-1]["HTTP_X_FORWARDED_FOR"] == "real" and "CONTENT_TYPE" not in app.seen[-1]


@pytest.mark.parametrize("raw", STANDARD.values(), ids=STANDARD.keys())
def test_unusual_requests_take_werkzeugs_path(served, raw):
    app, port, _ = served
    fast_env, standard_env = _both_ways(port, app, raw)
    assert TogglingHandler.fast_served == 0
    assert fast_env == standard_env


MALFORMED_HEAD = {
    "header without a colon": (b"GET / HTTP/1.1\r\nHost: x\r\nNoColonHere\r\n\r\n", b"Invalid header name"),
    "space before the colon": (b"GET / HTTP/1.1\r\nHost : x\r\n\r\n", b"Invalid header name"),
    "empty header name": (b"GET / HTTP/1.1\r\n: value\r\n\r\n", b"Invalid header name"),
    "obs-fold continuation": (b"GET / HTTP/1.1\r\nX-A: one\r\n two\r\n\r\n", b"line folding"),
    "control byte in a value": (b"GET / HTTP/1.1\r\nX-A: a\x01b\r\n\r\n", b"Invalid character"),
    "bare CR in a value": (b"GET / HTTP/1.1\r\nX-A: a\rb\r\n\r\n", b"Invalid character"),
}
# Refused by http.server itself, as before; a line it cannot read a version
# from is answered HTTP/0.9-style (no status line).
MALFORMED_LINE = {
    "four-word request line": (b"GET / x HTTP/1.1\r\nHost: x\r\n\r\n", b"Bad request syntax"),
    "bad version": (b"GET / HTTQ/1.1\r\nHost: x\r\n\r\n", b"Bad request version"),
    "one word": (b"GARBAGE\r\nHost: x\r\n\r\n", b"Bad request syntax"),
}


def _refused(port: int, raw: bytes) -> bytes:
    """The whole answer to ``raw``, read up to the server's FIN (a reset fails)."""
    conn = Connection(port)
    try:
        conn.sock.sendall(raw)
        return conn.until_closed()
    finally:
        conn.close()


@pytest.mark.parametrize(("raw", "explained"), MALFORMED_HEAD.values(), ids=MALFORMED_HEAD.keys())
def test_malformed_heads_get_400_and_a_clean_close(served, raw, explained):
    app, port, _ = served
    answer = _refused(port, raw)
    assert answer.startswith(b"HTTP/1.1 400 ") and b"\r\nConnection: close\r\n" in answer
    assert explained in answer
    assert app.seen == [], "the app never sees a malformed request"


@pytest.mark.parametrize(("raw", "explained"), MALFORMED_LINE.values(), ids=MALFORMED_LINE.keys())
def test_malformed_request_lines_are_refused_as_before(served, raw, explained):
    app, port, _ = served
    answer = _refused(port, raw)
    assert b"Error code: 400" in answer and explained in answer
    assert app.seen == []


@pytest.mark.parametrize("oversize", ["line", "count", "request line"])
def test_oversized_heads_are_refused(served, oversize):
    app, port, _ = served
    if oversize == "line":
        raw, code = _request("/", "X-Big: " + "a" * MAX_LINE), b"431"
    elif oversize == "count":
        raw, code = _request("/", *[f"X-H{n}: v" for n in range(MAX_HEADERS)]), b"431"
    else:
        raw, code = _request("/" + "a" * MAX_LINE), b"414"
    answer = _refused(port, raw)
    assert answer.startswith(b"HTTP/1.1 " + code) and b"\r\nConnection: close\r\n" in answer
    assert app.seen == []


def test_the_most_headers_http_server_allows_are_served(served):
    _, port, _ = served
    conn = Connection(port)
    try:
        # MAX_HEADERS lines including Host and the blank line ending the head.
        status, _, _ = conn.exchange(_request("/", *[f"X-H{n}: v" for n in range(MAX_HEADERS - 2)]))
    finally:
        conn.close()
    assert status.startswith(b"HTTP/1.1 200") and TogglingHandler.fast_served == 1


def test_keep_alive_holds_across_a_hundred_mixed_requests(served):
    app, port, accepted = served
    mixed = [*EVERYDAY.values(), STANDARD["obs-text in a value"], STANDARD["raw UTF-8 in the target"]]
    conn = Connection(port)
    try:
        for n in range(100):
            status, headers, _ = conn.exchange(mixed[n % len(mixed)])
            assert status.startswith(b"HTTP/1.1 200") and "connection" not in headers, n
    finally:
        conn.close()
    assert len(accepted) == 1, "one connection served all hundred"
    assert len(app.seen) == 100
    assert TogglingHandler.fast_served > 80, "the everyday ones took the fast path"


def test_connection_close_is_honoured(served):
    _, port, _ = served
    answer = _refused(port, _request("/x", "Connection: close"))
    assert answer.startswith(b"HTTP/1.1 200") and b"\r\nConnection: close\r\n" in answer
    assert TogglingHandler.fast_served == 1


UNFRAMED = {
    "chunked": _request("/x", "Transfer-Encoding: chunked", method=b"POST", body=b"3\r\nabc\r\n0\r\n\r\n"),
    "Expect: 100-continue": _request("/x", "Expect: 100-continue", "Content-Length: 3",
                                     method=b"POST", body=b"abc"),
    "a 5000-digit Content-Length": _request("/x", "Content-Length: " + "9" * 5000, method=b"POST"),
    "over the keep-alive cap": _request("/x", f"Content-Length: {KEEP_ALIVE_MAX_BODY + 1}",
                                        method=b"POST", body=b"a" * (KEEP_ALIVE_MAX_BODY + 1)),
}


@pytest.mark.parametrize("raw", UNFRAMED.values(), ids=UNFRAMED.keys())
def test_bodies_read_as_a_stream_take_werkzeugs_closing_path(served, raw):
    app, port, _ = served
    answer = _refused(port, raw)
    assert b"HTTP/1.1 200 OK\r\n" in answer and b"\r\nConnection: close\r\n" in answer
    assert TogglingHandler.fast_served == 0
    assert app.seen[0]["wsgi.input"] == raw.partition(b"\r\n\r\n")[2].replace(
        b"3\r\nabc\r\n0\r\n\r\n", b"abc")


def test_wsgi_errors_is_the_stderr_of_the_moment(served, monkeypatch):
    # pytest swaps sys.stderr per test, and a kept-alive connection outlives a test.
    app, port, _ = served
    conn = Connection(port)
    try:
        conn.exchange(_request("/x"))
        monkeypatch.setattr(sys, "stderr", io.StringIO())
        conn.exchange(_request("/x"))
    finally:
        conn.close()
    assert TogglingHandler.fast_served == 2 and app.seen[-1]["wsgi.errors"] is sys.stderr
