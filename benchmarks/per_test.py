"""What one test costs under pytest, as a user's run pays it.

A child pytest runs a generated file of N copies of one test, with the same
plugins and report writers the project's addopts turn on (allure and junit);
the cost per test is ``(wall(N + 1) - wall(1)) / N``, so interpreter start-up,
collection and the session's servers cancel out. Three kinds of test:

- ``empty``: ``def test(): pass``, the floor pytest + allure + junit set;
- ``fixtures``: requests the scenario's fixtures and does nothing, so
  ``fixtures - empty`` is the harness's fixture overhead per test;
- ``scenario``: the cancel-before-pay scenario itself (its source, called);
  and once more with allure off (junit still on), to show allure's share.

allure-pytest writes a file per result, per fixture container and per
attachment: one for an empty test, eleven for the scenario. On a virtual
disk a file's creation can cost ten times what it costs in memory, so the
empty and scenario rows run once more with the allure results on tmpfs
(``/dev/shm``, where the machine has it): the difference is the disk's share,
not the harness's.

Runs of every kind and size are interleaved and repeated; each figure is the
median over the repeats, in wall time and in the child's CPU time (user +
system), which other processes on a shared machine disturb less.

allure-pytest writes a file per result, per fixture container and per
attachment, so the cost of creating one file on the disk the results go to
is measured too (the way allure writes it: a temporary file, then a rename).
"""

from __future__ import annotations

import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
SCENARIO = ROOT / "tests" / "scenarios" / "test_cancel_before_pay.py"
# The lifecycle scenarios (tests/scenarios), each beside the cancel scenario:
# kind -> (its file, its test function).
LIFECYCLE = {"checkout": ("test_standard_checkout.py", "test_standard_checkout"),
             "declined": ("test_declined_card.py", "test_declined_card"),
             "refund": ("test_refund.py", "test_partial_refunds")}
KINDS = ("empty", "fixtures", "scenario", *LIFECYCLE)
# Each row: (kind of test, where allure writes): "disk" (reports/allure-results,
# as the project's addopts say), "ram" (a folder on tmpfs) or "off" (no allure).
RAM_DIR = Path("/dev/shm")
ROWS = {"empty": ("empty", "disk"), "fixtures": ("fixtures", "disk"),
        "scenario": ("scenario", "disk"), "scenario, allure off": ("scenario", "off"),
        **{f"{kind} (lifecycle)": (kind, "disk") for kind in LIFECYCLE}}
if RAM_DIR.is_dir() and os.access(RAM_DIR, os.W_OK):
    ROWS |= {"empty, results on tmpfs": ("empty", "ram"),
             "scenario, results on tmpfs": ("scenario", "ram")}
# The project's addopts (pyproject.toml) that shape a test's cost: junit and
# allure on, and the dev extra's unused plugins off.
PLUGIN_ARGS = ("-p", "no:cacheprovider", "-p", "no:hypothesispytest", "-p", "no:schemathesis",
               "-p", "no:anyio", "--junitxml=reports/junit.xml")
ALLURE_ARGS = ("--alluredir=reports/allure-results", "--clean-alluredir")
# The rest of the project's pytest configuration, so a test here costs what it
# costs in the suite (pytest-timeout's backstop included).
PROJECT_INI = """[pytest]
addopts = -ra --strict-markers --strict-config
xfail_strict = true
filterwarnings = error
timeout = 120
junit_family = xunit2
"""
FIXTURES = "sknpay_api, sknpay_contract, sknpay_webhooks, sknpay_reporter"
# Each kind's test, written out N times as test_<kind>_<n> (not parametrized:
# allure would add a container per test for the parameter, a file more than a
# plain test writes).
_TESTS = {
    "empty": "def test_empty_{n}():\n    pass\n",
    "fixtures": f"def test_fixtures_{{n}}({FIXTURES}):\n    pass\n",
    # The scenario's own source, called; marked as the scenario is (labels, summary).
    "scenario": (f"@pytest.mark.scenario\ndef test_scenario_{{n}}({FIXTURES}):\n"
                 "    scenario(sknpay_api, sknpay_contract, sknpay_webhooks, sknpay_reporter)\n"),
}


@dataclass(frozen=True)
class Run:
    wall: float  # seconds, start-up included
    cpu: float  # the child's user + system seconds
    exit: int


def write_project(where: Path, kind: str, copies: int) -> Path:
    """A throwaway project: one test file with ``copies`` copies of ``kind``."""
    project = where / f"{kind}-{copies}"
    project.mkdir(parents=True)
    (project / "pytest.ini").write_text(PROJECT_INI, encoding="utf-8")
    if kind in LIFECYCLE:
        _write_lifecycle(project, kind, copies)
        return project
    (project / "scenario_source.py").write_text(SCENARIO.read_text(encoding="utf-8"),
                                                encoding="utf-8")
    tests = "\n\n".join(_TESTS[kind].format(n=n) for n in range(copies))
    (project / f"test_{kind}.py").write_text(
        "import pytest\nfrom scenario_source import test_cancel_before_pay as scenario\n\n\n"
        + tests, encoding="utf-8")
    return project


def _write_lifecycle(project: Path, kind: str, copies: int) -> None:
    """The scenario's module and its folder's conftest; the test is the
    scenario function itself under ``copies`` names."""
    source, function = LIFECYCLE[kind]
    (project / "conftest.py").write_text((SCENARIO.parent / "conftest.py").read_text(
        encoding="utf-8"), encoding="utf-8")
    (project / "scenario_source.py").write_text((SCENARIO.parent / source).read_text(
        encoding="utf-8"), encoding="utf-8")
    names = "\n".join(f"test_{kind}_{n} = scenario" for n in range(copies))
    (project / f"test_{kind}.py").write_text(
        f"import pytest\nfrom scenario_source import {function} as scenario\n\n"
        f"pytestmark = [pytest.mark.scenario]\n\n{names}\n", encoding="utf-8")


def run_child(project: Path, allure: str = "disk") -> Run:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SKNPAY_")}
    env.pop("PYTEST_ADDOPTS", None)
    args = [*PLUGIN_ARGS]
    if allure == "disk":
        args += ALLURE_ARGS
    elif allure == "ram":
        args += [f"--alluredir={RAM_DIR / 'sknpay-per-test' / project.name}", "--clean-alluredir"]
    # The test file by name, as the project's testpaths do: collection never
    # walks the results an earlier run left in reports/.
    args += [f"test_{project.name.rpartition('-')[0]}.py"]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", *args], cwd=project,
                          env=env, capture_output=True, text=True)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if done.returncode != 0:
        raise RuntimeError(f"child pytest in {project} exited {done.returncode}:\n"
                           f"{done.stdout[-3000:]}\n{done.stderr[-2000:]}")
    return Run(wall, cpu, done.returncode)


def file_write_ms(where: Path, count: int = 300) -> float:
    """Median milliseconds to write one small file as allure does (a .tmp file,
    then os.replace) in a fresh folder under ``where``."""
    folder = where / "file-writes"
    folder.mkdir(parents=True)
    times = []
    for _ in range(count):
        name = folder / f"{uuid.uuid4()}-attachment.json"
        started = time.perf_counter()
        with open(f"{name}.tmp", "w", encoding="utf-8") as out:
            out.write('{"id": "plink_x", "status": "open"}\n' * 10)
        os.replace(f"{name}.tmp", name)
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000


def per_test_costs(copies: int, repeats: int) -> dict[str, Any]:
    """Milliseconds per test for each row (median over ``repeats``), and the ratios."""
    where = Path(tempfile.mkdtemp(prefix="sknpay-per-test-"))
    file_ms: list[float] = []
    walls: dict[str, list[float]] = {row: [] for row in ROWS}
    cpus: dict[str, list[float]] = {row: [] for row in ROWS}
    try:
        projects = {(kind, n): write_project(where, kind, n)
                    for kind in KINDS for n in (1, copies + 1)}
        for repeat in range(repeats):
            file_ms.append(file_write_ms(where / str(repeat)))
            for row, (kind, allure) in ROWS.items():  # interleaved: noise lands on every row
                one = run_child(projects[kind, 1], allure)
                many = run_child(projects[kind, copies + 1], allure)
                walls[row].append((many.wall - one.wall) / copies * 1000)
                cpus[row].append((many.cpu - one.cpu) / copies * 1000)
    finally:
        shutil.rmtree(where, ignore_errors=True)
        shutil.rmtree(RAM_DIR / "sknpay-per-test", ignore_errors=True)
    out: dict[str, Any] = {"copies": copies, "repeats": repeats,
                           "file_write_ms": round(statistics.median(file_ms), 3)}
    for row in ROWS:
        out[row] = {"wall_ms": round(statistics.median(walls[row]), 3),
                    "cpu_ms": round(statistics.median(cpus[row]), 3),
                    "wall_runs_ms": [round(w, 3) for w in walls[row]]}
    empty, scenario, fixtures = out["empty"], out["scenario"], out["fixtures"]
    out["fixture_overhead"] = {k: round(fixtures[k] - empty[k], 3) for k in ("wall_ms", "cpu_ms")}
    out["scenario_over_empty"] = _ratio(scenario, empty)
    out["lifecycle_over_cancel"] = {kind: _ratio(out[f"{kind} (lifecycle)"], scenario)
                                    for kind in LIFECYCLE}
    if "empty, results on tmpfs" in out:
        out["scenario_over_empty_tmpfs"] = _ratio(out["scenario, results on tmpfs"],
                                                  out["empty, results on tmpfs"])
    return out


def _ratio(over: dict[str, Any], under: dict[str, Any]) -> dict[str, float | None]:
    return {k: round(over[k] / under[k], 2) if under[k] > 0 else None
            for k in ("wall_ms", "cpu_ms")}


if __name__ == "__main__":  # python -m benchmarks.per_test [copies] [repeats]
    import json

    n = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    r = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    print(json.dumps(per_test_costs(n, r), indent=2))
