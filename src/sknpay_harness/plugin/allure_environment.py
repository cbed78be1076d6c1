"""``environment.properties`` in the allure results: what this run tested, with what.

Written once per run at session end by the controller (under xdist the
workers only report to it), so ``--clean-alluredir`` has long since cleaned
the folder and the file describes every worker's tests. Never a secret: every
value goes through the run's redactor.
"""

from __future__ import annotations

import platform
from importlib import metadata
from pathlib import Path

import pytest

from .. import __version__
from . import parallel
from .state import reporter_of, run_log_key, settings_key

FILE_NAME = "environment.properties"
_PACKAGES = ("httpx", "pytest", "allure-pytest", "jsonschema-rs", "cheroot")


def pytest_sessionfinish(session: pytest.Session) -> None:
    config = session.config
    results = getattr(config.option, "allure_report_dir", None)
    if not results or parallel.is_worker(config) or settings_key not in config.stash:
        return
    redact = reporter_of(config).redactor.text
    lines = [f"{key}={_escaped(redact(value))}" for key, value in environment(config).items()]
    path = Path(results) / FILE_NAME
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def environment(config: pytest.Config) -> dict[str, str]:
    """The run's target and base URL, run id, and the versions it ran on."""
    settings = config.stash[settings_key]
    api_url = config.stash[run_log_key].api_url
    if not api_url:
        api_url = settings.base_url if settings.target == "sandbox" else "(mock not started)"
    env = {
        "target": settings.target,
        "base_url": api_url,
        "run_id": settings.run_id,
        "mock_breaks": ",".join(settings.mock_breaks) or "none",
        "strict_contract": str(settings.strict_contract).lower(),
        "sknpay-harness": __version__,
        "python": platform.python_version(),
    }
    for package in _PACKAGES:
        try:
            env[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            env[package] = "not installed"
    workers = getattr(config.option, "numprocesses", None)
    if workers:
        env["xdist_workers"] = str(workers)
    return env


def _escaped(value: str) -> str:
    """A .properties value: backslashes and line breaks escaped."""
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace("\r", "\\r")
