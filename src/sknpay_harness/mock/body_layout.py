"""How an event becomes the bytes the mock signs and sends: one named layout each.

SKN Pay's own layout is unknown. A receiver must verify the signature over
the raw bytes it got; one that parses and re-serialises first only passes if
its JSON writer happens to match the sender's. The default, ``node``, is what
a Node or Go service writes (compact, raw UTF-8), which Python's
``json.dumps`` does not give back. Switch with ``MockSpec(body_layout=...)`` or
``sknpay-mock --webhook-body-layout``; add a layout here once a recording
from the real sandbox shows it. Key order is the event's own in every layout.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

DEFAULT_BODY_LAYOUT = "node"

# Go's encoding/json escapes these so its output is safe inside HTML <script>
# (json.HTMLEscape); they only occur inside strings, so a plain translate is safe.
_GO_ESCAPES = str.maketrans({"<": "\\u003c", ">": "\\u003e", "&": "\\u0026",
                             "\u2028": "\\u2028", "\u2029": "\\u2029"})
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def _utf8(text: str) -> bytes:
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:
        # json.loads keeps a lone surrogate ("\\ud800"), which has no UTF-8:
        # JSON.stringify writes it as an escape, and so do we.
        return _LONE_SURROGATE.sub(lambda m: f"\\u{ord(m.group()):04x}", text).encode("utf-8")


def _node(event: Any) -> bytes:
    """``JSON.stringify(event)``: no spaces, raw UTF-8."""
    return _utf8(json.dumps(event, ensure_ascii=False, separators=(",", ":")))


def _go(event: Any) -> bytes:
    """Go's ``json.Marshal``: as Node, with ``< > & U+2028 U+2029`` as ``\\u`` escapes."""
    text = json.dumps(event, ensure_ascii=False, separators=(",", ":"))
    return _utf8(text.translate(_GO_ESCAPES))


def _php(event: Any) -> bytes:
    """PHP's ``json_encode`` with no flags (as Guzzle's ``json`` option sends): no spaces,
    non-ASCII as ``\\u`` escapes, and ``/`` as ``\\/``."""
    return json.dumps(event, separators=(",", ":")).replace("/", "\\/").encode("ascii")


def _python(event: Any) -> bytes:
    """Python's ``json.dumps(event)``: ``", "`` and ``": "``, ASCII only. A
    receiver that re-serialises with ``json.dumps`` gets these bytes back."""
    return json.dumps(event).encode("ascii")


BODY_LAYOUTS: dict[str, Callable[[Any], bytes]] = {
    "node": _node, "go": _go, "php": _php, "python": _python,
}


def check_layout(name: str) -> str:
    """``name`` if it is a layout; ValueError naming the choices otherwise."""
    if name not in BODY_LAYOUTS:
        raise ValueError(f"webhook body layout {name!r} is not one of "
                         f"{', '.join(BODY_LAYOUTS)}")
    return name


def serialise(event: Any, layout: str = DEFAULT_BODY_LAYOUT) -> bytes:
    """The event's bytes in ``layout`` (one of :data:`BODY_LAYOUTS`)."""
    return BODY_LAYOUTS[check_layout(layout)](event)
