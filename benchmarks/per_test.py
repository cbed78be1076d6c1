"""What one test costs under pytest, as a user's run pays it.

A child pytest runs a generated file of N copies of one test, with the same
plugins and report writers the project's addopts turn on (allure and junit);
the cost per test is ``(wall(N + 1) - wall(1)) / N``, so interpreter start-up,
collection and the session's servers cancel out. Three kinds of test:

- ``empty``: ``def test(): pass``, the floor pytest + allure + junit set;
- ``fixtures``: requests the scenario's fixtures and does nothing, so
  ``fixtures - empty`` is the harness's fixture overhead per test;
- ``scenario``: the cancel-before-pay scenario itself (its source, called).

Runs of every kind and size are interleaved and repeated; each figure is the
median over the repeats, in wall time and in the child's CPU time (user +
system), which other processes on a shared machine disturb less.
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
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
SCENARIO = ROOT / "tests" / "scenarios" / "test_cancel_before_pay.py"
KINDS = ("empty", "fixtures", "scenario")
# The project's addopts (pyproject.toml) that shape a test's cost: allure and
# junit on, and the dev extra's unused plugins off.
PLUGIN_ARGS = ("-p", "no:cacheprovider", "-p", "no:hypothesispytest", "-p", "no:schemathesis",
               "-p", "no:anyio", "--junitxml=reports/junit.xml",
               "--alluredir=reports/allure-results", "--clean-alluredir")
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
    (project / "scenario_source.py").write_text(SCENARIO.read_text(encoding="utf-8"),
                                                encoding="utf-8")
    tests = "\n\n".join(_TESTS[kind].format(n=n) for n in range(copies))
    (project / f"test_{kind}.py").write_text(
        "import pytest\nfrom scenario_source import test_cancel_before_pay as scenario\n\n\n"
        + tests, encoding="utf-8")
    return project


def run_child(project: Path) -> Run:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SKNPAY_")}
    env.pop("PYTEST_ADDOPTS", None)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", *PLUGIN_ARGS], cwd=project,
                          env=env, capture_output=True, text=True)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if done.returncode != 0:
        raise RuntimeError(f"child pytest in {project} exited {done.returncode}:\n"
                           f"{done.stdout[-3000:]}\n{done.stderr[-2000:]}")
    return Run(wall, cpu, done.returncode)


def per_test_costs(copies: int, repeats: int) -> dict[str, Any]:
    """Milliseconds per test for each kind (median over ``repeats``), and the ratios."""
    where = Path(tempfile.mkdtemp(prefix="sknpay-per-test-"))
    try:
        projects = {(kind, n): write_project(where, kind, n)
                    for kind in KINDS for n in (1, copies + 1)}
        walls: dict[str, list[float]] = {kind: [] for kind in KINDS}
        cpus: dict[str, list[float]] = {kind: [] for kind in KINDS}
        for _ in range(repeats):
            for kind in KINDS:  # interleaved, so a noisy moment lands on every kind
                one, many = run_child(projects[kind, 1]), run_child(projects[kind, copies + 1])
                walls[kind].append((many.wall - one.wall) / copies * 1000)
                cpus[kind].append((many.cpu - one.cpu) / copies * 1000)
    finally:
        shutil.rmtree(where, ignore_errors=True)
    out: dict[str, Any] = {"copies": copies, "repeats": repeats}
    for kind in KINDS:
        out[kind] = {"wall_ms": round(statistics.median(walls[kind]), 3),
                     "cpu_ms": round(statistics.median(cpus[kind]), 3),
                     "wall_runs_ms": [round(w, 3) for w in walls[kind]]}
    empty, scenario, fixtures = out["empty"], out["scenario"], out["fixtures"]
    out["fixture_overhead"] = {k: round(fixtures[k] - empty[k], 3) for k in ("wall_ms", "cpu_ms")}
    out["scenario_over_empty"] = {k: round(scenario[k] / empty[k], 2) if empty[k] > 0 else None
                                  for k in ("wall_ms", "cpu_ms")}
    return out


if __name__ == "__main__":  # python -m benchmarks.per_test [copies] [repeats]
    import json

    n = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    r = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    print(json.dumps(per_test_costs(n, r), indent=2))
