from __future__ import annotations

import logging

from sknpay_harness.redaction import MASK, Redactor
from sknpay_harness.report_redaction import RedactingRecordFactory


def test_known_secrets_and_secret_shapes_are_masked():
    r = Redactor(["sk_test_abc123", "whsec_xyz"])
    text = "key sk_test_abc123 secret whsec_xyz other sk_live_LEAKED9 and whsec_unknownZZ"
    masked = r.text(text)
    for secret in ("sk_test_abc123", "whsec_xyz", "sk_live_LEAKED9", "whsec_unknownZZ"):
        assert secret not in masked
    assert masked.count(MASK) == 4


def test_a_secret_that_does_not_look_like_one_is_still_masked():
    assert Redactor(["hunter2-plain"]).text("pw=hunter2-plain") == f"pw={MASK}"


def test_authorization_header_keeps_only_its_scheme():
    headers = Redactor(["sk_test_k"]).headers(
        {"Authorization": "Bearer sk_test_k", "X-Echo": "sk_test_k", "Accept": "a/b"})
    assert headers == {"Authorization": f"Bearer {MASK}", "X-Echo": MASK, "Accept": "a/b"}


def test_contains_secret():
    r = Redactor(["s3cr3t"])
    assert r.contains_secret("x s3cr3t y")
    assert r.contains_secret("whsec_abc")
    assert not r.contains_secret("nothing here")


def test_log_records_are_masked_as_made_and_the_factory_is_put_back():
    original = logging.getLogRecordFactory()
    log = logging.getLogger("user.code")
    try:
        outer = RedactingRecordFactory.install(Redactor(["s3cr3t-one"]))
        inner = RedactingRecordFactory.install(Redactor(["s3cr3t-two"]))
        record = log.makeRecord("user.code", logging.WARNING, __file__, 1, "got %s and %s",
                                ("s3cr3t-one", "s3cr3t-two"), None)
        assert record.getMessage() == f"got {MASK} and {MASK}"
        outer.uninstall()  # out of order: the inner one still wraps it, so it only stops
        assert logging.getLogRecordFactory() is inner
        inner.uninstall()  # puts back what it found: the stopped outer one
        assert logging.getLogRecordFactory() is outer
        record = log.makeRecord("user.code", logging.WARNING, __file__, 1, "%s",
                                ("s3cr3t-one",), None)
        assert record.getMessage() == "s3cr3t-one"
    finally:
        logging.setLogRecordFactory(original)
