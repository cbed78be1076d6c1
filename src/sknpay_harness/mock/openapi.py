"""The mock's API as an OpenAPI 3.1 document, built from the contract's schemas.

The wire objects are not restated here: every file in ``schemas/`` is bundled
into ``components/schemas`` (its ``$id`` dropped, its cross-file ``$ref``s
such as ``common.json#/$defs/amount`` rewritten to
``#/components/schemas/common/$defs/amount``), so the document is
self-contained for tools (Schemathesis, code generators) and always says what
the contract suite checks. Served by the mock at ``GET /openapi.json``.

Its paths, operationIds, tags, summaries and descriptions come from the
operations table (../operations.py); this module adds what each operation
takes and answers. Each event type the mock sends (the table's
``EVENT_TYPES``) is under OpenAPI 3.1's ``webhooks``: the POST SKN Pay makes to
the merchant's endpoint, its two headers and the event envelope.
The front page and the ``/docs`` reference are rendered from it. It includes
the ``/_mock`` control endpoints, tagged ``mock controls`` (test tooling, not
SKN Pay's API), so a reader and a tool can tell them apart and leave them out.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

from .. import limits
from ..operations import (
    CANCEL_PAYMENT,
    CONTROL_PREFIX,
    CONTROLS_TAG,
    EVENT_TYPES,
    HOSTED_PAGE,
    HOSTED_TAG,
    OPERATIONS,
    PAY_HOSTED_PAGE,
    PAYMENTS_TAG,
    REFUNDS_TAG,
    RETRIEVE_PAYMENT,
    WEBHOOKS_TAG,
    named,
)
from ..schema_location import default_schema_dir
from ..signing import EVENT_TYPE_HEADER
from ..signing import HEADER as SIGNATURE_HEADER
from .control import MAX_CHECK_SECONDS, MAX_WAIT_SECONDS, STATE_EVENTS
from .faults import ROUTE_NAMES

COMPONENTS = "#/components/schemas/"
TAGS = [
    {"name": PAYMENTS_TAG, "description": "Hosted payment links: create, retrieve, cancel."},
    {"name": REFUNDS_TAG, "description": "Full and partial refunds of a paid link."},
    {"name": HOSTED_TAG, "description": "The page the customer opens (HTML, no API key)."},
    {"name": WEBHOOKS_TAG, "description": "The events SKN Pay POSTs to the endpoint set in the "
                                          "dashboard (Settings -> Webhooks), signed with the "
                                          "whsec_ secret."},
    {"name": CONTROLS_TAG, "description": "Not part of SKN Pay: the mock's test controls under "
                                          f"{CONTROL_PREFIX}, scoped to the Bearer key."},
]


def _ref(name: str) -> dict[str, str]:
    return {"$ref": COMPONENTS + name}


def bundle(schemas: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """Each schema with ``$id``/``$schema`` removed and refs pointing into components."""
    out = {}
    for name, schema in schemas.items():
        body = copy.deepcopy(schema)
        body.pop("$id", None)
        body.pop("$schema", None)
        out[name] = _rewrite(body, name)
    return out


def _rewrite(node: Any, owner: str) -> Any:
    if isinstance(node, dict):
        result = {}
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str):
                result[key] = _target(value, owner)
            else:
                result[key] = _rewrite(value, owner)
        return result
    if isinstance(node, list):
        return [_rewrite(item, owner) for item in node]
    return node


def _target(ref: str, owner: str) -> str:
    file, _, pointer = ref.partition("#")
    name = file.removesuffix(".json") if file else owner
    return COMPONENTS + name + pointer


def _json_content(schema: dict[str, Any]) -> dict[str, Any]:
    return {"application/json": {"schema": schema}}


def _errors(*statuses: int) -> dict[str, Any]:
    why = {400: "Invalid request (every problem listed in error.message; error.param names "
                "the first field)", 401: "Missing or invalid API key",
           404: "No such payment for this API key", 409: "Idempotency-Key reused with "
           "another body", 413: "Body over 1 MiB", 405: "Method not allowed",
           415: "A body without Content-Type: application/json"}
    return {str(s): {"description": why[s], "content": _json_content(_ref("error"))}
            for s in statuses}


def _html(description: str) -> dict[str, Any]:
    return {"description": description, "content": {"text/html": {"schema": {"type": "string"}}}}


PAYMENT_ID = {"name": "payment_id", "in": "path", "required": True,
              "schema": _ref("common/$defs/payment_id")}


def build_document(schema_dir: Path | None = None) -> dict[str, Any]:
    directory = schema_dir or default_schema_dir()
    schemas = {p.stem: json.loads(p.read_text(encoding="utf-8"))
               for p in sorted(directory.glob("*.json"))}
    payment_links = {
        link: {"operationId": operation.operation_id,
               "parameters": {"payment_id": "$response.body#/id"}}
        for link, operation in (("RetrievePayment", RETRIEVE_PAYMENT),
                                ("CancelPayment", CANCEL_PAYMENT),
                                ("OpenHostedPage", HOSTED_PAGE),
                                ("PayHostedPage", PAY_HOSTED_PAGE))
    }
    payment_ok = {"description": "The payment", "content": _json_content(_ref("payment")),
                  "links": payment_links}
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "SKN Pay Payments API (local mock)",
            "version": "v1",
            "description": "The SKN Pay API as the sknpay-harness mock serves it. Shapes come "
                           "from the contract suite's JSON Schemas; where the real API is not "
                           "known the likely reading is taken (see docs/mock.md). Operations "
                           f"tagged '{CONTROLS_TAG}' are the mock's own test controls.",
        },
        "tags": TAGS,
        "servers": [{"url": "/"}],
        "security": [{"bearerAuth": []}],
        "paths": _paths({
            **_api_details(payment_ok),
            **_control_details(),
        }),
        "webhooks": _webhooks(),
        "components": {
            "securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer",
                                               "description": "sk_test_... API key"}},
            "schemas": {**_mock_limits(bundle(schemas)), **_control_schemas()},
        },
    }


def _paths(details: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """Every documented operation of the table at its path: operationId, tag and
    summary from the table, what it takes and answers from ``details``."""
    documented = [operation for operation in OPERATIONS if operation.documented]
    missing = {op.name for op in documented} ^ set(details)
    if missing:  # a table entry without its details, or details for no entry
        raise ValueError(f"operations table and OpenAPI details differ: {sorted(missing)}")
    paths: dict[str, Any] = {}
    for operation in documented:
        paths.setdefault(operation.path, {})[operation.method.lower()] = {
            "operationId": operation.operation_id, "tags": [operation.tag],
            "summary": operation.summary, "description": operation.description,
            **details[operation.name]}
    return paths


def _webhooks() -> dict[str, Any]:
    """Each event type as the POST SKN Pay makes to the merchant's endpoint."""
    signature = {
        "name": SIGNATURE_HEADER, "in": "header", "required": True,
        "description": "t=<unix seconds>,v1=<hex HMAC-SHA256 keyed with the whsec_ secret over "
                       "'<t>.' + the raw body>; reject a t more than 5 minutes from now and "
                       "compare in constant time",
        "schema": {"type": "string", "pattern": "^t=[0-9]+,"}}
    hooks: dict[str, Any] = {}
    for event in EVENT_TYPES:
        first, *rest = event.name.replace(".", "_").split("_")
        hooks[event.name] = {"post": {
            "operationId": first + "".join(w.capitalize() for w in rest) + "Webhook",
            "tags": [WEBHOOKS_TAG], "summary": event.summary, "description": event.description,
            "security": [],
            "parameters": [signature, {
                "name": EVENT_TYPE_HEADER, "in": "header", "required": True,
                "description": "The event's type, as in the body", "schema": {"const": event.name}}],
            "requestBody": {"required": True, "content": _json_content({"allOf": [
                _ref("event"), {"properties": {"type": {"const": event.name}}}]})},
            "responses": {"2XX": {"description": "Received. Any other answer (or none) is "
                                                 "retried with back-off; delivery is at least "
                                                 "once, so deduplicate by the event's id."}},
        }}
    return hooks


def _api_details(payment_ok: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """What SKN Pay's operations and its hosted page take and answer."""
    return {
        "create_payment": {
            "parameters": [{"name": "Idempotency-Key", "in": "header", "required": False,
                            "schema": {"type": "string", "maxLength": 255}}],
            "requestBody": {"required": True,
                            "content": _json_content(_ref("create-payment-request"))},
            "responses": {"200": payment_ok, **_errors(400, 401, 409, 413, 415)},
        },
        "retrieve_payment": {
            "parameters": [PAYMENT_ID],
            "responses": {"200": payment_ok, **_errors(401, 404)},
        },
        "cancel_payment": {
            "parameters": [PAYMENT_ID],
            "responses": {"200": payment_ok, **_errors(401, 404)},
        },
        "create_refund": {
            "requestBody": {"required": True,
                            "content": _json_content(_ref("create-refund-request"))},
            "responses": {"200": {"description": "The refund",
                                  "content": _json_content(_ref("refund"))},
                          **_errors(400, 401, 404, 413, 415)},
        },
        "hosted_page": {
            "security": [],
            "parameters": [PAYMENT_ID],
            "responses": {"200": _html("The form, or 'This payment link is no longer "
                                       "active.'"),
                          "404": _html("No such payment link")},
        },
        "pay_hosted_page": {
            "security": [],
            "parameters": [PAYMENT_ID],
            "requestBody": {"required": True, "content": {
                "application/x-www-form-urlencoded": {"schema": {
                    "type": "object", "required": ["card_number"],
                    "properties": {"card_number": {"type": "string"},
                                   "expiry": {"type": "string"},
                                   "cvc": {"type": "string"}}}}}},
            "responses": {
                "200": _html("Paid (no success_url): 'Payment received'; or the 3-D Secure "
                             "challenge step"),
                "303": {"description": "Paid: redirect to success_url?payment_id=<id>",
                        "headers": {"Location": {"schema": {"type": "string"}}}},
                "400": _html("No card number: the form again"),
                "402": _html("Declined: the form again with the reason"),
                "404": _html("No such payment link"),
                "409": _html("Not open: nothing to pay"),
            },
        },
        "answer_challenge": {
            "security": [],
            "parameters": [PAYMENT_ID],
            "requestBody": {"required": True, "content": {
                "application/x-www-form-urlencoded": {"schema": {
                    "type": "object", "required": ["challenge_token", "result"],
                    "properties": {"challenge_token": {"type": "string"},
                                   "result": {"enum": ["complete", "fail"]}}}}}},
            "responses": {
                "200": _html("Completed (no success_url): 'Payment received'"),
                "303": {"description": "Completed: redirect to success_url?payment_id=<id>",
                        "headers": {"Location": {"schema": {"type": "string"}}}},
                "400": _html("Not the challenge shown (its token), or no result"),
                "402": _html("Failed: declined, the card form again with the reason"),
                "404": _html("No such payment link"),
                "409": _html("Not open: nothing to pay"),
            },
        },
    }


def _mock_limits(components: dict[str, Any]) -> dict[str, Any]:
    """Narrow the request schemas to exactly what the mock accepts (../limits.py:
    its currencies, the amount bound, Stripe's metadata limits), so 'valid per
    the document' means 'accepted by the mock'. The contract's own schema file
    states the same limits where the harness's schema compiler can check them
    (lengths and types), and leaves the counts (maximum, maxProperties,
    propertyNames) to this document and the mock."""
    request = components.get("create-payment-request")
    if request is not None:
        props = request["properties"]
        props["currency"] = {"allOf": [props["currency"], {"enum": sorted(limits.CURRENCIES)}]}
        props["amount"] = {"allOf": [props["amount"], {"maximum": limits.AMOUNT_MAX}]}
        for name, length in limits.CREATE_STRING_MAX_LENGTHS.items():
            props[name] = {"allOf": [props[name], {"maxLength": length}]}
        props["metadata"] = {"allOf": [props["metadata"], {
            "type": "object",
            "maxProperties": limits.METADATA_MAX_KEYS,
            "propertyNames": {"minLength": 1, "maxLength": limits.METADATA_KEY_MAX_LENGTH},
            "additionalProperties": {"type": "string",
                                     "maxLength": limits.METADATA_VALUE_MAX_LENGTH},
        }]}
        request["required"] = sorted(limits.CREATE_REQUIRED)
    refund = components.get("create-refund-request")
    if refund is not None and isinstance(refund.get("properties", {}).get("amount"), dict):
        amount = refund["properties"]["amount"]
        refund["properties"]["amount"] = {"allOf": [amount, {"maximum": limits.AMOUNT_MAX}]}
    return components


# -- the /_mock control endpoints (control.py) --------------------------------------------
def _object(properties: dict[str, Any], required: tuple[str, ...] = (),
            closed: bool = False) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "object", "properties": properties}
    if required:
        schema["required"] = list(required)
    if closed:  # the mock refuses unknown fields here
        schema["additionalProperties"] = False
    return schema


def _control(name: str, answer: dict[str, Any], *errors: int,
             body: dict[str, Any] | None = None, **extra: Any) -> tuple[str, dict[str, Any]]:
    """One control operation's details: JSON in and out, errors in the API's shape."""
    details: dict[str, Any] = {
        **extra,
        "responses": {"200": {"description": named(name).summary,
                              "content": _json_content(answer)},
                      **_control_errors(401, *errors)},
    }
    if body is not None:
        details["requestBody"] = {"required": False, "content": _json_content(body)}
    return name, details


def _control_errors(*statuses: int) -> dict[str, Any]:
    why = {400: "Invalid body (error.param names the field)", 401: "Missing or invalid API key",
           404: "No such payment for this API key",
           501: "No fault middleware: the embedded mock (sknpay-mock has one)",
           504: "Deliveries still pending at the timeout (listed in error.message)"}
    return {str(s): {"description": why[s], "content": _json_content(_ref("error"))}
            for s in statuses}


def _control_details() -> dict[str, dict[str, Any]]:
    chaos_answer = _object({"chaos": _ref("mock-chaos")}, ("chaos",))
    faults_answer = _object({"pending": {"type": "array", "items": _ref("mock-fault-rule")}},
                            ("pending",))
    return dict([
        _control("mock_get_payment",
                 _object({"payment": _ref("payment"),
                          "expires_at": {"type": ["number", "null"]},
                          "refunds": {"type": "array", "items": _ref("refund")}},
                         ("payment", "expires_at", "refunds")),
                 404, parameters=[PAYMENT_ID]),
        _control("mock_set_payment_state",
                 _object({"payment": _ref("payment"), "event_id": {"type": ["string", "null"]}},
                         ("payment", "event_id")),
                 400, 404, parameters=[PAYMENT_ID],
                 body=_object({"status": {"enum": list(STATE_EVENTS)},
                               "event": {"type": "boolean"}}, ("status",))),
        _control("mock_get_clock",
                 _object({"now": {"type": "number"}, "offset": {"type": "number"}},
                         ("now", "offset"))),
        _control("mock_advance_clock",
                 _object({"now": {"type": "number"}, "offset": {"type": "number"},
                          "expired": {"type": "integer", "minimum": 0}},
                         ("now", "offset", "expired")),
                 400, body=_object({"seconds": {"type": "number", "minimum": 0}}, ("seconds",))),
        _control("mock_list_deliveries",
                 _object({"deliveries": {"type": "array", "items": _ref("mock-delivery")}},
                         ("deliveries",)),
                 parameters=[{"name": name, "in": "query", "required": False,
                              "schema": {"type": "string"}}
                             for name in ("payment_id", "event_type", "state", "kind")]),
        _control("mock_wait_outbox",
                 _object({"idle": {"const": True},
                          "deliveries": {"type": "integer", "minimum": 0}},
                         ("idle", "deliveries")),
                 400, 504, body=_object({"timeout": {"type": "number", "minimum": 0,
                                                     "maximum": MAX_WAIT_SECONDS}})),
        _control("mock_reset", _object({"reset": {"const": True}}, ("reset",))),
        _control("mock_get_chaos", chaos_answer),
        _control("mock_set_chaos", chaos_answer, 400, body=_ref("mock-chaos-settings")),
        _control("mock_clear_chaos", chaos_answer),
        _control("mock_get_endpoints", _urls()),
        _control("mock_set_endpoints", _urls(), 400, body=_urls()),
        _control("mock_get_faults", faults_answer, 501),
        _control("mock_add_fault", faults_answer, 400, 501, body=_object({
            "route": {"enum": list(ROUTE_NAMES)},
            "count": {"type": "integer", "minimum": 0},
            "status": {"type": "integer", "minimum": 400, "maximum": 599}}, ("route",))),
        _control("mock_clear_faults", faults_answer, 501),
        _control("mock_check_receiver", _ref("mock-receiver-report"), 400, 404,
                 body=_object({"url": _ref("common/$defs/http_url"),
                               "payment_id": {"type": "string"},
                               "slow_after": {"type": "number", "exclusiveMinimum": 0,
                                              "maximum": MAX_CHECK_SECONDS},
                               "timeout": {"type": "number", "exclusiveMinimum": 0,
                                           "maximum": MAX_CHECK_SECONDS}},
                              ("url", "payment_id"))),
    ])


def _urls() -> dict[str, Any]:
    return _object({"urls": {"type": "array", "items": _ref("common/$defs/http_url")}}, ("urls",))


def _control_schemas() -> dict[str, Any]:
    """Shapes only the control endpoints use (prefixed ``mock-``)."""
    delay = {"description": "Seconds before each delivery: fixed, or uniform in [low, high]",
             "anyOf": [{"type": "number", "minimum": 0},
                       {"type": "array", "items": {"type": "number", "minimum": 0},
                        "minItems": 2, "maxItems": 2},
                       {"type": "null"}]}
    rate = {"type": "number", "minimum": 0, "maximum": 1}
    count = {"type": "integer", "minimum": 0}
    # The front page shows these descriptions next to the chaos in force.
    chaos = {
        "delay": delay,
        "duplicate_rate": {**rate, "description": "Chance an event is delivered twice (same id)"},
        "noise_rate": {**rate, "description": "Chance an event is followed by a validly signed "
                                              "one for a made-up payment, to be ignored"},
        "drop_first": {**count, "description": "First N attempts of each delivery are lost in "
                                               "transit, then retried"},
        "fail_first": {**count, "description": "First N attempts are recorded as a 503, then "
                                               "retried"},
        "reorder": {**count, "description": "Each batch of N events arrives newest first"},
        "reorder_window": {"type": "number", "exclusiveMinimum": 0,
                           "description": "Seconds over which a reordered batch is spread"},
    }
    settings_delay = {**delay, "anyOf": [*delay["anyOf"], {"type": "string",
                                                          "description": "'2' or '1-5'"}]}
    return {
        "mock-chaos": {**_object(chaos, tuple(chaos)),
                       "description": "Webhook chaos in force for one key"},
        "mock-chaos-settings": {
            **_object({**chaos, "delay": settings_delay,
                       "duplicate": {"type": "boolean",
                                     "description": "true: every event twice (rate 1)"}},
                      closed=True),
            "description": "Chaos to set; fields left out are off"},
        "mock-delivery": _object({
            "id": {"type": "string"}, "event_id": {"type": "string"},
            "event_type": {"type": "string"}, "payment_id": {"type": ["string", "null"]},
            "endpoint": {"type": "string"},
            "state": {"enum": ["pending", "delivering", "delivered", "failed", "dropped"]},
            "kind": {"enum": ["event", "duplicate", "noise"]},
            "attempts": {"type": "array", "items": _object({
                "number": {"type": "integer"}, "at": {"type": "number"},
                "status": {"type": ["integer", "null"]}, "error": {"type": ["string", "null"]},
                "elapsed_ms": {"type": "number"}})},
        }, ("id", "event_id", "event_type", "endpoint", "state", "kind", "attempts")),
        "mock-receiver-report": {**_object({
            "url": {"type": "string"}, "payment_id": {"type": "string"},
            "passed": {"type": "boolean"}, "summary": {"type": "string"},
            "state_judged": {"type": "boolean"}, "report": {"type": "string"},
            "deliveries": {"type": "array", "items": _object({
                "case": {"type": "string"}, "sent": {"type": "string"},
                "event_type": {"type": "string"}, "event_id": {"type": "string"},
                "signature": {"type": "string"}, "body_bytes": {"type": "integer"},
                "expected": {"type": "string"}, "status": {"type": ["integer", "null"]},
                "elapsed_ms": {"type": "number"}, "answer": {"type": "string"},
                "state_judged": {"type": "boolean"},
                "broken": {"type": "array", "items": _object(
                    {"label": {"type": "string"}, "detail": {"type": "string"}},
                    ("label", "detail"))}},
                ("case", "expected", "status", "elapsed_ms", "broken"))}},
            ("url", "payment_id", "passed", "summary", "deliveries", "report")),
            "description": "The receiver check's report: one row per delivery"},
        "mock-fault-rule": _object({"route": {"enum": list(ROUTE_NAMES)},
                                    "remaining": {"type": "integer"},
                                    "status": {"type": "integer"}},
                                   ("route", "remaining", "status")),
    }
