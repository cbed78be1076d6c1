"""Every named break, by the name users type, and the check of those names."""

from __future__ import annotations

import difflib
from collections.abc import Iterable

from . import (
    cancel,
    create,
    errors,
    events,
    harmless,
    hosted_page,
    idempotency,
    payment_object,
    refunds,
    retrieve,
    webhooks,
)
from .core import ContractBreak

BREAKS: dict[str, type[ContractBreak]] = {
    cls.name: cls
    for area in (payment_object, create, errors, retrieve, cancel, idempotency, refunds,
                 webhooks, events, hosted_page, harmless)
    for cls in area.AREA
}


def check_break_names(names: Iterable[str]) -> None:
    """Raise ValueError naming each unknown break with the closest known names.

    Short on purpose (a setting's one-line error): a typo needs the near
    miss, not all the names.
    """
    unknown = []
    for name in names:
        if name not in BREAKS:
            close = difflib.get_close_matches(name, list(BREAKS), n=3, cutoff=0.7)
            hint = f"did you mean {' or '.join(close)}?" if close else "no close match"
            unknown.append(f"{name!r} ({hint})")
    if unknown:
        raise ValueError(f"unknown contract break {', '.join(unknown)}; "
                         f"the {len(BREAKS)} known names are listed in docs/contract.md")
