"""Create: the answer is a payment, echoes what was sent, is open, and links
to an absolute hosted-page URL."""

from __future__ import annotations

from urllib.parse import urlsplit

from sknpay_harness import CREATE_STATUSES

from .conftest import describe_metadata_difference, expected_metadata, payment_request

# The fields the API notes promise in every payment; the rest are optional
# (likely Stripe-style extras whose presence is unknown): noted, never required.
REQUIRED = ("id", "url", "status", "amount", "currency")


def test_create_answer_matches_payment_schema(sknpay_api, sknpay_contract, sknpay_reading):
    body = payment_request()
    sknpay_contract.check("create-payment-request", body, where="the request we send")
    exchange = sknpay_api.create_payment(body)
    created = sknpay_contract.check_response(exchange, "payment", status=CREATE_STATUSES)
    sknpay_reading("create answers", f"HTTP {exchange.status}")
    optional = sorted(set(created) - set(REQUIRED))
    sknpay_reading("payment fields beyond the required ones", ", ".join(optional) or "none")


def test_create_echoes_amount_currency_description_metadata(sknpay_api, sknpay_create):
    sent = payment_request()
    created = sknpay_create(sent)
    wrong = [f"{field}: sent {sent[field]!r}, got {created.get(field)!r}"
             for field in ("amount", "currency", "description")
             if created.get(field) != sent[field]]
    # On a live target the harness adds its run and test tags to the metadata it
    # sends: the echo must hold the caller's keys plus exactly those tags.
    if created.get("metadata") != expected_metadata(sent["metadata"], sknpay_api):
        wrong.append(describe_metadata_difference(sent["metadata"], created.get("metadata"),
                                                  sknpay_api))
    assert not wrong, "create did not echo " + "; ".join(wrong)


def test_create_answers_status_open(sknpay_create):
    created = sknpay_create()
    assert created["status"] == "open", (
        f"a new payment should be 'open', got {created['status']!r}")


def test_create_url_is_absolute_http(sknpay_create):
    url = sknpay_create().get("url")
    parts = urlsplit(url if isinstance(url, str) else "")
    assert parts.scheme in {"http", "https"} and parts.netloc, (
        f"the payment url should be an absolute http(s) URL, got {url!r}")
