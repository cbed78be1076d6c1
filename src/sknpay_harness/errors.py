"""One exception root for the harness.

Failures a test should report as *failures* (not errors) also derive from
AssertionError, so pytest shows them as a broken contract rather than a crash
of the harness. Each message's first line is the symptom, short: pytest's
short summary and junit's ``message`` show that line alone.
"""

from __future__ import annotations


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


class WaitTimeout(SknPayHarnessError, AssertionError):
    """A condition did not come true before its deadline."""


class WebhookRejected(SknPayHarnessError, AssertionError):
    """A delivery for the awaited payment arrived but failed verification."""


class TransportError(SknPayHarnessError):
    """The target could not be reached (connection refused, timeout, ...)."""


# Shown by their public import path, as httpx does: a traceback reads
# "sknpay_harness.ContractViolation: ...", which is also how to import it.
for _error in (SknPayHarnessError, ConfigError, ContractViolation, SignatureError, WaitTimeout,
               WebhookRejected, TransportError):
    _error.__module__ = "sknpay_harness"
del _error
