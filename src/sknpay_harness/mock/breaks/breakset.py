"""The breaks switched on in one mock, and the one generic way the mock consults them."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from .core import HOOKS, ContractBreak, overrides
from .registry import BREAKS, check_break_names

T = TypeVar("T")


class BreakSet:
    """The breaks switched on in one mock; hooks apply in the order given.

    ``apply("payment_view", view)`` threads a value through each active break
    that overrides the hook; ``any``/``all`` combine the breaks' answers to a
    question. A hook no active break overrides costs a dict lookup.
    """

    def __init__(self, names: Iterable[str] = (), extras: Iterable[ContractBreak] = ()) -> None:
        """``extras``: unnamed variations kept on whatever ``set`` switches
        (e.g. :class:`ExtraFields`); they apply after the named breaks."""
        self._extras = list(extras)
        self._named: list[ContractBreak] = []
        self._chains = _chains(self._extras)
        self.set(names)

    def set(self, names: Iterable[str]) -> None:
        names = list(names)
        check_break_names(names)
        self._named = [BREAKS[n]() for n in names]
        self._chains = _chains(self._named + self._extras)

    @property
    def names(self) -> list[str]:
        return [b.name for b in self._named]

    def apply(self, hook: str, value: T, *context: Any) -> T:
        """``value`` as the active breaks leave it, each in turn (``hook(value, *context)``)."""
        for method in self._chain(hook):
            value = method(value, *context)
        return value

    def any(self, hook: str, *context: Any) -> bool:
        """True if some active break answers yes (the default answer is no)."""
        return any(method(*context) for method in self._chain(hook))

    def all(self, hook: str, *context: Any) -> bool:
        """True unless some active break answers no (the default answer is yes)."""
        return all(method(*context) for method in self._chain(hook))

    def _chain(self, hook: str) -> list[Callable[..., Any]]:
        # Read once: set() may swap the chains from another thread mid-request.
        chain = self._chains.get(hook)
        if chain is None:
            raise ValueError(f"no contract-break hook {hook!r}; the hooks are "
                             f"ContractBreak's methods: {', '.join(sorted(HOOKS))}")
        return chain


def _chains(active: list[ContractBreak]) -> dict[str, list[Callable[..., Any]]]:
    """For each hook, the bound methods of the active breaks that override it, in order."""
    return {hook: [getattr(b, hook) for b in active if overrides(b, hook)] for hook in HOOKS}
