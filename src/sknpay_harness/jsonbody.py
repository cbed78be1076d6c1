"""JSON bodies: read one without trusting it, answer with one.

Webhook deliveries, API answers and log lines arrive as bytes that may be
anything; reading them must never raise. A leaf module (the standard library
and werkzeug only): the mock, which stands alone, and the core share it.
"""

from __future__ import annotations

import json
from typing import Any

from werkzeug.wrappers import Response

JSON_TYPE = "application/json"


def parse_or_none(data: str | bytes) -> Any:
    """``data`` parsed, or None when it is not JSON: bad syntax, bytes that are
    not UTF-8, or nested too deeply (``b"[" * 100_000``). JSON ``null`` also
    reads as None: ask for the type you expect (:func:`json_object`)."""
    try:
        return json.loads(data)
    except (ValueError, RecursionError):  # UnicodeDecodeError is a ValueError
        return None


def json_object(data: str | bytes) -> dict[str, Any] | None:
    """``data`` parsed when it is a JSON object; None for anything else."""
    value = parse_or_none(data)
    return value if isinstance(value, dict) else None


def json_response(status: int, body: dict[str, Any]) -> Response:
    """A WSGI response with ``body`` as JSON: the mock's, the listener's and
    the relay's answers."""
    return Response(json.dumps(body), status=status, content_type=JSON_TYPE)
