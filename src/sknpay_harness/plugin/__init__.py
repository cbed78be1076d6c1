"""The SKN Pay harness pytest plugin, loaded through the ``pytest11`` entry point.

It only wires the library (:class:`sknpay_harness.harness.Harness` does the
work): options and hooks in ``hooks``/``options``, fixtures in ``fixtures``
(views over one Harness); reports and logs are
redacted in ``redacting``, and a failure names its symptom first in
``failures``. The ``allure_*`` modules shape the allure results. Each of those
is a plugin of its own, registered through ``pytest_plugins``.
``pytest --fixtures`` lists every ``sknpay_`` fixture with its scope and type.
"""

from .fixtures import (
    sknpay_api,
    sknpay_contract,
    sknpay_harness,
    sknpay_listener,
    sknpay_mock,
    sknpay_redactor,
    sknpay_reporter,
    sknpay_settings,
    sknpay_target,
    sknpay_webhooks,
)
from .hooks import (
    pytest_collection_modifyitems,
    pytest_configure,
    pytest_configure_node,
    pytest_report_header,
    pytest_runtest_setup,
    pytest_sessionfinish,
    pytest_terminal_summary,
    pytest_testnodedown,
)
from .options import pytest_addoption

# Plugin modules of their own: their hooks may share names with those in ``hooks``.
pytest_plugins = [
    "sknpay_harness.plugin.redacting",
    "sknpay_harness.plugin.failures",
    "sknpay_harness.plugin.allure_environment",
    "sknpay_harness.plugin.allure_labels",
    "sknpay_harness.plugin.allure_teardown",
]

__all__ = [
    "pytest_addoption",
    "pytest_collection_modifyitems",
    "pytest_configure",
    "pytest_configure_node",
    "pytest_report_header",
    "pytest_runtest_setup",
    "pytest_sessionfinish",
    "pytest_terminal_summary",
    "pytest_testnodedown",
    "sknpay_api",
    "sknpay_contract",
    "sknpay_harness",
    "sknpay_listener",
    "sknpay_mock",
    "sknpay_redactor",
    "sknpay_reporter",
    "sknpay_settings",
    "sknpay_target",
    "sknpay_webhooks",
]
