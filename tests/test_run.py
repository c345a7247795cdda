"""Search runs end to end (zero.search.driver, `zero run`): the run directory, seeded determinism, resume
equivalence, Ctrl-C, and a CI-sized search that beats a trivial baseline."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import configs
import numpy as np
import pytest

from zero.cli import main
from zero.interpreter.evaluator import evaluate
from zero.lang.generator import noop_program
from zero.lang.program import Program
from zero.search.driver import STOP_INDIVIDUALS, STOP_INTERRUPTED, STOP_SOLVED, run
from zero.search.experiment import Experiment, load
from zero.store import RunDir


def small(**overrides) -> Experiment:
    return configs.small(**{"restart_every": 4000, **overrides})


def _without_timing(records: list[dict]) -> list[dict]:
    return [{k: v for k, v in r.items() if k not in ("seconds", "individuals_per_second")} for r in records]


def _final(path: Path) -> dict:
    final = RunDir(path).read_final()
    return {k: v for k, v in final.items() if k not in ("seconds", "individuals_per_second", "champion", "islands")} | {
        "program": final["champion"]["program"] if final["champion"] else None,
        "islands": [{k: v for k, v in i.items() if k != "busy_seconds"} for i in final["islands"]],  # timing
    }


def test_run_directory_holds_config_progress_champions_checkpoint_final(tmp_path):
    outcome = run(small(stop={"max_individuals": 5000}), tmp_path / "r")
    store = RunDir(tmp_path / "r")
    assert outcome.stopped == STOP_INDIVIDUALS and outcome.individuals == 5000
    config = store.read_config()
    assert Experiment.from_dict(config, "config.yaml").config == small(stop={"max_individuals": 5000}).config
    progress = store.read_progress()
    assert [r["individuals"] for r in progress] == [1000, 2000, 3000, 4000, 5000]
    for key in ("seconds", "individuals_per_second", "best_fitness", "mean_fitness", "fec_hit_rate"):
        assert key in progress[-1]
    champions = store.read_champions()
    assert champions and all(c["individuals"] % 1000 == 0 for c in champions)
    assert store.load_checkpoint() is not None
    final = store.read_final()
    assert final["individuals"] == 5000 and final["stopped"] == STOP_INDIVIDUALS
    champion = Program.from_dict(final["champion"]["program"])
    # the recorded fitness is reproduced by re-evaluating the champion on the same tasks
    exp = small()
    assert evaluate(champion, exp.tasks("select")).fitness == final["select_fitness"]
    assert evaluate(champion, exp.tasks("final")).fitness == final["final_fitness"]


def test_same_seed_same_champion_different_seed_different_run(tmp_path):
    exp = small(stop={"max_individuals": 6000})
    run(exp, tmp_path / "a")
    run(exp, tmp_path / "b")
    run(exp.with_overrides(seed=1), tmp_path / "c")
    assert _final(tmp_path / "a") == _final(tmp_path / "b")
    assert _without_timing(RunDir(tmp_path / "a").read_champions()) == _without_timing(RunDir(tmp_path / "b").read_champions())
    assert _final(tmp_path / "a")["program"] != _final(tmp_path / "c")["program"]


@pytest.mark.parametrize("half", [5000, 5500])  # on a batch boundary, and inside a batch
def test_resume_equals_an_uninterrupted_run(tmp_path, half):
    hurdles = {"enabled": True, "num_tasks": 1, "percentile": 75.0}
    whole = small(hurdles=hurdles, stop={"max_individuals": 2 * half})
    run(whole, tmp_path / "whole")
    run(whole.with_overrides(**{"stop.max_individuals": half}), tmp_path / "split")
    resumed = Experiment.of_run(tmp_path / "split").with_overrides(**{"stop.max_individuals": 2 * half})
    run(resumed, tmp_path / "split", resume=True)
    assert _final(tmp_path / "whole") == _final(tmp_path / "split")
    a, b = RunDir(tmp_path / "whole"), RunDir(tmp_path / "split")
    assert _without_timing(a.read_champions()) == _without_timing(b.read_champions())
    split_counts = [r["individuals"] for r in b.read_progress()]
    assert split_counts == sorted(set(split_counts))  # nothing repeated after the resume
    assert set(split_counts) | {half} == {r["individuals"] for r in a.read_progress()} | {half}  # + the stop's line
    (parts_a, _), (parts_b, _) = a.load_checkpoint(), b.load_checkpoint()
    assert parts_a.keys() == parts_b.keys() == {"island0", "migrants"}
    for name, arrays in parts_a.items():
        assert arrays.keys() == parts_b[name].keys()
        assert all(arrays[k].tobytes() == parts_b[name][k].tobytes() for k in arrays), name


def test_ci_sized_search_beats_the_trivial_baseline(tmp_path):
    """Short searches (linear regression at F=2, P=300, restarts every 100k) find programs that
    predict far better than the no-op program (which predicts 0) on the unseen final tasks: at
    least 2 of 4 seeds within 400k individuals (measured: 3 of 4, a few seconds each)."""
    beat = []
    for seed in range(4):
        exp = small(seed=seed, feature_size=2, population=300, restart_every=100_000, stop={"max_individuals": 400_000})
        outcome = run(exp, tmp_path / f"seed{seed}")
        trivial = evaluate(noop_program(exp.space), exp.tasks("final")).fitness
        beat.append(outcome.final_fitness > trivial + 0.2)
    assert sum(beat) >= 2, beat


def test_solved_stops_the_run(tmp_path):
    """Started from hand-written SGD linear regression, the first candidate is already good
    enough, so the run stops as solved at the first batch boundary."""
    outcome = run(small(initial="linear", stop={"select_fitness": 0.9}), tmp_path / "r")
    assert outcome.stopped == STOP_SOLVED and outcome.individuals == 1000
    assert outcome.champion.select_fitness > 0.9


def test_cli_run_and_its_errors(tmp_path, capsys):
    out = tmp_path / "cli"
    exp_file = tmp_path / "exp.yaml"
    exp_file.write_text(json.dumps(small().to_dict()))  # JSON is YAML
    assert main(["run", str(exp_file), "--out", str(out), "--max-individuals", "2000", "--json", "--seed", "7"]) == 0
    result = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert result["individuals"] == 2000 and result["stopped"] == STOP_INDIVIDUALS
    assert RunDir(out).read_config()["seed"] == 7
    assert main(["run", str(exp_file), "--out", str(out)]) == 2
    assert "--resume" in capsys.readouterr().err
    assert main(["run", "--resume"]) == 2
    assert "--out" in capsys.readouterr().err
    assert main(["run", "no_such_experiment", "--out", str(tmp_path / "x")]) == 2
    assert "no such experiment" in capsys.readouterr().err
    assert main(["run", "--resume", "--out", str(out), "--max-individuals", "3000", "--json"]) == 0
    assert json.loads(capsys.readouterr().out.strip().splitlines()[-1])["individuals"] == 3000
    assert RunDir(out).read_config()["stop"]["max_individuals"] == 3000


def test_ctrl_c_checkpoints_and_resume_continues(tmp_path):
    exp_file = tmp_path / "exp.yaml"
    exp_file.write_text(json.dumps(small(restart_every=0, stop={"max_individuals": 10**9}).to_dict()))
    out = tmp_path / "run"
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen([sys.executable, "-m", "zero.cli", "run", str(exp_file), "--out", str(out), "--quiet"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)  # fmt: skip
    progress = out / "progress.jsonl"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and not (progress.exists() and progress.read_text().count("\n") >= 3):
        time.sleep(0.1)
    proc.send_signal(signal.SIGINT)
    stdout, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 130, stderr
    assert "Traceback" not in stderr
    final = RunDir(out).read_final()
    assert final["stopped"] == STOP_INTERRUPTED
    stopped_at = final["individuals"]
    parts, meta = RunDir(out).load_checkpoint()
    assert int(parts["island0"]["state.counters"][0]) == stopped_at
    assert main(["run", "--resume", "--out", str(out), "--max-individuals", str(stopped_at + 2000), "--quiet"]) == 0
    assert RunDir(out).read_final()["individuals"] == stopped_at + 2000
    individuals = [r["individuals"] for r in RunDir(out).read_progress()]
    assert individuals == sorted(set(individuals))  # nothing lost, nothing repeated


def test_experiment_errors_name_file_key_and_value(tmp_path):
    from zero.errors import ConfigError

    cases = {
        "populaton: 10\n": "populaton",
        "population: 1\n": "population",
        "mutations: {alter_parm: 1}\n": "mutations",
        "search: {num_taks: 3}\n": "search.num_taks",
        "fec: {enabled: yes please}\n": "fec.enabled",
        "search_space: nope\n": "search_space",
        "family: nope\n": "family",
        "initial: neural_net\n": "initial",  # the demo space's memory cannot hold the network
        "stop: {select_fitness: high}\n": "stop.select_fitness",
    }
    for text, key in cases.items():
        path = tmp_path / "bad.yaml"
        path.write_text(text)
        with pytest.raises(ConfigError) as err:
            Experiment.load(path)
        assert str(path) in str(err.value) and key in str(err.value), (text, str(err.value))


@pytest.mark.parametrize("name", sorted(p.stem for p in Path(__file__).parent.parent.joinpath("experiments").glob("*.yaml")))
def test_shipped_experiments_load_and_build_their_tasks(name):
    exp = load(name)
    assert exp.to_dict() == Experiment.from_dict(exp.to_dict(), "again").to_dict()
    for phase in ("search", "select", "final"):
        tasks = exp.tasks(phase)
        assert tasks.num_tasks == exp.config[phase]["num_tasks"]
    exp.initial_program()
    assert np.isfinite(evaluate(exp.initial_program(), exp.tasks("search")).fitness)


def test_resuming_a_finished_run_does_not_run_more(tmp_path):
    exp = small(stop={"max_individuals": 2000})
    run(exp, tmp_path / "r")
    outcome = run(Experiment.of_run(tmp_path / "r"), tmp_path / "r", resume=True)
    assert outcome.individuals == 2000 and outcome.stopped == STOP_INDIVIDUALS
    assert [r["individuals"] for r in RunDir(tmp_path / "r").read_progress()] == [1000, 2000]


def test_resume_refuses_another_seed_and_a_corrupt_checkpoint_meta(tmp_path, capsys):
    exp_file = tmp_path / "exp.yaml"
    exp_file.write_text(json.dumps(small().to_dict()))
    out = tmp_path / "r"
    assert main(["run", str(exp_file), "--out", str(out), "--max-individuals", "1000", "--quiet"]) == 0
    assert main(["run", "--resume", "--out", str(out), "--seed", "5"]) == 2
    assert "seed" in capsys.readouterr().err
    manifest = out / "checkpoint" / "latest.json"
    data = json.loads(manifest.read_text())
    del data["meta"]["seconds"]
    manifest.write_text(json.dumps(data))
    assert main(["run", "--resume", "--out", str(out), "--max-individuals", "2000", "--quiet"]) == 2
    err = capsys.readouterr().err
    assert "checkpoint" in err and "seconds" in err and "Traceback" not in err


def test_a_run_with_its_own_space_file_resumes_from_anywhere(tmp_path, monkeypatch):
    folder = tmp_path / "project"
    folder.mkdir()
    (folder / "space.yaml").write_text((Path(__file__).parent.parent / "search_spaces" / "demo.yaml").read_text())
    data = small().to_dict() | {"search_space": "space.yaml"}
    (folder / "exp.yaml").write_text(json.dumps(data))
    monkeypatch.chdir(tmp_path)
    assert main(["run", str(folder / "exp.yaml"), "--out", "r", "--max-individuals", "1000", "--quiet"]) == 0
    monkeypatch.chdir(folder)
    assert main(["run", "--resume", "--out", str(tmp_path / "r"), "--max-individuals", "2000", "--quiet"]) == 0


@pytest.mark.parametrize("key,value,where", [
    ("stop", {"max_seconds": -1.0}, "stop.max_seconds"),
    ("stop", {"select_fitness": float("nan")}, "stop.select_fitness"),
    ("restart_every", 50, "restart_every"),
    ("hurdles", {"enabled": True, "num_tasks": 4}, "hurdles.num_tasks"),
])  # fmt: skip
def test_inconsistent_settings_are_refused(key, value, where):
    from zero.errors import ConfigError

    with pytest.raises(ConfigError) as err:
        small(**{key: value})
    assert where in str(err.value)
