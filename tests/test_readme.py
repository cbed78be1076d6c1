"""The README's quick start is what CI runs, and it works."""

from __future__ import annotations

import re
import shlex
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from sknpay_harness.settings import KNOBS

ROOT = Path(__file__).parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def quick_start() -> list[str]:
    section = README.split("## Quick start", 1)[1]
    block = re.search(r"```bash\n(.*?)```", section, re.S)
    assert block, "README quick start has no bash block"
    return [line for line in block.group(1).splitlines() if line.strip()]


def test_quick_start_is_install_scenario_suite():
    install, scenario, suite = quick_start()
    assert 'pip install -e ".[dev]"' in install
    assert scenario == "pytest tests/scenarios/test_cancel_before_pay.py"
    assert suite == "pytest -n auto"


def test_ci_runs_the_readmes_install_and_suite_commands():
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert 'pip install --quiet -e ".[dev' in ci
    suite = quick_start()[2]
    assert re.search(rf"^{re.escape(suite)}$", ci, re.M), "CI must run the README's suite command as written"
    assert "-eq 5" in ci, "pytest's 'no tests' exit must fail CI"


@pytest.fixture(params=["as_run", "outer_sandbox_exported"])
def outer_env(request, monkeypatch):
    """function · the outer run's environment as it is, or as a rehearsal exports it
    (sandbox target, a key and secret, and a fixed webhook port that is taken)."""
    if request.param == "as_run":
        yield
        return
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        for name, value in {"SKNPAY_TARGET": "sandbox", "SKNPAY_API_KEY": "sk_test_outer_run_x",
                            "SKNPAY_WEBHOOK_SECRET": "whsec_outer_run_x",
                            "SKNPAY_BASE_URL": "http://127.0.0.1:9/api/v1",
                            "SKNPAY_WEBHOOK_PORT": str(taken.getsockname()[1])}.items():
            monkeypatch.setenv(name, value)
        yield


def test_readmes_scenario_command_passes(tmp_path, child_env, outer_env):
    scenario = shlex.split(quick_start()[1])
    # Reports go to tmp_path so the outer run's reports/ are left alone.
    cmd = [sys.executable, "-m", *scenario, "-p", "no:cacheprovider",
           f"--junitxml={tmp_path / 'junit.xml'}", f"--alluredir={tmp_path / 'allure'}"]
    # As on a fresh machine: the embedded mock on free ports, whatever the outer
    # run exports (the rehearsal: SKNPAY_TARGET=sandbox and a fixed webhook port).
    done = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=120, check=False,
                          env=child_env(pytest_run=True))
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    assert "1 passed" in done.stdout


def test_configuration_table_lists_every_knob():
    for knob in KNOBS:
        assert f"`{knob.option}`" in README and f"`{knob.env}`" in README, knob.name
        assert f"`{knob.ini}`" in README, knob.name


# The integrator examples (README's "Testing your own app", docs/integrators.md's
# fixture section), each the block after an <!-- integrator-example --> mark.
EXAMPLE_MARK = "<!-- integrator-example -->"
INTEGRATOR_DOCS = {"README.md": README,
                   "docs/integrators.md": (ROOT / "docs" / "integrators.md").read_text(encoding="utf-8")}


def integrator_example(doc: str) -> str:
    blocks = re.findall(rf"{re.escape(EXAMPLE_MARK)}\n```python\n(.*?)```", INTEGRATOR_DOCS[doc], re.S)
    assert len(blocks) == 1, f"{doc} should have one python block marked {EXAMPLE_MARK}, has {len(blocks)}"
    return blocks[0]


def run_example(pytester: pytest.Pytester, source: str) -> pytest.RunResult:
    pytester.makepyfile(test_integrator_example=source)
    return pytester.runpytest_inprocess("-p", "no:cacheprovider")


@pytest.mark.parametrize("doc", sorted(INTEGRATOR_DOCS))
def test_the_integrator_example_passes_as_written(pytester, doc):
    result = run_example(pytester, integrator_example(doc))
    result.assert_outcomes(passed=1)


def broken(source: str, written: str, instead: str) -> str:
    assert written in source, f"the example no longer says {written!r}: update this test"
    return source.replace(written, instead)


def test_the_readme_example_fails_against_a_shop_that_skips_verification(pytester):
    # The receiver check in the example is what catches it: the checkout itself passes.
    source = broken(integrator_example("README.md"), "from examples.shop import Shop, ShopConfig",
                    "from examples.shop import BROKEN, ShopConfig\nShop = BROKEN['skips_verification']")
    result = run_example(pytester, source)
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*ReceiverCheckFailed: receiver check failed (5 of 11 deliveries): "
                                 "expected 4xx, got 200: forged_signature, *"])


def test_the_docs_example_fails_against_an_app_that_ignores_the_timestamp(pytester):
    source = broken(integrator_example("docs/integrators.md"), "[self.secret], time.time())",
                    "[self.secret], time.time(), tolerance=None)")
    result = run_example(pytester, source)
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*ReceiverCheckFailed: receiver check failed (2 of 11 deliveries): "
                                 "expected 4xx, got 200: stale_signature, future_timestamp; "
                                 "must not change state: stale_signature"])
