"""Binding a port the user chose, with an error that says what to do.

A port in use, or a host this machine does not have, is a configuration
error, not a crash: :func:`bind_failure` puts it in three short lines (where,
why in the OS's words, and what to do), naming where each value came from.
"""

from __future__ import annotations

import errno
import socket

from .settings import Settings

_HINTS = {
    errno.EADDRINUSE: "another process is listening on that port (another test run?): stop it, "
                      "or choose another port (0 picks a free one)",
    errno.EADDRNOTAVAIL: "that host is not an address of this machine: use 127.0.0.1 (the "
                         "default) or one of its own interfaces",
    errno.EACCES: "ports below 1024 need privileges: choose a port from 1024 up",
}


def bind_failure(settings: Settings, what: str, port: int, exc: OSError) -> str:
    """Three short lines: where, why (the OS's words and code), and what to do."""
    host = settings.webhook_host
    code = errno.errorcode.get(exc.errno) if isinstance(exc.errno, int) else None
    reason = exc.strerror or str(exc)
    shown_port = f"{port}" if port else "0 (any free port)"
    sources = settings.sources
    lines = [
        f"sknpay: cannot bind {what} to {host}:{port}: {reason}" + (f" ({code})" if code else ""),
        f"  port {shown_port} from {sources.get('webhook_port', 'default')}; "
        f"host {host} from {sources.get('webhook_host', 'default')}",
    ]
    if isinstance(exc, socket.gaierror):
        lines.append("  that host name does not resolve on this machine: use an IP address "
                     "of one of its interfaces, e.g. 127.0.0.1")
    elif isinstance(exc.errno, int) and exc.errno in _HINTS:
        lines.append("  " + _HINTS[exc.errno])
    return "\n".join(lines)


def probe_host(host: str) -> None:
    """Bind ``host`` on a free port and let go: raises the OS's error if it cannot."""
    infos = socket.getaddrinfo(host, 0, socket.AF_UNSPEC, socket.SOCK_STREAM, 0,
                               socket.AI_PASSIVE)
    error: OSError | None = None
    for family, kind, proto, _, address in infos:
        with socket.socket(family, kind, proto) as sock:
            try:
                sock.bind(address)
                return
            except OSError as exc:
                error = exc
    if error is not None:
        raise error
