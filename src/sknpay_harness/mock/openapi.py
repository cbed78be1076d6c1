"""The mock's API as an OpenAPI 3.1 document, built from the contract's schemas.

The wire objects are not restated here: every file in ``schemas/`` is bundled
into ``components/schemas`` (its ``$id`` dropped, its cross-file ``$ref``s
such as ``common.json#/$defs/amount`` rewritten to
``#/components/schemas/common/$defs/amount``), so the document is
self-contained for tools (Schemathesis, code generators) and always says what
the contract suite checks. Served by the mock at ``GET /openapi.json``.
Control endpoints (``/_mock``) are test tooling, not the API, and are left out.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

from .. import limits
from ..contract import default_schema_dir

COMPONENTS = "#/components/schemas/"


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
           "another body", 413: "Body over 1 MiB", 405: "Method not allowed"}
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
        "RetrievePayment": {"operationId": "retrievePayment",
                            "parameters": {"payment_id": "$response.body#/id"}},
        "CancelPayment": {"operationId": "cancelPayment",
                          "parameters": {"payment_id": "$response.body#/id"}},
        "OpenHostedPage": {"operationId": "hostedPage",
                           "parameters": {"payment_id": "$response.body#/id"}},
        "PayHostedPage": {"operationId": "payHostedPage",
                          "parameters": {"payment_id": "$response.body#/id"}},
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
                           "known the likely reading is taken (see docs/mock.md).",
        },
        "servers": [{"url": "/"}],
        "security": [{"bearerAuth": []}],
        "paths": {
            "/api/v1/payments": {"post": {
                "operationId": "createPayment",
                "summary": "Create a hosted payment link",
                "parameters": [{"name": "Idempotency-Key", "in": "header", "required": False,
                                "schema": {"type": "string", "maxLength": 255}}],
                "requestBody": {"required": True,
                                "content": _json_content(_ref("create-payment-request"))},
                "responses": {"200": payment_ok, **_errors(400, 401, 409, 413)},
            }},
            "/api/v1/payments/{payment_id}": {"get": {
                "operationId": "retrievePayment",
                "summary": "Retrieve a payment",
                "parameters": [PAYMENT_ID],
                "responses": {"200": payment_ok, **_errors(401, 404)},
            }},
            "/api/v1/payments/{payment_id}/cancel": {"post": {
                "operationId": "cancelPayment",
                "summary": "Cancel an unpaid link (no-op if already terminal); fires "
                           "payment.canceled",
                "parameters": [PAYMENT_ID],
                "responses": {"200": payment_ok, **_errors(401, 404)},
            }},
            "/api/v1/refunds": {"post": {
                "operationId": "createRefund",
                "summary": "Refund a succeeded payment, fully (no amount) or partly; fires "
                           "payment.refunded",
                "requestBody": {"required": True,
                                "content": _json_content(_ref("create-refund-request"))},
                "responses": {"200": {"description": "The refund",
                                      "content": _json_content(_ref("refund"))},
                              **_errors(400, 401, 404, 413)},
            }},
            "/pay/{payment_id}": {
                "get": {
                    "operationId": "hostedPage",
                    "summary": "The hosted payment page (card form while open)",
                    "security": [],
                    "parameters": [PAYMENT_ID],
                    "responses": {"200": _html("The form, or 'This payment link is no longer "
                                               "active.'"),
                                  "404": _html("No such payment link")},
                },
                "post": {
                    "operationId": "payHostedPage",
                    "summary": "Submit the card form: 4111 1111 1111 1111 pays, others decline",
                    "security": [],
                    "parameters": [PAYMENT_ID],
                    "requestBody": {"required": True, "content": {
                        "application/x-www-form-urlencoded": {"schema": {
                            "type": "object", "required": ["card_number"],
                            "properties": {"card_number": {"type": "string"},
                                           "expiry": {"type": "string"},
                                           "cvc": {"type": "string"}}}}}},
                    "responses": {
                        "200": _html("Paid (no success_url): 'Payment received'"),
                        "303": {"description": "Paid: redirect to success_url?payment_id=<id>",
                                "headers": {"Location": {"schema": {"type": "string"}}}},
                        "400": _html("No card number: the form again"),
                        "402": _html("Declined: the form again with the reason"),
                        "404": _html("No such payment link"),
                        "409": _html("Not open: nothing to pay"),
                    },
                },
            },
        },
        "components": {
            "securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer",
                                               "description": "sk_test_... API key"}},
            "schemas": _mock_limits(bundle(schemas)),
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
