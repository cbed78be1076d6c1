"""Run the shop: ``python -m examples.shop`` from the repository root.

Reads SKNPAY_BASE_URL (default: a local sknpay-mock), SKNPAY_API_KEY and
SKNPAY_WEBHOOK_SECRET; ``--broken NAME`` runs a broken variant. Point the
mock's webhooks at ``http://127.0.0.1:8000/webhooks/sknpay``.
"""

from __future__ import annotations

import argparse
import os

from werkzeug.serving import run_simple

from . import BROKEN, ShopConfig, create_shop


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m examples.shop")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--broken", choices=sorted(BROKEN), default=None)
    args = parser.parse_args()
    key, secret = os.environ.get("SKNPAY_API_KEY"), os.environ.get("SKNPAY_WEBHOOK_SECRET")
    if not key or not secret:
        parser.error("set SKNPAY_API_KEY and SKNPAY_WEBHOOK_SECRET")
    config = ShopConfig(os.environ.get("SKNPAY_BASE_URL", "http://127.0.0.1:4111/api/v1"),
                        key, secret)
    run_simple("127.0.0.1", args.port, create_shop(config, broken=args.broken), threaded=True)


if __name__ == "__main__":
    main()
