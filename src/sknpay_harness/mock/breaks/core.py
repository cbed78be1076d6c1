"""The base of every contract break: its hooks, each declared once with its default.

A hook is a place where the mock lets a break change what it does. There are
two kinds, and :class:`~.breakset.BreakSet` consults them generically:

- a *value* hook takes the value the mock is about to use as its first
  argument (then any context) and returns it, changed or not;
  ``BreakSet.apply(hook, value, *context)`` threads the value through every
  active break in the order given;
- a *question* (``refuses_repeat_cancel``, ``keeps_rejected_create``,
  ``enforces_auth``) answers yes or no; ``BreakSet.any`` / ``BreakSet.all``
  combine the answers.

Each default keeps the promise, so a break overrides only the hook it needs;
a break defining any other public method is refused at class creation (a
misspelt hook would otherwise never run, and its break never show).
"""

from __future__ import annotations

from typing import Any

from ..payments import Payment

ErrorAnswer = tuple[int, "dict[str, Any] | str"]


class ContractBreak:
    """No-op hooks; a break overrides the one it needs."""

    name = ""
    promise = ""
    symptom = ""
    harmless = False

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        stray = sorted(n for n, v in vars(cls).items()
                       if callable(v) and not n.startswith("_") and n not in HOOKS)
        if stray:
            raise TypeError(f"contract break {cls.__name__} defines {', '.join(stray)}, which "
                            f"is no hook; the hooks are: {', '.join(sorted(HOOKS))}")

    # -- the payment object and each endpoint's answer ----------------------
    def payment_view(self, view: dict[str, Any]) -> dict[str, Any]:
        return view

    def refund_view(self, view: dict[str, Any]) -> dict[str, Any]:
        return view

    def answer(self, view: dict[str, Any], endpoint: str) -> dict[str, Any]:
        """The payment object one endpoint ("create", "retrieve", "cancel") answers."""
        return view

    # -- create -------------------------------------------------------------
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

    # -- errors and auth ----------------------------------------------------
    def enforces_auth(self) -> bool:
        return True

    def error(self, answer: ErrorAnswer) -> ErrorAnswer:
        """The status and body of an API error (a str body is sent as text/plain)."""
        return answer

    # -- cancel ---------------------------------------------------------------
    def refuses_repeat_cancel(self, payment: Payment) -> bool:
        return False

    def cancel_changes(self, changed: bool, payment: Payment, now: float) -> bool:
        """May change a payment the state machine left alone; True if it did."""
        return changed

    def cancel_emits(self, emits: bool) -> bool:
        """Whether this cancel fires payment.canceled; the mock starts from
        whether it changed the payment."""
        return emits

    # -- refunds ----------------------------------------------------------------
    def refund_problems(self, problems: list[Any]) -> list[Any]:
        """What is wrong with a refund request's shape, before its payment is looked up."""
        return problems

    def refund_refusal(self, refusal: Any, payment: Payment) -> Any:
        """Why this refund of ``payment`` cannot be made (a FieldError); None: it can."""
        return refusal

    # -- events and their delivery --------------------------------------------
    def fires_event(self, fires: bool, event_type: str) -> bool:
        """Whether a change made on the hosted page or by a refund fires
        ``event_type`` (payment.succeeded, payment.failed, payment.refunded); the
        mock starts from whether the payment changed."""
        return fires

    def event(self, event: dict[str, Any]) -> dict[str, Any]:
        return event

    def deliveries_per_event(self, copies: int) -> int:
        return copies

    def delivery_headers(self, headers: dict[str, str]) -> dict[str, str]:
        return headers

    def signing_secret(self, secret: str) -> str:
        return secret

    def signing_time(self, now: float) -> float:
        return now

    # -- the hosted page --------------------------------------------------------
    def hosted_page_open(self, shown_open: bool, payment: Payment) -> bool:
        """Whether the page shows the pay form; the mock starts from status 'open'."""
        return shown_open

    def hosted_page_html(self, html: str, payment: Payment) -> str:
        return html

    def card_number(self, card: str) -> str:
        """The card number the customer submitted, as the page reads it (digits only)."""
        return card


# The hook names: ContractBreak's public methods, declared once above.
HOOKS = frozenset(n for n, v in vars(ContractBreak).items() if callable(v) and not n.startswith("_"))


def overrides(brk: ContractBreak, hook: str) -> bool:
    """True if ``brk`` changes ``hook`` (the default keeps the promise)."""
    return getattr(type(brk), hook) is not getattr(ContractBreak, hook)


def error_code(body: dict[str, Any] | str) -> str | None:
    """The ``error.code`` of an error body, if it has one."""
    error = body.get("error") if isinstance(body, dict) else None
    return error.get("code") if isinstance(error, dict) else None
