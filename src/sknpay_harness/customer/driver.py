"""What a customer does on a hosted page, whatever drives it.

:class:`Customer` is the interface; :class:`Driver` holds the one visit both
drivers make (open, find the card form, fill, submit, answer a challenge,
read the outcome) over two primitives each driver implements: open a URL,
submit a form.
"""

from __future__ import annotations

import contextlib
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator
from typing import Protocol

from ..errors import CustomerError
from .entry import Card, NoOption, fill_values
from .fields import card_form, found_fields
from .journey import MAX_CHALLENGE_STEPS, Journey, what_was_there
from .outcome import CheckoutOutcome, Outcome
from .page import Button, HtmlPage, choose_submit
from .verdict import COMPLETE, FAIL, after_submit, challenge_buttons, on_opening

# attach(name, body, mime type): how a driver hands evidence to a report.
Attach = Callable[[str, "str | bytes", str], None]
CHALLENGE_CHOICES = (COMPLETE, FAIL, None)
_BUTTON_WORDS = {COMPLETE: "Complete / Authorize / Confirm", FAIL: "Fail / Deny / Cancel"}


class Customer(Protocol):
    """A customer on a payment's hosted page."""

    kind: str

    def pay(self, url: str, card: str | Card, *, expiry: str = "12/34", csc: str = "123",
            name: str = "Test Customer", challenge: str | None = COMPLETE,
            success_url: str | None = None) -> CheckoutOutcome:
        """Open ``url``, pay with ``card``, answer a 3-D Secure challenge as told
        (``"complete"``, ``"fail"``, or None to stop at it), and report what
        it met. ``success_url``: the payment's, when known; a redirect there
        is recorded and not fetched (unknown: any redirect off the hosted
        page's origin is). Raises CustomerError when it cannot do its part."""
        ...

    def look(self, url: str, *, success_url: str | None = None) -> CheckoutOutcome:
        """Open ``url`` without paying: PAYABLE (a card form), INACTIVE or UNKNOWN."""
        ...

    def close(self) -> None:
        ...


class Driver(ABC):
    """The visit, over :meth:`_open` and :meth:`_submit`."""

    kind = "driver"

    def __init__(self, attach: Attach | None = None) -> None:
        self._attach = attach

    # -- the two primitives -------------------------------------------------
    @abstractmethod
    def _open(self, journey: Journey, url: str) -> HtmlPage | None:
        """GET ``url`` as a customer; None when it sends the customer back to the merchant."""

    @abstractmethod
    def _submit(self, journey: Journey, page: HtmlPage, form: int | None, fills: dict[int, str],
                submitter: Button | None) -> HtmlPage | None:
        """Fill ``fills`` (control index -> value) and submit ``form`` with
        ``submitter``; the page that answers, or None when it leaves (recorded)."""

    @contextlib.contextmanager
    def _visit(self) -> Iterator[None]:
        """Around one pay/look (the browser opens a fresh context here)."""
        yield

    def _evidence(self, error: CustomerError) -> None:
        """Add what this driver can show of the failing page to ``error``
        (the form driver has nothing more than the HTML already there)."""
        return None

    @abstractmethod
    def close(self) -> None:
        """Release what the driver holds."""

    # -- the visit ----------------------------------------------------------
    def pay(self, url: str, card: str | Card, *, expiry: str = "12/34", csc: str = "123",
            name: str = "Test Customer", challenge: str | None = COMPLETE,
            success_url: str | None = None) -> CheckoutOutcome:
        details = card if isinstance(card, Card) else Card(card, expiry, csc, name)
        if challenge not in CHALLENGE_CHOICES:
            raise ValueError(f"challenge must be 'complete', 'fail' or None, got {challenge!r}")
        journey = Journey(self.kind, success_url)
        with self._visit(), self._reporting():
            return self._pay(journey, url, details, challenge)

    def look(self, url: str, *, success_url: str | None = None) -> CheckoutOutcome:
        journey = Journey(self.kind, success_url)
        with self._visit(), self._reporting():
            page = self._open(journey, url)
            if page is None:
                return journey.end(Outcome.INACTIVE)
            found = card_form(page.controls)
            if found is not None:
                journey.fields = found_fields(found[1])
            return journey.end(on_opening(page.status, page.text, found is not None))

    def _pay(self, journey: Journey, url: str, card: Card, challenge: str | None) -> CheckoutOutcome:
        page = self._open(journey, url)
        if page is None:  # sent away before any form: the link takes no payment
            return journey.end(Outcome.INACTIVE)
        found = card_form(page.controls)
        if found is None:
            if on_opening(page.status, page.text, False) is Outcome.INACTIVE:
                return journey.end(Outcome.INACTIVE)
            raise journey.failure(f"no card number field on the hosted page {page.url}",
                                  what_was_there(page))
        form, fields = found
        journey.on_card_page(page)
        journey.fields = found_fields(fields)
        try:
            fills = fill_values(fields, card)
        except NoOption as error:
            raise journey.failure(f"cannot fill the card form on {page.url}",
                                  [str(error), *what_was_there(page)]) from None
        answer = self._submit(journey, page, form, fills, choose_submit(page, form))
        failing = False
        for _ in range(MAX_CHALLENGE_STEPS + 1):
            if answer is None:
                return journey.end(Outcome.PAID)  # sent to the merchant's success_url
            buttons = challenge_buttons(answer.text, answer.buttons) if card_form(
                answer.controls) is None else {}
            if not buttons:
                break
            journey.challenged = True
            if challenge is None:
                return journey.end(Outcome.CHALLENGE_PENDING)
            button = buttons.get(challenge)
            if button is None:
                words = "; ".join(f'"{b.text}"' for b in answer.buttons) or "none"
                raise journey.failure(f"no button to {challenge} the 3-D Secure challenge on "
                                      f"{answer.url}",
                                      [f"buttons: {words}",
                                       f"looked for words such as {_BUTTON_WORDS[challenge]}"])
            failing = challenge == FAIL
            answer = self._submit(journey, answer, button.form, {}, button)
        else:
            raise journey.failure(f"more than {MAX_CHALLENGE_STEPS} challenge steps on the "
                                  "hosted page", [])
        outcome = after_submit(answer.status, answer.text, answer.alerts,
                               card_form(answer.controls) is not None)
        if failing and outcome in (Outcome.DECLINED, Outcome.INACTIVE):
            outcome = Outcome.CHALLENGE_FAILED
        return journey.end(outcome)

    @contextlib.contextmanager
    def _reporting(self) -> Iterator[None]:
        try:
            yield
        except CustomerError as error:
            self._evidence(error)
            if self._attach is not None:
                if error.html:
                    self._attach("hosted page (the customer failed here)", error.html, "text/html")
                if error.screenshot:
                    self._attach("hosted page screenshot", error.screenshot, "image/png")
                if error.aria_snapshot:
                    self._attach("hosted page accessibility snapshot", error.aria_snapshot,
                                 "text/yaml")
            raise

    def __enter__(self) -> Driver:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
