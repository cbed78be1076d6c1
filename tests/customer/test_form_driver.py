"""The form driver against our mock: the test card, a declined card, the 3-D
Secure card (challenge completed, failed, left open), and inactive links."""

from __future__ import annotations

import pytest

from sknpay_harness.cards import TEST_CARD, THREE_D_SECURE_CARD
from sknpay_harness.customer import CheckoutOutcome, FormCustomer, Outcome, make_customer

DECLINED_CARD = "4242 4242 4242 4242"


@pytest.fixture
def customer():
    with make_customer("form") as customer:
        yield customer


def test_make_customer_builds_the_form_driver_by_default():
    with make_customer() as customer:
        assert isinstance(customer, FormCustomer) and customer.kind == "form"


def test_test_card_pays_and_the_redirect_to_success_url_is_recorded_not_fetched(mock, shop, customer):
    payment = mock.create(success_url=shop)
    outcome = customer.pay(payment["url"], TEST_CARD, success_url=payment["success_url"])
    assert outcome.outcome == Outcome.PAID == "paid", outcome.describe()
    assert outcome.redirect == f"{shop}&payment_id={payment['id']}"
    assert outcome.payment_id == payment["id"] and outcome.status == 303
    assert [page.status for page in outcome.pages] == [200, 303]
    assert {f.purpose: f.found_by for f in outcome.fields} == {
        "cc-number": 'autocomplete "cc-number"', "cc-exp": 'autocomplete "cc-exp"',
        "cc-csc": 'autocomplete "cc-csc"'}
    assert mock.payment(payment["id"])["status"] == "succeeded"
    assert mock.event("payment.succeeded", payment["id"])["data"]["object"]["status"] == "succeeded"
    # shop's teardown: the merchant's page was never requested


def test_not_knowing_success_url_a_redirect_off_the_hosted_origin_is_recorded(mock, shop, customer):
    payment = mock.create(success_url=shop)
    outcome = customer.pay(payment["url"], TEST_CARD)  # no success_url given
    assert (outcome.outcome, outcome.payment_id) == ("paid", payment["id"]), outcome.describe()


def test_without_success_url_the_page_that_says_so_is_paid(mock, customer):
    payment = mock.create()
    outcome = customer.pay(payment["url"], "4111-1111-1111-1111")
    assert (outcome.outcome, outcome.status, outcome.redirect) == ("paid", 200, None), outcome.describe()
    assert "Payment received" in outcome.last_page.excerpt


def test_declined_card_is_declined_and_the_link_stays_open(mock, shop, customer):
    payment = mock.create(success_url=shop)
    outcome = customer.pay(payment["url"], DECLINED_CARD, success_url=shop)
    assert (outcome.outcome, outcome.status, outcome.redirect) == ("declined", 402, None), outcome.describe()
    assert "declined" in outcome.message
    assert mock.payment(payment["id"])["status"] == "open"
    failed = mock.event("payment.failed", payment["id"])
    assert failed["data"]["object"]["last_payment_error"]["code"] == "card_declined"
    # The link stays open: the same customer pays on a second try.
    assert customer.pay(payment["url"], TEST_CARD, success_url=shop).outcome == "paid"


def test_3ds_card_with_the_challenge_completed_pays(mock, shop, customer):
    payment = mock.create(success_url=shop)
    outcome = customer.pay(payment["url"], THREE_D_SECURE_CARD, challenge="complete",
                           success_url=shop)
    assert (outcome.outcome, outcome.challenged) == ("paid", True), outcome.describe()
    assert outcome.payment_id == payment["id"]
    assert [p.url.rsplit("/", 1)[-1] for p in outcome.pages] == [payment["id"], payment["id"],
                                                                "challenge"]
    assert mock.event("payment.succeeded", payment["id"])["data"]["object"]["status"] == "succeeded"


def test_3ds_card_with_the_challenge_failed_sends_payment_failed_and_stays_open(mock, shop, customer):
    payment = mock.create(success_url=shop)
    outcome = customer.pay(payment["url"], THREE_D_SECURE_CARD, challenge="fail", success_url=shop)
    assert (outcome.outcome, outcome.challenged, outcome.status) == (
        "challenge_failed", True, 402), outcome.describe()
    assert "Authentication failed" in outcome.message
    failed = mock.event("payment.failed", payment["id"])
    error = failed["data"]["object"]["last_payment_error"]
    assert error["code"] == "payment_intent_authentication_failure", error
    assert mock.payment(payment["id"])["status"] == "open"
    assert customer.pay(payment["url"], TEST_CARD, success_url=shop).outcome == "paid"


def test_3ds_challenge_left_unanswered_changes_nothing(mock, customer):
    payment = mock.create()
    outcome = customer.pay(payment["url"], THREE_D_SECURE_CARD, challenge=None)
    assert (outcome.outcome, outcome.status) == ("challenge_pending", 200), outcome.describe()
    assert "3-D Secure" in outcome.last_page.title
    assert mock.payment(payment["id"])["status"] == "open"
    assert mock.event_types(payment["id"]) == []


def test_canceled_link_is_inactive_and_takes_no_payment(mock, customer):
    payment = mock.create()
    mock.api.post(f"/payments/{payment['id']}/cancel")
    outcome = customer.pay(payment["url"], TEST_CARD)
    assert (outcome.outcome, outcome.status, outcome.fields) == ("inactive", 200, ()), outcome.describe()
    assert "no longer active" in outcome.last_page.excerpt
    assert [p.method for p in outcome.pages] == ["GET"]  # nothing was posted
    assert customer.look(payment["url"]).outcome == "inactive"


def test_paid_link_and_unknown_link_are_inactive(mock, customer):
    payment = mock.create()
    assert customer.pay(payment["url"], TEST_CARD).outcome == "paid"
    assert customer.look(payment["url"]).outcome == "inactive"
    unknown = customer.look(payment["url"].replace(payment["id"], "plink_unknown"))
    assert (unknown.outcome, unknown.status) == ("inactive", 404)


def test_look_at_an_open_link_finds_the_card_form(mock, customer):
    payment = mock.create()
    outcome = customer.look(payment["url"])
    assert outcome.outcome == "payable" and {f.purpose for f in outcome.fields} == {
        "cc-number", "cc-exp", "cc-csc"}
    assert mock.event_types(payment["id"]) == []


def test_outcome_describes_itself_for_a_report(mock, shop, customer):
    payment = mock.create(success_url=shop)
    outcome: CheckoutOutcome = customer.pay(payment["url"], DECLINED_CARD)
    text = outcome.describe()
    assert text.splitlines()[0] == "customer (form driver): declined, last status 402"
    assert "the page said: Your card was declined. Try another card." in text
    assert f"2. POST {payment['url']} -> 402" in text
    assert "html" not in repr(outcome)  # the page rides along, out of the repr


def test_a_caller_s_own_client_is_used_and_left_open(mock, customer):
    import httpx

    seen = []
    with httpx.Client(event_hooks={"request": [seen.append]}) as client:
        payment = mock.create()
        FormCustomer(client).pay(payment["url"], TEST_CARD)
        assert [r.method for r in seen] == ["GET", "POST"]
        assert not client.is_closed


def test_a_client_carrying_the_api_key_is_refused(mock):
    import httpx

    from sknpay_harness import ConfigError

    with pytest.raises(ConfigError, match="a customer has no API key") as caught:
        FormCustomer(mock.api)
    assert "sk_test" not in str(caught.value)
    with httpx.Client(headers={"Authorization": "Bearer sk_test_x"}) as client, \
            pytest.raises(ConfigError):
        make_customer("form", client=client)
