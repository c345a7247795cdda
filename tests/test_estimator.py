"""zero.champion.estimator: a program as a scikit-learn regressor or binary classifier.

- Parity: fitted on a zero task's training split (with the task's program seed and orders) and
  asked for its validation split, the estimator predicts bit for bit what zero's evaluator records
  for that epoch (``evaluate(..., trace=True)``): hand-written programs over 1 and 3 epochs, and
  random programs of the shipped spaces (whose ``predict`` may keep state between rows and draw
  random numbers) over 1 epoch, for regression and classification.
- scikit-learn's ``check_estimator`` (1.9) on the hand-written linear (regressor) and logistic
  (classifier) programs: no check fails. Skipped, by scikit-learn itself, are only checks whose
  optional dependency is absent here: ``check_array_api_input`` (SCIPY_ARRAY_API unset) and
  ``check_regressor_data_not_an_array`` / ``check_classifier_data_not_an_array`` (pandas not
  installed). The estimators' ``poor_score`` tag (an evolved program need not fit the checks' data)
  relaxes the minimum-score checks; these two programs would pass them anyway.
- Labels of any two values, and the errors: >2 classes, one class, features changed after fit,
  non-finite X, unfitted, bad parameters; NaN predictions as documented.
"""

from __future__ import annotations

import collections
import json
import warnings

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning, NotFittedError
from sklearn.utils.estimator_checks import check_estimator

from zero.champion.estimator import ZeroClassifier, ZeroRegressor, estimator, seeds
from zero.champion.loader import Champion, load
from zero.interpreter.differential import everything_space
from zero.interpreter.evaluator import evaluate
from zero.lang import space as spaces
from zero.lang.generator import random_program
from zero.lang.handwritten import HANDWRITTEN
from zero.lang.program import Memory, parse
from zero.lang.splitmix import Rng
from zero.search.experiment import Experiment
from zero.tasks import TaskSpec, make_tasks

N_TRAIN, N_VALID, TASKS = 40, 15, 3


def replayed(est, tasks, t):
    """The estimator fitted on task t's training split as zero runs it; its validation predictions."""
    est.fit(tasks.x_train[t], tasks.y_train[t], rng_seed=int(tasks.rng_seeds[t]), orders=tasks.orders[t])
    x = tasks.x_valid[t]
    return est.predict_proba(x)[:, 1] if isinstance(est, ZeroClassifier) else est.predict(x)


def recorded(program, tasks, epoch):
    """Zero's validation predictions per task at ``epoch`` (no break-off but on NaN)."""
    traces = evaluate(program, tasks, trace=True, max_abs_error=np.inf).traces
    start = epoch * (N_TRAIN + N_VALID) + N_TRAIN
    return traces[:, start : start + N_VALID]


def same(a, b) -> bool:
    """Equal to the last bit, zeros' signs included."""
    return a.shape == b.shape and bool(np.all(a.view(np.int64) == b.view(np.int64)))


@pytest.mark.parametrize("family", ["linear", "digits_binary"])
@pytest.mark.parametrize("epochs", [1, 3])
@pytest.mark.parametrize("name", ["linear", "neural_net"])
def test_hand_written_programs_predict_what_zero_records(family, epochs, name):
    tasks = make_tasks(TaskSpec(family, 4, N_TRAIN, N_VALID, epochs=epochs), TASKS, seed=11)
    program = HANDWRITTEN["logistic" if family != "linear" and name == "linear" else name]()
    zero = recorded(program, tasks, epochs - 1)
    for t in range(TASKS):
        est = estimator(program, epochs=epochs, classification=tasks.classification)
        assert same(replayed(est, tasks, t), zero[t])


@pytest.mark.parametrize("family", ["linear", "digits_binary"])
@pytest.mark.parametrize("space", ["baseline", "paper_full", "everything"])
def test_random_programs_predict_what_zero_records(family, space):
    """Random programs keep state across predict calls and draw random numbers in any component
    (``everything``: all 65 ops in every component): the first epoch's validation predictions
    still match zero's (tasks whose run zero broke off at a NaN are left out: there zero recorded
    nothing to compare)."""
    tasks = make_tasks(TaskSpec(family, 4, N_TRAIN, N_VALID), TASKS, seed=5)
    rng, compared = Rng(17), 0
    drawn_from = everything_space() if space == "everything" else spaces.load(space)
    for _ in range(60):
        program = random_program(drawn_from, rng)
        zero = recorded(program, tasks, 0)
        for t in range(TASKS):
            if np.isnan(zero[t]).any():
                continue
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ConvergenceWarning)
                ours = replayed(estimator(program, classification=tasks.classification), tasks, t)
            assert same(ours, zero[t]), program.render()
            compared += 1
    assert compared >= 60


def test_predictions_carry_memory_from_row_to_row_and_leave_the_fitted_state_alone():
    counter = parse(
        "def setup():\n  s3 = 1.0\ndef predict():\n  s2 = s2 + s3\n  s1 = s2 + s0\ndef learn():\n", Memory(4, 3, 1)
    )
    est = ZeroRegressor(counter).fit(np.zeros((5, 2)), np.zeros(5))
    assert est.predict(np.zeros((3, 2))).tolist() == [6.0, 7.0, 8.0]  # 5 training predictions came first
    assert est.predict(np.zeros((3, 2))).tolist() == [6.0, 7.0, 8.0]


def test_random_state_seeds_the_program_and_the_later_epochs():
    x, y = np.random.default_rng(0).normal(size=(30, 3)), np.random.default_rng(1).normal(size=30)
    net = HANDWRITTEN["neural_net"]()  # gaussian initial weights
    a, b, c = (ZeroRegressor(net, epochs=2, random_state=r).fit(x, y).predict(x) for r in (0, 0, 1))
    assert same(a, b) and not np.array_equal(a, c)
    seed, orders = seeds(3, 10, 3)
    assert orders[0].tolist() == list(range(10)) and sorted(orders[2].tolist()) == list(range(10))
    assert (seed, orders.tolist()) == (seeds(3, 10, 3)[0], seeds(3, 10, 3)[1].tolist()) and 0 <= seed < 2**62


def check_results(est) -> collections.Counter:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # a check's data can make SGD diverge: ConvergenceWarning
        results = check_estimator(est, on_fail=None, on_skip=None)
    failed = [(r["check_name"], repr(r["exception"])) for r in results if r["status"] == "failed"]
    assert not failed
    optional = {"check_array_api_input", "check_regressor_data_not_an_array", "check_classifier_data_not_an_array"}
    assert {r["check_name"] for r in results if r["status"] == "skipped"} <= optional
    return collections.Counter(r["status"] for r in results)


def test_regressor_passes_scikit_learn_checks():
    assert check_results(ZeroRegressor(HANDWRITTEN["linear"]()))["passed"] >= 45


def test_classifier_passes_scikit_learn_checks():
    assert check_results(ZeroClassifier(HANDWRITTEN["logistic"]()))["passed"] >= 45


def test_classifier_takes_any_two_labels():
    rng = np.random.default_rng(2)
    x = rng.normal(size=(80, 3))
    spam = x @ np.array([1.0, -2.0, 0.5]) > 0
    words = ZeroClassifier(HANDWRITTEN["logistic"]()).fit(x, np.where(spam, "spam", "ham"))
    bits = ZeroClassifier(HANDWRITTEN["logistic"]()).fit(x, spam.astype(float))
    assert words.classes_.tolist() == ["ham", "spam"]
    assert same(words.predict_proba(x), bits.predict_proba(x))  # the later label is the program's 1.0
    assert set(words.predict(x)) <= {"ham", "spam"} and words.score(x, np.where(spam, "spam", "ham")) > 0.9


def test_bad_inputs_are_clear_errors():
    rng = np.random.default_rng(3)
    x, y = rng.normal(size=(20, 3)), rng.normal(size=20)
    reg = ZeroRegressor(HANDWRITTEN["linear"]())
    with pytest.raises(NotFittedError):
        reg.predict(x)
    reg.fit(x, y)
    with pytest.raises(ValueError, match="X has 4 features, but ZeroRegressor is expecting 3"):
        reg.predict(rng.normal(size=(5, 4)))
    for bad in (np.nan, np.inf):
        x_bad = x.copy()
        x_bad[3, 1] = bad
        with pytest.raises(ValueError, match="Input X contains"):
            ZeroRegressor(HANDWRITTEN["linear"]()).fit(x_bad, y)
        with pytest.raises(ValueError, match="Input X contains"):
            reg.predict(x_bad)
    clf = ZeroClassifier(HANDWRITTEN["logistic"]())
    with pytest.raises(ValueError, match="Only binary classification is supported.*3 classes"):
        clf.fit(x, np.arange(20) % 3)
    with pytest.raises(ValueError, match="only one class"):
        clf.fit(x, np.ones(20))
    with pytest.raises(ValueError, match="Unknown label type"):
        clf.fit(x, y)
    with pytest.raises(TypeError, match="Program"):
        ZeroRegressor("linear").fit(x, y)
    with pytest.raises(ValueError, match="epochs"):
        ZeroRegressor(HANDWRITTEN["linear"](), epochs=0).fit(x, y)
    with pytest.raises(ValueError, match="random_state"):
        ZeroRegressor(HANDWRITTEN["linear"](), random_state=-1).fit(x, y)
    with pytest.raises(ValueError, match="orders"):
        ZeroRegressor(HANDWRITTEN["linear"]()).fit(x, y, orders=np.zeros((1, 20)))
    with pytest.raises(TypeError, match="Champion or Program"):
        estimator("linear")


def test_nan_predictions_are_returned_by_the_regressor_and_refused_by_the_classifier():
    nan = parse("def setup():\n  s2 = -1.0\ndef predict():\n  s1 = log(s2)\ndef learn():\n", Memory(4, 3, 1))
    x, y = np.ones((4, 2)), np.array([0.0, 1.0, 0.0, 1.0])
    with pytest.warns(ConvergenceWarning, match="4 of 4 training predictions"):
        reg = ZeroRegressor(nan).fit(x, y)
    assert np.isnan(reg.predict(x)).all()
    with pytest.warns(ConvergenceWarning):
        clf = ZeroClassifier(nan).fit(x, y)
    assert np.isnan(clf.predict_proba(x)).all()
    with pytest.raises(ValueError, match="NaN for 4 of 4 rows"):
        clf.predict(x)


def test_estimator_follows_the_champion(tmp_path):
    program = HANDWRITTEN["neural_net"]()
    assert isinstance(estimator(program), ZeroRegressor)
    assert isinstance(estimator(program, classification=True), ZeroClassifier)
    digits = Experiment.load("digits_binary").with_overrides(**{"search.epochs": 2})
    est = estimator(Champion(program, "test", digits))
    assert isinstance(est, ZeroClassifier) and est.epochs == 2 and est.program is program
    path = tmp_path / "program.json"
    path.write_text(json.dumps(program.to_dict()))
    est = estimator(load(path), epochs=3, random_state=4)  # a bare file: no experiment, so regression
    assert isinstance(est, ZeroRegressor) and (est.epochs, est.random_state) == (3, 4)
