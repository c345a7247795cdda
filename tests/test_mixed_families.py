"""A phase whose tasks come from several families (``search: {family: [linear, teacher_nn]}``): how
the tasks are split and seeded, the checks at load, and a run that searches on the mix while the
select and final tasks stay the experiment's own family."""

from __future__ import annotations

import numpy as np
import pytest
from configs import SMALL, derived

from zero.baselines.base import final_tasks
from zero.errors import ConfigError
from zero.search.driver import run
from zero.store import RunDir
from zero.tasks import MixedTaskSet, TaskSpec, make_mixed_tasks, make_tasks

SPEC = TaskSpec("teacher_nn", 4, 20, 10)


def test_tasks_split_into_one_group_per_family_then_size():
    tasks = make_mixed_tasks(SPEC, [2, 4], 9, seed=3, families=["linear", "teacher_nn"])
    assert isinstance(tasks, MixedTaskSet)
    assert [(g.spec.family, g.feature_size, g.num_tasks) for g in tasks.groups] == [
        ("linear", 2, 3), ("linear", 4, 2), ("teacher_nn", 2, 2), ("teacher_nn", 4, 2)]
    # task t of the phase is task t of its family's own stream (the family is part of the seed)
    teachers = make_tasks(TaskSpec("teacher_nn", 2, 20, 10), 7, seed=3)
    assert np.array_equal(tasks.groups[2].x_train, teachers.x_train[5:7])
    linear = make_tasks(TaskSpec("linear", 2, 20, 10), 3, seed=3)
    assert np.array_equal(tasks.groups[0].y_train, linear.y_train)
    assert tasks.descriptions[0].startswith("F=2: linear") and tasks.descriptions[-1].startswith("F=4: teacher_nn")
    # one family named is the plain set of that family
    alone = make_mixed_tasks(SPEC, [4], 3, seed=3, families=["linear"])
    assert not isinstance(alone, MixedTaskSet) and alone.spec.family == "linear"


def mixed_experiment(**overrides):
    return derived(**{**SMALL, "family": "teacher_nn",
                      "search": {**SMALL["search"], "family": ["linear", "teacher_nn"]}, **overrides})


def test_only_the_phase_that_names_families_mixes_them():
    exp = mixed_experiment()
    assert exp.families("search") == ("linear", "teacher_nn") and exp.families("select") == ("teacher_nn",)
    search = exp.tasks("search")
    assert [g.spec.family for g in search.groups] == ["linear", "teacher_nn"]
    assert exp.tasks("final").spec.family == "teacher_nn"
    # what a baseline tunes on, and what compare matches results by, stay the experiment's family
    assert exp.task_spec("search").family == "teacher_nn"
    assert final_tasks(exp)["family"] == "teacher_nn"
    same = derived(**{**SMALL, "family": "teacher_nn"})
    assert final_tasks(same) == final_tasks(exp)


@pytest.mark.parametrize("family, key, problem", [
    (["linear", "nope"], "search.family", "unknown task family 'nope'"),
    (["linear", "linear"], "search.family", "must not repeat"),
    ([], "search.family", "non-empty list"),
    ([3], "search.family", "family name"),
    (["linear", "digits_binary"], "search.family", "'digits_binary' is classification"),
])
def test_bad_phase_families_name_the_key(family, key, problem):
    with pytest.raises(ConfigError, match=problem) as e:
        mixed_experiment(search={**SMALL["search"], "family": family})
    assert e.value.key == key and e.value.value == family


def test_every_group_needs_a_task():
    with pytest.raises(ConfigError, match="families x feature sizes") as e:
        mixed_experiment(search={**SMALL["search"], "family": ["linear", "teacher_nn"], "num_tasks": 3},
                         feature_size=[2, 4])
    assert e.value.key == "search.num_tasks"


def test_a_run_on_mixed_families_is_reproducible(tmp_path):
    exp = mixed_experiment(stop={"select_fitness": None, "max_individuals": 3000})
    run(exp, tmp_path / "a")
    run(exp, tmp_path / "b")
    a, b = RunDir(tmp_path / "a").read_final(), RunDir(tmp_path / "b").read_final()
    assert a["champion"]["program"] == b["champion"]["program"] and a["final_fitness"] == b["final_fitness"]
    # the champion's select fitness is its score on the teachers alone
    from zero.champion.loader import load

    found = load(tmp_path / "a")
    assert found.experiment.evaluate(found.program, exp.tasks("select")).fitness == pytest.approx(
        a["champion"]["select_fitness"], abs=1e-12)
