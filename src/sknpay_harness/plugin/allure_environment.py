"""``environment.properties`` in the allure results: what this run tested, with what.

Written once per run at session end by the controller (under xdist the
workers only report to it), so ``--clean-alluredir`` has long since cleaned
the folder and the file describes every worker's tests. Never a secret: every
value goes through the run's redactor (reporting.write_environment).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from ..reporting import run_environment, write_environment
from . import parallel
from .state import reporter_of, run_log_key, settings_key


def pytest_sessionfinish(session: pytest.Session) -> None:
    config = session.config
    results = getattr(config.option, "allure_report_dir", None)
    if not results or parallel.is_worker(config) or settings_key not in config.stash:
        return
    env = run_environment(config.stash[settings_key], config.stash[run_log_key].api_url,
                          getattr(config.option, "numprocesses", None))
    write_environment(Path(results), env, reporter_of(config).redactor)
