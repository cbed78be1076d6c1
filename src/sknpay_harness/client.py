"""The SKN Pay API client, on one long-lived httpx.Client.

Building an httpx.Client costs ~20 ms (its SSL context), so one client serves
a whole test session and httpx's pool keeps its connections alive. Every
request goes through httpx's own client and transport, so a user's httpx
logging, event hooks and proxy settings (HTTP_PROXY, ...) apply. The transport
is injectable (tests use httpx.MockTransport or a WSGI transport). Every call
returns an :class:`Exchange`: the redacted record of what went over the wire,
which the reports attach and failure messages quote.

Every Exchange names its operation from the operations table
(operations.py). Transient faults (429, 5xx, connection errors, timeouts) are
retried under :class:`RequestRetries` when a repeat is safe: the operations
the table marks so (GETs, and cancels, idempotent by contract) and creates,
which always carry an ``Idempotency-Key`` so a retry can never make a second
payment. Every attempt is its own Exchange, so each retry shows in the report.
"""

from __future__ import annotations

import email.utils
import json
import math
import re
import shlex
import time
import uuid
from collections.abc import Callable, Generator, Mapping
from dataclasses import dataclass
from typing import Any

import httpcore  # noqa: F401  (see below)
import httpx

from . import operations
from .backoff import Backoff, pause
from .errors import ContractViolation, TransportError
from .operations import Operation
from .redaction import MASK, Redactor
from .secret import Secret
from .tls import shared_ssl_context

# httpx imports httpcore on first use. Imported with the plugin instead, it is
# loaded before any in-process pytester run, which restores sys.modules after
# itself: a copy first imported inside such a run would be dropped, and the next
# import would make new exception classes that httpx's mapping no longer knows.
ExchangeObserver = Callable[["Exchange"], None]
Pause = Callable[[float], None]
_BODY_LIMIT = 64 * 1024  # what an Exchange keeps of a body, for reports
_EXCERPT = 300  # characters of a page quoted in a failure


@dataclass(frozen=True)
class RetryDecision:
    delay: float
    reason: str


# A request is retried soon: 0.5 s, 1 s, 2 s ... at most 8 s between attempts.
REQUEST_BACKOFF = Backoff(initial=0.5, multiplier=2.0, maximum=8.0)


@dataclass(frozen=True)
class RequestRetries:
    """Which failures get another attempt, and how long to wait before it.

    Counts *retries*: ``retries`` extra attempts, so at most ``retries + 1``
    requests go out. Back-off doubles from 0.5 s up to 8 s; a ``Retry-After``
    (429, 503) is honoured as given, unless it asks for more than
    ``max_retry_after`` seconds (then the 429 is the answer).
    """

    retries: int = 3
    backoff: Backoff = REQUEST_BACKOFF
    max_retry_after: float = 60.0

    def decide(
        self, attempt: int, status: int | None, retry_after: str | None = None,
        *, now: float | None = None,
    ) -> RetryDecision | None:
        """What to do after attempt number ``attempt`` (1-based) ended with
        ``status`` (None: no answer at all); None means stop here."""
        if status is not None and not is_transient(status):
            return None
        if attempt > self.retries:
            return None
        backoff = self.backoff.delay(attempt)
        if status is None:
            return RetryDecision(backoff, "no answer")
        if retry_after is not None:  # sent with 429 and 503: the server says when
            wanted = parse_retry_after(retry_after, now=now)
            if wanted is not None:
                if wanted > self.max_retry_after:
                    return None
                return RetryDecision(wanted, f"HTTP {status}, Retry-After {retry_after.strip()}")
        return RetryDecision(backoff, f"HTTP {status}")


NO_RETRIES = RequestRetries(retries=0)


def is_transient(status: int) -> bool:
    """429 and the 5xx a retry can cure (not 501 Not Implemented / 505)."""
    return status == 429 or (500 <= status <= 599 and status not in (501, 505))


def parse_retry_after(value: str, *, now: float | None = None) -> float | None:
    """Seconds from a Retry-After header (delta-seconds or an HTTP date)."""
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        seconds = when.timestamp() - (time.time() if now is None else now)
    if not math.isfinite(seconds):
        return None
    return max(0.0, seconds)


class BearerKey(httpx.Auth):
    """``Authorization: Bearer <key>``, set by httpx on the request itself.

    The key is revealed inside the one expression that builds the header, so
    no frame of ours ever holds the clear key or a header dict with it in a
    local: a traceback with ``-l`` shows nothing to mask.
    """

    def __init__(self, key: Secret) -> None:
        self._key = key

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers["Authorization"] = "Bearer " + self._key.reveal()
        yield request

    def __repr__(self) -> str:
        return "BearerKey([REDACTED])"


@dataclass(frozen=True, repr=False)
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
    attempt: int = 1
    retry_in: float | None = None  # seconds until the next attempt; None: this is the answer
    retry_reason: str | None = None
    error: str | None = None  # a transport failure (status 0): no answer came
    # The operations table's name for this call (create_payment, hosted_page...);
    # None for a request to a path the table does not know.
    operation: str | None = None

    def __repr__(self) -> str:
        # One line: a failing assert's "where" lines quote it, never its bodies.
        return f"Exchange({self.summary()})"

    def json(self) -> Any:
        """The response body parsed as JSON; AssertionError if it is not JSON."""
        __tracebackhide__ = True
        try:
            return json.loads(self.response_body)
        except ValueError:
            raise AssertionError(
                f"{self.method} {self.url} answered {self.status} with a body that is not JSON: "
                f"{self.response_body[:300]!r}"
            ) from None

    def visible_text(self) -> str:
        """The response body as a reader sees it: tags, styles and scripts gone,
        whitespace collapsed."""
        return visible_text(self.response_body)

    def expect_text(self, text: str, expectation: str = "") -> None:
        """Raise ContractViolation unless the body shows ``text`` (any case).

        ``expectation`` is the promise in words, the failure's first line; the
        failure quotes what the page shows instead, never the raw HTML.
        """
        __tracebackhide__ = True
        if text.lower() in self.response_body.lower():
            return
        shown = self.visible_text()
        if len(shown) > _EXCERPT:
            shown = shown[:_EXCERPT - 3] + "..."
        raise ContractViolation(
            f"Contract violation: {expectation or f'the page should show {text!r}'}\n"
            f"  it shows: {shown or '(no text)'}\n"
            f"  in {self.summary()}")

    @property
    def curl(self) -> str:
        """A ready-to-paste curl command, built from this (redacted) record."""
        return curl_line(self.method, self.url, self.request_headers, self.request_body)

    @property
    def final(self) -> bool:
        """True unless the client retried after this attempt."""
        return self.retry_in is None

    def summary(self) -> str:
        answer = self.error or str(self.status)
        text = f"{self.method} {self.url} -> {answer} ({self.elapsed_ms:.1f} ms)"
        if self.attempt > 1:
            text += f" [attempt {self.attempt}]"
        if self.retry_in is not None:
            text += f" [{self.retry_reason}: retrying in {self.retry_in:g} s]"
        return text

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
            "attempt": self.attempt,
            "retry": None if self.retry_in is None else {
                "reason": self.retry_reason, "in_seconds": self.retry_in},
            "error": self.error,
            "operation": self.operation,
            "curl": self.curl,
        }


class SknPayClient:
    """Create, retrieve and cancel payments; fetch hosted pages.

    ``api_key`` is sent as a Bearer token on API calls only, never to the
    hosted page (that is the customer's browser's request). It is held as a
    :class:`Secret` and revealed only by :class:`BearerKey`, on the request.
    """

    def __init__(
        self,
        base_url: str,
        api_key: str | Secret,
        *,
        timeout: float = 10.0,
        transport: httpx.BaseTransport | None = None,
        redactor: Redactor | None = None,
        retry: RequestRetries = NO_RETRIES,
        pause: Pause = pause,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        key = Secret(api_key)
        self._auth = BearerKey(key)
        self._redactor = redactor or Redactor([key])
        self._observers: list[ExchangeObserver] = []
        self.retry = retry
        self._pause = pause
        # Merged into the metadata of every payment created (run and test
        # names on a shared sandbox account); see tagged().
        self.payment_tags: dict[str, str] = {}
        # Redirects are not followed: a 3xx is an answer the contract judges.
        self._http = httpx.Client(transport=transport, timeout=timeout, follow_redirects=False,
                                  verify=shared_ssl_context())

    def __repr__(self) -> str:
        return f"SknPayClient(base_url={self.base_url!r})"

    @property
    def http(self) -> httpx.Client:
        """The httpx.Client every request goes through: add event hooks here
        (``client.http.event_hooks["request"].append(fn)``)."""
        return self._http

    # -- observers ---------------------------------------------------------
    def add_observer(self, observer: ExchangeObserver) -> None:
        self._observers.append(observer)

    def remove_observer(self, observer: ExchangeObserver) -> None:
        self._observers.remove(observer)

    # -- API ---------------------------------------------------------------
    def create_payment(
        self, body: Mapping[str, Any], *, idempotency_key: str | None = None
    ) -> Exchange:
        """POST /payments. A fresh Idempotency-Key is sent when none is given, so
        a retried create replays the first answer instead of making a second payment."""
        __tracebackhide__ = True
        if self.payment_tags and isinstance(body, Mapping):
            metadata = body.get("metadata")
            if metadata is None or isinstance(metadata, Mapping):
                # The caller's own keys win; the tags only add.
                body = {**body, "metadata": {**self.payment_tags, **(metadata or {})}}
        headers = {"Idempotency-Key": idempotency_key or str(uuid.uuid4())}
        return self.call(operations.CREATE_PAYMENT, json_body=body, headers=headers)

    def retrieve_payment(self, payment_id: str) -> Exchange:
        __tracebackhide__ = True
        return self.call(operations.RETRIEVE_PAYMENT, payment_id=payment_id)

    def cancel_payment(self, payment_id: str) -> Exchange:
        __tracebackhide__ = True
        return self.call(operations.CANCEL_PAYMENT, payment_id=payment_id)

    def create_refund(self, payment_id: str, amount: int | None = None, *,
                      idempotency_key: str | None = None) -> Exchange:
        """POST /refunds ``{payment_id, amount?}``: the whole remainder when
        ``amount`` is None, as the docs say. The docs show an Idempotency-Key on
        creates only, so none is sent unless given: without one a refund that
        met a transient fault is not retried (it might have been made)."""
        __tracebackhide__ = True
        body: dict[str, Any] = {"payment_id": payment_id}
        if amount is not None:
            body["amount"] = amount
        headers = {"Idempotency-Key": idempotency_key} if idempotency_key else None
        return self.call(operations.CREATE_REFUND, json_body=body, headers=headers)

    def hosted_page(self, url: str) -> Exchange:
        """GET the payment's hosted page as a customer's browser would (no key).
        The URL is the one the API gave: the page's path is the target's own."""
        __tracebackhide__ = True
        return self._send("GET", url, headers={"Accept": "text/html"}, content=None, auth=None,
                          retry=operations.HOSTED_PAGE.retry_safe,
                          operation=operations.HOSTED_PAGE.name)

    def call(
        self, operation: Operation, *, json_body: Any = None,
        headers: Mapping[str, str] | None = None, **path_parameters: str,
    ) -> Exchange:
        """Make the API operation ``operation`` (from operations.py), its path's
        ``{names}`` filled from ``path_parameters``."""
        __tracebackhide__ = True
        return self.request(operation.method, operation.api_path(**path_parameters),
                            json_body=json_body, headers=headers, operation=operation)

    def request(
        self,
        method: str,
        path: str,
        *,
        json_body: Any = None,
        content: bytes | None = None,
        headers: Mapping[str, str] | None = None,
        auth: str | None = "default",
        retry: bool | None = None,
        operation: Operation | None = None,
    ) -> Exchange:
        """Send an API request. ``auth``: "default" (the key), None (no header),
        or a literal Authorization value (for auth contract tests). ``retry``:
        None retries transient faults only where a repeat is safe (an operation
        the table marks retry-safe, any GET, or a request with an
        Idempotency-Key); True/False force it. ``operation``: the table's entry
        for this call; by default the one whose method and path match."""
        __tracebackhide__ = True
        if operation is None:
            operation = operations.api_operation(method, path)
        all_headers = {"Accept": "application/json", **(headers or {})}
        key = self._auth if auth == "default" else None
        if auth is not None and key is None:
            all_headers["Authorization"] = auth
        if json_body is not None:
            content = json.dumps(json_body, separators=(",", ":")).encode()
            all_headers.setdefault("Content-Type", "application/json")
        if retry is None:
            safe = (operation.retry_safe if operation is not None
                    else method.upper() in operations.SAFE_METHODS)
            retry = safe or any(k.lower() == "idempotency-key" for k in all_headers)
        return self._send(method, self.base_url + path, headers=all_headers, content=content,
                          auth=key, retry=retry,
                          operation=None if operation is None else operation.name)

    def close(self) -> None:
        self._http.close()

    # -- internals ---------------------------------------------------------
    def _send(
        self, method: str, url: str, *, headers: Mapping[str, str], content: bytes | None,
        auth: BearerKey | None, retry: bool = False, operation: str | None = None,
    ) -> Exchange:
        __tracebackhide__ = True
        policy = self.retry if retry else NO_RETRIES
        # What the record shows: the header the key will make, never the key.
        recorded = headers if auth is None else {**headers, "Authorization": f"Bearer {MASK}"}
        attempt = 1
        while True:
            started = time.perf_counter()
            try:
                response = self._http.request(method, url, headers=headers, content=content,
                                              auth=auth)
            except httpx.TransportError as exc:
                elapsed_ms = (time.perf_counter() - started) * 1000
                error = f"{type(exc).__name__}: {self._redactor.text(str(exc))}"
                decision = policy.decide(attempt, None)
                self._notify(self._record_failure(method, url, recorded, content, error,
                                                  elapsed_ms, attempt, decision, operation))
                if decision is None:
                    tries = f" after {attempt} attempts" if attempt > 1 else ""
                    raise TransportError(
                        f"{method} {self._redactor.text(url)} failed{tries}: {error}") from None
            else:
                elapsed_ms = (time.perf_counter() - started) * 1000
                # One client serves every test: a cookie one answer set must
                # not ride along on the next test's requests.
                self._http.cookies.clear()
                decision = policy.decide(attempt, response.status_code,
                                         response.headers.get("retry-after"))
                exchange = self._record(method, url, recorded, content, response, elapsed_ms,
                                        attempt, decision, operation)
                self._notify(exchange)
                if decision is None:
                    return exchange
            self._pause(decision.delay)
            attempt += 1

    def _notify(self, exchange: Exchange) -> None:
        for observer in list(self._observers):
            observer(exchange)

    def tagged(self, tags: Mapping[str, str]) -> _Tagged:
        """``with client.tagged({...}):`` every payment created inside carries ``tags``
        in its metadata; the previous tags come back on exit."""
        return _Tagged(self, dict(tags))

    def _record_failure(
        self, method: str, url: str, headers: Mapping[str, str], content: bytes | None,
        error: str, elapsed_ms: float, attempt: int, decision: RetryDecision | None,
        operation: str | None,
    ) -> Exchange:
        return self._exchange(method, url, headers, content, 0, {}, b"", elapsed_ms,
                              attempt, decision, error, operation)

    def _record(
        self,
        method: str,
        url: str,
        headers: Mapping[str, str],
        content: bytes | None,
        response: httpx.Response,
        elapsed_ms: float,
        attempt: int = 1,
        decision: RetryDecision | None = None,
        operation: str | None = None,
    ) -> Exchange:
        return self._exchange(method, url, headers, content, response.status_code,
                              dict(response.headers), response.content, elapsed_ms, attempt,
                              decision, None, operation)

    def _exchange(
        self, method: str, url: str, headers: Mapping[str, str], content: bytes | None,
        status: int, response_headers: Mapping[str, str], response_body: bytes,
        elapsed_ms: float, attempt: int, decision: RetryDecision | None, error: str | None,
        operation: str | None,
    ) -> Exchange:
        """The redacted record of one attempt (status 0: no answer came)."""
        r = self._redactor
        request_body = None if content is None else r.text(
            content[:_BODY_LIMIT].decode("utf-8", "replace"))
        return Exchange(
            method=method,
            url=r.text(url),
            request_headers=r.headers(headers),
            request_body=request_body,
            status=status,
            response_headers=r.headers(response_headers),
            response_body=r.text(response_body[:_BODY_LIMIT].decode("utf-8", "replace")),
            elapsed_ms=elapsed_ms,
            attempt=attempt,
            retry_in=None if decision is None else decision.delay,
            retry_reason=None if decision is None else decision.reason,
            error=error,
            operation=operation,
        )


class _Tagged:
    def __init__(self, client: SknPayClient, tags: dict[str, str]) -> None:
        self._client, self._tags = client, tags
        self._before: dict[str, str] = {}

    def __enter__(self) -> SknPayClient:
        self._before = self._client.payment_tags
        self._client.payment_tags = {**self._before, **self._tags}
        return self._client

    def __exit__(self, *exc: object) -> None:
        self._client.payment_tags = self._before


def visible_text(html: str) -> str:
    """``html`` as text: styles, scripts and tags dropped, whitespace collapsed."""
    text = re.sub(r"(?is)<(style|script)\b.*?</\1>", " ", html)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", text)).strip()


def curl_line(method: str, url: str, headers: Mapping[str, str], body: str | None) -> str:
    """A ready-to-paste curl command that reads the key from $SKNPAY_API_KEY.

    Give it redacted headers and body: only a Bearer Authorization is rebuilt
    (from the environment); any other value is printed as given."""
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
