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

import dataclasses
import logging
from collections.abc import Callable, Generator
from typing import Any

import allure_commons
import pytest

from ..redaction import Redactor
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


class AllureResultRedaction:
    """An allure-commons plugin: each test result and fixture container is
    redacted in place just before it is written. A step's status details
    (message, trace) are taken from its exception as the step ends, before
    any report exists."""

    def __init__(self, redactor: Redactor) -> None:
        self._redactor = redactor

    @allure_commons.hookimpl(hookwrapper=True)
    def report_result(self, result: Any) -> Generator[None, None, None]:
        _redacted(result, self._redactor)
        yield

    @allure_commons.hookimpl(hookwrapper=True)
    def report_container(self, container: Any) -> Generator[None, None, None]:
        _redacted(container, self._redactor)
        yield


class RedactingRecordFactory:
    """logging's record factory, wrapped: a record whose message holds a secret
    gets the redacted text as its message, and a record with an exception gets
    its redacted traceback text, before any handler sees it."""

    def __init__(self, redactor: Redactor, inner: Callable[..., logging.LogRecord]) -> None:
        self._redactor, self._inner, self.active = redactor, inner, True

    @classmethod
    def install(cls, redactor: Redactor) -> RedactingRecordFactory:
        factory = cls(redactor, logging.getLogRecordFactory())
        logging.setLogRecordFactory(factory)
        return factory

    def uninstall(self) -> None:
        """Put back the factory found, unless another has wrapped this one since:
        then only stop masking (unwrapping would drop theirs)."""
        self.active = False
        if logging.getLogRecordFactory() is self:
            logging.setLogRecordFactory(self._inner)

    def __call__(self, *args: Any, **kwargs: Any) -> logging.LogRecord:
        record = self._inner(*args, **kwargs)
        if self.active:
            _mask_record(record, self._redactor)
        return record


def _mask_record(record: logging.LogRecord, redactor: Redactor) -> None:
    try:
        message = record.getMessage()
    except Exception:  # a bad format: the handler reports it, and its report is redacted
        return
    if redactor.contains_secret(message):
        record.msg, record.args = redactor.text(message), ()
    if record.exc_info and not record.exc_text:
        # Formatted once here, so every handler prints the redacted text.
        record.exc_text = redactor.text(logging.Formatter().formatException(record.exc_info))


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
    dataclasses and lists of them, allure's models attrs classes; both are
    redacted in place so their layout stays. Runs on every allure result and
    container, so numbers and None (most leaves) return at once and each
    class's field names are looked up once."""
    if isinstance(value, str):
        return redactor.text(value)
    if value is None or isinstance(value, int | float | type):
        return value
    if isinstance(value, list):
        value[:] = [_redacted(v, redactor) for v in value]
        return value
    if isinstance(value, tuple):
        return tuple(_redacted(v, redactor) for v in value)
    for name in _field_names(type(value)):
        setattr(value, name, _redacted(getattr(value, name), redactor))
    return value


_FIELD_NAMES: dict[type, tuple[str, ...]] = {}


def _field_names(kind: type) -> tuple[str, ...]:
    """A dataclass's or attrs class's field names (none for any other type)."""
    names = _FIELD_NAMES.get(kind)
    if names is None:
        if dataclasses.is_dataclass(kind):
            names = tuple(f.name for f in dataclasses.fields(kind))
        else:
            names = tuple(f.name for f in getattr(kind, "__attrs_attrs__", ()))
        _FIELD_NAMES[kind] = names
    return names


def _masked_object(value: object, redactor: Redactor) -> object:
    return redactor.text(str(value)) if redactor.contains_secret(str(value)) else value


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
