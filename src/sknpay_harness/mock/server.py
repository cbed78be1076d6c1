"""Serve a MockApp on a loopback port from a background thread."""

from __future__ import annotations

import threading
from typing import Any

from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

from .._serving import QuietHandler
from .app import API_PREFIX, MockApp


class MockServer:
    """A running mock: ``url`` is its root, ``api_url`` its ``/api/v1`` base."""

    def __init__(self, app: MockApp, host: str = "127.0.0.1", port: int = 0,
                 handler: type[WSGIRequestHandler] = QuietHandler, wsgi: Any = None) -> None:
        # ``wsgi``: the app wrapped in middleware (faults, request log), if any.
        self.app = app
        self._server: BaseWSGIServer = make_server(host, port, wsgi or app, threaded=True,
                                                   request_handler=handler)
        self._server.daemon_threads = True
        # A short poll interval: stop() returns in ~50 ms instead of ~0.5 s.
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,),
                                        name="sknpay-mock", daemon=True)

    @property
    def url(self) -> str:
        host = self._server.host
        host = f"[{host}]" if ":" in host else host
        return f"http://{host}:{self._server.port}"

    @property
    def api_url(self) -> str:
        return self.url + API_PREFIX

    def start(self) -> MockServer:
        self.app.outbox.start()
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)
        self.app.outbox.stop()

    def __enter__(self) -> MockServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
