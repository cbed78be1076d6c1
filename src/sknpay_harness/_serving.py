"""The one WSGI request handler our loopback servers (mock, listener) use.

werkzeug's development server answers every request with ``Connection:
close`` (http.server cannot drain an unread body before the next request
line), so each request pays a new TCP connection and a server thread: about
0.7-1.2 ms on loopback, more than the rest of the exchange. Our apps are small
and their bodies capped, so :class:`QuietHandler` reads the request body in
full before the app runs and sends the response with a ``Content-Length``;
the connection is then at a clean request boundary and is kept alive. Anything
unusual (chunked or oversized bodies, ``Expect``) takes werkzeug's own path,
which closes the connection as before.

Parsing is the other big cost: http.server hands the header block to the
``email`` package and werkzeug then copies it into the environ, together
about half the server's time per request. An everyday request (token method,
origin-form ASCII target, HTTP/1.1, plain ASCII header fields, a
``Content-Length`` body within the cap) is parsed here with two regexes and
its environ built directly, equal to werkzeug's ``make_environ`` for it.
Everything else is handed, unchanged, to http.server and werkzeug.
"""

from __future__ import annotations

import io
import re
import sys
import time
from collections.abc import Iterable
from email.utils import formatdate
from http import HTTPStatus
from typing import Any
from urllib.parse import unquote

from werkzeug.serving import WSGIRequestHandler

# Bodies up to this size are read up front (both apps cap theirs at 1 MiB and
# answer 413 above it); larger ones go through werkzeug's closing path.
KEEP_ALIVE_MAX_BODY = 1024 * 1024 + 1
# http.server's bounds on a request's head (http.client's _MAXLINE, _MAXHEADERS).
MAX_LINE = 65536
MAX_HEADERS = 100
# Response headers we set ourselves on the keep-alive path.
_FRAMING = frozenset({"content-length", "transfer-encoding", "connection"})

_TOKEN = rb"[!#$%&'*+.^_`|~0-9A-Za-z-]+"
# The everyday request line; any other (HTTP/1.0, absolute-form, "//",
# non-ASCII, odd spacing) takes http.server's path.
_REQUEST_LINE = re.compile(rb"(" + _TOKEN + rb") (/(?!/)[!-~]*) HTTP/1\.1\r?\n")
# A header field as http.client keeps it: leading blanks dropped, trailing
# ones kept (werkzeug's environ has them too).
_FIELD = re.compile(rb"(" + _TOKEN + rb"):[ \t]*([\t -~]*)\r?\n")
# A field whose value has obs-text (bytes >= 0x80): valid, but left to the
# email package so its decoding stays the reference.
_OBS_TEXT_FIELD = re.compile(rb"(" + _TOKEN + rb"):[\t -~\x80-\xff]*\r?\n")
_HEAD_END = (b"\r\n", b"\n")


class _Refusal(Exception):
    """A request head we answer with an error and a closed connection."""

    def __init__(self, code: HTTPStatus, message: str, explain: str | None = None) -> None:
        super().__init__(message)
        self.code, self.message, self.explain = code, message, explain


class QuietHandler(WSGIRequestHandler):
    """HTTP/1.1 with keep-alive, and no access-log line per request on stderr
    (werkzeug otherwise installs its own stderr handler on first use)."""

    protocol_version = "HTTP/1.1"
    # Small answers on a kept-alive connection: without TCP_NODELAY, Nagle and
    # the client's delayed ACK add ~40 ms to each one.
    disable_nagle_algorithm = True
    # False: every request takes http.server's parser and werkzeug's
    # make_environ (the equivalence tests compare the two).
    fast_path = True

    def setup(self) -> None:
        super().setup()
        self._fixed_environ: dict[str, Any] | None = None  # per connection
        self._date: tuple[int, str] = (0, "")

    # -- reading a request ---------------------------------------------------
    def handle_one_request(self) -> None:
        # As http.server's, with the fast path tried first.
        try:
            self.raw_requestline = self.rfile.readline(MAX_LINE + 1)
            if len(self.raw_requestline) > MAX_LINE:
                self.requestline = self.request_version = self.command = ""
                self.send_error(HTTPStatus.REQUEST_URI_TOO_LONG)
            elif not self.raw_requestline:
                self.close_connection = True
            elif not self._serve_fast():
                self._serve_standard()
        except TimeoutError as exc:
            self.log_error("Request timed out: %r", exc)
            self.close_connection = True

    def _serve_standard(self, head: bytes | None = None) -> None:
        """http.server's parse and dispatch; ``head``: the header block when
        the fast path has already read it off the connection."""
        if head is None:
            parsed = self.parse_request()
        else:
            rfile, self.rfile = self.rfile, io.BytesIO(head)
            try:
                parsed = self.parse_request()
            finally:
                self.rfile = rfile
        if not parsed:
            return
        method = "do_" + self.command
        if not hasattr(self, method):
            self.send_error(HTTPStatus.NOT_IMPLEMENTED, f"Unsupported method ({self.command!r})")
            return
        getattr(self, method)()
        self.wfile.flush()

    def _serve_fast(self) -> bool:
        """Serve an everyday request; False (only the request line read) if
        the line is not one, so http.server's path can take it."""
        match = _REQUEST_LINE.fullmatch(self.raw_requestline)
        if match is None or not self.fast_path or self.server.ssl_context is not None:
            return False
        self.command, self.path = match[1].decode("ascii"), match[2].decode("ascii")
        self.request_version = "HTTP/1.1"
        self.requestline = self.raw_requestline.rstrip(b"\r\n").decode("ascii")
        self.close_connection = True  # until the head has been read in full
        try:
            lines, fields = self._read_head()
        except _Refusal as refusal:
            self.send_error(refusal.code, refusal.message, refusal.explain)
            return True
        length = None if fields is None else _plain_body_length(fields)
        if fields is None or length is None:
            self._serve_standard(b"".join(lines))
            return True
        self.close_connection = _first(fields, "connection").lower() == "close"
        body = self.rfile.read(length) if length else b""
        self._run_app(self._environ(fields, body))
        return True

    def _read_head(self) -> tuple[list[bytes], list[tuple[str, str]] | None]:
        """The header lines (up to and including the blank one) and their
        fields, or None for fields valid but left to the email package
        (obs-text, or the connection ended mid-head). Bounded as http.client
        bounds it (431); a malformed line is refused (400) once the whole
        head is in, as http.client reads it all."""
        lines: list[bytes] = []
        fields: list[tuple[str, str]] | None = []
        malformed = None
        while True:
            line = self.rfile.readline(MAX_LINE + 1)
            if len(line) > MAX_LINE:
                raise _Refusal(HTTPStatus.REQUEST_HEADER_FIELDS_TOO_LARGE, "Line too long",
                               f"got more than {MAX_LINE} bytes when reading header line")
            lines.append(line)
            if len(lines) > MAX_HEADERS:
                raise _Refusal(HTTPStatus.REQUEST_HEADER_FIELDS_TOO_LARGE, "Too many headers",
                               f"got more than {MAX_HEADERS} headers")
            if line in _HEAD_END or not line:
                break
            match = _FIELD.fullmatch(line)
            if match is None:
                if _OBS_TEXT_FIELD.fullmatch(line):
                    fields = None
                else:
                    malformed = malformed or line
            elif fields is not None:
                fields.append((match[1].decode("ascii"), match[2].decode("ascii")))
        if malformed is not None:
            raise _Refusal(HTTPStatus.BAD_REQUEST, _why_invalid(malformed))
        return lines, fields if line else None

    def _environ(self, fields: list[tuple[str, str]], body: bytes) -> dict[str, Any]:
        """What werkzeug's make_environ gives for this request (which is
        origin-form, plain HTTP, ASCII, unchunked)."""
        environ = self._connection_environ().copy()
        target = self.path
        path, _, query = target.partition("#")[0].partition("?")
        environ["REQUEST_METHOD"] = self.command
        # As werkzeug: percent-decoded as UTF-8, then a latin-1 WSGI string.
        environ["PATH_INFO"] = unquote(path).encode().decode("latin-1")
        environ["QUERY_STRING"] = query
        environ["REQUEST_URI"] = environ["RAW_URI"] = target
        environ["wsgi.input"] = io.BytesIO(body)
        environ["wsgi.errors"] = sys.stderr  # pytest swaps it per test; connections outlive tests
        for name, value in fields:
            if "_" in name:
                continue  # as werkzeug: "X_Y" could pose as "X-Y"
            key = name.upper().replace("-", "_")
            if key not in ("CONTENT_TYPE", "CONTENT_LENGTH"):
                key = "HTTP_" + key
                if key in environ:
                    value = f"{environ[key]},{value}"
            environ[key] = value
        return environ

    def _connection_environ(self) -> dict[str, Any]:
        """The environ keys that are the same for every request on this connection."""
        if self._fixed_environ is None:
            if not self.client_address:
                self.client_address = ("<local>", 0)
            elif isinstance(self.client_address, str):
                self.client_address = (self.client_address, 0)
            server = self.server
            self._fixed_environ = {
                "wsgi.version": (1, 0), "wsgi.url_scheme": "http",
                "wsgi.multithread": server.multithread, "wsgi.multiprocess": server.multiprocess,
                "wsgi.run_once": False, "werkzeug.socket": self.connection,
                "SERVER_SOFTWARE": self.server_version, "SCRIPT_NAME": "",
                "REMOTE_ADDR": self.client_address[0], "REMOTE_PORT": self.client_address[1],
                "SERVER_NAME": server.server_address[0], "SERVER_PORT": str(server.server_address[1]),
                "SERVER_PROTOCOL": "HTTP/1.1",
            }
        return self._fixed_environ

    # -- werkzeug's entry point (the standard path) ----------------------------
    def run_wsgi(self) -> None:
        length = self._plain_body_length()
        if length is None:
            self.close_connection = True
            super().run_wsgi()
            return
        body = self.rfile.read(length) if length else b""
        environ = self.make_environ()
        environ["wsgi.input"] = io.BytesIO(body)
        self._run_app(environ)

    def _plain_body_length(self) -> int | None:
        """The body length when it can be read up front, else None."""
        if self.headers.get("Transfer-Encoding") or self.headers.get("Expect"):
            return None
        raw = self.headers.get("Content-Length")
        if raw is None:
            return 0
        try:
            length = int(raw)
        except ValueError:
            return None
        return length if 0 <= length <= KEEP_ALIVE_MAX_BODY else None

    # -- answering -------------------------------------------------------------
    def _run_app(self, environ: dict[str, Any]) -> None:
        """Run the app on a fully read request and send its whole answer."""
        self.environ = environ
        answer: list[Any] = []

        def start_response(status: str, headers: list[tuple[str, str]],
                           exc_info: Any = None) -> Any:
            answer[:] = [status, headers]
            return lambda data: answer.append(data)  # the rarely used write()

        try:
            chunks: Iterable[bytes] = self.server.app(environ, start_response)
            try:
                payload = b"".join([*answer[2:], *chunks])
            finally:
                close = getattr(chunks, "close", None)
                if close is not None:
                    close()
        except Exception as exc:  # as werkzeug: log it, answer 500, close
            self.server.log("error", f"Error on request {self.command} {self.path}: {exc!r}")
            self.close_connection = True
            answer[:] = ["500 Internal Server Error", [("Content-Type", "text/plain")]]
            payload = b"Internal Server Error"
        code, _, reason = str(answer[0]).partition(" ")
        self._send(int(code), reason, answer[1], payload)

    def _send(self, code: int, reason: str, headers: list[tuple[str, str]], payload: bytes) -> None:
        """Head and body in one write, framed by Content-Length; the head as
        send_response and send_header would write it."""
        head = self.command == "HEAD"
        content_length = str(len(payload))
        lines = [f"{self.protocol_version} {code} {reason}\r\nServer: {self.version_string()}\r\n"
                 f"Date: {self._date_header()}\r\n"]
        for name, value in headers:
            lower = name.lower()
            if lower not in _FRAMING:
                lines.append(f"{name}: {value}\r\n")
            elif lower == "connection" and value.lower() == "close":
                self.close_connection = True  # the app asked to close
            elif lower == "content-length" and head:
                content_length = value  # a HEAD answer states the GET body's length
        if self.close_connection:
            lines.append("Connection: close\r\n")  # tell the client not to reuse it
        lines.append(f"Content-Length: {content_length}\r\n\r\n")
        data = "".join(lines).encode("latin-1")
        self.wfile.write(data + payload if payload and not head else data)

    def _date_header(self) -> str:
        # formatdate costs more than the rest of the head: once a second is enough.
        now = int(time.time())
        if self._date[0] != now:
            self._date = (now, formatdate(now, usegmt=True))
        return self._date[1]

    def log_request(self, *args: Any, **kwargs: Any) -> None:
        pass

    def log(self, type: str, message: str, *args: Any) -> None:
        pass


def _why_invalid(line: bytes) -> str:
    shown = line.rstrip(b"\r\n")[:80]
    if line[:1] in (b" ", b"\t"):
        return f"Obsolete line folding in header (continuation line {shown!r})"
    name, colon, _ = line.partition(b":")
    if not colon or not re.fullmatch(_TOKEN, name):
        return f"Invalid header name in line {shown!r}"
    return f"Invalid character in header value in line {shown!r}"


def _plain_body_length(fields: list[tuple[str, str]]) -> int | None:
    """The body length when the fast path can read it up front, else None
    (chunked, Expect, odd or repeated Content-Length, over the cap)."""
    length = None
    for name, value in fields:
        lower = name.lower()
        if lower in ("transfer-encoding", "expect"):
            return None
        if lower == "content-length":
            # Past 18 digits it is over the cap anyway, and past 4300 int() refuses it.
            if length is not None or not value.isdigit() or len(value) > 18:
                return None
            length = int(value)
    if length is None:
        return 0
    return length if length <= KEEP_ALIVE_MAX_BODY else None


def _first(fields: list[tuple[str, str]], name: str) -> str:
    """The first value of header ``name`` (as email.message.Message.get)."""
    return next((value for key, value in fields if key.lower() == name), "")
