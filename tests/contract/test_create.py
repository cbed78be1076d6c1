"""Create: the answer is a payment, echoes what was sent, is open, and links
to an absolute hosted-page URL."""

from __future__ import annotations

from urllib.parse import urlsplit

from sknpay_harness import CREATE_STATUSES

from .conftest import payment_request


def test_create_answer_matches_payment_schema(sknpay_api, sknpay_contract):
    body = payment_request()
    sknpay_contract.check("create-payment-request", body, where="the request we send")
    sknpay_contract.check_response(sknpay_api.create_payment(body), "payment",
                                   status=CREATE_STATUSES)


def test_create_echoes_amount_currency_description_metadata(sknpay_create):
    sent = payment_request()
    created = sknpay_create(sent)
    wrong = [f"{field}: sent {sent[field]!r}, got {created.get(field)!r}"
             for field in ("amount", "currency", "description", "metadata")
             if created.get(field) != sent[field]]
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
