"""Retrieve: reflects the current status; an unknown id is a 404."""

from __future__ import annotations


def test_retrieve_reflects_open_after_create(sknpay_api, sknpay_contract, sknpay_create):
    created = sknpay_create()
    got = sknpay_contract.check_response(sknpay_api.retrieve_payment(created["id"]), "payment",
                                         status=200)
    assert got["id"] == created["id"], f"retrieve answered {got['id']!r}, asked {created['id']!r}"
    assert got["status"] == "open", (
        f"retrieve after create shows status {got['status']!r}, expected 'open'")


def test_retrieve_reflects_canceled_after_cancel(sknpay_api, sknpay_contract, sknpay_create):
    created = sknpay_create()
    sknpay_contract.check_response(sknpay_api.cancel_payment(created["id"]), "payment", status=200)
    got = sknpay_contract.check_response(sknpay_api.retrieve_payment(created["id"]), "payment",
                                         status=200)
    assert got["status"] == "canceled", (
        f"retrieve after cancel shows status {got['status']!r}, expected 'canceled'")


def test_retrieve_unknown_id_is_404(sknpay_api, sknpay_expect_error):
    sknpay_expect_error(sknpay_api.retrieve_payment("plink_NoSuchPayment0000000"), 404)
