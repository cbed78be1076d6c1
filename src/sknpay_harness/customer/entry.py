"""What the customer types into each card field it found."""

from __future__ import annotations

import re
from dataclasses import dataclass

from .fields import CC_CSC, CC_EXP, CC_EXP_MONTH, CC_EXP_YEAR, CC_NAME, CC_NUMBER, Control, Match

_EXPIRY = re.compile(r"^\s*(\d{1,2})\s*/\s*(\d{2}|\d{4})\s*$")


@dataclass(frozen=True)
class Card:
    """A card as the customer holds it. ``expiry`` is ``MM/YY`` (or ``MM/YYYY``)."""

    number: str
    expiry: str = "12/34"
    csc: str = "123"
    name: str = "Test Customer"

    def __post_init__(self) -> None:
        if not _EXPIRY.match(self.expiry):
            raise ValueError(f"card expiry {self.expiry!r} is not MM/YY or MM/YYYY")

    @property
    def month(self) -> int:
        return int(_EXPIRY.match(self.expiry)[1])  # type: ignore[index]

    @property
    def year(self) -> int:
        """Four digits."""
        year = int(_EXPIRY.match(self.expiry)[2])  # type: ignore[index]
        return year if year >= 100 else 2000 + year


class NoOption(ValueError):
    """A select list has no option for the value wanted (the message says which)."""


def fill_values(fields: dict[str, Match], card: Card) -> dict[int, str]:
    """Control index -> the value to put there."""
    values: dict[int, str] = {}
    for purpose, match in fields.items():
        control = match.control
        if purpose == CC_NUMBER:
            values[control.index] = card.number
        elif purpose == CC_CSC:
            values[control.index] = card.csc
        elif purpose == CC_NAME:
            values[control.index] = card.name
        elif purpose == CC_EXP_MONTH:
            values[control.index] = _number(control, card.month, f"{card.month:02d}")
        elif purpose == CC_EXP_YEAR:
            two_digits = control.max_length == 2 or any(
                re.search(r"\bYY\b", label) and "YYYY" not in label for label in control.labels)
            typed = f"{card.year % 100:02d}" if two_digits else str(card.year)
            values[control.index] = _number(control, card.year, typed)
        elif purpose == CC_EXP:
            values[control.index] = _expiry(control, card)
    return values


def _expiry(control: Control, card: Card) -> str:
    if control.type == "month":  # <input type=month> takes YYYY-MM
        return f"{card.year}-{card.month:02d}"
    typed = f"{card.month:02d}/{card.year % 100:02d}"
    if control.max_length is not None and len(typed) > control.max_length:
        return typed.replace("/", "")
    return typed


def _number(control: Control, wanted: int, typed: str) -> str:
    """A select's option whose value or text is ``wanted`` (``12``, ``2034`` or
    ``34``); for a text field, ``typed``."""
    if control.tag != "select":
        return typed
    for value, text in control.options:
        for candidate in (value, text):
            digits = candidate.strip()
            if digits.isdigit() and int(digits) in (wanted, wanted % 100):
                return value
    shown = ", ".join(text or value for value, text in control.options[:15]) or "none"
    raise NoOption(f"{control.describe()} has no option for {typed} (options: {shown})")
