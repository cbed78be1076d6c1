"""The OpenAPI document: served, 3.1, self-contained, and built from schemas/."""

from __future__ import annotations

import json
import re

from jsonschema import Draft202012Validator
from werkzeug.test import Client

from sknpay_harness.mock.app import create_app
from sknpay_harness.mock.chaos import CHAOS_FIELDS
from sknpay_harness.mock.openapi import CONTROLS_TAG, build_document
from sknpay_harness.mock.outbox import Outbox
from sknpay_harness.mock.state import MockConfig
from sknpay_harness.operations import EVENT_NAMES, OPERATIONS


def _refs(node):
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref":
                yield value
            else:
                yield from _refs(value)
    elif isinstance(node, list):
        for item in node:
            yield from _refs(item)


def _resolve(document, ref):
    assert ref.startswith("#/"), f"{ref} is not a local reference"
    node = document
    for part in ref[2:].split("/"):
        node = node[part]
    return node


def test_served_document_is_openapi_31_and_every_ref_resolves(mock_stack):
    with mock_stack.page() as page:
        served = page.get("/openapi.json")
    assert served.status_code == 200
    document = served.json()
    assert document["openapi"] == "3.1.0"
    refs = set(_refs(document))
    assert "#/components/schemas/payment" in refs
    for ref in refs:
        _resolve(document, ref)  # KeyError names the broken one


def test_every_schema_file_is_in_the_document_without_its_id():
    document = build_document()
    schemas = document["components"]["schemas"]
    assert {"payment", "event", "error", "refund", "create-payment-request",
            "create-refund-request", "common"} <= set(schemas)
    assert "$id" not in json.dumps(schemas)


def test_operations_cover_the_known_surface():
    paths = build_document()["paths"]
    api = {path for path in paths if not path.startswith("/_mock/")}
    assert api == {"/api/v1/payments", "/api/v1/payments/{payment_id}",
                   "/api/v1/payments/{payment_id}/cancel", "/api/v1/refunds",
                   "/pay/{payment_id}", "/pay/{payment_id}/challenge"}


def test_every_operation_has_a_description():
    document = build_document()
    bare = sorted(f"{method.upper()} {path}" for path, item in document["paths"].items()
                  for method, operation in item.items()
                  if not operation.get("description", "").strip())
    assert not bare, f"operations without a description (operations.py): {bare}"
    assert all(op.description for op in OPERATIONS if op.documented)


class _RecordingOutbox(Outbox):
    """Keeps the type of every event the mock queues, and sends nothing."""

    def __init__(self) -> None:
        super().__init__("whsec_doc")
        self.types: list[str] = []

    def enqueue(self, event, endpoints, tenant):
        self.types.append(event["type"])
        return []


def test_every_event_type_the_mock_sends_is_under_webhooks():
    webhooks = build_document()["webhooks"]
    assert set(webhooks) == EVENT_NAMES
    for name, item in webhooks.items():
        post = item["post"]
        assert post["summary"] and post["description"], name
        headers = {p["name"]: p["schema"] for p in post["parameters"] if p["in"] == "header"}
        assert headers["SknPay-Event-Type"] == {"const": name}
        assert "SknPay-Signature" in headers
        body = post["requestBody"]["content"]["application/json"]["schema"]
        assert {"$ref": "#/components/schemas/event"} in body["allOf"], name
    # Every type the mock sends is documented: a whole lifecycle, each event recorded.
    outbox = _RecordingOutbox()
    client = Client(create_app(MockConfig(webhook_secret="whsec_doc"), outbox=outbox))

    def link() -> str:
        return client.post("/api/v1/payments", json={"amount": 1000, "currency": "USD"},
                           headers=KEY).get_json()["id"]

    paid, declined, canceled = link(), link(), link()
    client.post(f"/pay/{declined}", data={"card_number": "4242 4242 4242 4242"})
    client.post(f"/pay/{paid}", data={"card_number": "4111 1111 1111 1111"})
    client.post("/api/v1/refunds", json={"payment_id": paid, "amount": 100}, headers=KEY)
    client.post(f"/api/v1/payments/{canceled}/cancel", headers=KEY)
    link()  # left open: it expires
    client.post("/_mock/clock/advance", json={"seconds": 2 * 24 * 3600}, headers=KEY)
    assert set(outbox.types) == EVENT_NAMES, f"sent {sorted(set(outbox.types))}"


# The pages that describe the document are not in it.
SELF_DESCRIBING = {("GET", "/"), ("GET", "/docs"), ("GET", "/openapi.json")}


def _served_operations(app) -> set[tuple[str, str]]:
    rules = [*app._routes.iter_rules(), *app.control._routes.iter_rules()]
    return {(method, re.sub(r"<(\w+)>", r"{\1}", rule.rule))
            for rule in rules for method in rule.methods - {"HEAD", "OPTIONS"}}


def test_document_lists_every_route_the_mock_serves_and_no_other():
    documented = {(method.upper(), path) for path, item in build_document()["paths"].items()
                  for method in item}
    served = _served_operations(create_app(MockConfig(webhook_secret="whsec_doc"))) - SELF_DESCRIBING
    assert documented == served, (f"served, not documented: {sorted(served - documented)}; "
                                  f"documented, not served: {sorted(documented - served)}")


def test_control_endpoints_are_in_the_document_tagged_mock_controls(mock_stack):
    with mock_stack.page() as page:
        document = page.get("/openapi.json").json()
    controls = {path: item for path, item in document["paths"].items() if path.startswith("/_mock/")}
    assert {"/_mock/reset", "/_mock/webhooks/chaos", "/_mock/payments/{payment_id}/state",
            "/_mock/faults"} <= set(controls)
    for path, item in controls.items():
        for method, operation in item.items():
            assert operation["tags"] == [CONTROLS_TAG], f"{method} {path}"
            assert operation["operationId"] and operation["summary"], f"{method} {path}"
    assert CONTROLS_TAG in {tag["name"] for tag in document["tags"]}


def test_chaos_schema_names_every_chaos_setting():
    schemas = build_document()["components"]["schemas"]
    assert set(schemas["mock-chaos"]["properties"]) == CHAOS_FIELDS
    assert set(schemas["mock-chaos-settings"]["properties"]) == CHAOS_FIELDS | {"duplicate"}


# One valid call of every control operation; their answers must match the document.
KEY = {"Authorization": "Bearer sk_test_documented"}
CONTROL_CALLS = [
    ("GET", "/_mock/payments/{payment_id}", None),
    ("POST", "/_mock/payments/{payment_id}/state", {"status": "failed", "event": False}),
    ("GET", "/_mock/clock", None),
    ("POST", "/_mock/clock/advance", {"seconds": 5}),
    ("GET", "/_mock/deliveries", None),
    ("POST", "/_mock/outbox/wait", {"timeout": 1}),
    ("GET", "/_mock/webhooks/chaos", None),
    ("PUT", "/_mock/webhooks/chaos", {"delay": "1-2", "duplicate": True, "reorder": 2}),
    ("DELETE", "/_mock/webhooks/chaos", None),
    ("GET", "/_mock/webhooks/endpoints", None),
    ("PUT", "/_mock/webhooks/endpoints", {"urls": ["http://127.0.0.1:9/hooks"]}),
    ("GET", "/_mock/faults", None),
    ("POST", "/_mock/faults", {"route": "create", "count": 2, "status": 500}),
    ("DELETE", "/_mock/faults", None),
    # Nothing listens on port 9: every delivery is reported unanswered, at once.
    ("POST", "/_mock/receiver-check", {"url": "http://127.0.0.1:9/hooks",
                                       "payment_id": "{payment_id}", "timeout": 1}),
    ("POST", "/_mock/reset", None),
]


def test_every_control_answer_matches_its_documented_schema():
    document = build_document()
    app = create_app(MockConfig(webhook_secret="whsec_doc"))
    client = Client(app)
    payment = client.post("/api/v1/payments", json={"amount": 100, "currency": "USD"},
                          headers=KEY).get_json()
    try:
        for method, path, body in CONTROL_CALLS:
            if body and body.get("payment_id") == "{payment_id}":
                body = {**body, "payment_id": payment["id"]}
            answer = client.open(path.format(payment_id=payment["id"]), method=method,
                                 json=body, headers=KEY)
            assert answer.status_code == 200, f"{method} {path}: {answer.get_data(as_text=True)}"
            operation = document["paths"][path][method.lower()]
            schema = operation["responses"]["200"]["content"]["application/json"]["schema"]
            # Local refs (#/components/...) resolve against the document's components.
            validator = Draft202012Validator({**schema, "components": document["components"]})
            problems = [f"{list(e.absolute_path)}: {e.message}"
                        for e in validator.iter_errors(answer.get_json())]
            assert not problems, f"{method} {path} answered off its document: {problems}"
    finally:
        app.state.outbox.stop()
    documented = {(method.upper(), path) for path, item in document["paths"].items()
                  if path.startswith("/_mock/") for method in item}
    assert documented == {(method, path) for method, path, _ in CONTROL_CALLS}
