"""A harness failure names its symptom first.

The short summary, junit's ``message`` and ``--tb=line`` show a report's
crash message: pytest makes it ``sknpay_harness.ContractViolation: ...`` and
trims it to the terminal's width, so on 80 columns the symptom is lost. Here
it is the message's first line (each harness error puts the symptom there),
and where pytest's summary line has no room for it, it is printed under the
short summary.
"""

from __future__ import annotations

import shutil
from collections.abc import Generator

import pytest

from ..errors import SknPayHarnessError
from .redacting import report_redactor

SYMPTOM_ATTR = "sknpay_symptom"  # on a TestReport; survives xdist's report serialisation


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None],
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report = yield
    if call.excinfo is not None and report.failed and isinstance(call.excinfo.value, SknPayHarnessError):
        symptom = str(call.excinfo.value).split("\n", 1)[0].strip()
        redactor = report_redactor(item.config)
        if symptom and redactor is not None:
            _name_the_symptom(report, redactor.text(symptom))
    return report


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


def _name_the_symptom(report: pytest.TestReport, symptom: str) -> None:
    setattr(report, SYMPTOM_ATTR, symptom)
    crash = getattr(report.longrepr, "reprcrash", None)
    if crash is not None:
        crash.message = symptom


def _fit(line: str, width: int) -> str:
    return line if len(line) <= width else line[: max(0, width - 3)] + "..."
