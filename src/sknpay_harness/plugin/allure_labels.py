"""Allure labels, so the report's Behaviors tab reads as the contract does.

The scenario (``@pytest.mark.scenario``) and every test in a ``contract``
folder get the feature "Cancel before pay", a story (the scenario's own; a
contract file's from its name: ``test_cancel.py`` is "Cancel an open link"),
a severity (the scenario is critical, a contract check normal) and a link to
the SKN Pay API reference. Labels a test sets itself win. Added as markers
at collection, so ``--allure-features`` and friends select by them.
"""

from __future__ import annotations

import allure
import pytest

FEATURE = "Cancel before pay"
API_REFERENCE = "https://app.sknpay.com/docs/sknpay-api.md"
SCENARIO_STORY = "End to end: create, cancel, webhook, hosted page"
# tests/contract/test_<area>.py -> story; an area not listed is named after its file.
CONTRACT_STORIES = {
    "create": "Create a payment link",
    "create_invalid": "Create: validation errors",
    "retrieve": "Retrieve a payment",
    "cancel": "Cancel an open link",
    "webhook": "The payment.canceled webhook",
    "hosted_page": "The hosted page",
    "idempotency": "Idempotency keys",
    "auth": "Authentication",
}
_LABEL_MARK = "allure_label"  # the marker allure.feature() and friends make


@pytest.hookimpl(tryfirst=True)  # before allure's own, which selects by label
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        labels = _labels_for(item)
        if labels is None:
            continue
        story, severity = labels
        given = {m.kwargs.get("label_type") for m in item.iter_markers(_LABEL_MARK)}
        wanted = {"feature": FEATURE, "story": story, "severity": severity}
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


def _labels_for(item: pytest.Item) -> tuple[str, str] | None:
    """(story, severity) for the scenario and contract tests; None for any other."""
    if item.get_closest_marker("scenario") is not None:
        return SCENARIO_STORY, allure.severity_level.CRITICAL.value
    path = item.path
    if path.parent.name == "contract" and path.stem.startswith("test_"):
        area = path.stem.removeprefix("test_")
        return (CONTRACT_STORIES.get(area, area.replace("_", " ")),
                allure.severity_level.NORMAL.value)
    return None
