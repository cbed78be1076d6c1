"""The form driver: a customer on httpx and lxml, for hosted pages that are HTML forms.

It posts every successful control of the card form (hidden ones included) to
the form's action with the form's method, and follows redirects by hand so
the one back to the merchant is recorded, never fetched. No JavaScript: a
page that needs it wants the browser driver, and the failure says so.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import httpx

from ..errors import ConfigError
from . import page as html_page
from .driver import Attach, Driver
from .journey import MAX_REDIRECTS, Journey, what_was_there

_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_URLENCODED = "application/x-www-form-urlencoded"
# A browser's Accept, so a page that serves browsers serves us the same form.
_HEADERS = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
            "Accept-Language": "en"}


class FormCustomer(Driver):
    """Pays on a hosted page over HTTP.

    ``client``: the httpx.Client to use (its transport, proxies, event hooks
    and cookies apply; not closed here); else one is made on ``transport``
    (e.g. ``httpx.WSGITransport(app=...)``) and closed by :meth:`close`.
    ``attach(name, body, mime)``: called with the page's HTML when the
    customer fails, for the report."""

    kind = "form"

    def __init__(self, client: httpx.Client | None = None, *,
                 transport: httpx.BaseTransport | None = None, attach: Attach | None = None,
                 timeout: float = 10.0) -> None:
        super().__init__(attach)
        if client is not None and "authorization" in client.headers:
            # A customer holds no API key: the hosted page must never see it.
            raise ConfigError("the customer's httpx client sends an Authorization header; give "
                              "the customer a client of its own (a customer has no API key)")
        self._owns_client = client is None
        self._client = client or httpx.Client(transport=transport, timeout=timeout)

    def close(self) -> None:
        if self._owns_client:
            self._client.close()

    def _open(self, journey: Journey, url: str) -> html_page.HtmlPage | None:
        return self._go(journey, "GET", url)

    def _submit(self, journey: Journey, page: html_page.HtmlPage, form: int | None,
                fills: dict[int, str], submitter: html_page.Button | None
                ) -> html_page.HtmlPage | None:
        if form is None:
            raise journey.failure(f"the field to fill on {page.url} is in no <form>",
                                  [*what_was_there(page), "a page that posts with JavaScript "
                                   "needs the browser driver (--sknpay-customer browser)"])
        method, url, values, multipart = html_page.submission(page, form, fills, submitter)
        if method == "GET":  # the form's data replaces the action's query (HTML)
            return self._go(journey, "GET", str(httpx.URL(url).copy_with(query=None)),
                            params=values)
        if multipart:  # plain fields as parts without a file name
            return self._go(journey, method, url, files=[(k, (None, v)) for k, v in values])
        # Encoded here, not by httpx's data=: a form may repeat a name, and order matters.
        return self._go(journey, method, url, content=urlencode(values).encode("ascii"),
                        headers={**_HEADERS, "Content-Type": _URLENCODED})

    def _go(self, journey: Journey, method: str, url: str, **body: Any) -> html_page.HtmlPage | None:
        """One navigation: the request, then its redirects followed by hand.
        None when a redirect leaves for the merchant (recorded, not fetched)."""
        for _ in range(MAX_REDIRECTS + 1):
            request = self._client.build_request(method, url, **{"headers": _HEADERS, **body})
            response = self._client.send(request, follow_redirects=False)
            response.read()
            location = response.headers.get("location")
            if response.status_code in _REDIRECTS and location:
                target = str(response.url.join(location))
                journey.saw_redirect(method, str(response.url), response.status_code, target)
                if journey.leaves(target):
                    journey.left(target)
                    return None
                if response.status_code in (301, 302, 303):
                    method, body = "GET", {}  # as browsers do; 307/308 repeat the request
                url = target
                continue
            page = html_page.read(response.text, str(response.url), response.status_code)
            journey.saw(page, method)
            return page
        raise journey.failure(f"more than {MAX_REDIRECTS} redirects from {url}", [])
