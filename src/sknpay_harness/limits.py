"""What SKN Pay accepts in a request: the one place the limits are written down.

The API notes (shared/sknpay-api-notes.md) give the fields of ``POST /payments``
and ``POST /refunds`` and show each in one shape only: ``amount`` a JSON integer
of minor units, ``currency`` an upper-case code (USD, XCD), ``metadata`` an
object of **string** values. Everything else about what SKN Pay accepts is
**unknown for SKN Pay; Stripe's limits** (or, where Stripe has none we know of,
our stated choice) are taken as the likeliest reading of a Stripe-flavoured API.

Who follows this module:

- the mock (``mock/payments.py``, ``mock/refunds.py``) refuses anything outside
  these limits with a 400 ``parameter_invalid`` / ``parameter_unknown`` /
  ``parameter_missing`` error, so an integrator's bug shows on the mock first;
- the mock's OpenAPI document (``mock/openapi.py``) states every limit;
- ``schemas/create-payment-request.json`` states every limit the harness's
  schema compiler can check (``maxLength``, ``type``, ``pattern``, ``minimum``);
  the counts it cannot (``maximum``, ``maxProperties``, ``propertyNames``) are
  in the OpenAPI document and the mock only;
- ``tests/mock/test_request_limits.py`` pins all three to these numbers.

Tighten or loosen a limit here, once a recording from the real sandbox shows
it, and the mock, the document and the tests follow.
"""

from __future__ import annotations

import re

# -- amount: known to be an integer of minor units (1000 = 10.00 USD) ----------
AMOUNT_MIN = 1
# Unknown for SKN Pay; Stripe's limit: at most 99,999,999 minor units
# (999,999.99 USD) per payment.
AMOUNT_MAX = 99_999_999

# -- currency -------------------------------------------------------------------
# Unknown for SKN Pay which currencies it accepts. Chosen: exactly the codes the
# notes have seen (USD, XCD), upper case, rather than any ISO-4217-shaped code:
# SKN Pay is a St Kitts and Nevis gateway, so these two are the likeliest set,
# and a payment in another currency is better refused on the mock (where the
# integrator can see it) than first on the sandbox. Add a code here once the
# sandbox is seen to accept it. Lower case ("usd", which Stripe itself uses) is
# refused too: whether SKN Pay accepts or echoes it is unknown.
CURRENCIES = frozenset({"USD", "XCD"})
CURRENCY_PATTERN = "^[A-Z]{3}$"  # the shape of an ISO 4217 code (schemas/common.json)

# -- description -----------------------------------------------------------------
# Every example sends one, but whether it is required is unknown; optional, as
# on Stripe. The harness's own tests always send one to a live target.
DESCRIPTION_REQUIRED = False
DESCRIPTION_MAX_LENGTH = 500  # unknown for SKN Pay; our choice (Stripe's metadata value limit)

# -- customer --------------------------------------------------------------------
# Unknown for SKN Pay; our choices: RFC 5321's 254-character address limit, and
# Stripe's 256 characters for a customer's name.
CUSTOMER_EMAIL_MAX_LENGTH = 254
CUSTOMER_NAME_MAX_LENGTH = 256
# One "@" with something on each side, no spaces or control characters: loose
# on purpose (the real rule is unknown), but it catches a name or an empty
# string sent as the email. Spelled out rather than \s, so Python's re and an
# ECMA-262 engine (Schemathesis) read it the same; no "format": "email" in the
# schema, whose checkers differ from this rule.
EMAIL_PATTERN = r"^[^@\u0000-\u0020\u007f]+@[^@\u0000-\u0020\u007f]+$"

# -- success_url / cancel_url ------------------------------------------------------
# Absolute http(s) URLs (the customer's browser is sent there). The length
# bound is unknown for SKN Pay; our choice: 2,048 characters, the common
# browser-safe URL length.
URL_MAX_LENGTH = 2048
HTTP_URL_PATTERN = r"^https?://[^\s/?#]+[^\s]*$"  # the same as schemas/common.json's http_url

# -- metadata: an object (known); values strings (the quickstart shows only strings)
# Unknown for SKN Pay; Stripe's limits: at most 50 keys, each key at most 40
# characters, each value a string of at most 500 characters. The harness itself
# adds two keys on a live target (ledger.RUN_TAG and ledger.TEST_TAG), which
# count towards the 50.
METADATA_MAX_KEYS = 50
METADATA_KEY_MAX_LENGTH = 40
METADATA_VALUE_MAX_LENGTH = 500

# -- the request body ----------------------------------------------------------------
# Known fields of POST /payments. Any other top-level field is refused with
# ``parameter_unknown``, as Stripe does (unknown for SKN Pay), so a typo in an
# integrator's field name fails loudly instead of being dropped.
CREATE_FIELDS = frozenset({
    "amount", "currency", "description", "customer_email", "customer_name",
    "success_url", "cancel_url", "metadata",
})
CREATE_REQUIRED = frozenset({"amount", "currency", *(["description"] if DESCRIPTION_REQUIRED else [])})
# The string fields and their length bounds (for the mock, the schema and the document).
CREATE_STRING_MAX_LENGTHS = {
    "description": DESCRIPTION_MAX_LENGTH,
    "customer_email": CUSTOMER_EMAIL_MAX_LENGTH,
    "customer_name": CUSTOMER_NAME_MAX_LENGTH,
    "success_url": URL_MAX_LENGTH,
    "cancel_url": URL_MAX_LENGTH,
}
REFUND_FIELDS = frozenset({"payment_id", "amount"})

HTTP_URL = re.compile(HTTP_URL_PATTERN)
EMAIL = re.compile(EMAIL_PATTERN)
