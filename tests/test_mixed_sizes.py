"""Experiments over tasks of several feature sizes at once (``feature_size: [2, 8, 32]``): how the
tasks are split and seeded, how every scorer runs each group with its own F, and the clear errors
where one size is needed. The compiled search loop is checked against its oracle on mixed sizes in
``tests/test_evolution_oracle.py``."""

from __future__ import annotations

import numpy as np
import pytest

from configs import SMALL, derived
from zero.errors import ConfigError
from zero.interpreter.evaluator import evaluate
from zero.lang.handwritten import HANDWRITTEN
from zero.search.driver import run
from zero.store import RunDir
from zero.tasks import MixedTaskSet, TaskSpec, groups_of, make_mixed_tasks, make_tasks, split_evenly

SPEC = TaskSpec("linear", 4, 20, 10)
# the sizes of experiments/linear_mixed_sizes.yaml: runs here use them too, so that the search loop
# compiled for that tuple (a minute on a cold cache) is compiled once for the whole test session
SHIPPED_SIZES = [2, 4, 8, 16, 32]


def small_mixed(individuals: int):
    """The small test search (configs.SMALL) over the shipped sizes, one search task each."""
    search = {**SMALL["search"], "num_tasks": len(SHIPPED_SIZES)}
    return derived(**{**SMALL, "search": search}, feature_size=SHIPPED_SIZES,
                   stop={"select_fitness": None, "max_individuals": individuals})


def test_tasks_split_into_one_group_per_size_in_phase_order():
    tasks = make_mixed_tasks(SPEC, [2, 8, 32], 7, seed=5)
    assert isinstance(tasks, MixedTaskSet)
    assert tasks.feature_sizes == (2, 8, 32) and [g.num_tasks for g in tasks.groups] == [3, 2, 2] == split_evenly(7, 3)
    assert tasks.num_tasks == 7 and len(tasks.descriptions) == 7 and tasks.descriptions[3].startswith("F=8: ")
    # task t of the phase is drawn from its own stream: group 1 starts at phase task 3
    alone = make_tasks(TaskSpec("linear", 8, 20, 10), 5, seed=5)
    assert np.array_equal(tasks.groups[1].x_train, alone.x_train[3:5])
    assert np.array_equal(tasks.groups[1].rng_seeds, alone.rng_seeds[3:5])


def test_one_size_is_a_plain_task_set():
    one = make_mixed_tasks(SPEC, [4], 3, seed=5)
    plain = make_tasks(SPEC, 3, seed=5)
    assert not isinstance(one, MixedTaskSet) and np.array_equal(one.x_train, plain.x_train)
    assert groups_of(one) == (one,)


def test_subset_keeps_phase_order_and_groups():
    tasks = make_mixed_tasks(SPEC, [2, 8], 4, seed=1)
    head = tasks.subset(range(2))
    assert not isinstance(head, MixedTaskSet) and head.feature_size == 2 and head.num_tasks == 2
    middle = tasks.subset([1, 2, 3])
    assert isinstance(middle, MixedTaskSet) and middle.feature_sizes == (2, 8)
    assert np.array_equal(middle.groups[1].x_train, tasks.groups[1].x_train)
    with pytest.raises(IndexError):
        tasks.subset([4])


def test_a_mixed_evaluation_is_each_group_run_at_its_size():
    tasks = make_mixed_tasks(SPEC, [2, 5, 16], 6, seed=2)
    program = HANDWRITTEN["linear"]()
    whole = evaluate(program, tasks, trace=True)
    parts = [evaluate(program, g, trace=True) for g in tasks.groups]
    assert np.array_equal(whole.per_task, np.concatenate([p.per_task for p in parts]))
    assert np.array_equal(whole.traces, np.concatenate([p.traces for p in parts]), equal_nan=True)
    assert whole.fitness == pytest.approx(np.mean(whole.per_task), abs=1e-15)
    # a compute limit per size: the same program, limited at one size only, scores 0 there alone
    limited = evaluate(program, tasks, max_work={16: 0.5})
    assert np.array_equal(limited.per_task[:4], whole.per_task[:4]) and not limited.per_task[4:].any()


def test_experiment_keys_are_checked():
    exp = derived(feature_size=[2, 8], search={"num_tasks": 2})
    assert exp.feature_sizes == (2, 8) and isinstance(exp.tasks("search"), MixedTaskSet)
    assert exp.tasks("select").num_tasks == exp.config["select"]["num_tasks"]
    for bad, key in (([2, 2], "feature_size"), ([], "feature_size"), ([2, 0], "feature_size"), ([2, "8"], "feature_size"),
                     ([2, 4, 8], "search.num_tasks")):  # fmt: skip
        with pytest.raises(ConfigError) as e:
            derived(feature_size=bad, search={"num_tasks": 2})
        assert e.value.key == key
    with pytest.raises(ConfigError, match="mixes several"):
        exp.feature_size


def test_a_mixed_run_is_reproducible_and_its_champion_replays(tmp_path):
    exp = small_mixed(2000)
    first, second = run(exp, tmp_path / "a"), run(exp, tmp_path / "b")
    a, b = RunDir(tmp_path / "a").read_final(), RunDir(tmp_path / "b").read_final()
    same = ("program", "individuals", "search_fitness", "select_fitness")
    assert all(a["champion"][k] == b["champion"][k] for k in same) and a["final_fitness"] == b["final_fitness"]
    assert first.individuals == second.individuals == 2000
    from zero.champion.loader import load
    from zero.champion.replay import replay

    rows = replay(load(tmp_path / "a"))
    assert {r.label for r in rows} >= {"search", "select", "final"} and all(r.matches for r in rows)
    assert all(r.feature_size == SHIPPED_SIZES for r in rows)
    wide = replay(load(tmp_path / "a"), tasks="final", feature_sizes=[32])  # one size, unseen width
    assert len(wide) == 1 and wide[0].feature_size == 32 and wide[0].recorded is None



@pytest.mark.parametrize("name", ["maml", "reptile", "nas_random"])
def test_net_baselines_need_one_feature_size(name):
    from zero.baselines import load_all

    exp = derived(feature_size=[2, 8], search={"num_tasks": 2})
    with pytest.raises(ConfigError, match="mixes several") as e:
        load_all()[name]().run(exp, device="cpu", budget="ci")
    assert e.value.key == "feature_size"


def test_hand_written_baselines_run_on_mixed_sizes():
    from zero.baselines import load_all

    exp = derived(**SMALL, feature_size=[2, 8])
    result = load_all()["linear"]().run(exp, device="cpu", budget="ci")
    assert len(result.per_task) == exp.config["final"]["num_tasks"] and min(result.per_task) > 0.99


def test_export_of_a_mixed_run_asks_for_one_size(tmp_path, capsys):
    from zero.cli import main

    exp = small_mixed(300)
    run(exp, tmp_path / "run")
    assert main(["export", str(tmp_path / "run")]) != 0
    assert "mixes feature sizes [2, 4, 8, 16, 32]; pass --feature-size F" in capsys.readouterr().err
    assert main(["export", str(tmp_path / "run"), "--feature-size", "8"]) == 0
