"""The last line for secrets: every report and log record is redacted.

Secrets are a type (settings.Secret), so harness code never puts one in a
message or a traceback local. Behind that, every test and collection report
goes through the Redactor before anyone reads it (terminal, junit, xdist,
allure), whatever tb style, ``-l`` or ``-vv`` made it. Live logs and
``--log-file`` are written as records come, not through a report, so each
log record is masked as it is made (logging's record factory, a public hook:
every handler, pytest's and the user's own, sees only the masked text); and
allure records a step's failure while the test runs, so each allure result
is redacted again just before allure-commons writes it.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

import allure_commons
import pytest

from ..redaction import Redactor
from ..report_redaction import AllureResultRedaction, RedactingRecordFactory, masked_object, redacted
from .state import settings_key

_redactor_key = pytest.StashKey[Redactor]()
_allure_key = pytest.StashKey["AllureResultRedaction"]()
_records_key = pytest.StashKey["RedactingRecordFactory"]()


@pytest.hookimpl(wrapper=True, trylast=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None],
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    # trylast: the innermost wrapper, so this runs right after the report is
    # made and before allure-pytest's wrapper reads the exception and the report.
    report = yield
    redactor = report_redactor(item.config)
    if redactor is not None:
        redact_report(report, redactor)
        if call.excinfo is not None:
            _redact_exception(call.excinfo.value, redactor)
    return report


@pytest.hookimpl(wrapper=True, trylast=True)
def pytest_make_collect_report(collector: pytest.Collector) -> Generator[None, Any, Any]:
    report = yield
    redactor = report_redactor(collector.config)
    if redactor is not None:
        redact_report(report, redactor)
    return report


def pytest_sessionstart(session: pytest.Session) -> None:
    """Live logs (``log_cli``) and ``--log-file`` are written as records come,
    not through a report: mask each record as it is made."""
    redactor = report_redactor(session.config)
    if redactor is None:
        return
    session.config.stash[_records_key] = RedactingRecordFactory.install(redactor)
    session.config.stash[_allure_key] = AllureResultRedaction(redactor)
    allure_commons.plugin_manager.register(session.config.stash[_allure_key])


def pytest_unconfigure(config: pytest.Config) -> None:
    # logging's record factory and allure-commons' plugin manager are
    # process-wide: leave them as found.
    if _records_key in config.stash:
        config.stash[_records_key].uninstall()
        del config.stash[_records_key]
    if _allure_key in config.stash:
        allure_commons.plugin_manager.unregister(config.stash[_allure_key])
        del config.stash[_allure_key]


def redact_report(report: pytest.TestReport | pytest.CollectReport, redactor: Redactor) -> None:
    """Mask secrets in everything a report carries: the failure's text (any
    tb style), captured output and logs, and user properties."""
    report.longrepr = redacted(report.longrepr, redactor)
    if report.longrepr is not None and not isinstance(report.longrepr, str | tuple):
        # A repr type the walk does not know may keep text elsewhere: keep
        # only its redacted rendering.
        rendered = str(report.longrepr)
        if redactor.contains_secret(rendered):
            report.longrepr = redactor.text(rendered)
    report.sections = [(title, redactor.text(text)) for title, text in report.sections]
    if isinstance(report, pytest.TestReport):
        report.user_properties = [
            (name, redactor.text(value) if isinstance(value, str)
             else masked_object(value, redactor))
            for name, value in report.user_properties
        ]


def _redact_exception(exc: BaseException, redactor: Redactor) -> None:
    """allure-pytest takes its status message from the exception itself."""
    if redactor.contains_secret(str(exc)):
        exc.args = tuple(redactor.text(a) if isinstance(a, str) else a for a in exc.args)


def report_redactor(config: pytest.Config) -> Redactor | None:
    """The run's Redactor, made once; None if the plugin did not configure."""
    if _redactor_key not in config.stash:
        if settings_key not in config.stash:
            return None  # the plugin did not configure (e.g. a usage error)
        config.stash[_redactor_key] = Redactor(config.stash[settings_key].secrets())
    return config.stash[_redactor_key]
