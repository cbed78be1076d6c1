"""The whole known surface on the mock: refunds, link expiry, paying and
declining on the hosted page; every answer and event checked against schemas/."""

from __future__ import annotations

import re

import pytest

from sknpay_harness import Contract

TEST_CARD = "4111 1111 1111 1111"
CONTRACT = Contract()


def checked(name: str, body: dict) -> dict:
    CONTRACT.check(name, body, where=f"the mock's {name}")
    return body


def create(client, **extra) -> dict:
    answer = client.post("/payments", json={"amount": 1000, "currency": "USD",
                                            "description": "Surface", **extra})
    assert answer.status_code == 200, answer.text
    return checked("payment", answer.json())


def paid(stack, client, **extra) -> dict:
    payment = create(client, **extra)
    with stack.page() as page:
        answer = page.post(f"/pay/{payment['id']}", data={"card_number": TEST_CARD})
    assert answer.status_code in (200, 303), answer.text
    return payment


# -- refunds ---------------------------------------------------------------
def test_full_refund_when_amount_is_omitted(mock_stack):
    with mock_stack.client() as client:
        payment = paid(mock_stack, client)
        answer = client.post("/refunds", json={"payment_id": payment["id"]})
        assert answer.status_code == 200, answer.text
        refund = checked("refund", answer.json())
        assert (refund["amount"], refund["payment_id"]) == (1000, payment["id"])
        after = client.get(f"/payments/{payment['id']}").json()
        assert (after["status"], after["amount_refunded"]) == ("succeeded", 1000)
        again = client.post("/refunds", json={"payment_id": payment["id"]})
        assert again.status_code == 400
        assert again.json()["error"]["code"] == "already_refunded"
    event = mock_stack.event("payment.refunded", payment["id"])
    CONTRACT.check("event", event.body)
    assert event.body["data"]["object"]["amount_refunded"] == 1000


def test_partial_refunds_up_to_the_paid_total(mock_stack):
    with mock_stack.client() as client:
        payment = paid(mock_stack, client)
        assert client.post("/refunds", json={"payment_id": payment["id"], "amount": 300}
                           ).json()["amount"] == 300
        too_much = client.post("/refunds", json={"payment_id": payment["id"], "amount": 701})
        assert too_much.status_code == 400
        assert too_much.json()["error"] | {"message": ""} == {
            "type": "invalid_request_error", "code": "amount_too_large", "param": "amount",
            "message": ""}
        assert "700 left" in too_much.json()["error"]["message"]
        rest = client.post("/refunds", json={"payment_id": payment["id"]})
        assert rest.json()["amount"] == 700
        assert client.get(f"/payments/{payment['id']}").json()["amount_refunded"] == 1000


@pytest.mark.parametrize(("body", "status", "code", "param"), [
    ({}, 400, "parameter_missing", "payment_id"),
    ({"payment_id": 5}, 400, "parameter_invalid", "payment_id"),
    ({"payment_id": "plink_x", "amount": 0}, 400, "parameter_invalid", "amount"),
    ({"payment_id": "plink_x", "amount": 1.5}, 400, "parameter_invalid", "amount"),
    ({"payment_id": "plink_x", "reason": "x"}, 400, "parameter_unknown", "reason"),
    ({"payment_id": "plink_nope"}, 404, "resource_missing", "payment_id"),
])
def test_bad_refund_requests_are_refused_and_change_nothing(mock_stack, body, status, code,
                                                           param):
    with mock_stack.client() as client:
        answer = client.post("/refunds", json=body)
    assert answer.status_code == status
    CONTRACT.check("error", answer.json())
    assert (answer.json()["error"]["code"], answer.json()["error"]["param"]) == (code, param)


def test_an_unpaid_payment_cannot_be_refunded(mock_stack):
    with mock_stack.client() as client:
        payment = create(client)
        answer = client.post("/refunds", json={"payment_id": payment["id"]})
        assert answer.json()["error"]["code"] == "payment_not_succeeded"
        assert client.get(f"/payments/{payment['id']}").json()["amount_refunded"] == 0


def test_refunds_belong_to_one_api_key(mock_stack):
    with mock_stack.client() as client:
        payment = paid(mock_stack, client)
    with mock_stack.client("sk_test_someone_else") as other:
        assert other.post("/refunds", json={"payment_id": payment["id"]}).status_code == 404


# -- expiry ----------------------------------------------------------------
def test_link_expires_after_its_lifetime_on_the_mocks_clock(mock_stack):
    with mock_stack.client() as client:
        payment = create(client)
        tenant = mock_stack.app.state.store.tenant(mock_stack.key)
        tenant.clock_offset += 24 * 3600 - 5
        assert client.get(f"/payments/{payment['id']}").json()["status"] == "open"
        tenant.clock_offset += 5
        expired = client.get(f"/payments/{payment['id']}").json()
        assert expired["status"] == "expired"
        assert client.post(f"/payments/{payment['id']}/cancel").json()["status"] == "expired"
    event = mock_stack.event("payment.expired", payment["id"])
    CONTRACT.check("event", event.body)
    with mock_stack.page() as page:
        assert "This payment link is no longer active." in page.get(f"/pay/{payment['id']}").text


def test_expiry_sweep_fires_without_a_request(mock_stack):
    with mock_stack.client() as client:
        payment = create(client)
    mock_stack.app.state.store.tenant(mock_stack.key).clock_offset += 24 * 3600
    assert mock_stack.app.state.sweep_all() == 1
    event = mock_stack.event("payment.expired", payment["id"])
    assert event.body["data"]["object"]["url"].endswith(f"/pay/{payment['id']}")


# -- the hosted page -------------------------------------------------------
def test_test_card_pays_and_redirects_to_success_url_with_payment_id(mock_stack):
    with mock_stack.client() as client:
        payment = create(client, success_url="https://shop.example/thanks?order=7")
        with mock_stack.page() as page:
            form = page.get(f"/pay/{payment['id']}")
            assert 'name="card_number"' in form.text
            answer = page.post(f"/pay/{payment['id']}", data={"card_number": TEST_CARD})
        assert answer.status_code == 303
        assert answer.headers["Location"] == (
            f"https://shop.example/thanks?order=7&payment_id={payment['id']}")
        assert client.get(f"/payments/{payment['id']}").json()["status"] == "succeeded"
    event = mock_stack.event("payment.succeeded", payment["id"])
    CONTRACT.check("event", event.body)
    assert event.body["data"]["object"]["status"] == "succeeded"


def test_without_success_url_the_page_itself_says_payment_received(mock_stack):
    with mock_stack.client() as client:
        payment = create(client)
    with mock_stack.page() as page:
        answer = page.post(f"/pay/{payment['id']}", data={"card_number": "4111-1111-1111-1111"})
        assert answer.status_code == 200 and "Payment received" in answer.text
        again = page.post(f"/pay/{payment['id']}", data={"card_number": TEST_CARD})
        assert again.status_code == 409  # paid links take no second payment


def test_other_card_is_declined_link_stays_open_and_can_be_retried(mock_stack):
    with mock_stack.client() as client:
        payment = create(client)
        with mock_stack.page() as page:
            declined = page.post(f"/pay/{payment['id']}", data={"card_number": "4242424242424242"})
            assert declined.status_code == 402
            assert "Your card was declined" in declined.text
            assert 'name="card_number"' in declined.text  # the form, to try again
            state = client.get(f"/payments/{payment['id']}").json()
            assert state["status"] == "open"
            assert state["last_payment_error"]["code"] == "card_declined"
            failed = mock_stack.event("payment.failed", payment["id"])
            CONTRACT.check("event", failed.body)
            assert failed.body["data"]["object"]["last_payment_error"]["decline_code"]
            retried = page.post(f"/pay/{payment['id']}", data={"card_number": TEST_CARD})
            assert retried.status_code == 200
        final = client.get(f"/payments/{payment['id']}").json()
        assert (final["status"], final["last_payment_error"]) == ("succeeded", None)


def test_the_form_says_which_card_pays_and_which_is_declined(mock_stack):
    with mock_stack.client() as client:
        payment = create(client)
    with mock_stack.page() as page:
        form = page.get(f"/pay/{payment['id']}").text
        declined = page.post(f"/pay/{payment['id']}", data={"card_number": "4242424242424242"}).text
    for html in (form, declined):  # the retry form says it again
        hint = re.search(r'id="test-cards">(.*?)</p>', html)
        assert hint, f"no test-card hint on the form:\n{html}"
        assert f"{TEST_CARD}</strong> pays" in hint[1], hint[1]
        assert "4242 4242 4242 4242) is declined" in hint[1], hint[1]


def test_empty_card_number_is_asked_again_without_an_event(mock_stack):
    with mock_stack.client() as client:
        payment = create(client)
    with mock_stack.page() as page:
        answer = page.post(f"/pay/{payment['id']}", data={"card_number": " "})
    assert answer.status_code == 400 and "Enter a card number." in answer.text
    assert mock_stack.app.state.outbox.log() == []


def test_canceled_link_cannot_be_paid_and_says_no_longer_active(mock_stack):
    with mock_stack.client() as client:
        payment = create(client)
        client.post(f"/payments/{payment['id']}/cancel")
    with mock_stack.page() as page:
        shown = page.get(f"/pay/{payment['id']}")
        answer = page.post(f"/pay/{payment['id']}", data={"card_number": TEST_CARD})
        assert "This payment link is no longer active." in shown.text
        assert answer.status_code == 409 and "no longer active" in answer.text
        assert page.get("/pay/plink_unknown").status_code == 404


# -- 3-D Secure (an assumed reading: cards.THREE_D_SECURE_CARD) ---------
def challenge_token(html: str) -> str:
    found = re.search(r'name="challenge_token" value="([^"]+)"', html)
    assert found, f"no challenge token on the page:\n{html}"
    return found[1]


def test_3ds_card_shows_a_challenge_whose_token_is_single_use(mock_stack):
    from sknpay_harness.cards import THREE_D_SECURE_CARD

    with mock_stack.client() as client:
        payment = create(client)
    pay_url = f"/pay/{payment['id']}"
    with mock_stack.page() as page:
        shown = page.post(pay_url, data={"card_number": THREE_D_SECURE_CARD})
        assert shown.status_code == 200 and "3-D Secure authentication" in shown.text
        token = challenge_token(shown.text)
        forged = page.post(f"{pay_url}/challenge", data={"challenge_token": "tds_forged",
                                                          "result": "complete"})
        assert forged.status_code == 400 and "no longer valid" in forged.text
        unsure = page.post(f"{pay_url}/challenge", data={"challenge_token": token, "result": "x"})
        assert unsure.status_code == 400 and challenge_token(unsure.text) == token  # still valid
        failed = page.post(f"{pay_url}/challenge", data={"challenge_token": token, "result": "fail"})
        assert failed.status_code == 402 and "Authentication failed" in failed.text
        replayed = page.post(f"{pay_url}/challenge", data={"challenge_token": token,
                                                            "result": "complete"})
        assert replayed.status_code == 400  # one answer per challenge
    with mock_stack.client() as client:
        state = client.get(f"/payments/{payment['id']}").json()
    assert state["status"] == "open"
    assert state["last_payment_error"]["code"] == "payment_intent_authentication_failure"
    CONTRACT.check("event", mock_stack.event("payment.failed", payment["id"]).body)
    assert [d["event_type"] for d in mock_stack.app.state.outbox.log()] == ["payment.failed"]


def test_3ds_challenge_of_a_link_canceled_meanwhile_takes_no_payment(mock_stack):
    from sknpay_harness.cards import THREE_D_SECURE_CARD

    with mock_stack.client() as client:
        payment = create(client)
        with mock_stack.page() as page:
            token = challenge_token(page.post(f"/pay/{payment['id']}",
                                              data={"card_number": THREE_D_SECURE_CARD}).text)
            client.post(f"/payments/{payment['id']}/cancel")
            answer = page.post(f"/pay/{payment['id']}/challenge",
                               data={"challenge_token": token, "result": "complete"})
        assert answer.status_code == 409 and "no longer active" in answer.text
        assert client.get(f"/payments/{payment['id']}").json()["status"] == "canceled"
