"""``zero.lang.simplify``: simplified programs predict bit-identically, and dead code really goes.

The random test is the contract: thousands of random programs from the shipped spaces, the random
spaces of ``tests/spaces.py`` and a small-memory "stress" space (addresses collide, partial writes,
random draws and foldable scalar ops are frequent) must give byte-identical traces and per-task
fitness after simplification, on regression and classification tasks, F in {1, 2, 4}, 1 and 3
epochs. The hand-written cases pin the exact expected output of each rule.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from spaces import RANDOM_SPACES, space

from zero.interpreter.evaluator import evaluate
from zero.lang import ops
from zero.lang.generator import random_program
from zero.lang.handwritten import HANDWRITTEN, linear_regression
from zero.lang.program import Memory, parse
from zero.lang.simplify import live_mask, simplify, simplify_report
from zero.lang.space import ComponentSpace, SearchSpace
from zero.lang.splitmix import Rng
from zero.tasks import TaskSpec, make_tasks

STRESS_OPS = tuple(
    ops.op_by_name(name).id
    for name in (
        "scalar_const_set", "vector_const_set", "matrix_const_set", "scalar_uniform_set",
        "vector_gaussian_set", "matrix_uniform_set", "scalar_sum", "scalar_diff", "scalar_product",
        "scalar_division", "scalar_reciprocal", "scalar_min", "scalar_max", "scalar_heaviside",
        "scalar_abs", "scalar_sin", "vector_inner_product", "scalar_vector_product", "vector_sum",
        "matrix_vector_product", "matrix_transpose", "matrix_matrix_product", "vector_mean",
        "matrix_mean", "scalar_broadcast", "no_op",
    )
)  # fmt: skip
STRESS = SearchSpace("stress", Memory(4, 3, 2), *(ComponentSpace(STRESS_OPS, 0, 8, 4) for _ in range(3)))
SPACES = ["demo", "baseline", "paper_nn", "paper_full", *RANDOM_SPACES]
PER_SPACE = 500


@pytest.fixture(scope="module")
def task_sets():
    return [
        make_tasks(TaskSpec(family, F, 6, 4, num_test=1, epochs=epochs), 2, seed)
        for seed, family in enumerate(("linear", "teacher_nn", "digits_binary"))
        for F in (1, 2, 4)
        for epochs in (1, 3)
    ]


def assert_same_predictions(a, b, task_sets, max_abs_error=100.0):
    for tasks in task_sets:
        x = evaluate(a, tasks, trace=True, max_abs_error=max_abs_error)
        y = evaluate(b, tasks, trace=True, max_abs_error=max_abs_error)
        assert x.traces.tobytes() == y.traces.tobytes(), (tasks.spec, a.render(), b.render())
        assert x.per_task.tobytes() == y.per_task.tobytes()


def test_random_programs_predict_bit_identically_after_simplification(task_sets):
    rng = Rng(2024)
    stats = {}
    varied = 0  # programs whose (original) predictions vary: the comparison is not trivially equal
    for name in [*SPACES, "stress", "stress"]:
        search_space = STRESS if name == "stress" else space(name)
        rows = stats.setdefault(name, [])
        for k in range(PER_SPACE):
            sizes = tuple(int(rng.integers(c.min_size, c.max_size + 1)) for c in search_space.components())
            program = random_program(search_space, rng, sizes)
            report = simplify_report(program)
            simple = report.program
            assert simple.memory == program.memory
            assert simplify(simple) == simple  # idempotent
            assert report.total_removed == len(program) - len(simple)
            tasks = task_sets[k % len(task_sets)]
            max_abs_error = math.inf if k % 2 else 100.0  # inf: no early stop, every prediction compared
            x = evaluate(program, tasks, trace=True, max_abs_error=max_abs_error)
            y = evaluate(simple, tasks, trace=True, max_abs_error=max_abs_error)
            assert x.traces.tobytes() == y.traces.tobytes(), (name, tasks.spec, program.render(), simple.render())
            assert x.per_task.tobytes() == y.per_task.tobytes()
            finite = x.traces[np.isfinite(x.traces)]
            varied += finite.size > 5 and np.ptp(finite) > 0
            rows.append((report.total_removed / max(len(program), 1), len(simple) > 0, report.total_removed > 0))
    share = {name: np.array(rows, dtype=float).mean(axis=0) for name, rows in stats.items()}
    everything = np.array([row for rows in stats.values() for row in rows], dtype=float).mean(axis=0)
    assert share["demo"][0] > 0.5  # measured ~0.76 of a random demo program is dead
    assert share["demo"][1] > 0.95  # ... yet nearly all keep some code
    assert everything[2] > 0.9 and everything[1] > 0.7
    assert varied > 0.25 * len(SPACES) * PER_SPACE


@pytest.mark.parametrize("name", sorted(HANDWRITTEN))
def test_handwritten_programs_are_already_minimal(name):
    program = HANDWRITTEN[name]()
    assert simplify(program) == program
    assert all(all(mask) for mask in live_mask(program))
    assert tuple(map(len, linear_regression().components())) == (1, 1, 4)


def test_dead_code_in_every_component_is_removed_exactly(task_sets):
    program = parse(
        """
def setup():
  s2 = 0.1
  s3 = 0.7              # dead: learn writes s3 before reading it
def predict():
  noop()
  s1 = dot(v0, v1)
  v2 = v0 + v1          # dead: learn overwrites v2 first
def learn():
  s3 = s0 - s1
  s3 = s2 * s3
  v2 = s3 * v0
  v1 = v1 + v2
  m0 = outer(v1, v1)    # dead: m0 is never read
"""
    )
    assert live_mask(program) == ((True, False), (False, True, False), (True, True, True, True, False))
    report = simplify_report(program)
    assert report.program == linear_regression(0.1)
    assert report.removed == (1, 2, 1) and report.folded == 0
    assert_same_predictions(program, report.program, task_sets)


def test_state_written_by_learn_for_the_next_predict_is_kept(task_sets):
    kept = parse(
        """
def setup():
  s3 = 1.0
def predict():
  s1 = s1 + s2          # reads learn's s1 and s2
def learn():
  s2 = s2 + s3          # a counter
  s1 = s0 * s3          # the label, seen by the next predict
"""
    )
    assert simplify(kept) == kept
    assert_same_predictions(kept, simplify(kept), task_sets)
    overwritten = parse(kept.render().replace("s1 = s1 + s2", "s1 = s2 + s2"))
    assert simplify(overwritten).learn == overwritten.learn[:1]  # now predict writes s1 before reading it


def test_partial_writes_keep_the_rest_of_their_target(task_sets):
    program = parse(
        """
def setup():
  s2 = 0.5
  v1 = bcast(s2)        # live: the const sets below change one entry each
  v1[0.0] = 0.25
  v1[0.75] = -2.0
  v2[0.5] = 3.0         # dead: v2 is fully overwritten before any read
def predict():
  v2 = v0 + v1
  s1 = dot(v2, v1)
"""
    )
    assert simplify(program).setup == program.setup[:4]
    assert_same_predictions(program, simplify(program), task_sets)


def test_random_ops_are_kept_while_a_live_draw_follows(task_sets):
    program = parse(
        """
def setup():
  s2 = uniform(-1.0, 1.0)        # dead, but the live draw below follows it: kept
  s3 = gaussian(0.0, 1.0)
  s2 = uniform(-1.0, 1.0)        # dead and no live draw follows in setup; kept for the loop's draws
def predict():
  v1 = uniform(-1.0, 1.0, F)
  s1 = dot(v0, v1)
  s1 = s1 + s3
def learn():
  v2 = gaussian(0.0, 1.0, F)     # dead, but the next predict's draw follows: kept
"""
    )
    assert simplify(program) == program
    assert live_mask(program) == ((True, True, True), (True, True, True), (True,))
    assert_same_predictions(program, simplify(program), task_sets)
    # Without the live draw in predict, dead draws that no live draw follows go.
    no_loop_draw = parse(program.render().replace("v1 = uniform(-1.0, 1.0, F)", "v1 = v0 + v0"))
    simple = simplify(no_loop_draw)
    assert simple.setup == no_loop_draw.setup[:2] and simple.learn == ()
    assert simple.predict == no_loop_draw.predict
    assert_same_predictions(no_loop_draw, simple, task_sets)


def test_scalar_constants_fold_only_where_exact(task_sets):
    program = parse(
        """
def setup():
  s2 = 0.5
  s3 = s2 * s2          # folds to 0.25; s2 becomes dead
  s4 = sin(s2)          # transcendental: not folded, s2 stays for it... until s4 is dead
  s5 = s3 * s0          # memory starts at zero: 0.25 * 0.0
def predict():
  v1 = s3 * v0
  v1 = s5 * v1
  s1 = mean(v1)
""",
        Memory(6, 3, 1),
    )
    report = simplify_report(program)
    assert report.program.setup == parse("def setup():\n  s3 = 0.25\n  s5 = 0.0", Memory(6, 3, 1)).setup
    assert report.folded == 2 and report.removed == (2, 0, 0)
    assert_same_predictions(program, report.program, task_sets)
    unfolded = simplify(program, fold=False)
    assert unfolded.setup == (program.setup[0], program.setup[1], program.setup[3])
    # A transcendental result that is used is never folded.
    used_sin = parse(program.render().replace("v1 = s5 * v1", "v1 = s4 * v1"), Memory(6, 3, 1))
    expected = parse("def setup():\n  s2 = 0.5\n  s3 = 0.25\n  s4 = sin(s2)", Memory(6, 3, 1))
    assert simplify(used_sin).setup == expected.setup
    assert_same_predictions(used_sin, simplify(used_sin), task_sets)


def test_folding_keeps_the_sign_of_zero_and_skips_division_by_zero(task_sets):
    program = parse(
        """
def setup():
  s2 = -0.5
  s3 = s3 * s2          # 0.0 * -0.5 = -0.0
  s2 = 1 / s3           # -inf: not a finite constant, not folded
def predict():
  s1 = s2 + s3
"""
    )
    simple = simplify(program)
    assert simple.setup[0] == parse("def setup():\n  s3 = -0.0").setup[0]
    assert math.copysign(1.0, simple.setup[0].data[0]) == -1.0
    assert simple.setup[1] == program.setup[2]
    assert_same_predictions(program, simple, task_sets, max_abs_error=math.inf)


def test_the_classification_prediction_is_not_assumed_constant_in_learn(task_sets):
    # Under classification learn sees sigmoid(s1), so s2 here is not the constant 0.
    program = parse(
        """
def setup():
  noop()
def predict():
  s1 = s2 * s2
def learn():
  s2 = s1 * s1
"""
    )
    assert simplify(program) == parse(program.render().replace("  noop()\n", ""))
    assert_same_predictions(program, simplify(program), task_sets)


def test_validation_predicts_see_the_sigmoid_of_the_last_prediction(task_sets):
    # Setup and learn leave s1 = 1.0 and 1.0 * 1.0 = 1.0, but under classification the next
    # validation predict sees sigmoid(1.0): s1 must not be assumed constant at predict's entry.
    program = parse(
        """
def setup():
  s1 = 1.0
def predict():
  s1 = s1 * s1
def learn():
  s1 = 1.0
"""
    )
    assert simplify(program) == program
    assert_same_predictions(program, simplify(program), task_sets)


def test_constants_meet_only_if_bit_identical(task_sets):
    # s3 is 0.0 at the first predict and -0.0 after every learn: not a constant at predict's entry.
    program = parse(
        """
def setup():
  s2 = -0.5
def predict():
  s5 = s3 * s2
  s1 = 1 / s5
def learn():
  s3 = s4 * s2
""",
        Memory(6, 3, 1),
    )
    simple = simplify(program)
    assert simple.predict == program.predict
    assert simple.learn == parse("def learn():\n  s3 = -0.0", Memory(6, 3, 1)).learn
    assert_same_predictions(program, simple, task_sets, max_abs_error=math.inf)
