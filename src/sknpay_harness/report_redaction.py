"""Redaction where the harness does not write the text itself: log records
(logging's record factory) and allure results (an allure-commons plugin), and
a walk that masks every string inside a report or result object in place.

The plugin installs both for a run and puts them back at its end; nothing
here imports pytest.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable, Generator
from typing import Any

import allure_commons

from .redaction import Redactor


class AllureResultRedaction:
    """An allure-commons plugin: each test result and fixture container is
    redacted in place just before it is written. A step's status details
    (message, trace) are taken from its exception as the step ends, before
    any report exists."""

    def __init__(self, redactor: Redactor) -> None:
        self._redactor = redactor

    @allure_commons.hookimpl(hookwrapper=True)
    def report_result(self, result: Any) -> Generator[None, None, None]:
        redacted(result, self._redactor)
        yield

    @allure_commons.hookimpl(hookwrapper=True)
    def report_container(self, container: Any) -> Generator[None, None, None]:
        redacted(container, self._redactor)
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


def redacted(value: Any, redactor: Redactor) -> Any:
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
        value[:] = [redacted(v, redactor) for v in value]
        return value
    if isinstance(value, tuple):
        return tuple(redacted(v, redactor) for v in value)
    for name in _field_names(type(value)):
        setattr(value, name, redacted(getattr(value, name), redactor))
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


def masked_object(value: object, redactor: Redactor) -> object:
    return redactor.text(str(value)) if redactor.contains_secret(str(value)) else value
