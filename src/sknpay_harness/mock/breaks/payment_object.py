"""Breaks of the payment object: its fields as every endpoint answers them."""

from __future__ import annotations

from typing import Any

from ..payments import CANCELED
from .core import ContractBreak


class StatusCancelled(ContractBreak):
    """Status is spelled "canceled" (American); this says "cancelled"."""

    name = "status_cancelled"
    promise = "status of a canceled payment is 'canceled'"
    symptom = '"cancelled"'

    def payment_view(self, view: dict[str, Any]) -> dict[str, Any]:
        if view.get("status") == CANCELED:
            return {**view, "status": "cancelled"}
        return view


class PaymentWithoutUrl(ContractBreak):
    """Every payment object carries its hosted-page url; this drops it."""

    name = "payment_without_url"
    promise = "a payment object has a url"
    symptom = '"url" is a required property'

    def payment_view(self, view: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in view.items() if k != "url"}


class AmountChanged(ContractBreak):
    """The amount is echoed as sent (minor units); this answers it x100, as an
    API that started reading amounts as major units would."""

    name = "amount_changed"
    promise = "amount is echoed unchanged"
    symptom = "did not echo amount"

    def payment_view(self, view: dict[str, Any]) -> dict[str, Any]:
        if isinstance(view.get("amount"), int):
            return {**view, "amount": view["amount"] * 100}
        return view


class AmountAsString(ContractBreak):
    """The amount is a JSON integer; this sends it as a string ("1000")."""

    name = "amount_as_string"
    promise = "amount is an integer"
    symptom = 'is not of type "integer"'

    def payment_view(self, view: dict[str, Any]) -> dict[str, Any]:
        return {**view, "amount": str(view.get("amount"))}


class CurrencyLowercase(ContractBreak):
    """The currency is echoed upper case ("USD"); this answers "usd"."""

    name = "currency_lowercase"
    promise = "currency is echoed as an upper-case ISO code"
    symptom = '"usd"'

    def payment_view(self, view: dict[str, Any]) -> dict[str, Any]:
        if isinstance(view.get("currency"), str):
            return {**view, "currency": view["currency"].lower()}
        return view


class MetadataDropped(ContractBreak):
    """Metadata is echoed back; this answers an empty object."""

    name = "metadata_dropped"
    promise = "metadata is echoed"
    symptom = "did not echo metadata"

    def payment_view(self, view: dict[str, Any]) -> dict[str, Any]:
        return {**view, "metadata": {}}


class UrlRelative(ContractBreak):
    """The url is an absolute http(s) URL; this answers a path ("/pay/...")."""

    name = "url_relative"
    promise = "url is an absolute http(s) URL"
    symptom = '"/pay/plink_'

    def payment_view(self, view: dict[str, Any]) -> dict[str, Any]:
        url = view.get("url")
        if isinstance(url, str) and "://" in url:
            return {**view, "url": "/" + url.split("://", 1)[1].split("/", 1)[1]}
        return view


class NewPaymentNotOpen(ContractBreak):
    """A new payment is 'open'; this answers create with status 'pending'."""

    name = "new_payment_not_open"
    promise = "create answers status 'open'"
    symptom = '"pending"'

    def answer(self, view: dict[str, Any], endpoint: str) -> dict[str, Any]:
        return {**view, "status": "pending"} if endpoint == "create" else view


AREA = (StatusCancelled, PaymentWithoutUrl, AmountChanged, AmountAsString, CurrencyLowercase,
        MetadataDropped, UrlRelative, NewPaymentNotOpen)
