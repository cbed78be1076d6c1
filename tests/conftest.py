"""For this repository's own tests only (users get fixtures from the plugin).

Child pytest runs (pytester) skip the hypothesis, schemathesis and anyio
plugins that the dev extra installs: they are not used there and importing
them costs ~1.4 s per child, which the meta-tests pay dozens of times. They
also see none of the developer's own SKNPAY_* variables (pytester passes
os.environ on): only the settings each test gives them.

At the end of a run, the readings the contract tests noted (``sknpay_reading``
in tests/contract/conftest.py) are summed up.
"""

from __future__ import annotations

import os
from collections import Counter

import pytest

CHILD_ADDOPTS = "-p no:hypothesispytest -p no:schemathesis -p no:anyio"


@pytest.fixture
def pytester(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> pytest.Pytester:
    """function · Pytester · the builtin, with lean child runs (see module doc)."""
    monkeypatch.setenv("PYTEST_ADDOPTS", CHILD_ADDOPTS)
    for name in [n for n in os.environ if n.startswith("SKNPAY_")]:
        monkeypatch.delenv(name)
    return pytester


# Readings noted by tests/contract's ``sknpay_reading`` (its READING prefix).
_READING = "sknpay reading: "


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Sum up which reading of each point the docs leave open the target showed
    (from the tests' junit properties, so it works under xdist too)."""
    seen: dict[str, Counter[str]] = {}
    for reports in terminalreporter.stats.values():
        for report in reports:
            if getattr(report, "when", None) != "call":
                continue
            for name, value in getattr(report, "user_properties", ()):
                if isinstance(name, str) and name.startswith(_READING):
                    seen.setdefault(name.removeprefix(_READING), Counter())[str(value)] += 1
    if not seen:
        return
    terminalreporter.write_sep("-", "where the SKN Pay docs are silent, the target showed")
    for question, answers in sorted(seen.items()):
        shown = ", ".join(f"{answer} ({count} test{'s' * (count != 1)})"
                          for answer, count in answers.most_common())
        terminalreporter.write_line(f"  {question}: {shown}")
