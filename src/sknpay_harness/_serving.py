"""The one WSGI request handler our loopback servers use."""

from __future__ import annotations

from typing import Any

from werkzeug.serving import WSGIRequestHandler


class QuietHandler(WSGIRequestHandler):
    """HTTP/1.1 keep-alive, and no access-log line per request on stderr
    (werkzeug otherwise installs its own stderr handler on first use)."""

    protocol_version = "HTTP/1.1"

    def log_request(self, *args: Any, **kwargs: Any) -> None:
        pass

    def log(self, type: str, message: str, *args: Any) -> None:
        pass
