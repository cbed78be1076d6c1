"""Recorder files: one per process, never overwriting another's."""

from __future__ import annotations

import json

from sknpay_harness.recording import FORMAT, Recorder, load, newest_recording
from sknpay_harness.redaction import Redactor


def test_workers_saving_at_once_each_keep_their_file(tmp_path):
    # xdist workers finish together: the timestamp alone would name both files alike.
    paths = [Recorder(tmp_path, "http://127.0.0.1:1/api/v1", Redactor(["sk_test_x"]),
                      name_suffix=suffix).save([]) for suffix in ("-gw0", "-gw1", "-gw0")]
    assert paths[0].name.endswith("-gw0.json") and paths[1].name.endswith("-gw1.json")
    assert len({p.name for p in paths[:2]}) == 2
    assert all(load(p)["format"] == FORMAT for p in paths)
    newest = newest_recording(tmp_path)
    assert newest is not None and json.loads(newest.read_text())["steps"] == []
