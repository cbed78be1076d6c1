"""A listener or relay that cannot bind says so with the OS's own error (errno
set), so the plugin can explain it in one line instead of a traceback."""

from __future__ import annotations

import errno

import pytest

from sknpay_harness import WebhookInbox, WebhookListener
from sknpay_harness.relay import WebhookRelay

NOT_THIS_MACHINE = "203.0.113.1"  # TEST-NET-3: never a local address; nothing is sent


def test_a_port_in_use_raises_eaddrinuse(held_port):
    with pytest.raises(OSError) as caught:
        WebhookListener(WebhookInbox([]), "127.0.0.1", held_port).start()
    assert caught.value.errno == errno.EADDRINUSE


def test_a_host_this_machine_does_not_have_raises_eaddrnotavail():
    with pytest.raises(OSError) as caught:
        WebhookListener(WebhookInbox([]), NOT_THIS_MACHINE, 0).start()
    assert caught.value.errno == errno.EADDRNOTAVAIL


def test_a_relay_on_a_port_in_use_raises_and_leaves_nothing_running(held_port):
    relay = WebhookRelay("127.0.0.1", held_port)
    with pytest.raises(OSError) as caught:
        relay.start()
    assert caught.value.errno == errno.EADDRINUSE
    assert not relay.running
