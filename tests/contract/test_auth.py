"""Auth: create, retrieve, cancel and refund without a valid key get 401 with
an error body, and change nothing."""

from __future__ import annotations

import pytest

from .conftest import payment_request

# Shaped like a key so the redactor masks it in every report, never a real one.
WRONG_KEY = "sk_test_" + "0" * 24
BAD_AUTH = {
    "no_header": None,
    "wrong_key": f"Bearer {WRONG_KEY}",
    "malformed_header": f"Token {WRONG_KEY}",
}
OPERATIONS = ("create", "retrieve", "cancel", "refund")


@pytest.mark.parametrize("operation", OPERATIONS)
@pytest.mark.parametrize("auth", BAD_AUTH.values(), ids=BAD_AUTH.keys())
def test_bad_auth_gets_401(operation, auth, sknpay_api, sknpay_create, sknpay_expect_error):
    existing = sknpay_create()  # retrieve/cancel/refund target a real payment
    # A refused request changes nothing, so each is repeated after a transient
    # fault (a 503 before the key is even read), as the harness's own calls are.
    if operation == "create":
        exchange = sknpay_api.request("POST", "/payments", auth=auth, retry=True,
                                      json_body=payment_request())
    elif operation == "retrieve":
        exchange = sknpay_api.request("GET", f"/payments/{existing['id']}", auth=auth)
    elif operation == "cancel":
        exchange = sknpay_api.request("POST", f"/payments/{existing['id']}/cancel", auth=auth)
    else:
        exchange = sknpay_api.request("POST", "/refunds", auth=auth,
                                      json_body={"payment_id": existing["id"]})
    sknpay_expect_error(exchange, 401)
