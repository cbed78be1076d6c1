from __future__ import annotations

import sknpay_harness

PINNED = {
    "CREATE_STATUSES", "KNOBS", "ConfigError", "Contract", "ContractViolation", "CustomerError",
    "Delivery", "Exchange", "Harness", "ReceivedEvent", "Redactor", "Settings", "SignatureError",
    "SknPayClient",
    "SknPayHarnessError", "TransportError", "UnknownField", "Violation", "WaitTimeout",
    "WebhookInbox", "WebhookListener", "WebhookRejected", "WebhookWaiter", "__version__", "sign", "verify",
}


def test_public_surface_is_pinned():
    # A change here is an API change: update PINNED and the changelog together.
    assert set(sknpay_harness.__all__) == PINNED
    for name in sknpay_harness.__all__:
        assert hasattr(sknpay_harness, name), name


def test_all_harness_errors_share_one_root():
    from sknpay_harness import errors

    defined = [cls for cls in vars(errors).values()
               if isinstance(cls, type) and issubclass(cls, BaseException)
               and cls.__module__ != "builtins"]
    assert len(defined) == 10
    assert all(issubclass(cls, errors.SknPayHarnessError) for cls in defined)
    assert issubclass(errors.ContractViolation, AssertionError)


def test_errors_show_their_public_import_path():
    # A traceback reads "sknpay_harness.ContractViolation: ...", and that name imports.
    import pickle

    from sknpay_harness import errors

    for cls in (errors.ContractViolation, errors.WaitTimeout, errors.TransportError):
        assert cls.__module__ == "sknpay_harness" and getattr(sknpay_harness, cls.__name__) is cls
    assert str(pickle.loads(pickle.dumps(errors.WaitTimeout("late")))) == "late"
