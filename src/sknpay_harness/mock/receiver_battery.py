"""The receiver check's battery: each delivery, how it is built, what it expects.

The deliveries tell one story about one payment the receiver knows, in the
order an attacker and an at-least-once sender would tell it: first the
mis-signed ``payment.succeeded`` events, while the order is still unpaid (a
receiver that accepts one marks an unpaid order paid), then the real
``payment.succeeded``, its duplicate, a rotation-time signature, an unknown
event type, a late ``payment.failed`` and the largest event the API's limits
allow.

Each case expects one of two answers, :data:`ACCEPT` (2xx: SKN Pay stops
retrying) or :data:`REFUSE` (4xx: the delivery is not trusted), and some also
a state rule ("must not change state twice"), judged from the app's side by
the caller's state probe (receiver_check.py).

Bodies are pretty-printed (two-space indent, as Stripe sends its events): the
bytes differ from what any JSON library writes by default, so a receiver that
parses and re-serialises the body before verifying fails here in any language.
Every signature is made with :func:`sknpay_harness.signing.sign`, the function
the mock's outbox signs real deliveries with.
"""

from __future__ import annotations

import copy
import json
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from .. import limits, signing
from ..signing import SigningSecret
from .payments import DECLINED

ACCEPT = "2xx"
REFUSE = "4xx"
# The state rules. A probe is called after every delivery; a case with a rule
# breaks it when the probe's value differs from the one before the delivery.
NO_CHANGE = "must not change state"
NOT_TWICE = "must not change state twice"
NOT_UNDONE = "must not undo the payment"

STALE_SECONDS = 600  # "a signature 10 minutes old": twice the 5-minute tolerance
FUTURE_SECONDS = 600
USER_AGENT = "sknpay-mock (receiver check)"
UNKNOWN_EVENT_TYPE = "payment.receiver_check_unknown"


@dataclass(frozen=True)
class Outgoing:
    """One delivery as sent: the bytes, the headers, and what they are in words."""

    event_id: str
    event_type: str
    body: bytes
    headers: dict[str, str]
    signature: str  # how it is signed, in words: never a secret, never the HMAC


@dataclass
class Kit:
    """What the builders share: the payment, the secrets, the clock, the events made.

    ``payment``: the payment object the events carry (``data.object``).
    ``secret``: the receiver's webhook secret; ``old_secret`` the rotated-out
    one (any made-up secret works as well: the receiver must not know it).
    """

    payment: dict[str, Any]
    secret: SigningSecret = field(repr=False)
    old_secret: SigningSecret = field(repr=False)
    now: Callable[[], float]
    run_id: str
    made: dict[str, dict[str, Any]] = field(default_factory=dict)  # case -> event
    _count: int = 0

    def event(self, case: str, event_type: str, status: str, **changes: Any) -> dict[str, Any]:
        """A new event (fresh id) of ``event_type`` whose payment has ``status``."""
        self._count += 1
        obj = {**copy.deepcopy(self.payment), "status": status, **changes}
        event = {"id": f"evt_{self.run_id}{self._count:02d}", "object": "event",
                 "type": event_type, "created": int(self.now()), "livemode": False,
                 "data": {"object": obj}}
        self.made[case] = event
        return event

    def succeeded(self, case: str, **changes: Any) -> dict[str, Any]:
        return self.event(case, "payment.succeeded", "succeeded", last_payment_error=None,
                          **changes)


def encode(event: Mapping[str, Any]) -> bytes:
    """Pretty-printed JSON (see the module doc: no library re-serialises to this)."""
    return json.dumps(event, indent=2).encode()


def signed(event: Mapping[str, Any], header: str | None, words: str,
           body: bytes | None = None) -> Outgoing:
    headers = {"Content-Type": "application/json", "User-Agent": USER_AGENT,
               signing.EVENT_TYPE_HEADER: str(event["type"])}
    if header is not None:
        headers[signing.HEADER] = header
    return Outgoing(str(event["id"]), str(event["type"]), encode(event) if body is None else body,
                    headers, words)


# -- the builders, one per case ------------------------------------------------------------
def _forged(kit: Kit) -> Outgoing:
    event = kit.succeeded("forged_signature")
    made_up = "whsec_" + secrets.token_hex(24)  # what an attacker would have: not the secret
    return signed(event, signing.sign(encode(event), made_up, kit.now()),
                  "t=now, v1 with a made-up secret")


def _unsigned(kit: Kit) -> Outgoing:
    return signed(kit.succeeded("no_signature"), None, f"no {signing.HEADER} header")


def _stale(kit: Kit) -> Outgoing:
    event = kit.succeeded("stale_signature")
    return signed(event, signing.sign(encode(event), kit.secret, kit.now() - STALE_SECONDS),
                  f"t=now-{STALE_SECONDS}s, v1 with the secret")


def _future(kit: Kit) -> Outgoing:
    event = kit.succeeded("future_timestamp")
    return signed(event, signing.sign(encode(event), kit.secret, kit.now() + FUTURE_SECONDS),
                  f"t=now+{FUTURE_SECONDS}s, v1 with the secret")


def _changed(kit: Kit) -> Outgoing:
    event = kit.succeeded("body_changed")
    header = signing.sign(encode(event), kit.secret, kit.now())
    tampered = copy.deepcopy(event)
    tampered["data"]["object"]["amount"] = 1  # the amount, changed after signing
    return signed(tampered, header, "t=now, v1 over the body before its amount was changed to 1",
                  encode(tampered))


def _valid(kit: Kit) -> Outgoing:
    event = kit.succeeded("valid")
    return signed(event, signing.sign(encode(event), kit.secret, kit.now()),
                  "t=now, v1 with the secret")


def _duplicate(kit: Kit) -> Outgoing:
    # SKN Pay's retry: the same body (same event id), signed again at send time.
    event = kit.made["valid"]
    kit.made["duplicate"] = event
    return signed(event, signing.sign(encode(event), kit.secret, kit.now()),
                  "t=now, v1 with the secret; the valid event's id and body")


def _rotated(kit: Kit) -> Outgoing:
    # During a rotation the sender signs with both secrets: one v1 each. A
    # receiver must accept any v1 that matches, not only the first.
    event = kit.succeeded("rotated_secret")
    body, timestamp = encode(event), int(kit.now())
    old = signing.compute(kit.old_secret, timestamp, body)
    new = signing.compute(kit.secret, timestamp, body)
    return signed(event, f"t={timestamp},v1={old},v1={new}",
                  "t=now, two v1: the rotated-out secret's first, then the secret's")


def _unknown(kit: Kit) -> Outgoing:
    event = kit.event("unknown_type", UNKNOWN_EVENT_TYPE, "succeeded")
    return signed(event, signing.sign(encode(event), kit.secret, kit.now()),
                  "t=now, v1 with the secret")


def _out_of_order(kit: Kit) -> Outgoing:
    # A declined first try reported late: the link stays open, with the decline
    # reason (as the mock's own payment.failed shows it).
    event = kit.event("out_of_order", "payment.failed", "open",
                      last_payment_error=dict(DECLINED))
    return signed(event, signing.sign(encode(event), kit.secret, kit.now()),
                  "t=now, v1 with the secret; after payment.succeeded")


def _large(kit: Kit) -> Outgoing:
    event = kit.succeeded("large_body", description="D" * limits.DESCRIPTION_MAX_LENGTH,
                          metadata=largest_metadata(kit.payment.get("metadata")))
    body = encode(event)
    return signed(event, signing.sign(body, kit.secret, kit.now()),
                  f"t=now, v1 with the secret; {len(body) // 1024} KB: metadata and "
                  "description at the API's limits", body)


def largest_metadata(given: Any) -> dict[str, str]:
    """The payment's own metadata, topped up to the API's limits (keys, lengths)."""
    metadata = {str(k): str(v) for k, v in (given or {}).items()}
    pad = 0
    while len(metadata) < limits.METADATA_MAX_KEYS:
        metadata.setdefault(f"receiver_check_{pad:02d}", "M" * limits.METADATA_VALUE_MAX_LENGTH)
        pad += 1
    return metadata


@dataclass(frozen=True)
class Case:
    """One delivery of the battery: its name, what is sent, what is expected."""

    name: str
    sends: str
    expects: str  # ACCEPT or REFUSE
    state_rule: str | None
    build: Callable[[Kit], Outgoing] = field(repr=False)

    @property
    def expectation(self) -> str:
        return self.expects + (f", {self.state_rule}" if self.state_rule else "")


BATTERY: tuple[Case, ...] = (
    Case("forged_signature", "a forged signature", REFUSE, NO_CHANGE, _forged),
    Case("no_signature", "no signature", REFUSE, NO_CHANGE, _unsigned),
    Case("stale_signature", "a signature 10 minutes old", REFUSE, NO_CHANGE, _stale),
    Case("future_timestamp", "a timestamp 10 minutes in the future", REFUSE, NO_CHANGE, _future),
    Case("body_changed", "a body changed after signing", REFUSE, NO_CHANGE, _changed),
    Case("valid", "a valid event", ACCEPT, None, _valid),
    Case("duplicate", "the same event again (same id)", ACCEPT, NOT_TWICE, _duplicate),
    Case("rotated_secret", "the rotated-out secret's signature beside the new one", ACCEPT, None,
         _rotated),
    Case("unknown_type", "an unknown event type", ACCEPT, NO_CHANGE, _unknown),
    Case("out_of_order", "payment.failed after payment.succeeded", ACCEPT, NOT_UNDONE,
         _out_of_order),
    Case("large_body", "the largest event the API's limits allow", ACCEPT, None, _large),
)
CASE_NAMES = tuple(case.name for case in BATTERY)


def payment_object(payment: str | Mapping[str, Any]) -> dict[str, Any]:
    """The payment the events carry: the caller's object, or a minimal one for an id.

    A receiver that checks the amount or currency against its order needs the
    real ones: pass the payment object (``GET /payments/{id}``) then.
    """
    given = {"id": payment} if isinstance(payment, str) else dict(payment)
    base: dict[str, Any] = {"object": "payment", "amount": 1000, "currency": "USD",
                            "description": None, "metadata": {}, "livemode": False,
                            "last_payment_error": None, "amount_refunded": 0}
    return {**base, **given}
