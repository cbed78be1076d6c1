"""One visit as it happens: the pages met, where the customer leaves the site,
and the report it ends with. Both drivers keep one per ``pay``."""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlsplit

from ..errors import CustomerError
from .fields import NEEDED, FieldFound, describe_controls, found_fields, match_fields
from .outcome import CheckoutOutcome, Outcome, PageSeen
from .page import HtmlPage

MAX_REDIRECTS = 10
MAX_CHALLENGE_STEPS = 3


@dataclass
class Journey:
    """``success_url``: the payment's, when the caller knows it. The customer
    records a redirect there (or, not knowing it, any redirect off the hosted
    page's origin) and never fetches it: the merchant's page is not the
    hosted page's business, and may not even be reachable from a test."""

    driver: str
    success_url: str | None = None
    hosted_origin: str | None = None
    pages: list[PageSeen] = field(default_factory=list)
    fields: tuple[FieldFound, ...] = ()
    redirect: str | None = None
    challenged: bool = False
    last: HtmlPage | None = None

    def leaves(self, url: str) -> bool:
        """Whether a redirect to ``url`` sends the customer back to the merchant."""
        if self.success_url:
            return url.startswith(self.success_url) or _resource(url) == _resource(self.success_url)
        return self.hosted_origin is not None and _origin(url) != self.hosted_origin

    def saw(self, page: HtmlPage, method: str) -> None:
        self.pages.append(PageSeen(method, page.url, page.status, page.title, page.excerpt))
        self.last = page
        if self.hosted_origin is None:
            self.hosted_origin = _origin(page.url)

    def saw_redirect(self, method: str, url: str, status: int, location: str) -> None:
        self.pages.append(PageSeen(method, url, status, "", f"redirect to {location}"))

    def left(self, url: str) -> None:
        self.redirect = url

    def on_card_page(self, page: HtmlPage) -> None:
        """The card form's page defines the hosted origin (it may differ from
        the link's first URL, if that redirected)."""
        self.hosted_origin = _origin(page.url)

    def end(self, outcome: Outcome) -> CheckoutOutcome:
        last_status = self.pages[-1].status if self.pages else 0
        page = self.last
        message = "" if self.redirect or page is None else " ".join(page.alerts)
        return CheckoutOutcome(outcome=outcome, status=last_status, driver=self.driver,
                               redirect=self.redirect, pages=tuple(self.pages),
                               fields=self.fields, challenged=self.challenged,
                               message=message, html="" if page is None else page.html)

    def failure(self, symptom: str, details: list[str]) -> CustomerError:
        """A CustomerError whose first line is the symptom, then the details,
        then the pages met; the last page's HTML rides along."""
        page = self.last
        lines = [f"{symptom}", *(f"  {line}" for line in details)]
        lines += [f"  page {i}: {seen}" for i, seen in enumerate(self.pages, 1)]
        lines.append(f"  driver: {self.driver}; the last page's HTML is on the error (.html)")
        return CustomerError("\n".join(lines), url=None if page is None else page.url,
                             html=None if page is None else page.html)


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


def _resource(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower() + (parts.path.rstrip("/") or "/")


def what_was_there(page: HtmlPage) -> list[str]:
    """For a failure: what the customer needed, and what the page had."""
    found = [str(f) for f in found_fields(match_fields(page.controls))] or ["no card field"]
    lines = [f"needed: {NEEDED}",
             f"found: {'; '.join(found)}",
             f"controls: {describe_controls(page.controls)}",
             f"forms: {page.describe_forms()}"]
    if page.iframes:
        lines.append(f"iframes: {', '.join(page.iframes)} (card fields in a frame need the "
                     "browser driver)")
    if page.scripts and not page.forms:
        lines.append(f"the page runs {page.scripts} script(s) and has no form: it may build its "
                     "checkout with JavaScript (--sknpay-customer browser)")
    return lines
