"""The integrator's own app as the code under test.

:class:`AppUnderTest` hands the app what it needs to talk to SKN Pay (the
target's API base URL, an API key, the webhook secret, as Secrets), routes the
embedded mock's webhooks to the app's own endpoint (with or without the
harness's listener as well), and runs the receiver check against it. The
harness's waits and its customer work for payments the app created: a wait
names its payment, whoever made it. No pytest here (``sknpay_app`` wires it).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from .control_api import control_call
from .errors import ConfigError
from .secret import Secret


@dataclass(frozen=True)
class AppUnderTest:
    """What an app under test is given, and how its webhooks are routed.

    ``api_url``: give this to the app as its SKN Pay base URL. ``api_key`` and
    ``webhook_secret``: the app's credentials (``.reveal()`` where the app's
    configuration takes them). ``listener_url``: the harness's own listener.
    """

    api_url: str
    api_key: Secret = field(repr=False)
    webhook_secret: Secret = field(repr=False)
    listener_url: str
    live: bool = False
    check: Callable[..., Any] = field(repr=False, default=lambda *a, **k: None)

    def send_webhooks_to(self, *urls: str, also_listener: bool = True) -> list[str]:
        """Deliver the mock's webhooks for this key to ``urls`` (the app's own
        endpoint), and to the harness's listener too unless ``also_listener``
        is False (then the harness's waits see nothing). Reset for each test.
        Returns the endpoints now in force."""
        if self.live:
            raise ConfigError(f"send_webhooks_to({', '.join(urls)}) works on the embedded mock "
                              "only: on a live target the SKN Pay dashboard's webhook endpoint "
                              "(Settings -> Webhooks) decides where webhooks go; point it at "
                              "your app there, or mark the test mock_only")
        wanted = [*urls, *([self.listener_url] if also_listener else [])]
        answer = control_call(self.api_url, self.api_key, "PUT", "/webhooks/endpoints",
                              {"urls": wanted})
        return list(answer["urls"])

    def check_receiver(self, url: str, payment: str | Mapping[str, Any], **options: Any) -> Any:
        """The receiver check (forged, stale, replayed, out-of-order ... deliveries,
        signed with this run's webhook secret) against the app's endpoint ``url``
        for a ``payment`` the app knows: a ReceiverReport. ``options``: those of
        sknpay_harness.mock.receiver_check.check_receiver (state_probe, after, ...)."""
        return self.check(url, payment, self.webhook_secret, **options)
