"""For this repository's own tests only (users get fixtures from the plugin).

Child pytest runs (pytester) skip the hypothesis, schemathesis and anyio
plugins that the dev extra installs: they are not used there and importing
them costs ~1.4 s per child, which the meta-tests pay dozens of times. They
also see none of the developer's own SKNPAY_* variables (pytester passes
os.environ on): only the settings each test gives them.
"""

from __future__ import annotations

import os

import pytest

CHILD_ADDOPTS = "-p no:hypothesispytest -p no:schemathesis -p no:anyio"


@pytest.fixture
def pytester(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> pytest.Pytester:
    """function · Pytester · the builtin, with lean child runs (see module doc)."""
    monkeypatch.setenv("PYTEST_ADDOPTS", CHILD_ADDOPTS)
    for name in [n for n in os.environ if n.startswith("SKNPAY_")]:
        monkeypatch.delenv(name)
    return pytester
