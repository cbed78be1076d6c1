"""One loopback exchange on each layer the harness stands on, so the gap
between the floor and the harness can be read layer by layer."""

from __future__ import annotations

import functools
import http.client
import threading
import time
from collections.abc import Callable
from typing import Any

import httpx
from sknpay_harness._serving import QuietHandler
from sknpay_harness.lane import PlainLane
from sknpay_harness.transport import http_client
from werkzeug.serving import WSGIRequestHandler, make_server

from .floor import RawServer

BODY = b'{"id":"plink_x","status":"open"}'
# What the harness's exchanges run on: the plain lane onto the kept-alive pool
# (httpx's own request path for anything else), to werkzeug with the keep-alive handler.
STACK = "PlainLane -> werkzeug, keep-alive (QuietHandler)"


class _StockHandler(WSGIRequestHandler):
    """werkzeug's own handler (Connection: close), minus its access log."""

    def log_request(self, *args: Any, **kwargs: Any) -> None:
        pass


def _wsgi(environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
    environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
    start_response("200 OK", [("Content-Type", "application/json"),
                              ("Content-Length", str(len(BODY)))])
    return [BODY]


def _time(call: Callable[[], object], count: int) -> list[float]:
    for _ in range(min(100, count)):
        call()
    out = []
    for _ in range(count):
        t = time.perf_counter()
        call()
        out.append(time.perf_counter() - t)
    return out


def exchange_costs(count: int) -> dict[str, list[float]]:
    """Seconds per POST exchange for each client/server pairing."""
    raw = RawServer(lambda m, p, h, b: (200, b"application/json", BODY))
    results: dict[str, list[float]] = {}
    conn = http.client.HTTPConnection("127.0.0.1", raw.port)

    def stdlib_call() -> None:
        conn.request("POST", "/x", b"{}", {"Content-Type": "application/json"})
        conn.getresponse().read()

    results["http.client -> raw socket server"] = _time(stdlib_call, count)
    conn.close()
    with httpx.Client() as client, http_client() as lean:
        lane = PlainLane.of(lean)
        assert lane is not None  # http_client() mounts the kept-alive transport
        url = f"http://127.0.0.1:{raw.port}/x"
        results["httpx -> raw socket server"] = _time(
            lambda: client.post(url, content=b"{}"), count)
        results["httpx + KeepAliveTransport -> raw socket server"] = _time(
            lambda: lean.post(url, content=b"{}"), count)
        results["PlainLane -> raw socket server"] = _time(
            lambda: lane.send("POST", url, {}, b"{}"), count)
        for label, handler in (("httpx -> werkzeug, keep-alive (QuietHandler)", QuietHandler),
                               ("httpx -> werkzeug, stock (closes)", _StockHandler)):
            server = make_server("127.0.0.1", 0, _wsgi, threaded=True, request_handler=handler)
            thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
            thread.start()
            url = f"http://127.0.0.1:{server.port}/x"
            results[label] = _time(functools.partial(client.post, url, content=b"{}"), count)
            if handler is QuietHandler:  # the pairings the harness runs on
                results["httpx + KeepAliveTransport -> werkzeug, keep-alive (QuietHandler)"] = _time(
                    functools.partial(lean.post, url, content=b"{}"), count)
                results[STACK] = _time(
                    functools.partial(lane.send, "POST", url, {}, b"{}"), count)
            server.shutdown()
            server.server_close()
    raw.close()
    return results


def new_httpx_client(count: int) -> list[float]:
    """What rebuilding the client per test would cost (its SSL context)."""
    def build() -> None:
        httpx.Client().close()
    return _time(build, count)
