"""Frozen run settings, resolved as: command-line option > env var > ini > default.

Each knob is declared once in :data:`KNOBS` with its help text; the pytest
plugin turns that table into options and ini keys, the README's
configuration table is checked against it by a test, and an invalid value is
reported with the place it came from.
"""

from __future__ import annotations

import difflib
import math
import re
import secrets as _secrets
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from .errors import ConfigError
from .secret import Secret, as_secret

TARGETS = ("mock", "sandbox")
SANDBOX_BASE_URL = "https://app.sknpay.com/api/v1"
CUSTOMER_KINDS = ("form", "browser")
# What the docs leave open and a live target may or may not offer: the 3-D
# Secure test card and challenge, and a way to make a link expire in a test
# (a clock the test can advance, as the mock's control API has).
SANDBOX_FEATURES = ("three_d_secure", "expiry")


def _did_you_mean(value: str, choices: tuple[str, ...]) -> str:
    close = difflib.get_close_matches(value, choices, n=3, cutoff=0.7)
    return f"; did you mean {' or '.join(close)}?" if close else ""


def _choice(choices: tuple[str, ...]) -> Callable[[str], str]:
    def parse(raw: str) -> str:
        value = raw.strip().lower()
        if value not in choices:
            raise ValueError(f"must be one of {', '.join(choices)}{_did_you_mean(value, choices)}")
        return value

    return parse


def _positive_float(raw: str) -> float:
    try:
        value = float(raw)
    except ValueError:
        raise ValueError("must be a number of seconds") from None
    if not math.isfinite(value) or value <= 0:
        raise ValueError("must be a positive number of seconds")
    return value


def _non_negative_float(raw: str) -> float:
    value = _positive_float(raw) if raw.strip() not in {"0", "0.0"} else 0.0
    return value


def _port(raw: str) -> int:
    if not raw.strip().isdigit() or not 0 <= int(raw) <= 65535:
        raise ValueError("must be a TCP port from 0 (any free port) to 65535")
    return int(raw)


def _retries(raw: str) -> int:
    if not raw.strip().isdigit() or int(raw) > 10:
        raise ValueError("must be a whole number of retries from 0 to 10")
    return int(raw)


_RUN_ID = re.compile(r"^[A-Za-z0-9._-]{1,40}$")


def _run_id(raw: str) -> str:
    value = raw.strip()
    if not _RUN_ID.match(value):
        raise ValueError("must be 1-40 characters of letters, digits, '.', '_' or '-'")
    return value


def _names(raw: str) -> tuple[str, ...]:
    return tuple(n.strip() for n in raw.split(",") if n.strip())


def _sandbox_features(raw: str) -> tuple[str, ...]:
    names = _names(raw.lower())
    unknown = [n for n in names if n not in SANDBOX_FEATURES]
    if unknown:
        hint = _did_you_mean(unknown[0], SANDBOX_FEATURES)
        raise ValueError(f"unknown feature {', '.join(unknown)}; known: "
                         f"{', '.join(SANDBOX_FEATURES)}{hint}")
    return names


_TRUE, _FALSE = ("1", "true", "yes", "on"), ("0", "false", "no", "off", "")


def _flag(raw: str) -> bool:
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ValueError(f"must be true or false{_did_you_mean(value, _TRUE + _FALSE)}")


def _text(raw: str) -> str:
    return raw.strip()


@dataclass(frozen=True)
class Knob:
    """One setting: its names on every surface, its default and its parser."""

    name: str
    help: str
    default: str | None
    parse: Callable[[str], Any] = _text
    secret: bool = False
    flag: bool = False
    metavar: str | None = None

    @property
    def option(self) -> str:
        return "--sknpay-" + self.name.replace("_", "-")

    @property
    def env(self) -> str:
        return "SKNPAY_" + self.name.upper()

    @property
    def ini(self) -> str:
        return "sknpay_" + self.name


KNOBS: tuple[Knob, ...] = (
    Knob("target", "Where the API calls go: 'mock' (embedded, default) or 'sandbox'.",
         "mock", _choice(TARGETS), metavar="mock|sandbox"),
    Knob("base_url", "API base URL for the sandbox target (the mock serves its own).",
         SANDBOX_BASE_URL, metavar="URL"),
    Knob("api_key", "API key (sk_test_...). Prefer the env var; for the mock a random "
         "key is made per run when unset.", None, secret=True, metavar="KEY"),
    Knob("webhook_secret", "Webhook signing secret (whsec_...). Prefer the env var; for the "
         "mock a random secret is made per run when unset.", None, secret=True, metavar="SECRET"),
    Knob("webhook_host", "Interface the webhook listener binds to.", "127.0.0.1", metavar="HOST"),
    Knob("webhook_port", "Port of the webhook listener; 0 picks a free one.", "0", _port,
         metavar="PORT"),
    Knob("webhook_timeout", "Seconds to wait for a webhook before failing.", "60",
         _positive_float, metavar="SECONDS"),
    Knob("request_timeout", "Seconds one API request may take.", "10", _positive_float,
         metavar="SECONDS"),
    Knob("mock_breaks", "Comma-separated contract breaks to switch on in the embedded mock "
         "(see sknpay_harness.mock.breaks).", "", _names, metavar="NAMES"),
    Knob("mock_webhook_delay", "Seconds the embedded mock waits before delivering a webhook.",
         "0", _non_negative_float, metavar="SECONDS"),
    Knob("strict_contract", "Fail on any response field the schemas do not know (contract drift).",
         "false", _flag, flag=True),
    Knob("retries", "Extra attempts for a request that met a transient fault (429, 5xx, "
         "connection error, timeout), with bounded back-off.", "3", _retries, metavar="N"),
    Knob("run_id", "Names this run in the metadata of every payment it creates on the "
         "sandbox; a fresh one per run when unset.", None, _run_id, metavar="ID"),
    Knob("record", "Save every exchange and webhook, normalised and redacted, to "
         "--sknpay-record-dir (sandbox target).", "false", _flag, flag=True),
    Knob("record_dir", "Where --sknpay-record writes <timestamp>.json, relative to the rootdir.",
         "fixtures/recordings", metavar="DIR"),
    Knob("linger", "Seconds the webhook listener stays up after the last test on the sandbox "
         "target, so late duplicates and other payments' events reach the run summary.",
         "0", _non_negative_float, metavar="SECONDS"),
    Knob("customer", "Who plays the customer on the hosted page: form (HTTP and an HTML parser) "
         "or browser (Playwright on the system Chromium, for pages that need JavaScript).",
         "form", _choice(CUSTOMER_KINDS), metavar="DRIVER"),
    Knob("sandbox_features", "Comma-separated features SKN Pay's docs do not pin that the live "
         f"target is known to support ({', '.join(SANDBOX_FEATURES)}); on a live target their "
         "tests run only when listed here, and are skipped with that reason otherwise.",
         "", _sandbox_features, metavar="NAMES"),
    Knob("quiet_period", "Seconds to watch for an unwanted second event on a live target "
         "(the mock reports an empty outbox instead).", "5", _positive_float, metavar="SECONDS"),
)
KNOBS_BY_NAME = {k.name: k for k in KNOBS}


@dataclass(frozen=True)
class Settings:
    target: str = "mock"
    base_url: str = SANDBOX_BASE_URL
    api_key: Secret | None = None
    webhook_secret: Secret | None = None
    webhook_host: str = "127.0.0.1"
    webhook_port: int = 0
    webhook_timeout: float = 60.0
    request_timeout: float = 10.0
    mock_breaks: tuple[str, ...] = ()
    mock_webhook_delay: float = 0.0
    strict_contract: bool = False
    quiet_period: float = 5.0
    customer: str = "form"
    sandbox_features: tuple[str, ...] = ()
    retries: int = 3
    run_id: str = ""
    record: bool = False
    record_dir: str = "fixtures/recordings"
    linger: float = 0.0
    sources: Mapping[str, str] = field(default_factory=dict, compare=False)

    def __post_init__(self) -> None:
        # A caller may give plain strings; they are held as Secrets all the same.
        for name in ("api_key", "webhook_secret"):
            object.__setattr__(self, name, as_secret(getattr(self, name)))

    def header_lines(self, *, relay: bool = False) -> list[str]:
        """What the run header says of these settings; never a secret's value.
        ``relay``: a relay holds the webhook port for the xdist workers."""
        lines = [
            f"sknpay: target={self.target} webhook_timeout={self.webhook_timeout:g}s "
            f"request_timeout={self.request_timeout:g}s strict_contract={self.strict_contract} "
            f"mock_breaks={','.join(self.mock_breaks) or 'none'}"
        ]
        if self.target == "sandbox":
            lines.append(f"sknpay: sandbox base_url={self.base_url} run_id={self.run_id} "
                         f"listener={self.webhook_host}:{self.webhook_port}"
                         f"{' (relay to the xdist workers)' if relay else ''} "
                         f"retries={self.retries} record={self.record}")
        given = [f"{k.name}={'[set]' if k.secret else _shown(getattr(self, k.name))} "
                 f"({self.sources[k.name]})"
                 for k in KNOBS if self.sources.get(k.name, "default") != "default"]
        if given:
            lines.append("sknpay: not default: " + ", ".join(given))
        return lines

    def feature_unavailable(self, feature: str, parallel_run: bool = False) -> str | None:
        """Why a test of a feature the docs do not pin cannot run on this
        target (the reason a skip gives), or None if it can."""
        if self.target == "mock":
            return None
        if feature not in self.sandbox_features:
            return (f"sknpay_feature {feature}: SKN Pay's docs do not pin it; list it in "
                    f"--sknpay-sandbox-features (SKNPAY_SANDBOX_FEATURES) if {self.target} "
                    "supports it")
        if feature == "expiry" and parallel_run:
            # The key's clock is the whole key's: moving it expires every open link,
            # including those another worker's test is using right now.
            return ("sknpay_feature expiry: it moves the API key's clock, which would expire "
                    "the links other xdist workers' tests are using; run it without -n")
        return None

    def secrets(self) -> tuple[Secret, ...]:
        return tuple(s for s in (self.api_key, self.webhook_secret) if s)


def resolve(
    options: Mapping[str, str | None],
    env: Mapping[str, str],
    ini: Mapping[str, str | None],
    *,
    check_breaks: Callable[[tuple[str, ...]], None] | None = None,
) -> Settings:
    """Build Settings from the three sources; raise ConfigError naming the source.

    ``options`` and ``ini`` are keyed by knob name, ``env`` is the process
    environment. A value of None means "not given there". ``check_breaks``
    raises ValueError for a mock break name it does not know (the plugin
    passes the mock's own check; settings know nothing of the mock), so a
    typo stops the run before any test, not when the mock starts.
    """
    values: dict[str, Any] = {}
    sources: dict[str, str] = {}
    for knob in KNOBS:
        raw, source = _pick(knob, options, env, ini)
        if raw is None:
            values[knob.name] = None
            sources[knob.name] = "default"
            continue
        try:
            value = knob.parse(str(raw))
            if knob.name == "mock_breaks" and check_breaks is not None:
                check_breaks(value)
        except ValueError as exc:
            shown = "[REDACTED]" if knob.secret else repr(raw)
            raise ConfigError(f"Invalid {knob.name.replace('_', ' ')} {shown} from {source}: {exc}") from None
        values[knob.name] = Secret(value) if knob.secret and value else value
        sources[knob.name] = source
    if values["run_id"] is None:
        values["run_id"] = new_run_id()
    _check_credentials(values, sources)
    if values["target"] == "mock":
        # The embedded mock needs no real credentials: make throwaway ones so
        # the run still exercises auth and signing end to end.
        values["api_key"] = values["api_key"] or Secret("sk_test_mock_" + _secrets.token_hex(12))
        values["webhook_secret"] = values["webhook_secret"] or Secret(
            "whsec_mock_" + _secrets.token_hex(16)
        )
    return Settings(**values, sources=sources)


def new_run_id(now: float | None = None) -> str:
    """``<UTC yyyymmdd-hhmmss>-<6 hex>``: sortable, and unique across parallel runs."""
    stamp = time.strftime("%Y%m%d-%H%M%S", time.gmtime(time.time() if now is None else now))
    return f"{stamp}-{_secrets.token_hex(3)}"


def _check_credentials(values: Mapping[str, Any], sources: Mapping[str, str]) -> None:
    """Refuse a live key anywhere, and a sandbox run without what it needs.

    Every problem goes into ONE error, so a CI run fails at once with the
    whole list instead of one variable per attempt. Values are never shown.
    """

    def named(knob: str) -> str:
        return f"{KNOBS_BY_NAME[knob].env} (or {KNOBS_BY_NAME[knob].option})"

    problems: list[str] = []
    key = values.get("api_key")
    if key and key.reveal().startswith("sk_live_"):
        problems.append(f"{KNOBS_BY_NAME['api_key'].env} (from {sources['api_key']}) looks "
                        "like a live key (sk_live_...): refused; this harness only runs with "
                        "sandbox keys (sk_test_...)")
    if values.get("target") == "sandbox":
        if not key:
            problems.append(f"{named('api_key')} is missing: "
                            "your SKN Pay sandbox API key, sk_test_...")
        if not values.get("webhook_secret"):
            problems.append(f"{named('webhook_secret')} is missing: the signing secret of "
                            "your dashboard webhook endpoint, whsec_...")
        if not values.get("webhook_port"):
            problems.append(f"{named('webhook_port')} is missing: the fixed port your "
                            "tunnel forwards the dashboard's webhook URL to")
    if problems:
        head = ("the sandbox target cannot start" if values.get("target") == "sandbox"
                else "refusing to run")
        raise ConfigError(f"{head}:\n" + "\n".join(f"  - {p}" for p in problems)
                          + "\n  (see docs/sandbox.md)")


def _pick(
    knob: Knob,
    options: Mapping[str, str | None],
    env: Mapping[str, str],
    ini: Mapping[str, str | None],
) -> tuple[str | None, str]:
    option = options.get(knob.name)
    if option is not None:
        return option, f"option {knob.option}"
    if env.get(knob.env, "") != "":
        return env[knob.env], f"env {knob.env}"
    ini_value = ini.get(knob.name)
    if ini_value not in (None, ""):
        return ini_value, f"ini {knob.ini}"
    return knob.default, "default"


def _shown(value: object) -> str:
    if isinstance(value, tuple):
        return ",".join(map(str, value)) or "none"
    return f"{value:g}" if isinstance(value, float) else str(value)
