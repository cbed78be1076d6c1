"""The floor: the same scenario with nothing but the minimum.

A raw-socket keep-alive HTTP/1.1 server plays the API (create, cancel, hosted
page) and sends a signed webhook from a sender thread over one kept-alive
connection to a second raw-socket server, the listener, which verifies it and
wakes the waiting client on a bare ``threading.Condition``. The client is
``http.client`` on one kept-alive connection. No framework, no schema checks,
no redaction, no records: what the harness's figures are divided by.
"""

from __future__ import annotations

import hashlib
import hmac
import http.client
import itertools
import json
import queue
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

SECRET = b"whsec_floor_secret"
Handler = Callable[[bytes, bytes, dict[bytes, bytes], bytes], tuple[int, bytes, bytes]]


class RawServer:
    """Threaded keep-alive HTTP/1.1 server over bare sockets: one thread per connection."""

    def __init__(self, handler: Handler) -> None:
        self.handler = handler
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self._thread = threading.Thread(target=self._accept, daemon=True, name="floor-accept")
        self._thread.start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        stream = conn.makefile("rb")
        try:
            while True:
                line = stream.readline()
                if not line:
                    return
                method, path, _ = line.split(b" ", 2)
                headers: dict[bytes, bytes] = {}
                while True:
                    raw = stream.readline()
                    if raw in (b"\r\n", b"\n", b""):
                        break
                    name, _, value = raw.partition(b":")
                    headers[name.strip().lower()] = value.strip()
                length = int(headers.get(b"content-length", b"0"))
                body = stream.read(length) if length else b""
                status, ctype, payload = self.handler(method, path, headers, body)
                conn.sendall(b"HTTP/1.1 %d OK\r\nContent-Type: %s\r\nContent-Length: %d\r\n\r\n%s"
                             % (status, ctype, len(payload), payload))
        except OSError:
            return
        finally:
            conn.close()

    def close(self) -> None:
        self.sock.close()


@dataclass
class FloorRig:
    """The minimal API + sender + listener + condition."""

    payments: dict[str, dict[str, Any]] = field(default_factory=dict)
    events: dict[str, dict[str, Any]] = field(default_factory=dict)
    cond: threading.Condition = field(default_factory=threading.Condition)
    _ids: Any = field(default_factory=itertools.count)

    def __post_init__(self) -> None:
        self.listener = RawServer(self._listen)
        self.api = RawServer(self._api)
        self._outbox: queue.SimpleQueue[bytes] = queue.SimpleQueue()
        threading.Thread(target=self._send, daemon=True, name="floor-sender").start()
        self.client = http.client.HTTPConnection("127.0.0.1", self.api.port)

    def close(self) -> None:
        self.client.close()
        self.api.close()
        self.listener.close()

    # -- the API ---------------------------------------------------------
    def _api(self, method: bytes, path: bytes, headers: dict[bytes, bytes],
             body: bytes) -> tuple[int, bytes, bytes]:
        if method == b"POST" and path == b"/payments":
            request = json.loads(body)
            pid = f"plink_{next(self._ids):024d}"
            payment = {"id": pid, "status": "open", "amount": request["amount"],
                       "currency": request["currency"],
                       "url": f"http://127.0.0.1:{self.api.port}/pay/{pid}"}
            self.payments[pid] = payment
            return 200, b"application/json", json.dumps(payment).encode()
        if method == b"POST" and path.endswith(b"/cancel"):
            payment = self.payments[path.split(b"/")[2].decode()]
            payment["status"] = "canceled"
            event = {"id": f"evt_{next(self._ids)}", "type": "payment.canceled",
                     "data": {"object": payment}}
            self._outbox.put(json.dumps(event).encode())
            return 200, b"application/json", json.dumps(payment).encode()
        if method == b"GET" and path.startswith(b"/pay/"):
            payment = self.payments[path.split(b"/")[2].decode()]
            active = payment["status"] == "open"
            text = b"Pay" if active else b"This payment link is no longer active."
            return 200, b"text/html", b"<html><body><p>" + text + b"</p></body></html>"
        return 404, b"text/plain", b"not found"

    def _send(self) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", self.listener.port)
        while True:
            body = self._outbox.get()
            stamp = str(int(time.time())).encode()
            sig = hmac.new(SECRET, stamp + b"." + body, hashlib.sha256).hexdigest()
            conn.request("POST", "/webhooks", body, {"Content-Type": "application/json",
                                                     "Sig": f"t={stamp.decode()},v1={sig}"})
            conn.getresponse().read()

    # -- the listener ----------------------------------------------------
    def _listen(self, method: bytes, path: bytes, headers: dict[bytes, bytes],
                body: bytes) -> tuple[int, bytes, bytes]:
        stamp, _, sig = headers[b"sig"].partition(b",")
        expected = hmac.new(SECRET, stamp[2:] + b"." + body, hashlib.sha256).hexdigest()
        if not hmac.compare_digest(expected.encode(), sig[3:]):
            return 400, b"application/json", b'{"error":"bad signature"}'
        event = json.loads(body)
        event["received_at"] = time.monotonic()
        with self.cond:
            self.events.setdefault(event["data"]["object"]["id"], event)
            self.cond.notify_all()
        return 200, b"application/json", b'{"received":true}'

    # -- the scenario ----------------------------------------------------
    def _call(self, method: str, path: str, body: bytes | None = None) -> bytes:
        headers = {"Content-Type": "application/json"} if body is not None else {}
        self.client.request(method, path, body, headers)
        return self.client.getresponse().read()

    def scenario(self) -> tuple[dict[str, float], float, float | None]:
        """Per-step seconds, total seconds, and the wake latency if the waiter blocked."""
        t0 = time.perf_counter()
        created = json.loads(self._call("POST", "/payments",
                                        b'{"amount":1000,"currency":"USD"}'))
        pid = created["id"]
        t1 = time.perf_counter()
        canceled = json.loads(self._call("POST", f"/payments/{pid}/cancel", b""))
        assert canceled["status"] == "canceled"
        t2 = time.perf_counter()
        waiting_since = time.monotonic()
        with self.cond:
            while pid not in self.events:
                if not self.cond.wait(10):
                    raise TimeoutError(f"floor: no webhook for {pid}")
            event = self.events.pop(pid)
        woke = time.monotonic()
        t3 = time.perf_counter()
        page = self._call("GET", f"/pay/{pid}")
        assert b"no longer active" in page
        t4 = time.perf_counter()
        self.payments.pop(pid, None)
        wake = woke - event["received_at"] if event["received_at"] > waiting_since else None
        return ({"create": t1 - t0, "cancel": t2 - t1, "webhook": t3 - t2, "page": t4 - t3},
                t4 - t0, wake)


def bare_wake(count: int) -> list[float]:
    """Notify -> waiter returns, on a bare Condition with the waiter surely blocked."""
    cond = threading.Condition()
    out: list[float] = []
    for _ in range(count):
        box: list[float] = []
        ready = threading.Event()

        def waiter(box: list[float] = box, ready: threading.Event = ready) -> None:
            with cond:
                ready.set()
                while not box:
                    cond.wait(10)
                out.append(time.monotonic() - box[0])

        thread = threading.Thread(target=waiter)
        thread.start()
        ready.wait()
        with cond:  # the waiter holds the lock until wait() releases it
            box.append(time.monotonic())
            cond.notify_all()
        thread.join()
    return out
