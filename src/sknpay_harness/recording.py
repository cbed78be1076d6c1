"""Recordings: what a sandbox run sent and got, normalised and redacted.

A :class:`Recorder` observes the client's exchanges during a sandbox run and,
at the end, writes one JSON file with every final exchange (retried attempts
are left out: they say nothing about the contract) and every webhook of this
run's payments. What differs from run to run is normalised, so the file shows
only the shape: ids become ``<prefix>_<n>`` (numbered by first appearance,
the prefix kept because it is part of the contract), timestamps
``<timestamp:integer>``, origins ``<origin>``, idempotency keys and the run
id placeholders. Secrets go through the :class:`Redactor` first, and only an
allow-list of headers is kept (no Authorization, no tunnel headers).

:mod:`sknpay_harness.fidelity` replays a recording against the mock.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from .client import Exchange
from .inbox import ReceivedEvent
from .ledger import RUN_TAG
from .redaction import Redactor

FORMAT = "sknpay-recording/1"
# Phrases whose presence on a hosted page is part of the contract.
PAGE_PHRASES = ("no longer active",)
_REQUEST_HEADERS = ("content-type", "accept", "idempotency-key")
_RESPONSE_HEADER_PREFIXES = ("content-type", "idempotent", "retry-after", "request-id",
                             "x-request-id", "sknpay-", "ratelimit")
_WEBHOOK_HEADER_PREFIXES = ("content-type", "sknpay-")
_TIMESTAMP_KEYS = re.compile(r"^(created|updated|expires|.*_at)$")
_ISO_TIME = re.compile(r"^\d{4}-\d\d-\d\d[T ]\d\d:\d\d")
_PREFIXED_ID = re.compile(r"^([a-z][a-z0-9]*_)[A-Za-z0-9]{6,}$")
_ID_IN_PATH = re.compile(r"(?<=/)([a-z][a-z0-9]*_[A-Za-z0-9]{6,})(?=/|$|\?)")
_SIGNATURE_PART = re.compile(r"(t=)\d+|(v1=)[0-9a-f]{64}")


class Normaliser:
    """Stable placeholders for everything that changes between runs.

    The same instance must see a run's exchanges in order: ids are numbered
    by first appearance, so a replay of the same steps numbers its own ids
    the same way, and :meth:`actual` maps a placeholder back to this run's id.
    """

    def __init__(self, redactor: Redactor | None = None) -> None:
        self._redactor = redactor or Redactor()
        self._ids: dict[str, str] = {}  # actual -> placeholder
        self._keys: dict[str, str] = {}  # idempotency key -> placeholder
        self._urls: dict[str, str] = {}  # a payment's hosted-page url -> its id placeholder
        self._counts: dict[str, int] = {}

    # -- ids ---------------------------------------------------------------
    def id(self, actual: str) -> str:
        placeholder = self._ids.get(actual)
        if placeholder is None:
            match = _PREFIXED_ID.match(actual)
            prefix = match.group(1) if match else "id_"
            self._counts[prefix] = self._counts.get(prefix, 0) + 1
            placeholder = self._ids[actual] = f"{prefix}<{self._counts[prefix]}>"
        return placeholder

    def actual(self, placeholder: str) -> str:
        for actual, shown in self._ids.items():
            if shown == placeholder:
                return actual
        raise KeyError(f"no id seen yet for placeholder {placeholder}")

    def idempotency_key(self, actual: str) -> str:
        if actual not in self._keys:
            self._keys[actual] = f"<idempotency-key:{len(self._keys) + 1}>"
        return self._keys[actual]

    def seen_ids(self) -> set[str]:
        return set(self._ids)

    def url_of(self, placeholder: str) -> str | None:
        """The hosted-page url seen for the payment behind ``placeholder``."""
        return next((u for u, p in self._urls.items() if p == placeholder), None)

    def page_of(self, url: str) -> str | None:
        """The id placeholder of the payment whose ``url`` this is, if seen."""
        return self._urls.get(url)

    # -- values ------------------------------------------------------------
    def body(self, value: Any, key: str = "") -> Any:
        if isinstance(value, dict):
            self._register(value)
            return {k: self.body(v, k) for k, v in value.items()}
        if isinstance(value, list):
            return [self.body(v, key) for v in value]
        if isinstance(value, str):
            return self._string(value, key)
        is_number = isinstance(value, int | float) and not isinstance(value, bool)
        if is_number and _TIMESTAMP_KEYS.match(key):
            return f"<timestamp:{'integer' if isinstance(value, int) else 'number'}>"
        return value

    def _register(self, obj: Mapping[str, Any]) -> None:
        # Ids first, so an id is numbered where its object appears, not where
        # some field happens to mention it.
        for k, v in obj.items():
            if isinstance(v, str) and (k == "id" or k.endswith("_id")):
                self.id(v)
        if isinstance(obj.get("id"), str) and isinstance(obj.get("url"), str):
            self._urls[obj["url"]] = self._ids[obj["id"]]

    def _string(self, value: str, key: str) -> str:
        value = self._redactor.text(value)
        if key == RUN_TAG:
            return "<run>"
        if key == "id" or key.endswith("_id") or value in self._ids:
            return self.id(value)
        if _TIMESTAMP_KEYS.match(key) and _ISO_TIME.match(value):
            return "<timestamp:string>"
        if value.startswith(("http://", "https://")):
            return self.url(value)
        return value

    def url(self, value: str) -> str:
        parts = urlsplit(value)
        path = self.path(parts.path)
        query = f"?{parts.query}" if parts.query else ""
        return f"<origin>{path}{query}"

    def path(self, path: str) -> str:
        for actual, placeholder in self._ids.items():
            path = path.replace(actual, placeholder)
        return _ID_IN_PATH.sub(lambda m: self.id(m.group(1)), path)

    def headers(self, headers: Mapping[str, str], keep: tuple[str, ...]) -> dict[str, str]:
        kept: dict[str, str] = {}
        for name, value in headers.items():
            lower = name.lower()
            if not lower.startswith(keep):
                continue
            if lower == "content-type":
                value = value.split(";", 1)[0].strip()
            elif lower == "idempotency-key":
                value = self.idempotency_key(value)
            elif lower == "sknpay-signature":
                value = _SIGNATURE_PART.sub(lambda m: "t=<unix>" if m.group(1) else "v1=<hex64>",
                                            value)
            elif lower not in ("sknpay-event-type", "idempotent-replayed", "accept"):
                value = "<value>"
            kept[lower] = self._redactor.text(value)
        return dict(sorted(kept.items()))

    # -- whole records -----------------------------------------------------
    def exchange(self, exchange: Exchange, api_url: str, test: str | None = None) -> dict[str, Any]:
        """One step: an API call (``kind: api``) or a hosted page (``kind: page``)."""
        if not exchange.url.startswith(api_url.rstrip("/") + "/"):
            of = self.page_of(exchange.url)
            return {"kind": "page", "test": test, "of": of or self.url(exchange.url),
                    "response": self.response(exchange)}
        request_body = None
        if exchange.request_body is not None:
            try:
                request_body = self.body(json.loads(exchange.request_body))
            except ValueError:
                request_body = self._redactor.text(exchange.request_body)
        path = exchange.url[len(api_url.rstrip("/")):]
        step: dict[str, Any] = {
            "kind": "api", "test": test, "method": exchange.method, "path": self.path(path),
            "request": {"headers": self.headers(exchange.request_headers, _REQUEST_HEADERS),
                        "body": request_body},
        }
        # The response's ids are numbered after the request's (as they appear).
        step["response"] = self.response(exchange)
        return step

    def response(self, exchange: Exchange) -> dict[str, Any]:
        return {
            "status": exchange.status,
            "headers": self.headers(exchange.response_headers, _RESPONSE_HEADER_PREFIXES),
            **self.response_body(exchange),
        }

    def response_body(self, exchange: Exchange) -> dict[str, Any]:
        try:
            return {"format": "json", "body": self.body(json.loads(exchange.response_body))}
        except ValueError:
            text = exchange.response_body.lower()
            return {"format": "text", "body": {
                "phrases": [p for p in PAGE_PHRASES if p in text]}}

    def webhook(self, event: ReceivedEvent) -> dict[str, Any]:
        body = self.body(json.loads(self._redactor.text(json.dumps(event.body))))
        payment = self.id(event.payment_id) if event.payment_id else None
        return {"type": event.type, "payment": payment,
                "headers": self.headers(event.headers, _WEBHOOK_HEADER_PREFIXES),
                "body": body}


class Recorder:
    """Collects a run's final exchanges; :meth:`save` writes them with the webhooks."""

    def __init__(self, directory: Path, api_url: str, redactor: Redactor, *,
                 source: Mapping[str, str] | None = None, name_suffix: str = "") -> None:
        self.directory = directory
        self.name_suffix = name_suffix  # e.g. "-gw0": workers saving in the same second
        self.api_url = api_url
        self.normaliser = Normaliser(redactor)
        self._redactor = redactor
        self._source = dict(source or {})
        self._steps: list[dict[str, Any]] = []
        self._lock = threading.Lock()
        self.test: str | None = None  # the test running now, for readers of the file

    def observe(self, exchange: Exchange) -> None:
        if not exchange.final or exchange.error is not None:
            return  # a retried attempt says nothing about the contract
        with self._lock:
            self._steps.append(self.normaliser.exchange(exchange, self.api_url, self.test))

    def recording(self, events: Iterable[ReceivedEvent]) -> dict[str, Any]:
        with self._lock:
            ordered = sorted(events, key=lambda e: e.seq)
            return {
                "format": FORMAT,
                "recorded_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                "source": {**self._source, "host": urlsplit(self.api_url).hostname or "?"},
                "steps": list(self._steps),
                "webhooks": [self.normaliser.webhook(e) for e in ordered],
            }

    def save(self, events: Iterable[ReceivedEvent]) -> Path:
        """Write ``<directory>/<UTC timestamp><name_suffix>.json``; returns its path."""
        data = self.recording(events)
        text = json.dumps(data, indent=2, sort_keys=False) + "\n"
        if self._redactor.contains_secret(text):  # belt and braces: never write a secret
            raise RuntimeError("refusing to write a recording that still contains a secret")
        self.directory.mkdir(parents=True, exist_ok=True)
        stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
        path = self.directory / f"{stamp}{self.name_suffix}.json"
        path.write_text(text, encoding="utf-8")
        return path


def newest_recording(directory: Path) -> Path | None:
    """The most recent ``*.json`` by name (names start with a UTC timestamp)."""
    found = sorted(directory.glob("*.json"))
    return found[-1] if found else None


def load(path: Path) -> dict[str, Any]:
    data = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise ValueError(f"{path} is not a {FORMAT} recording")
    return data


__all__ = ["FORMAT", "Normaliser", "Recorder", "load", "newest_recording"]
