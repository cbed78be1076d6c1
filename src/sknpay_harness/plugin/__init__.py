"""The SKN Pay harness pytest plugin, loaded through the ``pytest11`` entry point.

It only wires the library (:class:`sknpay_harness.harness.Harness` does the
work). Each module below is a pytest plugin of its own, registered through
``pytest_plugins``, so hooks of one name may live in several: options in
``options``; run-level hooks in ``hooks``; fixtures in ``fixtures`` (views
over one Harness); xdist support in ``parallel``; redacted reports and logs in
``redacting``; the symptom first in ``failures``; the ``allure_*`` modules
shape the allure results. ``pytest --fixtures`` lists every ``sknpay_``
fixture with its scope and type.
"""

pytest_plugins = [
    "sknpay_harness.plugin.options",
    "sknpay_harness.plugin.hooks",
    "sknpay_harness.plugin.fixtures",
    "sknpay_harness.plugin.redacting",
    "sknpay_harness.plugin.failures",
    "sknpay_harness.plugin.allure_environment",
    "sknpay_harness.plugin.allure_labels",
    "sknpay_harness.plugin.allure_teardown",
]
