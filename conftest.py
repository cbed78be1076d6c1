"""Intentionally thin: the harness loads as a pytest plugin through its
``pytest11`` entry point (see pyproject.toml); its fixtures live in
``sknpay_harness.plugin``."""
