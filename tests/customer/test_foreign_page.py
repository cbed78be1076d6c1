"""The form driver on a hosted page unlike ours (foreign.py): other field
names, labels wrapping their inputs, expiry as two select lists, a hidden
per-page token that must come back, and a decline that answers 200."""

from __future__ import annotations

import pytest

from sknpay_harness import CustomerError
from sknpay_harness.customer import Outcome, make_customer
from sknpay_harness.serving import WsgiServer

from .foreign import EXPECTED, Checkout


@pytest.fixture
def acme(shop):
    """function · (Checkout, url) · Acme Pay's checkout on a loopback port."""
    checkout = Checkout(merchant_url=shop.split("?")[0])
    with WsgiServer(checkout, name="acme-pay") as server:
        yield checkout, server.url


@pytest.fixture
def customer():
    with make_customer("form") as customer:
        yield customer


def test_form_driver_pays_a_foreign_page_and_posts_every_field_back(acme, customer):
    checkout, url = acme
    outcome = customer.pay(f"{url}/checkout/ord_42", "4111 1111 1111 1111", expiry="12/34",
                           csc="987", name="Ada Lovelace")
    assert outcome.outcome == Outcome.PAID, outcome.describe()
    assert checkout.refused == []
    assert outcome.redirect == f"{checkout.merchant_url}?session=ord_42"  # recorded, not fetched
    assert outcome.status == 302
    # Found by labels that wrap their inputs, never by the page's names.
    assert {f.purpose: f.found_by for f in outcome.fields} == {
        "cc-number": 'label "Card number"', "cc-exp-month": 'label "Expiration month"',
        "cc-exp-year": 'label "Expiration year"', "cc-csc": 'label "Security code"',
        "cc-name": 'label "Name on card"'}
    (posted,) = checkout.posts
    assert set(posted) == EXPECTED  # hidden, textarea, checked box, button; no others
    assert {k: v[0] for k, v in posted.items() if k not in ("csrf",)} == {
        "pan": "4111 1111 1111 1111", "exp_m": "12", "exp_y": "2034", "sc": "987",
        "holder": "Ada Lovelace", "amount_minor": "2500", "terms": "yes", "action": "pay",
        "note": ""}


def test_form_driver_reads_a_decline_that_answers_200(acme, customer):
    checkout, url = acme
    outcome = customer.pay(f"{url}/checkout/ord_43", "4242 4242 4242 4242")
    assert (outcome.outcome, outcome.status, outcome.redirect) == ("declined", 200, None), (
        outcome.describe())
    assert outcome.message == "Transaction refused by the issuer (05)."
    assert checkout.refused == [] and len(checkout.posts) == 1
    # The page issued a fresh token with the form again: paying now works.
    assert customer.pay(f"{url}/checkout/ord_43", "4111111111111111").outcome == "paid"


def test_the_hidden_token_must_come_back(acme):
    """Proof the page checks its token: a post without it is refused."""
    import httpx

    checkout, url = acme
    answer = httpx.post(f"{url}/checkout/ord_44/confirm", data={"pan": "4111111111111111"})
    assert answer.status_code == 403 and checkout.refused == ["csrf '' was never issued"]


def test_a_page_without_card_fields_fails_with_what_was_there(acme):
    checkout, url = acme
    attached = []
    with make_customer("form", attach=lambda *a: attached.append(a)) as customer, \
            pytest.raises(CustomerError) as caught:
        customer.pay(f"{url}/js/ord_45", "4111111111111111")  # needs JavaScript
    error = caught.value
    message = str(error)
    assert message.splitlines()[0] == f"no card number field on the hosted page {url}/js/ord_45"
    assert 'needed: cc-number (autocomplete "cc-number", or a label such as "Card number")' in message
    assert "found: no card field" in message and "forms: no form" in message
    assert "it may build its checkout with JavaScript (--sknpay-customer browser)" in message
    assert isinstance(error, AssertionError) and error.url == f"{url}/js/ord_45"
    assert "This checkout needs JavaScript." in error.html
    assert [(name, mime) for name, _, mime in attached] == [
        ("hosted page (the customer failed here)", "text/html")]
    assert checkout.posts == []
