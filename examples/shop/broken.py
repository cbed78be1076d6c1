"""Broken variants of the shop: each one of the webhook bugs integrators ship.

Each is the correct shop with one method changed, so the receiver check's
report against it names exactly the expectation that bug breaks
(tests/shop/test_receiver_check_shop.py pins each one-line result).
"""

from __future__ import annotations

import hmac
import json
from typing import Any

from werkzeug.exceptions import BadRequest

from . import webhook_signature
from .app import FAILED, PAID, Order, Shop


class SkipsVerification(Shop):
    """Trusts every delivery: anyone who finds the URL can mark an order paid."""

    def verify(self, header: str | None, raw: bytes) -> None:
        pass


class ReserialisesBody(Shop):
    """Verifies the JSON it parsed and dumped again, not the bytes that came:
    every genuine delivery fails, and SKN Pay retries it for hours."""

    def verify(self, header: str | None, raw: bytes) -> None:
        again = json.dumps(json.loads(raw)).encode()
        webhook_signature.verify(header, again, self.config.webhook_secret, self.clock())


class NotIdempotent(Shop):
    """Applies every delivery and records a payment each time: a duplicate pays twice."""

    def already_applied(self, event_id: str) -> bool:
        return False

    def paid(self, order: Order) -> None:
        order.status = PAID
        order.times_paid += 1


class IgnoresTimestamp(Shop):
    """Checks the HMAC but not ``t``: a delivery captured once can be replayed for ever."""

    def verify(self, header: str | None, raw: bytes) -> None:
        timestamp, signatures = webhook_signature.parse(header)
        want = webhook_signature.expected(self.config.webhook_secret, timestamp, raw)
        if not any(hmac.compare_digest(want, signature) for signature in signatures):
            raise webhook_signature.BadSignature("no signature matches")


class FirstSignatureOnly(Shop):
    """Compares only the first ``v1``: during a secret rotation genuine deliveries fail."""

    def verify(self, header: str | None, raw: bytes) -> None:
        timestamp, signatures = webhook_signature.parse(header)
        webhook_signature.verify(f"t={timestamp},v1={signatures[0]}", raw,
                                 self.config.webhook_secret, self.clock())


class LateFailureUndoes(Shop):
    """Marks the order failed on any payment.failed: a late one undoes a payment."""

    def declined(self, order: Order) -> None:
        order.status = FAILED


class RejectsUnknownTypes(Shop):
    """Answers 400 to an event type it does not know: SKN Pay retries it for hours."""

    def apply(self, event: dict[str, Any]) -> None:
        if event["type"] not in ("payment.succeeded", "payment.failed", "payment.refunded"):
            raise BadRequest(f"unknown event type {event['type']}")
        super().apply(event)


class SmallBodyLimit(Shop):
    """Refuses bodies over 16 KB (a framework default): large events never arrive."""

    max_webhook_bytes = 16 * 1024


BROKEN: dict[str, type[Shop]] = {
    "skips_verification": SkipsVerification,
    "reserialises_body": ReserialisesBody,
    "not_idempotent": NotIdempotent,
    "ignores_timestamp": IgnoresTimestamp,
    "first_signature_only": FirstSignatureOnly,
    "late_failure_undoes": LateFailureUndoes,
    "rejects_unknown_types": RejectsUnknownTypes,
    "small_body_limit": SmallBodyLimit,
}
