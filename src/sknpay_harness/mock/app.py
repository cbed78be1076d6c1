"""The mock SKN Pay API as a WSGI app, built by a factory over explicit state.

Routes under ``/api/v1`` follow the known wire format (see
shared/sknpay-api-notes.md); the hosted page lives at ``/pay/<id>``. The
routes are the operations table's (../operations.py). Every
handler validates before it changes state, and every error body has the
Stripe-style shape ``{"error": {"type", "code", "message", "param"}}`` (the
likely reading; the notes leave string-or-object open). ``/`` is a front page
for people (front.py) and ``/docs`` the API reference (reference.py), both
rendered from the OpenAPI document.

What the mock knows, and the domain operations on it (a key's time, the
expiry sweep, events, views, the reset), live in state.py, shared with the
control API and the front page; this module is HTTP: routing and handlers.
"""

from __future__ import annotations

import hashlib
import heapq
import json
import re
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import urlsplit

from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound
from werkzeug.routing import Map, RequestRedirect, Rule
from werkzeug.utils import redirect
from werkzeug.wrappers import Request, Response

from .. import cards
from ..jsonbody import JSON_TYPE
from ..jsonbody import json_response as _json  # the handlers' short name for it
from ..operations import CONTROL_PREFIX, HOSTED_TAG, OPERATIONS
from . import front, hosted, openapi, payments, reference, refunds
from .breaks import BreakSet, ErrorAnswer
from .clock import Clock, IdFactory, SystemClock
from .control import ControlApi
from .faults import ApiFaults, FaultInjector
from .outbox import Outbox
from .state import ApiError, MockConfig, MockState
from .store import IdempotentResult, Store, Tenant

MAX_IDEMPOTENCY_KEY = 255
WSGIEnviron = dict[str, Any]
StartResponse = Callable[..., Any]
# Routes whose payment is opened without a key: the expiry sweep finds its owner.
_HOSTED = frozenset(op.name for op in OPERATIONS if op.tag == HOSTED_TAG)


class MockApp:
    """WSGI callable: the API fault middleware, then routing to the handlers.
    Build with :func:`create_app` (or build.py's ``build_mock``); what it
    serves is ``state``, shared with the control API and the front page."""

    def __init__(self, state: MockState) -> None:
        self.state = state
        self.control = ControlApi(state)
        # Faults are answered before the app sees the request: nothing changes.
        self._wsgi = FaultInjector(self._serve, state.faults)
        # Keyed by the operations table's names; ControlApi serves the control ones.
        self._handlers: dict[str, Callable[..., Response]] = {
            "create_payment": self.create, "retrieve_payment": self.retrieve,
            "cancel_payment": self.cancel, "create_refund": self.refund,
            "hosted_page": self.page, "pay_hosted_page": self.pay,
            "answer_challenge": self.challenge,
            "openapi_document": self.openapi, "front_page": self.front_page,
            "api_reference": self.api_reference,
        }
        self._routes = Map([Rule(op.rule, endpoint=op.name, methods=[op.method])
                            for op in OPERATIONS if not op.control], strict_slashes=False)
        self._openapi_document: dict[str, Any] | None = None
        self._openapi: bytes | None = None
        self._docs: str | None = None

    # -- WSGI --------------------------------------------------------------
    def __call__(self, environ: WSGIEnviron, start_response: StartResponse) -> Iterable[bytes]:
        return self._wsgi(environ, start_response)

    def _serve(self, environ: WSGIEnviron, start_response: StartResponse) -> Iterable[bytes]:
        return self.dispatch(Request(environ))(environ, start_response)

    def dispatch(self, request: Request) -> Response:
        try:
            path = request.path
            if path.startswith(CONTROL_PREFIX + "/"):
                return self.control.dispatch(request)
            # request.path drops leading slashes, so look at PATH_INFO itself.
            raw_path = _wsgi_path(request.environ.get("PATH_INFO", ""))
            if "//" in raw_path:
                return _no_route(request.method, raw_path, _merged(raw_path))
            endpoint, args = self._routes.bind_to_environ(request.environ).match()
            # The expiry sweep: a step of its own, before any handler reads state.
            self.state.sweep_before(request, args["payment_id"] if endpoint in _HOSTED else None)
            return self._handlers[endpoint](request, **args)
        except ApiError as exc:
            response = self._error(exc)
            if exc.code == "unsupported_media_type":
                response.headers["Accept"] = JSON_TYPE  # what it takes: RFC 9110 §15.5.16
            return response
        except RequestRedirect as exc:
            # werkzeug would redirect to the canonical path; an API answers the
            # path it was sent (and the generic case below would drop Location).
            return _no_route(request.method, request.path, urlsplit(exc.new_url).path)
        except MethodNotAllowed as exc:
            response = _json(405, ApiError(405, "invalid_request_error", "method_not_allowed",
                                           f"{request.method} is not allowed on {request.path}"
                                           ).body())
            response.headers["Allow"] = ", ".join(sorted(exc.valid_methods or ()))  # RFC 9110
            return response
        except NotFound:
            return _no_route(request.method, request.path)
        except HTTPException as exc:
            return _json(exc.code or 400, ApiError(exc.code or 400, "invalid_request_error",
                                                   "bad_request", str(exc.description)).body())

    # -- API handlers ------------------------------------------------------
    def create(self, request: Request) -> Response:
        tenant = self.state.tenant_for(request)
        body = self.state.breaks.apply("create_body", self._json_body(request))
        problems = self.state.breaks.apply("validation_problems", payments.validate_create(body))
        if problems:
            if self.state.breaks.any("keeps_rejected_create"):
                self.state.store.add_payment(tenant, payments.Payment(
                    self.state.ids.new("plink"), 0, "USD", None, int(self.state.clock.now())))
            first = problems[0]
            message = "; ".join(p.message for p in problems)
            raise ApiError(400, "invalid_request_error", first.code, message, first.param)
        key = request.headers.get("Idempotency-Key")
        if key is not None and len(key) > MAX_IDEMPOTENCY_KEY:
            # Stripe's limit; SKN Pay's is unknown. Refused rather than truncated.
            raise ApiError(400, "invalid_request_error", "idempotency_key_too_long",
                           f"Idempotency-Key is over {MAX_IDEMPOTENCY_KEY} characters",
                           "Idempotency-Key")
        key = self.state.breaks.apply("idempotency_key", key)
        fingerprint = self.state.breaks.apply("idempotency_fingerprint", _fingerprint(body))
        with self.state.store.lock:
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
            payment = payments.new_payment(self.state.ids.new("plink"), body, self.state.now(tenant),
                                           self.state.config.link_lifetime)
            self.state.store.add_payment(tenant, payment)
            if payment.expires_at is not None:
                heapq.heappush(tenant.expiries, (payment.expires_at, payment.id))
            view = self._view(payment, request)
            if key:
                tenant.idempotency[key] = IdempotentResult(fingerprint, 200, view)
        # 200 vs 201 is unknown; 200 is the Stripe-flavoured reading.
        return _json(200, self.state.breaks.apply("answer", view, "create"))

    def retrieve(self, request: Request, payment_id: str) -> Response:
        tenant = self.state.tenant_for(request)
        view = self._view(self._payment(tenant, payment_id), request)
        return _json(200, self.state.breaks.apply("answer", view, "retrieve"))

    def cancel(self, request: Request, payment_id: str) -> Response:
        tenant = self.state.tenant_for(request)
        with self.state.store.lock:
            payment = self._payment(tenant, payment_id)
            if payment.status != payments.OPEN and self.state.breaks.any("refuses_repeat_cancel", payment):
                raise ApiError(400, "invalid_request_error", "payment_not_open",
                               f"payment {payment_id} is {payment.status}")
            now = self.state.now(tenant)
            changed = self.state.breaks.apply("cancel_changes", payments.cancel(payment, now), payment, now)
            view = self._view(payment, request)
        if self.state.breaks.apply("cancel_emits", changed):
            self.state.emit(tenant, "payment.canceled", view)
        return _json(200, self.state.breaks.apply("answer", view, "cancel"))

    def refund(self, request: Request) -> Response:
        tenant = self.state.tenant_for(request)
        body = self._json_body(request)
        problems = self.state.breaks.apply("refund_problems", refunds.validate_request(body))
        if problems:
            raise ApiError(400, "invalid_request_error", problems[0].code,
                           "; ".join(p.message for p in problems), problems[0].param)
        with self.state.store.lock:
            payment = tenant.payments.get(body["payment_id"])
            if payment is None:
                raise ApiError(404, "invalid_request_error", "resource_missing",
                               f"no such payment: {body['payment_id']}", "payment_id")
            problem = self.state.breaks.apply("refund_refusal", refunds.check_refundable(payment, body.get("amount")),
                                        payment)
            if problem is not None:
                raise ApiError(400, "invalid_request_error", problem.code, problem.message,
                               problem.param)
            refund = refunds.apply(payment, self.state.ids.new("re"), body.get("amount"),
                                   self.state.now(tenant))
            tenant.refunds[refund.id] = refund
            view = self._view(payment, request)
        if self.state.breaks.apply("fires_event", True, "payment.refunded"):
            self.state.emit(tenant, "payment.refunded", view)
        return _json(200, self.state.breaks.apply("refund_view", refund.view()))

    def page(self, request: Request, payment_id: str) -> Response:
        payment = self._page_payment(payment_id)
        if payment is None:
            return _html(404, hosted.not_found())
        # Status of an inactive link's page is unknown; 200 with the notice
        # is the likely reading (a page, not an API error).
        shown_open = self.state.breaks.apply("hosted_page_open", payment.status == payments.OPEN, payment)
        html = hosted.render(payment, shown_open)
        return _html(200, self.state.breaks.apply("hosted_page_html", html, payment))

    def pay(self, request: Request, payment_id: str) -> Response:
        """The customer submits the card form (test card pays, the 3-D Secure
        card asks for a challenge first, any other declines)."""
        found = self._payable(payment_id)
        if isinstance(found, Response):
            return found
        payment, tenant = found
        card = self.state.breaks.apply("card_number", payments.normalize_card(str(request.form.get("card_number", ""))))
        if not card:
            return _html(400, hosted.render(payment, True, "Enter a card number."))
        with self.state.store.lock:
            if card == cards.THREE_D_SECURE_CARD:
                token = self.state.ids.new("tds")
                payments.ask_authentication(payment, token)
                return _html(200, hosted.render_challenge(payment, token))
            if card == cards.TEST_CARD:
                changed, event_type = payments.pay(payment), "payment.succeeded"
            else:
                changed, event_type = payments.decline(payment), "payment.failed"
            view = self._view(payment, request)
        return self._after_attempt(tenant, payment, view, changed, event_type,
                                   "Your card was declined. Try another card.")

    def challenge(self, request: Request, payment_id: str) -> Response:
        """The customer answers the 3-D Secure challenge: ``result=complete`` pays,
        ``result=fail`` declines (payment.failed; the link stays open)."""
        found = self._payable(payment_id)
        if isinstance(found, Response):
            return found
        payment, tenant = found
        token = str(request.form.get("challenge_token", ""))
        result = request.form.get("result")
        with self.state.store.lock:
            if not payments.challenge_matches(payment, token):
                return _html(400, hosted.render(payment, True, "This authentication step is no "
                                                               "longer valid. Enter your card again."))
            if result not in ("complete", "fail"):
                return _html(400, hosted.render_challenge(payment, token, "Choose a result."))
            if result == "complete":
                changed, event_type = payments.pay(payment), "payment.succeeded"
            else:
                changed, event_type = payments.fail_authentication(payment), "payment.failed"
            view = self._view(payment, request)
        return self._after_attempt(tenant, payment, view, changed, event_type,
                                   "Authentication failed: your card was not charged. "
                                   "Try another card.")

    def _payable(self, payment_id: str) -> tuple[payments.Payment, Tenant] | Response:
        """The link and its owner, if its page takes a payment; else the page's answer."""
        payment = self._page_payment(payment_id)
        if payment is None:
            return _html(404, hosted.not_found())
        tenant = self.state.store.find_owner(payment_id)
        if tenant is None or not self.state.breaks.apply("hosted_page_open", payment.status == payments.OPEN,
                                                    payment):
            return _html(409, hosted.render(payment, False))
        return payment, tenant

    def _after_attempt(self, tenant: Tenant, payment: payments.Payment, view: dict[str, Any],
                       changed: bool, event_type: str, declined: str) -> Response:
        """The event a card or challenge attempt fires, and the page the customer gets."""
        if self.state.breaks.apply("fires_event", changed, event_type):
            self.state.emit(tenant, event_type, view)
        if event_type == "payment.failed":
            return _html(402, hosted.render(payment, True, declined))
        return self._paid_page(payment)

    def _paid_page(self, payment: payments.Payment) -> Response:
        if payment.success_url:
            return redirect(_with_payment_id(payment.success_url, payment.id), code=303)
        return _html(200, hosted.render(payment, False))

    def openapi(self, request: Request) -> Response:
        """The OpenAPI 3.1 document (built once, from schemas/)."""
        if self._openapi is None:
            self._openapi = json.dumps(self.openapi_document()).encode()
        return Response(self._openapi, status=200, content_type="application/json")

    def openapi_document(self) -> dict[str, Any]:
        """The OpenAPI document as data, built once: what the pages are rendered from."""
        if self._openapi_document is None:
            self._openapi_document = openapi.build_document()
        return self._openapi_document

    def front_page(self, request: Request) -> Response:
        """The front page: rendered per request, as faults and settings change."""
        settings = front.MockSettings.of(self.state, self.host_url(request))
        return _html(200, front.render_front_page(settings, self.openapi_document()))

    def api_reference(self, request: Request) -> Response:
        """The API reference, rendered once from the OpenAPI document."""
        if self._docs is None:
            self._docs = reference.render_reference(self.openapi_document())
        return _html(200, self._docs)

    def _page_payment(self, payment_id: str) -> payments.Payment | None:
        return self.state.store.find_payment(payment_id)

    # -- helpers -----------------------------------------------------------
    def _error(self, exc: ApiError) -> Response:
        answer: ErrorAnswer = (exc.status, exc.body())
        status, body = self.state.breaks.apply("error", answer)
        if isinstance(body, str):
            return Response(body, status=status, content_type="text/plain; charset=utf-8")
        return _json(status, body)

    def _json_body(self, request: Request) -> Any:
        length = request.content_length
        if length is not None and length > self.state.config.max_body:
            raise ApiError(413, "invalid_request_error", "body_too_large",
                           f"request body over {self.state.config.max_body} bytes")
        raw = request.stream.read(self.state.config.max_body + 1)
        if len(raw) > self.state.config.max_body:
            raise ApiError(413, "invalid_request_error", "body_too_large",
                           f"request body over {self.state.config.max_body} bytes")
        if raw and request.mimetype != JSON_TYPE:
            # Many JSON APIs ignore a body not labelled JSON and answer "missing
            # amount"; saying so here shows the missing header first (docs/mock.md).
            raise ApiError(415, "invalid_request_error", "unsupported_media_type",
                           _content_type_problem(request.headers.get("Content-Type")),
                           "Content-Type")
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
        self.state.last_host_url = host_url = self.host_url(request)
        return self.state.view_at(payment, host_url)

    def host_url(self, request: Request) -> str:
        return request.host_url


def _fingerprint(body: Any) -> str:
    return hashlib.sha256(json.dumps(body, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def _content_type_problem(content_type: str | None) -> str:
    fix = f"send it with 'Content-Type: {JSON_TYPE}'"
    if content_type is None:
        return f"the request has a body but no Content-Type header; {fix}"
    shown = content_type if len(content_type) <= 100 else content_type[:100] + "..."
    return f"the body's Content-Type is {shown!r}, not {JSON_TYPE}; {fix}"


def _wsgi_path(path_info: str) -> str:
    """PATH_INFO as text: WSGI carries the path's bytes as latin-1 (PEP 3333)."""
    return path_info.encode("latin-1").decode("utf-8", "replace")


def _merged(path: str) -> str:
    return re.sub("/{2,}", "/", path)


def _no_route(method: str, path: str, meant: str | None = None) -> Response:
    """404 for a path no route has. The mock never redirects an API path: a
    client that follows the redirect would hide its own wrong URL here and
    meet a 404 on SKN Pay (Stripe matches paths as sent: a path it does not
    know, even one with a trailing slash, is 404 "Unrecognized request URL")."""
    message = f"no route {method} {path}"
    if "//" in path:
        message += (": the path has an empty segment (//), often a base URL ending in / "
                    "joined to a path starting with /")
    if meant and meant != path:
        message += f"; did you mean {meant}?"
    return _json(404, ApiError(404, "invalid_request_error", "route_not_found", message).body())


def _with_payment_id(url: str, payment_id: str) -> str:
    """success_url with ``payment_id=<id>`` appended to its query (API notes)."""
    base, _, fragment = url.partition("#")
    joined = f"{base}{'&' if '?' in base else '?'}payment_id={payment_id}"
    return joined + (f"#{fragment}" if fragment else "")


def _html(status: int, html: str) -> Response:
    return Response(html, status=status, content_type="text/html; charset=utf-8")


def create_app(
    config: MockConfig,
    *,
    store: Store | None = None,
    outbox: Outbox | None = None,
    breaks: BreakSet | None = None,
    clock: Clock | None = None,
    ids: IdFactory | None = None,
    faults: ApiFaults | None = None,
) -> MockApp:
    """A fresh mock with its own state; pass any part to control it in tests
    (build.py's ``build_mock`` makes every part from one spec and serves it)."""
    breaks = breaks or BreakSet()
    clock = clock or SystemClock()
    outbox = outbox or Outbox(config.webhook_secret, clock=clock.now, breaks=breaks)
    return MockApp(MockState(config, store or Store(), outbox, breaks, faults or ApiFaults(),
                             clock, ids or IdFactory()))
