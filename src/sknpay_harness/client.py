"""The SKN Pay API client, on one long-lived httpx.Client.

Building an httpx.Client costs ~20 ms (its SSL context), so one client serves
a whole test session and keeps its connections alive. The transport is
injectable (tests use httpx.MockTransport or a WSGI transport). Every call
returns an :class:`Exchange`: the redacted record of what went over the wire,
which the reports attach and failure messages quote.
"""

from __future__ import annotations

import json
import shlex
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx

from .errors import TransportError
from .redaction import Redactor

ExchangeObserver = Callable[["Exchange"], None]
_BODY_LIMIT = 64 * 1024  # what an Exchange keeps of a body, for reports


@dataclass(frozen=True)
class Exchange:
    """One request and its response, with secrets already masked."""

    method: str
    url: str
    request_headers: Mapping[str, str]
    request_body: str | None
    status: int
    response_headers: Mapping[str, str]
    response_body: str
    elapsed_ms: float
    curl: str
    _json: Any = field(default=None, repr=False, compare=False)

    def json(self) -> Any:
        """The response body parsed as JSON; AssertionError if it is not JSON."""
        if self._json is not None:
            return self._json
        try:
            return json.loads(self.response_body)
        except ValueError:
            raise AssertionError(
                f"{self.method} {self.url} answered {self.status} with a body that is not JSON: "
                f"{self.response_body[:300]!r}"
            ) from None

    def summary(self) -> str:
        return f"{self.method} {self.url} -> {self.status} ({self.elapsed_ms:.1f} ms)"

    def as_report(self) -> dict[str, Any]:
        return {
            "request": {
                "method": self.method,
                "url": self.url,
                "headers": dict(self.request_headers),
                "body": self.request_body,
            },
            "response": {
                "status": self.status,
                "headers": dict(self.response_headers),
                "body": self.response_body,
            },
            "elapsed_ms": round(self.elapsed_ms, 3),
            "curl": self.curl,
        }


class SknPayClient:
    """Create, retrieve and cancel payments; fetch hosted pages.

    ``api_key`` is sent as a Bearer token on API calls only, never to the
    hosted page (that is the customer's browser's request).
    """

    def __init__(
        self,
        base_url: str,
        api_key: str,
        *,
        timeout: float = 10.0,
        transport: httpx.BaseTransport | None = None,
        redactor: Redactor | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self._api_key = api_key
        self._redactor = redactor or Redactor([api_key])
        self._observers: list[ExchangeObserver] = []
        self._http = httpx.Client(timeout=timeout, transport=transport, follow_redirects=False)

    def __repr__(self) -> str:
        return f"SknPayClient(base_url={self.base_url!r})"

    # -- observers ---------------------------------------------------------
    def add_observer(self, observer: ExchangeObserver) -> None:
        self._observers.append(observer)

    def remove_observer(self, observer: ExchangeObserver) -> None:
        self._observers.remove(observer)

    # -- API ---------------------------------------------------------------
    def create_payment(
        self, body: Mapping[str, Any], *, idempotency_key: str | None = None
    ) -> Exchange:
        headers = {"Idempotency-Key": idempotency_key} if idempotency_key else {}
        return self.request("POST", "/payments", json_body=body, headers=headers)

    def retrieve_payment(self, payment_id: str) -> Exchange:
        return self.request("GET", f"/payments/{payment_id}")

    def cancel_payment(self, payment_id: str) -> Exchange:
        return self.request("POST", f"/payments/{payment_id}/cancel")

    def hosted_page(self, url: str) -> Exchange:
        """GET the payment's hosted page as a customer's browser would (no key)."""
        return self._send("GET", url, headers={"Accept": "text/html"}, content=None)

    def request(
        self,
        method: str,
        path: str,
        *,
        json_body: Any = None,
        content: bytes | None = None,
        headers: Mapping[str, str] | None = None,
        auth: str | None = "default",
    ) -> Exchange:
        """Send an API request. ``auth``: "default" (the key), None (no header),
        or a literal Authorization value (for auth contract tests)."""
        all_headers = {"Accept": "application/json", **(headers or {})}
        if auth == "default":
            all_headers["Authorization"] = f"Bearer {self._api_key}"
        elif auth is not None:
            all_headers["Authorization"] = auth
        if json_body is not None:
            content = json.dumps(json_body, separators=(",", ":")).encode()
            all_headers.setdefault("Content-Type", "application/json")
        return self._send(method, self.base_url + path, headers=all_headers, content=content)

    def close(self) -> None:
        self._http.close()

    # -- internals ---------------------------------------------------------
    def _send(
        self, method: str, url: str, *, headers: Mapping[str, str], content: bytes | None
    ) -> Exchange:
        started = time.perf_counter()
        try:
            response = self._http.request(method, url, headers=headers, content=content)
        except httpx.TransportError as exc:
            raise TransportError(
                f"{method} {self._redactor.text(url)} failed: {type(exc).__name__}: "
                f"{self._redactor.text(str(exc))}"
            ) from None
        elapsed_ms = (time.perf_counter() - started) * 1000
        exchange = self._record(method, url, headers, content, response, elapsed_ms)
        for observer in self._observers:
            observer(exchange)
        return exchange

    def _record(
        self,
        method: str,
        url: str,
        headers: Mapping[str, str],
        content: bytes | None,
        response: httpx.Response,
        elapsed_ms: float,
    ) -> Exchange:
        r = self._redactor
        request_body = None if content is None else r.text(content[:_BODY_LIMIT].decode("utf-8", "replace"))
        return Exchange(
            method=method,
            url=r.text(url),
            request_headers=r.headers(headers),
            request_body=request_body,
            status=response.status_code,
            response_headers=r.headers(dict(response.headers)),
            response_body=r.text(response.content[:_BODY_LIMIT].decode("utf-8", "replace")),
            elapsed_ms=elapsed_ms,
            curl=curl_line(method, r.text(url), headers, request_body),
        )


def curl_line(method: str, url: str, headers: Mapping[str, str], body: str | None) -> str:
    """A ready-to-paste curl command that reads the key from $SKNPAY_API_KEY."""
    parts = ["curl", "-sS", "-X", method, shlex.quote(url)]
    for name, value in headers.items():
        if name.lower() == "authorization":
            if value.startswith("Bearer "):
                parts += ["-H", '"Authorization: Bearer $SKNPAY_API_KEY"']
            continue  # a deliberately odd auth value is not worth leaking
        parts += ["-H", shlex.quote(f"{name}: {value}")]
    if body is not None:
        parts += ["--data-raw", shlex.quote(body)]
    return " ".join(parts)
