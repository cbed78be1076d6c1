"""One verifying TLS context per process, for every httpx client the harness
and the mock make. A leaf module: it imports nothing of the harness."""

from __future__ import annotations

import functools
import ssl

import httpx


@functools.cache
def shared_ssl_context() -> ssl.SSLContext:
    """httpx's own verifying TLS context (its CA bundle, SSL_CERT_FILE and
    SSL_CERT_DIR honoured), made once per process and shared by every client
    the harness makes: each new one reads the whole CA bundle again (~35 ms),
    and a session makes several (the API client, the mock's webhook sender).
    The environment is read when the first client is made."""
    return httpx.create_ssl_context()
