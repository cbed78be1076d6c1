"""What a failure shows: redacted everywhere, and its symptom first.

Secrets are a type (settings.Secret), so harness code never puts one in a
message or a traceback local. This module is the last line behind that: every
test report is run through the Redactor before anyone reads it (terminal,
junit, xdist, allure), whatever tb style, ``-l`` or ``-vv`` made it. And a
harness failure's short-summary message is its symptom (the message's first
line), which pytest otherwise buries behind the exception's class path or
trims away on an 80-column terminal. Live logs and ``--log-file`` do not go
through a report, so pytest's logging handlers get a redacting filter.
"""

from __future__ import annotations

import dataclasses
import logging
import shutil
from collections.abc import Generator
from typing import Any

import pytest

from ..errors import SknPayHarnessError
from ..redaction import Redactor
from .state import settings_key

_redactor_key = pytest.StashKey[Redactor]()
SYMPTOM_ATTR = "sknpay_symptom"  # on a TestReport; survives xdist's report serialisation


@pytest.hookimpl(wrapper=True, trylast=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None],
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    # trylast: the innermost wrapper, so this runs right after the report is
    # made and before allure-pytest's wrapper reads the exception and the report.
    report = yield
    redactor = _redactor(item.config)
    if redactor is None:
        return report
    redact_report(report, redactor)
    if call.excinfo is not None:
        _redact_exception(call.excinfo.value, redactor)
        if report.failed and isinstance(call.excinfo.value, SknPayHarnessError):
            _name_the_symptom(report, call.excinfo.value, redactor)
    return report


@pytest.hookimpl(wrapper=True, trylast=True)
def pytest_make_collect_report(collector: pytest.Collector) -> Generator[None, Any, Any]:
    report = yield
    redactor = _redactor(collector.config)
    if redactor is not None:
        redact_report(report, redactor)
    return report


def pytest_sessionstart(session: pytest.Session) -> None:
    """Live logs (``log_cli``) and ``--log-file`` are written as records come,
    not through a report: mask them on pytest's logging handlers themselves."""
    redactor = _redactor(session.config)
    logging_plugin = session.config.pluginmanager.get_plugin("logging-plugin")
    if redactor is None or logging_plugin is None:
        return
    masking = RedactingFilter(redactor)
    for name in ("log_cli_handler", "log_file_handler", "caplog_handler", "report_handler"):
        handler = getattr(logging_plugin, name, None)
        if isinstance(handler, logging.Handler):
            handler.addFilter(masking)


class RedactingFilter(logging.Filter):
    """Replaces a record's message with its redacted text when it holds a secret."""

    def __init__(self, redactor: Redactor) -> None:
        super().__init__()
        self._redactor = redactor

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if self._redactor.contains_secret(message):
            record.msg, record.args = self._redactor.text(message), ()
        if record.exc_info and not record.exc_text:
            # Formatted once here, so every handler prints the redacted text.
            record.exc_text = self._redactor.text(logging.Formatter().formatException(record.exc_info))
        return True


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_terminal_summary(
    terminalreporter: pytest.TerminalReporter,
) -> Generator[None, None, None]:
    """After pytest's short summary (the outermost wrapper runs last): the
    symptom of each harness failure whose summary line had no room for it."""
    yield
    reporter, option = terminalreporter, terminalreporter.config.option
    if getattr(option, "no_summary", False) or option.verbose >= 2:
        return  # no short summary, or one that shows every message whole
    # The width pytest's terminal writer uses.
    width = shutil.get_terminal_size(fallback=(80, 24)).columns
    width = width if width >= 40 else 80
    trimmed: list[tuple[str, str]] = []
    for stat, char, word in (("failed", "f", "FAILED"), ("error", "E", "ERROR")):
        if not reporter.hasopt(char):
            continue
        for report in reporter.stats.get(stat, []):
            symptom = getattr(report, SYMPTOM_ATTR, None)
            # pytest's own line, "FAILED <nodeid> - <message>", is trimmed to the width.
            if symptom and len(f"{word} {report.nodeid} - {symptom}") > width:
                trimmed.append((report.nodeid.rpartition("::")[2], symptom))
    for name, symptom in trimmed:
        # Under the one line above it needs no name; under several, each has one.
        reporter.write_line(_fit(f"  {name}: {symptom}" if len(trimmed) > 1 else f"  {symptom}",
                                 width))


def redact_report(report: pytest.TestReport | pytest.CollectReport, redactor: Redactor) -> None:
    """Mask secrets in everything a report carries: the failure's text (any
    tb style), captured output and logs, and user properties."""
    report.longrepr = _redacted(report.longrepr, redactor)
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
             else _masked_object(value, redactor))
            for name, value in report.user_properties
        ]


def _redacted(value: Any, redactor: Redactor) -> Any:
    """``value`` with every string in it redacted: pytest's repr objects are
    dataclasses and lists of them, redacted in place so their layout stays."""
    if isinstance(value, str):
        return redactor.text(value)
    if isinstance(value, list):
        value[:] = [_redacted(v, redactor) for v in value]
        return value
    if isinstance(value, tuple):
        return tuple(_redacted(v, redactor) for v in value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        for f in dataclasses.fields(value):
            setattr(value, f.name, _redacted(getattr(value, f.name), redactor))
    return value


def _masked_object(value: object, redactor: Redactor) -> object:
    return redactor.text(str(value)) if redactor.contains_secret(str(value)) else value


def _redact_exception(exc: BaseException, redactor: Redactor) -> None:
    """allure-pytest takes its status message from the exception itself."""
    if redactor.contains_secret(str(exc)):
        exc.args = tuple(redactor.text(a) if isinstance(a, str) else a for a in exc.args)


def _name_the_symptom(report: pytest.TestReport, exc: BaseException, redactor: Redactor) -> None:
    """The short summary and junit's ``message`` show the first line of the
    message, not ``sknpay_harness.ContractViolation: ...`` cut off after the class."""
    symptom = redactor.text(str(exc).split("\n", 1)[0].strip())
    if not symptom:
        return
    setattr(report, SYMPTOM_ATTR, symptom)
    crash = getattr(report.longrepr, "reprcrash", None)
    if crash is not None:
        crash.message = symptom


def _redactor(config: pytest.Config) -> Redactor | None:
    if _redactor_key not in config.stash:
        if settings_key not in config.stash:
            return None  # the plugin did not configure (e.g. a usage error)
        config.stash[_redactor_key] = Redactor(config.stash[settings_key].secrets())
    return config.stash[_redactor_key]


def _fit(line: str, width: int) -> str:
    return line if len(line) <= width else line[: max(0, width - 3)] + "..."
