"""Webhook chaos: what the outbox does to events beyond sending them once.

Real senders deliver at least once, late, out of order and to shared
endpoints, so a listener must dedupe, tolerate retries and ignore events it
does not own. The outbox asks this policy two questions: what to queue for an
event (:meth:`ChaosPolicy.plan`) and whether an attempt is lost before it is
sent (:meth:`ChaosPolicy.intercept`). Settings are mock-wide (the command
line) and may be overridden per API key (the test-control API), so parallel
workers sharing one mock do not disturb each other. All randomness comes from
one seeded generator, so a run with ``--seed`` is reproducible.
"""

from __future__ import annotations

import copy
import random
import string
import threading
from dataclasses import dataclass, fields, replace
from typing import Any

Delay = float | tuple[float, float]
_ALPHABET = string.ascii_letters + string.digits


@dataclass(frozen=True)
class WebhookChaos:
    """One set of chaos settings; every field off by default."""

    delay: Delay | None = None  # None: the outbox's own delay
    duplicate_rate: float = 0.0  # chance an event is delivered twice (same event id)
    noise_rate: float = 0.0  # chance an event is followed by one for a made-up payment
    drop_first: int = 0  # first N attempts of each delivery are lost in transit (not sent)
    fail_first: int = 0  # first N attempts are recorded as a 503 answer (not sent), then retried
    reorder: int = 0  # reverse each batch of N events (by spreading their delays)
    reorder_window: float = 1.0  # seconds over which a reordered batch is spread

    def problems(self) -> list[str]:
        """Every invalid setting, phrased for the person who sent it."""
        found = []
        for name in ("duplicate_rate", "noise_rate"):
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                found.append(f"{name} must be between 0 and 1, got {value}")
        for name in ("drop_first", "fail_first", "reorder"):
            if getattr(self, name) < 0:
                found.append(f"{name} must be 0 or more")
        if self.reorder_window <= 0:
            found.append("reorder_window must be a positive number of seconds")
        delay = self.delay
        low, high = delay if isinstance(delay, tuple) else (delay or 0.0, delay or 0.0)
        if low < 0 or high < low:
            found.append(f"delay must be seconds >= 0 or a range low-high (low <= high), "
                         f"got {delay}")
        return found

    def as_dict(self) -> dict[str, Any]:
        out = {f.name: getattr(self, f.name) for f in fields(self)}
        if isinstance(self.delay, tuple):
            out["delay"] = list(self.delay)
        return out


CHAOS_FIELDS = frozenset(f.name for f in fields(WebhookChaos))


@dataclass(frozen=True)
class Planned:
    """One delivery the outbox should queue: the event and its delay (None:
    the outbox's default)."""

    event: dict[str, Any]
    delay: float | None = None
    kind: str = "event"  # event | duplicate | noise


@dataclass
class _TenantState:
    chaos: WebhookChaos
    batch_position: int = 0


class ChaosPolicy:
    """Mock-wide chaos with per-tenant overrides; thread-safe."""

    def __init__(self, default: WebhookChaos | None = None, seed: int | None = None) -> None:
        self.default = default or WebhookChaos()
        self._random = random.Random(seed)
        self._lock = threading.Lock()
        self._tenants: dict[str, _TenantState] = {}
        self._default_positions: dict[str, int] = {}

    # -- configuration -----------------------------------------------------
    def configure(self, tenant: str, chaos: WebhookChaos) -> None:
        problems = chaos.problems()
        if problems:
            raise ValueError("; ".join(problems))
        with self._lock:
            self._tenants[tenant] = _TenantState(chaos)

    def clear(self, tenant: str | None = None) -> None:
        with self._lock:
            if tenant is None:
                self._tenants.clear()
                self._default_positions.clear()
            else:
                self._tenants.pop(tenant, None)
                self._default_positions.pop(tenant, None)

    def for_tenant(self, tenant: str) -> WebhookChaos:
        with self._lock:
            state = self._tenants.get(tenant)
            return state.chaos if state else self.default

    # -- questions the outbox asks ---------------------------------------------
    def plan(self, event: dict[str, Any], tenant: str) -> list[Planned]:
        """The deliveries to queue for ``event`` (always at least the event)."""
        with self._lock:
            state = self._tenants.get(tenant)
            chaos = state.chaos if state else self.default
            delay = self._reorder_delay(chaos, tenant, state)
            if delay is None and chaos.delay is not None:
                delay = self._draw(chaos.delay)
            planned = [Planned(event, delay)]
            if chaos.duplicate_rate and self._random.random() < chaos.duplicate_rate:
                # Same body, same event id: what an at-least-once sender does
                # when it missed the first answer. A hair later than the original.
                # With no delay of its own, the outbox draws one for it too, so a
                # configured delay range applies to the redelivery as well.
                planned.append(Planned(event, None if delay is None else delay + 0.01,
                                       "duplicate"))
            if chaos.noise_rate and self._random.random() < chaos.noise_rate:
                planned.append(Planned(self._noise(event), delay, "noise"))
            return planned

    def intercept(self, tenant: str, attempt_number: int) -> tuple[int | None, str] | None:
        """A made-up outcome for this attempt (status, error), or None to send it."""
        chaos = self.for_tenant(tenant)
        if attempt_number <= chaos.drop_first:
            return None, f"lost in transit (chaos: drop_first={chaos.drop_first})"
        if attempt_number <= chaos.drop_first + chaos.fail_first:
            return 503, f"endpoint answered 503 (chaos: fail_first={chaos.fail_first})"
        return None

    # -- helpers (lock held) -------------------------------------------------
    def _reorder_delay(self, chaos: WebhookChaos, tenant: str,
                       state: _TenantState | None) -> float | None:
        """Within a batch of N events, the k-th waits (N-k)/N of the window, so
        events made in quick succession arrive newest first."""
        if chaos.reorder <= 1:
            return None
        if state is not None:
            position = state.batch_position
            state.batch_position = (position + 1) % chaos.reorder
        else:
            position = self._default_positions.get(tenant, 0)
            self._default_positions[tenant] = (position + 1) % chaos.reorder
        base = self._draw(chaos.delay) if chaos.delay is not None else 0.0
        return base + chaos.reorder_window * (chaos.reorder - position) / chaos.reorder

    def _draw(self, delay: Delay) -> float:
        if isinstance(delay, tuple):
            return self._random.uniform(*delay)
        return float(delay)

    def _noise(self, event: dict[str, Any]) -> dict[str, Any]:
        """A validly signed event for a payment nobody here created: a listener
        on a shared endpoint must ignore it."""
        noise = copy.deepcopy(event)
        noise["id"] = "evt_" + self._token()
        data = noise.get("data")
        obj = data.get("object") if isinstance(data, dict) else None
        if isinstance(obj, dict):
            obj["id"] = "plink_" + self._token()
            if isinstance(obj.get("url"), str) and "/pay/" in obj["url"]:
                obj["url"] = obj["url"].rsplit("/pay/", 1)[0] + "/pay/" + obj["id"]
            obj["description"] = "noise: another integration's payment"
        return noise

    def _token(self) -> str:
        return "".join(self._random.choice(_ALPHABET) for _ in range(24))


def chaos_from_dict(raw: Any, base: WebhookChaos | None = None) -> WebhookChaos:
    """Build settings from a JSON object (the control API), naming every bad field."""
    if not isinstance(raw, dict):
        raise ValueError("chaos settings must be a JSON object")
    unknown = sorted(set(raw) - CHAOS_FIELDS - {"duplicate"})
    if unknown:
        raise ValueError(f"unknown chaos setting(s) {', '.join(unknown)}; "
                         f"known: {', '.join(sorted(CHAOS_FIELDS | {'duplicate'}))}")
    values: dict[str, Any] = {}
    for name, value in raw.items():
        if name == "duplicate":  # shorthand: true = every event twice
            if not isinstance(value, bool):
                raise ValueError("duplicate must be true or false")
            values["duplicate_rate"] = 1.0 if value else 0.0
        elif name == "delay":
            values["delay"] = _parse_delay_json(value)
        elif name in ("drop_first", "fail_first", "reorder"):
            if not isinstance(value, int) or isinstance(value, bool):
                raise ValueError(f"{name} must be an integer")
            values[name] = value
        else:
            if not isinstance(value, int | float) or isinstance(value, bool):
                raise ValueError(f"{name} must be a number")
            values[name] = float(value)
    chaos = replace(base or WebhookChaos(), **values)
    problems = chaos.problems()
    if problems:
        raise ValueError("; ".join(problems))
    return chaos


def _parse_delay_json(value: Any) -> Delay | None:
    if value is None:
        return None
    if isinstance(value, bool):
        raise ValueError("delay must be seconds or [low, high]")
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        return parse_delay(value)
    if (isinstance(value, list) and len(value) == 2
            and all(isinstance(v, int | float) and not isinstance(v, bool) for v in value)):
        return float(value[0]), float(value[1])
    raise ValueError("delay must be seconds, 'low-high', or [low, high]")


def parse_delay(text: str) -> Delay:
    """``"2"`` -> 2.0; ``"1-20"`` -> (1.0, 20.0). Raises ValueError with the reason."""
    low_text, sep, high_text = text.strip().partition("-")
    try:
        low = float(low_text)
        high = float(high_text) if sep else low
    except ValueError:
        raise ValueError(f"{text!r} is not seconds (2) or a range (1-20)") from None
    if low < 0 or high < low:
        raise ValueError(f"{text!r}: need 0 <= low <= high")
    return (low, high) if sep else low
