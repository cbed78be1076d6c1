"""Meta-test: the contract suite fails against every contract break, names
the symptom, and passes with no break.

Each run is a pytest run in-process (its own session: own mock, own
listener, no shared state; pytester restores sys.modules afterwards) over a
copy of tests/contract in a pytester directory, so runs are independent and
spread across pytest-xdist workers. In-process, because a fresh interpreter
per break cost ~0.5 s of start-up, forty times over. The break table in
docs/contract.md is the expected result: every break has a row, each row's
"caught by" tests must fail, and together the rows name every contract test,
so every test is proven able to fail. A break's run is those tests only (the
whole suite, run once with no break and in strict mode, must pass): the claim
is that they catch it, and running the other fifty per break tripled the
suite's wall time.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from sknpay_harness.mock.breaks import BREAKS

ROOT = Path(__file__).resolve().parents[2]
CONTRACT_DIR = ROOT / "tests" / "contract"
DOC = ROOT / "docs" / "contract.md"
COPY_NAME = "contract_under_test"
CAUGHT = [n for n, cls in BREAKS.items() if not cls.harmless]
_ROW = re.compile(r"^\| `(?P<name>[a-z0-9_]+)` \|(?P<promise>[^|]*)\|(?P<caught>.*)\|\s*$")


def _doc_table() -> dict[str, set[str]]:
    rows = {}
    for line in DOC.read_text(encoding="utf-8").splitlines():
        m = _ROW.match(line)
        if m:
            rows[m["name"]] = set(re.findall(r"`(test_\w+)`", m["caught"]))
    return rows


def _doc_test_count() -> int:
    m = re.search(r"\*\*(\d+) contract tests\*\*", DOC.read_text(encoding="utf-8"))
    assert m, "docs/contract.md should state '**N contract tests**'"
    return int(m[1])


def _contract_test_functions() -> set[str]:
    return {name for path in CONTRACT_DIR.glob("test_*.py")
            for name in re.findall(r"^def (test_\w+)", path.read_text(encoding="utf-8"), re.M)}


@pytest.fixture
def run_contract_suite(pytester: pytest.Pytester):
    """function · callable(*args) -> RunResult · the contract suite, run in-process
    (tests/conftest.py keeps the outer run's SKNPAY_* settings out of it)."""
    # Not named "contract": this process may have imported tests/contract's
    # package already, and an in-process run would clash with that module.
    shutil.copytree(CONTRACT_DIR, pytester.path / COPY_NAME,
                    ignore=shutil.ignore_patterns("__pycache__"))
    # The plugin registers its own markers, so --strict-markers needs no list here.
    pytester.makeini("[pytest]\nxfail_strict = true\nfilterwarnings = error\n")

    def run(*args: str, only: list[str] | None = None) -> pytest.RunResult:
        # No reports/ output, no cache: fast and side-effect free. --tb=native: the
        # same messages, without pytest re-parsing each source file per failure (~4 s).
        return pytester.runpytest_inprocess(
            *(only or [COPY_NAME]), "-p", "no:cacheprovider", "-q", "-rfE", "--tb=native",
            "--strict-markers", "--strict-config", "--sknpay-webhook-timeout=10",
            # A break answers the same every time: retrying its 500 (0.5 + 1 + 2 s
            # of back-off) shows nothing the first answer did not.
            "--sknpay-retries=0", *args)

    return run


def _catcher_nodes(name: str) -> list[str]:
    """Node ids, in the copy, of the test functions the break table says catch ``name``."""
    wanted, nodes = _doc_table()[name], []
    for path in sorted(CONTRACT_DIR.glob("test_*.py")):
        defined = set(re.findall(r"^def (test_\w+)", path.read_text(encoding="utf-8"), re.M))
        nodes += [f"{COPY_NAME}/{path.name}::{f}" for f in sorted(wanted & defined)]
    return nodes


def _failing_functions(result: pytest.RunResult) -> set[str]:
    text = "\n".join(result.outlines)
    return {m[1].split("[")[0] for m in re.finditer(r"^(?:FAILED|ERROR) \S+::(\S+)", text, re.M)}


def test_no_break_passes_even_in_strict_mode(run_contract_suite):
    result = run_contract_suite("--sknpay-strict-contract")
    result.assert_outcomes(passed=_doc_test_count())
    assert "contract drift" not in result.stdout.str(), "the mock itself must show no drift"


@pytest.mark.parametrize("name", CAUGHT)
def test_break_is_caught(name, run_contract_suite):
    catchers = _catcher_nodes(name)
    assert catchers, f"docs/contract.md names no contract test that catches {name!r}"
    result = run_contract_suite(f"--sknpay-mock-breaks={name}", only=catchers)
    output = result.stdout.str()
    failing = _failing_functions(result)
    assert result.ret == pytest.ExitCode.TESTS_FAILED and failing, (
        f"the tests that should catch break {name!r} passed with it on "
        f"({BREAKS[name].promise}):\n{output}{result.stderr.str()}")
    assert BREAKS[name].symptom in output, (
        f"break {name!r}: the failure output does not mention {BREAKS[name].symptom!r}\n{output}")
    documented = _doc_table()[name]
    assert documented <= failing, (
        f"break {name!r}: docs/contract.md says {sorted(documented - failing)} catch it, but "
        f"they passed. Failing: {sorted(failing)}")


def test_new_field_passes_and_is_reported_as_drift(run_contract_suite):
    result = run_contract_suite("--sknpay-mock-breaks=payment_extra_field")
    result.assert_outcomes(passed=_doc_test_count())
    result.stdout.fnmatch_lines([
        "contract drift: fields the schemas do not know (allowed;*",
        "  payment: $.data.object.risk_score (int), $.risk_score (int)",
    ])


def test_new_field_fails_in_strict_mode(run_contract_suite):
    result = run_contract_suite("--sknpay-mock-breaks=payment_extra_field",
                                "--sknpay-strict-contract")
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines([
        "*$.risk_score: field not in the payment schema (strict contract)*",
        "contract drift: fields the schemas do not know (FAILING (strict))*",
    ])


def test_redelivered_events_are_tolerated(run_contract_suite):
    run_contract_suite("--sknpay-mock-breaks=redeliver_events").assert_outcomes(
        passed=_doc_test_count())


def test_break_table_names_every_break_and_every_contract_test():
    table = _doc_table()
    assert set(table) == set(BREAKS), (
        f"docs/contract.md break table: missing {sorted(set(BREAKS) - set(table))}, "
        f"unknown {sorted(set(table) - set(BREAKS))}")
    for name in CAUGHT:
        assert table[name], f"docs/contract.md: no test listed as catching {name!r}"
    assert all(BREAKS[n].symptom for n in CAUGHT), "every break declares its symptom"
    functions = _contract_test_functions()
    assert f"({len(functions)} test functions;" in DOC.read_text(encoding="utf-8"), (
        f"docs/contract.md should say there are {len(functions)} test functions")
    uncovered = functions - set().union(*table.values())
    assert not uncovered, f"contract tests no break is documented to fail: {sorted(uncovered)}"
