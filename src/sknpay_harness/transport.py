"""A lean HTTP/1.1 transport for httpx over plain sockets, for ``http://`` servers on loopback.

httpx's default transport (httpcore + h11) costs ~0.2 ms per exchange on top of the
socket work; against an in-process mock that is most of a request's time. This one
does only what a kept-alive exchange with a plain HTTP/1.1 server needs: one
``sendall`` per request, a pool of idle connections, and a small response parser.

Responses are read whole before ``handle_request`` returns, so the connection is back
in the pool at once; that suits API answers and pages, not endless or huge streams.
Bodies stay as the server sent them: httpx decodes ``Content-Encoding`` itself, exactly
as it does for its default transport. ``https://`` is not spoken (UnsupportedProtocol):
use httpx's default transport for it.
"""

from __future__ import annotations

import re
import select
import socket
import threading
from typing import Any, NamedTuple

import httpx

MAX_HEAD_BYTES = 64 * 1024  # a response's status line + headers; also one chunk-size or trailer line
MAX_IDLE_PER_ORIGIN = 32
_RECV_BYTES = 64 * 1024
_BLANK_LINE = re.compile(rb"\r?\n\r?\n")  # h11 accepts bare LF line ends too
_HEX = re.compile(rb"[0-9A-Fa-f]+")
_BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})

Origin = tuple[str, int]


class _ServerClosed(Exception):
    """EOF before the response was complete."""


class _Malformed(Exception):
    """The server broke HTTP/1.1 framing; the message says how."""


class _Stale(Exception):
    """A reused connection died before any answer: the server never processed the request."""


class _Connection:
    """A socket plus the bytes received on it but not consumed yet."""

    __slots__ = ("buffer", "received", "reused", "sock")

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.buffer = bytearray()
        self.reused = False  # came from the pool: a failure before any answer may be a stale close
        self.received = False  # any byte of this exchange's response arrived

    def close(self) -> None:
        self.sock.close()

    def is_dead(self) -> bool:
        """An idle connection with something to read was closed by the server (EOF) or got junk."""
        if self.buffer:
            return True
        if hasattr(select, "poll"):  # no 1024-descriptor limit, unlike select()
            poller = select.poll()
            poller.register(self.sock, select.POLLIN)
            return bool(poller.poll(0))
        return bool(select.select([self.sock], [], [], 0)[0])

    def settimeout(self, seconds: float | None) -> None:
        if self.sock.gettimeout() != seconds:
            self.sock.settimeout(seconds)

    def _fill(self) -> None:
        data = self.sock.recv(_RECV_BYTES)
        if not data:
            raise _ServerClosed
        self.received = True
        self.buffer += data

    def _consume(self, size: int, skip: int = 0) -> bytes:
        data = bytes(self.buffer[:size])
        del self.buffer[:size + skip]
        return data

    def read_head(self) -> bytes:
        """Status line and headers, without the blank line that ends them."""
        while (end := _BLANK_LINE.search(self.buffer)) is None:
            if len(self.buffer) > MAX_HEAD_BYTES:
                raise _Malformed(f"response header block exceeds {MAX_HEAD_BYTES} bytes")
            self._fill()
        if end.start() > MAX_HEAD_BYTES:
            raise _Malformed(f"response header block exceeds {MAX_HEAD_BYTES} bytes")
        return self._consume(end.start(), end.end() - end.start())

    def read_line(self) -> bytes:
        while (end := self.buffer.find(b"\n")) < 0:
            if len(self.buffer) > MAX_HEAD_BYTES:
                raise _Malformed(f"line in chunked body exceeds {MAX_HEAD_BYTES} bytes")
            self._fill()
        return self._consume(end, 1).rstrip(b"\r")

    def read_exact(self, size: int) -> bytes:
        while len(self.buffer) < size:
            try:
                self._fill()
            except _ServerClosed:
                raise _Malformed(f"server closed the connection after {len(self.buffer)} "
                                 f"of {size} body bytes") from None
        return self._consume(size)

    def read_to_close(self) -> bytes:
        try:
            while True:
                self._fill()
        except _ServerClosed:
            return self._consume(len(self.buffer))

    def read_chunked(self) -> bytes:
        parts = []
        while True:
            line = self.read_line()
            size = line.split(b";", 1)[0].strip(b" \t")  # drop chunk extensions
            if not _HEX.fullmatch(size):
                raise _Malformed(f"malformed chunk size line {line[:80]!r}")
            if not int(size, 16):
                break
            parts.append(self.read_exact(int(size, 16)))
            if self.read_line():
                raise _Malformed("chunk data not followed by CRLF")
        while self.read_line():  # trailers: dropped, as httpcore does
            pass
        return b"".join(parts)


def _parse_head(head: bytes) -> tuple[bytes, int, bytes, list[tuple[bytes, bytes]]]:
    """(version, status, reason, headers in order with original case and duplicates)."""
    lines = head.split(b"\n")
    status_line = lines[0].rstrip(b"\r")
    version, _, rest = status_line.partition(b" ")
    code, _, reason = rest.partition(b" ")
    if not version.startswith(b"HTTP/1.") or len(code) != 3 or not code.isdigit():
        raise _Malformed(f"malformed status line {status_line[:100]!r}")
    headers: list[tuple[bytes, bytes]] = []
    for raw in lines[1:]:
        line = raw.rstrip(b"\r")
        if line[:1] in (b" ", b"\t") and headers:  # obsolete line folding: continues the last value
            name, value = headers[-1]
            headers[-1] = (name, value + b" " + line.strip(b" \t"))
            continue
        name, colon, value = line.partition(b":")
        if not colon or not name or name != name.strip(b" \t"):
            raise _Malformed(f"malformed header line {line[:100]!r}")
        headers.append((name, value.strip(b" \t")))
    return version, int(code), reason, headers


class RawResponse(NamedTuple):
    """A whole response as it came off the wire (interim 1xx answers skipped)."""

    version: bytes
    status: int
    reason: bytes
    headers: list[tuple[bytes, bytes]]  # in order, original case, duplicates kept
    body: bytes  # de-chunked, still Content-Encoded


def _read_response(conn: _Connection, method: str) -> tuple[RawResponse, bool]:
    """The final response (interim 1xx skipped) and whether the connection may be reused."""
    while True:
        version, status, reason, headers = _parse_head(conn.read_head())
        if not 100 <= status < 200 or status == 101:
            break
    connection: set[bytes] = set()
    lengths: set[bytes] = set()
    codings = b""
    for name, value in headers:
        key = name.lower()
        if key == b"content-length":
            lengths.add(value)
        elif key == b"transfer-encoding":
            codings = value.lower()
        elif key == b"connection":
            connection.update(token.strip().lower() for token in value.split(b","))
    keep_alive = b"keep-alive" in connection if version == b"HTTP/1.0" else b"close" not in connection
    if method == "HEAD" or status < 200 or status in (204, 304):
        body = b""
        keep_alive = keep_alive and status != 101  # no upgrades here: never reuse a switched connection
    elif codings:  # Transfer-Encoding wins over Content-Length (RFC 9112 6.3)
        if codings.rsplit(b",", 1)[-1].strip() == b"chunked":
            body = conn.read_chunked()
        else:
            body, keep_alive = conn.read_to_close(), False
    elif lengths:
        length = next(iter(lengths))
        if len(lengths) > 1 or not length.isdigit():
            raise _Malformed(f"invalid Content-Length {b', '.join(sorted(lengths))!r}")
        body = conn.read_exact(int(length))
    else:
        body, keep_alive = conn.read_to_close(), False
    return RawResponse(version, status, reason, headers, body), keep_alive


def as_httpx_response(raw: RawResponse) -> httpx.Response:
    """The response as httpx's own transports hand it to the client."""
    # stream=, not content=: content= would add a Content-Length header of its own,
    # and httpx must still decode Content-Encoding when the client reads the body.
    return httpx.Response(raw.status, headers=raw.headers, stream=httpx.ByteStream(raw.body),
                          extensions={"http_version": raw.version, "reason_phrase": raw.reason})


def _encode(request: httpx.Request) -> bytes:
    """Request head and body as one buffer, so one sendall sends it all."""
    body = request.read()
    lines = [b"%s %s HTTP/1.1" % (request.method.encode("ascii"), request.url.raw_path)]
    has_length = False
    for name, value in request.headers.raw:
        if b"\r" in value or b"\n" in value or b"\r" in name or b"\n" in name:
            raise httpx.LocalProtocolError(f"line break in request header {name!r}", request=request)
        key = name.lower()
        if key == b"transfer-encoding":
            continue  # the body is already whole: it is framed by Content-Length instead
        if key == b"content-length":
            if value != b"%d" % len(body):
                raise httpx.LocalProtocolError(
                    f"Content-Length {value.decode(errors='replace')} but the body has {len(body)} bytes",
                    request=request)
            has_length = True
        lines.append(name + b": " + value)
    if not has_length and (body or request.method in _BODY_METHODS):
        lines.append(b"Content-Length: %d" % len(body))
    lines.append(b"\r\n")
    return b"\r\n".join(lines) + body


class KeepAliveTransport(httpx.BaseTransport):
    """HTTP/1.1 over plain sockets with a thread-safe pool of kept-alive connections.

    Idle connections are kept per (host, port), at most ``max_idle_per_origin`` each,
    and reused last-in first-out (the most recently used is the likeliest still open).
    The pool never makes a request wait: a request with no idle connection opens one,
    so httpx's ``pool`` timeout has nothing to bound.
    """

    def __init__(self, max_idle_per_origin: int = MAX_IDLE_PER_ORIGIN) -> None:
        self._max_idle = max_idle_per_origin
        self._lock = threading.Lock()
        self._idle: dict[Origin, list[_Connection]] = {}
        self._closed = False

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        url = request.url
        if url.scheme != "http":
            raise httpx.UnsupportedProtocol(
                f"KeepAliveTransport speaks plain http:// only, not {url.scheme}:// ({url}); "
                "mount httpx's default transport for it", request=request)
        raw = self.send((url.host, url.port or 80), _encode(request), request.method,
                        request.extensions.get("timeout", {}), request)
        return as_httpx_response(raw)

    def send(self, origin: Origin, data: bytes, method: str, timeouts: dict[str, Any],
             request: httpx.Request | None = None) -> RawResponse:
        """Send one encoded request (head and body) to ``origin`` and read the whole answer.

        Failures are httpx's TransportError kinds, carrying ``request`` when given.
        A pooled connection the server closed before answering is replaced once.
        """
        conn = self._checkout(origin)
        if conn is not None:
            try:
                return self._exchange(conn, origin, data, method, request, timeouts)
            except _Stale:
                pass  # the server closed it as we reused it; the request was never processed
        return self._exchange(self._connect(origin, request, timeouts), origin, data, method,
                              request, timeouts)

    @property
    def closed(self) -> bool:
        return self._closed

    def close(self) -> None:
        """Close the idle connections; any still in use is closed when its response is in."""
        with self._lock:
            self._closed = True
            idle, self._idle = self._idle, {}
        for conns in idle.values():
            for conn in conns:
                conn.close()

    # -- the pool ---------------------------------------------------------------
    def _checkout(self, origin: Origin) -> _Connection | None:
        while True:
            with self._lock:
                idle = self._idle.get(origin)
                if not idle:
                    return None
                conn = idle.pop()
            if not conn.is_dead():
                return conn
            conn.close()

    def _checkin(self, conn: _Connection, origin: Origin) -> None:
        conn.reused = True
        with self._lock:
            idle = self._idle.setdefault(origin, [])
            if not self._closed and len(idle) < self._max_idle:
                idle.append(conn)
                return
        conn.close()

    # -- one exchange -------------------------------------------------------------
    def _connect(self, origin: Origin, request: httpx.Request | None,
                 timeouts: dict[str, Any]) -> _Connection:
        timeout = timeouts.get("connect")
        try:
            sock = socket.create_connection(origin, timeout=timeout)
        except TimeoutError as exc:
            raise httpx.ConnectTimeout(f"connecting to {_where(origin)} timed out after {timeout} s",
                                       request=request) from exc
        except OSError as exc:
            raise httpx.ConnectError(f"cannot connect to {_where(origin)}: {exc}", request=request) from exc
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)  # small writes go out at once
        return _Connection(sock)

    def _exchange(self, conn: _Connection, origin: Origin, data: bytes, method: str,
                  request: httpx.Request | None, timeouts: dict[str, Any]) -> RawResponse:
        """Send, read the whole response, then pool or close the connection."""
        try:
            response, keep_alive = self._send_and_read(conn, origin, data, method, request, timeouts)
        except BaseException:
            conn.close()
            raise
        if keep_alive and not conn.buffer:  # leftover bytes would be junk before the next response
            self._checkin(conn, origin)
        else:
            conn.close()
        return response

    def _send_and_read(self, conn: _Connection, origin: Origin, data: bytes, method: str,
                       request: httpx.Request | None, timeouts: dict[str, Any]
                       ) -> tuple[RawResponse, bool]:
        where = _where(origin)
        conn.received = False
        try:
            conn.settimeout(timeouts.get("write"))
            conn.sock.sendall(data)
        except TimeoutError as exc:
            raise httpx.WriteTimeout(f"sending to {where} timed out after {timeouts.get('write')} s",
                                     request=request) from exc
        except OSError as exc:
            if conn.reused:
                raise _Stale from exc
            raise httpx.WriteError(f"sending to {where} failed: {exc}", request=request) from exc
        try:
            conn.settimeout(timeouts.get("read"))
            return _read_response(conn, method)
        except TimeoutError as exc:
            raise httpx.ReadTimeout(f"no response from {where} within {timeouts.get('read')} s",
                                    request=request) from exc
        except _ServerClosed as exc:
            if conn.reused and not conn.received:
                raise _Stale from exc
            state = "in the middle of the response" if conn.received else "without sending a response"
            raise httpx.RemoteProtocolError(f"{where} closed the connection {state}", request=request) from exc
        except OSError as exc:
            if isinstance(exc, ConnectionResetError) and conn.reused and not conn.received:
                raise _Stale from exc  # a reset before any answer is the same race as an EOF
            raise httpx.ReadError(f"reading from {where} failed: {exc}", request=request) from exc
        except _Malformed as exc:
            raise httpx.RemoteProtocolError(f"{where}: {exc}", request=request) from exc


def _where(origin: Origin) -> str:
    host, port = origin
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


HTTP_TRANSPORTS = ("keepalive", "httpx")


def http_client(*, kind: str = "keepalive", transport: httpx.BaseTransport | None = None,
                **options: Any) -> SessionClient:
    """An httpx.Client whose ``http://`` requests go through :class:`KeepAliveTransport`.

    ``kind`` "httpx" keeps httpx's own transport throughout (the escape hatch if
    a server needs something the lean one does not speak, or an HTTP proxy from
    the environment must be used: the mount takes ``http://`` past it).
    ``https://`` always uses httpx's own. An explicit ``transport`` wins over both.
    """
    if kind not in HTTP_TRANSPORTS:
        raise ValueError(f"unknown HTTP transport {kind!r}; use one of {', '.join(HTTP_TRANSPORTS)}")
    keepalive = None
    if transport is None and kind == "keepalive" and "http://" not in options.get("mounts", {}):
        keepalive = KeepAliveTransport()
        options["mounts"] = {"http://": keepalive, **options.get("mounts", {})}
    return SessionClient(transport=transport, keepalive=keepalive, **options)


class _Cookieless(httpx.Cookies):
    def extract_cookies(self, response: httpx.Response) -> None:
        pass


class SessionClient(httpx.Client):
    """An httpx.Client that keeps no cookies.

    One client serves a whole session, so a cookie one test's response set must
    not ride along on the next test's requests. httpx has no switch for this;
    its cookie store is the public ``cookies`` property, so that is what this
    overrides. Skipping the Set-Cookie parsing also saves ~15 us a response.
    """

    def __init__(self, *, keepalive: KeepAliveTransport | None = None, **options: Any) -> None:
        super().__init__(**options)
        self._cookieless = _Cookieless()
        self.keepalive = keepalive  # the transport mounted for http://, when it is ours

    @property
    def cookies(self) -> httpx.Cookies:
        return self._cookieless

    @cookies.setter
    def cookies(self, cookies: Any) -> None:
        raise TypeError("SessionClient keeps no cookies; send a Cookie header per request instead")
