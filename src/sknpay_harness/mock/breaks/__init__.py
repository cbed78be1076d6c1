"""Named contract breaks: switchable ways for the mock to break one promise.

Each break is a small object overriding one hook (core.py declares the hooks
and their defaults); its docstring says which promise of the SKN Pay contract
it breaks, and ``symptom`` is text the suite's failure output must contain
when the break is on (the meta-test in tests/breaks/ pins it). The suite's
checks are proven able to fail by running them against the mock with each
break on. The breaks live by area (payment_object, create, errors, retrieve,
cancel, idempotency, refunds, webhooks, events, hosted_page); registry.py names them all, and
the mock consults the active ones through :class:`BreakSet`'s generic
``apply``/``any``/``all``.

A few entries are *harmless* (``harmless = True``, harmless.py): changes a
real API may make that the suite must tolerate (a new field, a redelivered
event). The meta-test asserts the suite still passes with them.
"""

from .breakset import BreakSet
from .core import HOOKS, ContractBreak, ErrorAnswer
from .harmless import RESERVED_FIELDS, ExtraFields
from .registry import BREAKS, check_break_names

__all__ = ["BREAKS", "HOOKS", "RESERVED_FIELDS", "BreakSet", "ContractBreak", "ErrorAnswer",
           "ExtraFields", "check_break_names"]
