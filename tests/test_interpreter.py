"""The compiled interpreter against the NumPy oracle, and the evaluation semantics of the reference."""

from __future__ import annotations

import math
import os
import subprocess
import sys

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from zero.errors import ProgramError
from zero.interpreter import differential, oracle
from zero.interpreter import splitmix_kernels as compiled_rng
from zero.interpreter.evaluator import evaluate
from zero.lang import ops
from zero.lang.program import Instruction, Memory, Program, parse
from zero.tasks import TaskSpec, make_tasks

# 4 feature sizes x 2,500 programs = 10,000 random programs through both interpreters.
DIFFERENTIAL_PROGRAMS = 2500


@pytest.mark.parametrize("feature_size", [1, 2, 4, 16])
def test_compiled_interpreter_matches_oracle_bit_for_bit(feature_size):
    report = differential.run(DIFFERENTIAL_PROGRAMS, feature_size, seed=11)
    assert report.programs == DIFFERENTIAL_PROGRAMS
    assert not report.mismatches, "\n".join(problem for _, problem in report.mismatches[:3])
    # the sample must exercise every op, and both the broken-off (NaN/inf/bound) and the scoring paths
    assert report.ops_seen == set(range(ops.NUM_OPS))
    assert report.broke_off > 0.03 * report.programs
    assert report.positive > 0.5 * report.programs


def test_differential_with_numba_bounds_checking(tmp_path):
    """Same comparison in a fresh process compiled with NUMBA_BOUNDSCHECK=1: any out-of-bounds
    access in the kernels raises IndexError there instead of silently corrupting memory."""
    env = dict(os.environ, NUMBA_BOUNDSCHECK="1", ZERO_CACHE_DIR=str(tmp_path / "zero"), NUMBA_CACHE_DIR=str(tmp_path / "numba"))
    result = subprocess.run(
        [sys.executable, "-m", "zero.interpreter.differential", "--programs", "1500", "--feature-size", "4", "--seed", "3"],
        env=env, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1500 programs, F=4: 0 mismatches" in result.stdout
    # the flag really is on in those kernels: an address that skipped validation raises there
    probe = (
        "import numpy as np\n"
        "from zero.interpreter.compiler import compile_for\n"
        "code = np.array([[1, 0, 0, 9]], dtype=np.int32)  # scalar_sum into s9 of 4\n"
        "m = np.zeros((1, 4, 4))\n"
        "try:\n"
        "    compile_for(4).run_component(code, np.zeros((1, 3)), 0, 1, np.zeros(4), np.zeros((3, 4)), m,\n"
        "                                 m.reshape(1, 16), np.zeros(4), np.zeros((4, 4)), np.zeros(1, np.uint64))\n"
        "except IndexError:\n"
        "    print('bounds checked')\n"
    )
    result = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True, timeout=600)
    assert "bounds checked" in result.stdout, result.stdout + result.stderr


# ---- property: random raw instructions never crash anything ---------------------------------

_MEMORY = Memory(4, 3, 2)
_raw_instruction = st.builds(
    Instruction,
    op=st.integers(-2, ops.NUM_OPS + 1),
    in1=st.integers(-1, 4),
    in2=st.integers(-1, 4),
    out=st.integers(-1, 4),
    data=st.tuples(*[st.floats(allow_nan=True, allow_infinity=True, width=64)] * 3),
)
_PROPERTY_TASKS = make_tasks(TaskSpec("linear", 4, 8, 4, num_test=1, epochs=2), 2, 0)


@settings(max_examples=400, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_raw_instruction, max_size=6), st.lists(_raw_instruction, max_size=6), st.lists(_raw_instruction, max_size=6))
def test_random_instructions_are_rejected_or_evaluate_to_a_fitness(setup, predict, learn):
    try:
        program = Program(setup, predict, learn, memory=_MEMORY)
    except ProgramError:
        return  # an invalid address or value never reaches the interpreter
    result = evaluate(program, _PROPERTY_TASKS)
    assert 0.0 <= result.fitness <= 1.0
    assert np.all((result.per_task >= 0.0) & (result.per_task <= 1.0))


def test_extreme_but_valid_programs_score_minimum_instead_of_crashing():
    tasks = make_tasks(TaskSpec("linear", 4, 10, 10), 3, 0)
    for body in ["s1 = log(s2)", "s2 = 1e308\n  s1 = exp(s2)", "s1 = s2 / s3", "s2 = 1000.0\n  s1 = s2 * s2"]:
        program = parse(f"def setup():\ndef predict():\n  {body}\ndef learn():\n", Memory(4, 3, 1))
        assert evaluate(program, tasks).fitness == 0.0, body


# ---- evaluation semantics against hand computation ---------------------------------------------


def _constant_predictor(value: float) -> Program:
    return parse(f"def setup():\n  s2 = {value!r}\ndef predict():\n  s1 = s2 + s3\ndef learn():\n", Memory(4, 3, 1))


def test_regression_fitness_is_flip_and_squash_of_rmse():
    tasks = make_tasks(TaskSpec("linear", 4, 20, 30, epochs=3), 5, 1)
    result = evaluate(_constant_predictor(0.25), tasks)
    rmse = np.sqrt(np.mean((tasks.y_valid - 0.25) ** 2, axis=1))
    np.testing.assert_allclose(result.per_task, 1 - (2 / np.pi) * np.arctan(rmse), rtol=1e-12)
    assert result.fitness == pytest.approx(result.per_task.mean(), rel=1e-12)
    median = evaluate(_constant_predictor(0.25), tasks, combine_by="median")
    assert median.fitness == pytest.approx(np.median(result.per_task), rel=1e-12)


def test_classification_fitness_is_accuracy_of_the_sigmoid_prediction():
    tasks = make_tasks(TaskSpec("digits_binary", 4, 20, 40, num_test=10), 4, 2)
    for value, predicted in ((-3.0, 0.0), (3.0, 1.0)):  # sigmoid(±3) is on one side of 0.5
        result = evaluate(_constant_predictor(value), tasks, trace=True)
        np.testing.assert_allclose(result.per_task, np.mean(tasks.y_valid == predicted, axis=1), rtol=1e-12)
        assert np.allclose(result.traces, 1 / (1 + np.exp(-value)))  # s1 replaced by sigmoid(s1)


def test_label_is_hidden_from_predict_and_visible_to_learn():
    # predict returns what learn stored last: the previous example's label (and never the current one)
    program = parse("def setup():\ndef predict():\n  s1 = s2 + s3\ndef learn():\n  s2 = s0 + s3\n", Memory(4, 3, 1))
    tasks = make_tasks(TaskSpec("sinusoid", 1, 12, 5), 2, 4)
    result = evaluate(program, tasks, trace=True)
    for t in range(tasks.num_tasks):
        labels = tasks.y_train[t][tasks.orders[t, 0]]
        np.testing.assert_array_equal(result.traces[t, :12], np.concatenate([[0.0], labels[:-1]]))
        assert np.all(result.traces[t, 12:] == labels[-1])  # validation sees the last stored label


def test_task_fitness_is_the_best_epoch_and_memory_persists_across_epochs():
    # the prediction grows by 1 per training example: validation error changes every epoch
    program = parse(
        "def setup():\n  s3 = 0.05\ndef predict():\n  s1 = s2 + s0\ndef learn():\n  s2 = s2 + s3\n", Memory(4, 3, 1)
    )
    tasks = make_tasks(TaskSpec("linear", 4, 20, 10, epochs=4), 3, 5)
    result = evaluate(program, tasks, trace=True)
    steps = tasks.num_train + tasks.num_valid
    for t in range(tasks.num_tasks):
        per_epoch = []
        for e in range(tasks.epochs):
            predictions = result.traces[t, e * steps + tasks.num_train : (e + 1) * steps]
            np.testing.assert_allclose(predictions, 0.05 * tasks.num_train * (e + 1), rtol=1e-9)
            per_epoch.append(1 - 2 / np.pi * np.arctan(np.sqrt(np.mean((tasks.y_valid[t] - predictions) ** 2))))
        assert result.per_task[t] == pytest.approx(max(per_epoch), rel=1e-12)


def test_training_stops_at_the_first_error_beyond_the_bound():
    program = parse("def setup():\n  s3 = 30.0\ndef predict():\n  s1 = s2 + s0\ndef learn():\n  s2 = s2 + s3\n", Memory(4, 3, 1))
    tasks = make_tasks(TaskSpec("linear", 4, 10, 5), 1, 0)
    result = evaluate(program, tasks, trace=True)
    made = np.count_nonzero(~np.isnan(result.traces[0]))
    assert result.fitness == 0.0
    assert 3 <= made <= 5  # predictions 0, 30, 60, 90 and 120 (> 100 + |y|) stops it
    assert np.isnan(result.traces[0, made:]).all()


def test_memory_is_wiped_and_setup_rerun_for_every_task():
    # setup adds 1 to s2: if memory leaked between tasks the constant prediction would drift
    program = parse(
        "def setup():\n  s3 = 1.0\n  s2 = s2 + s3\ndef predict():\n  s1 = s2 + s0\ndef learn():\n", Memory(4, 3, 1)
    )
    tasks = make_tasks(TaskSpec("linear", 4, 5, 5), 4, 0)
    assert np.all(evaluate(program, tasks, trace=True).traces == 1.0)


def test_random_set_ops_draw_from_the_task_seeded_stream():
    program = parse("def setup():\n  s2 = uniform(-1.0, 1.0)\ndef predict():\n  s1 = s2 + s0\ndef learn():\n", Memory(4, 3, 1))
    tasks = make_tasks(TaskSpec("linear", 4, 3, 3), 3, 0)
    traces = evaluate(program, tasks, trace=True).traces
    expected = [-1.0 + 2.0 * oracle.SplitMix64(int(seed)).uniform() for seed in tasks.rng_seeds]
    np.testing.assert_array_equal(traces[:, 0], expected)
    assert len(set(expected)) == 3  # each task has its own stream
    np.testing.assert_array_equal(evaluate(program, tasks, trace=True).traces, traces)  # and it is reproducible


def test_compiled_and_python_rng_streams_are_identical_and_well_distributed():
    for seed in (0, 1, 2**62 - 1, 123456789):
        state = np.array([seed], dtype=np.uint64)
        twin = oracle.SplitMix64(seed)
        for _ in range(50):
            assert compiled_rng.uniform(state) == twin.uniform()
            assert compiled_rng.gaussian(state) == twin.gaussian()
    state = np.array([7], dtype=np.uint64)
    u = np.array([compiled_rng.uniform(state) for _ in range(20000)])
    g = np.array([compiled_rng.gaussian(state) for _ in range(20000)])
    assert u.min() >= 0.0 and u.max() < 1.0 and abs(u.mean() - 0.5) < 0.01
    assert abs(g.mean()) < 0.03 and abs(g.std() - 1.0) < 0.03 and math.isfinite(g.max())
