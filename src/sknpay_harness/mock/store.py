"""The mock's state, kept per API key (tenant) and always passed explicitly.

There is no module-level state: every app instance gets its own Store, so two
mocks in one process (or one test and the next) never share a payment.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

from .payments import Payment
from .refunds import Refund


@dataclass(frozen=True)
class IdempotentResult:
    fingerprint: str
    status: int
    body: dict[str, Any]


@dataclass
class Tenant:
    api_key: str
    payments: dict[str, Payment] = field(default_factory=dict)
    idempotency: dict[str, IdempotentResult] = field(default_factory=dict)
    refunds: dict[str, Refund] = field(default_factory=dict)
    # This key's own view of time (the control API advances it) and a heap of
    # (expires_at, payment_id) so an expiry sweep costs O(log n), not O(n).
    clock_offset: float = 0.0
    expiries: list[tuple[float, str]] = field(default_factory=list)
    webhook_endpoints: list[str] | None = None  # None: the mock-wide endpoints


class Store:
    """Tenants by API key, plus an index from payment id to tenant for the
    hosted page (which is opened without a key)."""

    def __init__(self, max_payments_per_tenant: int = 50_000) -> None:
        self.lock = threading.RLock()
        self._tenants: dict[str, Tenant] = {}
        self._owner: dict[str, Tenant] = {}
        self.max_payments_per_tenant = max_payments_per_tenant

    def tenant(self, api_key: str) -> Tenant:
        with self.lock:
            tenant = self._tenants.get(api_key)
            if tenant is None:
                tenant = self._tenants[api_key] = Tenant(api_key)
            return tenant

    def find_tenant(self, api_key: str) -> Tenant | None:
        """The key's tenant if the mock has seen the key; never makes one."""
        with self.lock:
            return self._tenants.get(api_key)

    def add_payment(self, tenant: Tenant, payment: Payment) -> None:
        with self.lock:
            if len(tenant.payments) >= self.max_payments_per_tenant:
                # Bounded memory on long runs: forget the oldest payment.
                oldest = next(iter(tenant.payments))
                del tenant.payments[oldest]
                self._owner.pop(oldest, None)
            tenant.payments[payment.id] = payment
            self._owner[payment.id] = tenant

    def tenants(self) -> list[Tenant]:
        with self.lock:
            return list(self._tenants.values())

    def find_owner(self, payment_id: str) -> Tenant | None:
        with self.lock:
            return self._owner.get(payment_id)

    def find_payment(self, payment_id: str) -> Payment | None:
        with self.lock:
            tenant = self._owner.get(payment_id)
            return tenant.payments.get(payment_id) if tenant else None

    def payment_count(self) -> int:
        with self.lock:
            return sum(len(t.payments) for t in self._tenants.values())

    def reset(self, api_key: str | None = None) -> None:
        """Forget everything, or one tenant's state."""
        with self.lock:
            if api_key is None:
                self._tenants.clear()
                self._owner.clear()
                return
            tenant = self._tenants.pop(api_key, None)
            if tenant:
                for pid in tenant.payments:
                    self._owner.pop(pid, None)
