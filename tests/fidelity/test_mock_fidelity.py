"""Mock fidelity: replay the newest recording against the embedded mock, shape by shape.

The recording under fixtures/recordings/ was made with --sknpay-record on the
sandbox target (the shipped one from a rehearsal; replace it with one from the
real sandbox when you have access). A difference fails with every mismatch listed.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from sknpay_harness.fidelity import assert_faithful, compare, replay
from sknpay_harness.recording import load, newest_recording

pytestmark = pytest.mark.mock_only

# Each contract break must make the replay differ from the recording.
BREAKS = ("status_cancelled", "no_webhook", "webhook_wrong_secret", "event_type_typo",
          "hosted_page_still_active", "payment_without_url")


@pytest.fixture
def sknpay_recording(pytestconfig, sknpay_settings) -> tuple[Path, dict]:
    """function · (Path, dict) · the newest recording in --sknpay-record-dir."""
    directory = pytestconfig.rootpath / sknpay_settings.record_dir
    path = newest_recording(directory)
    if path is None:
        pytest.fail(f"no recording in {directory}; make one with --sknpay-record on the sandbox "
                    "target (or python -m sknpay_harness.rehearsal --record)")
    return path, load(path)


def replay_on_mock(mock, client, inbox, recording):
    return replay(recording, client, inbox, timeout=10, give_up=mock.nothing_more_coming)


def test_the_mock_answers_like_the_newest_recording(
        sknpay_recording, sknpay_mock, sknpay_api, sknpay_listener, sknpay_reporter):
    path, recording = sknpay_recording
    assert recording["steps"] and recording["webhooks"], f"{path} records nothing to replay"
    replayed = replay_on_mock(sknpay_mock, sknpay_api, sknpay_listener.inbox, recording)
    sknpay_reporter.attach_json("replay (normalised)", {"steps": replayed.steps,
                                                       "webhooks": replayed.webhooks})
    assert_faithful(recording, replayed, path.name)


@pytest.mark.parametrize("break_name", BREAKS)
def test_a_contract_break_makes_the_mock_unfaithful(
        break_name, sknpay_recording, sknpay_mock, sknpay_api, sknpay_listener):
    _, recording = sknpay_recording
    sknpay_mock.breaks.set([break_name])
    diffs = compare(recording, replay_on_mock(sknpay_mock, sknpay_api, sknpay_listener.inbox, recording))
    assert diffs, f"the fidelity check did not notice the {break_name} break"
