"""Allure steps and attachments that a person reads, every byte through redaction.

One attachment per thing, each typed: a request or response body as pretty
JSON (the hosted page as HTML, anything else as plain text), a curl line as
plain text ready to paste. The rest of an exchange or a webhook (method, URL,
status, headers, elapsed time, attempt) is the name and parameters of its own
step, nested in the step where it happened. Times are wall-clock ISO 8601 UTC.

Library code calls these; when allure is not collecting (no --alluredir)
they cost next to nothing.
"""

from __future__ import annotations

import json
import platform
import time
from collections.abc import Iterable, Mapping
from contextlib import AbstractContextManager
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from types import TracebackType
from typing import Any
from uuid import uuid4

import allure
from allure_commons import plugin_manager

from .client import Exchange
from .customer import CheckoutOutcome
from .inbox import Delivery, ReceivedEvent
from .jsonbody import parse_or_none
from .redaction import Redactor
from .settings import Settings

JSON, HTML, TEXT = (allure.attachment_type.JSON, allure.attachment_type.HTML,
                    allure.attachment_type.TEXT)
_ATTACHMENT_TYPES = {"application/json": JSON, "text/html": HTML, "text/plain": TEXT,
                     "text/yaml": allure.attachment_type.YAML,
                     "image/png": allure.attachment_type.PNG}


def wall_clock(monotonic: float) -> str:
    """ISO 8601 UTC for a ``time.monotonic()`` reading. Records keep the
    monotonic clock for latency math; people read the wall clock."""
    seconds = time.time() - (time.monotonic() - monotonic)
    return datetime.fromtimestamp(seconds, UTC).isoformat(timespec="milliseconds").replace(
        "+00:00", "Z")


def unix_time(seconds: float) -> str:
    """ISO 8601 UTC for a Unix timestamp (a signature's ``t=``)."""
    return datetime.fromtimestamp(seconds, UTC).isoformat().replace("+00:00", "Z")


class _Step:
    """An allure step with parameters, through the hooks ``allure.step`` uses
    (it offers no parameters for a step that is not a decorated function)."""

    def __init__(self, title: str, params: Mapping[str, str]) -> None:
        self._title, self._params, self._uuid = title, params, uuid4()

    def __enter__(self) -> None:
        plugin_manager.hook.start_step(uuid=self._uuid, title=self._title, params=self._params)

    def __exit__(self, exc_type: type[BaseException] | None, exc_val: BaseException | None,
                 exc_tb: TracebackType | None) -> None:
        plugin_manager.hook.stop_step(uuid=self._uuid, exc_type=exc_type, exc_val=exc_val,
                                      exc_tb=exc_tb)


class Reporter:
    def __init__(self, redactor: Redactor) -> None:
        self.redactor = redactor

    def step(self, title: str, params: Mapping[str, str] | None = None) -> AbstractContextManager[Any]:
        r = self.redactor
        if not params:
            return allure.step(r.text(title))
        return _Step(r.text(title), {r.text(k): r.text(v) for k, v in params.items()})

    def attach_json(self, name: str, value: Any) -> None:
        self._attach(name, _pretty(value), JSON)

    def attach_text(self, name: str, text: str) -> None:
        self._attach(name, text, TEXT)

    def attach_run_text(self, name: str, text: str) -> None:
        """Attach to the whole run (allure's global attachments), not one test.
        Older allure-pytest versions without global attachments skip it."""
        global_attach = getattr(allure, "global_attach", None)
        if global_attach is not None:
            global_attach(self.redactor.text(text), name=self.redactor.text(name),
                          attachment_type=TEXT)

    def attach_exchange(self, exchange: Exchange) -> None:
        """One step per attempt, named by what happened, holding its bodies and curl line.

        An Exchange is masked when it is recorded, so what is shown as
        recorded (names, headers, HTML, the curl line) is not masked again;
        a body reformatted as JSON is, since decoding its escapes could spell
        out a secret the raw text hid."""
        with _Step(_exchange_title(exchange), _exchange_params(exchange)):
            if exchange.request_body is not None:
                self._attach_body("request body", exchange.request_body, exchange.request_headers)
            if exchange.response_body:
                self._attach_body("response body", exchange.response_body,
                                  exchange.response_headers)
            allure.attach(exchange.curl + "\n", name="curl", attachment_type=TEXT)

    def attach_event(self, event: ReceivedEvent, latency_ms: float | None = None) -> None:
        """The verified webhook as a step: when and how it came as parameters, its body
        as JSON."""
        received = wall_clock(event.received_at)
        params = {"signed at": unix_time(event.signature_timestamp),
                  "deliveries": str(event.deliveries)}
        if latency_ms is not None:
            params["latency"] = f"{latency_ms:.1f} ms after the request was sent"
        params.update({f"> {name}": value for name, value in event.headers.items()})
        with self.step(f"webhook {event.type} {event.event_id} received {received}", params):
            self.attach_json("event body", event.body)

    def attach_evidence(self, name: str, body: str | bytes, mime: str) -> None:
        """What a failing customer saw (the page's HTML, a screenshot, an
        accessibility snapshot), typed by ``mime``; text is redacted."""
        if isinstance(body, bytes):
            allure.attach(body, name=self.redactor.text(name),
                          attachment_type=_ATTACHMENT_TYPES.get(mime, allure.attachment_type.PNG))
            return
        self._attach(name, body, _ATTACHMENT_TYPES.get(mime, TEXT))

    def attach_outcome(self, outcome: CheckoutOutcome) -> None:
        """The customer's checkout as a step: the outcome, the redirect, the pages met."""
        params = {"outcome": str(outcome.outcome), "status": str(outcome.status)}
        if outcome.redirect:
            params["redirect"] = outcome.redirect
        with self.step(f"customer on the hosted page: {outcome.outcome}", params):
            self.attach_text("what the customer met", outcome.describe())
            if outcome.html:
                self._attach("the last page the customer saw", outcome.html, HTML)

    def attach_deliveries(self, name: str, deliveries: Iterable[Delivery]) -> None:
        self.attach_json(name, [_delivery(d) for d in deliveries])

    def _attach_body(self, name: str, body: str, headers: Mapping[str, str]) -> None:
        content_type = next((v for k, v in headers.items() if k.lower() == "content-type"), "")
        parsed = _json_or_none(body)
        if parsed is not None:
            self._attach(name, _pretty(parsed), JSON)
        elif "html" in content_type:
            allure.attach(body, name=name, attachment_type=HTML)
        else:
            allure.attach(body, name=name, attachment_type=TEXT)

    def _attach(self, name: str, text: str, kind: Any) -> None:
        allure.attach(self.redactor.text(text), name=self.redactor.text(name),
                      attachment_type=kind)


def _exchange_title(exchange: Exchange) -> str:
    """``POST /api/v1/payments -> 201 (1.4 ms)``, plus the attempt and retry if any."""
    path = "/" + exchange.url.split("://", 1)[-1].partition("/")[2]
    title = f"{exchange.method} {path} -> {exchange.error or exchange.status} " \
            f"({exchange.elapsed_ms:.1f} ms)"
    if exchange.attempt > 1:
        title += f", attempt {exchange.attempt}"
    if exchange.retry_in is not None:
        title += f", {exchange.retry_reason}: retried in {exchange.retry_in:g} s"
    return title


def _exchange_params(exchange: Exchange) -> dict[str, str]:
    """The full URL (the title has the path, status, time and attempt), then the
    headers as curl -v shows them (``>`` sent, ``<`` received)."""
    params = {"url": exchange.url}
    params.update({f"> {k}": v for k, v in exchange.request_headers.items()})
    params.update({f"< {k}": v for k, v in exchange.response_headers.items()})
    return params


def _delivery(delivery: Delivery) -> dict[str, Any]:
    """A delivery record for people: wall-clock time, and a JSON body as JSON."""
    record = delivery.as_report()
    record["received_at"] = wall_clock(delivery.received_at)
    parsed = _json_or_none(delivery.body)
    if parsed is not None:
        record["body"] = parsed
    return record


def _json_or_none(text: str) -> Any:
    """``text`` parsed, when it is a JSON object or array; else None."""
    parsed = parse_or_none(text)
    return parsed if isinstance(parsed, dict | list) else None


def _pretty(value: Any) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False, default=str)


ENVIRONMENT_FILE = "environment.properties"
_PACKAGES = ("httpx", "pytest", "allure-pytest", "jsonschema-rs", "cheroot")


def run_environment(settings: Settings, api_url: str, workers: int | None = None) -> dict[str, str]:
    """What allure's environment.properties says: the run's target and base URL,
    run id, and the versions it ran on."""
    if not api_url:
        api_url = settings.base_url if settings.target == "sandbox" else "(mock not started)"
    env = {
        "target": settings.target,
        "base_url": api_url,
        "run_id": settings.run_id,
        "mock_breaks": ",".join(settings.mock_breaks) or "none",
        "strict_contract": str(settings.strict_contract).lower(),
        "sknpay-harness": version("sknpay-harness"),
        "python": platform.python_version(),
    }
    for package in _PACKAGES:
        try:
            env[package] = version(package)
        except PackageNotFoundError:
            env[package] = "not installed"
    if workers:
        env["xdist_workers"] = str(workers)
    return env


def write_environment(folder: Path, env: dict[str, str], redactor: Redactor) -> Path:
    """``environment.properties`` in the allure results folder; every value redacted."""
    lines = [f"{key}={_escaped(redactor.text(value))}" for key, value in env.items()]
    path = folder / ENVIRONMENT_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _escaped(value: str) -> str:
    """A .properties value: backslashes and line breaks escaped."""
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace("\r", "\\r")


API_REFERENCE = "https://app.sknpay.com/docs/sknpay-api.md"
SCENARIOS_FEATURE, CONTRACT_FEATURE = "Payment-link lifecycle", "The API contract"
# A test file's area (tests/<folder>/test_<area>.py) -> its story in allure's
# Behaviors tab; an area not listed is named after its file.
STORIES = {
    "cancel_before_pay": "Cancel before pay", "standard_checkout": "Standard checkout",
    "declined_card": "Declined card", "three_d_secure": "3-D Secure",
    "idempotency": "Idempotency", "refund": "Refunds", "expiry": "Expiry",
    "create": "Create a payment link", "create_invalid": "Create: validation errors",
    "retrieve": "Retrieve a payment", "cancel": "Cancel an open link",
    "webhook": "Webhooks, each event type", "hosted_page": "The hosted page",
    "hosted_page_after_payment": "The hosted page after a payment", "auth": "Authentication",
}


def report_labels(path: Path, name: str = "", *, scenario: bool) -> dict[str, str] | None:
    """Allure's feature, story and severity for a scenario or a contract test
    (a scenario is critical, a contract check normal); None for any other.
    A scenario's story is its own (``name``) if listed, else its file's."""
    area = path.stem.removeprefix("test_")
    own = STORIES.get(name.removeprefix("test_")) if scenario else None
    story = own or STORIES.get(area, area.replace("_", " "))
    if scenario:
        return {"feature": SCENARIOS_FEATURE, "story": story,
                "severity": allure.severity_level.CRITICAL.value}
    if path.parent.name == "contract" and path.stem.startswith("test_"):
        return {"feature": CONTRACT_FEATURE, "story": story,
                "severity": allure.severity_level.NORMAL.value}
    return None
