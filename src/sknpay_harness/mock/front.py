"""The mock's front page (``GET /``): how to use this mock, and what it is set to.

The endpoint list comes from the OpenAPI document and the settings from the
running mock itself (webhook targets, delay, retries, chaos, API faults,
contract breaks), so the page cannot drift from what the mock does. It needs
no API key to read, so it shows neither a key nor the webhook secret, and
webhook URLs lose their query string and user info (tokens live there).
Everything that reaches the page goes through :func:`html.escape`.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from ..cards import DECLINED_CARD_EXAMPLE, TEST_CARD, THREE_D_SECURE_CARD
from ..operations import API_PREFIX
from .breaks import BREAKS
from .chaos import Delay, WebhookChaos
from .hosted import card_display
from .reference import method_label, operations, shell, tag_descriptions
from .state import MockState

TITLE = "SKN Pay mock"


@dataclass(frozen=True)
class FaultSettings:
    """The API faults' mock-wide settings."""

    rate: float
    kinds: tuple[str, ...]
    slow_seconds: float
    pending: tuple[dict[str, Any], ...]  # fail-first rules not used up: route, remaining, status


@dataclass(frozen=True)
class MockSettings:
    """What the front page shows, read from one running mock."""

    root_url: str
    fixed_keys: int | None  # None: any sk_test_ key; else how many keys are accepted
    webhook_urls: tuple[str, ...]
    webhook_delay: Delay
    max_attempts: int
    backoff: tuple[float, float]  # first retry after, longest wait between attempts
    chaos: WebhookChaos
    faults: FaultSettings
    breaks: tuple[str, ...]
    link_lifetime: float | None

    @classmethod
    def of(cls, state: MockState, root_url: str) -> MockSettings:
        keys = state.config.api_keys
        faults = state.faults
        attempts = state.outbox.attempts
        return cls(root_url=root_url.rstrip("/"),
                   fixed_keys=None if keys is None else len(keys),
                   webhook_urls=tuple(state.config.webhook_endpoints),
                   webhook_delay=state.outbox.delay, max_attempts=attempts.max_attempts,
                   backoff=(attempts.backoff.initial, attempts.backoff.maximum),
                   chaos=state.outbox.chaos.default,
                   faults=FaultSettings(faults.rate, tuple(faults.kinds), faults.slow_seconds,
                                        tuple(faults.pending())),
                   breaks=tuple(state.breaks.names), link_lifetime=state.config.link_lifetime)


def render_front_page(settings: MockSettings, document: dict[str, Any]) -> str:
    api_url = settings.root_url + API_PREFIX
    body = [f"<h1>{escape(TITLE)}</h1>",
            "<p>A local, stateful stand-in for the SKN Pay Payments API (v1), for development "
            "and CI. Not SKN Pay: nothing here moves money.</p>",
            '<nav><a href="/docs">API reference</a><a href="/openapi.json">/openapi.json</a>'
            "</nav>",
            _section("base-url", "Base URL", f"<p><code>{escape(api_url)}</code></p>"
                     + _quickstart(api_url, settings.fixed_keys)),
            _section("keys", "API keys", _key_rule(settings.fixed_keys)),
            _section("cards", "Test cards", _cards()),
            _section("breaks", "Contract breaks", _breaks(settings.breaks)),
            _section("webhooks", "Webhooks", _webhooks(settings, document)),
            _section("receiver-check", "Check your webhook receiver",
                     _receiver_check(settings.root_url, settings.fixed_keys)),
            _section("faults", "API faults", _faults(settings.faults)),
            _section("links", "Payment links",
                     f"<p>An unpaid link expires {escape(_lifetime(settings.link_lifetime))} "
                     "(status <code>expired</code>, event <code>payment.expired</code>); "
                     "<code>POST /_mock/clock/advance</code> gets there sooner.</p>"),
            _section("endpoints", "Endpoints", _endpoints(document))]
    return shell(TITLE, "\n".join(body))


def _section(anchor: str, heading: str, html: str) -> str:
    return f'<section id="{anchor}"><h2>{escape(heading)}</h2>\n{html}</section>'


def _quickstart(api_url: str, fixed_keys: int | None) -> str:
    # With fixed keys, one of them (from the environment); else any test key works.
    auth = '"Authorization: Bearer $SKNPAY_API_KEY"' if fixed_keys else "'Authorization: Bearer sk_test_mine'"
    command = (f"curl -s -XPOST {api_url}/payments \\\n  -H {auth} "
               "-H 'Content-Type: application/json' \\\n"
               """  -d '{"amount": 1000, "currency": "USD", "description": "Will cancel"}'""")
    return f"<pre>{escape(command)}</pre>"


def _key_rule(fixed_keys: int | None) -> str:
    if fixed_keys is None:
        return ("<p>Send <code>Authorization: Bearer &lt;key&gt;</code> with any key that starts "
                "<code>sk_test_</code>. Each key is its own account: its own payments, clock, "
                "deliveries, chaos and faults. <code>sk_live_</code> keys are refused (401): "
                "this is a test mock.</p>")
    return (f"<p>Only the {fixed_keys} API key(s) this mock was started with are accepted "
            "(<code>--api-key</code> or <code>SKNPAY_MOCK_API_KEYS</code>; not shown here: keys "
            "are secrets). Each is its own account; any other key, <code>sk_live_</code> "
            "included, is refused (401).</p>")


def _cards() -> str:
    return ("<table><tr><th>card number</th><th>on the hosted page</th></tr>"
            f"<tr><td><code>{escape(card_display(TEST_CARD))}</code></td><td>pays: status "
            "<code>succeeded</code>, event <code>payment.succeeded</code>, redirect to "
            "<code>success_url?payment_id=&lt;id&gt;</code></td></tr>"
            f"<tr><td><code>{escape(card_display(THREE_D_SECURE_CARD))}</code></td><td>asks "
            "for 3-D Secure first (an assumed reading): a challenge page where <em>Complete</em> "
            "pays and <em>Fail</em> declines (<code>payment.failed</code>, the link stays "
            "<code>open</code>)</td></tr>"
            f"<tr><td>any other, e.g. <code>{escape(card_display(DECLINED_CARD_EXAMPLE))}</code>"
            "</td><td>declined: event <code>payment.failed</code>, the link stays "
            "<code>open</code> for another try</td></tr></table>")


def _breaks(names: tuple[str, ...]) -> str:
    if not names:
        return "<p>None: the mock keeps every promise of the contract.</p>"
    items = "".join(f"<li><code>{escape(name)}</code> breaks: {escape(BREAKS[name].promise)}</li>"
                    for name in names)
    return f'<div class="warn"><p>In force (on purpose, to prove checks fail):</p><ul>{items}</ul></div>'


def _webhooks(settings: MockSettings, document: dict[str, Any]) -> str:
    if settings.webhook_urls:
        targets = "".join(f"<li><code>{escape(_shown_url(url))}</code></li>"
                          for url in settings.webhook_urls)
        targets = f"<p>Every event is POSTed to:</p><ul>{targets}</ul>"
    else:
        targets = "<p>No mock-wide webhook URL (<code>--webhook-url</code>): events go nowhere.</p>"
    first, longest = settings.backoff
    rows = [("targets per key", "<code>PUT /_mock/webhooks/endpoints</code> (the dashboard's "
                                "Settings &rarr; Webhooks) replaces the list above for one key"),
            ("signature", "<code>SknPay-Signature: t=&lt;unix&gt;,v1=&lt;hex HMAC-SHA256 of "
                          "&quot;t.body&quot;&gt;</code> with the webhook secret this mock was "
                          "given (not shown)"),
            ("delay", escape(_delay(settings.webhook_delay))),
            ("retries", escape(f"up to {settings.max_attempts} attempts; back-off {first:g} s, "
                               f"doubling, at most {longest:g} s"))]
    table = "".join(f"<tr><th>{escape(name)}</th><td>{value}</td></tr>" for name, value in rows)
    return (f"{targets}<table>{table}</table><h3>Chaos in force</h3>"
            + _chaos(settings.chaos, document))


def _receiver_check(root_url: str, fixed_keys: int | None) -> str:
    """How to spar with your webhook endpoint: the control call, and the command."""
    auth = '"Authorization: Bearer $SKNPAY_API_KEY"' if fixed_keys else "'Authorization: Bearer sk_test_mine'"
    body = '{"url": "http://127.0.0.1:8000/webhooks/sknpay", "payment_id": "plink_..."}'
    call = f"curl -s -XPOST {root_url}/_mock/receiver-check -H {auth} \\\n  -d '{body}'"
    return ("<p>This mock sends your webhook endpoint a battery of deliveries about one of your "
            "key's payments, signed with its webhook secret or deliberately mis-signed (forged, "
            "missing, 10 minutes old, in the future, body changed after signing, two secrets "
            "during a rotation), plus a duplicate, an unknown event type, a late "
            "<code>payment.failed</code> and a large body, and answers with a report: what each "
            "delivery was, what your endpoint answered, how long it took, and which expectation "
            "(2xx, 4xx) it broke. The events are made up for the check: the payment is "
            f"unchanged.</p><pre>{escape(call)}</pre>"
            "<p>From a shell or any CI, with the secret in <code>SKNPAY_WEBHOOK_SECRET</code>: "
            "<code>sknpay-check-receiver URL --payment-id plink_...</code> (exit 1 when an "
            "expectation is broken; <code>--help</code> lists the battery).</p>")


def _chaos(chaos: WebhookChaos, document: dict[str, Any]) -> str:
    defaults = WebhookChaos().as_dict()
    changed = {name: value for name, value in chaos.as_dict().items() if value != defaults[name]}
    about = (document.get("components", {}).get("schemas", {}).get("mock-chaos", {})
             .get("properties", {}))
    if changed:
        rows = "".join(f"<tr><td><code>{escape(name)}</code></td><td>{escape(_value(name, value))}</td>"
                       f"<td>{escape(str(about.get(name, {}).get('description', '')))}</td></tr>"
                       for name, value in changed.items())
        shown = f"<table><tr><th>setting</th><th>value</th><th>means</th></tr>{rows}</table>"
    else:
        shown = "<p>None mock-wide: each event is delivered once, in order.</p>"
    return (shown + "<p>Per key, <code>PUT /_mock/webhooks/chaos</code> overrides these "
            "(not shown: this page sees no key).</p>")


def _faults(faults: FaultSettings) -> str:
    if faults.rate:
        kinds = ", ".join(faults.kinds)
        random = (f"<p>{faults.rate:g} of <code>/api/v1</code> requests get a fault, one of "
                  f"{escape(kinds)} (slow: answered after {faults.slow_seconds:g} s).</p>")
    else:
        random = "<p>No random faults (<code>--fault-rate</code> 0).</p>"
    pending = "".join(f"<li>the next {escape(str(rule['remaining']))} "
                      f"<code>{escape(str(rule['route']))}</code> call(s) answer "
                      f"{escape(str(rule['status']))}</li>" for rule in faults.pending)
    pending = f"<p>Mock-wide, still due:</p><ul>{pending}</ul>" if pending else ""
    return (random + pending + "<p>Faults are answered before the request is handled: nothing "
            "changes, a retry is safe. Per key: <code>POST /_mock/faults</code>.</p>")


def _endpoints(document: dict[str, Any]) -> str:
    ops = list(operations(document))
    about = tag_descriptions(document)
    parts = []
    for tag in dict.fromkeys(op.tag for op in ops):
        rows = "".join(f'<tr><td>{method_label(op.method)}</td><td><a href="/docs#'
                       f'{escape(op.anchor)}"><code>{escape(op.path)}</code></a></td>'
                       f"<td>{escape(op.summary)}</td></tr>" for op in ops if op.tag == tag)
        parts.append(f"<h3>{escape(tag)}</h3><p>{escape(about.get(tag, ''))}</p>"
                     f"<table>{rows}</table>")
    return "".join(parts)


# -- wording ------------------------------------------------------------------------------
def _shown_url(url: str) -> str:
    """The URL without user info or query: a token may ride in either."""
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc.rpartition("@")[2], parts.path, "", ""))


def _delay(delay: Delay) -> str:
    if isinstance(delay, tuple):
        return f"uniform between {delay[0]:g} and {delay[1]:g} s before each delivery"
    return f"{delay:g} s before each delivery" if delay else "none: delivered at once"


def _lifetime(seconds: float | None) -> str:
    if seconds is None:
        return "never"
    if seconds % 3600 == 0:
        return f"{seconds / 3600:g} h after it is made"
    return f"{seconds:g} s after it is made"


def _value(name: str, value: Any) -> str:
    if name == "delay":
        return _delay(tuple(value) if isinstance(value, list) else value)
    return f"{value:g}" if isinstance(value, float) else str(value)
