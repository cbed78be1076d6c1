"""Child runs are isolated: a test's subprocess never sees the outer run's
SKNPAY_* settings (when the suite itself is rehearsed, they name the sandbox
target and a fixed webhook port the outer listener holds)."""

from __future__ import annotations

import ast
from pathlib import Path

TESTS = Path(__file__).resolve().parents[1]
SPAWNING = {"run", "Popen", "call", "check_call", "check_output"}


def test_child_env_drops_the_outer_settings_and_sets_the_childs(child_env):
    outer = {"PATH": "/usr/bin", "SKNPAY_TARGET": "sandbox", "SKNPAY_WEBHOOK_PORT": "8765",
             "SKNPAY_API_KEY": "sk_test_outer", "SKNPAY_MOCK_API_KEYS": "sk_test_outer",
             "PYTEST_XDIST_WORKER": "gw1", "PYTEST_ADDOPTS": "-x"}
    assert child_env(base=outer) == {"PATH": "/usr/bin"}
    assert child_env(base=outer, pytest_run=True) == {
        "PATH": "/usr/bin", "SKNPAY_TARGET": "mock", "SKNPAY_WEBHOOK_PORT": "0"}
    assert child_env({"SKNPAY_WEBHOOK_SECRET": "whsec_child"}, base=outer) == {
        "PATH": "/usr/bin", "SKNPAY_WEBHOOK_SECRET": "whsec_child"}


def test_every_subprocess_a_test_starts_gets_an_environment_of_its_own():
    """Any subprocess.run/Popen/... in tests/ passes env= (built by the child_env
    fixture, or from scratch); pytester's children are cleared by tests/conftest.py."""
    inherited = []
    for path in sorted(TESTS.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                    and isinstance(node.func.value, ast.Name) and node.func.value.id == "subprocess"
                    and node.func.attr in SPAWNING
                    and not any(k.arg == "env" for k in node.keywords)):
                inherited.append(f"{path.relative_to(TESTS.parent)}:{node.lineno}")
    assert not inherited, (
        "these subprocesses inherit the outer run's environment (SKNPAY_TARGET, the fixed "
        f"SKNPAY_WEBHOOK_PORT ...); pass env=child_env(...): {inherited}")
