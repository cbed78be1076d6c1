"""Test-control endpoints under ``/_mock``: steer the mock from a test.

Kept apart from ``/api/v1`` (the real API has nothing here) and scoped by the
same ``Authorization: Bearer <key>`` as the API: every call sees and changes
only that key's payments, clock, deliveries, chaos and faults, so parallel
test workers can share one mock. The routes are the operations table's
control operations (../operations.py); docs/mock.md has the full list.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from werkzeug.exceptions import MethodNotAllowed, NotFound
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

from ..errors import MockError
from ..jsonbody import json_response
from ..operations import OPERATIONS
from . import payments
from .chaos import chaos_from_dict
from .faults import FailFirst
from .receiver_check import check_receiver
from .state import MockState
from .store import Tenant

MAX_WAIT_SECONDS = 60.0
# Per delivery of the receiver check: eleven deliveries keep the call under ~6 minutes.
MAX_CHECK_SECONDS = 30.0
# The event each forced state fires (None: no event). Names for succeeded and
# expired are our reading; see docs/mock.md.
STATE_EVENTS: dict[str, str | None] = {
    payments.OPEN: None,
    payments.SUCCEEDED: "payment.succeeded",
    payments.CANCELED: "payment.canceled",
    payments.EXPIRED: "payment.expired",
    payments.FAILED: "payment.failed",
}


class ControlError(MockError):
    """A refused control call, in the API's error shape (so one client parses both)."""

    def __init__(self, status: int, code: str, message: str, param: str | None = None) -> None:
        super().__init__(status, "invalid_request_error", code, message, param)


class ControlApi:
    """Handles ``/_mock/...`` over one mock's state (state.py)."""

    def __init__(self, state: MockState) -> None:
        self.state = state
        # Keyed by the operations table's names; one handler may serve several.
        self._handlers: dict[str, Callable[..., dict[str, Any]]] = {
            "mock_get_payment": self.payment, "mock_set_payment_state": self.set_state,
            "mock_get_clock": self.clock, "mock_advance_clock": self.advance,
            "mock_list_deliveries": self.deliveries, "mock_wait_outbox": self.wait,
            "mock_reset": self.reset, "mock_get_chaos": self.chaos,
            "mock_set_chaos": self.chaos, "mock_clear_chaos": self.chaos,
            "mock_get_endpoints": self.endpoints, "mock_set_endpoints": self.endpoints,
            "mock_get_faults": self.fault_rules, "mock_add_fault": self.fault_rules,
            "mock_clear_faults": self.fault_rules, "mock_check_receiver": self.receiver_check,
        }
        self._routes = Map([Rule(op.rule, endpoint=op.name, methods=[op.method])
                            for op in OPERATIONS if op.control], strict_slashes=False)

    def dispatch(self, request: Request) -> Response:
        adapter = self._routes.bind_to_environ(request.environ)
        try:
            endpoint, args = adapter.match()
        except MethodNotAllowed as exc:
            response = _refusal(405, "method_not_allowed",
                                f"{request.method} is not allowed on {request.path}")
            response.headers["Allow"] = ", ".join(sorted(exc.valid_methods or ()))
            return response
        except NotFound:
            return _refusal(404, "route_not_found",
                            f"no control route {request.method} {request.path}")
        tenant = self.state.tenant_for(request)  # ApiError (401) is answered by the app
        self.state.sweep(tenant)  # the expiry sweep, before the handler reads state
        try:
            return json_response(200, self._handlers[endpoint](request, tenant, **args))
        except ControlError as exc:
            return json_response(exc.status, exc.body())

    # -- payments ----------------------------------------------------------
    def payment(self, request: Request, tenant: Tenant, payment_id: str) -> dict[str, Any]:
        payment = self._payment(tenant, payment_id)
        view = self.state.view_at(payment, request.host_url)
        return {"payment": view, "expires_at": payment.expires_at,
                "refunds": [r.view() for r in tenant.refunds.values()
                            if r.payment_id == payment_id]}

    def set_state(self, request: Request, tenant: Tenant, payment_id: str) -> dict[str, Any]:
        """Force a status (any, even out of a terminal one); fires the matching
        event unless ``"event": false``."""
        body = _body(request)
        status, fire = body.get("status"), body.get("event", True)
        if status not in STATE_EVENTS:
            raise ControlError(400, "invalid_status", f"status must be one of "
                               f"{', '.join(STATE_EVENTS)}, got {status!r}", "status")
        if not isinstance(fire, bool):
            raise ControlError(400, "invalid_event", "event must be true or false", "event")
        with self.state.store.lock:
            payment = self._payment(tenant, payment_id)
            payment.status = status
            now = int(self.state.now(tenant))
            payment.canceled_at = now if status == payments.CANCELED else None
            if status == payments.FAILED:
                payment.last_payment_error = dict(payments.DECLINED)
            elif status != payments.OPEN:
                payment.last_payment_error = None
            view = self.state.view_at(payment, request.host_url)
        event_type = STATE_EVENTS[status]
        event = self.state.emit(tenant, event_type, view) if fire and event_type else None
        return {"payment": view, "event_id": event["id"] if event else None}

    # -- clock -------------------------------------------------------------
    def clock(self, request: Request, tenant: Tenant) -> dict[str, Any]:
        return {"now": self.state.now(tenant), "offset": tenant.clock_offset}

    def advance(self, request: Request, tenant: Tenant) -> dict[str, Any]:
        """Move this key's clock forward; links past their lifetime expire now."""
        seconds = _body(request).get("seconds")
        if not isinstance(seconds, int | float) or isinstance(seconds, bool) or seconds < 0:
            raise ControlError(400, "invalid_seconds", "seconds must be a number >= 0", "seconds")
        with self.state.store.lock:
            tenant.clock_offset += float(seconds)
        expired = self.state.sweep(tenant)
        return {"now": self.state.now(tenant), "offset": tenant.clock_offset, "expired": expired}

    # -- deliveries --------------------------------------------------------
    def deliveries(self, request: Request, tenant: Tenant) -> dict[str, Any]:
        found = self.state.outbox.log(tenant.api_key)
        for name in ("payment_id", "event_type", "state", "kind"):
            wanted = request.args.get(name)
            if wanted:
                found = [d for d in found if d[name] == wanted]
        return {"deliveries": found}

    def wait(self, request: Request, tenant: Tenant) -> dict[str, Any]:
        """Block until this key has nothing queued or in flight (at most ``timeout`` s)."""
        timeout = _body(request).get("timeout", 10)
        if (not isinstance(timeout, int | float) or isinstance(timeout, bool)
                or not 0 <= timeout <= MAX_WAIT_SECONDS):
            raise ControlError(400, "invalid_timeout",
                               f"timeout must be 0 to {MAX_WAIT_SECONDS:g} seconds", "timeout")
        if not self.state.outbox.wait_tenant_idle(tenant.api_key, float(timeout)):
            busy = [d for d in self.state.outbox.log(tenant.api_key)
                    if d["state"] in ("pending", "delivering")]
            raise ControlError(504, "outbox_busy",
                               f"still {len(busy)} deliveries pending after {timeout:g} s: "
                               + ", ".join(f"{d['id']} {d['event_type']} ({d['state']}, "
                                           f"{len(d['attempts'])} attempts)" for d in busy[:10]))
        return {"idle": True, "deliveries": len(self.state.outbox.log(tenant.api_key))}

    # -- reset -------------------------------------------------------------
    def reset(self, request: Request, tenant: Tenant) -> dict[str, Any]:
        """Forget this key's payments, refunds, deliveries, clock, chaos, faults
        and webhook endpoints. Other keys are untouched."""
        self.state.reset(tenant.api_key)
        return {"reset": True}

    # -- webhook chaos and endpoints ---------------------------------------
    def chaos(self, request: Request, tenant: Tenant) -> dict[str, Any]:
        policy = self.state.outbox.chaos
        if request.method == "PUT":
            try:
                policy.configure(tenant.api_key, chaos_from_dict(_body(request)))
            except ValueError as exc:
                raise ControlError(400, "invalid_chaos", str(exc)) from None
        elif request.method == "DELETE":
            policy.clear(tenant.api_key)
        return {"chaos": policy.for_tenant(tenant.api_key).as_dict()}

    def endpoints(self, request: Request, tenant: Tenant) -> dict[str, Any]:
        """This key's webhook endpoints (the dashboard's Settings -> Webhooks);
        unset, the mock-wide ``--webhook-url`` list is used."""
        if request.method == "PUT":
            urls = _body(request).get("urls")
            if (not isinstance(urls, list)
                    or not all(isinstance(u, str) and u.startswith(("http://", "https://"))
                               for u in urls)):
                raise ControlError(400, "invalid_urls", "urls must be a list of http(s) URLs",
                                   "urls")
            with self.state.store.lock:
                tenant.webhook_endpoints = list(urls)
        return {"urls": self.state.endpoints_for(tenant)}

    def fault_rules(self, request: Request, tenant: Tenant) -> dict[str, Any]:
        """Queue deterministic API faults for this key: ``{"route": "create",
        "count": 1, "status": 503}``."""
        faults = self.state.faults
        if request.method == "POST":
            body = _body(request)
            try:
                rule = FailFirst(str(body.get("route", "")), _int(body.get("count", 1)),
                                 _int(body.get("status", 503)))
            except ValueError as exc:
                raise ControlError(400, "invalid_fault", str(exc)) from None
            faults.fail_next(rule, tenant.api_key)
        elif request.method == "DELETE":
            faults.reset(tenant.api_key)
        return {"pending": faults.pending(tenant.api_key)}

    # -- the receiver check (receiver_check.py) -----------------------------
    def receiver_check(self, request: Request, tenant: Tenant) -> dict[str, Any]:
        """Send the receiver check's battery to ``url``, about one of this key's
        payments, signed with this mock's webhook secret; answer the report.
        The events are made up for the check: the payment itself is unchanged."""
        body = _body(request)
        url = body.get("url")
        parts = urlsplit(url) if isinstance(url, str) else None
        if parts is None or parts.scheme not in ("http", "https") or not parts.netloc:
            raise ControlError(400, "invalid_url", "url must be an http(s) URL", "url")
        payment_id = body.get("payment_id")
        if not isinstance(payment_id, str):
            raise ControlError(400, "invalid_payment_id", "payment_id must be the id of one "
                               "of this key's payments (plink_...)", "payment_id")
        bounds = {}
        for name, default in (("slow_after", 10.0), ("timeout", 15.0)):
            value = body.get(name, default)
            if (not isinstance(value, int | float) or isinstance(value, bool)
                    or not 0 < value <= MAX_CHECK_SECONDS):
                raise ControlError(400, f"invalid_{name}", f"{name} must be more than 0 and at "
                                   f"most {MAX_CHECK_SECONDS:g} seconds", name)
            bounds[name] = float(value)
        with self.state.store.lock:
            view = self.state.view_at(self._payment(tenant, payment_id), request.host_url)
        report = check_receiver(str(url), view, self.state.outbox.secret,
                                slow_after=bounds["slow_after"], timeout=bounds["timeout"])
        return {**report.as_dict(), "report": report.text()}

    def _payment(self, tenant: Tenant, payment_id: str) -> payments.Payment:
        payment = tenant.payments.get(payment_id)
        if payment is None:
            raise ControlError(404, "resource_missing", f"no such payment: {payment_id}", "id")
        return payment


def _refusal(status: int, code: str, message: str) -> Response:
    return json_response(status, ControlError(status, code, message).body())


def _int(value: Any) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise ValueError(f"expected an integer, got {value!r}")
    return value


def _body(request: Request) -> dict[str, Any]:
    raw = request.get_data(cache=False)
    if not raw.strip():
        return {}
    try:
        body = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise ControlError(400, "invalid_json", "request body is not valid JSON") from None
    if not isinstance(body, dict):
        raise ControlError(400, "invalid_body", "request body must be a JSON object")
    return body
