"""`zero inspect`, `zero replay`, `zero export` on a real (short) run: replay reproduces the recorded
fitness exactly, inspect shows simplified code and the run's figures, export writes a module that
predicts what the interpreter predicts; corrupt or foreign files give a clear error."""

from __future__ import annotations

import importlib.util
import json
import shutil

import numpy as np
import pytest
from configs import small

from zero.cli import main
from zero.interpreter.evaluator import evaluate
from zero.lang.program import Program
from zero.search.driver import run
from zero.search.experiment import load


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    path = tmp_path_factory.mktemp("runs") / "lr"
    run(small(stop={"max_individuals": 6000}), path)
    return path


def _json_out(capsys):
    return json.loads(capsys.readouterr().out)


def test_replay_reproduces_every_recorded_fitness_exactly(run_dir, capsys):
    assert main(["replay", str(run_dir), "--json"]) == 0
    results = _json_out(capsys)
    assert [r["tasks"] for r in results] == ["search", "select", "final"]
    final = json.loads((run_dir / "final.json").read_text())
    for r in results:
        assert r["matches"] is True and r["fitness"] == final[f"{r['tasks']}_fitness"]


def test_replay_notices_a_recorded_figure_it_cannot_reproduce(run_dir, tmp_path, capsys):
    copy = tmp_path / "copy"
    shutil.copytree(run_dir, copy)
    final = json.loads((copy / "final.json").read_text())
    final["select_fitness"] -= 1e-12
    (copy / "final.json").write_text(json.dumps(final))
    assert main(["replay", str(copy)]) == 1
    assert "NO" in capsys.readouterr().out


def test_replay_on_new_tasks_and_other_experiments(run_dir, capsys):
    assert main(["replay", str(run_dir), "--tasks", "final", "--num-tasks", "7", "--seed", "99", "--json", "--per-task"]) == 0
    (result,) = _json_out(capsys)
    assert result["recorded"] is None and result["num_tasks"] == 7 and len(result["per_task"]) == 7
    assert main(["replay", str(run_dir), "--tasks", "nonlinear", "--num-tasks", "3", "--json"]) == 0
    (result,) = _json_out(capsys)
    assert result["family"] == "teacher_nn" and result["matches"] is None


def test_replay_across_feature_sizes(run_dir, capsys):
    """One row per feature size, on the final tasks' family and sizes; the recorded size is the
    recorded figure again (reproduced exactly), the others are new tasks scored like any task."""
    assert main(["replay", str(run_dir), "--tasks", "final", "--feature-sizes", "2,4,16", "--json"]) == 0
    rows = _json_out(capsys)
    assert [r["feature_size"] for r in rows] == [2, 4, 16]
    recorded = json.loads((run_dir / "final.json").read_text())["final_fitness"]
    assert rows[1]["matches"] is True and rows[1]["fitness"] == recorded
    assert rows[0]["recorded"] is None and rows[2]["recorded"] is None and "F=16" in rows[2]["tasks"]
    champion = Program.from_dict(json.loads((run_dir / "final.json").read_text())["champion"]["program"], "final.json")
    wide = small().with_overrides(feature_size=16)
    assert rows[2]["fitness"] == wide.evaluate(champion, wide.tasks("final")).fitness
    assert main(["replay", str(run_dir), "--feature-sizes", "0"]) == 2


def test_replay_of_a_bare_champion_file_needs_tasks(run_dir, tmp_path, capsys):
    program = Program.from_dict(json.loads((run_dir / "final.json").read_text())["champion"]["program"])
    path = tmp_path / "champion.json"
    program.save(path)
    assert main(["replay", str(path)]) == 2
    assert "--tasks" in capsys.readouterr().err
    assert main(["replay", str(path), "--tasks", "linear_regression", "--num-tasks", "5", "--json"]) == 0
    (result,) = _json_out(capsys)
    exp = load("linear_regression").with_overrides(**{"final.num_tasks": 5})
    assert result["fitness"] == evaluate(program, exp.tasks("final")).fitness


def test_inspect_shows_simplified_code_figures_lineage_and_plot(run_dir, tmp_path, capsys):
    plot = tmp_path / "curve.png"
    assert main(["inspect", str(run_dir), "--json", "--plot", str(plot)]) == 0
    data = _json_out(capsys)
    assert 0 < data["instructions"]["simplified"] <= data["instructions"]["raw"] == 20  # demo: 10/2/8
    assert data["code"].count("\n  ") == data["instructions"]["simplified"]
    final = json.loads((run_dir / "final.json").read_text())
    assert data["fitness"] == {p: final[f"{p}_fitness"] for p in ("search", "select", "final")}
    assert data["run"]["individuals"] == 6000 and 0 < data["run"]["fec_hit_rate"] < 1 and data["run"]["workers"] == 1
    assert data["lineage"] and data["lineage"][0]["individuals"] == 1000
    assert plot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert main(["inspect", str(run_dir), "--raw", "--lineage"]) == 0
    text = capsys.readouterr().out
    assert "def learn():" in text and "Lineage" in text and "6,000 individuals" in text


def test_inspect_accepts_a_final_json_moved_out_of_its_run(run_dir, tmp_path, capsys):
    path = tmp_path / "final.json"
    shutil.copy(run_dir / "final.json", path)
    assert main(["inspect", str(path), "--json"]) == 0
    data = _json_out(capsys)
    assert data["experiment"] is None and data["fitness"]["final"] is not None


@pytest.mark.parametrize("content,problem", [
    ("not json at all", "not a champion or program JSON"),
    ("[1, 2, 3]", "expected an object"),
    ('{"foo": 1}', "neither a program"),
    ('{"format": "zero.program", "version": 99}', "version"),
    ('{"champion": 5}', "not a champion record"),
])  # fmt: skip
def test_corrupt_or_foreign_files_give_a_clear_error(tmp_path, capsys, content, problem):
    path = tmp_path / "thing.json"
    path.write_text(content)
    for command in ("inspect", "replay", "export"):
        assert main([command, str(path)]) == 2
        err = capsys.readouterr().err
        assert str(path) in err and problem in err and "Traceback" not in err, err


def test_not_a_run_directory(tmp_path, capsys):
    assert main(["inspect", str(tmp_path)]) == 2
    assert "not a run directory" in capsys.readouterr().err
    assert main(["replay", str(tmp_path / "missing")]) == 2
    assert "no such run directory" in capsys.readouterr().err


def test_exported_numpy_module_predicts_what_the_interpreter_predicts(run_dir, tmp_path, capsys):
    out = tmp_path / "champion_module.py"
    assert main(["export", str(run_dir), "--format", "numpy", "-o", str(out)]) == 0
    assert "import zero" not in out.read_text() and "from zero" not in out.read_text()
    spec = importlib.util.spec_from_file_location("champion_module", out)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    tasks = small().tasks("final")
    program = Program.from_dict(json.loads((run_dir / "final.json").read_text())["champion"]["program"])
    traces = evaluate(program, tasks, trace=True).traces
    n_train = tasks.num_train
    for t in range(3):
        algorithm = module.Algorithm(seed=int(tasks.rng_seeds[t]))
        algorithm.setup()
        predictions = []
        for x, y in zip(tasks.x_train[t], tasks.y_train[t]):
            predictions.append(algorithm.predict(x))
            algorithm.learn(x, y)
        predictions += [algorithm.predict(x) for x in tasks.x_valid[t]]
        expected = traces[t, : n_train + tasks.num_valid]
        assert np.array_equal(np.array(predictions), expected, equal_nan=True)
