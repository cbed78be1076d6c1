"""The hosted page in a real headless Chromium (Debian's ``chromium``), driven
by Playwright for Python with the system browser: pay with the test card and
land on success_url; a declined card shows an error and the form again; a
canceled link says it is no longer active (screenshot kept under reports/)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

sync_api = pytest.importorskip(
    "playwright.sync_api",
    reason="playwright is not installed (pip install -e '.[browser]')")

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
if not Path(CHROMIUM).exists():
    pytest.skip("no system Chromium at /usr/bin/chromium (apt-get install chromium)",
                allow_module_level=True)

ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "reports" / "screenshots"
TEST_CARD = "4111 1111 1111 1111"


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS,
                                              headless=True)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser):
    context = browser.new_context()
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


def create(stack, **extra) -> dict:
    with stack.client() as client:
        answer = client.post("/payments", json={"amount": 1000, "currency": "USD",
                                                "description": "Browser test", **extra})
    assert answer.status_code == 200, answer.text
    return answer.json()


def test_test_card_pays_and_lands_on_success_url(mock_stack, httpserver, page):
    httpserver.expect_request("/thanks").respond_with_data(
        "<h1 id='thanks'>Thanks for your order</h1>", content_type="text/html")
    payment = create(mock_stack, success_url=httpserver.url_for("/thanks"))
    page.goto(payment["url"])
    assert "10.00 USD" in page.inner_text("#amount")
    page.fill("#card_number", TEST_CARD)
    page.click("#pay")
    page.wait_for_selector("#thanks")
    assert page.url == httpserver.url_for("/thanks") + f"?payment_id={payment['id']}"
    with mock_stack.client() as client:
        assert client.get(f"/payments/{payment['id']}").json()["status"] == "succeeded"
    mock_stack.event("payment.succeeded", payment["id"])


def test_test_card_without_success_url_shows_payment_received(mock_stack, page):
    payment = create(mock_stack)
    page.goto(payment["url"])
    page.fill("#card_number", TEST_CARD)
    page.click("#pay")
    assert page.inner_text("#success") == "Payment received"


def test_declined_card_shows_the_error_and_the_form_again(mock_stack, page):
    payment = create(mock_stack)
    page.goto(payment["url"])
    page.fill("#card_number", "4242 4242 4242 4242")
    page.click("#pay")
    assert "declined" in page.inner_text("[role=alert]")
    page.fill("#card_number", TEST_CARD)  # the link stays open: retry works
    page.click("#pay")
    assert page.inner_text("#success") == "Payment received"


def test_canceled_link_says_no_longer_active(mock_stack, page):
    payment = create(mock_stack)
    with mock_stack.client() as client:
        client.post(f"/payments/{payment['id']}/cancel")
    response = page.goto(payment["url"])
    assert response is not None and response.status == 200
    assert page.inner_text("#notice") == "This payment link is no longer active."
    assert page.locator("#card_number").count() == 0
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "hosted-page-canceled.png"), full_page=True)
