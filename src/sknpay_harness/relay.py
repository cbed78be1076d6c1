"""The webhook relay: one process holds the fixed webhook port and forwards
each delivery to the xdist worker that made the payment.

On the sandbox a tunnel forwards the dashboard's webhook URL to ONE port, but
under ``pytest -n N`` each worker has its own listener and inbox. The xdist
controller binds that port with a :class:`WebhookRelay`; each worker listens
on a free loopback port and registers every payment it creates
(:class:`RelayRegistration`, called from the inbox's ``track``).

The relay holds no secret and verifies nothing: it forwards the raw body and
headers unchanged, so the worker verifies the signature itself, and answers
the sender with the worker's answer (a forged delivery still gets a 400).

Routing, by the event's ``data.object.id``:

- a registered payment: forwarded at once; the sender gets the worker's answer.
- an unknown payment: answered 200 at once, as a listener answers another
  run's event, and kept *unclaimed* for ``claim_window`` seconds. The webhook
  can beat the create's answer, so the registration may come second: when it
  does, the registration itself forwards the kept deliveries before it
  returns. Holding the sender's request instead would tie up the sender (the
  mock has two delivery threads) for every other run's event; the cost of
  answering first is that in this race the sender's answer is 200 whatever
  the worker says (the worker still rejects a forged one, and its test fails).
- never claimed (another run's payment): counted once, here, as ``ignored``
  when its window passes or the relay stops. Workers never see those.
- the owner cannot be reached (its worker died): 502 to the sender (as a
  tunnel to a dead listener would answer), logged and counted as
  ``unforwarded``; the relay keeps serving the others.

Registration goes to a control endpoint on a second, loopback-only port with a
per-run token, so nothing reaching the public port through the tunnel can
reroute deliveries.
"""

from __future__ import annotations

import itertools
import logging
import secrets
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, replace

import httpx
from werkzeug.wrappers import Request, Response

from .errors import SknPayHarnessError
from .inbox import IGNORED, MAX_BODY_BYTES, REJECTED, Delivery
from .jsonbody import json_object, json_response
from .serving import WsgiServer
from .tls import shared_ssl_context

log = logging.getLogger(__name__)

UNFORWARDED = "unforwarded"  # the owning worker could not be reached; answered 502
TOKEN_HEADER = "X-Sknpay-Relay-Token"
CLAIM_WINDOW_SECONDS = 60.0
MAX_UNCLAIMED = 1000  # kept deliveries; past it the oldest counts as ignored
RECORDS_KEPT = 5000  # as many delivery records as a listener keeps
FORWARD_TIMEOUT_SECONDS = 10.0
# Threads for the public port: each forward holds one while the worker answers.
RELAY_THREADS = 32
# Hop-by-hop and transport headers httpx sets itself for the forwarded request.
_NOT_FORWARDED = frozenset({"host", "content-length", "connection", "keep-alive",
                            "transfer-encoding", "te", "trailer", "upgrade",
                            "proxy-connection", "proxy-authorization", "proxy-authenticate"})
_LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})


class RelayError(SknPayHarnessError):
    """A worker could not register a payment with the webhook relay."""


@dataclass(frozen=True)
class Owner:
    """Where the events of one payment go: a worker's own listener."""

    worker: str
    url: str  # the listener's root, e.g. http://127.0.0.1:41234


@dataclass
class _Pending:
    """A delivery for a payment nobody has registered (yet)."""

    delivery: Delivery
    body: bytes
    headers: dict[str, str]
    target: str  # path and query, as received
    kept_at: float


@dataclass
class RelayCounts:
    forwarded: int = 0  # reached a worker, whatever it answered
    claimed_late: int = 0  # of those, kept until the registration came
    ignored: int = 0  # never claimed: another run's payment
    rejected: int = 0  # not a webhook the relay can route (method, size, not JSON)
    unforwarded: int = 0  # the owning worker could not be reached


class WebhookRelay:
    """Forwards deliveries on ``host:port`` to the worker that registered the payment."""

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        claim_window: float = CLAIM_WINDOW_SECONDS,
        max_unclaimed: int = MAX_UNCLAIMED,
        max_body: int = MAX_BODY_BYTES,
        forward_timeout: float = FORWARD_TIMEOUT_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.token = secrets.token_urlsafe(24)
        self.claim_window = claim_window
        self.max_body = max_body
        self._max_unclaimed = max(1, max_unclaimed)
        self._clock = clock
        self._lock = threading.Lock()
        self._owners: dict[str, Owner] = {}
        self._unclaimed: deque[_Pending] = deque()
        # Deliveries the relay answered itself, the latest RECORDS_KEPT; the counts count all.
        self._records: deque[Delivery] = deque(maxlen=RECORDS_KEPT)
        self._seq = itertools.count(1)
        self.counts = RelayCounts()
        # Loopback hops only: never through a proxy from the environment.
        self._http = httpx.Client(timeout=forward_timeout, trust_env=False,
                                  verify=shared_ssl_context())
        self._public = WsgiServer(Request.application(self._deliver), host, port,
                                  name="sknpay-relay", threads=RELAY_THREADS)
        self._control = WsgiServer(Request.application(self._register), "127.0.0.1", 0,
                                   name="sknpay-relay-control", threads=4)
        self._started = False

    # -- lifecycle -----------------------------------------------------------
    def start(self) -> WebhookRelay:
        """Bind the public port (the OS's OSError if it cannot), then the control port."""
        self._public.start()
        try:
            self._control.start()
        except OSError:
            self._public.stop()
            raise
        self._started = True
        return self

    def stop(self) -> None:
        """Stop serving; deliveries still unclaimed count as ignored."""
        if not self._started:
            return
        self._started = False
        self._public.stop()
        self._control.stop()
        with self._lock:
            while self._unclaimed:
                self._count_unclaimed_as_ignored(self._unclaimed.popleft(), "the run ended")
        self._http.close()

    @property
    def running(self) -> bool:
        return self._started

    @property
    def host(self) -> str:
        return self._public.host

    @property
    def port(self) -> int:
        return self._public.port

    @property
    def url(self) -> str:
        return self._public.url

    @property
    def control_url(self) -> str:
        return self._control.url

    # -- state ---------------------------------------------------------------
    def register(self, payment_id: str, owner: Owner) -> tuple[int, int]:
        """Route ``payment_id``'s events to ``owner``; forward what was kept for it.

        Returns (forwarded, failed) for the kept deliveries. The check for an
        owner and the keeping of a delivery share one lock with this, so a
        delivery is either forwarded at once or found here: never neither.
        """
        with self._lock:
            self._owners[payment_id] = owner
            self._expire()  # first: what waited too long was counted as another run's
            mine = [p for p in self._unclaimed if p.delivery.payment_id == payment_id]
            for pending in mine:
                self._unclaimed.remove(pending)
        forwarded = 0
        for pending in mine:
            if self._forward(owner, pending) is not None:
                forwarded += 1
                with self._lock:
                    self.counts.claimed_late += 1
        return forwarded, len(mine) - forwarded

    @property
    def unclaimed_count(self) -> int:
        with self._lock:
            return len(self._unclaimed)

    def records(self) -> list[Delivery]:
        """Deliveries the relay answered itself: ignored, rejected, unforwarded."""
        with self._lock:
            return list(self._records)

    def summary(self) -> str:
        with self._lock:
            c = replace(self.counts)  # a snapshot
            workers = len({o.worker for o in self._owners.values()})
        return (f"webhook relay on {self.host}:{self.port}: {c.forwarded} forwarded to "
                f"{workers} worker(s) ({c.claimed_late} after waiting for the payment's "
                f"registration), {c.ignored} ignored, {c.rejected} rejected, "
                f"{c.unforwarded} could not be forwarded (worker gone)")

    # -- the public port -------------------------------------------------------
    def _deliver(self, request: Request) -> Response:
        received_at = self._clock()
        if request.method != "POST":
            return self._answer_itself(request, received_at, 405, REJECTED,
                                f"method {request.method} not allowed; webhooks are POSTed")
        length = request.content_length
        body = b"" if length is not None and length > self.max_body else \
            request.stream.read(self.max_body + 1)
        if (length is not None and length > self.max_body) or len(body) > self.max_body:
            response = self._answer_itself(request, received_at, 413, REJECTED,
                                    f"body over the {self.max_body}-byte limit")
            response.headers["Connection"] = "close"  # body left unread: do not reuse
            return response
        facts = _facts(body)
        if facts is None:
            return self._answer_itself(request, received_at, 400, REJECTED,
                                "body is not a JSON object: cannot tell whose payment it is")
        event_id, event_type, payment_id = facts
        if payment_id is None:
            return self._answer_itself(request, received_at, 200, IGNORED,
                                "no data.object.id: not a payment event of this run", facts)
        pending = _Pending(
            Delivery(0, received_at, "POST", request.path, 0, "", None, event_id, event_type,
                     payment_id, {}, ""),
            body, {k: v for k, v in request.headers.items() if k.lower() not in _NOT_FORWARDED},
            _target(request), received_at)
        with self._lock:
            owner = self._owners.get(payment_id)
            if owner is None:
                self._unclaimed.append(pending)
                self._expire()
        if owner is None:
            return json_response(200, {"received": True, "outcome": "unclaimed"})
        forwarded = self._forward(owner, pending)
        return forwarded or json_response(502, {"error": f"worker {owner.worker} at {owner.url} "
                                                 "is unreachable"})

    def _forward(self, owner: Owner, pending: _Pending) -> Response | None:
        """The worker's answer, or None (logged and counted) if it cannot be reached."""
        try:
            answer = self._http.post(owner.url + pending.target, content=pending.body,
                                     headers=pending.headers)
        except Exception as exc:  # whatever one forward meets, the relay serves the rest
            reason = f"worker {owner.worker} at {owner.url} unreachable: {type(exc).__name__}: {exc}"
            log.warning("sknpay relay: delivery %s for %s not forwarded: %s",
                        pending.delivery.event_id, pending.delivery.payment_id, reason)
            with self._lock:
                self.counts.unforwarded += 1
                self._record(pending.delivery, 502, UNFORWARDED, reason)
            return None
        with self._lock:
            self.counts.forwarded += 1
        return Response(answer.content, status=answer.status_code,
                        content_type=answer.headers.get("content-type", "application/json"))

    def _answer_itself(self, request: Request, received_at: float, status: int, outcome: str,
                reason: str, facts: tuple[str | None, str | None, str | None] | None = None
                ) -> Response:
        """Answer a delivery the relay judges itself, and keep its record."""
        event_id, event_type, payment_id = facts or (None, None, None)
        delivery = Delivery(0, received_at, request.method, request.path, 0, "", None,
                            event_id, event_type, payment_id, {}, "")
        with self._lock:
            if outcome == IGNORED:
                self.counts.ignored += 1
            else:
                self.counts.rejected += 1
            self._record(delivery, status, outcome, reason)
        answer = {"received": True, "outcome": outcome} if status == 200 else {"error": reason}
        return json_response(status, answer)

    # -- helpers (lock held) ---------------------------------------------------
    def _expire(self) -> None:
        now = self._clock()
        while self._unclaimed and (len(self._unclaimed) > self._max_unclaimed
                                   or now - self._unclaimed[0].kept_at >= self.claim_window):
            self._count_unclaimed_as_ignored(self._unclaimed.popleft(),
                                   f"no worker registered it within {self.claim_window:g} s")

    def _count_unclaimed_as_ignored(self, pending: _Pending, why: str) -> None:
        self.counts.ignored += 1
        self._record(pending.delivery, 200, IGNORED, f"payment not named by this run ({why})")

    def _record(self, delivery: Delivery, status: int, outcome: str, reason: str) -> None:
        self._records.append(Delivery(
            next(self._seq), delivery.received_at, delivery.method, delivery.path, status,
            outcome, reason, delivery.event_id, delivery.event_type, delivery.payment_id, {}, ""))

    # -- the control port ------------------------------------------------------
    def _register(self, request: Request) -> Response:
        if request.method != "POST" or request.path != "/payments":
            return json_response(404, {"error": "the relay's control endpoint is POST /payments"})
        if not secrets.compare_digest(request.headers.get(TOKEN_HEADER, ""), self.token):
            return json_response(401, {"error": f"missing or wrong {TOKEN_HEADER}"})
        data = json_object(request.get_data())
        payment_id, listener, worker = (data or {}).get("payment_id"), (data or {}).get("listener"), \
            (data or {}).get("worker")
        if not (isinstance(payment_id, str) and payment_id and isinstance(worker, str)
                and isinstance(listener, str) and _is_loopback_http(listener)):
            return json_response(400, {"error": "expected JSON {payment_id, worker, listener}, the "
                                        "listener an http:// loopback URL"})
        forwarded, failed = self.register(payment_id, Owner(worker, listener.rstrip("/")))
        return json_response(200, {"registered": payment_id, "forwarded": forwarded, "failed": failed})


class RelayRegistration:
    """A worker's side: tell the relay which payments are this worker's."""

    def __init__(self, control_url: str, token: str, listener_url: str, worker: str,
                 timeout: float = FORWARD_TIMEOUT_SECONDS) -> None:
        self.control_url = control_url
        self._token = token
        self.listener_url = listener_url
        self.worker = worker
        self._http = httpx.Client(base_url=control_url, timeout=timeout, trust_env=False,
                                  verify=shared_ssl_context())

    def register(self, payment_id: str) -> None:
        """Synchronous: when it returns, deliveries the relay kept for the payment
        are already in this worker's inbox. Raises RelayError if the relay refused."""
        payload = {"payment_id": payment_id, "worker": self.worker, "listener": self.listener_url}
        try:
            answer = self._http.post("/payments", json=payload, headers={TOKEN_HEADER: self._token})
        except Exception as exc:  # httpx's, or httpcore's raw ones if it was re-imported
            raise RelayError(f"could not register payment {payment_id} with the webhook relay at "
                             f"{self.control_url} (xdist controller): {type(exc).__name__}: {exc}; "
                             "its webhooks cannot reach this worker") from None
        if answer.status_code != 200:
            raise RelayError(f"the webhook relay at {self.control_url} refused payment {payment_id}: "
                             f"HTTP {answer.status_code} {answer.text[:200]}")

    def close(self) -> None:
        self._http.close()


def _facts(body: bytes) -> tuple[str | None, str | None, str | None] | None:
    """(event id, type, payment id) from an event body; None if it is not JSON."""
    envelope = json_object(body)
    if envelope is None:
        return None
    data = envelope.get("data")
    obj = data.get("object") if isinstance(data, dict) else None
    payment_id = obj.get("id") if isinstance(obj, dict) else None
    event_id, event_type = envelope.get("id"), envelope.get("type")
    return (event_id if isinstance(event_id, str) else None,
            event_type if isinstance(event_type, str) else None,
            payment_id if isinstance(payment_id, str) and payment_id else None)


def _target(request: Request) -> str:
    """The request's path and query as the sender wrote them (origin form only)."""
    raw = request.environ.get("REQUEST_URI") or request.full_path
    return raw if isinstance(raw, str) and raw.startswith("/") else request.path


def _is_loopback_http(url: str) -> bool:
    try:
        parsed = httpx.URL(url)
    except (httpx.InvalidURL, TypeError):
        return False
    return parsed.scheme == "http" and parsed.host in _LOOPBACK and parsed.port is not None


__all__ = ["UNFORWARDED", "Owner", "RelayCounts", "RelayError", "RelayRegistration",
           "WebhookRelay"]
