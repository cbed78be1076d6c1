"""The hosted payment page: a pay form while open, a notice once not."""

from __future__ import annotations

from html import escape

from ..cards import DECLINED_CARD_EXAMPLE, TEST_CARD, THREE_D_SECURE_CARD
from .payments import (
    CANCELED,
    EXPIRED,
    SUCCEEDED,
    Payment,
    format_amount,
)

NO_LONGER_ACTIVE = "This payment link is no longer active."


def card_display(number: str) -> str:
    """``4111111111111111`` -> ``4111 1111 1111 1111``, as printed on a card."""
    return " ".join(number[i:i + 4] for i in range(0, len(number), 4))


# Says on the form what pays, so nobody tries a real card on the mock.
TEST_CARDS_HTML = (f'<p class="hint" id="test-cards">Test card <strong>'
                   f"{escape(card_display(TEST_CARD))}</strong> pays; any other number (e.g. "
                   f"{escape(card_display(DECLINED_CARD_EXAMPLE))}) is declined, but "
                   f"<strong>{escape(card_display(THREE_D_SECURE_CARD))}</strong> asks for "
                   "3-D Secure authentication first.</p>")

_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>
body{{font-family:system-ui,sans-serif;background:#f4f5f7;margin:0;padding:2rem}}
main{{max-width:26rem;margin:auto;background:#fff;border-radius:8px;padding:1.5rem;
box-shadow:0 1px 4px rgba(0,0,0,.1)}}
.amount{{font-size:2rem;font-weight:600}} label{{display:block;margin:.6rem 0 .2rem}}
input{{width:100%;padding:.5rem;box-sizing:border-box}} button{{margin-top:1rem;width:100%;
padding:.7rem;font-size:1rem}} .notice{{color:#8a1f11}} .error{{color:#b00020}}
.hint{{background:#eef4ff;border-radius:4px;padding:.5rem;font-size:.9rem}}
</style></head>
<body><main data-payment-id="{payment_id}" data-status="{status}">
{content}
<p><small>SKN Pay (local mock)</small></p>
</main></body></html>
"""


def render(payment: Payment, shown_open: bool, error: str | None = None) -> str:
    amount = escape(format_amount(payment.amount, payment.currency))
    description = escape(payment.description or "")
    if shown_open:
        error_html = f'<p class="error" role="alert">{escape(error)}</p>' if error else ""
        # cancel_url only takes the customer back; it does not cancel the link.
        back = (f'<p><a id="back" href="{escape(payment.cancel_url)}">Back to the shop</a></p>'
                if payment.cancel_url else "")
        content = f"""<h1>Pay {description or "SKN Pay"}</h1>
<p class="amount" id="amount">{amount}</p>{error_html}
{TEST_CARDS_HTML}
<form method="post" action="/pay/{escape(payment.id)}">
<label for="card_number">Card number</label>
<input id="card_number" name="card_number" inputmode="numeric" autocomplete="cc-number" required>
<label for="expiry">Expiry (MM/YY)</label>
<input id="expiry" name="expiry" autocomplete="cc-exp" value="12/34">
<label for="cvc">CVC</label><input id="cvc" name="cvc" autocomplete="cc-csc" value="123">
<button type="submit" id="pay">Pay {amount}</button>
</form>{back}"""
        title = f"Pay {amount}"
    elif payment.status == SUCCEEDED:
        content = (f'<h1 id="success">Payment received</h1><p class="amount">{amount}</p>'
                   "<p>Thank you.</p>")
        title = "Payment received"
    else:
        why = {CANCELED: "It was canceled by the merchant.",
               EXPIRED: "It has expired."}.get(payment.status, "")
        content = (f'<h1>Link inactive</h1><p class="notice" id="notice">{NO_LONGER_ACTIVE}</p>'
                   f"<p>{why}</p>")
        title = "Payment link inactive"
    return _PAGE.format(title=escape(title), payment_id=escape(payment.id),
                        status=escape(payment.status), content=content)


def render_challenge(payment: Payment, token: str, error: str | None = None) -> str:
    """The 3-D Secure challenge step (an assumed reading: cards.THREE_D_SECURE_CARD)."""
    amount = escape(format_amount(payment.amount, payment.currency))
    error_html = f'<p class="error" role="alert">{escape(error)}</p>' if error else ""
    content = f"""<h1>3-D Secure authentication</h1>
<p class="amount" id="amount">{amount}</p>{error_html}
<p>Your bank asks you to confirm this payment. This is a test challenge: choose its result.</p>
<form method="post" action="/pay/{escape(payment.id)}/challenge">
<input type="hidden" name="challenge_token" value="{escape(token)}">
<button type="submit" id="complete" name="result" value="complete">Complete authentication</button>
<button type="submit" id="fail" name="result" value="fail">Fail authentication</button>
</form>"""
    return _PAGE.format(title="3-D Secure authentication", payment_id=escape(payment.id),
                        status=escape(payment.status), content=content)


def not_found() -> str:
    return _PAGE.format(title="Not found", payment_id="", status="",
                        content="<h1>Not found</h1><p>There is no such payment link.</p>")
