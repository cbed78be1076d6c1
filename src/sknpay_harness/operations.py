"""Every operation the mock serves, each written once: name, method, path, summary, tag.

The mock's route maps (mock/app.py, mock/control.py), its API fault routing
(mock/faults.py) and its OpenAPI document (mock/openapi.py) are built from
:data:`OPERATIONS`; the client marks each Exchange with the operation it made,
so "is a retry safe?" (client.py) and "was this a create?" (ledger.py) ask the
table, not how a URL ends.

A leaf module (the standard library only): the mock, which stands alone, and
the core share it.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

API_PREFIX = "/api/v1"
CONTROL_PREFIX = "/_mock"
PAYMENTS_TAG, REFUNDS_TAG, HOSTED_TAG = "payments", "refunds", "hosted page"
CONTROLS_TAG = "mock controls"  # the mock's test tooling, not SKN Pay's API
PAGES_TAG = "mock pages"  # the pages that describe the API: not in its OpenAPI document
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})  # RFC 9110: a repeat changes nothing
_PARAMETER = re.compile(r"\{(\w+)\}")


@dataclass(frozen=True)
class Operation:
    """One operation. ``path`` is an OpenAPI template (``/api/v1/payments/{payment_id}``);
    the OpenAPI ``operationId`` is ``name`` in camelCase."""

    name: str
    method: str
    path: str
    summary: str
    tag: str
    # Besides the safe methods: a repeat changes nothing more (cancel is a
    # no-op on a terminal link), so the client may retry it.
    idempotent: bool = False
    # The short name ``--fail-first`` and ``/_mock/faults`` have always taken.
    alias: str | None = None

    @property
    def operation_id(self) -> str:
        first, *rest = self.name.split("_")
        return first + "".join(word.capitalize() for word in rest)

    @property
    def rule(self) -> str:
        """The path as a werkzeug routing rule (``<payment_id>``)."""
        return _PARAMETER.sub(r"<\1>", self.path)

    @property
    def in_api(self) -> bool:
        """Part of SKN Pay's API under ``/api/v1`` (the calls the client makes)."""
        return self.path.startswith(API_PREFIX + "/")

    @property
    def control(self) -> bool:
        return self.path.startswith(CONTROL_PREFIX + "/")

    @property
    def documented(self) -> bool:
        """In the OpenAPI document (all but the pages that render it)."""
        return self.tag != PAGES_TAG

    @property
    def retry_safe(self) -> bool:
        return self.method in SAFE_METHODS or self.idempotent

    def api_path(self, **parameters: str) -> str:
        """The path below the API root (what follows the client's base URL),
        ``{name}`` filled in from ``parameters``."""
        if not self.in_api:
            raise ValueError(f"{self.name} is not an API operation ({self.path})")
        filled = _PARAMETER.sub(lambda m: parameters[m.group(1)], self.path)
        return filled.removeprefix(API_PREFIX)

    def matches(self, method: str, path: str) -> bool:
        """True for a request to this operation (a trailing slash allowed, as served)."""
        return method.upper() == self.method and _pattern(self.path).match(path) is not None


@functools.cache
def _pattern(template: str) -> re.Pattern[str]:
    parts = _PARAMETER.split(template)  # literal, name, literal, name, ...
    body = "".join(re.escape(part) if i % 2 == 0 else "[^/]+" for i, part in enumerate(parts))
    return re.compile(f"^{body}/?$")


# -- SKN Pay's API (shared/sknpay-api-notes.md) -----------------------------------------
CREATE_PAYMENT = Operation("create_payment", "POST", f"{API_PREFIX}/payments",
                           "Create a hosted payment link", PAYMENTS_TAG, alias="create")
RETRIEVE_PAYMENT = Operation("retrieve_payment", "GET", f"{API_PREFIX}/payments/{{payment_id}}",
                             "Retrieve a payment", PAYMENTS_TAG, alias="retrieve")
CANCEL_PAYMENT = Operation("cancel_payment", "POST",
                           f"{API_PREFIX}/payments/{{payment_id}}/cancel",
                           "Cancel an unpaid link (no-op if already terminal); fires "
                           "payment.canceled", PAYMENTS_TAG, idempotent=True, alias="cancel")
CREATE_REFUND = Operation("create_refund", "POST", f"{API_PREFIX}/refunds",
                          "Refund a succeeded payment, fully (no amount) or partly; fires "
                          "payment.refunded", REFUNDS_TAG, alias="refund")
HOSTED_PAGE = Operation("hosted_page", "GET", "/pay/{payment_id}",
                        "The hosted payment page (card form while open)", HOSTED_TAG)
PAY_HOSTED_PAGE = Operation("pay_hosted_page", "POST", "/pay/{payment_id}",
                            "Submit the card form: 4111 1111 1111 1111 pays, "
                            "4000 0027 6000 3184 asks for 3-D Secure, others decline", HOSTED_TAG)
# The mock's 3-D Secure step: an assumed reading (cards.py, THREE_D_SECURE_CARD).
ANSWER_CHALLENGE = Operation("answer_challenge", "POST", "/pay/{payment_id}/challenge",
                             "Answer the 3-D Secure challenge (an assumed reading): complete "
                             "pays, fail declines", HOSTED_TAG)


def _control(name: str, method: str, path: str, summary: str) -> Operation:
    return Operation(name, method, CONTROL_PREFIX + path, summary, CONTROLS_TAG)


# In the order the OpenAPI document lists them (the front page and /docs follow it).
OPERATIONS: tuple[Operation, ...] = (
    CREATE_PAYMENT, RETRIEVE_PAYMENT, CANCEL_PAYMENT, CREATE_REFUND,
    HOSTED_PAGE, PAY_HOSTED_PAGE, ANSWER_CHALLENGE,
    # -- the mock's test controls (mock/control.py) --
    _control("mock_get_payment", "GET", "/payments/{payment_id}",
             "The payment, when its link expires, and its refunds"),
    _control("mock_set_payment_state", "POST", "/payments/{payment_id}/state",
             "Force a status; fires the matching event unless event is false"),
    _control("mock_get_clock", "GET", "/clock",
             "This key's clock (unix seconds) and how far it was advanced"),
    _control("mock_advance_clock", "POST", "/clock/advance",
             "Move this key's clock forward; links past their lifetime expire"),
    _control("mock_list_deliveries", "GET", "/deliveries",
             "The webhook delivery log: every attempt with its answer"),
    _control("mock_wait_outbox", "POST", "/outbox/wait",
             "Block until this key has no delivery queued or in flight"),
    _control("mock_reset", "POST", "/reset",
             "Forget this key's payments, refunds, deliveries, clock, chaos, faults and "
             "endpoints"),
    _control("mock_get_chaos", "GET", "/webhooks/chaos", "This key's webhook chaos settings"),
    _control("mock_set_chaos", "PUT", "/webhooks/chaos", "Set this key's webhook chaos"),
    _control("mock_clear_chaos", "DELETE", "/webhooks/chaos",
             "Back to the mock-wide chaos settings"),
    _control("mock_get_endpoints", "GET", "/webhooks/endpoints",
             "This key's webhook endpoints (else the mock-wide --webhook-url list)"),
    _control("mock_set_endpoints", "PUT", "/webhooks/endpoints",
             "Set this key's webhook endpoints (the dashboard's Settings -> Webhooks)"),
    _control("mock_get_faults", "GET", "/faults", "This key's pending API faults"),
    _control("mock_add_fault", "POST", "/faults", "Queue deterministic API faults for this key"),
    _control("mock_clear_faults", "DELETE", "/faults", "Drop this key's pending API faults"),
    _control("mock_check_receiver", "POST", "/receiver-check",
             "Send the receiver check's battery of signed and mis-signed deliveries about one "
             "of this key's payments to url; answers the report"),
    # -- the pages that describe the rest (mock/front.py, mock/reference.py) --
    Operation("front_page", "GET", "/", "How to use this mock, and what it is set to",
              PAGES_TAG),
    Operation("api_reference", "GET", "/docs", "The API reference, from the OpenAPI document",
              PAGES_TAG),
    Operation("openapi_document", "GET", "/openapi.json", "The OpenAPI 3.1 document",
              PAGES_TAG),
)
BY_NAME: dict[str, Operation] = {operation.name: operation for operation in OPERATIONS}


def named(name: str) -> Operation:
    """The operation called ``name``; KeyError naming the known ones otherwise."""
    try:
        return BY_NAME[name]
    except KeyError:
        raise KeyError(f"no operation {name!r}; known: {', '.join(BY_NAME)}") from None


def find(method: str, path: str) -> Operation | None:
    """The operation a request to ``path`` (as the mock serves it) makes, if any."""
    path = path.partition("?")[0]
    return next((op for op in OPERATIONS if op.matches(method, path)), None)


def api_operation(method: str, path: str) -> Operation | None:
    """The API operation a request to ``path`` below the API root makes
    (``/payments/plink_1/cancel``), whatever root the target's base URL has."""
    operation = find(method, API_PREFIX + path)
    return operation if operation is not None and operation.in_api else None
