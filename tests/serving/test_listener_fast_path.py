"""The listener answers a delivery straight from the environ, skipping
werkzeug's Request and Response: the answer and the record it makes equal
those of werkzeug's path (still used for everything else) for the same
request."""

from __future__ import annotations

import dataclasses
import json
import time
from typing import Any

import pytest
from werkzeug.test import EnvironBuilder, run_wsgi_app
from werkzeug.wrappers import Request

from sknpay_harness import signing
from sknpay_harness.listener import WebhookInbox, _headers, _ListenerServer, _path

SECRET = "whsec_fast_path_0123456789"
OURS = "plink_FastPath0001"


def _event(event_id: str, payment_id: str = OURS) -> bytes:
    return json.dumps({"id": event_id, "object": "event", "type": "payment.canceled",
                       "data": {"object": {"id": payment_id, "status": "canceled"}}}).encode()


def _signed(body: bytes, secret: str = SECRET, skew: float = 0) -> dict[str, str]:
    return {"Content-Type": "application/json", signing.EVENT_TYPE_HEADER: "payment.canceled",
            signing.HEADER: signing.sign(body, secret, time.time() + skew)}


GOOD = _event("evt_Fast0001")
DELIVERIES: dict[str, dict[str, Any]] = {
    "valid": {"data": GOOD, "headers": _signed(GOOD)},
    "forged": {"data": GOOD, "headers": _signed(GOOD, secret="whsec_other")},
    "stale": {"data": GOOD, "headers": _signed(GOOD, skew=-600)},
    "unsigned": {"data": GOOD, "headers": {"Content-Type": "application/json"}},
    "not json": {"data": b"nope", "headers": _signed(b"nope")},
    "other run's payment": {"data": _event("evt_Other001", "plink_Other"),
                            "headers": _signed(_event("evt_Other001", "plink_Other"))},
    "empty body": {"data": b"", "headers": _signed(b""), "length": "0"},
    "odd path and secret-shaped header": {
        "path": "//hooks/caf%C3%A9/x", "data": GOOD,
        "headers": {**_signed(GOOD), "Authorization": "Bearer sk_test_abc", "X-Trace": "whsec_leak"}},
    "at the body cap": {"data": b" " * 1000, "headers": _signed(b" " * 1000)},
}
# Requests the fast path leaves to werkzeug's Request and Response.
GENERIC: dict[str, dict[str, Any]] = {
    "GET": {"method": "GET"},
    "over the cap by Content-Length": {"data": b" " * 1001, "headers": _signed(b" " * 1001)},
    "no Content-Length": {"data": GOOD, "headers": _signed(GOOD), "drop_length": True},
    "lower-case post": {"method": "post", "data": GOOD, "headers": _signed(GOOD)},
    "Content-Length not digits": {"data": GOOD, "headers": _signed(GOOD), "length": f"+{len(GOOD)}"},
    "a 5000-digit Content-Length": {"data": GOOD, "headers": _signed(GOOD), "length": "9" * 5000},
    "shorter body than stated (client left)": {"data": GOOD, "headers": _signed(GOOD),
                                               "length": str(len(GOOD) + 10)},
}


def _environ(case: dict[str, Any]) -> dict[str, Any]:
    builder = EnvironBuilder(path=case.get("path", "/webhooks/sknpay"),
                             method=case.get("method", "POST"), data=case.get("data"),
                             headers=case.get("headers", {}))
    environ: dict[str, Any] = builder.get_environ()
    if case.get("drop_length"):
        del environ["CONTENT_LENGTH"]
    environ.update({"CONTENT_LENGTH": case["length"]} if "length" in case else {})
    return environ


def _served(case: dict[str, Any], fast: bool) -> tuple[Any, list[Any]]:
    """The answer and the delivery record, through one path."""
    inbox = WebhookInbox([SECRET], max_body=1000)
    inbox.track(OURS)
    server = _ListenerServer(inbox, "127.0.0.1", 0)
    generic_calls = []

    def generic(environ: dict[str, Any], start_response: Any) -> Any:
        generic_calls.append(environ)
        return _ListenerServer(inbox, "127.0.0.1", 0)._generic(environ, start_response)

    server._generic = generic  # type: ignore[method-assign]
    app = server.wsgi if fast else generic
    body_iter, status, headers = run_wsgi_app(app, _environ(case))
    answer = (status, list(headers.items()), b"".join(body_iter))
    records = [dataclasses.replace(d, received_at=0) for d in inbox.deliveries()]
    return (answer, records), generic_calls


@pytest.mark.parametrize("case", DELIVERIES.values(), ids=DELIVERIES.keys())
def test_a_delivery_is_answered_and_recorded_as_werkzeugs_path_does(case):
    fast, generic_calls = _served(case, fast=True)
    assert generic_calls == [], "the fast path served it"
    standard, _ = _served(case, fast=False)
    assert fast == standard
    assert fast[1], "the delivery was recorded"


@pytest.mark.parametrize("case", GENERIC.values(), ids=GENERIC.keys())
def test_anything_else_goes_to_werkzeugs_path(case):
    fast, generic_calls = _served(case, fast=True)
    assert len(generic_calls) == 1
    assert fast == _served(case, fast=False)[0]


ENVIRONS = {
    "plain": {"PATH_INFO": "/webhooks/sknpay", "HTTP_HOST": "h", "CONTENT_TYPE": "application/json",
              "CONTENT_LENGTH": "12"},
    "empty content type": {"PATH_INFO": "/w", "CONTENT_TYPE": "", "CONTENT_LENGTH": ""},
    "header spellings": {"PATH_INFO": "", "HTTP_X_SKN_PAY_SIGNATURE": "t=1", "HTTP_X_1A_B2": "v",
                         "HTTP_ACCEPT_ENCODING": "gzip, br", "HTTP_CONTENT_TYPE": "shadow",
                         "HTTP_CONTENT_LENGTH": "shadow", "SERVER_NAME": "x"},
    "utf-8 path as a WSGI string": {"PATH_INFO": "/café/€".encode().decode("latin-1")},
    "invalid utf-8 and slashes": {"PATH_INFO": "///a\xff/b"},
}


@pytest.mark.parametrize("environ", ENVIRONS.values(), ids=ENVIRONS.keys())
def test_path_and_headers_are_read_as_werkzeug_reads_them(environ):
    full = {"REQUEST_METHOD": "POST", "wsgi.input": None, **environ}
    request = Request(full)
    assert _path(full) == request.path
    assert list(_headers(full).items()) == list(dict(request.headers).items())
