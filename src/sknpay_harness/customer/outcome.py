"""What the customer met on the hosted page: the outcome, the redirect, the pages."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from urllib.parse import parse_qs, urlsplit

from .fields import FieldFound


class Outcome(enum.StrEnum):
    """How a visit to the hosted page ended (a ``str``: compares to ``"paid"``)."""

    PAID = "paid"  # sent to success_url, or a page that says so
    DECLINED = "declined"  # the card was refused; the form is offered again
    CHALLENGE_FAILED = "challenge_failed"  # the customer failed 3-D Secure on purpose
    CHALLENGE_PENDING = "challenge_pending"  # a challenge was shown and left unanswered
    INACTIVE = "inactive"  # the link takes no payment: canceled, expired, paid, unknown
    PAYABLE = "payable"  # only looked: the page offers a card form
    UNKNOWN = "unknown"  # none of the above: read the pages


@dataclass(frozen=True)
class PageSeen:
    """One response the customer received (a redirect has no words)."""

    method: str
    url: str
    status: int
    title: str = ""
    excerpt: str = ""

    def __str__(self) -> str:
        title = f" {self.title!r}" if self.title else ""
        excerpt = f": {self.excerpt}" if self.excerpt else ""
        return f"{self.method} {self.url} -> {self.status}{title}{excerpt}"


@dataclass(frozen=True)
class CheckoutOutcome:
    """The report of one visit.

    ``status``: the last status code received from the hosted side (303 when it
    sent the customer to success_url). ``redirect``: the merchant URL the page
    sent the customer to, recorded and never fetched. ``message``: what the
    last page flagged (an error, role=alert). ``html``: the last page, for a
    report (never in the repr)."""

    outcome: Outcome
    status: int
    driver: str
    redirect: str | None = None
    pages: tuple[PageSeen, ...] = ()
    fields: tuple[FieldFound, ...] = ()
    challenged: bool = False
    message: str = ""
    html: str = field(default="", repr=False)

    @property
    def payment_id(self) -> str | None:
        """The ``payment_id`` the redirect carries (API notes: appended to success_url)."""
        if self.redirect is None:
            return None
        values = parse_qs(urlsplit(self.redirect).query).get("payment_id")
        return values[-1] if values else None

    @property
    def last_page(self) -> PageSeen | None:
        return self.pages[-1] if self.pages else None

    def describe(self) -> str:
        """Several lines for a report or an assertion message."""
        lines = [f"customer ({self.driver} driver): {self.outcome.value}, last status {self.status}"
                 + (", after a 3-D Secure challenge" if self.challenged else "")]
        if self.redirect:
            lines.append(f"  redirect (not fetched): {self.redirect}")
        if self.message:
            lines.append(f"  the page said: {self.message}")
        if self.fields:
            lines.append("  fields found: " + "; ".join(str(f) for f in self.fields))
        lines += [f"  {i}. {page}" for i, page in enumerate(self.pages, 1)]
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.describe()
