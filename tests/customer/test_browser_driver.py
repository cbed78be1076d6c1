"""The browser driver (Playwright on Debian's Chromium): the standard checkout
and 3-D Secure on our mock, the foreign page, a page built by JavaScript
that the form driver cannot pay, and the evidence it attaches on failure."""

from __future__ import annotations

import shutil

import pytest
from werkzeug.wrappers import Response

from sknpay_harness import ConfigError, CustomerError
from sknpay_harness.cards import TEST_CARD, THREE_D_SECURE_CARD
from sknpay_harness.customer import make_customer
from sknpay_harness.serving import WsgiServer

from .foreign import Checkout

pytest.importorskip("playwright.sync_api",
                    reason="playwright is not installed (pip install -e '.[browser]')")
if shutil.which("chromium") is None:
    pytest.skip("no system Chromium on PATH (apt-get install chromium)", allow_module_level=True)


ATTACHED: list[tuple[str, object, str]] = []  # what the module's customer attached


@pytest.fixture(scope="module")
def browser_customer():
    """module · BrowserCustomer · one Chromium for the module (a fresh context per
    visit; Playwright's sync API allows one at a time in a thread)."""
    with make_customer("browser", timeout=10.0,
                       attach=lambda *item: ATTACHED.append(item)) as customer:
        yield customer


@pytest.fixture
def acme(shop):
    checkout = Checkout(merchant_url=shop.split("?")[0])
    with WsgiServer(checkout, name="acme-pay") as server:
        yield checkout, server.url


def test_standard_checkout_pays_and_records_the_redirect_not_fetched(mock, shop, browser_customer):
    payment = mock.create(success_url=shop)
    outcome = browser_customer.pay(payment["url"], TEST_CARD, success_url=shop)
    assert (outcome.outcome, outcome.driver, outcome.status) == ("paid", "browser", 303), (
        outcome.describe())
    assert outcome.redirect == f"{shop}&payment_id={payment['id']}"
    assert {f.purpose for f in outcome.fields} == {"cc-number", "cc-exp", "cc-csc"}
    assert mock.event("payment.succeeded", payment["id"])["data"]["object"]["status"] == "succeeded"


def test_declined_then_3ds_failed_then_3ds_completed(mock, shop, browser_customer):
    payment = mock.create(success_url=shop)
    declined = browser_customer.pay(payment["url"], "4242 4242 4242 4242", success_url=shop)
    assert (declined.outcome, declined.status) == ("declined", 402), declined.describe()
    failed = browser_customer.pay(payment["url"], THREE_D_SECURE_CARD, challenge="fail",
                                  success_url=shop)
    assert (failed.outcome, failed.challenged) == ("challenge_failed", True), failed.describe()
    assert mock.payment(payment["id"])["status"] == "open"
    paid = browser_customer.pay(payment["url"], THREE_D_SECURE_CARD, challenge="complete",
                                success_url=shop)
    assert (paid.outcome, paid.challenged, paid.payment_id) == ("paid", True, payment["id"]), (
        paid.describe())
    assert mock.event_types(payment["id"]) == ["payment.failed", "payment.failed",
                                               "payment.succeeded"]


def test_browser_pays_the_foreign_page(acme, browser_customer):
    checkout, url = acme
    outcome = browser_customer.pay(f"{url}/checkout/ord_50", TEST_CARD)
    assert outcome.outcome == "paid", outcome.describe()
    assert checkout.refused == [] and checkout.posts[0]["exp_y"] == ["2034"]


def test_browser_pays_a_page_built_by_javascript_and_reads_its_in_place_decline(acme, browser_customer):
    checkout, url = acme
    declined = browser_customer.pay(f"{url}/js/ord_51", "4242 4242 4242 4242")
    assert (declined.outcome, declined.message) == ("declined", "Card refused."), declined.describe()
    paid = browser_customer.pay(f"{url}/js/ord_51", TEST_CARD)
    assert (paid.outcome, paid.redirect) == ("paid", f"{checkout.merchant_url}?session=ord_51"), (
        paid.describe())
    assert {f.purpose: f.found_by for f in paid.fields} == {
        "cc-number": 'label "Card number"', "cc-exp": 'label "Expiry date"',
        "cc-csc": 'label "CVC"'}
    assert [p["card"] for p in checkout.posts] == [["4242 4242 4242 4242"], [TEST_CARD]]


def test_a_failure_attaches_a_screenshot_and_an_accessibility_snapshot(browser_customer):
    # (A threaded server: the driver fetches each navigation itself, beside Chromium's own
    # connection, which a one-thread server such as pytest-httpserver's would leave waiting.)
    page = Response("<h1>Checkout</h1><p>Call us to pay.</p>", content_type="text/html")
    ATTACHED.clear()
    with WsgiServer(page, name="no-form") as server, pytest.raises(CustomerError) as caught:
        browser_customer.pay(f"{server.url}/checkout", TEST_CARD)  # no card form there
    error = caught.value
    assert str(error).startswith(f"no card number field on the hosted page {server.url}/checkout")
    assert "Call us to pay." in error.html
    assert error.screenshot is not None and error.screenshot.startswith(b"\x89PNG")
    assert error.aria_snapshot
    assert [(name, mime) for name, _, mime in ATTACHED] == [
        ("hosted page (the customer failed here)", "text/html"),
        ("hosted page screenshot", "image/png"),
        ("hosted page accessibility snapshot", "text/yaml")]


def test_a_second_browser_customer_in_the_same_thread_is_a_clear_error(mock, browser_customer):
    browser_customer.look(f"{mock.server.url}/docs")  # the module's Chromium is running
    with make_customer("browser") as second, pytest.raises(ConfigError, match="one at a time"):
        second.look(f"{mock.server.url}/docs")
