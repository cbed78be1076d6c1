"""Typed keys for the plugin's state in ``config.stash`` (never module globals)."""

from __future__ import annotations

import pytest

from ..contract import Contract
from ..harness import Harness
from ..redaction import Redactor
from ..reporting import Reporter
from ..runlog import RunLog
from ..settings import Settings

settings_key = pytest.StashKey[Settings]()
run_log_key = pytest.StashKey[RunLog]()
contract_key = pytest.StashKey[Contract]()
reporter_key = pytest.StashKey[Reporter]()
harness_key = pytest.StashKey[Harness]()


def reporter_of(config: pytest.Config) -> Reporter:
    """The run's one Reporter (and its Redactor), built on first use: needs
    only the settings, so asking for it starts no server."""
    reporter = config.stash.get(reporter_key, None)
    if reporter is None:
        reporter = Reporter(Redactor(config.stash[settings_key].secrets()))
        config.stash[reporter_key] = reporter
    return reporter
