"""The mock's test-control API (``/_mock``) over HTTP, as an integrator's own
test would call it: one way for the embedded target, the app under test and
the tests that move a target's clock. It works on any target that has that
API: the embedded mock, or the mock run as its own process."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import httpx

from .errors import TargetError
from .operations import API_PREFIX, CONTROL_PREFIX
from .secret import Secret
from .tls import shared_ssl_context


def control_call(api_url: str, api_key: Secret, method: str, path: str,
                 body: Mapping[str, Any] | None = None, *, timeout: float = 10.0) -> dict[str, Any]:
    """``method`` ``/_mock{path}`` beside the API at ``api_url`` (``.../api/v1``),
    as the key's owner; the JSON answer, or TargetError naming the call and the answer."""
    url = f"{api_url.removesuffix(API_PREFIX)}{CONTROL_PREFIX}{path}"
    answer = httpx.request(method, url, json=body,
                           headers={"Authorization": f"Bearer {api_key.reveal()}"},
                           timeout=timeout, verify=shared_ssl_context())
    if answer.status_code != 200:
        raise TargetError(f"the mock refused {method} {CONTROL_PREFIX}{path}: "
                          f"HTTP {answer.status_code} {answer.text[:300]}")
    data: dict[str, Any] = answer.json()
    return data


def advance_clock(api_url: str, api_key: Secret, seconds: float) -> dict[str, Any]:
    """Move the key's clock forward: links past their lifetime expire at once."""
    try:
        return control_call(api_url, api_key, "POST", "/clock/advance", {"seconds": seconds})
    except TargetError as exc:
        raise TargetError(f"{exc}; a target without the mock's control API cannot run the "
                          "'expiry' feature") from None
