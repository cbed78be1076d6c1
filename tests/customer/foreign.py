"""A hosted checkout page unlike ours ("Acme Pay"), to prove the customer reads
any ordinary HTML form: other field names, labels that wrap their inputs,
expiry as two select lists, a hidden per-page token that must come back (or
the page refuses), a newsletter form before the card form, a checked box
that must be sent and an unchecked one that must not, a ``type=button`` input
that must not be sent, a named submit button, and a decline that answers 200.

``javascript=True`` serves the same checkout built by script instead (no
``<form>``: fields rendered by JavaScript, posted with fetch), which only the
browser driver can pay.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass, field
from html import escape
from typing import Any

from werkzeug.routing import Map, Rule
from werkzeug.utils import redirect
from werkzeug.wrappers import Request, Response

PAYS = "4111111111111111"
# Every field the page's form sends when a customer fills it in and clicks "Pay now".
EXPECTED = {"pan", "exp_m", "exp_y", "sc", "holder", "csrf", "amount_minor", "terms", "action",
            "note"}


@dataclass
class Checkout:
    """What the page issued and what came back to it."""

    merchant_url: str
    tokens: set[str] = field(default_factory=set)
    posts: list[dict[str, list[str]]] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        request = Request(environ)
        endpoint, args = _ROUTES.bind_to_environ(environ).match()
        response = getattr(self, endpoint)(request, **args)
        return response(environ, start_response)

    def page(self, request: Request, session: str) -> Response:
        return _html(200, self._form(session))

    def confirm(self, request: Request, session: str) -> Response:
        posted = request.form.to_dict(flat=False)
        self.posts.append(posted)
        token = request.form.get("csrf", "")
        if token not in self.tokens:
            self.refused.append(f"csrf {token!r} was never issued")
            return _html(403, "<h1>Session expired</h1><p>Please reload the checkout.</p>")
        self.tokens.discard(token)  # one use
        if set(posted) != EXPECTED:
            self.refused.append(f"fields {sorted(posted)} != {sorted(EXPECTED)}")
            return _html(400, "<h1>Bad request</h1>")
        if request.form["pan"].replace(" ", "") == PAYS:
            return redirect(f"{self.merchant_url}?session={session}", code=302)
        # The decline: 200, the form again, the reason in a Bootstrap-style alert.
        return _html(200, self._form(session, error="Transaction refused by the issuer (05)."))

    def script_page(self, request: Request, session: str) -> Response:
        return _html(200, _SCRIPTED.replace("__SESSION__", escape(session)))

    def script_pay(self, request: Request, session: str) -> Response:
        body = json.loads(request.get_data())
        self.posts.append({k: [v] for k, v in body.items()})
        if body.get("card", "").replace(" ", "") == PAYS:
            return Response(json.dumps({"next": f"{self.merchant_url}?session={session}"}),
                            content_type="application/json")
        return Response(json.dumps({"error": "Card refused."}), content_type="application/json")

    def _form(self, session: str, error: str | None = None) -> str:
        token = secrets.token_urlsafe(16)
        self.tokens.add(token)
        alert = f'<div class="alert alert-danger">{escape(error)}</div>' if error else ""
        months = "".join(f'<option value="{m}">{m:02d}</option>' for m in range(1, 13))
        years = "".join(f'<option value="{y}">{y}</option>' for y in range(2025, 2040))
        return f"""<!doctype html><html><head><title>Acme Pay checkout</title></head><body>
<header><form action="/newsletter" method="post"><label>Email
  <input type="email" name="email"></label><button>Subscribe</button></form></header>
<section class="checkout"><h2>Order {escape(session)}: 25.00 EUR</h2>{alert}
<form action="/checkout/{escape(session)}/confirm" method="POST">
  <input type="hidden" name="csrf" value="{token}">
  <input type="hidden" name="amount_minor" value="2500">
  <label>Card number <input name="pan" inputmode="numeric"></label>
  <div><label>Expiration month <select name="exp_m"><option value="">--</option>{months}</select></label>
       <label>Expiration year <select name="exp_y"><option value="">----</option>{years}</select></label></div>
  <label>Security code <input name="sc" type="password" maxlength="4"></label>
  <label>Name on card <input name="holder"></label>
  <label>Note to seller <textarea name="note"></textarea></label>
  <label><input type="checkbox" name="terms" value="yes" checked> I accept the terms</label>
  <label><input type="checkbox" name="save_card" value="1"> Save this card</label>
  <input type="button" name="coupon_button" value="Apply coupon">
  <button type="submit" name="action" value="pay">Pay now</button>
</form></section></body></html>"""


_ROUTES = Map([
    Rule("/checkout/<session>", endpoint="page", methods=["GET"]),
    Rule("/checkout/<session>/confirm", endpoint="confirm", methods=["POST"]),
    Rule("/js/<session>", endpoint="script_page", methods=["GET"]),
    Rule("/js/<session>/pay", endpoint="script_pay", methods=["POST"]),
])

# The checkout as a script-built page: no <form>, labels tied by aria-labelledby.
_SCRIPTED = """<!doctype html><html><head><title>Acme Pay (scripted)</title></head><body>
<main id="app"><noscript>This checkout needs JavaScript.</noscript></main>
<script>
const app = document.getElementById('app');
app.innerHTML = `<h2>Order __SESSION__</h2><div id="msg" role="alert"></div>
  <span id="l-card">Card number</span><input id="f1" aria-labelledby="l-card">
  <span id="l-exp">Expiry date</span><input id="f2" aria-labelledby="l-exp" placeholder="MM / YY">
  <input id="f3" aria-label="CVC">
  <button id="go">Pay 25.00 EUR</button>`;
document.getElementById('go').addEventListener('click', async () => {
  const answer = await fetch('/js/__SESSION__/pay', {method: 'POST', body: JSON.stringify({
    card: document.getElementById('f1').value, exp: document.getElementById('f2').value,
    cvc: document.getElementById('f3').value})});
  const data = await answer.json();
  if (data.next) { window.location.href = data.next; }
  else { document.getElementById('msg').textContent = data.error; }
});
</script></body></html>"""


def _html(status: int, body: str) -> Response:
    return Response(body, status=status, content_type="text/html; charset=utf-8")
