"""--sknpay-customer picks who plays the customer; --sknpay-sandbox-features says which
undocumented features a live target offers. The browser driver runs the standard
checkout on the mock (skipped, saying why, where Chromium or Playwright is missing)."""

from __future__ import annotations

import importlib.util
import shutil
from pathlib import Path

import pytest

SCENARIOS = Path(__file__).parents[1] / "scenarios"


def _copy_scenarios(pytester: pytest.Pytester, *names: str) -> None:
    """The scenarios' conftest and ``names``, each under a name of its own (the
    originals are already imported in this process by their basenames)."""
    (pytester.path / "conftest.py").write_text((SCENARIOS / "conftest.py").read_text())
    for name in names:
        (pytester.path / name.replace("test_", "test_copy_", 1)).write_text(
            (SCENARIOS / name).read_text())


@pytest.mark.heavy
@pytest.mark.skipif(shutil.which("chromium") is None, reason="no system Chromium (apt-get install chromium)")
@pytest.mark.skipif(importlib.util.find_spec("playwright") is None,
                    reason="Playwright is not installed (pip install -e '.[browser]')")
def test_the_browser_customer_passes_the_standard_checkout(pytester: pytest.Pytester):
    _copy_scenarios(pytester, "test_standard_checkout.py")
    # A process of its own: Playwright's sync API allows one browser per thread.
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "--sknpay-customer", "browser",
                                           "-v", timeout=120)
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["*test_copy_standard_checkout.py::test_standard_checkout PASSED*",
                                 "*webhook payment.succeeded for plink_*"])


def test_a_mistyped_customer_driver_stops_the_run(pytester: pytest.Pytester):
    result = pytester.runpytest_inprocess("-p", "no:cacheprovider", "--sknpay-customer", "browsr")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*Invalid customer 'browsr' from option --sknpay-customer: "
                                 "must be one of form, browser; did you mean browser?"])


def test_undocumented_features_are_skipped_on_a_live_target_unless_listed(
        sandbox_stand_in, monkeypatch: pytest.MonkeyPatch, pytester: pytest.Pytester):
    stand_in = sandbox_stand_in()
    for name, value in stand_in.env().items():
        monkeypatch.setenv(name, value)
    _copy_scenarios(pytester, "test_three_d_secure.py")
    skipped = pytester.runpytest_inprocess("-p", "no:cacheprovider", "-rs")
    skipped.assert_outcomes(skipped=2)
    skipped.stdout.fnmatch_lines(["*sknpay_feature three_d_secure: SKN Pay's docs do not pin it; "
                                  "list it in --sknpay-sandbox-features*"])
    listed = pytester.runpytest_inprocess("-p", "no:cacheprovider",
                                          "--sknpay-sandbox-features", "three_d_secure")
    listed.assert_outcomes(passed=2)
