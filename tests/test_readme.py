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
