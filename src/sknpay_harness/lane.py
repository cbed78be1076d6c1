"""A short way for plain requests onto the kept-alive pool, past httpx's Client.

httpx.Client.request costs ~75 us per exchange over the socket work: URL
parsing, header normalisation, the auth/redirect/hook machinery and the
Response model. Against the in-process mock that is a third of an exchange.
:class:`PlainLane` sends the very bytes httpx would send (proven byte for byte
by tests/unit/test_lane.py) straight onto :class:`KeepAliveTransport`'s pool,
and hands back status, headers and body as httpx would read them.

It takes only requests it can say exactly as httpx would: ``http://`` URLs with
nothing to normalise or quote, ASCII headers, no Host/Content-Length/
Transfer-Encoding of the caller's. For anything else ``send`` returns None and
the caller goes the httpx way, so behaviour never depends on which way was taken.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Mapping
from typing import NamedTuple

import httpx

from .transport import KeepAliveTransport, RawResponse, SessionClient, as_httpx_response

# What httpx leaves untouched: a lower-case host name or IPv4 address, a port
# without leading zeros, a path of unreserved characters and a query of those,
# "=" and "&". (A path with "/." is refused too: httpx removes dot segments.)
# Anything else httpx normalises, quotes or IDNA-encodes, so it goes to httpx.
_PLAIN_URL = re.compile(r"(http://([a-z0-9.-]+)(?::([1-9][0-9]{0,4}))?)"
                        r"(/[A-Za-z0-9\-._~/]*(?:\?[A-Za-z0-9\-._~=&]+)?)")
_IPV4_LIKE = re.compile(r"[0-9.]+")
_METHOD = re.compile(r"[A-Z]+")  # httpx upper-cases any other
_TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
_VALUE = re.compile(r"[\t\x20-\x7e]*")
_OWN_HEADERS = frozenset({"host", "content-length", "transfer-encoding"})
_BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})
_MAX_ORIGINS = 64  # cached (origin, Host) per scheme+authority; few in practice


class Answer(NamedTuple):
    """A response as SknPayClient records it, however it travelled."""

    status: int
    headers: dict[str, str]  # as dict(httpx.Headers): lower-case names, repeats joined by ", "
    body: bytes  # Content-Encoding already decoded

    @classmethod
    def of(cls, response: httpx.Response) -> Answer:
        """An httpx Response, read."""
        return cls(response.status_code, dict(response.headers), response.content)


class PlainLane:
    """Plain ``http://`` requests, encoded here and sent on ``transport``'s pool.

    ``default_headers`` and ``timeout`` are the httpx.Client's own (taken once:
    the harness never changes them), so the wire carries the same headers in the
    same order as ``client.request`` would.
    """

    def __init__(self, transport: KeepAliveTransport, default_headers: httpx.Headers,
                 timeout: httpx.Timeout) -> None:
        self._transport = transport
        self._defaults = [(name.decode("ascii"), name.lower().decode("ascii"), value.decode("ascii"))
                          for name, value in default_headers.raw]
        self._timeouts = timeout.as_dict()
        self._origins: dict[str, tuple[tuple[str, int], str]] = {}

    @classmethod
    def of(cls, client: SessionClient) -> PlainLane | None:
        """The lane onto ``client``'s own kept-alive pool, with its headers and
        timeout; None when the client has none (kind "httpx", or a transport given)."""
        if client.keepalive is None:
            return None
        return cls(client.keepalive, client.headers, client.timeout)

    def send(self, method: str, url: str, headers: Mapping[str, str],
             content: bytes | None) -> Answer | None:
        """The answer, or None when the request is not plain enough to skip httpx."""
        head = self._head(method, url, headers, content)
        if head is None:
            return None
        origin, data = head
        return _answer(self._transport.send(origin, data, method, self._timeouts))

    def _head(self, method: str, url: str, headers: Mapping[str, str],
              content: bytes | None) -> tuple[tuple[str, int], bytes] | None:
        match = _PLAIN_URL.fullmatch(url)
        if (match is None or "/." in match.group(4) or not _METHOD.fullmatch(method)
                or (content is not None and type(content) is not bytes)
                or self._transport.closed):  # httpx's way says why it cannot send
            return None
        authority, target = match.group(1), match.group(4)
        known = self._origins.get(authority)
        if known is None:
            known = _origin(match.group(2), match.group(3))
            if known is None:
                return None
            if len(self._origins) >= _MAX_ORIGINS:
                self._origins.clear()
            self._origins[authority] = known
        origin, host = known
        given = []
        for name, value in headers.items():
            if not (isinstance(name, str) and isinstance(value, str) and _TOKEN.fullmatch(name)
                    and _VALUE.fullmatch(value)) or name.lower() in _OWN_HEADERS:
                return None
            given.append((name, value))
        overridden = {name.lower() for name, _ in given}
        # httpx's order: Host, an empty body's Content-Length, the client's defaults
        # not overridden, the caller's headers, then a non-empty body's length.
        lines = [f"{method} {target} HTTP/1.1", f"Host: {host}"]
        if not content and method in _BODY_METHODS:
            lines.append("Content-Length: 0")
        lines.extend(f"{name}: {value}" for name, lower, value in self._defaults
                     if lower not in overridden)
        lines.extend(f"{name}: {value}" for name, value in given)
        if content:
            lines.append(f"Content-Length: {len(content)}")
        lines.append("\r\n")
        return origin, "\r\n".join(lines).encode("ascii") + (content or b"")


def _origin(host: str, port: str | None) -> tuple[tuple[str, int], str] | None:
    """((host, port) to connect to, the Host header), as httpx would make them."""
    number = int(port) if port else 80
    if number > 65535:
        return None
    if _IPV4_LIKE.fullmatch(host):  # httpx validates these (InvalidURL): only canonical ones here
        try:
            if str(ipaddress.IPv4Address(host)) != host:
                return None
        except ValueError:
            return None
    return (host, number), host if number == 80 else f"{host}:{number}"


def _answer(raw: RawResponse) -> Answer:
    try:
        headers: dict[str, str] = {}
        for name, value in raw.headers:
            key, text = name.lower().decode("ascii"), value.decode("ascii")
            headers[key] = f"{headers[key]}, {text}" if key in headers else text
    except UnicodeDecodeError:  # httpx then picks utf-8 or latin-1 for the whole block
        return Answer.of(_read(raw))
    if "content-encoding" in headers:
        return Answer(raw.status, headers, _read(raw).content)
    return Answer(raw.status, headers, raw.body)


def _read(raw: RawResponse) -> httpx.Response:
    response = as_httpx_response(raw)
    response.read()  # decodes Content-Encoding exactly as the httpx way does
    return response
