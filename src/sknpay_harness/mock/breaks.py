"""Named contract breaks: switchable ways for the mock to break one promise.

Each break is a small object overriding one hook; its docstring says which
promise of the SKN Pay contract it breaks. The suite's checks are proven
able to fail by running them against the mock with each break on.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from .payments import CANCELED, OPEN, Payment


class ContractBreak:
    """No-op hooks; a break overrides the one it needs."""

    name = ""
    promise = ""

    def payment_view(self, view: dict[str, Any]) -> dict[str, Any]:
        return view

    def emits_cancel_event(self) -> bool:
        return True

    def event(self, event: dict[str, Any]) -> dict[str, Any]:
        return event

    def signing_secret(self, secret: str) -> str:
        return secret

    def signing_time(self, now: float) -> float:
        return now

    def hosted_page_open(self, payment: Payment, shown_open: bool) -> bool:
        return shown_open


class StatusCancelled(ContractBreak):
    """Status is spelled "canceled" (American); this says "cancelled"."""

    name = "status_cancelled"
    promise = "status of a canceled payment is 'canceled'"

    def payment_view(self, view: dict[str, Any]) -> dict[str, Any]:
        if view.get("status") == CANCELED:
            return {**view, "status": "cancelled"}
        return view


class NoWebhook(ContractBreak):
    """Cancel must fire payment.canceled; this fires nothing."""

    name = "no_webhook"
    promise = "cancel fires a payment.canceled webhook"

    def emits_cancel_event(self) -> bool:
        return False


class WebhookWrongSecret(ContractBreak):
    """Webhooks are signed with the endpoint's whsec_ secret; this uses another."""

    name = "webhook_wrong_secret"
    promise = "webhooks are signed with the configured secret"

    def signing_secret(self, secret: str) -> str:
        return "whsec_not_the_configured_secret"


class EventTypeTypo(ContractBreak):
    """The event type is "payment.canceled"; this sends "payment.cancelled"."""

    name = "event_type_typo"
    promise = "the cancel event's type is 'payment.canceled'"

    def event(self, event: dict[str, Any]) -> dict[str, Any]:
        if event.get("type") == "payment.canceled":
            return {**event, "type": "payment.cancelled"}
        return event


class HostedPageStillActive(ContractBreak):
    """After cancel the hosted page says the link is no longer active; this
    keeps showing the pay form."""

    name = "hosted_page_still_active"
    promise = "the hosted page of a canceled link says it is no longer active"

    def hosted_page_open(self, payment: Payment, shown_open: bool) -> bool:
        return shown_open or payment.status == CANCELED


class PaymentWithoutUrl(ContractBreak):
    """Every payment object carries its hosted-page url; this drops it."""

    name = "payment_without_url"
    promise = "a payment object has a url"

    def payment_view(self, view: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in view.items() if k != "url"}


BREAKS: dict[str, type[ContractBreak]] = {
    cls.name: cls
    for cls in (StatusCancelled, NoWebhook, WebhookWrongSecret, EventTypeTypo,
                HostedPageStillActive, PaymentWithoutUrl)
}


class BreakSet:
    """The breaks switched on in one mock; hooks apply in the order given."""

    def __init__(self, names: Iterable[str] = ()) -> None:
        self._active: list[ContractBreak] = []
        self.set(names)

    def set(self, names: Iterable[str]) -> None:
        names = list(names)
        unknown = [n for n in names if n not in BREAKS]
        if unknown:
            raise ValueError(
                f"unknown contract break(s) {', '.join(unknown)}; known: {', '.join(sorted(BREAKS))}"
            )
        self._active = [BREAKS[n]() for n in names]

    @property
    def names(self) -> list[str]:
        return [b.name for b in self._active]

    def payment_view(self, view: dict[str, Any]) -> dict[str, Any]:
        for b in self._active:
            view = b.payment_view(view)
        return view

    def emits_cancel_event(self) -> bool:
        return all(b.emits_cancel_event() for b in self._active)

    def event(self, event: dict[str, Any]) -> dict[str, Any]:
        for b in self._active:
            event = b.event(event)
        return event

    def signing_secret(self, secret: str) -> str:
        for b in self._active:
            secret = b.signing_secret(secret)
        return secret

    def signing_time(self, now: float) -> float:
        for b in self._active:
            now = b.signing_time(now)
        return now

    def hosted_page_open(self, payment: Payment) -> bool:
        shown_open = payment.status == OPEN
        for b in self._active:
            shown_open = b.hosted_page_open(payment, shown_open)
        return shown_open
