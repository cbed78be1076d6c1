"""The house's walls, pinned as test_public_api pins ``__all__``.

- The mock stands alone: from the core it takes only what it shares by design
  (signing, the request rules, the server wrapper, errors, waiting and a few
  leaf modules), so it can run, and be read, without the harness.
- The core reaches into mock/ only from the embedded target, the harness
  object, the rehearsal and the plugin's option checks.
- Those shared modules are leaves: they import nothing else of ours.
- The library never imports pytest: the plugin only wires it.
"""

from __future__ import annotations

import ast
from pathlib import Path

import sknpay_harness

PACKAGE = Path(sknpay_harness.__file__).parent
SHARED_WITH_THE_MOCK = {"signing", "limits", "serving", "errors", "waiting", "secret", "tls",
                        "backoff", "jsonbody", "schema_location", "operations", "cards"}
MAY_IMPORT_THE_MOCK = {"targets.py", "harness.py", "rehearsal.py", "plugin/options.py"}


def _modules() -> dict[str, set[str]]:
    """Each module (path relative to the package) -> the absolute names it imports."""
    found: dict[str, set[str]] = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = path.relative_to(PACKAGE).as_posix()
        package = ["sknpay_harness", *relative.split("/")[:-1]]
        names: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom):
                base = package[:len(package) - node.level + 1] if node.level else []
                module = ".".join([*base, *(node.module.split(".") if node.module else [])])
                names.add(module)
                names.update(f"{module}.{alias.name}" for alias in node.names)
        found[relative] = names
    return found


def _ours(names: set[str]) -> set[str]:
    """Our modules among ``names``: sknpay_harness.X (a module or a subpackage)."""
    return {n.split(".")[1] for n in names if n.startswith("sknpay_harness.")}


def test_the_mock_takes_from_the_core_only_what_it_shares_by_design():
    wrong = {}
    for module, names in _modules().items():
        if module.startswith("mock/"):
            extra = _ours(names) - SHARED_WITH_THE_MOCK - {"mock"}
            if extra:
                wrong[module] = sorted(extra)
    assert not wrong, f"mock/ imports core modules it should not: {wrong}"


def test_the_core_reaches_the_mock_only_through_its_named_doors():
    wrong = sorted(module for module, names in _modules().items()
                   if not module.startswith("mock/") and module not in MAY_IMPORT_THE_MOCK
                   and "mock" in _ours(names))
    assert not wrong, f"these core modules import mock/: {wrong}"


def test_the_shared_modules_are_leaves():
    modules = _modules()
    wrong = {}
    for name in SHARED_WITH_THE_MOCK:
        extra = _ours(modules.get(f"{name}.py", set())) - SHARED_WITH_THE_MOCK
        if extra:
            wrong[name] = sorted(extra)
    assert not wrong, f"shared modules import more of ours: {wrong}"


def test_the_library_never_imports_pytest():
    wrong = sorted(module for module, names in _modules().items()
                   if not module.startswith("plugin/")
                   and any(n == "pytest" or n.startswith(("pytest.", "_pytest")) for n in names))
    assert not wrong, f"library modules import pytest: {wrong}"


def test_no_module_is_over_600_lines():
    sizes = {path.relative_to(PACKAGE).as_posix(): len(path.read_text().splitlines())
             for path in PACKAGE.rglob("*.py")}
    assert max(sizes.values()) <= 600, sorted(sizes.items(), key=lambda kv: -kv[1])[:3]
