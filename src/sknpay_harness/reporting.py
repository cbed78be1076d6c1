"""Allure steps and attachments, every byte of them through redaction.

Library code calls these; when allure is not collecting (no --alluredir)
they cost next to nothing.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from contextlib import AbstractContextManager
from typing import Any

import allure

from .client import Exchange
from .listener import Delivery, ReceivedEvent
from .redaction import Redactor


class Reporter:
    def __init__(self, redactor: Redactor) -> None:
        self._redactor = redactor

    def step(self, title: str) -> AbstractContextManager[Any]:
        return allure.step(self._redactor.text(title))

    def attach_json(self, name: str, value: Any) -> None:
        text = json.dumps(value, indent=2, default=str)
        allure.attach(self._redactor.text(text), name=self._redactor.text(name),
                      attachment_type=allure.attachment_type.JSON)

    def attach_text(self, name: str, text: str) -> None:
        allure.attach(self._redactor.text(text), name=self._redactor.text(name),
                      attachment_type=allure.attachment_type.TEXT)

    def attach_run_text(self, name: str, text: str) -> None:
        """Attach to the whole run (allure's global attachments), not one test.
        Older allure-pytest versions without global attachments skip it."""
        global_attach = getattr(allure, "global_attach", None)
        if global_attach is not None:
            global_attach(self._redactor.text(text), name=self._redactor.text(name),
                          attachment_type=allure.attachment_type.TEXT)

    def attach_exchange(self, exchange: Exchange) -> None:
        path = exchange.url.split("://", 1)[-1].split("/", 1)[-1]
        answer = exchange.error or str(exchange.status)
        retry = ("" if exchange.final
                 else f" (attempt {exchange.attempt}, retried in {exchange.retry_in:g} s)")
        self.attach_json(f"{exchange.method} /{path} -> {answer}{retry}", exchange.as_report())

    def attach_event(self, event: ReceivedEvent, latency_ms: float | None = None) -> None:
        self.attach_json(f"webhook {event.type} {event.event_id}", {
            "headers": event.headers,
            "body": event.body,
            "deliveries": event.deliveries,
            "latency_ms": None if latency_ms is None else round(latency_ms, 3),
        })

    def attach_deliveries(self, name: str, deliveries: Iterable[Delivery]) -> None:
        self.attach_json(name, [d.as_report() for d in deliveries])
