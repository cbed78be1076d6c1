"""Breaks of Idempotency-Key: one key, one payment; another body, 409."""

from __future__ import annotations

from .core import ContractBreak


class IdempotencyIgnored(ContractBreak):
    """The same Idempotency-Key returns the same payment; this ignores the key."""

    name = "idempotency_ignored"
    promise = "same Idempotency-Key and body -> same payment"
    symptom = "made two payments"

    def idempotency_key(self, key: str | None) -> str | None:
        return None


class IdempotencyKeyTruncated(ContractBreak):
    """Two Idempotency-Keys make two payments; this keeps only the first 8
    characters of a key, so distinct keys with a common prefix collide."""

    name = "idempotency_key_truncated"
    promise = "two Idempotency-Keys -> two payments"
    symptom = "two Idempotency-Keys returned one payment"

    def idempotency_key(self, key: str | None) -> str | None:
        return key[:8] if key else key


class IdempotencyConflictReplayed(ContractBreak):
    """The same key with another body gets 409; this replays the first payment."""

    name = "idempotency_conflict_replayed"
    promise = "same Idempotency-Key, other body -> 409"
    symptom = "expected HTTP 409"

    def idempotency_fingerprint(self, fingerprint: str) -> str:
        return "any-body"


AREA = (IdempotencyIgnored, IdempotencyKeyTruncated, IdempotencyConflictReplayed)
