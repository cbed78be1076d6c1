"""``python -m sknpay_harness.mock`` and the ``sknpay-mock`` console command."""

from __future__ import annotations

from .cli import main

if __name__ == "__main__":
    raise SystemExit(main())
