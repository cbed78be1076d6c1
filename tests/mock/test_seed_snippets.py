"""Real clients: the seed's Node.js and Python snippets (copied verbatim into
fixtures/seed/) run against the mock with only the base URL changed. The
snippets assume ``KEY``/``H`` and ``requests`` exist, so a prelude defines them
from SKNPAY_API_KEY and an epilogue prints the payment id; the snippet text in
between is untouched."""

from __future__ import annotations

import importlib.util
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SEED = ROOT / "fixtures" / "seed"
SHARED_SEED = ROOT.parent / "shared" / "seed" / "cancel-before-pay.txt"
REAL_BASE = "https://app.sknpay.com/api/v1"

NODE_PRELUDE = "const KEY = process.env.SKNPAY_API_KEY\n"
NODE_EPILOGUE = "\nconsole.log(payment.id)\n"
PY_PRELUDE = ("import os\nimport requests\n"
              "H = {'Authorization': 'Bearer ' + os.environ['SKNPAY_API_KEY']}\n")
PY_EPILOGUE = "\nprint(payment['id'])\n"


def pointed_at(snippet: str, api_url: str) -> str:
    assert REAL_BASE in snippet, "the seed snippet no longer uses the real base URL"
    return snippet.replace(REAL_BASE, api_url)


def run_and_check(mock_stack, command: list[str]) -> None:
    result = subprocess.run(command, capture_output=True, text=True, timeout=60,
                            env={"PATH": "/usr/bin:/bin", "SKNPAY_API_KEY": mock_stack.key})
    assert result.returncode == 0, f"snippet failed:\n{result.stdout}\n{result.stderr}"
    payment_id = result.stdout.strip().splitlines()[-1]
    assert payment_id.startswith("plink_"), result.stdout
    with mock_stack.client() as client:
        assert client.get(f"/payments/{payment_id}").json()["status"] == "canceled"
    event = mock_stack.event("payment.canceled", payment_id)
    assert event.body["data"]["object"]["id"] == payment_id


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")
def test_seed_node_snippet_runs_unchanged_against_the_mock(mock_stack, tmp_path):
    snippet = (SEED / "cancel-before-pay.node.mjs").read_text(encoding="utf-8")
    script = tmp_path / "seed.mjs"  # .mjs: the snippet uses top-level await
    script.write_text(NODE_PRELUDE + pointed_at(snippet, mock_stack.server.api_url)
                      + NODE_EPILOGUE, encoding="utf-8")
    run_and_check(mock_stack, [shutil.which("node") or "node", str(script)])


@pytest.mark.skipif(importlib.util.find_spec("requests") is None,
                    reason="requests is not installed (the snippet uses it)")
def test_seed_python_snippet_runs_unchanged_against_the_mock(mock_stack, tmp_path):
    snippet = (SEED / "cancel-before-pay.py").read_text(encoding="utf-8")
    script = tmp_path / "seed.py"
    script.write_text(PY_PRELUDE + pointed_at(snippet, mock_stack.server.api_url)
                      + PY_EPILOGUE, encoding="utf-8")
    run_and_check(mock_stack, [sys.executable, str(script)])


@pytest.mark.skipif(not SHARED_SEED.exists(), reason="the shared seed is not beside the repo")
def test_fixture_copies_match_the_seed():
    seed = SHARED_SEED.read_text(encoding="utf-8")
    for name in ("cancel-before-pay.node.mjs", "cancel-before-pay.py"):
        copy = (SEED / name).read_text(encoding="utf-8").strip()
        assert copy in seed, f"fixtures/seed/{name} differs from {SHARED_SEED}"
