from __future__ import annotations

from sknpay_harness.redaction import MASK, Redactor


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
