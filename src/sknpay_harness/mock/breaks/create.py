"""Breaks of create's validation: an invalid create must be refused, and leave nothing."""

from __future__ import annotations

from typing import Any

from .core import ContractBreak


class CoercesAmount(ContractBreak):
    """A fractional, negative or string amount is refused with 4xx; this
    coerces it to a whole positive number and creates the payment."""

    name = "coerces_amount"
    promise = "an invalid amount is refused with 4xx"
    symptom = "expected HTTP 4xx"

    def create_body(self, body: Any) -> Any:
        if isinstance(body, dict) and isinstance(body.get("amount"), str | float | int):
            try:
                return {**body, "amount": abs(int(float(body["amount"])))}
            except ValueError:
                return body
        return body


class CurrencyDefaultsToUsd(ContractBreak):
    """A create without currency is refused with 4xx; this defaults it to USD."""

    name = "currency_defaults_to_usd"
    promise = "a create without currency is refused with 4xx"
    symptom = "expected HTTP 4xx"

    def create_body(self, body: Any) -> Any:
        if isinstance(body, dict) and "currency" not in body:
            return {**body, "currency": "USD"}
        return body


class AcceptsUnknownCurrency(ContractBreak):
    """An unknown currency code is refused with 4xx; this accepts any string."""

    name = "accepts_unknown_currency"
    promise = "an unknown currency is refused with 4xx"
    symptom = "expected HTTP 4xx"

    def validation_problems(self, problems: list[Any]) -> list[Any]:
        return [p for p in problems if getattr(p, "param", None) != "currency"
                or getattr(p, "code", None) == "parameter_missing"]


class AcceptsUndocumentedShapes(ContractBreak):
    """Where the docs show a request field in one shape only, the mock refuses
    the others as SKN Pay likely does (Stripe's rules, src/sknpay_harness/limits.py):
    a metadata value that is not a string, over 50 metadata keys, a key over 40
    or a value over 500 characters, an unknown top-level field, a null, an
    amount sent as a string or over the bound, a lower-case currency, a long
    description or name, a malformed email or URL. This accepts them all, as a
    lenient server would, so an integrator's bug would first show on the sandbox."""

    name = "accepts_undocumented_shapes"
    promise = "the mock refuses request shapes the docs do not show (Stripe's rules)"
    symptom = "expected HTTP 400, got 200"

    def validation_problems(self, problems: list[Any]) -> list[Any]:
        return [p for p in problems if getattr(p, "known", True)]


class KeepsRejectedCreate(ContractBreak):
    """A refused create makes no payment; this stores one before answering 4xx."""

    name = "keeps_rejected_create"
    promise = "a refused create makes no payment"
    symptom = "payment(s) exist after a refused create"

    def keeps_rejected_create(self) -> bool:
        return True


AREA = (CoercesAmount, CurrencyDefaultsToUsd, AcceptsUnknownCurrency, AcceptsUndocumentedShapes,
        KeepsRejectedCreate)
