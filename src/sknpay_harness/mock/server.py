"""Serve a MockApp on a loopback port from a background thread."""

from __future__ import annotations

from typing import Any

from ..operations import API_PREFIX
from ..serving import WsgiServer
from .app import MockApp


class MockServer:
    """A running mock: ``url`` is its root, ``api_url`` its ``/api/v1`` base."""

    def __init__(self, app: MockApp, host: str = "127.0.0.1", port: int = 0,
                 wsgi: Any = None) -> None:
        # ``wsgi``: the app wrapped in middleware (faults, request log), if any.
        self.app = app
        self._server = WsgiServer(wsgi or app, host, port, name="sknpay-mock")

    @property
    def url(self) -> str:
        return self._server.url

    @property
    def api_url(self) -> str:
        return self.url + API_PREFIX

    def start(self) -> MockServer:
        self._server.start()
        self.app.state.outbox.start()
        return self

    def stop(self) -> None:
        self._server.stop()
        self.app.state.outbox.stop()

    def __enter__(self) -> MockServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
