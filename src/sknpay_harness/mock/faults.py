"""API fault injection: a WSGI middleware in front of the mock's ``/api/v1``.

Two kinds, both answered *before* the mock handles the request, so a faulted
call changes nothing (a retry is always safe to send):

- random: each API request fails with probability ``rate``, as one of
  ``500``, ``503`` or ``slow`` (answered normally after ``slow_seconds``);
- deterministic: "answer 503 to the first N creates" (``fail_first``), mock-wide
  from the command line or per API key from the test-control API.

Which requests are API calls, and their names, come from the operations table
(../operations.py). The randomness is seeded, so ``--seed`` reproduces a run's
faults.
"""

from __future__ import annotations

import random
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from .. import operations
from ..jsonbody import json_response

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]
FAULT_KINDS = ("500", "503", "slow")
ENVIRON_KEY = "sknpay.fault"  # the request log reads which fault (if any) was injected

API_OPERATIONS = tuple(op for op in operations.OPERATIONS if op.in_api)
# A rule names an API operation, "any", or an operation's short name (create=1).
_BY_ROUTE_NAME = {name: op.name for op in API_OPERATIONS
                  for name in (op.name, op.alias) if name is not None}
ROUTE_NAMES = (*(op.name for op in API_OPERATIONS), "any",
               *(op.alias for op in API_OPERATIONS if op.alias is not None))


def route_of(method: str, path: str) -> str | None:
    """The name of the API operation a request makes; None for any other request."""
    return next((op.name for op in API_OPERATIONS if op.matches(method, path)), None)


@dataclass
class FailFirst:
    """Answer ``status`` to the next ``remaining`` calls of ``route`` (an API
    operation's name or short name, or "any"; kept as given, so it reads back
    as the user wrote it)."""

    route: str
    remaining: int
    status: int = 503

    def __post_init__(self) -> None:
        if self.route not in ROUTE_NAMES:
            raise ValueError(f"unknown route {self.route!r}; known: {', '.join(ROUTE_NAMES)}")
        if self.remaining < 0:
            raise ValueError("the count must be 0 or more")
        if not 400 <= self.status <= 599:
            raise ValueError(f"status must be an HTTP error (400-599), got {self.status}")

    @property
    def operation(self) -> str:
        """The operation's name (or "any") whatever name the rule was given."""
        return _BY_ROUTE_NAME.get(self.route, self.route)


def parse_fail_first(text: str) -> FailFirst:
    """``create_payment=1`` or ``cancel=2:500`` -> FailFirst; ValueError says what is wrong."""
    route, sep, rest = text.partition("=")
    count_text, _, status_text = rest.partition(":")
    if not sep or not count_text.strip().isdigit():
        raise ValueError(f"{text!r} is not ROUTE=N[:STATUS] (e.g. create=1 or cancel=2:500)")
    if status_text and not status_text.strip().isdigit():
        raise ValueError(f"{text!r}: STATUS must be an HTTP status number")
    return FailFirst(route.strip(), int(count_text), int(status_text) if status_text else 503)


class ApiFaults:
    """Which API requests get a fault: at random (``rate``, one of ``kinds``) or
    by queued rules, mock-wide or per API key. Thread-safe; the mock's state
    holds one (the control API and the front page read it) and the
    :class:`FaultInjector` in front of the app asks it about each request."""

    def __init__(self, *, rate: float = 0.0, kinds: Iterable[str] = FAULT_KINDS,
                 slow_seconds: float = 2.0, seed: int | None = None,
                 fail_first: Iterable[FailFirst] = ()) -> None:
        kinds = tuple(kinds)
        bad = [k for k in kinds if k not in FAULT_KINDS]
        if bad or not kinds:
            raise ValueError(f"fault kinds must be some of {', '.join(FAULT_KINDS)}, got {kinds}")
        if not 0.0 <= rate <= 1.0:
            raise ValueError(f"fault rate must be between 0 and 1, got {rate}")
        self.rate, self.kinds, self.slow_seconds = rate, kinds, slow_seconds
        self._random = random.Random(seed)
        self._lock = threading.Lock()
        self._rules: dict[str | None, list[FailFirst]] = {None: list(fail_first)}
        self._stop = threading.Event()

    def fail_next(self, rule: FailFirst, tenant: str | None = None) -> None:
        """Queue a deterministic fault, mock-wide or for one API key."""
        with self._lock:
            self._rules.setdefault(tenant, []).append(rule)

    def pending(self, tenant: str | None = None) -> list[dict[str, Any]]:
        with self._lock:
            return [{"route": r.route, "remaining": r.remaining, "status": r.status}
                    for r in self._rules.get(tenant, []) if r.remaining]

    def reset(self, tenant: str | None = None) -> None:
        with self._lock:
            if tenant is None:
                self._rules = {None: []}
            else:
                self._rules.pop(tenant, None)

    def close(self) -> None:
        """Cut short any slow response in progress (server shutdown)."""
        self._stop.set()

    def hold(self) -> None:
        """A slow fault's delay: it is the behaviour being simulated; the Event
        wait ends early when the server shuts down."""
        self._stop.wait(self.slow_seconds)

    def due(self, route: str, tenant: str | None) -> str | None:
        """The fault this call of ``route`` gets ("500", "503", "slow"), if any."""
        with self._lock:
            for owner in (tenant, None) if tenant is not None else (None,):
                for rule in self._rules.get(owner, []):
                    if rule.remaining and rule.operation in (route, "any"):
                        rule.remaining -= 1
                        return str(rule.status)
            if self.rate and self._random.random() < self.rate:
                return self._random.choice(self.kinds)
        return None


class FaultInjector:
    """WSGI middleware in front of the mock's app: answers a due fault before
    the app sees the request; passes everything else through."""

    def __init__(self, app: WSGIApp, faults: ApiFaults) -> None:
        self.app, self.faults = app, faults

    def __call__(self, environ: dict[str, Any],
                 start_response: Callable[..., Any]) -> Iterable[bytes]:
        route = route_of(environ.get("REQUEST_METHOD", ""), environ.get("PATH_INFO", ""))
        if route is None:
            return self.app(environ, start_response)
        fault = self.faults.due(route, _tenant(environ))
        if fault is None:
            return self.app(environ, start_response)
        environ[ENVIRON_KEY] = fault
        if fault == "slow":
            self.faults.hold()
            return self.app(environ, start_response)
        status = int(fault)
        response = json_response(status, {"error": {
            "type": "api_error", "code": "injected_fault",
            "message": f"injected fault: {status} before the request was handled (nothing changed)",
            "param": None}})
        reason = {500: "Internal Server Error", 503: "Service Unavailable"}.get(status, "Error")
        response.status = f"{status} {reason}"
        if status == 503:
            response.headers["Retry-After"] = "1"
        return response(environ, start_response)


def _tenant(environ: dict[str, Any]) -> str | None:
    scheme, _, key = str(environ.get("HTTP_AUTHORIZATION", "")).partition(" ")
    return key.strip() or None if scheme == "Bearer" else None
