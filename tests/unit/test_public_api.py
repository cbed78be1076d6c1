from __future__ import annotations

import sknpay_harness

PINNED = {
    "CREATE_STATUSES", "KNOBS", "ConfigError", "Contract", "ContractViolation", "Delivery",
    "Exchange", "ReceivedEvent", "Redactor", "Settings", "SignatureError", "SknPayClient",
    "SknPayHarnessError", "TransportError", "UnknownField", "Violation", "WaitTimeout",
    "WebhookInbox", "WebhookListener", "WebhookRejected", "__version__", "sign", "verify",
}


def test_public_surface_is_pinned():
    # A change here is an API change: update PINNED and the changelog together.
    assert set(sknpay_harness.__all__) == PINNED
    for name in sknpay_harness.__all__:
        assert hasattr(sknpay_harness, name), name


def test_all_harness_errors_share_one_root():
    from sknpay_harness import errors

    defined = [cls for cls in vars(errors).values()
               if isinstance(cls, type) and cls.__module__ == errors.__name__]
    assert all(issubclass(cls, errors.SknPayHarnessError) for cls in defined)
    assert issubclass(errors.ContractViolation, AssertionError)
