"""Webhook bytes that catch a receiver which re-serialises before verifying
(issue #18, item 4). The mock writes events as a Node service would (compact,
raw UTF-8): a receiver that verifies the raw bytes passes, one that verifies
``json.dumps(json.loads(raw))`` is rejected. Each layout is also checked
against the real writer it names, where that writer is installed."""

from __future__ import annotations

import io
import json
import shutil
import subprocess
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from werkzeug.wrappers import Request, Response

from sknpay_harness import signing
from sknpay_harness.backoff import Backoff
from sknpay_harness.errors import SignatureError
from sknpay_harness.mock.body_layout import BODY_LAYOUTS, DEFAULT_BODY_LAYOUT, serialise
from sknpay_harness.mock.build import MockSpec, RunningMock, build_mock
from sknpay_harness.mock.cli import LineLog, build, build_parser
from sknpay_harness.mock.outbox import DeliveryAttempts, Outbox
from sknpay_harness.serving import WsgiServer

SECRET = "whsec_webhook_bytes"
CAFE = "Café \u2013 10 €"  # an en dash: three UTF-8 bytes, as € is
EVENT = {
    "id": "evt_1", "object": "event", "type": "payment.canceled", "created": 1796600000,
    "livemode": False,
    "data": {"object": {"id": "plink_1", "amount": 1000, "description": f"{CAFE} <b>&",
                        "url": "http://127.0.0.1:4111/pay/plink_1", "metadata": {},
                        "canceled_at": None, "ok": True, "line": "a\u2028b\nc\"d\\"}},
}


# -- the layouts ----------------------------------------------------------------
@pytest.mark.parametrize("layout", BODY_LAYOUTS)
def test_every_layout_is_the_same_event(layout):
    assert json.loads(serialise(EVENT, layout)) == EVENT


def test_the_default_is_compact_raw_utf8():
    body = serialise(EVENT)
    assert DEFAULT_BODY_LAYOUT == "node"
    assert CAFE.encode("utf-8") in body and b"\\u" not in body
    assert b'","' in body and b'", "' not in body and b'": "' not in body
    assert body != json.dumps(json.loads(body)).encode()


def test_python_layout_is_what_json_dumps_gives_back():
    body = serialise(EVENT, "python")
    assert body == json.dumps(json.loads(body)).encode()


def test_go_and_php_layouts_escape_as_those_writers_do():
    go = serialise(EVENT, "go")
    assert b"\\u003cb\\u003e\\u0026" in go and "Café".encode() in go and b"a\\u2028b" in go
    php = serialise(EVENT, "php")
    assert b"Caf\\u00e9 \\u2013 10 \\u20ac" in php and b"http:\\/\\/127.0.0.1:4111\\/pay" in php


def test_a_lone_surrogate_is_escaped_not_a_crash():
    # json.loads("\"\\ud800\"") keeps one; UTF-8 has none, so JSON.stringify escapes it.
    event = {"description": "x\ud800y"}
    for layout in BODY_LAYOUTS:
        body = serialise(event, layout)
        assert b"\\ud800" in body and json.loads(body) == event


def test_an_unknown_layout_names_the_choices():
    with pytest.raises(ValueError, match="'ruby' is not one of node, go, php, python"):
        Outbox(SECRET, body_layout="ruby")


WRITERS = {
    # Parse the body and write it again with the writer the layout is named for.
    "node": ["node", "-e", "let s='';process.stdin.setEncoding('utf8');"
             "process.stdin.on('data',c=>s+=c).on('end',()=>"
             "process.stdout.write(JSON.stringify(JSON.parse(s))))"],
    "php": ["php", "-r", "echo json_encode(json_decode(file_get_contents('php://stdin')));"],
}


@pytest.mark.parametrize("layout", WRITERS)
def test_a_layout_is_byte_for_byte_what_its_writer_writes(layout, child_env):
    command = WRITERS[layout]
    if shutil.which(command[0]) is None:
        pytest.skip(f"{command[0]} is not installed")
    body = serialise(EVENT, layout)
    written = subprocess.run(command, input=body, capture_output=True, timeout=30, check=True,
                             env=child_env())
    assert written.stdout == body


# -- receivers an integrator might write --------------------------------------------
def dumps(event: Any) -> str:
    return json.dumps(event)


def dumps_compact(event: Any) -> str:
    return json.dumps(event, separators=(",", ":"))  # gave the mock's old bytes back


@dataclass
class Receiver:
    """A webhook endpoint that verifies the signature over the raw bytes, or
    (the mistake this file is about) over the body parsed and written again
    by ``reserialise``."""

    reserialise: Callable[[Any], str] | None = None
    accepted: list[dict[str, Any]] = field(default_factory=list)
    rejected: list[str] = field(default_factory=list)

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        request = Request(environ)
        raw = request.get_data()
        signed = raw if self.reserialise is None else self.reserialise(json.loads(raw)).encode()
        try:
            signing.verify(request.headers.get(signing.HEADER), signed, [SECRET], time.time())
        except SignatureError as exc:
            self.rejected.append(exc.reason)
            return Response("bad signature", status=400)(environ, start_response)
        self.accepted.append(json.loads(raw))
        return Response("ok")(environ, start_response)


@pytest.fixture
def serve_mock() -> Iterator[Any]:
    """function · factory(layout) -> RunningMock · a mock that gives up after 2 attempts."""
    started: list[RunningMock] = []

    def start(layout: str = DEFAULT_BODY_LAYOUT) -> RunningMock:
        started.append(build_mock(MockSpec(
            SECRET, body_layout=layout,
            delivery_attempts=DeliveryAttempts(2, Backoff(0.01, 2.0, 0.02)))).start())
        return started[-1]

    yield start
    for mock in started:
        mock.stop()


def deliver_a_cancel(mock: RunningMock, receiver: Receiver, key: str,
                     description: str) -> dict[str, Any]:
    """Point ``key``'s webhooks at ``receiver``, make and cancel a payment,
    wait until the mock is done delivering; the delivery's log entry."""
    with WsgiServer(receiver) as endpoint, httpx.Client(
            base_url=mock.url, headers={"Authorization": f"Bearer {key}"}) as client:
        assert client.put("/_mock/webhooks/endpoints",
                          json={"urls": [endpoint.url + "/webhooks"]}).status_code == 200
        payment = client.post("/api/v1/payments", json={
            "amount": 1000, "currency": "USD", "description": description}).json()
        assert client.post(f"/api/v1/payments/{payment['id']}/cancel").status_code == 200
        assert client.post("/_mock/outbox/wait", json={"timeout": 10}).status_code == 200
        [delivery] = client.get("/_mock/deliveries").json()["deliveries"]
    return delivery


@pytest.mark.parametrize("description", [CAFE, "plain ASCII"])
def test_a_raw_bytes_receiver_passes_on_the_mock(serve_mock, description):
    receiver = Receiver()
    delivery = deliver_a_cancel(serve_mock(), receiver, "sk_test_raw", description)
    assert delivery["state"] == "delivered", delivery
    [event] = receiver.accepted
    assert event["data"]["object"]["description"] == description
    assert receiver.rejected == []


@pytest.mark.parametrize(("reserialise", "description"), [
    (dumps, CAFE), (dumps, "plain ASCII"),  # spaces after , and : either way
    (dumps_compact, CAFE),  # "Caf\\u00e9" for "Café": passed on the mock's old bytes
])
def test_a_reserialising_receiver_is_rejected_on_the_mock(serve_mock, reserialise, description):
    receiver = Receiver(reserialise)
    delivery = deliver_a_cancel(serve_mock(), receiver, "sk_test_reserialise", description)
    assert delivery["state"] == "failed", delivery
    assert [a["status"] for a in delivery["attempts"]] == [400, 400]
    assert receiver.accepted == [] and receiver.rejected == ["mismatch", "mismatch"]


def test_the_php_layout_catches_a_compact_reserialiser_even_on_ascii_text(serve_mock):
    # Every payment has a url, and PHP writes its slashes as \\/.
    receiver = Receiver(dumps_compact)
    delivery = deliver_a_cancel(serve_mock("php"), receiver, "sk_test_php", "plain ASCII")
    assert delivery["state"] == "failed" and receiver.rejected == ["mismatch", "mismatch"]


def test_the_python_layout_lets_a_reserialiser_through(serve_mock):
    # Why the default is not Python's: there json.dumps gives the bytes back,
    # and the mistake passes on the mock (the check above can fail).
    receiver = Receiver(dumps)
    delivery = deliver_a_cancel(serve_mock("python"), receiver, "sk_test_python", CAFE)
    assert delivery["state"] == "delivered" and receiver.rejected == []


def test_the_harness_listener_verifies_raw_utf8_bodies(mock_stack):
    with mock_stack.client() as client:
        payment = client.post("/payments", json={"amount": 1000, "currency": "USD",
                                                 "description": CAFE}).json()
        client.post(f"/payments/{payment['id']}/cancel")
    event = mock_stack.event("payment.canceled", payment["id"])
    assert event.body["data"]["object"]["description"] == CAFE
    assert CAFE.encode("utf-8") in event.raw


def test_the_command_line_switches_the_layout(capsys):
    parser = build_parser()
    assert parser.parse_args([]).webhook_body_layout == DEFAULT_BODY_LAYOUT
    args = parser.parse_args(["--port", "0", "--webhook-body-layout", "php"])
    running = build(args, LineLog(io.StringIO()), SECRET, [])
    try:
        assert running.outbox.body_layout == "php"
    finally:
        running.stop()
    with pytest.raises(SystemExit):
        parser.parse_args(["--webhook-body-layout", "ruby"])
    error = capsys.readouterr().err
    assert "--webhook-body-layout: invalid choice: 'ruby'" in error and "python" in error
