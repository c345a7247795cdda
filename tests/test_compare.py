"""`zero baseline` writes a result directory and `zero compare` reads it beside an evolved run's,
scoring both on the same final tasks."""

from __future__ import annotations

import json

import pytest
from configs import small

from zero.baselines.base import final_tasks
from zero.champion.compare import load_entry, notes, table
from zero.cli import main
from zero.search.driver import run
from zero.search.experiment import Experiment, load
from zero.stats import mean_and_interval


@pytest.fixture(scope="module")
def experiment_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("exp") / "small_linear.yaml"
    path.write_text(json.dumps(small(stop={"max_individuals": 3000}, final={"num_tasks": 12}).to_dict()))
    return path


def test_baseline_and_compare_on_the_same_tasks(experiment_file, tmp_path, capsys):
    evolved = tmp_path / "evolved"
    run(Experiment.load(experiment_file), evolved)
    hand = tmp_path / "hand"
    assert main(["baseline", "linear", str(experiment_file), "--out", str(hand), "--device", "cpu", "--budget", "ci"]) == 0
    record = json.loads((hand / "baseline.json").read_text())
    assert record["method"] == "linear" and len(record["per_task"]) == 12 and record["device"] == "cpu"
    capsys.readouterr()
    plot = tmp_path / "compare.png"
    assert main(["compare", str(evolved), str(hand), "--plot", str(plot)]) == 0
    out = capsys.readouterr().out
    assert "| linear (ci) |" in out and "evolved (evolved)" in out and "different tasks" not in out
    assert plot.read_bytes()[:4] == b"\x89PNG"
    entry = load_entry(evolved)
    final = json.loads((evolved / "final.json").read_text())["final_fitness"]
    assert entry.mean == pytest.approx(final, abs=1e-12)  # the per-task figures re-derive the recorded mean
    assert load_entry(hand).mean > 0.99 > entry.mean  # SGD linear regression solves these tasks


def test_compare_flags_entries_on_different_tasks(experiment_file, tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    for path, tasks in ((a, 12), (b, 5)):
        exp = Experiment.load(experiment_file).with_overrides(**{"final.num_tasks": tasks})
        run(exp, path)
    text = table([load_entry(a), load_entry(b)])
    assert text.count("different tasks") == 1


def test_paired_differences_are_per_task_and_say_which_entries_differ(experiment_file, tmp_path, capsys):
    """--against: each entry's per-task difference from one entry, with its interval; an entry on
    the same examples with other epochs is paired and labelled, one on other tasks is not paired."""
    evolved, hand, other, passes = tmp_path / "evolved", tmp_path / "hand", tmp_path / "other", tmp_path / "passes"
    exp = Experiment.load(experiment_file)
    run(exp, evolved)
    run(exp.with_overrides(**{"final.num_tasks": 5}), other)
    run(exp.with_overrides(**{"final.epochs": 3}), passes)
    assert main(["baseline", "linear", str(experiment_file), "--out", str(hand), "--device", "cpu", "--budget", "ci"]) == 0
    capsys.readouterr()
    assert main(["compare", str(evolved), str(hand), str(other), str(passes), "--against", str(hand)]) == 0
    out = capsys.readouterr().out
    a, b = load_entry(evolved), load_entry(hand)
    mean, half = mean_and_interval(a.per_task - b.per_task)
    assert mean < -half  # hand-written SGD solves these tasks, a 3000-individual search does not
    assert f"- evolved (evolved): {mean:+.4f} ± {half:.4f} (below)" in out
    assert "- evolved (other): other final tasks, not paired" in out
    assert "(same examples, other epochs)" in out.split("Per-task difference")[1]
    assert "| evolved (passes) |" in out and "different tasks!" in out  # only `other` is flagged as other tasks
    assert out.count("different tasks!") == 1
    assert main(["compare", str(evolved), "--against", str(hand)]) == 2
    assert "not one of the compared directories" in capsys.readouterr().err


def test_baseline_errors(tmp_path, capsys):
    assert main(["baseline", "no_such_method", "linear_regression"]) == 2
    assert "unknown baseline" in capsys.readouterr().err
    assert main(["baseline", "list"]) == 0
    names = capsys.readouterr().out.split()
    assert {"maml", "fomaml", "reptile", "nas_evolution", "nas_random", "linear", "logistic", "neural_net"} <= set(names)
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "baseline.json").write_text('{"format": "something else"}')
    assert main(["compare", str(bad)]) == 2
    assert "not a valid baseline result" in capsys.readouterr().err


def test_compare_prints_the_published_protocol_figures_apart_from_the_ranking(tmp_path, capsys):
    """A baseline that reports the published sinusoid protocol (literature_* metrics) gets a line
    under the table with both MSEs, each labelled with its protocol; the table itself is unchanged."""
    exp = load("sinusoid")
    metrics = {"mse_post": 0.3219, "mse_post_ci95": 0.0512, "literature_mse_post": 0.4123,
               "literature_mse_post_ci95": 0.0345, "literature_tasks": 600.0, "literature_query_points": 10.0}
    record = {"format": "zero.baseline", "version": 1, "method": "maml", "experiment": "sinusoid", "budget": "full",
              "per_task": [0.7, 0.8], "seconds": 1.0, "device": "cpu", "final_tasks": final_tasks(exp),
              "metrics": metrics, "settings": {"eval_steps": 1}}  # fmt: skip
    path = tmp_path / "maml"
    path.mkdir()
    (path / "baseline.json").write_text(json.dumps(record))
    plain = tmp_path / "linear"
    plain.mkdir()
    (plain / "baseline.json").write_text(json.dumps({**record, "method": "linear", "metrics": {}}))
    assert notes([load_entry(plain)]) == ""
    capsys.readouterr()
    assert main(["compare", str(path), str(plain)]) == 0
    out = capsys.readouterr().out
    assert "| maml (full) | 0.7500 |" in out and "| linear (full) | 0.7500 |" in out
    line = next(x for x in out.splitlines() if x.startswith("- maml (full) after 1 inner step:"))
    assert "0.322 ± 0.051 on 100 final tasks × 100 query points (zero's protocol)" in line
    assert "0.412 ± 0.035 on 600 held-out tasks × 10 query points (published protocol" in line
    assert not any(x.startswith("- linear") for x in out.splitlines())
