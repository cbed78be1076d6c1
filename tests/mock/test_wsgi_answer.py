"""The mock's short way from a Response to WSGI gives what werkzeug's own does."""

from __future__ import annotations

import json
from typing import Any

import pytest
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request, Response

from sknpay_harness.mock.app import MockConfig, _as_wsgi, create_app
from sknpay_harness.mock.clock import IdFactory, ManualClock

KEY = "sk_test_wsgi_answer"
AUTH = {"Authorization": f"Bearer {KEY}"}
CREATE = json.dumps({"amount": 1000, "currency": "USD"})


def _run(answer: Any, response: Response, environ: dict[str, Any]) -> tuple[str, list[Any], bytes]:
    started: list[Any] = []
    chunks = answer(response, environ, lambda status, headers, exc=None: started.extend([status, headers]))
    try:
        body = b"".join(chunks)
    finally:
        getattr(chunks, "close", lambda: None)()
    return started[0], list(started[1]), body


def _same_as_werkzeug(response: Response, environ: dict[str, Any]) -> None:
    ours = _run(_as_wsgi, response, dict(environ))
    theirs = _run(lambda r, e, s: r(e, s), response, dict(environ))
    assert ours == theirs


@pytest.fixture
def app():
    return create_app(MockConfig("whsec_wsgi", api_keys=frozenset({KEY}),
                                 webhook_endpoints=["http://127.0.0.1:9/hook"]),
                      clock=ManualClock(), ids=IdFactory(seed=3))


def _environ(method: str, path: str, headers: dict[str, str] | None = None,
             data: str | None = None) -> dict[str, Any]:
    return EnvironBuilder(path=path, method=method, headers=headers, data=data,
                          content_type="application/json" if data else None).get_environ()


def test_every_kind_of_mock_answer(app):
    made = app.dispatch(Request(_environ("POST", "/api/v1/payments",
                                         {**AUTH, "Idempotency-Key": "k"}, CREATE)))
    payment = json.loads(made.get_data())
    requests = [
        ("POST", "/api/v1/payments", {**AUTH, "Idempotency-Key": "k"}, CREATE),  # replayed
        ("POST", "/api/v1/payments", AUTH, "{not json"),
        ("GET", f"/api/v1/payments/{payment['id']}", AUTH, None),
        ("GET", "/api/v1/payments/plink_missing", AUTH, None),
        ("GET", "/api/v1/payments", {}, None),
        ("DELETE", "/api/v1/payments", AUTH, None),
        ("POST", f"/api/v1/payments/{payment['id']}/cancel", AUTH, None),
        ("GET", f"/pay/{payment['id']}", {}, None),
        ("HEAD", f"/pay/{payment['id']}", {}, None),
        ("GET", "/pay/plink_missing", {}, None),
        ("GET", "/openapi.json", {}, None),
        ("GET", "/", {}, None),
        ("GET", "/docs", {}, None),
        ("GET", "/nowhere", {}, None),
    ]
    for method, path, headers, data in requests:
        environ = _environ(method, path, headers, data)
        _same_as_werkzeug(app.dispatch(Request(dict(environ))), environ)


def _without_length() -> Response:
    response = Response(b"body")
    del response.headers["Content-Length"]
    return response


ODD = {
    "no Content-Length": (_without_length, "GET"),
    "Location": (lambda: Response(b"moved", status=302, headers={"Location": "/caf\u00e9"}), "GET"),
    "Content-Location": (lambda: Response(b"x", headers={"Content-Location": "/caf\u00e9"}), "GET"),
    "103": (lambda: Response(b"", status=103, headers={"Link": "</a.css>"}), "GET"),
    "204": (lambda: Response(b"", status=204), "GET"),
    "304": (lambda: Response(b"x", status=304, headers={"ETag": "e"}), "GET"),
    "HEAD": (lambda: Response(b"body"), "HEAD"),
    "str body": (lambda: Response("caf\u00e9"), "GET"),
    "many chunks": (lambda: Response([b"a", b"b"]), "GET"),
    "many chunks with a length": (lambda: Response([b"a", b"b"], headers={"Content-Length": "2"}), "GET"),
    "str chunk with a length": (lambda: Response(["caf\u00e9"], headers={"Content-Length": "5"}), "GET"),
    "direct passthrough": (lambda: Response([b"raw"], direct_passthrough=True), "GET"),
}


@pytest.mark.parametrize("case", ODD)
def test_answers_it_leaves_to_werkzeug_come_out_the_same(case):
    make, method = ODD[case]
    _same_as_werkzeug(make(), _environ(method, "/x"))


def test_close_callbacks_still_run():
    closed: list[bool] = []
    response = Response(b"body")
    response.call_on_close(lambda: closed.append(True))
    assert _run(_as_wsgi, response, _environ("GET", "/x"))[2] == b"body"
    assert closed == [True]
