"""Secrets are a type: masked in every repr, str and format, revealed only at
the wire, and never in a frame local of the client (a traceback with locals)."""

from __future__ import annotations

import traceback

import httpx
import pytest

from sknpay_harness import Redactor, Settings, SknPayClient, TransportError, WebhookInbox, signing
from sknpay_harness.client import BearerKey
from sknpay_harness.redaction import MASK
from sknpay_harness.secret import Secret

KEY = "sk_test_unitSECRETkey_0123456789"
WHSEC = "whsec_unitSECRETsecret_0123456789"


def test_a_secret_never_shows_itself() -> None:
    secret = Secret(KEY)
    shown = [repr(secret), str(secret), f"{secret}", f"{secret:>40}", "%s" % secret,  # noqa: UP031 (logging's style)
             repr([secret])]
    assert all("SECRET" not in text for text in shown), shown
    assert secret.reveal() == KEY and not isinstance(secret, str)


def test_a_secret_compares_and_hashes_by_value() -> None:
    assert Secret(KEY) == Secret(Secret(KEY)) and Secret(KEY) != Secret(WHSEC)
    assert len({Secret(KEY), Secret(KEY)}) == 1
    assert Secret(KEY) != KEY  # never equal to the clear value, which would invite str use
    assert not Secret("") and Secret(KEY)


def test_a_secret_holds_only_text() -> None:
    with pytest.raises(TypeError, match="a Secret holds a str, not bytes"):
        Secret(b"sk_test_x")  # type: ignore[arg-type]


def test_settings_hold_plain_strings_as_secrets() -> None:
    settings = Settings(api_key=KEY, webhook_secret=WHSEC)  # type: ignore[arg-type]
    assert isinstance(settings.api_key, Secret) and settings.secrets() == (Secret(KEY), Secret(WHSEC))
    assert "SECRET" not in repr(settings) and "SECRET" not in str(settings)


def test_the_key_reaches_the_wire_only() -> None:
    sent: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return httpx.Response(200, json={"id": "plink_1"})

    client = SknPayClient("https://api.example/api/v1", Secret(KEY),
                          transport=httpx.MockTransport(answer))
    exchange = client.retrieve_payment("plink_1")
    assert sent[0].headers["Authorization"] == f"Bearer {KEY}"
    assert exchange.request_headers["Authorization"] == f"Bearer {MASK}"
    for shown in (repr(client), repr(exchange), repr(BearerKey(Secret(KEY))), repr(sent[0].headers)):
        assert "SECRET" not in shown, shown


def test_a_transport_failure_has_no_secret_in_its_message_or_any_frame_local() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("[Errno 111] Connection refused", request=request)

    client = SknPayClient("http://127.0.0.1:9/api/v1", KEY, transport=httpx.MockTransport(refuse))
    with pytest.raises(TransportError) as info:
        client.create_payment({"amount": 1})
    # What `pytest -l --full-trace` would show of each frame, without pytest's redaction.
    shown = "".join(traceback.TracebackException.from_exception(
        info.value, capture_locals=True).format())
    assert "_send" in shown and "headers" in shown
    assert "SECRET" not in shown and "SECRET" not in repr(info.value)


def test_signing_takes_the_secret_as_a_secret() -> None:
    body = b'{"id":"evt_1"}'
    header = signing.sign(body, Secret(WHSEC), 1_800_000_000)
    assert header == signing.sign(body, WHSEC, 1_800_000_000)
    assert signing.verify(header, body, [Secret(WHSEC)], 1_800_000_000).timestamp == 1_800_000_000


def test_redactor_masks_the_secret_with_and_without_its_prefix() -> None:
    redactor = Redactor([Secret(KEY), WHSEC, None])
    text = redactor.text(f"{KEY} {KEY.removeprefix('sk_test_')} {WHSEC.removeprefix('whsec_')}")
    assert "SECRET" not in text and text.count(MASK) == 3
    assert redactor.contains_secret(KEY.removeprefix("sk_test_"))
    assert "SECRET" not in repr(redactor) and "SECRET" not in repr(WebhookInbox([Secret(WHSEC)]))


def test_redactor_masks_what_a_repr_cut_in_the_middle_keeps() -> None:
    # pytest's saferepr shortens long values to head...tail, e.g. in an assert's
    # comparison: neither part may survive.
    redactor = Redactor(["hunter2-is-a-long-secret"])
    cut = "assert 'hunter2-is...ng-secret' == 'x' ... and an ordinary ..."
    assert redactor.text(cut) == f"assert '{MASK}...{MASK}' == 'x' ... and an ordinary ..."
    assert redactor.contains_secret("...ng-secret") and not redactor.contains_secret("a ... b")
