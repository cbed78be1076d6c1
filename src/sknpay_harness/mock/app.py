"""The mock SKN Pay API as a WSGI app, built by a factory over explicit state.

Routes under ``/api/v1`` follow the known wire format (see
shared/sknpay-api-notes.md); the hosted page lives at ``/pay/<id>``. Every
handler validates before it changes state, and every error body has the
Stripe-style shape ``{"error": {"type", "code", "message", "param"}}`` (the
likely reading; the notes leave string-or-object open).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

from . import hosted, payments
from .breaks import BreakSet
from .clock import IdFactory, SystemClock
from .outbox import Outbox
from .store import IdempotentResult, Store, Tenant

API_PREFIX = "/api/v1"
MAX_BODY_BYTES = 1024 * 1024
WSGIEnviron = dict[str, Any]
StartResponse = Callable[..., Any]


@dataclass
class MockConfig:
    """What a mock instance accepts and where it sends events.

    ``api_keys`` None accepts any ``sk_test_`` key (each its own tenant);
    a set accepts only those keys.
    """

    webhook_secret: str
    api_keys: frozenset[str] | None = None
    webhook_endpoints: list[str] = field(default_factory=list)
    max_body: int = MAX_BODY_BYTES


class ApiError(Exception):
    def __init__(self, status: int, type_: str, code: str, message: str,
                 param: str | None = None) -> None:
        super().__init__(message)
        self.status, self.type, self.code, self.message, self.param = status, type_, code, message, param

    def body(self) -> dict[str, Any]:
        return {"error": {"type": self.type, "code": self.code, "message": self.message,
                          "param": self.param}}


class MockApp:
    """WSGI callable. Build with :func:`create_app`; all state is on the instance."""

    def __init__(self, config: MockConfig, store: Store, outbox: Outbox,
                 breaks: BreakSet, clock: Any, ids: IdFactory) -> None:
        self.config, self.store, self.outbox = config, store, outbox
        self.breaks, self.clock, self.ids = breaks, clock, ids
        self.request_log_hook: Callable[[Request, Response], None] | None = None
        self._routes = Map([
            Rule(f"{API_PREFIX}/payments", endpoint="create", methods=["POST"]),
            Rule(f"{API_PREFIX}/payments/<payment_id>", endpoint="retrieve", methods=["GET"]),
            Rule(f"{API_PREFIX}/payments/<payment_id>/cancel", endpoint="cancel", methods=["POST"]),
            Rule("/pay/<payment_id>", endpoint="page", methods=["GET"]),
        ], strict_slashes=False)
        self._handlers: dict[str, Callable[..., Response]] = {
            "create": self.create, "retrieve": self.retrieve, "cancel": self.cancel,
            "page": self.page,
        }

    # -- WSGI --------------------------------------------------------------
    def __call__(self, environ: WSGIEnviron, start_response: StartResponse) -> Iterable[bytes]:
        request = Request(environ)
        response = self.dispatch(request)
        if self.request_log_hook is not None:
            self.request_log_hook(request, response)
        return response(environ, start_response)  # type: ignore[no-any-return]

    def dispatch(self, request: Request) -> Response:
        adapter = self._routes.bind_to_environ(request.environ)
        try:
            endpoint, args = adapter.match()
            return self._handlers[endpoint](request, **args)
        except ApiError as exc:
            return self._error(exc)
        except MethodNotAllowed:
            return _json(405, ApiError(405, "invalid_request_error", "method_not_allowed",
                                       f"{request.method} is not allowed on {request.path}").body())
        except NotFound:
            return _json(404, ApiError(404, "invalid_request_error", "route_not_found",
                                       f"no route {request.method} {request.path}").body())
        except HTTPException as exc:
            return _json(exc.code or 400, ApiError(exc.code or 400, "invalid_request_error",
                                                   "bad_request", str(exc.description)).body())

    # -- API handlers ------------------------------------------------------
    def create(self, request: Request) -> Response:
        tenant = self._authenticate(request)
        body = self.breaks.create_body(self._json_body(request))
        problems = self.breaks.validation_problems(payments.validate_create(body))
        if problems:
            if self.breaks.keeps_rejected_create():
                self.store.add_payment(tenant, payments.Payment(
                    self.ids.new("plink"), 0, "USD", None, int(self.clock.now())))
            first = problems[0]
            message = "; ".join(p.message for p in problems)
            raise ApiError(400, "invalid_request_error", first.code, message, first.param)
        key = self.breaks.idempotency_key(request.headers.get("Idempotency-Key"))
        fingerprint = self.breaks.idempotency_fingerprint(_fingerprint(body))
        with self.store.lock:
            if key:
                earlier = tenant.idempotency.get(key)
                if earlier is not None:
                    if earlier.fingerprint != fingerprint:
                        raise ApiError(409, "idempotency_error", "idempotency_key_in_use",
                                       "this Idempotency-Key was used with a different request body")
                    # Replay the first answer, as Stripe does.
                    response = _json(earlier.status, earlier.body)
                    response.headers["Idempotent-Replayed"] = "true"
                    return response
            payment = payments.new_payment(self.ids.new("plink"), body, self.clock.now())
            self.store.add_payment(tenant, payment)
            view = self._view(payment, request)
            if key:
                tenant.idempotency[key] = IdempotentResult(fingerprint, 200, view)
        # 200 vs 201 is unknown; 200 is the Stripe-flavoured reading.
        return _json(200, self.breaks.answer("create", view))

    def retrieve(self, request: Request, payment_id: str) -> Response:
        tenant = self._authenticate(request)
        view = self._view(self._payment(tenant, payment_id), request)
        return _json(200, self.breaks.answer("retrieve", view))

    def cancel(self, request: Request, payment_id: str) -> Response:
        tenant = self._authenticate(request)
        with self.store.lock:
            payment = self._payment(tenant, payment_id)
            if payment.status != payments.OPEN and self.breaks.refuses_repeat_cancel(payment):
                raise ApiError(400, "invalid_request_error", "payment_not_open",
                               f"payment {payment_id} is {payment.status}")
            now = self.clock.now()
            changed = self.breaks.cancel_changes(payment, payments.cancel(payment, now), now)
            view = self._view(payment, request)
        if self.breaks.cancel_emits(changed) and self.breaks.emits_cancel_event():
            self.emit(tenant, "payment.canceled", view)
        return _json(200, self.breaks.answer("cancel", view))

    def page(self, request: Request, payment_id: str) -> Response:
        payment = self.store.find_payment(payment_id)
        if payment is None:
            return Response(hosted.not_found(), status=404, content_type="text/html; charset=utf-8")
        # Status of an inactive link's page is unknown; 200 with the notice
        # is the likely reading (a page, not an API error).
        html = self.breaks.hosted_page_html(
            payment, hosted.render(payment, self.breaks.hosted_page_open(payment)))
        return Response(html, status=200, content_type="text/html; charset=utf-8")

    # -- events ------------------------------------------------------------
    def emit(self, tenant: Tenant, event_type: str, payment_view: dict[str, Any]) -> dict[str, Any]:
        event = self.breaks.event({
            "id": self.ids.new("evt"),
            "object": "event",
            "type": event_type,
            "created": int(self.clock.now()),
            "livemode": False,
            "data": {"object": payment_view},
        })
        self.outbox.enqueue(event, list(self.config.webhook_endpoints), tenant.api_key)
        return event

    # -- helpers -----------------------------------------------------------
    def _authenticate(self, request: Request) -> Tenant:
        header = request.headers.get("Authorization", "")
        scheme, _, key = header.partition(" ")
        key = key.strip()
        if not self.breaks.enforces_auth():
            return self.store.tenant(key)
        if scheme != "Bearer" or not key:
            raise ApiError(401, "authentication_error", "missing_api_key",
                           "send your API key as 'Authorization: Bearer <key>'")
        allowed = self.config.api_keys
        if (allowed is not None and key not in allowed) or (
            allowed is None and not key.startswith("sk_test_")
        ):
            # Never echo the key back: it would land in logs and reports.
            raise ApiError(401, "authentication_error", "invalid_api_key", "invalid API key provided")
        return self.store.tenant(key)

    def _error(self, exc: ApiError) -> Response:
        status, body = self.breaks.error(exc.status, exc.body())
        if isinstance(body, str):
            return Response(body, status=status, content_type="text/plain; charset=utf-8")
        return _json(status, body)

    def _json_body(self, request: Request) -> Any:
        length = request.content_length
        if length is not None and length > self.config.max_body:
            raise ApiError(413, "invalid_request_error", "body_too_large",
                           f"request body over {self.config.max_body} bytes")
        raw = request.stream.read(self.config.max_body + 1)
        if len(raw) > self.config.max_body:
            raise ApiError(413, "invalid_request_error", "body_too_large",
                           f"request body over {self.config.max_body} bytes")
        try:
            return json.loads(raw)
        except (ValueError, UnicodeDecodeError):
            raise ApiError(400, "invalid_request_error", "invalid_json",
                           "request body is not valid JSON") from None

    def _payment(self, tenant: Tenant, payment_id: str) -> payments.Payment:
        payment = tenant.payments.get(payment_id)
        if payment is None:
            raise ApiError(404, "invalid_request_error", "resource_missing",
                           f"no such payment: {payment_id}", "id")
        return payment

    def _view(self, payment: payments.Payment, request: Request) -> dict[str, Any]:
        return self.breaks.payment_view(payment.view(request.host_url))


def _fingerprint(body: Any) -> str:
    return hashlib.sha256(json.dumps(body, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def _json(status: int, body: dict[str, Any]) -> Response:
    return Response(json.dumps(body), status=status, content_type="application/json")


def create_app(
    config: MockConfig,
    *,
    store: Store | None = None,
    outbox: Outbox | None = None,
    breaks: BreakSet | None = None,
    clock: Any = None,
    ids: IdFactory | None = None,
) -> MockApp:
    """A fresh mock with its own state; pass any part to control it in tests."""
    breaks = breaks or BreakSet()
    clock = clock or SystemClock()
    outbox = outbox or Outbox(config.webhook_secret, clock=clock.now, breaks=breaks)
    return MockApp(config, store or Store(), outbox, breaks, clock, ids or IdFactory())
