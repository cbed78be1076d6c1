"""Who binds the webhook port, and when: in ``pytest_configure``, before any test.

A port in use, or a host this machine does not have, is a configuration
error: the run stops with exit code 4 and one short message (host, port,
where each came from, the OS's reason) instead of a traceback at fixture
setup. So the socket is bound here, by the one process that owns the port,
and the session fixtures hand out what was bound.

- one process (no xdist, or ``-n 0``): its listener binds host:port.
- xdist controller (runs no tests): with a fixed port, the webhook relay binds
  it and forwards to the workers (:mod:`sknpay_harness.relay`); with port 0 it
  only checks that the host can be bound, so a bad host fails once, here.
- xdist worker: under a relay, its listener takes a free loopback port and
  registers each payment it makes; otherwise it binds host:0 as before.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import TypeVar

import pytest

from ..listener import WebhookInbox, WebhookListener
from ..port_binding import bind_failure, probe_host
from ..redaction import Redactor
from ..relay import RelayRegistration, WebhookRelay
from ..settings import Settings
from . import parallel
from .state import settings_key

T = TypeVar("T")

listener_key = pytest.StashKey[WebhookListener]()
relay_key = pytest.StashKey[WebhookRelay]()
registration_key = pytest.StashKey[RelayRegistration]()

# Options with which pytest runs no test, so nothing needs the port.
_NO_TESTS = ("help", "collectonly", "showfixtures", "show_fixtures_per_test", "markers")

def bind_up_front(config: pytest.Config, settings: Settings) -> None:
    """Bind what this process listens with; raise pytest.UsageError if it cannot."""
    # A cleanup, not pytest_unconfigure: cleanups run even when another
    # plugin's unconfigure raises, and cheroot's worker threads are not
    # daemons, so a server left running would hang the process at exit.
    config.add_cleanup(partial(release, config))
    if any(getattr(config.option, name, False) for name in _NO_TESTS):
        return
    if parallel.is_controller(config):
        if settings.webhook_port:
            config.stash[relay_key] = _bind(
                settings, "the webhook relay for the xdist workers", settings.webhook_port,
                lambda: WebhookRelay(settings.webhook_host, settings.webhook_port).start())
        else:  # every worker binds host:0 itself: fail once, here, for a bad host
            _bind(settings, "the webhook listeners of the xdist workers", 0,
                  lambda: probe_host(settings.webhook_host))
        return
    config.stash[listener_key] = _start_listener(config, settings)


def bound_listener(config: pytest.Config) -> WebhookListener:
    """The listener bound at configure time (bound now if this run skipped that)."""
    if listener_key not in config.stash:
        config.stash[listener_key] = _start_listener(config, config.stash[settings_key])
    return config.stash[listener_key]


def webhook_endpoint(config: pytest.Config) -> str:
    """What SKN Pay must deliver this run's webhooks to, as a message names it:
    the controller's relay under xdist with a fixed port, else this listener."""
    relay = parallel.relay_address(config)
    if relay is not None:
        return f"the xdist relay ({relay.public_url}), which forwards to each worker's listener"
    return f"this listener ({bound_listener(config).url})"


def finish(config: pytest.Config) -> WebhookRelay | None:
    """On the controller, once every worker is done: stop the relay and return it
    (its counts are final), or None if there is none."""
    relay = config.stash.get(relay_key, None)
    if relay is not None:
        relay.stop()
    return relay


def release(config: pytest.Config) -> None:
    """At the end of the run: stop whatever is still bound (an interrupted run)."""
    if listener_key in config.stash:
        config.stash[listener_key].stop()
    if registration_key in config.stash:
        config.stash[registration_key].close()
    finish(config)


def _start_listener(config: pytest.Config, settings: Settings) -> WebhookListener:
    secret = settings.webhook_secret
    inbox = WebhookInbox([secret] if secret else [], redactor=Redactor(settings.secrets()))
    relay = parallel.relay_address(config)
    if relay is None:
        return _bind(settings, "the webhook listener", settings.webhook_port,
                     lambda: WebhookListener(inbox, settings.webhook_host,
                                             settings.webhook_port).start())
    # Behind the controller's relay: a free loopback port, and every payment
    # this worker makes is registered there so its events are forwarded here.
    listener = WebhookListener(inbox, "127.0.0.1", 0).start()
    registration = RelayRegistration(relay.control_url, relay.token, listener.root_url,
                                     parallel.worker_id(config))
    config.stash[registration_key] = registration
    inbox.add_track_listener(registration.register)
    return listener


def _bind(settings: Settings, what: str, port: int, start: Callable[[], T]) -> T:
    try:
        return start()
    except OSError as exc:
        raise pytest.UsageError(bind_failure(settings, what, port, exc)) from None
