"""Which control is which: the card fields found the way browsers' autofill finds them.

A control is described the same way whichever driver saw it (the form
driver's parsed HTML, the browser driver's live DOM), and one matcher gives
each control its purpose: first the standard autocomplete tokens (HTML's
``autocomplete`` attribute: ``cc-number``, ``cc-exp``, ...), then the text of
its label (``<label for>``, a label wrapping it, ``aria-labelledby``,
``aria-label``, a placeholder). Never a page's ids or names: a hosted page we
have never seen must work.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

CC_NUMBER, CC_EXP, CC_EXP_MONTH, CC_EXP_YEAR = "cc-number", "cc-exp", "cc-exp-month", "cc-exp-year"
CC_CSC, CC_NAME = "cc-csc", "cc-name"

# Label wording, tried in this order for each control: the narrower purposes
# first, so "Expiry month" is a month and "Card security code" a CSC.
LABELS: tuple[tuple[str, re.Pattern[str]], ...] = (
    (CC_CSC, re.compile(r"\b(cvc2?|cvv2?|cv2|cvn|csc|cid)\b|security\s*code|card\s*code"
                        r"|verification\s*(code|value|number)", re.I)),
    (CC_EXP_MONTH, re.compile(r"\bmonth\b|^\W*mm\W*$", re.I)),
    (CC_EXP_YEAR, re.compile(r"\byear\b|^\W*yy(yy)?\W*$", re.I)),
    (CC_EXP, re.compile(r"expir|\bexp\b|valid\s*(thru|through|until)|\bmm\s*/\s*yy", re.I)),
    (CC_NAME, re.compile(r"name\s*on\s*(the\s*)?card|card\s*holder|cardholder|holder'?s?\s*name", re.I)),
    (CC_NUMBER, re.compile(r"card\s*(number|no\b|num\b|#)|number\s*on\s*(the\s*)?card"
                           r"|^\W*(credit\s*|debit\s*|payment\s*)?card\W*$|\bPAN\b", re.I)),
)
PURPOSES = frozenset(purpose for purpose, _ in LABELS)
# What a failure says the customer looked for.
NEEDED = f'{CC_NUMBER} (autocomplete "{CC_NUMBER}", or a label such as "Card number")'

# Input types a customer types into (HTML's text-like states, and month for cc-exp).
TYPED_INPUTS = frozenset({"", "text", "tel", "number", "password", "search", "month"})


@dataclass(frozen=True)
class Control:
    """One form control as a customer sees it. ``index``: its position among
    the page's ``input, select, textarea`` elements (the browser locates it by
    that); ``form``: the index of its form, None outside any form."""

    index: int
    tag: str
    type: str
    name: str
    autocomplete: str
    labels: tuple[str, ...]
    form: int | None
    visible: bool = True
    options: tuple[tuple[str, str], ...] = ()  # a select's (value, text)
    max_length: int | None = None

    @property
    def fillable(self) -> bool:
        return self.visible and (self.tag == "select" or
                                 (self.tag == "input" and self.type in TYPED_INPUTS))

    def describe(self) -> str:
        kind = self.tag if self.tag != "input" else f"input type={self.type or 'text'}"
        parts = [kind]
        if self.name:
            parts.append(f'name="{self.name}"')
        if self.autocomplete:
            parts.append(f'autocomplete="{self.autocomplete}"')
        if self.labels:
            parts.append(f'label "{shorten(self.labels[0], 40)}"')
        if not self.visible:
            parts.append("(hidden)")
        return " ".join(parts)


@dataclass(frozen=True)
class FieldFound:
    """A card field the customer found: its purpose (``cc-number``), the
    control (described), and how it was found (``autocomplete "cc-number"``,
    ``label "Card number"``)."""

    purpose: str
    control: str
    found_by: str

    def __str__(self) -> str:
        return f"{self.purpose}: {self.control} (by {self.found_by})"


@dataclass(frozen=True)
class Match:
    control: Control
    found_by: str

    def found(self, purpose: str) -> FieldFound:
        return FieldFound(purpose, self.control.describe(), self.found_by)


def label_purpose(text: str) -> str | None:
    for purpose, pattern in LABELS:
        if pattern.search(text):
            return purpose
    return None


def match_fields(controls: Iterable[Control]) -> dict[str, Match]:
    """Each purpose's control, autocomplete tokens first, then labels; the
    first control in page order wins a purpose, and a control serves one."""
    candidates = [c for c in controls if c.fillable]
    found: dict[str, Match] = {}
    taken: set[int] = set()
    for control in candidates:
        # The attribute may carry a section and billing/shipping before the token.
        for token in control.autocomplete.lower().split():
            if token in PURPOSES and token not in found:
                found[token] = Match(control, f'autocomplete "{token}"')
                taken.add(control.index)
                break
    for control in candidates:
        if control.index in taken or _names_another_field(control.autocomplete):
            continue
        for text in control.labels:
            purpose = label_purpose(text)
            if purpose is None:
                continue
            if purpose not in found:
                found[purpose] = Match(control, f'label "{shorten(text, 40)}"')
                taken.add(control.index)
            break
    return found


def _names_another_field(autocomplete: str) -> bool:
    """An autocomplete token naming some other field (``email``, ``postal-code``):
    autofill trusts it over the label, and so do we."""
    return any(token not in _NOT_A_FIELD and not token.startswith("section-")
               for token in autocomplete.lower().split())


_NOT_A_FIELD = frozenset({"on", "off", "billing", "shipping", "home", "work", "mobile", "fax",
                          "pager", "webauthn"})


def card_form(controls: Sequence[Control]) -> tuple[int | None, dict[str, Match]] | None:
    """The form holding a card-number field and its card fields (fields of
    other forms are never used), or None when no form has one."""
    forms: dict[int | None, list[Control]] = {}
    for control in controls:
        forms.setdefault(control.form, []).append(control)
    for form, members in forms.items():
        fields = match_fields(members)
        if CC_NUMBER in fields:
            return form, fields
    return None


def found_fields(fields: dict[str, Match]) -> tuple[FieldFound, ...]:
    return tuple(match.found(purpose) for purpose, match in fields.items())


def describe_controls(controls: Sequence[Control], limit: int = 12) -> str:
    shown = [c.describe() for c in controls if c.type != "hidden"][:limit]
    hidden = sum(1 for c in controls if c.type == "hidden")
    more = len([c for c in controls if c.type != "hidden"]) - len(shown)
    text = "; ".join(shown) or "none"
    if more > 0:
        text += f"; and {more} more"
    if hidden:
        text += f" (+{hidden} hidden input{'s' if hidden > 1 else ''})"
    return text


def shorten(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit - 1] + "…"
