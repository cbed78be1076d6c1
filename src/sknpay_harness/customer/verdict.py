"""What a page means, accepting each plausible reading where the docs are silent.

SKN Pay's hosted page is undocumented past "the card form" and "no longer
active" (API notes): the status of a declined page (200 or 402), what it says
after a payment, what a 3-D Secure challenge looks like. So an outcome never
rests on our mock's wording alone:

- declined: status 402, or the card form again with a flagged message
  (role=alert, an error class) on a 2xx page, or with refusal words on any;
  or a page without a form that says the card was refused;
- paid: a redirect to success_url (journey.py), or a 2xx page without a card
  form that says paid / received / thank you / success;
- inactive: no card form, and a 4xx status or words such as "no longer
  active", "expired", "canceled";
- a challenge: no card form, and buttons to complete or fail it (both, or
  one where the page speaks of authentication / 3-D Secure / verification).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from .outcome import Outcome
from .page import Button

COMPLETE, FAIL = "complete", "fail"

PAID_WORDS = re.compile(
    r"payment\s+(received|successful|succeeded|complete|completed|confirmed|approved|accepted)"
    r"|thank\s*(you|s\b)|\bpaid\b|\bsuccess", re.I)
DECLINE_WORDS = re.compile(
    r"declin|refused|denied|not\s+(been\s+)?(authori[sz]ed|approved|accepted)|insufficient\s+funds"
    r"|do\s+not\s+honou?r|\bfailed\b|unsuccessful|try\s+(another|a\s+different)\s+card"
    r"|could\s+not\s+be\s+(processed|charged|completed)", re.I)
INACTIVE_WORDS = re.compile(
    r"no\s+longer\s+(active|available|valid)|\binactive\b|\bexpired\b|\bcancell?ed\b"
    r"|not\s+available|no\s+such\s+(payment|link)|not\s+found|link\s+is\s+(invalid|closed)", re.I)
CHALLENGE_WORDS = re.compile(
    r"3-?d\s*-?secure|\b3ds\b|authenticat|\bverif(y|ication)\b|one-time\s+(code|password)"
    r"|challenge|confirm\s+(this|your)\s+(payment|purchase)", re.I)
_BUTTONS = {FAIL: re.compile(r"fail|deny|reject|declin|cancel|abort", re.I),
            COMPLETE: re.compile(r"complete|authori[sz]e|approve|confirm|succe|\bpass\b|\bverify\b",
                                 re.I)}


def on_opening(status: int, text: str, has_card_form: bool) -> Outcome:
    """The page as first opened: PAYABLE, INACTIVE, or UNKNOWN (unreadable)."""
    if has_card_form:
        return Outcome.PAYABLE
    if status >= 400 or INACTIVE_WORDS.search(text) or PAID_WORDS.search(text):
        return Outcome.INACTIVE  # a paid link takes no second payment either
    return Outcome.UNKNOWN


def after_submit(status: int, text: str, alerts: Sequence[str], has_card_form: bool) -> Outcome:
    """The page that answered a card (or a challenge) without leaving the site."""
    flagged = " ".join(alerts)
    if status == 402:
        return Outcome.DECLINED
    if has_card_form:  # the form again: refused, or asked again for something
        if flagged and (200 <= status < 300 or DECLINE_WORDS.search(flagged)):
            return Outcome.DECLINED
        return Outcome.UNKNOWN
    if status >= 400 and INACTIVE_WORDS.search(text):
        return Outcome.INACTIVE
    if DECLINE_WORDS.search(text):
        return Outcome.DECLINED
    if 200 <= status < 300 and PAID_WORDS.search(text):
        return Outcome.PAID
    if INACTIVE_WORDS.search(text) or status in (404, 409, 410):
        return Outcome.INACTIVE
    return Outcome.UNKNOWN


def challenge_buttons(text: str, buttons: Sequence[Button]) -> dict[str, Button]:
    """The buttons that complete / fail a challenge on this page; {} when the
    page is no challenge."""
    found: dict[str, Button] = {}
    for button in buttons:
        for intent, pattern in _BUTTONS.items():  # fail first: "Fail authentication"
            if pattern.search(button.text) and intent not in found:
                found[intent] = button
                break
    if len(found) == 2 or (found and CHALLENGE_WORDS.search(text)):
        return found
    return {}
