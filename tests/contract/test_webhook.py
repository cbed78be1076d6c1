"""The payment.canceled webhook: envelope schema, type header, a valid and
fresh signature, and a data.object that agrees with a retrieve."""

from __future__ import annotations

import time

from sknpay_harness import signing

COMPARED = ("id", "status", "amount", "currency", "description", "metadata")


def _header(event, name: str) -> str | None:
    return next((v for k, v in event.headers.items() if k.lower() == name.lower()), None)


def test_event_matches_envelope_schema(sknpay_canceled, sknpay_contract):
    event = sknpay_canceled.event
    sknpay_contract.check("event", event.body, where=f"webhook {event.event_id}")
    assert event.body["type"] == "payment.canceled", (
        f"webhook {event.event_id} has type {event.body['type']!r}, expected 'payment.canceled'")
    in_event = event.body["data"]["object"].get("id")
    assert in_event == sknpay_canceled.created["id"], (
        f"webhook {event.event_id} carries payment {in_event!r}, expected the canceled "
        f"{sknpay_canceled.created['id']!r}")


def test_event_type_header_equals_body_type(sknpay_canceled):
    event = sknpay_canceled.event
    header = _header(event, signing.EVENT_TYPE_HEADER)
    assert header == event.body["type"], (
        f"{signing.EVENT_TYPE_HEADER} header is {header!r}, body type is {event.body['type']!r}")


def test_event_signature_is_valid_and_fresh(sknpay_canceled, sknpay_settings):
    event = sknpay_canceled.event
    header = _header(event, signing.HEADER)
    # Raises SignatureError naming missing/malformed/stale/future/mismatch.
    parsed = signing.verify(header, event.raw, [sknpay_settings.webhook_secret], time.time())
    age = time.time() - parsed.timestamp
    assert abs(age) <= signing.DEFAULT_TOLERANCE_SECONDS, f"signature timestamp is {age:.0f} s off"


def test_event_object_agrees_with_retrieve(sknpay_canceled, sknpay_api, sknpay_contract):
    payment_id = sknpay_canceled.created["id"]
    retrieved = sknpay_contract.check_response(sknpay_api.retrieve_payment(payment_id), "payment",
                                               status=200)
    in_event = sknpay_canceled.event.body["data"]["object"]
    differs = [f"{f}: event {in_event.get(f)!r}, retrieve {retrieved.get(f)!r}"
               for f in COMPARED if in_event.get(f) != retrieved.get(f)]
    assert not differs, "the event's data.object differs from a retrieve: " + "; ".join(differs)
