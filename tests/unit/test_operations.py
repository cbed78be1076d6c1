"""The one table of operations: the mock's routes, its faults, its OpenAPI document
and the client's Exchanges all come from it, and none says more than it does."""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

import httpx
import pytest
from werkzeug.test import Client

from sknpay_harness import operations
from sknpay_harness.client import Exchange, RequestRetries, SknPayClient
from sknpay_harness.ledger import PaymentLedger
from sknpay_harness.mock.app import create_app
from sknpay_harness.mock.faults import ROUTE_NAMES, ApiFaults, FailFirst, route_of
from sknpay_harness.mock.openapi import build_document
from sknpay_harness.mock.state import MockConfig
from sknpay_harness.operations import OPERATIONS

KEY = "sk_test_operations_0001"


def test_each_operation_is_written_once():
    names = [op.name for op in OPERATIONS]
    assert len(names) == len(set(names))
    routes = [(op.method, op.path) for op in OPERATIONS]
    assert len(routes) == len(set(routes))
    ids = [op.operation_id for op in OPERATIONS]
    assert len(ids) == len(set(ids))
    assert operations.CREATE_PAYMENT.operation_id == "createPayment"
    assert operations.named("mock_set_payment_state").operation_id == "mockSetPaymentState"
    with pytest.raises(KeyError, match="no operation 'delete_payment'; known: create_payment"):
        operations.named("delete_payment")


def test_the_table_is_a_leaf_the_mock_may_share():
    """The mock stands alone: what it shares with the core imports nothing of the harness."""
    tree = ast.parse(Path(operations.__file__).read_text(encoding="utf-8"))
    imported = {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import)
                for alias in node.names}
    imported |= {"." * node.level + (node.module or "") for node in ast.walk(tree)
                 if isinstance(node, ast.ImportFrom)}
    assert imported <= {"__future__", "functools", "re", "dataclasses"}, imported


def test_every_mock_route_is_an_operation_with_a_handler():
    app = create_app(MockConfig(webhook_secret="whsec_ops"))
    served = {}
    for routes, handlers in ((app._routes, app._handlers),
                             (app.control._routes, app.control._handlers)):
        for rule in routes.iter_rules():
            assert rule.endpoint in handlers, f"{rule.rule}: no handler for {rule.endpoint}"
            for method in rule.methods - {"HEAD", "OPTIONS"}:
                served[rule.endpoint] = (method, re.sub(r"<(\w+)>", r"{\1}", rule.rule))
    assert served == {op.name: (op.method, op.path) for op in OPERATIONS}


def test_every_openapi_operation_comes_from_the_table():
    documented = {}
    for path, item in build_document()["paths"].items():
        for method, spec in item.items():
            documented[spec["operationId"]] = (method.upper(), path, spec["summary"],
                                               spec["tags"])
    assert documented == {op.operation_id: (op.method, op.path, op.summary, [op.tag])
                          for op in OPERATIONS if op.documented}
    # The pages that render the document are served but not described in it.
    assert {op.path for op in OPERATIONS if not op.documented} == {"/", "/docs", "/openapi.json"}


def test_fault_routes_are_the_api_operations_and_their_short_names():
    api = [op for op in OPERATIONS if op.in_api]
    assert [op.name for op in api] == ["create_payment", "retrieve_payment", "cancel_payment",
                                       "create_refund"]
    for op in api:
        assert route_of(op.method, op.path.replace("{payment_id}", "plink_x")) == op.name
        assert route_of(op.method, op.path.replace("{payment_id}", "plink_x") + "/") == op.name
        assert {op.name, op.alias} <= set(ROUTE_NAMES)
        assert FailFirst(str(op.alias), 1).operation == FailFirst(op.name, 1).operation == op.name
    assert route_of("GET", "/pay/plink_x") is None and route_of("POST", "/_mock/reset") is None


@pytest.mark.parametrize("route", ["create", "create_payment"])
def test_a_fault_rule_by_either_name_fails_the_create_and_reads_back_as_given(route):
    faults = ApiFaults(fail_first=[FailFirst(route, 1)])
    app = create_app(MockConfig(webhook_secret="whsec_ops"), faults=faults)
    client = Client(app)
    auth = {"Authorization": f"Bearer {KEY}"}
    assert faults.pending() == [{"route": route, "remaining": 1, "status": 503}]
    body = {"amount": 100, "currency": "USD"}
    assert client.post("/api/v1/payments", json=body, headers=auth).status_code == 503
    assert client.post("/api/v1/payments", json=body, headers=auth).status_code == 200
    app.state.outbox.stop()


def _client(answers: list[int]) -> tuple[SknPayClient, list[Exchange], list[httpx.Request]]:
    plays = iter(answers)
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(next(plays), json={"id": "plink_1", "status": "open"})

    client = SknPayClient("https://sandbox.invalid/v2", KEY, transport=httpx.MockTransport(handler),
                          retry=RequestRetries(retries=1), pause=lambda _: None)
    exchanges: list[Exchange] = []
    client.add_observer(exchanges.append)
    return client, exchanges, seen


def test_the_client_marks_each_exchange_with_its_operation():
    client, exchanges, _ = _client([200] * 9)
    client.create_payment({"amount": 100, "currency": "USD"})
    client.retrieve_payment("plink_1")
    client.cancel_payment("plink_1")
    client.hosted_page("https://pay.sknpay.example/p/plink_1")  # the target's own page path
    client.request("POST", "/refunds", json_body={"payment_id": "plink_1"})
    client.request("POST", "/payments/plink_1/cancel/")
    client.request("GET", "/payments/plink_1?expand=refunds")
    client.request("GET", "/payments/plink_1/refunds")  # not in the table
    client.request("POST", "/_mock/reset")  # the control API is not the client's
    assert [e.operation for e in exchanges] == [
        "create_payment", "retrieve_payment", "cancel_payment", "hosted_page", "create_refund",
        "cancel_payment", "retrieve_payment", None, None]
    assert json.loads(json.dumps(exchanges[0].as_report()))["operation"] == "create_payment"


def test_retry_safety_is_the_operations_not_the_urls_ending():
    client, _, seen = _client([503, 200])
    assert client.cancel_payment("plink_1").status == 200 and len(seen) == 2
    client, _, seen = _client([503, 200])
    assert client.request("POST", "/refunds", json_body={}).status == 503 and len(seen) == 1
    # A path that only ends like a cancel is not one: no second POST.
    client, _, seen = _client([503, 200])
    assert client.request("POST", "/refunds/re_1/cancel").status == 503 and len(seen) == 1


def test_the_ledger_counts_creates_by_operation():
    created: list[str] = []
    ledger = PaymentLedger(on_created=created.append)
    client, _, _ = _client([200, 200, 200, 200])
    client.add_observer(ledger.observe)
    client.retrieve_payment("plink_1")
    client.request("POST", "/customers/cus_1/payments")  # ends like a create; is none
    assert created == []
    client.request("POST", "/payments/")
    assert created == ["plink_1"]
    client.create_payment({"amount": 100, "currency": "USD"})
    assert created == ["plink_1", "plink_1"]
