"""Serve a WSGI app on a local port from a background thread, with keep-alive.

Both of our servers (the mock and the webhook listener) run on cheroot,
CherryPy's maintained HTTP/1.1 WSGI server: it keeps connections alive and
drains unread request bodies itself. werkzeug's development server closes
every connection (about 2-3 ms a request on loopback), and making it keep
them alive meant parsing HTTP ourselves. This module only wires cheroot up:
bind, run in a thread, stop.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable, Iterable
from typing import Any

from cheroot import wsgi

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]

# Worker threads per server. A kept-alive connection only holds a thread
# while a request on it is being answered, so this bounds concurrent
# requests, not open connections (the listener's load test sends from 16
# threads through 8). Each costs a thread start and join per session.
THREADS = 8
# Idle kept-alive connections a server keeps open (cheroot's default is 10;
# sixteen client threads, each with its own connection, should all keep theirs).
KEEP_ALIVE_CONNECTIONS = 64
# How often cheroot's loop looks up from select(): stop() waits for it, and a
# pytest session stops two servers (0.05 s cost ~50 ms a session; this ~20).
_POLL_SECONDS = 0.02


class _CherootServer(wsgi.Server):
    """cheroot's server, keeping the OS's own bind error (cheroot re-raises it
    as a bare message, without the errno a caller needs to explain it) and
    closing the socket a failed bind leaves behind (cheroot drops it open)."""

    bind_error: OSError | None = None

    def bind(self, family: int, type: int, proto: int = 0) -> Any:
        try:
            return super().bind(family, type, proto)
        except OSError as exc:
            self.bind_error = exc
            raise

    @staticmethod
    def bind_socket(socket_: socket.socket, bind_addr: Any) -> socket.socket:
        try:
            socket_.bind(bind_addr)  # all cheroot's own bind_socket does
        except OSError:
            socket_.close()
            raise
        return socket_


class WsgiServer:
    """``app`` on ``host:port`` (0: a free port), from :meth:`start` to :meth:`stop`.

    ``start`` binds the socket, so a port in use fails there with the OS's
    OSError (``errno`` set: EADDRINUSE, EADDRNOTAVAIL...). cheroot's worker
    threads are not daemons: always ``stop`` (or use ``with``), or the process
    waits for them at exit.
    """

    def __init__(self, app: WsgiApp, host: str = "127.0.0.1", port: int = 0, *,
                 name: str = "sknpay-server", threads: int = THREADS) -> None:
        self._server = _CherootServer((host, port), app, numthreads=threads, server_name=name,
                                      shutdown_timeout=1)
        self._server.keep_alive_conn_limit = KEEP_ALIVE_CONNECTIONS
        self._server.expiration_interval = _POLL_SECONDS
        self._thread = threading.Thread(target=self._server.serve, name=name, daemon=True)
        self._started = False

    @property
    def host(self) -> str:
        return str(self._server.bind_addr[0])

    @property
    def port(self) -> int:
        return int(self._server.bind_addr[1])

    @property
    def url(self) -> str:
        host = self.host
        host = f"[{host}]" if ":" in host else host
        return f"http://{host}:{self.port}"

    @property
    def running(self) -> bool:
        return self._thread.is_alive()

    def start(self) -> WsgiServer:
        try:
            self._server.prepare()  # binds, then starts the worker threads
        except OSError as exc:
            error, self._server.bind_error = self._server.bind_error or exc, None
            raise error from None
        self._started = True
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._started:
            self._started = False
            self._server.stop()
            self._thread.join(timeout=5)

    def __enter__(self) -> WsgiServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
