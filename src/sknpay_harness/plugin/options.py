"""Command-line options and ini keys, generated from settings.KNOBS."""

from __future__ import annotations

import os

import pytest

from ..errors import ConfigError
from ..mock.breaks import check_break_names
from ..settings import KNOBS, Settings, resolve


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("sknpay", "SKN Pay harness")
    for knob in KNOBS:
        help_text = f"{knob.help} [env {knob.env}; ini {knob.ini}; default {knob.default!r}]"
        if knob.flag:
            group.addoption(knob.option, action="store_true", default=None,
                            dest=f"sknpay_{knob.name}", help=help_text)
        else:
            group.addoption(knob.option, action="store", default=None,
                            dest=f"sknpay_{knob.name}", metavar=knob.metavar, help=help_text)
        parser.addini(knob.ini, help=knob.help, default=None)


def settings_from_config(config: pytest.Config) -> Settings:
    options: dict[str, str | None] = {}
    ini: dict[str, str | None] = {}
    for knob in KNOBS:
        value = config.getoption(f"sknpay_{knob.name}")
        options[knob.name] = None if value is None else ("true" if value is True else str(value))
        raw_ini = config.getini(knob.ini)
        ini[knob.name] = None if raw_ini in (None, "", []) else str(raw_ini)
    try:
        return resolve(options, os.environ, ini, check_breaks=check_break_names)
    except ConfigError as exc:
        raise pytest.UsageError(f"sknpay: {exc}") from None
