"""The customer on a payment's hosted page: two drivers behind one interface.

``form`` (the default) speaks HTTP with httpx and reads the page with lxml;
``browser`` drives Debian's Chromium with Playwright, for pages that need
JavaScript. Both find the card fields the way browsers' autofill does (the
autocomplete tokens ``cc-number``, ``cc-exp``, ``cc-csc``, then labels),
never by a page's ids or names, and report a :class:`CheckoutOutcome`::

    with make_customer("form") as customer:
        outcome = customer.pay(payment["url"], "4111 1111 1111 1111",
                               success_url=payment["success_url"])
    assert outcome.outcome == "paid", outcome.describe()

Library code: no pytest here (the plugin's ``sknpay_customer`` fixture wires it).
"""

from __future__ import annotations

import httpx

from ..errors import ConfigError, CustomerError
from .driver import Attach, Customer, Driver
from .entry import Card
from .fields import FieldFound
from .form import FormCustomer
from .outcome import CheckoutOutcome, Outcome, PageSeen
from .verdict import COMPLETE, FAIL

KINDS = ("form", "browser")
DEFAULT_KIND = "form"

__all__ = [
    "COMPLETE",
    "DEFAULT_KIND",
    "FAIL",
    "KINDS",
    "Attach",
    "Card",
    "CheckoutOutcome",
    "Customer",
    "CustomerError",
    "Driver",
    "FieldFound",
    "FormCustomer",
    "Outcome",
    "PageSeen",
    "make_customer",
]


def make_customer(kind: str = DEFAULT_KIND, *, client: httpx.Client | None = None,
                  transport: httpx.BaseTransport | None = None,
                  attach: Attach | None = None, timeout: float = 10.0,
                  executable: str | None = None) -> Driver:
    """A customer of the ``kind`` named (``form`` or ``browser``).

    ``client`` / ``transport``: the form driver's HTTP (a client is used as
    it is and left open; a transport gets a client of its own). ``attach(name,
    body, mime)``: receives the evidence when the customer fails (the page's
    HTML; the browser adds a screenshot and an accessibility snapshot).
    ``timeout``: seconds per request or browser action. ``executable``: the
    browser driver's Chromium (default: ``chromium`` on PATH). Close it (or
    use ``with``) when done: the browser driver holds a Chromium."""
    if kind == "form":
        return FormCustomer(client, transport=transport, attach=attach, timeout=timeout)
    if kind == "browser":
        from .browser import BrowserCustomer  # Playwright only when asked for

        return BrowserCustomer(executable=executable, attach=attach, timeout=timeout)
    raise ConfigError(f"unknown customer driver {kind!r}: choose one of {', '.join(KINDS)}")

