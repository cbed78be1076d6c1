"""Where the contract's JSON Schemas are: a leaf module, so the mock's OpenAPI
document and the contract checker read the same files without importing each other."""

from __future__ import annotations

from importlib import resources
from pathlib import Path


def default_schema_dir() -> Path:
    """The installed package's copy, else the source checkout's schemas/."""
    packaged = resources.files("sknpay_harness") / "_schemas"
    if packaged.is_dir():
        return Path(str(packaged))
    return Path(__file__).resolve().parents[2] / "schemas"
