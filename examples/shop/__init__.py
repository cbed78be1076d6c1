"""An example shop taking payments through SKN Pay, and broken variants of it.

``create_shop(config)`` is the correct shop; ``create_shop(config,
broken="not_idempotent")`` one of :data:`BROKEN`. See docs/integrators.md.
"""

from __future__ import annotations

from typing import Any

from .app import Order, Shop, ShopConfig
from .broken import BROKEN


def create_shop(config: ShopConfig, *, broken: str | None = None, **kwargs: Any) -> Shop:
    """The shop, or with ``broken`` one of its broken variants (a name in BROKEN)."""
    if broken is None:
        return Shop(config, **kwargs)
    if broken not in BROKEN:
        raise ValueError(f"broken={broken!r} is not a variant; choose from {', '.join(BROKEN)}")
    return BROKEN[broken](config, **kwargs)


__all__ = ["BROKEN", "Order", "Shop", "ShopConfig", "create_shop"]
