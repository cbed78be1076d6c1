"""``sknpay-check-receiver``: the receiver check from a shell, for any language's CI.

Sends the battery (receiver_battery.py) to a webhook endpoint, prints the
report on stdout and exits 0 when every expectation is met, 1 when one is
broken, 2 on bad usage. Secrets come from environment variables only (never
an argument, so never in ``ps``), and are never printed.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable, Sequence
from typing import Any, TextIO
from urllib.parse import urlsplit

import httpx

from ..errors import ConfigError
from ..tls import shared_ssl_context
from .receiver_battery import BATTERY
from .receiver_check import (
    DEFAULT_SLOW_AFTER,
    DEFAULT_TIMEOUT,
    check_receiver,
    shown_url,
)

PROG = "sknpay-check-receiver"
SECRET_ENV = "SKNPAY_WEBHOOK_SECRET"


def _url(text: str) -> str:
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise argparse.ArgumentTypeError(f"{text!r} is not an http(s) URL")
    return text


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds") from None
    if not value > 0:
        raise argparse.ArgumentTypeError(f"{text!r}: seconds must be more than 0")
    return value


def _amount(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not an amount in minor units (1000 = 10.00)")
    return int(text)


def _pair(text: str) -> tuple[str, str]:
    key, sep, value = text.partition("=")
    if not sep or not key:
        raise argparse.ArgumentTypeError(f"{text!r} is not KEY=VALUE")
    return key, value


def build_parser() -> argparse.ArgumentParser:
    cases = "\n".join(f"  {case.name:<17} {case.expectation:<34} {case.sends}" for case in BATTERY)
    parser = argparse.ArgumentParser(
        prog=PROG, formatter_class=argparse.RawDescriptionHelpFormatter,
        description=(
            "Send SKN Pay-style webhook deliveries, signed and mis-signed, to your endpoint\n"
            "and report how it answered each: what was sent, the status, the time taken, and\n"
            "which expectation it broke. Exit 0: all met; 1: one broken; 2: bad usage."),
        epilog=(
            "the battery (in this order; the state rules need --state-url):\n" + cases + "\n\n"
            "environment:\n"
            f"  {SECRET_ENV}   the webhook secret your endpoint verifies with (or --secret-env)\n\n"
            "example:\n"
            f"  {SECRET_ENV}=whsec_dev {PROG} http://127.0.0.1:8000/webhooks/sknpay \\\n"
            "      --payment-id plink_123 --amount 2500 --currency USD --metadata order_id=42\n"
            "  (the payment must be one your app knows: create it through your app first)"),
    )
    parser.add_argument("url", type=_url, help="your webhook endpoint")
    parser.add_argument("--payment-id", required=True, metavar="ID",
                        help="a payment your app knows (plink_...): every event is about it")
    parser.add_argument("--amount", type=_amount, default=1000, metavar="MINOR_UNITS",
                        help="the payment's amount, if your app checks it (default: %(default)s)")
    parser.add_argument("--currency", default="USD",
                        help="the payment's currency (default: %(default)s)")
    parser.add_argument("--metadata", type=_pair, action="append", default=[],
                        metavar="KEY=VALUE", help="the payment's metadata (repeatable)")
    parser.add_argument("--secret-env", default=SECRET_ENV, metavar="NAME",
                        help="environment variable holding the webhook secret "
                             "(default: %(default)s)")
    parser.add_argument("--old-secret-env", metavar="NAME", default=None,
                        help="environment variable holding the rotated-out secret (default: a "
                             "made-up one)")
    parser.add_argument("--state-url", type=_url, metavar="URL", default=None,
                        help="GET this after each delivery for your app's state of the payment; "
                             "judges 'must not change state (twice)' and 'must not undo the "
                             "payment'")
    parser.add_argument("--slow-after", type=_seconds, default=DEFAULT_SLOW_AFTER,
                        metavar="SECONDS", help="a slower answer is a broken expectation "
                                                "(default: %(default)s)")
    parser.add_argument("--timeout", type=_seconds, default=DEFAULT_TIMEOUT, metavar="SECONDS",
                        help="give up on a delivery after this long (default: %(default)s)")
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    parser.add_argument("--verbose", action="store_true",
                        help="say what was sent and what came back for every delivery")
    return parser


def _secret(parser: argparse.ArgumentParser, name: str, what: str) -> str:
    value = os.environ.get(name, "").strip()
    if not value:
        parser.error(f"${name} is not set: it must hold {what}")
    return value


def state_probe(http: httpx.Client, url: str) -> Callable[[], object]:
    """GET ``url``: its JSON (or text) is the app's state."""
    def probe() -> object:
        response = http.get(url)
        if response.status_code != 200:
            raise RuntimeError(f"GET {shown_url(url)} answered {response.status_code}")
        try:
            return response.json()
        except ValueError:
            return response.text
    return probe


def main(argv: Sequence[str] | None = None, *, stdout: TextIO | None = None) -> int:
    out = stdout or sys.stdout
    parser = build_parser()
    args = parser.parse_args(argv)
    secret = _secret(parser, args.secret_env, "the webhook secret (whsec_...) your endpoint "
                                              "verifies with")
    old = (_secret(parser, args.old_secret_env, "the rotated-out webhook secret")
           if args.old_secret_env else None)
    payment: dict[str, Any] = {"id": args.payment_id, "amount": args.amount,
                               "currency": args.currency, "metadata": dict(args.metadata)}
    with httpx.Client(timeout=args.timeout, verify=shared_ssl_context()) as http:
        probe = state_probe(http, args.state_url) if args.state_url else None
        try:
            report = check_receiver(args.url, payment, secret, old_secret=old,
                                    state_probe=probe, slow_after=args.slow_after,
                                    timeout=args.timeout)
        except ConfigError as exc:
            parser.error(str(exc))
    out.write(json.dumps(report.as_dict(), indent=2) if args.json else report.text(args.verbose))
    out.write("\n")
    out.flush()
    return 0 if report.ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
