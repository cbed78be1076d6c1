"""The contract breaks' generic dispatch: hooks declared once, consulted by name."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

import sknpay_harness.mock
from sknpay_harness.mock.breaks import BREAKS, HOOKS, BreakSet, ContractBreak, ExtraFields
from sknpay_harness.mock.breaks.core import overrides

MOCK_SOURCE = Path(sknpay_harness.mock.__file__).parent


class _Tag(ContractBreak):
    def __init__(self, tag: str, yes: bool) -> None:
        self.tag, self.yes = tag, yes

    def payment_view(self, view: dict[str, Any]) -> dict[str, Any]:
        return {**view, "trail": [*view.get("trail", []), self.tag]}

    def keeps_rejected_create(self) -> bool:
        return self.yes

    def enforces_auth(self) -> bool:
        return self.yes


def test_apply_threads_the_value_through_the_active_breaks_in_order():
    breaks = BreakSet(extras=[_Tag("a", False), _Tag("b", False)])
    assert breaks.apply("payment_view", {"id": "plink_1"}) == {"id": "plink_1", "trail": ["a", "b"]}
    assert breaks.apply("signing_time", 5.0) == 5.0  # no break overrides it: the value as given


def test_any_and_all_combine_the_answers_from_the_defaults():
    assert not BreakSet().any("keeps_rejected_create") and BreakSet().all("enforces_auth")
    mixed = BreakSet(extras=[_Tag("a", True), _Tag("b", False)])
    assert mixed.any("keeps_rejected_create") and not mixed.all("enforces_auth")


def test_an_unknown_hook_is_refused_by_name():
    with pytest.raises(ValueError, match=r"no contract-break hook 'payment_veiw'.*payment_view"):
        BreakSet().apply("payment_veiw", {})


def test_a_break_defining_a_method_that_is_no_hook_is_refused():
    with pytest.raises(TypeError, match=r"Misspelt defines payment_veiw, which is no hook"):
        type("Misspelt", (ContractBreak,), {"payment_veiw": lambda self, view: view})


@pytest.mark.parametrize("name", sorted(BREAKS))
def test_every_break_overrides_a_hook(name):
    assert any(overrides(BREAKS[name](), hook) for hook in HOOKS), name


def test_every_hook_is_overridden_by_a_break_and_consulted_by_the_mock():
    # A hook no break overrides is dead weight; one the mock never consults
    # would leave its breaks silently inert.
    overridden = {h for cls in BREAKS.values() for h in HOOKS if overrides(cls(), h)}
    overridden |= {h for h in HOOKS if overrides(ExtraFields({"x": 1}), h)}
    consulted = {m for f in MOCK_SOURCE.glob("*.py")
                 for m in re.findall(r"breaks\.(?:apply|any|all)\(\s*\"(\w+)\"", f.read_text())}
    assert overridden == HOOKS
    assert consulted == HOOKS, f"not consulted: {sorted(HOOKS - consulted)}; unknown: {sorted(consulted - HOOKS)}"
