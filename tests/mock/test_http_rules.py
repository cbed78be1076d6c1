"""The mock's HTTP rules an integrator meets first (issue #18, item 3): the auth
scheme's case, a double slash in the path, and a body without a JSON type."""

from __future__ import annotations

import httpx
import pytest
from werkzeug.routing import Map, Rule

from sknpay_harness.client import SknPayClient
from sknpay_harness.mock.app import create_app
from sknpay_harness.mock.clock import IdFactory, ManualClock
from sknpay_harness.mock.state import MockConfig

KEY = "sk_test_http_rules"
AUTH = {"Authorization": f"Bearer {KEY}"}
GOOD = {"amount": 1000, "currency": "USD", "description": "HTTP rules"}
RAW_GOOD = b'{"amount": 1000, "currency": "USD"}'


@pytest.fixture
def app():
    return create_app(MockConfig("whsec_http_rules", api_keys=frozenset({KEY})),
                      clock=ManualClock(), ids=IdFactory(seed=18))


@pytest.fixture
def http(app):
    with httpx.Client(transport=httpx.WSGITransport(app=app), base_url="http://mock.test") as c:
        yield c


def paid_payment(http):
    payment = http.post("/api/v1/payments", json=GOOD, headers=AUTH).json()
    forced = http.post(f"/_mock/payments/{payment['id']}/state", headers=AUTH,
                       json={"status": "succeeded", "event": False})
    assert forced.status_code == 200, forced.text
    return payment


# -- the auth scheme ------------------------------------------------------
@pytest.mark.parametrize("scheme", ["Bearer", "bearer", "BEARER", "bEaReR"])
def test_the_auth_scheme_is_case_insensitive(http, scheme):
    # RFC 9110 §11.1: "It uses a case-insensitive token to identify the authentication scheme".
    r = http.post("/api/v1/payments", json=GOOD, headers={"Authorization": f"{scheme} {KEY}"})
    assert r.status_code == 200, r.text


def test_the_key_itself_stays_case_sensitive(http):
    r = http.post("/api/v1/payments", json=GOOD, headers={"Authorization": f"bearer {KEY.upper()}"})
    assert r.status_code == 401 and r.json()["error"]["code"] == "invalid_api_key"


# -- a double slash -----------------------------------------------------------
@pytest.mark.parametrize(("method", "path", "meant"), [
    ("POST", "/api/v1//payments", "/api/v1/payments"),  # base URL ".../api/v1/" + "/payments"
    ("GET", "/api/v1//payments/plink_x", "/api/v1/payments/plink_x"),
    ("POST", "/api/v1/payments//plink_x/cancel", "/api/v1/payments/plink_x/cancel"),
    ("POST", "/api/v1//refunds", "/api/v1/refunds"),
    ("GET", "/api/v1//nothing", "/api/v1/nothing"),
])
def test_a_double_slash_is_a_404_that_names_it_never_a_redirect(mock_stack, method, path, meant):
    # Over the real server: cheroot must hand the path to the mock as it was sent.
    with httpx.Client(base_url=mock_stack.server.url, headers={
            "Authorization": f"Bearer {mock_stack.key}"}) as client:
        r = client.request(method, path, json=GOOD if method == "POST" else None)
        assert r.status_code == 404, r.text
        assert "location" not in r.headers
        error = r.json()["error"]
        assert error["code"] == "route_not_found"
        assert f"no route {method} {path}: the path has an empty segment (//)" in error["message"]
        assert f"did you mean {meant}?" in error["message"]
        assert client.get("/_mock/deliveries").json()["deliveries"] == []  # nothing happened


def test_a_leading_double_slash_is_named_too(http):
    # werkzeug's request.path drops leading slashes; the rule reads PATH_INFO.
    r = http.post("http://mock.test//api/v1/payments", json=GOOD, headers=AUTH)
    assert r.status_code == 404 and "(//)" in r.json()["error"]["message"]


def test_a_route_that_would_redirect_is_a_404_with_the_path_it_meant(app, http):
    # No mock route redirects today; if one ever would (a rule ending in /),
    # the answer is still a 404 saying where to go, never a 3xx without Location.
    app._routes = Map([Rule("/api/v1/things/", endpoint="front", methods=["GET"])])
    r = http.get("/api/v1/things", headers=AUTH)
    assert r.status_code == 404 and "location" not in r.headers
    assert r.json()["error"]["message"] == ("no route GET /api/v1/things; "
                                            "did you mean /api/v1/things/?")


# -- a body without a JSON content type ----------------------------------
@pytest.mark.parametrize(("content_type", "named"), [
    (None, "no Content-Type header"),
    ("application/x-www-form-urlencoded", "'application/x-www-form-urlencoded'"),  # curl -d, PHP
    ("text/plain", "'text/plain'"),
    ("application/jsonx", "'application/jsonx'"),
])
@pytest.mark.parametrize("path", ["/api/v1/payments", "/api/v1/refunds"])
def test_a_body_without_a_json_content_type_is_415_naming_the_header(app, http, path,
                                                                      content_type, named):
    headers = {**AUTH, **({"Content-Type": content_type} if content_type else {})}
    before = app.state.store.payment_count()
    r = http.post(path, content=RAW_GOOD, headers=headers)
    assert r.status_code == 415, r.text
    assert r.headers["accept"] == "application/json"  # RFC 9110 §15.5.16
    error = r.json()["error"]
    assert (error["code"], error["param"]) == ("unsupported_media_type", "Content-Type")
    assert named in error["message"]
    assert "'Content-Type: application/json'" in error["message"]
    assert app.state.store.payment_count() == before


@pytest.mark.parametrize("content_type", [
    "application/json", "application/json; charset=utf-8", "Application/JSON",
])
def test_a_json_content_type_with_parameters_or_any_case_is_accepted(http, content_type):
    # Media types are case-insensitive and may carry parameters: RFC 9110 §8.3.1.
    r = http.post("/api/v1/payments", content=RAW_GOOD,
                  headers={**AUTH, "Content-Type": content_type})
    assert r.status_code == 200, r.text


@pytest.mark.parametrize("headers", [{}, {"Content-Length": "0"}, {"Content-Type": "text/plain"}])
def test_a_post_without_a_body_needs_no_content_type(http, headers):
    payment = http.post("/api/v1/payments", json=GOOD, headers=AUTH).json()
    r = http.post(f"/api/v1/payments/{payment['id']}/cancel", headers={**AUTH, **headers})
    assert r.status_code == 200 and r.json()["status"] == "canceled"


def test_a_create_with_no_body_at_all_is_still_invalid_json(http):
    r = http.post("/api/v1/payments", headers=AUTH)
    assert r.status_code == 400 and r.json()["error"]["code"] == "invalid_json"


def test_a_size_limit_comes_before_the_content_type(http):
    r = http.post("/api/v1/payments", content=b"x" * (1024 * 1024 + 1), headers=AUTH)
    assert r.status_code == 413


def test_the_harness_client_labels_its_bodies_and_sends_none_on_cancel(app, http):
    client = SknPayClient("http://mock.test/api/v1", KEY,
                          transport=httpx.WSGITransport(app=app))
    try:
        created = client.create_payment(GOOD)
        assert created.status == 200 and created.request_headers["Content-Type"] == (
            "application/json")
        canceled = client.cancel_payment(created.json()["id"])
        assert canceled.status == 200 and canceled.request_body is None
        assert "Content-Type" not in canceled.request_headers
        paid = paid_payment(http)
        refund = client.request("POST", "/refunds", json_body={"payment_id": paid["id"]})
        assert refund.status == 200 and refund.request_headers["Content-Type"] == (
            "application/json")
    finally:
        client.close()
