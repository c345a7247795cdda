"""The compute limit (zero.lang.budget): what an op and a program cost per example, and that a
program over the limit scores 0 wherever fitness is computed while the hand-written net is left
alone (paper §3's train budget)."""

from __future__ import annotations

import pytest
from configs import derived, small

from zero.errors import ConfigError
from zero.lang import budget
from zero.lang.handwritten import linear_regression, neural_net
from zero.lang.ops import BY_NAME, work
from zero.lang.program import Program, parse
from zero.search.driver import run
from zero.store import RunDir


@pytest.mark.parametrize("name, cost", [
    ("no_op", 0), ("scalar_sum", 1), ("scalar_cos", 1), ("vector_sum", 5), ("vector_inner_product", 5),
    ("vector_norm", 5), ("matrix_sum", 25), ("matrix_vector_product", 25), ("vector_outer_product", 25),
    ("matrix_norm", 25), ("matrix_matrix_product", 125), ("scalar_const_set", 1), ("vector_gaussian_set", 5),
])  # fmt: skip
def test_an_op_costs_the_size_of_what_it_touches(name, cost):
    assert work(BY_NAME[name], 5) == cost


def _with_extra(program: Program, predict_lines: str, setup_lines: str = "") -> Program:
    """``program`` with instructions added at the start of setup and the end of predict."""
    text = program.render()
    text = text.replace("def setup():\n", "def setup():\n" + setup_lines, 1)
    text = text.replace("def learn():\n", predict_lines + "def learn():\n", 1)
    return parse(text, program.memory)


def test_work_counts_live_predict_and_learn_only():
    net = neural_net()
    assert budget.per_example_work(net, 4) == (16 + 4 + 4) + (1 + 1 + 1 + 4 + 4 + 4 + 16 + 16 + 1 + 4 + 4)  # predict + learn, by hand
    assert budget.per_example_work(linear_regression(), 4) == 14
    dead = _with_extra(net, "  m1 = matmul(m0, m0)\n", setup_lines="  m1 = matmul(m0, m0)\n")
    assert budget.per_example_work(dead, 4) == 80  # dead in predict (m1 is rewritten in learn), setup free
    live = _with_extra(net, "  m1 = matmul(m0, m0)\n  v5 = dot(m1, v0)\n  s1 = dot(v5, v1)\n")
    assert budget.per_example_work(live, 4) == 80 + 64 + 16 + 4 - 4  # the net's own s1 = dot(v3, v1) is now dead
    assert budget.work_limit(None, 4) == budget.NO_LIMIT
    assert budget.work_limit(2, 16) == 2 * budget.per_example_work(net, 16)


def test_the_limit_zeroes_an_over_budget_program_and_leaves_the_net_alone():
    free = derived("nonlinear", search={"num_tasks": 3, "num_train": 200, "num_valid": 50})
    limited = free.with_overrides(compute_limit=1.5)
    tasks = free.tasks("search")
    net = neural_net()
    assert limited.evaluate(net, tasks).fitness == free.evaluate(net, tasks).fitness > 0.3
    heavy = _with_extra(net, "  m1 = matmul(m0, m0)\n  m1 = matmul(m1, m0)\n  v5 = dot(m1, v0)\n  s1 = dot(v5, v1)\n")
    assert budget.per_example_work(heavy, 4) > limited.max_work(4)
    assert free.evaluate(heavy, tasks).fitness > 0
    zeroed = limited.evaluate(heavy, tasks)
    assert zeroed.fitness == 0.0 and not zeroed.per_task.any()


@pytest.mark.parametrize("value", [0, -1, float("inf"), "two", True])
def test_a_bad_compute_limit_names_the_key(value):
    with pytest.raises(ConfigError, match="compute_limit") as info:
        derived(compute_limit=value)
    assert repr(value) in str(info.value) or str(value) in str(info.value)


@pytest.mark.parametrize("limit", [None, 0.2])
def test_a_run_with_and_without_the_limit_is_valid(tmp_path, limit):
    outcome = run(small(compute_limit=limit, stop={"max_individuals": 3000}), tmp_path / "r")
    assert outcome.individuals == 3000 and outcome.champion is not None
    experiment = small(compute_limit=limit)
    champion = outcome.champion.program
    if limit is not None:
        assert budget.per_example_work(champion, 4) <= experiment.max_work(4)
    assert RunDir(tmp_path / "r").read_final()["final_fitness"] == experiment.evaluate(champion, experiment.tasks("final")).fitness
