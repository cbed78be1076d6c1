"""The payments this run created, so the run can clean up after itself.

A :class:`PaymentLedger` watches the client's exchanges (it is an exchange
observer): a successful create adds a payment, any later answer about it
updates its last known status. At the end of a sandbox session every payment
still ``open`` is canceled, best effort, and the outcome reported. The tags
put in each payment's metadata name the run and the test, so two runs on one
account (or a person looking at the dashboard) can tell whose payment it is.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass

from .client import Exchange, SknPayClient
from .errors import SknPayHarnessError
from .jsonbody import json_object
from .operations import CREATE_PAYMENT

RUN_TAG = "harness_run"
TEST_TAG = "harness_test"
_TEST_TAG_LIMIT = 100  # metadata values are short on Stripe-flavoured APIs


def short_nodeid(nodeid: str, limit: int = _TEST_TAG_LIMIT) -> str:
    """``tests/scenarios/test_x.py::test_y[a]`` -> ``test_x.py::test_y[a]``, at most ``limit``
    characters (the end is kept: it names the test)."""
    path, sep, rest = nodeid.partition("::")
    short = path.rsplit("/", 1)[-1] + sep + rest
    return short if len(short) <= limit else "..." + short[-(limit - 3):]


@dataclass
class Entry:
    payment_id: str
    status: str
    test: str | None


@dataclass(frozen=True)
class CleanupResult:
    payment_id: str
    test: str | None
    outcome: str  # "canceled", "already <status>" or "failed: <why>"

    @property
    def ok(self) -> bool:
        return not self.outcome.startswith("failed")


class PaymentLedger:
    """Last known status of every payment created through the observed client."""

    def __init__(self, on_created: Callable[[str], None] | None = None) -> None:
        self._lock = threading.Lock()
        self._entries: dict[str, Entry] = {}
        self._on_created = on_created

    def observe(self, exchange: Exchange) -> None:
        if not exchange.final or not 200 <= exchange.status < 300:
            return
        body = json_object(exchange.response_body)
        payment_id = body.get("id") if body else None
        if not body or not isinstance(payment_id, str):
            return
        status = str(body.get("status", "?"))
        created = exchange.operation == CREATE_PAYMENT.name
        with self._lock:
            entry = self._entries.get(payment_id)
            if entry is None and created:
                metadata = body.get("metadata")
                test = metadata.get(TEST_TAG) if isinstance(metadata, dict) else None
                self._entries[payment_id] = Entry(payment_id, status,
                                                  test if isinstance(test, str) else None)
            elif entry is not None:
                entry.status = status
        if created and self._on_created is not None:
            self._on_created(payment_id)

    def open_payments(self) -> list[Entry]:
        with self._lock:
            return [Entry(e.payment_id, e.status, e.test)
                    for e in self._entries.values() if e.status == "open"]

    def clean_up(self, client: SknPayClient) -> list[CleanupResult]:
        """Cancel every payment still open; never raises (clean-up is best effort)."""
        results = []
        for entry in self.open_payments():
            try:
                exchange = client.cancel_payment(entry.payment_id)
            except SknPayHarnessError as exc:
                results.append(CleanupResult(entry.payment_id, entry.test, f"failed: {exc}"))
                continue
            self.observe(exchange)
            status = (json_object(exchange.response_body) or {}).get("status")
            if 200 <= exchange.status < 300 and status == "canceled":
                outcome = "canceled"
            elif 200 <= exchange.status < 300:
                outcome = f"already {status}"
            else:
                outcome = f"failed: HTTP {exchange.status} {exchange.response_body[:200]}"
            results.append(CleanupResult(entry.payment_id, entry.test, outcome))
        return results
