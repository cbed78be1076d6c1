"""Named contract breaks: switchable ways for the mock to break one promise.

Each break is a small object overriding one hook; its docstring says which
promise of the SKN Pay contract it breaks, and ``symptom`` is text the
suite's failure output must contain when the break is on (the meta-test in
tests/breaks/ pins it). The suite's checks are proven able to fail by running
them against the mock with each break on.

A few entries are *harmless* (``harmless = True``): changes a real API may
make that the suite must tolerate (a new field, a redelivered event). The
meta-test asserts the suite still passes with them.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping
from typing import Any

from .payments import CANCELED, OPEN, Payment, format_amount

ErrorAnswer = tuple[int, "dict[str, Any] | str"]


class ContractBreak:
    """No-op hooks; a break overrides the one it needs."""

    name = ""
    promise = ""
    symptom = ""
    harmless = False

    def payment_view(self, view: dict[str, Any]) -> dict[str, Any]:
        return view

    def refund_view(self, view: dict[str, Any]) -> dict[str, Any]:
        return view

    def answer(self, endpoint: str, view: dict[str, Any]) -> dict[str, Any]:
        """The payment object one endpoint ("create", "retrieve", "cancel") answers."""
        return view

    def emits_cancel_event(self) -> bool:
        return True

    def cancel_emits(self, changed: bool) -> bool:
        """Whether this cancel fires an event; by default only when it changed state."""
        return changed

    def cancel_changes(self, payment: Payment, changed: bool, now: float) -> bool:
        """May change a payment the state machine left alone; True if it did."""
        return changed

    def refuses_repeat_cancel(self, payment: Payment) -> bool:
        return False

    def event(self, event: dict[str, Any]) -> dict[str, Any]:
        return event

    def deliveries_per_event(self) -> int:
        return 1

    def delivery_headers(self, headers: dict[str, str]) -> dict[str, str]:
        return headers

    def signing_secret(self, secret: str) -> str:
        return secret

    def signing_time(self, now: float) -> float:
        return now

    def hosted_page_open(self, payment: Payment, shown_open: bool) -> bool:
        return shown_open

    def hosted_page_html(self, payment: Payment, html: str) -> str:
        return html

    def create_body(self, body: Any) -> Any:
        """The create body as the mock reads it, before validation."""
        return body

    def validation_problems(self, problems: list[Any]) -> list[Any]:
        return problems

    def keeps_rejected_create(self) -> bool:
        return False

    def idempotency_key(self, key: str | None) -> str | None:
        return key

    def idempotency_fingerprint(self, fingerprint: str) -> str:
        return fingerprint

    def enforces_auth(self) -> bool:
        return True

    def error(self, status: int, body: dict[str, Any] | str) -> ErrorAnswer:
        """The status and body of an API error (a str body is sent as text/plain)."""
        return status, body


def _error_code(body: dict[str, Any] | str) -> str | None:
    error = body.get("error") if isinstance(body, dict) else None
    return error.get("code") if isinstance(error, dict) else None


# -- the payment object --------------------------------------------------------
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

    def answer(self, endpoint: str, view: dict[str, Any]) -> dict[str, Any]:
        return {**view, "status": "pending"} if endpoint == "create" else view


# -- invalid create --------------------------------------------------------------
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


class InvalidJson500(ContractBreak):
    """A body that is not JSON gets a 4xx; this answers 500."""

    name = "invalid_json_500"
    promise = "a non-JSON create body gets 4xx"
    symptom = "got 500"

    def error(self, status: int, body: dict[str, Any] | str) -> ErrorAnswer:
        return (500, body) if _error_code(body) == "invalid_json" else (status, body)


class ErrorNotJson(ContractBreak):
    """Error bodies are JSON; this sends plain text."""

    name = "error_not_json"
    promise = "error bodies are JSON matching the error schema"
    symptom = "response body is not JSON"

    def error(self, status: int, body: dict[str, Any] | str) -> ErrorAnswer:
        error = body.get("error") if isinstance(body, dict) else body
        message = error.get("message") if isinstance(error, dict) else error
        return status, f"Error: {message}"


class ErrorWithoutErrorKey(ContractBreak):
    """Error bodies have a top-level "error"; this sends {"message": ...}."""

    name = "error_without_error_key"
    promise = "error bodies have a top-level 'error'"
    symptom = '"error" is a required property'

    def error(self, status: int, body: dict[str, Any] | str) -> ErrorAnswer:
        error = body.get("error") if isinstance(body, dict) else body
        message = error.get("message") if isinstance(error, dict) else error
        return status, {"message": message}


# -- auth --------------------------------------------------------------------------
class AuthNotEnforced(ContractBreak):
    """A missing, wrong or malformed key gets 401; this serves the request anyway."""

    name = "auth_not_enforced"
    promise = "API calls without a valid key get 401"
    symptom = "expected HTTP 401"

    def enforces_auth(self) -> bool:
        return False


class AuthError403(ContractBreak):
    """A bad key gets 401; this answers 403."""

    name = "auth_error_403"
    promise = "API calls without a valid key get 401"
    symptom = "got 403"

    def error(self, status: int, body: dict[str, Any] | str) -> ErrorAnswer:
        return (403, body) if status == 401 else (status, body)


# -- retrieve ---------------------------------------------------------------------
class RetrieveStaleStatus(ContractBreak):
    """Retrieve reflects the current status; this keeps answering 'open' after
    cancel (a stale read replica)."""

    name = "retrieve_stale_status"
    promise = "retrieve reflects 'canceled' after cancel"
    symptom = "retrieve after cancel shows status 'open'"

    def answer(self, endpoint: str, view: dict[str, Any]) -> dict[str, Any]:
        if endpoint == "retrieve" and view.get("status") == CANCELED:
            return {**view, "status": OPEN, "canceled_at": None}
        return view


class RetrieveReportsExpired(ContractBreak):
    """Retrieve of a fresh link says 'open'; this says 'expired', as an API
    that computed the expiry in milliseconds instead of seconds would."""

    name = "retrieve_reports_expired"
    promise = "retrieve reflects 'open' after create"
    symptom = "retrieve after create shows status 'expired'"

    def answer(self, endpoint: str, view: dict[str, Any]) -> dict[str, Any]:
        if endpoint == "retrieve" and view.get("status") == OPEN:
            return {**view, "status": "expired"}
        return view


class UnknownPaymentNot404(ContractBreak):
    """An unknown payment id gets 404; this answers 400."""

    name = "unknown_payment_not_404"
    promise = "an unknown payment id gets 404"
    symptom = "expected HTTP 404"

    def error(self, status: int, body: dict[str, Any] | str) -> ErrorAnswer:
        return (400, body) if _error_code(body) == "resource_missing" else (status, body)


# -- cancel ------------------------------------------------------------------------
class CancelWrongId(ContractBreak):
    """Cancel answers the canceled payment; this answers with another id."""

    name = "cancel_wrong_id"
    promise = "cancel answers the payment it canceled"
    symptom = "plink_0ther"

    def answer(self, endpoint: str, view: dict[str, Any]) -> dict[str, Any]:
        return {**view, "id": "plink_0ther"} if endpoint == "cancel" else view


class CancelResponseStale(ContractBreak):
    """Cancel answers the payment as it is after cancel; this answers the
    snapshot from before (status 'open')."""

    name = "cancel_response_stale"
    promise = "cancel answers status 'canceled'"
    symptom = "cancel answered status 'open'"

    def answer(self, endpoint: str, view: dict[str, Any]) -> dict[str, Any]:
        if endpoint == "cancel" and view.get("status") == CANCELED:
            return {**view, "status": OPEN, "canceled_at": None}
        return view


class CancelRefusesRepeat(ContractBreak):
    """Cancel is idempotent (a no-op on a terminal payment); this answers 4xx
    to a payment that is no longer open."""

    name = "cancel_refuses_repeat"
    promise = "cancel is idempotent: 200 on a payment already terminal"
    symptom = "expected HTTP 200, got 400"

    def refuses_repeat_cancel(self, payment: Payment) -> bool:
        return True


class SecondEventOnSecondCancel(ContractBreak):
    """A second cancel fires no event; this fires a new payment.canceled."""

    name = "second_event_on_second_cancel"
    promise = "exactly one payment.canceled per payment"
    symptom = "2 distinct payment.canceled event(s)"

    def cancel_emits(self, changed: bool) -> bool:
        return True


class CancelOverridesTerminal(ContractBreak):
    """Cancel leaves a succeeded, expired or failed payment unchanged; this
    turns it into 'canceled' (and fires an event)."""

    name = "cancel_overrides_terminal"
    promise = "cancel of a succeeded/expired/failed payment changes nothing"
    symptom = "payment changed it"

    def cancel_changes(self, payment: Payment, changed: bool, now: float) -> bool:
        if not changed and payment.status != CANCELED:
            payment.status, payment.canceled_at = CANCELED, int(now)
            return True
        return changed


# -- idempotency --------------------------------------------------------------------
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


# -- the webhook ---------------------------------------------------------------------
class NoWebhook(ContractBreak):
    """Cancel must fire payment.canceled; this fires nothing."""

    name = "no_webhook"
    promise = "cancel fires a payment.canceled webhook"
    symptom = "the mock queued no webhook"

    def emits_cancel_event(self) -> bool:
        return False


class WebhookWrongSecret(ContractBreak):
    """Webhooks are signed with the endpoint's whsec_ secret; this uses another."""

    name = "webhook_wrong_secret"
    promise = "webhooks are signed with the configured secret"
    symptom = "signature mismatch"

    def signing_secret(self, secret: str) -> str:
        return "whsec_not_the_configured_secret"


class WebhookUnsigned(ContractBreak):
    """Every webhook carries SknPay-Signature; this sends none."""

    name = "webhook_unsigned"
    promise = "webhooks carry a SknPay-Signature header"
    symptom = "signature missing"

    def delivery_headers(self, headers: dict[str, str]) -> dict[str, str]:
        return {k: v for k, v in headers.items() if k.lower() != "sknpay-signature"}


class WebhookStaleSignature(ContractBreak):
    """The signature timestamp is the send time; this signs 10 minutes in the
    past (outside the 5-minute tolerance), as a replayed delivery would be."""

    name = "webhook_stale_signature"
    promise = "the signature timestamp is within tolerance"
    symptom = "signature stale"

    def signing_time(self, now: float) -> float:
        return now - 600


class EventTypeTypo(ContractBreak):
    """The event type is "payment.canceled"; this sends "payment.cancelled"."""

    name = "event_type_typo"
    promise = "the cancel event's type is 'payment.canceled'"
    symptom = "payment.cancelled"

    def event(self, event: dict[str, Any]) -> dict[str, Any]:
        if event.get("type") == "payment.canceled":
            return {**event, "type": "payment.cancelled"}
        return event


class EventTypeHeaderMismatch(ContractBreak):
    """SknPay-Event-Type equals the body's type; this sends "payment.updated"."""

    name = "event_type_header_mismatch"
    promise = "SknPay-Event-Type equals the body's type"
    symptom = "header is 'payment.updated'"

    def delivery_headers(self, headers: dict[str, str]) -> dict[str, str]:
        return {**headers, "SknPay-Event-Type": "payment.updated"}


class EventMissingId(ContractBreak):
    """Every event has an evt_ id (deduplication needs it); this drops it."""

    name = "event_missing_id"
    promise = "the event envelope has an id"
    symptom = '"id" is a required property'

    def event(self, event: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in event.items() if k != "id"}


class EventStaleStatus(ContractBreak):
    """The event's data.object is the payment after the change; this sends the
    snapshot from before (status 'open')."""

    name = "event_stale_status"
    promise = "payment.canceled carries the canceled payment"
    symptom = '"canceled" was expected'

    def event(self, event: dict[str, Any]) -> dict[str, Any]:
        data = event.get("data")
        obj = data.get("object") if isinstance(data, dict) else None
        if isinstance(obj, dict) and obj.get("status") == CANCELED:
            stale = {**obj, "status": OPEN, "canceled_at": None}
            return {**event, "data": {**data, "object": stale}}  # type: ignore[dict-item]
        return event


class EventAmountDiffers(ContractBreak):
    """The event's data.object agrees with a retrieve; this sends another amount."""

    name = "event_amount_differs"
    promise = "the event's data.object agrees with a retrieve"
    symptom = "differs from a retrieve"

    def event(self, event: dict[str, Any]) -> dict[str, Any]:
        data = event.get("data")
        obj = data.get("object") if isinstance(data, dict) else None
        if isinstance(obj, dict) and isinstance(obj.get("amount"), int):
            return {**event, "data": {**data, "object": {**obj, "amount": obj["amount"] + 1}}}  # type: ignore[dict-item]
        return event


# -- the hosted page ---------------------------------------------------------------------
class HostedPageStillActive(ContractBreak):
    """After cancel the hosted page says the link is no longer active; this
    keeps showing the pay form."""

    name = "hosted_page_still_active"
    promise = "the hosted page of a canceled link says it is no longer active"
    symptom = "no longer active"

    def hosted_page_open(self, payment: Payment, shown_open: bool) -> bool:
        return shown_open or payment.status == CANCELED


class HostedPageWrongAmount(ContractBreak):
    """The hosted page shows the payment's amount; this shows it divided by 100."""

    name = "hosted_page_wrong_amount"
    promise = "the hosted page shows the amount while open"
    symptom = "should show the amount"

    def hosted_page_html(self, payment: Payment, html: str) -> str:
        right = format_amount(payment.amount, payment.currency)
        return html.replace(right, format_amount(payment.amount // 100, payment.currency))


# -- harmless variations the suite must tolerate -------------------------------------------
class PaymentExtraField(ContractBreak):
    """Not a break: payments carry a field the schemas do not know
    (``risk_score``). The suite passes and reports it as drift; with
    --sknpay-strict-contract it fails."""

    name = "payment_extra_field"
    promise = "(harmless) a new field is not a break; it is reported as drift"
    symptom = "risk_score"
    harmless = True

    def payment_view(self, view: dict[str, Any]) -> dict[str, Any]:
        return {**view, "risk_score": 12}


class RedeliverEvents(ContractBreak):
    """Not a break: every event is delivered twice with the same id
    (at-least-once delivery). The listener deduplicates; the suite passes."""

    name = "redeliver_events"
    promise = "(harmless) a redelivery of the same event id is deduplicated"
    symptom = ""
    harmless = True

    def deliveries_per_event(self) -> int:
        return 2


class ExtraFields(ContractBreak):
    """Not a break, and not in BREAKS (it takes names and values): every object
    the API returns (each payment, also as an event's ``data.object``; each
    refund; each event envelope; each error body) carries fields the schemas do not know,
    as a newer API version would. The suite passes and reports them as contract
    drift; --sknpay-strict-contract fails on them. ``sknpay-mock --extra-field``."""

    promise = "(harmless) new fields in every object are not a break; they are reported as drift"
    harmless = True

    def __init__(self, fields: Mapping[str, Any]) -> None:
        clash = sorted(set(fields) & RESERVED_FIELDS)
        if clash:
            raise ValueError(f"extra field(s) {', '.join(clash)} would replace a field the "
                             "API already sends; choose a new name")
        self.fields = dict(fields)
        self.name = "extra_fields:" + ",".join(self.fields)

    def payment_view(self, view: dict[str, Any]) -> dict[str, Any]:
        return {**view, **self.fields}

    def refund_view(self, view: dict[str, Any]) -> dict[str, Any]:
        return {**view, **self.fields}

    def event(self, event: dict[str, Any]) -> dict[str, Any]:
        return {**event, **self.fields}

    def error(self, status: int, body: dict[str, Any] | str) -> ErrorAnswer:
        return status, ({**body, **self.fields} if isinstance(body, dict) else body)


# Fields a payment, a refund, an event or an error body already has: an extra field
# may not take one of these names (it would change the object instead of adding to it).
RESERVED_FIELDS = frozenset({
    "id", "object", "amount", "currency", "description", "status", "url", "metadata",
    "customer_email", "customer_name", "success_url", "cancel_url", "livemode", "created",
    "canceled_at", "last_payment_error", "amount_refunded", "type", "data", "error",
    "payment_id",
})


BREAKS: dict[str, type[ContractBreak]] = {
    cls.name: cls
    for cls in (
        StatusCancelled, PaymentWithoutUrl, AmountChanged, AmountAsString, CurrencyLowercase,
        MetadataDropped, UrlRelative, NewPaymentNotOpen,
        CoercesAmount, CurrencyDefaultsToUsd, AcceptsUnknownCurrency, AcceptsUndocumentedShapes,
        KeepsRejectedCreate,
        InvalidJson500, ErrorNotJson, ErrorWithoutErrorKey,
        AuthNotEnforced, AuthError403,
        RetrieveStaleStatus, RetrieveReportsExpired, UnknownPaymentNot404,
        CancelWrongId, CancelResponseStale, CancelRefusesRepeat, SecondEventOnSecondCancel,
        CancelOverridesTerminal,
        IdempotencyIgnored, IdempotencyKeyTruncated, IdempotencyConflictReplayed,
        NoWebhook, WebhookWrongSecret, WebhookUnsigned, WebhookStaleSignature, EventTypeTypo,
        EventTypeHeaderMismatch, EventMissingId, EventStaleStatus, EventAmountDiffers,
        HostedPageStillActive, HostedPageWrongAmount,
        PaymentExtraField, RedeliverEvents,
    )
}


def check_break_names(names: Iterable[str]) -> None:
    """Raise ValueError naming each unknown break with the closest known names.

    Short on purpose (a setting's one-line error): a typo needs the near
    miss, not all the names.
    """
    unknown = []
    for name in names:
        if name not in BREAKS:
            close = difflib.get_close_matches(name, list(BREAKS), n=3, cutoff=0.7)
            hint = f"did you mean {' or '.join(close)}?" if close else "no close match"
            unknown.append(f"{name!r} ({hint})")
    if unknown:
        raise ValueError(f"unknown contract break {', '.join(unknown)}; "
                         f"the {len(BREAKS)} known names are listed in docs/contract.md")


class BreakSet:
    """The breaks switched on in one mock; hooks apply in the order given."""

    def __init__(self, names: Iterable[str] = (), extras: Iterable[ContractBreak] = ()) -> None:
        """``extras``: unnamed variations kept on whatever ``set`` switches
        (e.g. :class:`ExtraFields`); they apply after the named breaks."""
        self._extras = list(extras)
        self._named: list[ContractBreak] = []
        self._active: list[ContractBreak] = list(self._extras)
        self.set(names)

    def set(self, names: Iterable[str]) -> None:
        names = list(names)
        check_break_names(names)
        self._named = [BREAKS[n]() for n in names]
        self._active = self._named + self._extras

    @property
    def names(self) -> list[str]:
        return [b.name for b in self._named]

    def payment_view(self, view: dict[str, Any]) -> dict[str, Any]:
        for b in self._active:
            view = b.payment_view(view)
        return view

    def refund_view(self, view: dict[str, Any]) -> dict[str, Any]:
        for b in self._active:
            view = b.refund_view(view)
        return view

    def answer(self, endpoint: str, view: dict[str, Any]) -> dict[str, Any]:
        for b in self._active:
            view = b.answer(endpoint, view)
        return view

    def emits_cancel_event(self) -> bool:
        return all(b.emits_cancel_event() for b in self._active)

    def cancel_emits(self, changed: bool) -> bool:
        for b in self._active:
            changed = b.cancel_emits(changed)
        return changed

    def cancel_changes(self, payment: Payment, changed: bool, now: float) -> bool:
        for b in self._active:
            changed = b.cancel_changes(payment, changed, now)
        return changed

    def refuses_repeat_cancel(self, payment: Payment) -> bool:
        return any(b.refuses_repeat_cancel(payment) for b in self._active)

    def event(self, event: dict[str, Any]) -> dict[str, Any]:
        for b in self._active:
            event = b.event(event)
        return event

    def deliveries_per_event(self) -> int:
        return max([1, *(b.deliveries_per_event() for b in self._active)])

    def delivery_headers(self, headers: dict[str, str]) -> dict[str, str]:
        for b in self._active:
            headers = b.delivery_headers(headers)
        return headers

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

    def hosted_page_html(self, payment: Payment, html: str) -> str:
        for b in self._active:
            html = b.hosted_page_html(payment, html)
        return html

    def create_body(self, body: Any) -> Any:
        for b in self._active:
            body = b.create_body(body)
        return body

    def validation_problems(self, problems: list[Any]) -> list[Any]:
        for b in self._active:
            problems = b.validation_problems(problems)
        return problems

    def keeps_rejected_create(self) -> bool:
        return any(b.keeps_rejected_create() for b in self._active)

    def idempotency_key(self, key: str | None) -> str | None:
        for b in self._active:
            key = b.idempotency_key(key)
        return key

    def idempotency_fingerprint(self, fingerprint: str) -> str:
        for b in self._active:
            fingerprint = b.idempotency_fingerprint(fingerprint)
        return fingerprint

    def enforces_auth(self) -> bool:
        return all(b.enforces_auth() for b in self._active)

    def error(self, status: int, body: dict[str, Any] | str) -> ErrorAnswer:
        for b in self._active:
            status, body = b.error(status, body)
        return status, body
