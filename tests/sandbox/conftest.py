"""Fixtures for the sandbox-target tests: a pytester run of the scenario in
sandbox mode against the in-process stand-in (``sandbox_stand_in``, tests/conftest.py)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

SCENARIO = Path(__file__).parents[1] / "scenarios" / "test_cancel_before_pay.py"


@pytest.fixture
def sandbox_run(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
                ) -> Callable[..., pytest.RunResult]:
    """function · run(stand_in, *pytest_args, files=None) -> RunResult · the scenario (or
    ``files``) run in sandbox mode against a SandboxStandIn, in process."""

    def run(stand_in: Any, *args: str, files: dict[str, str] | None = None
            ) -> pytest.RunResult:
        for name, value in stand_in.env().items():
            monkeypatch.setenv(name, value)
        pytester.makepyfile(**(files or {"test_scenario": SCENARIO.read_text()}))
        return pytester.runpytest_inprocess("-p", "no:cacheprovider", *args)

    return run
