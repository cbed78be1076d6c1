"""Allure labels, so the report's Behaviors tab reads as the contract does.

Scenarios (``@pytest.mark.scenario``) and every test in a ``contract``
folder get a feature, a story and a severity (``reporting.report_labels``)
and a link to the SKN Pay API reference. Labels a test sets itself win.
Added as markers at collection, so ``--allure-features`` and friends select
by them.
"""

from __future__ import annotations

import allure
import pytest

from ..reporting import API_REFERENCE, report_labels

_LABEL_MARK = "allure_label"  # the marker allure.feature() and friends make


@pytest.hookimpl(tryfirst=True)  # before allure's own, which selects by label
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        wanted = report_labels(item.path, getattr(item, "originalname", item.name),
                               scenario=item.get_closest_marker("scenario") is not None)
        if wanted is None:
            continue
        given = {m.kwargs.get("label_type") for m in item.iter_markers(_LABEL_MARK)}
        marks = [_label(kind, value) for kind, value in wanted.items() if kind not in given]
        if not any(m.name == "allure_link" for m in item.iter_markers()):
            marks.append(_link(API_REFERENCE, "SKN Pay API reference"))
        for mark in marks:
            if isinstance(mark, pytest.MarkDecorator):  # not when allure-pytest is disabled
                item.add_marker(mark)


# allure ships no type hints; these two are its label and link markers.
def _label(kind: str, value: str) -> object:
    return allure.label(kind, value)  # type: ignore[no-untyped-call]


def _link(url: str, name: str) -> object:
    return allure.link(url, name=name)  # type: ignore[no-untyped-call]
