"""``sknpay-mock``: the mock SKN Pay API as a local server for any integrator.

Stateful (per API key), signs its webhooks like SKN Pay, serves a hosted
payment page a browser can use, and injects webhook chaos and API faults on
request. Prints ``sknpay-mock listening on <url>`` on stdout once it accepts
connections; logs one line per request and per delivery attempt on stderr
(never an API key or the webhook secret); stops cleanly on SIGINT/SIGTERM.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import secrets
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from typing import Any, TextIO
from urllib.parse import urlsplit, urlunsplit

from .body_layout import BODY_LAYOUTS, DEFAULT_BODY_LAYOUT
from .breaks import BREAKS, RESERVED_FIELDS, check_break_names
from .build import MockSpec, RunningMock, build_mock
from .chaos import Delay, WebhookChaos, parse_delay
from .faults import ENVIRON_KEY, FAULT_KINDS, ROUTE_NAMES, FailFirst, parse_fail_first
from .outbox import Attempt, DeliveryAttempts, OutgoingDelivery

PROG = "sknpay-mock"
DEFAULT_PORT = 4111  # the test card's first digits: easy to remember
SECRET_ENV = "SKNPAY_WEBHOOK_SECRET"
KEYS_ENV = "SKNPAY_MOCK_API_KEYS"
READY_PREFIX = f"{PROG} listening on "


# -- argument types: each raises ArgumentTypeError with the reason ----------
def _rate(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError(f"{text!r} is not a rate between 0 and 1")
    return value


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"{text!r}: seconds must be 0 or more")
    return value


def _port(text: str) -> int:
    if not text.isdigit() or int(text) > 65535:
        raise argparse.ArgumentTypeError(f"{text!r} is not a TCP port (0-65535; 0 = any free port)")
    return int(text)


def _positive_int(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number of 1 or more")
    return int(text)


def _delay(text: str) -> Delay:
    try:
        return parse_delay(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _fail_first(text: str) -> FailFirst:
    try:
        return parse_fail_first(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _fault_kinds(text: str) -> tuple[str, ...]:
    kinds = tuple(k.strip() for k in text.split(",") if k.strip())
    bad = [k for k in kinds if k not in FAULT_KINDS]
    if bad or not kinds:
        raise argparse.ArgumentTypeError(
            f"{text!r}: fault kinds are a comma-separated subset of {','.join(FAULT_KINDS)}")
    return kinds


def _break(text: str) -> str:
    # The near miss, not all the names: --help lists them.
    try:
        check_break_names([text])
    except ValueError as error:
        raise argparse.ArgumentTypeError(f"{error} and by --help") from None
    return text


def _extra_field(text: str) -> tuple[str, Any]:
    """``NAME`` or ``NAME=JSON`` -> (name, value); the value defaults to ``"extra"``."""
    name, sep, raw = text.partition("=")
    name = name.strip()
    if not re.fullmatch(r"[a-z][a-z0-9_]{0,39}", name):
        raise argparse.ArgumentTypeError(
            f"{text!r}: the field name must be lower-case letters, digits and _ (at most 40), "
            "starting with a letter (NAME or NAME=JSON)")
    if name in RESERVED_FIELDS:
        raise argparse.ArgumentTypeError(
            f"{text!r}: {name!r} is a field the API already sends; an extra field must be new")
    if not sep:
        return name, "extra"
    try:
        return name, json.loads(raw)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r}: the value after = must be JSON (e.g. 12, true, '\"text\"')") from None


def _webhook_url(text: str) -> str:
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise argparse.ArgumentTypeError(f"{text!r} is not an http(s) URL")
    return text


def build_parser() -> argparse.ArgumentParser:
    breaks_help = "\n".join(f"  {name:<26} breaks: {cls.promise}"
                            for name, cls in sorted(BREAKS.items()))
    parser = argparse.ArgumentParser(
        prog=PROG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description=(
            "A local, stateful SKN Pay Payments API (v1) for development and CI: payments,\n"
            "cancel, refunds, link expiry, signed webhooks, a hosted payment page (test card\n"
            "4111 1111 1111 1111 pays; 4000 0027 6000 3184 asks for 3-D Secure first; any\n"
            "other card is declined), test-control endpoints under /_mock, an OpenAPI\n"
            "document at /openapi.json, webhook chaos and API faults.\n"
            "Open its root URL in a browser for a front page (what it is set to) and /docs."
        ),
        epilog=(
            "contract breaks (--break):\n" + breaks_help + "\n\n"
            "environment:\n"
            f"  {SECRET_ENV}   webhook signing secret (keeps it out of `ps`)\n"
            f"  {KEYS_ENV}    comma-separated accepted API keys (like --api-key)\n\n"
            "example:\n"
            f"  {SECRET_ENV}=whsec_dev {PROG} --port 4111 \\\n"
            "      --webhook-url http://127.0.0.1:8000/webhooks/sknpay --webhook-delay 1-5\n"
            "  then point your client at http://127.0.0.1:4111/api/v1 (docs/mock.md)."
        ),
    )
    server = parser.add_argument_group("server")
    server.add_argument("--host", default="127.0.0.1",
                        help="interface to bind (default: %(default)s)")
    server.add_argument("--port", type=_port, default=DEFAULT_PORT,
                        help="TCP port; 0 picks a free one (default: %(default)s)")
    server.add_argument("--api-key", action="append", default=[], metavar="KEY",
                        help=f"accept this API key (repeatable; also ${KEYS_ENV}). Default: any "
                             "key starting sk_test_, each its own account")
    server.add_argument("--seed", type=int, default=None,
                        help="seed ids, delays, duplicates, noise and faults (reproducible runs)")
    server.add_argument("--break", dest="breaks", action="append", default=[], type=_break,
                        metavar="NAME",
                        help="switch on a named contract break (repeatable; list below)")
    server.add_argument("--extra-field", dest="extra_fields", action="append", default=[],
                        type=_extra_field, metavar="NAME[=JSON]",
                        help="add a field the contract's schemas do not know to every payment, "
                             "refund, event and error body, as a newer API version would "
                             "(repeatable; "
                             "the value defaults to \"extra\"): the harness must pass and report "
                             "it as contract drift")
    server.add_argument("--link-lifetime", type=_seconds, default=24 * 3600.0, metavar="SECONDS",
                        help="an unpaid link expires (status expired, event payment.expired) this "
                             "long after it is made; 0 = never (default: %(default)s, 24 h)")
    server.add_argument("--quiet", action="store_true",
                        help="no log line per request and per delivery attempt")

    hooks = parser.add_argument_group("webhooks")
    hooks.add_argument("--webhook-url", action="append", default=[], type=_webhook_url,
                       metavar="URL", help="deliver every event to this endpoint (repeatable)")
    hooks.add_argument("--webhook-secret", metavar="SECRET", default=None,
                       help=f"signing secret (whsec_...); prefer ${SECRET_ENV}. Required with "
                            "--webhook-url; otherwise a random one is made (and never shown)")
    hooks.add_argument("--webhook-delay", type=_delay, default=0.0, metavar="SECONDS|LOW-HIGH",
                       help="wait before each delivery: fixed (2) or uniform in a range (1-20)")
    hooks.add_argument("--webhook-max-attempts", type=_positive_int, default=6, metavar="N",
                       help="attempts per delivery before giving up; retries back off "
                            "0.5 s, 1 s, 2 s ... up to 30 s (default: %(default)s)")
    hooks.add_argument("--webhook-body-layout", choices=list(BODY_LAYOUTS),
                       default=DEFAULT_BODY_LAYOUT,
                       help="how event bodies are written: node (compact, raw UTF-8), go (node "
                            "with <>& escaped), php (compact, \\u and \\/ escapes) or python "
                            "(json.dumps); SKN Pay's is unknown (default: %(default)s)")
    hooks.add_argument("--duplicate-rate", type=_rate, default=0.0, metavar="P",
                       help="chance (0-1) that an event is delivered twice with the same id")
    hooks.add_argument("--noise-rate", type=_rate, default=0.0, metavar="P",
                       help="chance (0-1) that an event is followed by a validly signed event for "
                            "a payment that is not yours (a made-up plink_ id) to ignore")

    faults = parser.add_argument_group("API faults (answered before the request is handled: "
                                       "nothing changes, a retry is safe)")
    faults.add_argument("--fault-rate", type=_rate, default=0.0, metavar="P",
                        help="chance (0-1) that an /api/v1 request gets a fault")
    faults.add_argument("--fault-kinds", type=_fault_kinds, default=FAULT_KINDS, metavar="KINDS",
                        help=f"which faults: a subset of {','.join(FAULT_KINDS)} (default: all)")
    faults.add_argument("--slow-seconds", type=_seconds, default=2.0, metavar="SECONDS",
                        help="how long a 'slow' fault holds the response (default: %(default)s)")
    faults.add_argument("--fail-first", action="append", default=[], type=_fail_first,
                        metavar="ROUTE=N[:STATUS]",
                        help="answer STATUS (default 503) to the first N calls of ROUTE, one of "
                             f"{', '.join(ROUTE_NAMES)} (repeatable; e.g. create=1 cancel=1:500)")
    return parser


class LineLog:
    """One line per event, timestamped, flushed; thread-safe."""

    def __init__(self, stream: TextIO, enabled: bool = True) -> None:
        self._stream, self.enabled = stream, enabled
        self._lock = threading.Lock()

    def __call__(self, text: str) -> None:
        if not self.enabled:
            return
        stamp = time.strftime("%H:%M:%S") + f".{int(time.time() * 1000) % 1000:03d}"
        with self._lock:
            self._stream.write(f"{stamp} {text}\n")
            self._stream.flush()


class RequestLog:
    """WSGI middleware: method, path, status, time, and the fault injected if any.
    Never headers or bodies (keys and card numbers stay out of the log)."""

    def __init__(self, app: Callable[..., Iterable[bytes]], log: LineLog) -> None:
        self.app, self.log = app, log

    def __call__(self, environ: dict[str, Any],
                 start_response: Callable[..., Any]) -> Iterable[bytes]:
        started = time.perf_counter()
        seen: list[str] = []

        def capture(status: str, headers: Any, exc_info: Any = None) -> Any:
            seen.append(status)
            return start_response(status, headers, exc_info)

        result = self.app(environ, capture)
        fault = environ.get(ENVIRON_KEY)
        self.log(f"{environ.get('REQUEST_METHOD')} {environ.get('PATH_INFO')} -> "
                 f"{seen[0].split()[0] if seen else '?'} "
                 f"({(time.perf_counter() - started) * 1000:.1f} ms)"
                 + (f" [injected fault: {fault}]" if fault else ""))
        return result


def _log_attempt(log: LineLog) -> Callable[[OutgoingDelivery, Attempt], None]:
    def observe(delivery: OutgoingDelivery, attempt: Attempt) -> None:
        answer = attempt.status if attempt.status is not None else attempt.error
        if attempt.status is not None and attempt.error:
            answer = f"{attempt.status} {attempt.error}"
        kind = "" if delivery.kind == "event" else f" ({delivery.kind})"
        log(f"webhook {delivery.id} {delivery.event_type} {delivery.event_id}{kind} for "
            f"{delivery.payment_id} -> {_without_query(delivery.endpoint)} attempt "
            f"{attempt.number}: {answer} ({attempt.elapsed_ms:.1f} ms) {delivery.state}")
    return observe


def _without_query(url: str) -> str:
    """Endpoints may carry a token in the query string; the log shows none."""
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))


def spec_of(args: argparse.Namespace, secret: str, api_keys: Sequence[str]) -> MockSpec:
    """The command line's flags as a mock spec."""
    return MockSpec(
        webhook_secret=secret, api_keys=frozenset(api_keys) if api_keys else None,
        webhook_endpoints=tuple(args.webhook_url), breaks=tuple(args.breaks),
        extra_fields=tuple(args.extra_fields), link_lifetime=args.link_lifetime or None,
        webhook_delay=args.webhook_delay,
        delivery_attempts=DeliveryAttempts(max_attempts=args.webhook_max_attempts),
        body_layout=args.webhook_body_layout,
        chaos=WebhookChaos(duplicate_rate=args.duplicate_rate, noise_rate=args.noise_rate),
        fault_rate=args.fault_rate, fault_kinds=tuple(args.fault_kinds),
        slow_seconds=args.slow_seconds, fail_first=tuple(args.fail_first), seed=args.seed,
        host=args.host, port=args.port)


def build(args: argparse.Namespace, log: LineLog, secret: str,
          api_keys: Sequence[str]) -> RunningMock:
    """The mock the flags describe, with the command's log: a line per request
    and per delivery attempt."""
    running = build_mock(spec_of(args, secret, api_keys), wrap=lambda app: RequestLog(app, log))
    running.outbox.attempt_listeners.append(_log_attempt(log))
    return running


def _os_reason(exc: OSError) -> str:
    """The OS's words: cheroot wraps the bind error ("No socket could be created
    -- ((host, port): [Errno 98] Address already in use)")."""
    cause = exc.__cause__ if isinstance(exc.__cause__, OSError) else exc
    return cause.strerror or str(cause)


def main(argv: Sequence[str] | None = None, *, stdout: TextIO | None = None,
         stderr: TextIO | None = None) -> int:
    out, err = stdout or sys.stdout, stderr or sys.stderr
    parser = build_parser()
    args = parser.parse_args(argv)
    secret = args.webhook_secret or os.environ.get(SECRET_ENV, "").strip()
    if args.webhook_url and not secret:
        parser.error(f"--webhook-url needs a signing secret: set ${SECRET_ENV} "
                     "(or --webhook-secret) to the whsec_... your listener verifies with")
    secret = secret or "whsec_" + secrets.token_hex(24)
    env_keys = [k.strip() for k in os.environ.get(KEYS_ENV, "").split(",") if k.strip()]
    api_keys = list(args.api_key) + env_keys

    log = LineLog(err, enabled=not args.quiet)
    running = build(args, log, secret, api_keys)
    try:
        running.start()
    except OSError as exc:
        parser.exit(2, f"{PROG}: cannot listen on {args.host}:{args.port}: {_os_reason(exc)}\n")
    stop = threading.Event()

    def request_stop(signum: int, _frame: object) -> None:
        stop.set()

    previous = {s: signal.signal(s, request_stop) for s in (signal.SIGINT, signal.SIGTERM)}
    accepting = ("any sk_test_ key" if not api_keys
                 else f"{len(api_keys)} API key(s)")
    extra = ", ".join(name for name, _ in args.extra_fields) or "none"
    log(f"accepting {accepting}; webhooks to {len(args.webhook_url)} endpoint(s); "
        f"breaks: {', '.join(args.breaks) or 'none'}; extra fields: {extra}; seed: {args.seed}")
    out.write(f"{READY_PREFIX}{running.url}\n")
    out.flush()
    try:
        # Once a second, expire links whose lifetime is over even if nobody asks
        # (requests also expire them on arrival); the wait ends at once on a signal.
        while not stop.wait(1.0):
            running.state.sweep_all()
    finally:
        log("stopping: finishing in-flight requests and deliveries")
        running.stop()
        for signum, handler in previous.items():
            signal.signal(signum, handler)
    log("stopped")
    return 0
