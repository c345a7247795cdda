"""Hand-written programs learn: the language can express SGD, logistic regression and backprop."""

from __future__ import annotations

import pytest

from zero.interpreter import differential
from zero.interpreter.evaluator import evaluate
from zero.lang import ops
from zero.lang import space as spaces
from zero.lang.handwritten import (HANDWRITTEN, linear_regression, linear_regression_with_intercept, logistic_regression,
                                  neural_net, sin_cos_regression)
from zero.tasks import TaskSpec, make_tasks


def test_sgd_linear_regression_solves_the_demo_tasks():
    tasks = make_tasks(TaskSpec("linear", 4, 100, 100), 10, 0)  # the reference demo's search tasks
    assert evaluate(linear_regression(), tasks).fitness > 0.999


def test_sgd_linear_regression_solves_wider_tasks_with_more_data():
    tasks = make_tasks(TaskSpec("linear", 16, 1000, 100), 10, 1, held_out=True)
    assert evaluate(linear_regression(0.05), tasks).fitness > 0.9999


def test_logistic_regression_classifies_projected_digits():
    tasks = make_tasks(TaskSpec("digits_binary", 16, 200, 50, num_test=50), 10, 0, held_out=True)
    accuracy = evaluate(logistic_regression(), tasks).fitness
    majority = max(tasks.y_valid.mean(), 1 - tasks.y_valid.mean())
    assert accuracy > 0.95 > majority


def test_backprop_network_beats_linear_regression_on_teacher_networks():
    tasks = make_tasks(TaskSpec("teacher_nn", 4, 1000, 100, epochs=3), 10, 0)
    nn = evaluate(neural_net(), tasks).fitness
    linear = evaluate(linear_regression(0.01), tasks).fitness
    assert nn > 0.8
    assert nn > linear + 0.3


def test_the_intercept_fits_the_mean_a_line_through_the_origin_misses():
    """A ReLU teacher's outputs have a nonzero mean; on linear tasks (mean 0) the intercept costs nothing."""
    teachers = make_tasks(TaskSpec("teacher_nn", 4, 1000, 100), 10, 0)
    with_b = evaluate(linear_regression_with_intercept(0.01), teachers).fitness
    without = evaluate(linear_regression(0.01), teachers).fitness
    assert with_b > without + 0.03
    lines = make_tasks(TaskSpec("linear", 4, 100, 100), 10, 0)
    assert evaluate(linear_regression_with_intercept(), lines).fitness > 0.999


def test_linear_regression_with_intercept_uses_only_the_ops_of_the_baseline_space():
    space = spaces.load("baseline")
    program = linear_regression_with_intercept(memory=space.memory)
    for allowed, body in zip(space.components(), program.components()):
        assert {ins.op for ins in body} <= set(allowed.ops), [ops.OPS[i.op].name for i in body]


def test_the_network_uses_only_the_ops_of_the_papers_backprop_space():
    space = spaces.load("paper_nn")
    program = neural_net()
    assert program.memory == space.memory
    for allowed, body in zip(space.components(), program.components()):
        assert {ins.op for ins in body} <= set(allowed.ops), [ops.OPS[i.op].name for i in body]


def test_sin_cos_regression_fits_a_new_sine_from_ten_shots():
    tasks = make_tasks(TaskSpec("sinusoid", 1, 10, 100, epochs=5), 20, 0, held_out=True)  # sinusoid's protocol
    fitted = evaluate(sin_cos_regression(), tasks).fitness
    silent = evaluate(sin_cos_regression(0.0), tasks).fitness  # weights stay 0: predicts 0
    assert fitted > 0.999
    assert silent < 0.5


def test_sin_cos_regression_uses_only_the_ops_of_the_paper_full_space():
    space = spaces.load("paper_full")
    program = sin_cos_regression(memory=space.memory)
    for allowed, body in zip(space.components(), program.components()):
        assert {ins.op for ins in body} <= set(allowed.ops), [ops.OPS[i.op].name for i in body]


@pytest.mark.parametrize("name", sorted(HANDWRITTEN))
def test_handwritten_programs_agree_with_the_oracle(name):
    tasks = make_tasks(TaskSpec("linear", 4, 30, 10, epochs=2), 3, 0)
    problem, _ = differential.compare(HANDWRITTEN[name](), tasks)
    assert problem is None
