"""For this repository's own tests only (users get fixtures from the plugin).

Child pytest runs (pytester) skip the hypothesis, schemathesis and anyio
plugins that the dev extra installs: they are not used there and importing
them costs ~1.4 s per child, which the meta-tests pay dozens of times.
"""

from __future__ import annotations

import pytest

CHILD_ADDOPTS = "-p no:hypothesispytest -p no:schemathesis -p no:anyio"


@pytest.fixture
def pytester(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> pytest.Pytester:
    """function · Pytester · the builtin, with lean child runs (see module doc)."""
    monkeypatch.setenv("PYTEST_ADDOPTS", CHILD_ADDOPTS)
    return pytester
