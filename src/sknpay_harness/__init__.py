"""End-to-end harness and contract suite for the SKN Pay Payments API.

The public surface is listed in ``__all__`` (a test pins it); everything else
is internal and may change.
"""

from .client import Exchange, SknPayClient
from .contract import CREATE_STATUSES, Contract, UnknownField, Violation
from .errors import (
    ConfigError,
    ContractViolation,
    CustomerError,
    SignatureError,
    SknPayHarnessError,
    TransportError,
    WaitTimeout,
    WebhookRejected,
)
from .harness import Harness
from .inbox import Delivery, ReceivedEvent, WebhookInbox
from .listener import WebhookListener
from .redaction import Redactor
from .settings import KNOBS, Settings
from .signing import sign, verify
from .webhook_waiter import WebhookWaiter

__version__ = "0.2.0"

__all__ = [
    "CREATE_STATUSES",
    "KNOBS",
    "ConfigError",
    "Contract",
    "ContractViolation",
    "CustomerError",
    "Delivery",
    "Exchange",
    "Harness",
    "ReceivedEvent",
    "Redactor",
    "Settings",
    "SignatureError",
    "SknPayClient",
    "SknPayHarnessError",
    "TransportError",
    "UnknownField",
    "Violation",
    "WaitTimeout",
    "WebhookInbox",
    "WebhookListener",
    "WebhookRejected",
    "WebhookWaiter",
    "__version__",
    "sign",
    "verify",
]
