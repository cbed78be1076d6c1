"""Every operation the mock serves, each written once (name, method, path,
summary, description, tag), and every webhook event type it sends.

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
WEBHOOKS_TAG = "webhooks"  # the events SKN Pay sends (OpenAPI 3.1 webhooks, not paths)
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
    # The OpenAPI description: what the summary leaves out (what is known of
    # SKN Pay, and where the mock takes a reading of its own).
    description: str = ""

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
CREATE_PAYMENT = Operation(
    "create_payment", "POST", f"{API_PREFIX}/payments", "Create a hosted payment link",
    PAYMENTS_TAG, alias="create",
    description="Makes a payment link for amount (integer minor units: 1000 = 10.00 USD) in "
                "currency, answered as the payment with status 'open' and the hosted page's url. "
                "An Idempotency-Key replays the first answer for the same body and answers 409 "
                "for another body. Whether SKN Pay answers 200 or 201 is unknown; the mock "
                "answers 200. The limits beyond the documented fields are Stripe's (docs/mock.md).")
RETRIEVE_PAYMENT = Operation(
    "retrieve_payment", "GET", f"{API_PREFIX}/payments/{{payment_id}}", "Retrieve a payment",
    PAYMENTS_TAG, alias="retrieve",
    description="The payment as it is now: open, succeeded, canceled, expired or failed. A link "
                "that a declined card did not pay stays open, with last_payment_error set.")
CANCEL_PAYMENT = Operation(
    "cancel_payment", "POST", f"{API_PREFIX}/payments/{{payment_id}}/cancel",
    "Cancel an unpaid link (no-op if already terminal); fires payment.canceled", PAYMENTS_TAG,
    idempotent=True, alias="cancel",
    description="Rescinds an open link: answers the payment with status 'canceled' and fires one "
                "payment.canceled. On a payment that is already terminal (paid, expired, "
                "canceled) it answers the payment unchanged with 200 and fires nothing, so a "
                "repeat is safe.")
CREATE_REFUND = Operation(
    "create_refund", "POST", f"{API_PREFIX}/refunds",
    "Refund a succeeded payment, fully (no amount) or partly; fires payment.refunded",
    REFUNDS_TAG, alias="refund",
    description="Refunds payment_id: the whole rest when amount is left out, else amount; "
                "several partial refunds may add up to the paid total. A refund of an unpaid "
                "link, or of more than is left, is refused (400). Each refund fires one "
                "payment.refunded carrying the payment. The refund object's fields beyond "
                "payment_id and amount are unknown for SKN Pay; the mock answers Stripe's "
                "(re_ id, status, currency, created).")
HOSTED_PAGE = Operation(
    "hosted_page", "GET", "/pay/{payment_id}", "The hosted payment page (card form while open)",
    HOSTED_TAG,
    description="The page the payment's url opens in the customer's browser (no API key): the "
                "card form and the amount while the link is open; 'Payment received' once "
                "paid; 'This payment link is no longer active.' once canceled or expired. SKN "
                "Pay's markup is unknown: drive it by the autocomplete tokens cc-number, cc-exp "
                "and cc-csc.")
PAY_HOSTED_PAGE = Operation(
    "pay_hosted_page", "POST", "/pay/{payment_id}",
    "Submit the card form: 4111 1111 1111 1111 pays, 4000 0027 6000 3184 asks for 3-D Secure, "
    "others decline", HOSTED_TAG,
    description="The customer's card. The playground's test card pays the link (payment."
                "succeeded, then a 303 to success_url?payment_id=<id>); any other number is "
                "declined (payment.failed, 402 and the form again: the link stays open for "
                "another try); the mock's 3-D Secure card answers with a challenge step first. "
                "A link that is not open takes no card (409).")
# The mock's 3-D Secure step: an assumed reading (cards.py, THREE_D_SECURE_CARD).
ANSWER_CHALLENGE = Operation(
    "answer_challenge", "POST", "/pay/{payment_id}/challenge",
    "Answer the 3-D Secure challenge (an assumed reading): complete pays, fail declines",
    HOSTED_TAG,
    description="The mock's 3-D Secure step, an assumed reading (Stripe's habit; SKN Pay's is "
                "undocumented): 'complete' pays as the test card does, 'fail' declines as a "
                "declined card does. The challenge_token is single use: a stale one gets the "
                "card form again.")


def _control(name: str, method: str, path: str, summary: str, description: str) -> Operation:
    return Operation(name, method, CONTROL_PREFIX + path, summary, CONTROLS_TAG,
                     description=description)


# In the order the OpenAPI document lists them (the front page and /docs follow it).
OPERATIONS: tuple[Operation, ...] = (
    CREATE_PAYMENT, RETRIEVE_PAYMENT, CANCEL_PAYMENT, CREATE_REFUND,
    HOSTED_PAGE, PAY_HOSTED_PAGE, ANSWER_CHALLENGE,
    # -- the mock's test controls (mock/control.py) --
    _control("mock_get_payment", "GET", "/payments/{payment_id}",
             "The payment, when its link expires, and its refunds",
             "What the API does not show: the unix time the link expires at (null: never) and "
             "every refund made of it."),
    _control("mock_set_payment_state", "POST", "/payments/{payment_id}/state",
             "Force a status; fires the matching event unless event is false",
             "Puts the payment straight into any status, even out of a terminal one, as a "
             "customer or the link's lifetime would; fires payment.succeeded, payment.canceled, "
             "payment.expired or payment.failed unless event is false."),
    _control("mock_get_clock", "GET", "/clock",
             "This key's clock (unix seconds) and how far it was advanced",
             "The time this key's payments live by: the mock's clock plus the offset "
             "POST /_mock/clock/advance added."),
    _control("mock_advance_clock", "POST", "/clock/advance",
             "Move this key's clock forward; links past their lifetime expire",
             "Adds seconds to this key's clock; every open link past its lifetime expires at "
             "once and fires payment.expired. Answers how many expired."),
    _control("mock_list_deliveries", "GET", "/deliveries",
             "The webhook delivery log: every attempt with its answer",
             "This key's webhook deliveries, each with every attempt made and what the "
             "endpoint answered; filter by payment_id, event_type, state or kind."),
    _control("mock_wait_outbox", "POST", "/outbox/wait",
             "Block until this key has no delivery queued or in flight",
             "Answers once every event queued for this key is delivered or given up, so a test "
             "can say no further webhook is coming; 504 listing what is still pending after "
             "timeout seconds."),
    _control("mock_reset", "POST", "/reset",
             "Forget this key's payments, refunds, deliveries, clock, chaos, faults and "
             "endpoints",
             "A clean account for the next test; other keys are untouched."),
    _control("mock_get_chaos", "GET", "/webhooks/chaos", "This key's webhook chaos settings",
             "The delays, duplicates, noise, losses and reordering this key's webhooks get "
             "(its own, else the mock-wide ones)."),
    _control("mock_set_chaos", "PUT", "/webhooks/chaos", "Set this key's webhook chaos",
             "Replaces this key's webhook chaos; fields left out are off."),
    _control("mock_clear_chaos", "DELETE", "/webhooks/chaos",
             "Back to the mock-wide chaos settings",
             "Drops this key's own chaos settings; the mock-wide ones apply again."),
    _control("mock_get_endpoints", "GET", "/webhooks/endpoints",
             "This key's webhook endpoints (else the mock-wide --webhook-url list)",
             "Where this key's events are POSTed: its own list, else the mock-wide "
             "--webhook-url list."),
    _control("mock_set_endpoints", "PUT", "/webhooks/endpoints",
             "Set this key's webhook endpoints (the dashboard's Settings -> Webhooks)",
             "Replaces where this key's events are POSTed, as SKN Pay's dashboard setting "
             "does for an account."),
    _control("mock_get_faults", "GET", "/faults", "This key's pending API faults",
             "The fail-first rules not used up yet (501 on the embedded mock, which has no "
             "fault middleware)."),
    _control("mock_add_fault", "POST", "/faults", "Queue deterministic API faults for this key",
             "The next count calls of route answer status before they are handled, so nothing "
             "changes and a retry is safe."),
    _control("mock_clear_faults", "DELETE", "/faults", "Drop this key's pending API faults",
             "Forgets every fail-first rule of this key."),
    _control("mock_check_receiver", "POST", "/receiver-check",
             "Send the receiver check's battery of signed and mis-signed deliveries about one "
             "of this key's payments to url; answers the report",
             "Attacks a webhook endpoint with forged, unsigned, stale, future, altered, "
             "duplicate, unknown and late deliveries and reports what it answered to each; "
             "the events are made up, the payment is unchanged."),
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


@dataclass(frozen=True)
class EventType:
    """One webhook event type the mock sends: when it fires, and what it carries."""

    name: str
    summary: str
    description: str


# Known from the API notes: payment.canceled, payment.failed, payment.refunded;
# payment.succeeded is implied by the standard checkout; payment.expired is the
# mock's name for an expiry event SKN Pay does not document.
EVENT_TYPES: tuple[EventType, ...] = (
    EventType("payment.succeeded", "A customer paid the link",
              "Sent once when the hosted page takes a payment (the test card, or a completed "
              "3-D Secure challenge). data.object is the payment, status 'succeeded'. The name "
              "is implied by the standard checkout, not documented."),
    EventType("payment.failed", "A card was declined on the hosted page",
              "Sent for each declined card or failed 3-D Secure challenge. data.object is the "
              "payment, still 'open' so the customer may try again, with last_payment_error "
              "carrying the gateway's reason code."),
    EventType("payment.canceled", "The merchant canceled the link",
              "Sent once when POST /payments/{payment_id}/cancel cancels an open link; a "
              "repeat cancel fires nothing. data.object is the payment, status 'canceled'. "
              "SKN Pay sends it within about a minute."),
    EventType("payment.refunded", "A refund was made",
              "Sent once per POST /refunds, full or partial. data.object is most likely the "
              "payment (the notes' reading), with amount_refunded grown by the refund."),
    EventType("payment.expired", "An unpaid link expired",
              "Sent once when an open link outlives its lifetime (24 h on the mock, Stripe "
              "Checkout's default). data.object is the payment, status 'expired'. SKN Pay "
              "documents neither the lifetime nor this event's name: payment.expired is the "
              "mock's reading."),
)
EVENT_NAMES = frozenset(event.name for event in EVENT_TYPES)
# Names the docs leave open, as a wait for them accepts them (the mock's first):
# a paid link's success event is implied by the playground's standard scenario,
# not named (API notes); the expiry event's name is unknown. A wait given such
# a tuple takes the first to arrive, and the event's ``type`` says which.
SUCCEEDED_EVENT_NAMES = ("payment.succeeded", "payment.paid", "payment.completed")
EXPIRED_EVENT_NAMES = ("payment.expired", "payment_link.expired")
