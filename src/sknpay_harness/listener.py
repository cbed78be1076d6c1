"""The webhook listener: a :class:`~sknpay_harness.inbox.WebhookInbox` served over HTTP.

pytest-httpserver's server base (handler errors kept for teardown), on
cheroot's keep-alive server (serving.py); any path reaches the inbox. No
pytest import here.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from pytest_httpserver.httpserver import HTTPServerBase
from werkzeug.wrappers import Request, Response

from .inbox import WebhookInbox
from .jsonbody import json_response
from .serving import WsgiServer


class _ListenerServer(HTTPServerBase):
    """pytest-httpserver's server base, with a body cap and no request log.

    The stock ``HTTPServer.application`` reads every body in full and keeps
    every request in ``log`` forever; a listener under load must do neither.
    Handler errors are kept for ``check_handler_errors`` as pytest-httpserver
    does; the HTTP serving itself is cheroot's, which keeps connections alive
    (see serving.py).
    """

    def __init__(self, inbox: WebhookInbox, host: str, port: int) -> None:
        super().__init__(host=host, port=port, threaded=True)
        self.inbox = inbox
        self._wsgi: WsgiServer | None = None

    def start(self) -> None:
        self._wsgi = WsgiServer(Request.application(self.application), self.host, self.port,
                                name="sknpay-listener").start()
        self.port = self._wsgi.port

    def stop(self) -> None:
        if self._wsgi is not None:
            self._wsgi.stop()
            self._wsgi = None

    def is_running(self) -> bool:
        return self._wsgi is not None

    def application(self, request: Request) -> Response:
        try:
            return self.dispatch(request)
        except Exception as exc:  # kept for check_handler_errors() at teardown
            self.handler_errors.append(exc)
            return Response("listener error", status=500)

    def dispatch(self, request: Request) -> Response:
        length = request.content_length
        if length is not None and length > self.inbox.max_body:
            status, answer = self.inbox.handle(request.method, request.path,
                                               dict(request.headers), None, length)
            response = json_response(status, answer)
            response.headers["Connection"] = "close"  # body left unread: do not reuse
            return response
        body = request.stream.read(self.inbox.max_body + 1)
        status, answer = self.inbox.handle(request.method, request.path,
                                           dict(request.headers), body)
        return json_response(status, answer)


@dataclass
class WebhookListener:
    """An inbox served over HTTP on ``host:port`` (0 = a free port), any path."""

    inbox: WebhookInbox
    host: str = "127.0.0.1"
    port: int = 0
    path: str = "/webhooks/sknpay"
    _server: _ListenerServer | None = field(default=None, init=False, repr=False)

    def start(self) -> WebhookListener:
        self._server = _ListenerServer(self.inbox, self.host, self.port)
        self._server.start()
        return self

    def stop(self) -> None:
        if self._server is not None and self._server.is_running():
            self._server.stop()

    @property
    def url(self) -> str:
        return self.root_url + self.path

    @property
    def root_url(self) -> str:
        """``http://host:port``, without a path (any path reaches the inbox)."""
        if self._server is None:
            raise RuntimeError("listener not started")
        host = self._server.format_host(self._server.host)
        return f"http://{host}:{self._server.port}"

    def check_handler_errors(self) -> None:
        if self._server is not None:
            self._server.check_handler_errors()


__all__ = ["WebhookListener"]
