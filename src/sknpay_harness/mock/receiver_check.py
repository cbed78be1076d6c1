"""The receiver check: the mock sends its battery to your webhook endpoint.

:func:`check_receiver` sends each delivery of ``receiver_battery.BATTERY`` to
an endpoint URL, in order, and reports for each what was sent, what came back,
how long it took and which expectation it broke. It is library code: pytest
calls it in your app's tests, ``sknpay-check-receiver`` (receiver_cli.py)
from any CI, and the standalone mock's ``POST /_mock/receiver-check``.

What the check cannot see from outside (the order paid exactly once; a late
``payment.failed`` not undoing it) the app's test hands in as hooks:

- ``state_probe()``: returns the app's state for the battery's payment (any
  value comparable with ``==``, e.g. ``{"status": "paid", "times_paid": 1}``).
  It is called before the battery and after each delivery; a case with a
  state rule breaks it when the value changed across that delivery. If your
  app applies events in the background, the probe waits until it is done.
- ``after={"case": hook}``: called after that case's delivery (after the
  probe); an AssertionError it raises breaks that delivery, with its message.

Without a probe, the state rules are reported as not judged, never as met.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx

from ..errors import ConfigError, SknPayHarnessError
from ..signing import SigningSecret
from ..tls import shared_ssl_context
from .receiver_battery import ACCEPT, BATTERY, CASE_NAMES, Case, Kit, Outgoing, payment_object

DEFAULT_SLOW_AFTER = 10.0  # seconds; the real sender's timeout is unknown (Stripe's is ~10 s)
DEFAULT_TIMEOUT = 15.0  # per delivery: a slow answer still arrives and is timed
_ANSWER_CHARS = 160


class ReceiverCheckFailed(SknPayHarnessError, AssertionError):
    """The receiver broke at least one expectation; the message is the report."""


@dataclass(frozen=True)
class Broken:
    """One broken expectation: a short label (the same for every receiver that
    breaks it this way) and the detail (status, state before and after...)."""

    label: str
    detail: str


@dataclass(frozen=True)
class DeliveryResult:
    """One row of the report."""

    case: str
    sent: str  # the case in words
    event_type: str
    event_id: str
    signature: str  # how it was signed, in words
    body_bytes: int
    expected: str  # "4xx, must not change state"
    status: int | None  # None: no answer
    elapsed_ms: float
    answer: str  # the start of the response body, or the transport error
    broken: tuple[Broken, ...]
    state_judged: bool

    @property
    def ok(self) -> bool:
        return not self.broken

    def as_dict(self) -> dict[str, Any]:
        return {"case": self.case, "sent": self.sent, "event_type": self.event_type,
                "event_id": self.event_id, "signature": self.signature,
                "body_bytes": self.body_bytes, "expected": self.expected, "status": self.status,
                "elapsed_ms": round(self.elapsed_ms, 1), "answer": self.answer,
                "state_judged": self.state_judged,
                "broken": [{"label": b.label, "detail": b.detail} for b in self.broken]}


@dataclass(frozen=True)
class ReceiverReport:
    """Every delivery's result. ``url`` is shown without query or user info."""

    url: str
    payment_id: str
    results: tuple[DeliveryResult, ...]
    state_judged: bool

    @property
    def ok(self) -> bool:
        return all(result.ok for result in self.results)

    @property
    def broken(self) -> tuple[DeliveryResult, ...]:
        return tuple(result for result in self.results if not result.ok)

    def summary(self) -> str:
        """One line: passed, or each broken expectation with the cases that broke it."""
        total = len(self.results)
        if self.ok:
            unjudged = "" if self.state_judged else " (state rules not judged: no state probe)"
            return f"receiver check passed: {total} of {total} deliveries met their expectations" \
                   + unjudged
        by_label: dict[str, list[str]] = {}
        for result in self.results:
            for broken in result.broken:
                by_label.setdefault(broken.label, []).append(result.case)
        groups = "; ".join(f"{label}: {', '.join(cases)}" for label, cases in by_label.items())
        return f"receiver check failed ({len(self.broken)} of {total} deliveries): {groups}"

    def text(self, verbose: bool = False) -> str:
        """The report for a person: one row per delivery, what was sent and what
        came back under each broken row (under every row if ``verbose``), the
        detail of each broken expectation, the summary last."""
        judged = ("state judged by the state probe" if self.state_judged
                  else "no state probe: state rules not judged")
        lines = [f"Receiver check of {self.url} (payment {self.payment_id}; {judged})",
                 f"  {'case':<17} {'expected':<34} {'got':>4} {'ms':>8}  verdict"]
        for result in self.results:
            got = "-" if result.status is None else str(result.status)
            verdict = "ok" if result.ok else "BROKEN: " + "; ".join(b.label for b in result.broken)
            lines.append(f"  {result.case:<17} {result.expected:<34} {got:>4} "
                         f"{result.elapsed_ms:>8.1f}  {verdict}")
            if verbose or not result.ok:
                lines.append(f"      sent: {result.event_type} {result.event_id}, "
                             f"{result.signature}, {result.body_bytes} bytes")
                lines.append(f"      answer: {result.answer or '(empty)'}")
                lines += [f"      {b.label}: {b.detail}" for b in result.broken]
        lines.append(self.summary())
        return "\n".join(lines)

    def as_dict(self) -> dict[str, Any]:
        return {"url": self.url, "payment_id": self.payment_id, "passed": self.ok,
                "summary": self.summary(), "state_judged": self.state_judged,
                "deliveries": [result.as_dict() for result in self.results]}

    def raise_if_broken(self) -> None:
        """Raise :class:`ReceiverCheckFailed` (an AssertionError) with the report."""
        __tracebackhide__ = True
        if not self.ok:
            raise ReceiverCheckFailed(f"{self.summary()}\n{self.text()}")


def check_receiver(
    url: str,
    payment: str | Mapping[str, Any],
    secret: SigningSecret,
    *,
    old_secret: SigningSecret | None = None,
    state_probe: Callable[[], object] | None = None,
    after: Mapping[str, Callable[[], object]] | None = None,
    slow_after: float = DEFAULT_SLOW_AFTER,
    timeout: float = DEFAULT_TIMEOUT,
    clock: Callable[[], float] = time.time,
    timer: Callable[[], float] = time.perf_counter,
    run_id: str | None = None,
) -> ReceiverReport:
    """Send the battery to ``url`` and report how it answered each delivery.

    ``payment``: a payment id the receiver knows, or the payment object (so the
    events carry its real amount, currency and metadata). ``secret``: the
    webhook secret the receiver verifies with; ``old_secret`` the one it
    rotated out (default: a made-up one). ``slow_after``: an answer slower than
    this (seconds) breaks its expectation; ``timeout`` bounds each delivery.
    ``clock`` (unix seconds) dates the signatures; ``timer`` times the answers;
    ``run_id`` makes the event ids (``evt_<run_id>NN``) fresh per run.
    """
    _check_arguments(url, secret, after, slow_after, timeout)
    obj = payment_object(payment)
    if not isinstance(obj.get("id"), str) or not obj["id"]:
        raise ConfigError(f"receiver check: the payment has no id (got {obj.get('id')!r}); "
                          "give a payment id your app knows, or the payment object")
    kit = Kit(obj, secret, old_secret or "whsec_" + secrets.token_hex(24), clock,
              run_id or "check" + secrets.token_hex(6))
    hooks = dict(after or {})
    results = []
    with httpx.Client(timeout=timeout, follow_redirects=False, verify=shared_ssl_context()) as http:
        state = _probe(state_probe)
        for case in BATTERY:
            outgoing = case.build(kit)
            status, answer, elapsed = _send(http, url, outgoing, timer)
            broken = _judge_answer(case, status, answer, elapsed, slow_after, timeout)
            if state_probe is not None:
                before, state = state, _probe(state_probe)
                broken += _judge_state(case, before, state)
            if case.name in hooks:
                broken += _run_hook(hooks[case.name])
            results.append(DeliveryResult(
                case.name, case.sends, outgoing.event_type, outgoing.event_id,
                outgoing.signature, len(outgoing.body), case.expectation, status, elapsed * 1000,
                answer, tuple(broken), state_probe is not None))
    return ReceiverReport(shown_url(url), str(obj["id"]), tuple(results), state_probe is not None)


@dataclass(frozen=True)
class _Probed:
    value: object = None
    error: str | None = None


def _probe(state_probe: Callable[[], object] | None) -> _Probed:
    if state_probe is None:
        return _Probed()
    try:
        return _Probed(state_probe())
    except Exception as exc:  # the probe's bug is reported on the delivery, not raised
        return _Probed(error=f"{type(exc).__name__}: {exc}")


def _send(http: httpx.Client, url: str, outgoing: Outgoing,
          timer: Callable[[], float]) -> tuple[int | None, str, float]:
    started = timer()
    try:
        response = http.post(url, content=outgoing.body, headers=outgoing.headers)
    except httpx.HTTPError as exc:
        return None, f"{type(exc).__name__}: {exc}"[:_ANSWER_CHARS], timer() - started
    elapsed = timer() - started
    http.cookies.clear()  # a sender keeps no cookies between deliveries
    return response.status_code, " ".join(response.text.split())[:_ANSWER_CHARS], elapsed


def _judge_answer(case: Case, status: int | None, answer: str, elapsed: float,
                  slow_after: float, timeout: float) -> list[Broken]:
    if status is None:
        kind = answer.partition(":")[0]
        return [Broken(f"no answer ({kind})", f"no answer within {timeout:g} s: {answer}")]
    broken = []
    wanted = 200 <= status < 300 if case.expects == ACCEPT else 400 <= status < 500
    if not wanted:
        if case.expects == ACCEPT:
            why = "any other answer makes SKN Pay retry it"
        elif status >= 500:
            why = "a 5xx makes SKN Pay retry a delivery it should drop"
        else:
            why = "a delivery the receiver cannot trust must be refused"
        broken.append(Broken(f"expected {case.expects}, got {status}", why))
    if elapsed > slow_after:
        broken.append(Broken(f"slow (over {slow_after:g} s)",
                             f"answered in {elapsed:.1f} s; answer first, work later"))
    return broken


def _judge_state(case: Case, before: _Probed, after: _Probed) -> list[Broken]:
    if after.error is not None:
        return [Broken("state probe failed", after.error)]
    if case.state_rule is None or before.error is not None or before.value == after.value:
        return []
    return [Broken(case.state_rule, f"state before: {_short(before.value)}; "
                                    f"after: {_short(after.value)}")]


def _run_hook(hook: Callable[[], object]) -> list[Broken]:
    try:
        hook()
    except AssertionError as exc:
        message = str(exc).strip() or "assertion failed"
        return [Broken(message.splitlines()[0][:100], message)]
    except Exception as exc:
        return [Broken(f"hook raised {type(exc).__name__}", f"{type(exc).__name__}: {exc}")]
    return []


def _short(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 200 else text[:197] + "..."


def shown_url(url: str) -> str:
    """The URL without user info or query: a token may ride in either."""
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc.rpartition("@")[2], parts.path, "", ""))


def _check_arguments(url: str, secret: SigningSecret, after: Mapping[str, Any] | None,
                     slow_after: float, timeout: float) -> None:
    parts = urlsplit(url) if isinstance(url, str) else None
    if parts is None or parts.scheme not in ("http", "https") or not parts.netloc:
        raise ConfigError(f"receiver check: the endpoint {url!r} is not an http(s) URL")
    if not secret:
        raise ConfigError("receiver check: no webhook secret given (the whsec_... the "
                          "receiver verifies with)")
    unknown = sorted(set(after or {}) - set(CASE_NAMES))
    if unknown:
        raise ConfigError(f"receiver check: after= names no case of the battery: "
                          f"{', '.join(unknown)} (cases: {', '.join(CASE_NAMES)})")
    if not slow_after > 0 or not timeout > 0:
        raise ConfigError(f"receiver check: slow_after ({slow_after!r}) and timeout "
                          f"({timeout!r}) must be more than 0 seconds")
