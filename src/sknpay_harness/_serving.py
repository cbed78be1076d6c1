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
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from typing import Any

from werkzeug.serving import WSGIRequestHandler

# Bodies up to this size are read up front (both apps cap theirs at 1 MiB and
# answer 413 above it); larger ones go through werkzeug's closing path.
KEEP_ALIVE_MAX_BODY = 1024 * 1024 + 1
# Response headers we set ourselves on the keep-alive path.
_FRAMING = frozenset({"content-length", "transfer-encoding", "connection"})


class QuietHandler(WSGIRequestHandler):
    """HTTP/1.1 with keep-alive, and no access-log line per request on stderr
    (werkzeug otherwise installs its own stderr handler on first use)."""

    protocol_version = "HTTP/1.1"
    # Small answers on a kept-alive connection: without TCP_NODELAY, Nagle and
    # the client's delayed ACK add ~40 ms to each one.
    disable_nagle_algorithm = True

    def run_wsgi(self) -> None:
        length = self._plain_body_length()
        if length is None:
            self.close_connection = True
            super().run_wsgi()
            return
        body = self.rfile.read(length) if length else b""
        self.environ = environ = self.make_environ()
        environ["wsgi.input"] = io.BytesIO(body)
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
        status, headers = answer[0], answer[1]
        code, _, reason = str(status).partition(" ")
        self.send_response(int(code), reason)
        head = self.command == "HEAD"
        content_length = str(len(payload))
        for name, value in headers:
            lower = name.lower()
            if lower not in _FRAMING:
                self.send_header(name, value)
            elif lower == "connection" and value.lower() == "close":
                self.close_connection = True  # the app asked to close
            elif lower == "content-length" and head:
                content_length = value  # a HEAD answer states the GET body's length
        if self.close_connection:
            self.send_header("Connection", "close")  # tell the client not to reuse it
        self.send_header("Content-Length", content_length)
        if payload and not head:
            self._headers_buffer.append(b"\r\n" + payload)  # head and body in one send
            self.flush_headers()
        else:
            self.end_headers()

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

    def log_request(self, *args: Any, **kwargs: Any) -> None:
        pass

    def log(self, type: str, message: str, *args: Any) -> None:
        pass
