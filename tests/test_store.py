"""Tests of zero.store (the run directory).

Contracts under test (zero/store.py docstring): every file round-trips exactly (checkpoint arrays
bit for bit), nothing is pickled, a new run never overwrites an old one, whole-file writes and
checkpoints survive an interruption, a torn last log line is ignored, and every corrupt file fails
with a StoreError that names it.
"""

from __future__ import annotations

import hashlib
import io
import json
import math

import numpy as np
import pytest
import yaml

from zero.errors import StoreError, ZeroError
from zero.store import CHECKPOINT_VERSION, RunDir

CONFIG = {"name": "demo", "search": {"population": 100, "tournament": 10}, "lr": 0.001, "tags": ["a", "b"]}


def make_run(tmp_path, name="run"):
    return RunDir.create(tmp_path / name, CONFIG)


def sample_arrays():
    return {
        "bools": np.array([True, False, True]),
        "ints": np.arange(-6, 6, dtype=np.int32).reshape(3, 4),
        "big": np.array([2**64 - 1, 2**63 + 12345, 0], dtype=np.uint64),
        "floats": np.array([0.1, -0.0, np.nan, np.inf, -np.inf, 5e-324, 1.7976931348623157e308]),
        "halves": np.array([[1.5, -2.25]], dtype=np.float16),
        "scalar": np.array(7, dtype=np.int64),
        "empty": np.zeros((0, 3), dtype=np.float32),
    }


def assert_bit_equal(a, b):
    assert a.dtype == b.dtype and a.shape == b.shape
    assert a.tobytes() == b.tobytes()


# ---- config, logs, final ------------------------------------------------------------------------


def test_new_run_writes_config_and_constructor_touches_nothing(tmp_path):
    RunDir(tmp_path / "nothing")
    assert not (tmp_path / "nothing").exists()
    run = RunDir.create(tmp_path / "a" / "b", CONFIG)
    assert run.exists() and run.path == tmp_path / "a" / "b"
    assert run.read_config() == CONFIG
    assert list(yaml.safe_load((run.path / "config.yaml").read_text())) == list(CONFIG)  # key order kept
    assert not list(run.path.glob(".*.tmp"))


def test_create_refuses_an_existing_run_without_resume(tmp_path):
    make_run(tmp_path)
    with pytest.raises(StoreError, match="--resume") as info:
        RunDir.create(tmp_path / "run", {"other": 1})
    assert str(tmp_path / "run") in str(info.value)
    assert isinstance(info.value, ZeroError)
    assert RunDir(tmp_path / "run").read_config() == CONFIG  # untouched


def test_create_accepts_an_existing_directory_without_a_run(tmp_path):
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "notes.txt").write_text("hi")
    assert RunDir.create(tmp_path / "out", CONFIG).exists()


def test_resume_requires_a_run_and_a_checkpoint(tmp_path):
    with pytest.raises(StoreError, match="config.yaml"):
        RunDir.create(tmp_path / "none", CONFIG, resume=True)
    run = make_run(tmp_path)
    with pytest.raises(StoreError, match="no checkpoint"):
        RunDir.create(run.path, CONFIG, resume=True)
    run.commit_checkpoint({"state": run.write_part("state", {"x": np.arange(3)})}, {"individuals": 3})
    resumed = RunDir.create(run.path, {"changed": True}, resume=True)
    assert resumed.read_config() == CONFIG  # config.yaml is not rewritten on resume


@pytest.mark.parametrize(
    "text, problem",
    [("a: [1, 2\n", "invalid YAML at line"), ("- 1\n- 2\n", "expected a mapping"), ("", "expected a mapping")],
)
def test_bad_config_is_a_store_error(tmp_path, text, problem):
    run = make_run(tmp_path)
    (run.path / "config.yaml").write_text(text)
    with pytest.raises(StoreError, match=problem) as info:
        run.read_config()
    assert "config.yaml" in str(info.value)
    with pytest.raises(StoreError, match="missing"):
        RunDir(tmp_path / "elsewhere").read_config()


def test_logs_round_trip_with_numpy_values_and_exact_floats(tmp_path):
    run = make_run(tmp_path)
    assert run.read_progress() == [] and run.read_champions() == []
    records = [
        {"individuals": 10, "best": 0.1 + 0.2, "tiny": 5e-324, "neg_zero": -0.0, "text": "é"},
        {"individuals": np.int64(20), "best": np.float32(0.5), "flag": np.bool_(True), "vec": np.array([1.0, np.nan])},
        {"individuals": 30, "best": float("nan"), "worst": -math.inf, "nested": {"t": (1, np.uint64(2**64 - 1))}},
    ]
    for r in records:
        run.append_progress(r)
    run.append_champion({"individuals": 5, "fitness": 0.75})
    progress = run.read_progress()
    assert progress[0] == records[0] and math.copysign(1, progress[0]["neg_zero"]) == -1
    assert progress[1] == {"individuals": 20, "best": 0.5, "flag": True, "vec": [1.0, None]}
    assert type(progress[1]["individuals"]) is int
    assert progress[2] == {"individuals": 30, "best": None, "worst": None, "nested": {"t": [1, 2**64 - 1]}}
    assert run.read_champions() == [{"individuals": 5, "fitness": 0.75}]
    assert len((run.path / "progress.jsonl").read_text().splitlines()) == 3


def test_final_and_generic_json_round_trip_atomically(tmp_path):
    run = make_run(tmp_path)
    assert run.read_final() is None
    run.write_final({"test_fitness": np.float64(0.123456789012345678), "curve": np.arange(3), "bad": np.inf})
    assert run.read_final() == {"test_fitness": 0.123456789012345678, "curve": [0, 1, 2], "bad": None}
    run.write_json("extra.json", {"a": 1})
    run.write_json("extra.json", {"a": 2})
    assert run.read_json("extra.json") == {"a": 2}
    assert not list(run.path.glob(".*.tmp"))
    with pytest.raises(ValueError):
        run.write_json("../escape.json", {})
    (run.path / "final.json").write_text("[1, 2]")
    with pytest.raises(StoreError, match="final.json.*expected a JSON object"):
        run.read_final()


def test_truncated_last_line_is_ignored_and_dropped_before_the_next_append(tmp_path):
    run = make_run(tmp_path)
    run.append_progress({"individuals": 1})
    run.append_progress({"individuals": 2})
    path = run.path / "progress.jsonl"
    path.write_bytes(path.read_bytes() + b'{"individuals": 3, "be')  # killed mid-write
    assert run.read_progress() == [{"individuals": 1}, {"individuals": 2}]
    fresh = RunDir(run.path)
    fresh.append_progress({"individuals": 4})
    assert fresh.read_progress() == [{"individuals": 1}, {"individuals": 2}, {"individuals": 4}]


def test_last_object_without_its_newline_is_kept(tmp_path):
    run = make_run(tmp_path)
    (run.path / "champions.jsonl").write_text('{"individuals": 1}\n{"individuals": 2}')
    assert run.read_champions() == [{"individuals": 1}, {"individuals": 2}]
    RunDir(run.path).append_champion({"individuals": 3})
    assert [r["individuals"] for r in run.read_champions()] == [1, 2, 3]


@pytest.mark.parametrize("bad", [b'{"individuals": 2', b"[1, 2]", b"\xff\xfe"])
def test_corrupt_middle_line_names_file_and_line(tmp_path, bad):
    run = make_run(tmp_path)
    (run.path / "progress.jsonl").write_bytes(b'{"individuals": 1}\n' + bad + b'\n{"individuals": 3}\n')
    with pytest.raises(StoreError, match=r"progress\.jsonl: line 2: ") as info:
        run.read_progress()
    assert str(run.path / "progress.jsonl") in str(info.value)


def test_trim_logs_keeps_records_up_to_the_count(tmp_path):
    run = make_run(tmp_path)
    for n in (10, 20, 30, 40):
        run.append_progress({"individuals": n, "best": n / 100})
    for n in (5, 25, 35):
        run.append_champion({"individuals": n})
    path = run.path / "progress.jsonl"
    path.write_bytes(path.read_bytes() + b'{"indiv')
    run.trim_logs([25])
    assert run.read_progress() == [{"individuals": 10, "best": 0.1}, {"individuals": 20, "best": 0.2}]
    assert run.read_champions() == [{"individuals": 5}, {"individuals": 25}]
    assert path.read_bytes().endswith(b"\n")
    run.append_progress({"individuals": 30})
    assert [r["individuals"] for r in run.read_progress()] == [10, 20, 30]
    RunDir.create(tmp_path / "empty", CONFIG).trim_logs([5])  # no logs yet: nothing to do, nothing created
    assert not (tmp_path / "empty" / "progress.jsonl").exists()


def test_trim_logs_keeps_each_islands_records_up_to_its_own_count(tmp_path):
    run = make_run(tmp_path)
    for island, n in ((0, 10), (1, 10), (0, 20), (1, 20), (1, 30), (0, 30)):
        run.append_progress({"individuals": 0, "island": island, "island_individuals": n})
    run.append_champion({"individuals": 0, "island": 2, "island_individuals": 1})  # no such island: dropped
    run.append_champion({"individuals": 0, "island": 1, "island_individuals": 30})
    run.trim_logs([20, 30])
    assert [(r["island"], r["island_individuals"]) for r in run.read_progress()] == [(0, 10), (1, 10), (0, 20), (1, 20), (1, 30)]
    assert [r["island"] for r in run.read_champions()] == [1]


# ---- checkpoints --------------------------------------------------------------------------------


def save(run, arrays, meta, name="state"):
    """A checkpoint of one part."""
    run.commit_checkpoint({name: run.write_part(name, arrays)}, meta)


def load(run):
    """The one part's arrays and the meta."""
    parts, meta = run.load_checkpoint()
    assert list(parts) == ["state"]
    return parts["state"], meta


def test_checkpoint_round_trips_bit_exactly(tmp_path):
    run = make_run(tmp_path)
    assert run.load_checkpoint() is None
    arrays = sample_arrays()
    meta = {"individuals": 123, "rng": {"state": 2**64 - 5, "name": "PCG64"}, "best": np.float64(0.25), "nan": np.nan}
    save(run, arrays, meta)
    loaded, loaded_meta = load(run)
    assert list(loaded) == list(arrays)
    for name in arrays:
        assert_bit_equal(loaded[name], arrays[name])
    assert int(loaded["big"][0]) == 2**64 - 1 and int(loaded["big"][1]) == 2**63 + 12345
    assert math.copysign(1, loaded["floats"][1]) == -1
    assert loaded_meta == {"individuals": 123, "rng": {"state": 2**64 - 5, "name": "PCG64"}, "best": 0.25, "nan": None}
    manifest = json.loads((run.path / "checkpoint" / "latest.json").read_text())
    assert manifest["format"] == "zero.checkpoint" and manifest["version"] == CHECKPOINT_VERSION
    assert manifest["parts"]["state"]["arrays"]["ints"] == {"dtype": "<i4", "shape": [3, 4]}


def test_checkpoint_without_arrays_round_trips(tmp_path):
    run = make_run(tmp_path)
    save(run, {}, {"individuals": 0})
    assert load(run) == ({}, {"individuals": 0})


def test_older_states_are_removed_after_a_successful_save(tmp_path):
    run = make_run(tmp_path)
    for i in range(3):
        save(run, {"x": np.full(4, i)}, {"individuals": i})
    files = sorted(p.name for p in (run.path / "checkpoint").iterdir())
    assert files == ["latest.json", "state-3.npz"]
    arrays, meta = load(run)
    assert meta == {"individuals": 2} and arrays["x"].tolist() == [2, 2, 2, 2]


def test_interrupted_save_still_loads_the_previous_checkpoint(tmp_path):
    run = make_run(tmp_path)
    save(run, {"x": np.arange(3)}, {"individuals": 1})
    directory = run.path / "checkpoint"
    (directory / "state-2.npz").write_bytes(b"half a zip")  # the crash came before the manifest
    (directory / ".latest.json.dead.tmp").write_text("{")
    arrays, meta = load(run)
    assert meta == {"individuals": 1} and arrays["x"].tolist() == [0, 1, 2]
    run = RunDir(run.path)  # the process that resumes numbers its parts past the debris
    save(run, {"x": np.arange(5)}, {"individuals": 2})
    assert sorted(p.name for p in directory.iterdir()) == ["latest.json", "state-3.npz"]
    assert run.load_checkpoint()[1] == {"individuals": 2}


@pytest.mark.parametrize(
    "value",
    [np.array([{"a": 1}], dtype=object), np.array(["text"]), np.array([1 + 2j]), [1, "mixed"]],
)
def test_non_numeric_arrays_are_refused_at_save(tmp_path, value):
    run = make_run(tmp_path)
    with pytest.raises(ValueError, match="dtype"):
        save(run, {"bad": value}, {})
    assert run.load_checkpoint() is None


@pytest.mark.parametrize("name", ["", "a/b", "file", "allow_pickle", 3])
def test_bad_array_names_are_refused(tmp_path, name):
    with pytest.raises(ValueError, match="name"):
        save(make_run(tmp_path), {name: np.zeros(2)}, {})


def _edit_manifest(run, change):
    path = run.path / "checkpoint" / "latest.json"
    manifest = json.loads(path.read_text())
    change(manifest)
    path.write_text(json.dumps(manifest))


def _corrupt(case, run):
    directory = run.path / "checkpoint"
    state = directory / "state-1.npz"
    if case == "bad json":
        (directory / "latest.json").write_text('{"format": "zero.checkpoint", ')
    elif case == "wrong format":
        _edit_manifest(run, lambda m: m.update(format="zero.program"))
    elif case == "newer version":
        _edit_manifest(run, lambda m: m.update(version=CHECKPOINT_VERSION + 1))
    elif case == "old version":
        _edit_manifest(run, lambda m: m.update(version=2))
    elif case == "bad file name":
        _edit_manifest(run, lambda m: m["parts"]["state"].update(file="../config.yaml"))
    elif case == "missing npz":
        state.unlink()
    elif case == "flipped byte":
        data = bytearray(state.read_bytes())
        data[len(data) // 2] ^= 0x01
        state.write_bytes(bytes(data))
    elif case == "missing array":
        _edit_manifest(run, lambda m: m["parts"]["state"]["arrays"].update(ghost={"dtype": "<f8", "shape": [1]}))
    elif case == "wrong shape":
        _edit_manifest(run, lambda m: m["parts"]["state"]["arrays"]["ints"].update(shape=[4, 3]))
    elif case == "wrong dtype":
        _edit_manifest(run, lambda m: m["parts"]["state"]["arrays"]["ints"].update(dtype="<i8"))
    elif case == "undeclared array":
        _edit_manifest(run, lambda m: m["parts"]["state"]["arrays"].pop("bools"))
    elif case == "not a zip":
        state.write_bytes(b"not a zip file at all")
        _edit_manifest(run, lambda m: m["parts"]["state"].update(sha256=hashlib.sha256(b"not a zip file at all").hexdigest()))
    return directory


CORRUPTIONS = {
    "bad json": ("latest.json", "not valid JSON"),
    "wrong format": ("latest.json", "not a zero checkpoint"),
    "newer version": ("latest.json", "newer format"),
    "bad file name": ("latest.json", "key 'parts'"),
    "old version": ("latest.json", "version 2 is an old format"),
    "missing npz": ("state-1.npz", "missing"),
    "flipped byte": ("state-1.npz", "sha256"),
    "missing array": ("state-1.npz", "'ghost'.*missing"),
    "wrong shape": ("state-1.npz", "'ints'.*manifest says <i4 \\[4, 3\\]"),
    "wrong dtype": ("state-1.npz", "'ints'.*manifest says <i8"),
    "undeclared array": ("state-1.npz", "bools.*not in the manifest"),
    "not a zip": ("state-1.npz", "not a .npz \\(zip\\) file"),
}


@pytest.mark.parametrize("case", list(CORRUPTIONS))
def test_corrupt_checkpoint_is_a_store_error_naming_the_file(tmp_path, case):
    run = make_run(tmp_path)
    save(run, sample_arrays(), {"individuals": 7})
    directory = _corrupt(case, run)
    file, problem = CORRUPTIONS[case]
    with pytest.raises(StoreError, match=problem) as info:
        run.load_checkpoint()
    assert str(info.value).startswith(str(directory / file) + ": ")
    error = info.value  # no chained numpy/json/zipfile traceback reaches the user
    assert error.__cause__ is None and (error.__context__ is None or error.__suppress_context__)


def test_parts_are_written_apart_and_committed_together(tmp_path):
    """A search writes each island's part when it has it: a part not yet named by a commit is not
    read, a part kept from the previous checkpoint stays, and the parts no longer named go."""
    run = make_run(tmp_path)
    first = {name: run.write_part(name, {"x": np.full(2, i)}) for i, name in enumerate(["island0", "island1"])}
    assert run.load_checkpoint() is None  # written, not committed
    run.commit_checkpoint(first, {"round": 1})
    newer = run.write_part("island1", {"x": np.full(2, 9)})
    parts, meta = run.load_checkpoint()
    assert meta == {"round": 1} and parts["island1"]["x"].tolist() == [1, 1]
    run.commit_checkpoint({"island0": first["island0"], "island1": newer}, {"round": 2})
    parts, meta = run.load_checkpoint()
    assert meta == {"round": 2} and parts["island0"]["x"].tolist() == [0, 0] and parts["island1"]["x"].tolist() == [9, 9]
    assert sorted(p.name for p in (run.path / "checkpoint").iterdir()) == ["island0-1.npz", "island1-3.npz", "latest.json"]
    assert RunDir(run.path).read_part(newer)["x"].tolist() == [9, 9]  # another RunDir object reads it as well
    with pytest.raises(ValueError, match="part name"):
        run.write_part("../x", {})


def test_pickled_array_inside_the_npz_is_refused_at_load(tmp_path):
    run = make_run(tmp_path)
    save(run, {"x": np.zeros(2)}, {})
    buffer = io.BytesIO()
    np.savez(buffer, x=np.array([None, None], dtype=object))
    blob = buffer.getvalue()
    (run.path / "checkpoint" / "state-1.npz").write_bytes(blob)
    _edit_manifest(run, lambda m: m["parts"]["state"].update(sha256=hashlib.sha256(blob).hexdigest()))
    with pytest.raises(StoreError, match="state-1.npz: not a readable .npz"):
        run.load_checkpoint()
