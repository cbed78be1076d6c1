"""One loopback exchange on each layer the harness stands on, so the gap
between the floor and the harness can be read layer by layer."""

from __future__ import annotations

import functools
import http.client
import time
from collections.abc import Callable
from typing import Any

import httpx

from sknpay_harness.serving import WsgiServer

from .floor import RawServer

BODY = b'{"id":"plink_x","status":"open"}'
# What the harness's exchanges run on: httpx's own client and transport, to
# cheroot (serving.WsgiServer) keeping the connection alive.
STACK = "httpx -> cheroot (WsgiServer), kept alive"


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
    results: dict[str, list[float]] = {}
    raw = RawServer(lambda m, p, h, b: (200, b"application/json", BODY))
    cheroot = WsgiServer(_wsgi, name="bench-cheroot").start()
    try:
        for label, port in (("raw socket server", raw.port), ("cheroot (WsgiServer), kept alive",
                                                               cheroot.port)):
            conn = http.client.HTTPConnection("127.0.0.1", port)

            def stdlib_call(conn: http.client.HTTPConnection = conn) -> None:
                conn.request("POST", "/x", b"{}", {"Content-Type": "application/json"})
                conn.getresponse().read()

            results[f"http.client -> {label}"] = _time(stdlib_call, count)
            conn.close()
            with httpx.Client() as client:
                results[f"httpx -> {label}"] = _time(
                    functools.partial(client.post, f"http://127.0.0.1:{port}/x", content=b"{}"),
                    count)
    finally:
        cheroot.stop()
        raw.close()
    return results


def new_httpx_client(count: int) -> list[float]:
    """What rebuilding the client per test would cost (its SSL context)."""
    def build() -> None:
        httpx.Client().close()
    return _time(build, count)
