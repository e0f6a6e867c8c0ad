"""Results on disk: torn lines, atomic run.json, numpy values."""

from __future__ import annotations

import json

import numpy as np

from carps.core.records import RunFolder, dumps, read_trials


def test_a_torn_last_line_is_ignored_and_repaired(tmp_path):
    folder = RunFolder(tmp_path / "run")
    folder.write({"trial": 0, "x": 1})
    folder.write({"trial": 1, "x": 2})
    folder.close()
    with open(folder.trials_file, "a") as fh:
        fh.write('{"trial": 2, "x"')  # killed mid-write
    assert [r["trial"] for r in folder.read_trials()] == [0, 1]
    assert [r["trial"] for r in folder.repair_trials()] == [0, 1]
    folder.write({"trial": 2, "x": 3})
    folder.close()
    assert [r["trial"] for r in read_trials(folder.trials_file)] == [0, 1, 2]


def test_each_trial_is_on_disk_as_soon_as_it_is_written(tmp_path):
    folder = RunFolder(tmp_path / "run")
    folder.write({"trial": 0})
    assert read_trials(folder.trials_file) == [{"trial": 0}]  # flushed, though the handle is still open
    folder.close()


def test_run_json_is_replaced_atomically(tmp_path):
    folder = RunFolder(tmp_path / "run")
    assert folder.status() is None
    folder.write_run({"status": "running"})
    folder.write_run({"status": "done", "n": 3})
    assert folder.status() == "done"
    assert not list(folder.path.glob("*.tmp"))


def test_moving_trials_aside_keeps_them(tmp_path):
    folder = RunFolder(tmp_path / "run")
    folder.write({"trial": 0})
    folder.close()
    folder.reset_trials(keep_as="trials.abandoned.jsonl")
    assert not folder.trials_file.exists()
    assert read_trials(folder.path / "trials.abandoned.jsonl") == [{"trial": 0}]


def test_numpy_values_are_written_as_plain_json():
    text = dumps({"a": np.int64(3), "b": np.float32(0.5), "c": np.array([1, 2]), "d": np.bool_(True)})
    assert json.loads(text) == {"a": 3, "b": 0.5, "c": [1, 2], "d": True}
