"""One exception root for the harness, and its tree (as httpx draws its own).

Failures a test should report as *failures* (not errors) also derive from
AssertionError (marked +A below), so pytest shows them as a broken contract
rather than a crash of the harness. Each message's first line is the
symptom, short: pytest's short summary and junit's ``message`` show that
line alone. Classes defined elsewhere are named with their module::

    SknPayHarnessError
    ├── ConfigError               a setting missing or invalid, named with its source
    ├── SignatureError            a webhook signature header missing, malformed, stale, wrong
    ├── TransportError            the target could not be reached
    ├── TargetError               the target would not do what the harness asked of it
    ├── MockError                 the mock refuses a request (answered as an error body)
    │   ├── mock.state.ApiError       ... on SKN Pay's API (/api/v1, the hosted page)
    │   └── mock.control.ControlError ... on the test-control API (/_mock)
    ├── relay.RelayError          a worker could not register with the webhook relay
    ├── ContractViolation +A      an answer, request or event off the contract
    │   └── fidelity.FidelityError    the mock answered unlike the recorded sandbox
    ├── WaitTimeout +A            a condition did not come true before its deadline
    ├── WebhookRejected +A        the awaited payment's delivery failed verification
    ├── CustomerError +A          the customer could not do its part on a hosted page
    └── mock.receiver_check.ReceiverCheckFailed +A   a webhook receiver broke an expectation
"""

from __future__ import annotations

from typing import Any


class SknPayHarnessError(Exception):
    """Root of every exception the harness raises on purpose."""


class ConfigError(SknPayHarnessError):
    """A setting is missing or invalid; the message names where it came from."""


class ContractViolation(SknPayHarnessError, AssertionError):
    """A response, request or event does not match the published contract."""


class SignatureError(SknPayHarnessError):
    """A webhook signature header is missing, malformed, stale or wrong.

    ``reason`` is a short machine-readable code (``missing``, ``malformed``,
    ``stale``, ``future``, ``mismatch``, ``no_secret``); the message says more.
    """

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


class TargetError(SknPayHarnessError):
    """The target would not do what the harness asked of it (the embedded mock
    refused a test control, or was asked for a status it does not know)."""


class MockError(SknPayHarnessError):
    """The mock refuses a request. Raised inside the mock and answered there as
    the API's error body ``{"error": {"type", "code", "message", "param"}}``
    with ``status``; a caller of the mock sees the answer, never this."""

    def __init__(self, status: int, type_: str, code: str, message: str,
                 param: str | None = None) -> None:
        super().__init__(message)
        self.status, self.type, self.code, self.message, self.param = (
            status, type_, code, message, param)

    def body(self) -> dict[str, Any]:
        return {"error": {"type": self.type, "code": self.code, "message": self.message,
                          "param": self.param}}


class WaitTimeout(SknPayHarnessError, AssertionError):
    """A condition did not come true before its deadline."""


class WebhookRejected(SknPayHarnessError, AssertionError):
    """A delivery for the awaited payment arrived but failed verification."""


class TransportError(SknPayHarnessError):
    """The target could not be reached (connection refused, timeout, ...)."""


class CustomerError(SknPayHarnessError, AssertionError):
    """The customer could not do its part on a hosted page: no card form, a
    field it needs missing, no way to answer a challenge.

    The message says which fields it found, which it needed and the page's URL.
    What a report should attach rides along: ``html`` (the page), and from the
    browser driver ``screenshot`` (PNG bytes) and ``aria_snapshot`` (the
    page's accessibility tree, YAML).
    """

    def __init__(self, message: str, *, url: str | None = None, html: str | None = None,
                 screenshot: bytes | None = None, aria_snapshot: str | None = None) -> None:
        super().__init__(message)
        self.url, self.html = url, html
        self.screenshot, self.aria_snapshot = screenshot, aria_snapshot

    def __reduce__(self) -> tuple[object, ...]:
        # Keyword-only state survives pickling (xdist, multiprocessing).
        return (type(self), (str(self),), dict(vars(self)))


# Shown by their public import path, as httpx does: a traceback reads
# "sknpay_harness.ContractViolation: ...", which is also how to import it.
for _error in (SknPayHarnessError, ConfigError, ContractViolation, SignatureError, WaitTimeout,
               WebhookRejected, TransportError, CustomerError):
    _error.__module__ = "sknpay_harness"
del _error
