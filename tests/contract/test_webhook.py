"""Every event type a payment's life fires: its envelope schema, its type
header, a valid and fresh signature, and a data.object that agrees with a
retrieve.

Each event is made as the API and a customer make it: payment.canceled by a
cancel, payment.succeeded by the test card on the hosted page,
payment.failed by a declined card, payment.refunded by a full refund, and
the expiry event by moving the key's clock a day on (the mock's control
API: SKN Pay documents neither a link's lifetime nor the event's name, so
that case is the ``expiry`` feature, and either plausible name passes).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import pytest

from sknpay_harness import signing
from sknpay_harness.operations import EXPIRED_EVENT_NAMES, SUCCEEDED_EVENT_NAMES

from .conftest import DECLINED_CARD, SUCCESS_URL, advance_clock, payment_request

# Compared with a retrieve; the optional ones only when both carry them.
COMPARED = ("id", "status", "amount", "currency", "description", "metadata")
COMPARED_IF_SENT = ("amount_refunded", "last_payment_error")
A_DAY_AND_A_SECOND = 24 * 3600 + 1  # the mock's lifetime is Stripe Checkout's 24 h
EVENT_TYPES = [
    "payment.canceled", "payment.succeeded", "payment.failed", "payment.refunded",
    pytest.param("payment.expired", marks=pytest.mark.sknpay_feature("expiry")),
]


@dataclass(frozen=True)
class EventCase:
    event_type: str  # the type asked for (for expiry: the mock's name)
    payment_id: str
    event: Any  # ReceivedEvent


@pytest.fixture(params=EVENT_TYPES)
def sknpay_event(request, sknpay_api, sknpay_contract, sknpay_create, sknpay_customer,
                 sknpay_pay, sknpay_refund, sknpay_reporter, sknpay_settings,
                 sknpay_webhooks) -> EventCase:
    """function · EventCase · one event of each type, made as the API and a
    customer make it (verified by the listener, not yet checked further)."""
    event_type = request.param
    created = sknpay_create(payment_request(success_url=SUCCESS_URL))
    payment_id = created["id"]
    if event_type == "payment.canceled":
        sknpay_contract.check_response(sknpay_api.cancel_payment(payment_id), "payment",
                                       status=200)
    elif event_type == "payment.succeeded":
        return EventCase(event_type, payment_id, sknpay_pay(created).event)
    elif event_type == "payment.failed":
        declined = sknpay_customer.pay(created["url"], DECLINED_CARD, success_url=SUCCESS_URL)
        sknpay_reporter.attach_outcome(declined)
        assert declined.outcome == "declined", (
            f"the declined card was not declined: {declined.describe()}")
    elif event_type == "payment.refunded":
        sknpay_pay(created)
        sknpay_refund(payment_id)
    else:
        advance_clock(sknpay_api, sknpay_settings.api_key, A_DAY_AND_A_SECOND)
        return EventCase(event_type, payment_id, sknpay_webhooks.wait_for(EXPIRED_EVENT_NAMES, payment_id))
    return EventCase(event_type, payment_id, sknpay_webhooks.wait_for(event_type, payment_id))


def _header(event, name: str) -> str | None:
    return next((v for k, v in event.headers.items() if k.lower() == name.lower()), None)


def test_event_matches_envelope_schema(sknpay_event, sknpay_contract, sknpay_reading):
    event = sknpay_event.event
    sknpay_contract.check("event", event.body, where=f"webhook {event.event_id}")
    in_event = event.body["data"]["object"]
    assert in_event.get("id") == sknpay_event.payment_id, (
        f"webhook {event.event_id} ({event.type}) carries payment {in_event.get('id')!r}, "
        f"expected {sknpay_event.payment_id!r}")
    if event.type in EXPIRED_EVENT_NAMES:
        sknpay_reading("expiry event's name", event.type)
    if event.type in SUCCEEDED_EVENT_NAMES:
        sknpay_reading("a paid link's event's name", event.type)
    if event.type == "payment.failed":
        # The link stays open for another card (API notes); a 'failed' status is plausible too.
        sknpay_reading("payment.failed carries a payment whose status is", str(in_event["status"]))


def test_event_type_header_equals_body_type(sknpay_event):
    event = sknpay_event.event
    header = _header(event, signing.EVENT_TYPE_HEADER)
    assert header == event.body["type"], (
        f"{signing.EVENT_TYPE_HEADER} header is {header!r}, body type is {event.body['type']!r}")


def test_event_signature_is_valid_and_fresh(sknpay_event, sknpay_settings):
    event = sknpay_event.event
    header = _header(event, signing.HEADER)
    # Raises SignatureError naming missing/malformed/stale/future/mismatch.
    parsed = signing.verify(header, event.raw, [sknpay_settings.webhook_secret], time.time())
    age = time.time() - parsed.timestamp
    assert abs(age) <= signing.DEFAULT_TOLERANCE_SECONDS, f"signature timestamp is {age:.0f} s off"


def test_event_object_agrees_with_retrieve(sknpay_event, sknpay_api, sknpay_contract):
    retrieved = sknpay_contract.check_response(sknpay_api.retrieve_payment(sknpay_event.payment_id),
                                               "payment", status=200)
    in_event = sknpay_event.event.body["data"]["object"]
    fields = [*COMPARED, *(f for f in COMPARED_IF_SENT if f in in_event and f in retrieved)]
    differs = [f"{f}: event {in_event.get(f)!r}, retrieve {retrieved.get(f)!r}"
               for f in fields if in_event.get(f) != retrieved.get(f)]
    assert not differs, (f"the {sknpay_event.event.type} event's data.object differs from a "
                         "retrieve: " + "; ".join(differs))
