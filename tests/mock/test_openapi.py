"""The OpenAPI document: served, 3.1, self-contained, and built from schemas/."""

from __future__ import annotations

import json

from sknpay_harness.mock.openapi import build_document


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
    assert set(paths) == {"/api/v1/payments", "/api/v1/payments/{payment_id}",
                          "/api/v1/payments/{payment_id}/cancel", "/api/v1/refunds",
                          "/pay/{payment_id}"}
