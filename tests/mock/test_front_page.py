"""The mock's front page (``GET /``) and API reference (``GET /docs``): what a
person opening the mock in a browser sees, rendered from the OpenAPI document
and from the settings the mock runs with."""

from __future__ import annotations

import html
import re
import shutil
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest
from werkzeug.test import Client

from sknpay_harness.mock.breaks import BREAKS
from sknpay_harness.mock.build import MockSpec, RunningMock, build_mock
from sknpay_harness.mock.chaos import WebhookChaos
from sknpay_harness.mock.faults import FailFirst
from sknpay_harness.mock.openapi import build_document

SECRET = "whsec_front_page_secret"
DOCUMENT = build_document()


def _text(page: str) -> str:
    """What a reader sees: tags dropped, entities decoded, spaces collapsed."""
    page = re.sub(r"(?s)<(style|script).*?</\1>", " ", page)
    page = re.sub(r"</?(?:code|strong|em|a|span)\b[^>]*>", "", page)  # inline: no gap
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", page))).strip()


@pytest.fixture
def serve():
    """factory(**spec) -> werkzeug test Client · the app of a mock built from
    ``MockSpec(SECRET, **spec)``, not served."""
    built: list[RunningMock] = []

    def build(**spec: Any) -> Client:
        built.append(build_mock(MockSpec(SECRET, **spec)))
        return Client(built[-1].app)

    yield build
    for mock in built:
        mock.outbox.stop()


def _front(client: Client) -> str:
    answer = client.get("/")
    assert answer.status_code == 200, answer.get_data(as_text=True)
    assert answer.mimetype == "text/html"
    return answer.get_data(as_text=True)


def test_front_page_shows_base_url_key_rule_and_test_cards(serve):
    text = _text(_front(serve()))
    assert "Base URL http://localhost/api/v1" in text  # werkzeug's test client is "localhost"
    assert "any key that starts sk_test_" in text and "sk_live_ keys are refused (401)" in text
    assert "Each key is its own account" in text
    assert "4111 1111 1111 1111 pays" in text
    assert "any other, e.g. 4242 4242 4242 4242 declined" in text


def test_front_page_names_how_many_fixed_keys_but_never_a_key(serve):
    keys = frozenset({"sk_test_front_one_0123456789", "sk_test_front_two_0123456789"})
    page = _front(serve(api_keys=keys))
    text = _text(page)
    assert "Only the 2 API key(s) this mock was started with are accepted" in text
    assert "sk_live_ included, is refused (401)" in text
    assert "$SKNPAY_API_KEY" in text  # the curl line uses one of them, from the environment
    assert not any(key in page for key in keys) and SECRET not in page


def test_front_page_lists_every_operation_of_the_openapi_document(serve):
    page = _front(serve())
    for path, item in DOCUMENT["paths"].items():
        for method, operation in item.items():
            row = (f'<a href="/docs#op-{operation["operationId"]}"><code>{html.escape(path)}'
                   f"</code></a></td><td>{html.escape(operation['summary'])}</td>")
            assert row in page, f"{method.upper()} {path} is not listed on the front page"
    endpoints = page.split('<section id="endpoints">', 1)[1].split("</section>", 1)[0]
    assert "<h3>mock controls</h3>" in endpoints
    assert '<a href="/docs#op-mockReset"><code>/_mock/reset</code></a>' in endpoints
    assert '<a href="/docs">' in page and '<a href="/openapi.json">' in page


def test_front_page_shows_the_webhook_target_delay_chaos_and_breaks_in_force(serve):
    client = serve(webhook_endpoints=(
                       "https://user:pw@hooks.example:8443/sknpay<x>?token=tok_in_query",),
                   webhook_delay=(1.5, 4.0), chaos=WebhookChaos(duplicate_rate=0.25, reorder=3),
                   breaks=("no_webhook",))
    page = _front(client)
    text = _text(page)
    assert "Every event is POSTed to: https://hooks.example:8443/sknpay<x>" in text
    assert "sknpay&lt;x&gt;" in page  # escaped, not markup
    assert "tok_in_query" not in page and "user:pw" not in page  # tokens ride there
    assert "delay uniform between 1.5 and 4 s before each delivery" in text
    assert "retries up to 6 attempts; back-off 0.5 s, doubling, at most 30 s" in text
    assert "duplicate_rate 0.25 Chance an event is delivered twice (same id)" in text
    assert "reorder 3 Each batch of N events arrives newest first" in text
    assert f"no_webhook breaks: {BREAKS['no_webhook'].promise}" in text
    assert SECRET not in page


def test_front_page_says_when_nothing_is_set(serve):
    text = _text(_front(serve(link_lifetime=None)))
    assert "No mock-wide webhook URL (--webhook-url): events go nowhere." in text
    assert "delay none: delivered at once" in text
    assert "Chaos in force None mock-wide" in text
    assert "Contract breaks None: the mock keeps every promise" in text
    assert "API faults No random faults (--fault-rate 0). Faults are answered" in text
    assert "An unpaid link expires never" in text


def test_front_page_shows_the_api_faults_in_force(serve):
    text = _text(_front(serve(fault_rate=0.2, fault_kinds=("503", "slow"), slow_seconds=3,
                              fail_first=(FailFirst("cancel", 2, 500),))))
    assert "0.2 of /api/v1 requests get a fault, one of 503, slow (slow: answered after 3 s)" in text
    assert "the next 2 cancel call(s) answer 500" in text


def test_docs_renders_every_operation_and_schema_without_scripts(serve):
    answer = serve().get("/docs")
    assert answer.status_code == 200 and answer.mimetype == "text/html"
    page = answer.get_data(as_text=True)
    for path, item in DOCUMENT["paths"].items():
        for method, operation in item.items():
            anchor = f'<article class="op" id="op-{operation["operationId"]}">'
            assert anchor in page, f"{method.upper()} {path} has no section on /docs"
            section = page.split(anchor, 1)[1].split("</article>", 1)[0]
            assert f"{method.upper()}</span> <code>{html.escape(path)}</code>" in section
            assert html.escape(operation["summary"]) in section
            for status in operation["responses"]:
                assert f"<td>{status}</td>" in section, f"{method} {path}: no {status} row"
    for name in DOCUMENT["components"]["schemas"]:
        assert f'id="schema-{name}"' in page, f"schema {name} has no section on /docs"
    assert '<a href="#schema-payment"><code>payment</code></a>' in page  # refs are links
    # Offline: nothing to run and nothing to fetch from elsewhere.
    assert not re.search(r"<script|<link|<img|<iframe|\ssrc=|href=\"(?!#|/)", page)


def test_the_installed_command_serves_its_front_page(mock_process):
    command = shutil.which("sknpay-mock", path=str(Path(sys.executable).parent))
    assert command, "the sknpay-mock console script is not installed next to this python"
    mock = mock_process(["--webhook-delay", "2", "--duplicate-rate", "0.5",
                         "--fail-first", "create=1"], command=[command])
    with httpx.Client(base_url=mock.url) as client:
        answer = client.get("/")
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "text/html; charset=utf-8"
    text = _text(answer.text)
    assert f"Base URL {mock.url}/api/v1" in text
    assert "delay 2 s before each delivery" in text and "duplicate_rate 0.5" in text
    assert "the next 1 create call(s) answer 503" in text
    mock.stop()
    assert "GET / -> 200" in mock.log()
