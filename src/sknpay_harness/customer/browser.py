"""The browser driver: a customer in Debian's Chromium, driven by Playwright.

For hosted pages that need JavaScript. It reads the live DOM: each control's
labels as the browser associates them (``el.labels``), its form, whether it
is visible; the same matcher as the form driver then picks the card fields.
It launches the system ``chromium`` (never ``playwright install``), once,
on first use; each visit gets a fresh browser context.

A navigation back to the merchant is recorded, not fetched: every navigation
request goes through a route that fetches the hosted side without following
redirects, and answers a redirect to the merchant with a stub page.
On failure it adds a screenshot and an accessibility snapshot to the error.
"""

from __future__ import annotations

import contextlib
import dataclasses
import shutil
from collections.abc import Iterator
from typing import Any
from urllib.parse import urljoin

from ..errors import ConfigError, CustomerError
from . import page as html_page
from .driver import Attach, Driver
from .fields import Control, card_form
from .journey import Journey
from .verdict import challenge_buttons

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
CONTROLS = "input, select, textarea"
BUTTONS = "button, input[type=submit], input[type=image]"
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_BODY_TEXT = "() => document.body ? document.body.innerText : ''"
_CHANGED = ("before => !window.__sknpayWaiting || "
            "(document.body ? document.body.innerText : '') !== before")
_LEFT = ("<!doctype html><title>Back to the merchant</title><p>The hosted page sent the "
         "customer to the merchant; sknpay-harness recorded the redirect and did not fetch it.</p>")

# One pass over a frame's DOM: its controls and submit buttons, as fields.py
# and page.py describe them (a label's words leave out the controls it wraps).
_SCAN = """([controlsSelector, buttonsSelector]) => {
  const forms = Array.from(document.forms);
  const words = (text) => (text || '').replace(/\\s+/g, ' ').trim();
  const labelWords = (label) => {
    const copy = label.cloneNode(true);
    copy.querySelectorAll('input, select, textarea, button').forEach((n) => n.remove());
    return words(copy.textContent);
  };
  const visible = (el) => el.checkVisibility ? el.checkVisibility()
    : !!(el.offsetWidth || el.offsetHeight || el.getClientRects().length);
  const formOf = (el) => (el.form ? forms.indexOf(el.form) : null);
  const controls = Array.from(document.querySelectorAll(controlsSelector)).map((el, index) => {
    const labels = Array.from(el.labels || []).map(labelWords);
    for (const id of (el.getAttribute('aria-labelledby') || '').split(/\\s+/).filter(Boolean)) {
      const ref = document.getElementById(id);
      labels.push(ref ? words(ref.textContent) : '');
    }
    for (const name of ['aria-label', 'placeholder', 'title']) labels.push(el.getAttribute(name) || '');
    return {
      index, tag: el.tagName.toLowerCase(),
      type: el.tagName === 'INPUT' ? (el.getAttribute('type') || '').toLowerCase() : '',
      name: el.getAttribute('name') || '', autocomplete: el.getAttribute('autocomplete') || '',
      labels: labels.filter((t) => t.trim()), form: formOf(el), visible: visible(el),
      options: el.tagName === 'SELECT' ? Array.from(el.options).map((o) => [o.value, words(o.text)]) : [],
      maxLength: el.maxLength > 0 ? el.maxLength : null,
    };
  });
  const buttons = [];
  Array.from(document.querySelectorAll(buttonsSelector)).forEach((el, index) => {
    if (el.type !== 'submit' && el.type !== 'image') return;
    if (!visible(el)) return;
    buttons.push({index, text: words(el.tagName === 'BUTTON' ? el.innerText : '') || el.value
                  || el.getAttribute('aria-label') || el.getAttribute('alt') || '',
                  name: el.name || '', value: el.value || '', form: formOf(el)});
  });
  return {controls, buttons, text: words(document.body ? document.body.innerText : '')};
}"""


class BrowserCustomer(Driver):
    """Pays on a hosted page in a headless Chromium.

    ``executable``: the Chromium to launch (default: ``chromium`` on PATH,
    Debian's). ``timeout``: seconds for each navigation and action.
    Playwright's sync API allows one at a time in a thread: share one.
    ``attach(name, body, mime)``: called on failure with the page's HTML, a
    PNG screenshot and the accessibility snapshot."""

    kind = "browser"

    def __init__(self, *, executable: str | None = None, attach: Attach | None = None,
                 timeout: float = 10.0, headless: bool = True) -> None:
        super().__init__(attach)
        try:
            from playwright.sync_api import Error, sync_playwright
            from playwright.sync_api import TimeoutError as PlaywrightTimeout
        except ImportError:
            raise ConfigError("the browser customer needs Playwright for Python: "
                              "pip install -e '.[browser]' (it uses the system Chromium; "
                              "never 'playwright install')") from None
        found = executable or shutil.which("chromium") or shutil.which("chromium-browser")
        if not found:
            raise ConfigError("the browser customer needs Debian's Chromium: apt-get install "
                              "chromium (no 'chromium' on PATH)")
        self.executable = found
        self._sync_playwright, self._error, self._timeout_error = (sync_playwright, Error,
                                                                  PlaywrightTimeout)
        self._timeout_ms, self._headless = timeout * 1000, headless
        self._playwright: Any = None
        self._browser: Any = None
        self._page: Any = None
        self._frame: Any = None
        self._journey: Journey | None = None
        self._statuses: dict[Any, tuple[str, int]] = {}  # frame -> its document's (method, status)

    def close(self) -> None:
        if self._browser is not None:
            self._browser.close()
            self._browser = None
        if self._playwright is not None:
            self._playwright.stop()
            self._playwright = None

    @contextlib.contextmanager
    def _visit(self) -> Iterator[None]:
        if self._browser is None:
            try:
                self._playwright = self._sync_playwright().start()
            except self._error as error:
                if "asyncio loop" not in str(error):
                    raise
                raise ConfigError("the browser customer cannot start Playwright here: its sync "
                                  "API runs one at a time in a thread, outside any asyncio loop "
                                  "(close the other browser customer, or share it)") from None
            self._browser = self._playwright.chromium.launch(
                executable_path=self.executable, args=CHROMIUM_ARGS, headless=self._headless)
        context = self._browser.new_context()
        try:
            self._page = context.new_page()
            self._page.set_default_timeout(self._timeout_ms)
            self._page.route("**/*", self._route)
            self._page.on("response", self._on_response)
            yield
        finally:
            self._page = self._frame = self._journey = None
            self._statuses.clear()
            context.close()

    # -- the two primitives -------------------------------------------------
    def _open(self, journey: Journey, url: str) -> html_page.HtmlPage | None:
        self._journey = journey
        response = self._page.goto(url)
        return self._read(journey, response.status if response is not None else 0, "GET")

    def _submit(self, journey: Journey, page: html_page.HtmlPage, form: int | None,
                fills: dict[int, str], submitter: html_page.Button | None
                ) -> html_page.HtmlPage | None:
        frame = self._frame
        controls = frame.locator(CONTROLS)
        for index, value in fills.items():
            if page.controls[index].tag == "select":
                controls.nth(index).select_option(value)
            else:
                controls.nth(index).fill(value)
        # Done when the frame's document is replaced (the mark is gone) or its words
        # change in place (a script answered): no fixed wait, no navigation assumed.
        frame.evaluate("() => { window.__sknpayWaiting = true; }")
        before = frame.evaluate(_BODY_TEXT)
        self._statuses.pop(frame, None)
        if submitter is not None:
            frame.locator(BUTTONS).nth(submitter.index).click()
        else:  # no button: Enter in the first filled field (implicit submission)
            controls.nth(next(iter(fills))).press("Enter")
        with contextlib.suppress(self._timeout_error, self._error):  # timed out: read it as it is
            frame.wait_for_function(_CHANGED, arg=before, timeout=self._timeout_ms, polling=50)
        if frame not in self._statuses:
            # No new document: a script changed this one; let its requests finish.
            with contextlib.suppress(self._timeout_error):
                self._page.wait_for_load_state("networkidle", timeout=self._timeout_ms)
        method, status = self._statuses.get(frame, ("(script)", page.status))
        return self._read(journey, status, method)

    # -- reading -------------------------------------------------------------
    def _read(self, journey: Journey, status: int, method: str) -> html_page.HtmlPage | None:
        if journey.redirect is not None:
            return None  # the route recorded the way back to the merchant
        self._page.wait_for_load_state()
        main = self._page.main_frame
        scans = []
        for frame in [main, *(f for f in self._page.frames if f is not main)]:
            with contextlib.suppress(self._error):  # a frame detached meanwhile
                scans.append((frame, frame.evaluate(_SCAN, [CONTROLS, BUTTONS])))
        frame, scan = _pick(scans)
        self._frame = frame
        page = html_page.read(main.content(), self._page.url, status)
        text = scan["text"] if frame is main else f"{page.text} {scan['text']}"
        page = dataclasses.replace(page, text=text, controls=_controls(scan), buttons=_buttons(scan))
        journey.saw(page, method)
        return page

    def _on_response(self, response: Any) -> None:
        request = response.request
        if request.is_navigation_request():
            self._statuses[request.frame] = (request.method, response.status)

    def _route(self, route: Any) -> None:
        """Every request: a navigation back to the merchant is recorded and
        answered with a stub; the hosted side's redirects are looked at first."""
        request, journey = route.request, self._journey
        if journey is None or not request.is_navigation_request():
            route.fallback()
            return
        if journey.leaves(request.url):
            journey.left(request.url)
            route.fulfill(status=200, content_type="text/html", body=_LEFT)
            return
        try:
            response = route.fetch(max_redirects=0)
        except self._error:
            route.fallback()  # let the browser meet the network error itself
            return
        location = response.headers.get("location")
        if response.status in _REDIRECTS and location:
            target = urljoin(request.url, location)
            journey.saw_redirect(request.method, request.url, response.status, target)
            if journey.leaves(target):
                journey.left(target)
                route.fulfill(status=200, content_type="text/html", body=_LEFT)
                return
        route.fulfill(response=response)

    def _evidence(self, error: CustomerError) -> None:
        if self._page is None:
            return
        with contextlib.suppress(self._error):
            error.html = self._page.content()
        with contextlib.suppress(self._error):
            error.screenshot = self._page.screenshot(full_page=True)
        with contextlib.suppress(self._error):
            error.aria_snapshot = self._page.locator("body").aria_snapshot()


def _controls(scan: dict[str, Any]) -> tuple[Control, ...]:
    return tuple(Control(index=c["index"], tag=c["tag"], type=c["type"], name=c["name"],
                         autocomplete=c["autocomplete"], labels=tuple(c["labels"]), form=c["form"],
                         visible=c["visible"], options=tuple(tuple(o) for o in c["options"]),
                         max_length=c["maxLength"]) for c in scan["controls"])


def _buttons(scan: dict[str, Any]) -> tuple[html_page.Button, ...]:
    return tuple(html_page.Button(b["index"], b["text"], b["name"], b["value"], b["form"])
                 for b in scan["buttons"])


def _pick(scans: list[tuple[Any, dict[str, Any]]]) -> tuple[Any, dict[str, Any]]:
    """The frame to act in: the first with a card form, else the first with a
    challenge, else the main frame (a 3-D Secure step often sits in a frame)."""
    for frame, scan in scans:
        if card_form(_controls(scan)) is not None:
            return frame, scan
    for frame, scan in scans:
        if challenge_buttons(scan["text"], _buttons(scan)):
            return frame, scan
    return scans[0]
