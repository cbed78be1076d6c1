"""Reading pages without a server: which control is which, what a page means,
what is posted, and what a failure carries."""

from __future__ import annotations

import pickle

import pytest

from sknpay_harness import CustomerError, SknPayHarnessError
from sknpay_harness.customer import Card, Outcome, make_customer
from sknpay_harness.customer.entry import NoOption, fill_values
from sknpay_harness.customer.fields import card_form, label_purpose, match_fields
from sknpay_harness.customer.page import Button, read, submission
from sknpay_harness.customer.verdict import after_submit, challenge_buttons, on_opening
from sknpay_harness.errors import ConfigError


@pytest.mark.parametrize(("label", "purpose"), [
    ("Card number", "cc-number"), ("Credit card number", "cc-number"), ("Card", "cc-number"),
    ("Card no.", "cc-number"), ("Number on card", "cc-number"),
    ("Expiry (MM/YY)", "cc-exp"), ("Expiration date", "cc-exp"), ("Valid thru", "cc-exp"),
    ("MM / YY", "cc-exp"),
    ("Expiry month", "cc-exp-month"), ("Expiration year", "cc-exp-year"), ("MM", "cc-exp-month"),
    ("CVC", "cc-csc"), ("CVV2", "cc-csc"), ("Security code", "cc-csc"),
    ("Card security code", "cc-csc"), ("Card code", "cc-csc"),
    ("Name on card", "cc-name"), ("Cardholder name", "cc-name"),
    ("Email", None), ("Postal code", None), ("Coupon", None),
])
def test_labels_name_their_purpose(label, purpose):
    assert label_purpose(label) == purpose


def controls(body: str):
    return read(f"<html><body>{body}</body></html>", "https://pay.example/p").controls


def test_autocomplete_tokens_win_over_labels_and_may_carry_a_section():
    found = match_fields(controls(
        '<label for="a">Card number</label><input id="a" autocomplete="email">'
        '<label for="b">Anything</label><input id="b" autocomplete="section-x billing cc-number">'))
    assert list(found) == ["cc-number"]
    assert found["cc-number"].control.index == 1
    assert found["cc-number"].found_by == 'autocomplete "cc-number"'


def test_hidden_inputs_and_other_forms_are_never_card_fields():
    found = card_form(controls(
        '<form><label>Card number <input type="hidden" name="x"></label>'
        '<label>Card number <input name="gift" hidden></label></form>'
        '<form><label>CVC <input name="c"></label><label>Card number <input name="n"></label></form>'
        '<form><label>Expiry <input name="other_form_expiry"></label></form>'))
    assert found is not None
    form, fields = found
    assert form == 1 and {p: m.control.name for p, m in fields.items()} == {"cc-csc": "c",
                                                                          "cc-number": "n"}


def test_labels_by_aria_and_placeholder_are_read_too():
    found = match_fields(controls(
        '<span id="l">Card number</span><input aria-labelledby="l">'
        '<input aria-label="Security code"><input placeholder="MM / YY">'))
    assert {p: m.found_by for p, m in found.items()} == {
        "cc-number": 'label "Card number"', "cc-csc": 'label "Security code"',
        "cc-exp": 'label "MM / YY"'}


def test_expiry_goes_where_each_field_wants_it():
    page = read('<form><input type="month" autocomplete="cc-exp">'
                '<select autocomplete="cc-exp-month"><option>01</option><option>12</option></select>'
                '<input autocomplete="cc-exp-year" maxlength="2"></form>', "https://p.example/")
    found = match_fields(page.controls)
    assert fill_values(found, Card("4111", expiry="12/2034")) == {0: "2034-12", 1: "12", 2: "34"}
    page = read('<form><input autocomplete="cc-exp" maxlength="4"></form>', "https://p.example/")
    assert fill_values(match_fields(page.controls), Card("4111", "1/34")) == {0: "0134"}
    with pytest.raises(ValueError, match="not MM/YY"):
        Card("4111", expiry="2034-12")


def test_a_select_without_the_option_says_which_options_it_had():
    page = read('<form><label>Expiry year <select><option>2020</option><option>2021</option>'
                '</select></label></form>', "https://p.example/")
    with pytest.raises(NoOption, match=r"has no option for 2034 \(options: 2020, 2021\)"):
        fill_values(match_fields(page.controls), Card("4111", "12/34"))


def test_submission_sends_every_successful_control_in_order():
    page = read("""<form action="../done?x=1" method="post" enctype="multipart/form-data">
        <input type="hidden" name="token" value="t1"><input name="empty">
        <input name="card" autocomplete="cc-number"><input name="off" disabled value="no">
        <input type="checkbox" name="box" checked><input type="radio" name="r" value="a">
        <input type="radio" name="r" value="b" checked><select name="s"><option>1<option selected>2</select>
        <input type="button" name="b" value="no"><input type="reset" name="rs" value="no">
        <button name="go" value="pay">Pay</button><button name="other" value="no">Other</button>
        </form>""", "https://pay.example/a/page")
    method, url, values, multipart = submission(page, 0, {2: "4111"}, page.buttons[0])
    assert (method, url, multipart) == ("POST", "https://pay.example/done?x=1", True)
    assert values == [("token", "t1"), ("empty", ""), ("card", "4111"), ("box", "on"),
                      ("r", "b"), ("s", "2"), ("go", "pay")]


def test_a_button_may_send_the_form_elsewhere():
    page = read('<form method="post"><button formaction="/alt" formmethod="get">Go</button></form>',
                "https://pay.example/page")
    method, url, values, _ = submission(page, 0, {}, page.buttons[0])
    assert (method, url, values) == ("GET", "https://pay.example/alt", [])


def test_the_page_s_words_alerts_and_title():
    page = read("""<html><head><title> Pay  now </title><style>p{}</style></head><body>
        <p class="text-danger is-invalid">Card refused</p><div role="alert"></div>
        <div aria-live="assertive"><b>Try again</b></div><script>var x = "no";</script>
        <p>Hello <span>there</span></p></body></html>""", "https://p.example/")
    assert (page.title, page.alerts) == ("Pay now", ("Card refused", "Try again"))
    assert page.text == "Card refused Try again Hello there"


@pytest.mark.parametrize(("status", "text", "alerts", "form", "outcome"), [
    (402, "Pay", [], True, "declined"),  # our mock's reading
    (200, "Pay", ["Transaction refused"], True, "declined"),  # another's: 200 with an alert
    (422, "Pay", ["Card declined"], True, "declined"),
    (400, "Pay", ["Enter a card number."], True, "unknown"),  # asked again: not a decline
    (200, "Pay", [], True, "unknown"),
    (200, "Payment received. Thank you.", [], False, "paid"),
    (200, "Your payment was successful", [], False, "paid"),
    (200, "Payment failed: the card was declined.", [], False, "declined"),
    (409, "This payment link is no longer active.", [], False, "inactive"),
    (200, "This link has expired", [], False, "inactive"),
    (410, "Gone", [], False, "inactive"),
    (200, "Something else", [], False, "unknown"),
])
def test_after_submit_accepts_each_plausible_reading(status, text, alerts, form, outcome):
    assert after_submit(status, text, alerts, form) == outcome


def test_on_opening():
    assert on_opening(200, "Pay", True) == Outcome.PAYABLE
    assert on_opening(200, "This payment link is no longer active.", False) == "inactive"
    assert on_opening(404, "Not found", False) == "inactive"
    assert on_opening(200, "Loading…", False) == "unknown"


def test_challenge_buttons():
    def button(text):
        return Button(0, text, "", "", 0)

    both = challenge_buttons("Confirm", [button("Complete authentication"), button("Fail authentication")])
    assert {k: b.text for k, b in both.items()} == {"complete": "Complete authentication",
                                                    "fail": "Fail authentication"}
    assert challenge_buttons("Enter the code your bank sent to verify", [button("Submit"), button(
        "Authorize")]).keys() == {"complete"}
    assert challenge_buttons("Payment received", [button("Continue to the shop")]) == {}


def test_customer_error_is_a_test_failure_that_pickles_with_its_page():
    error = CustomerError("no card number field on the hosted page https://p.example/",
                          url="https://p.example/", html="<p>x</p>", screenshot=b"\x89PNG")
    assert isinstance(error, AssertionError) and isinstance(error, SknPayHarnessError)
    copy = pickle.loads(pickle.dumps(error))
    assert (str(copy), copy.url, copy.html, copy.screenshot, copy.aria_snapshot) == (
        str(error), "https://p.example/", "<p>x</p>", b"\x89PNG", None)


def test_make_customer_refuses_an_unknown_kind():
    with pytest.raises(ConfigError, match="unknown customer driver 'robot': choose one of form, browser"):
        make_customer("robot")


def test_pay_refuses_an_unknown_challenge_answer():
    with make_customer() as customer, pytest.raises(ValueError, match="challenge must be"):
        customer.pay("https://p.example/", "4111", challenge="maybe")


def test_the_form_driver_needs_no_playwright(child_env):
    import subprocess
    import sys

    code = ("import sys; sys.modules['playwright'] = None\n"
            "from sknpay_harness.customer import make_customer\n"
            "make_customer('form').close()\n"
            "assert 'playwright.sync_api' not in sys.modules")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False,
                          timeout=60, env=child_env())
    assert done.returncode == 0, done.stderr
