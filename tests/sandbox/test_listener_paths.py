"""The dashboard URL's path is the user's choice: the listener takes deliveries on any path."""

from __future__ import annotations

import json
import time

import httpx
import pytest

from sknpay_harness import WebhookInbox, WebhookListener, sign

SECRET = "whsec_paths_0123456789"


@pytest.mark.parametrize("path", ["/", "/webhooks/sknpay", "/hooks/a/b/c", "/x?token=1"])
def test_any_path_reaches_the_inbox(path):
    inbox = WebhookInbox([SECRET])
    inbox.track("plink_paths0000001")
    listener = WebhookListener(inbox).start()
    try:
        body = json.dumps({"id": "evt_paths0000001", "type": "payment.canceled",
                           "data": {"object": {"id": "plink_paths0000001"}}}).encode()
        origin = listener.url.split("/webhooks", 1)[0]
        answer = httpx.post(origin + path, content=body,
                            headers={"SknPay-Signature": sign(body, SECRET, time.time())})
    finally:
        listener.stop()
    assert answer.status_code == 200, answer.text
    assert [d.outcome for d in inbox.deliveries()] == ["accepted"]
    assert inbox.deliveries()[0].path == path.split("?")[0]
