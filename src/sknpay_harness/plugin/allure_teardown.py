"""No phantom tear-down entries in the allure report.

Since pytest 9.1 every fixture's first finalizer is pytest's own (a lambda in
``_pytest.fixtures`` that calls ``pytest_fixture_post_finalizer``).
allure-pytest 2.16 wraps each finalizer of a fixture as a tear-down step; this
one closes the fixture's allure container before its own step ends, so every
fixture gets a ``<fixture>::<lambda>`` entry with status "unknown"
(allure-framework/allure-python#918; the fix proposed upstream, #921, skips
finalizers owned by ``_pytest`` as this does). Finalizers a fixture registers
itself stay reported.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

import pytest


@pytest.hookimpl(wrapper=True, tryfirst=True)  # outside allure's wrapper: runs after it
def pytest_fixture_setup(fixturedef: pytest.FixtureDef[Any]) -> Generator[None, Any, Any]:
    try:
        return (yield)
    finally:
        finalizers = getattr(fixturedef, "_finalizers", None) or []
        for index, finalizer in enumerate(finalizers):
            # allure_commons.fixture keeps what it wraps here.
            wrapped = getattr(finalizer, "_fixture_function", None)
            if wrapped is not None and getattr(wrapped, "__module__", "").startswith("_pytest"):
                finalizers[index] = wrapped
