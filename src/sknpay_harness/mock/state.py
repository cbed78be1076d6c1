"""What one mock knows, and the operations on it that its faces share.

The API handlers (app.py), the test-control API (control.py) and the front
page (front.py) read and change the mock through one :class:`MockState`: its
config, store, outbox, breaks, API faults, clock and ids, and the domain
operations on them (a key's time, the expiry sweep, emitting an event, a
key's webhook endpoints, a payment's view, the tenant for a request's key,
the reset). None of them holds the WSGI app.
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass, field
from typing import Any

from werkzeug.wrappers import Request

from ..errors import MockError
from . import payments
from .breaks import BreakSet
from .clock import Clock, IdFactory
from .faults import ApiFaults
from .outbox import Outbox
from .store import Store, Tenant

MAX_BODY_BYTES = 1024 * 1024


@dataclass
class MockConfig:
    """What a mock instance accepts and where it sends events.

    ``api_keys`` None accepts any ``sk_test_`` key (each its own tenant);
    a set accepts only those keys. ``link_lifetime``: seconds an unpaid link
    stays open (None: forever); the real lifetime is unknown, 24 h is the
    Stripe Checkout default. ``public_url``: the root used for hosted-page
    links in events sent outside a request (an expiry found by the sweeper).
    """

    webhook_secret: str = field(repr=False)  # never in a repr, a log or -l output
    api_keys: frozenset[str] | None = field(default=None, repr=False)
    webhook_endpoints: list[str] = field(default_factory=list)
    max_body: int = MAX_BODY_BYTES
    link_lifetime: float | None = 24 * 3600.0
    public_url: str | None = None


class ApiError(MockError):
    """An error answer of SKN Pay's API (``/api/v1`` and the hosted page's)."""


@dataclass
class MockState:
    """One mock's state and its domain operations; thread-safe through
    ``store.lock`` and the outbox's and faults' own locks."""

    config: MockConfig
    store: Store
    outbox: Outbox
    breaks: BreakSet
    faults: ApiFaults
    clock: Clock
    ids: IdFactory
    # The breaks the mock was built with: a whole-mock reset goes back to them.
    session_breaks: tuple[str, ...] = field(init=False)
    # Where the latest request reached the mock: the root of hosted-page links
    # in events sent outside a request, when config.public_url is unset.
    last_host_url: str = "http://127.0.0.1/"

    def __post_init__(self) -> None:
        self.session_breaks = tuple(self.breaks.names)

    # -- keys --------------------------------------------------------------
    def tenant_for(self, request: Request) -> Tenant:
        """The tenant for the request's Bearer key; ApiError 401 otherwise."""
        header = request.headers.get("Authorization", "")
        scheme, _, key = header.partition(" ")
        key = key.strip()
        if not self.breaks.all("enforces_auth"):
            return self.store.tenant(key)
        if scheme.lower() != "bearer" or not key:  # a scheme is case-insensitive: RFC 9110 §11.1
            raise ApiError(401, "authentication_error", "missing_api_key",
                           "send your API key as 'Authorization: Bearer <key>'")
        allowed = self.config.api_keys
        if (allowed is not None and key not in allowed) or (
            allowed is None and not key.startswith("sk_test_")
        ):
            # Never echo the key back: it would land in logs and reports.
            raise ApiError(401, "authentication_error", "invalid_api_key", "invalid API key provided")
        return self.store.tenant(key)

    def endpoints_for(self, tenant: Tenant) -> list[str]:
        """The key's own endpoints (set via the control API), else the mock-wide ones."""
        if tenant.webhook_endpoints is not None:
            return list(tenant.webhook_endpoints)
        return list(self.config.webhook_endpoints)

    # -- time and expiry ---------------------------------------------------
    def now(self, tenant: Tenant) -> float:
        """This key's time: the mock's clock plus what the control API advanced."""
        return self.clock.now() + tenant.clock_offset

    def sweep_before(self, request: Request, hosted_payment_id: str | None = None) -> None:
        """The expiry sweep, a step of its own before each request is handled:
        the links of the request's key, or for a hosted page (opened without a
        key) those of the page's owner. A key the mock has not seen has none."""
        if hosted_payment_id is not None:
            tenant = self.store.find_owner(hosted_payment_id)
        else:
            scheme, _, key = request.headers.get("Authorization", "").partition(" ")
            tenant = self.store.find_tenant(key.strip()) if scheme.lower() == "bearer" else None
        if tenant is not None:
            self.sweep(tenant)

    def sweep(self, tenant: Tenant) -> int:
        """Expire this key's links whose lifetime is over; fire payment.expired
        for each. Runs before each request of the key, and from the CLI's timer."""
        expired = []
        with self.store.lock:
            now = self.now(tenant)
            while tenant.expiries and tenant.expiries[0][0] <= now:
                _, payment_id = heapq.heappop(tenant.expiries)
                payment = tenant.payments.get(payment_id)
                if payment is not None and payments.expire(payment, now):
                    expired.append(self.view_at(payment, self.public_url()))
        for view in expired:
            # "payment.expired" is our choice: the real expiry event's name is unknown.
            self.emit(tenant, "payment.expired", view)
        return len(expired)

    def sweep_all(self) -> int:
        return sum(self.sweep(tenant) for tenant in self.store.tenants())

    # -- events and views --------------------------------------------------
    def emit(self, tenant: Tenant, event_type: str, payment_view: dict[str, Any]) -> dict[str, Any]:
        event = self.breaks.apply("event", {
            "id": self.ids.new("evt"),
            "object": "event",
            "type": event_type,
            "created": int(self.now(tenant)),
            "livemode": False,
            "data": {"object": payment_view},
        })
        self.outbox.enqueue(event, self.endpoints_for(tenant), tenant.api_key)
        return event

    def view_at(self, payment: payments.Payment, host_url: str) -> dict[str, Any]:
        """The payment as the API shows it, its page under ``host_url``."""
        return self.breaks.apply("payment_view", payment.view(host_url))

    def public_url(self) -> str:
        return self.config.public_url or self.last_host_url

    # -- reset -------------------------------------------------------------
    def reset(self, api_key: str | None = None) -> None:
        """Forget one key's payments, refunds, deliveries, clock offset, chaos,
        API faults and webhook endpoints; with no key, every key's, and the
        breaks back to the ones the mock was built with (breaks are mock-wide,
        so a one-key reset leaves them). The control API's ``POST /_mock/reset``
        and the embedded target's reset between tests both come here."""
        self.outbox.reset(api_key)  # its chaos settings too
        self.faults.reset(api_key)
        self.store.reset(api_key)
        if api_key is None:
            self.breaks.set(self.session_breaks)
