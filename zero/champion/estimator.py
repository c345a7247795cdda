"""An evolved (or hand-written) program as a scikit-learn estimator: fit on your data, predict, score.

``estimator(champion_or_program)`` returns a :class:`ZeroRegressor`, or a :class:`ZeroClassifier`
when the champion's experiment is a classification one (or ``classification=True`` for a bare
program). Both run the program exactly as zero's evaluator runs it on one task (the semantics are
in :mod:`zero.interpreter.kernels`; the same compiled ``run_component`` executes every step):

- ``fit(X, y)``: memory wiped, the program's random stream seeded, ``setup`` once; then for each of
  ``epochs`` passes, per training row in order (pass 0 in the given order, later passes in seeded
  permutations): ``v0 = x, s0 = 0``, ``predict``, read ``s1`` (classification: ``s1 ← sigmoid(s1)``,
  in memory too), then ``v0 = x, s0 = y``, ``learn``. The memory after the last pass (scalars,
  vectors, matrices and the random stream's state) is the fitted state.
- ``predict(X)``: from a copy of the fitted state, per row in order ``v0 = x, s0 = 0``, ``predict``,
  read ``s1`` (squashed for classification). As in zero's validation, memory is *not* reset between
  rows: what ``predict`` writes carries to the next row. For a program whose ``predict`` keeps no
  state (the hand-written ones, for example) a row's prediction depends on that row
  only; for one that does, predictions depend on the order of the rows, as they do in zero. The
  fitted state itself is never changed, so ``predict`` is repeatable.

Seeding (``random_state``, default 0): like a zero task, from ``SeedSequence(random_state)`` spawned
into two streams, one giving the later passes' permutations (``default_rng(...).permutation(n)``
per pass) and one the program stream's seed (``default_rng(...).integers(0, 2**62)``). To replay a
zero task exactly, pass its ``rng_seeds[t]`` and ``orders[t]`` to ``fit`` (``rng_seed=``,
``orders=``); ``tests/test_estimator.py`` checks that fitting on a task's training split and
predicting its validation split gives, bit for bit, the predictions zero's evaluator records.

Differences from zero's task loop, both because there is no fitness here: no validation runs
between passes (for a stateless ``predict`` that changes nothing), and training does not stop at a
prediction that is NaN, infinite or off by more than ``max_abs_error``; it runs to the end, and
``fit`` issues a :class:`~sklearn.exceptions.ConvergenceWarning` saying how many training
predictions were not finite.

Non-finite predictions: the regressor returns what the program computes, so a NaN prediction is
NaN and an infinite one infinite (``score`` then raises scikit-learn's "Input contains NaN"
ValueError). The classifier's ``predict_proba`` likewise returns NaN rows where the program's
output is NaN (the sigmoid of ±inf is 0 or 1, a proper probability); ``predict`` raises a
ValueError naming the rows rather than inventing a class for them (zero scores such a program 0).

Classification is binary: any two labels (numbers or strings), sorted into ``classes_``; the
second is the program's label 1.0, the first its 0.0. One class or more than two is a ValueError.
Features: any count F ≥ 1 (the interpreter is compiled for each F on first use, then cached on
disk); X must be finite (a ValueError otherwise, as in scikit-learn).

scikit-learn conformance (``sklearn.utils.estimator_checks.check_estimator``, scikit-learn 1.9;
``tests/test_estimator.py`` runs it on the hand-written linear and logistic programs): no check
fails. Skipped, by scikit-learn itself, are only checks whose optional dependency is absent:
``check_array_api_input`` (needs ``SCIPY_ARRAY_API=1``) and ``check_regressor_data_not_an_array`` /
``check_classifier_data_not_an_array`` (need pandas). Checks of methods or parameters the
estimators do not have (``partial_fit``, ``sample_weight``) pass without testing anything. The
estimators' tags declare that a program may score poorly (``poor_score``: an evolved program is fit
for its experiment's task family, not for arbitrary data, so the checks' minimum scores are not
required; the two hand-written programs meet them anyway) and that the classifier is binary
(``multi_class = False``: the multiclass parts are skipped, and ``fit`` on 3 classes must raise).
A program whose ``predict`` keeps state between rows would fail ``check_methods_subset_invariance``
and ``check_methods_sample_order_invariance``: its predictions depend on the rows before, by design.
"""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING, Any

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data

from zero.interpreter.common import sigmoid
from zero.interpreter.compiler import compile_for
from zero.interpreter.evaluator import live_encoding
from zero.lang.program import Program
from zero.tasks import FAMILIES

if TYPE_CHECKING:
    from zero.champion.loader import Champion

__all__ = ["ZeroClassifier", "ZeroRegressor", "estimator", "seeds"]

SETUP, PREDICT, LEARN = 0, 1, 2  # component c is rows bounds[c]:bounds[c + 1] of the encoding


def estimator(
    champion_or_program: Champion | Program,
    *,
    epochs: int | None = None,
    random_state: int | None = 0,
    classification: bool | None = None,
) -> ZeroRegressor | ZeroClassifier:
    """A scikit-learn estimator running ``champion_or_program`` (a loaded champion or a program).

    ``classification``: None takes it from the champion's experiment (its task family), and means
    regression for a bare program or a champion without one; True or False decides. ``epochs``: None
    takes the passes the champion was searched with (its experiment's search phase), else 1."""
    from zero.champion.loader import Champion  # the loader reads run directories: only needed here

    experiment = None
    if isinstance(champion_or_program, Champion):
        program, experiment = champion_or_program.program, champion_or_program.experiment
    elif isinstance(champion_or_program, Program):
        program = champion_or_program
    else:
        raise TypeError(f"expected a zero Champion or Program, got {type(champion_or_program).__name__}")
    if classification is None:
        # the family decides, as it decides a task set's `classification`, without generating the tasks
        classification = FAMILIES[experiment.config["family"]].classification if experiment is not None else False
    if epochs is None:
        epochs = int(experiment.config["search"]["epochs"]) if experiment is not None else 1
    kind = ZeroClassifier if classification else ZeroRegressor
    return kind(program, epochs=epochs, random_state=random_state)


def seeds(random_state: int | None, n_samples: int, epochs: int) -> tuple[int, np.ndarray]:
    """The program stream's seed and the ``[epochs, n_samples]`` training orders for
    ``random_state`` (pass 0 is ``arange``), drawn the way :func:`zero.tasks.make_tasks` draws a
    task's; None draws fresh entropy."""
    if random_state is not None and (
        isinstance(random_state, bool) or not isinstance(random_state, (int, np.integer)) or random_state < 0
    ):
        raise ValueError(f"random_state must be None or an integer >= 0, got {random_state!r}")
    order_ss, program_ss = np.random.SeedSequence(random_state).spawn(2)
    orders = np.empty((epochs, n_samples), dtype=np.int64)
    orders[0] = np.arange(n_samples)
    order_rng = np.random.default_rng(order_ss)
    for e in range(1, epochs):
        orders[e] = order_rng.permutation(n_samples)
    return int(np.random.default_rng(program_ss).integers(0, 2**62)), orders


class _ZeroEstimator(BaseEstimator):
    """What both estimators share: the program, the training loop and the prediction loop."""

    _classification = False

    def __init__(self, program: Program, *, epochs: int = 1, random_state: int | None = 0):
        self.program = program
        self.epochs = epochs
        self.random_state = random_state

    # ---- training

    def _check_params(self) -> None:
        if not isinstance(self.program, Program):
            raise TypeError(f"program must be a zero.lang.program.Program, got {type(self.program).__name__}")
        if isinstance(self.epochs, bool) or not isinstance(self.epochs, (int, np.integer)) or self.epochs < 1:
            raise ValueError(f"epochs must be an integer >= 1, got {self.epochs!r}")

    def _train(self, X: np.ndarray, y: np.ndarray, rng_seed: int | None, orders: Any) -> None:
        """Run setup and ``epochs`` passes of predict + learn over (X, y) (``y`` as the program's
        labels, float64); leaves the fitted state in the ``*_`` attributes."""
        n, features = X.shape
        seed, default_orders = seeds(self.random_state, n, int(self.epochs))
        if rng_seed is not None:
            if isinstance(rng_seed, bool) or not isinstance(rng_seed, (int, np.integer)) or not 0 <= rng_seed < 2**64:
                raise ValueError(f"rng_seed must be an integer in [0, 2**64), got {rng_seed!r}")
            seed = int(rng_seed)
        if orders is None:
            orders = default_orders
        else:
            orders = np.asarray(orders)
            if orders.shape != (self.epochs, n) or not all(np.array_equal(np.sort(o), np.arange(n)) for o in orders):
                raise ValueError(
                    f"orders must be {self.epochs} permutations of range({n}) (shape ({self.epochs}, {n})), "
                    f"got an array of shape {orders.shape}"
                )
            orders = orders.astype(np.int64)
        code, data, bounds = (np.ascontiguousarray(a) for a in live_encoding(self.program))
        interpreter = compile_for(features)
        memory = _fresh_memory(self.program, features)
        memory[-1][0] = np.uint64(seed)
        run = interpreter.run_component
        run(code, data, bounds[SETUP], bounds[SETUP + 1], *memory)
        scalars, vectors = memory[0], memory[1]
        nonfinite = 0
        for order in orders:
            for i in order:
                vectors[0] = X[i]
                scalars[0] = 0.0
                run(code, data, bounds[PREDICT], bounds[PREDICT + 1], *memory)
                if self._classification:
                    scalars[1] = sigmoid(scalars[1])
                if not np.isfinite(scalars[1]):
                    nonfinite += 1
                scalars[0] = y[i]
                run(code, data, bounds[LEARN], bounds[LEARN + 1], *memory)
        if nonfinite:
            warnings.warn(
                f"{nonfinite} of {len(orders) * n} training predictions of the program were not finite; "
                "its predictions are likely NaN or infinite",
                ConvergenceWarning,
                stacklevel=3,
            )
        self.code_, self.data_, self.bounds_ = code, data, bounds
        self.scalars_, self.vectors_, self.matrices_ = memory[0].copy(), memory[1].copy(), memory[2].copy()
        self.rng_state_ = memory[-1].copy()
        self.rng_seed_ = seed

    # ---- prediction

    def _outputs(self, X: Any) -> np.ndarray:
        """The program's ``s1`` per row of X (squashed for classification), memory carried from row
        to row, starting from a copy of the fitted state."""
        check_is_fitted(self, "scalars_")
        X = validate_data(self, X, reset=False, dtype=np.float64, order="C")
        features = X.shape[1]
        memory = _fresh_memory(self.program, features)
        memory[0][:], memory[1][:], memory[2][:] = self.scalars_, self.vectors_, self.matrices_
        memory[-1][:] = self.rng_state_
        scalars, vectors = memory[0], memory[1]
        run = compile_for(features).run_component
        code, data, start, end = self.code_, self.data_, self.bounds_[PREDICT], self.bounds_[PREDICT + 1]
        out = np.empty(X.shape[0])
        for i in range(X.shape[0]):
            vectors[0] = X[i]
            scalars[0] = 0.0
            run(code, data, start, end, *memory)
            if self._classification:
                scalars[1] = sigmoid(scalars[1])
            out[i] = scalars[1]
        return out


class ZeroRegressor(RegressorMixin, _ZeroEstimator):
    """A zero program as a scikit-learn regressor (see the module docstring for the contract).

    Parameters: ``program`` (:class:`zero.lang.program.Program`); ``epochs``, passes over the
    training data (default 1); ``random_state``, seeds the program's random ops and the order of
    passes after the first (int >= 0 or None; default 0).

    Fitted attributes: ``n_features_in_``; the memory after training, ``scalars_``, ``vectors_``,
    ``matrices_``, ``rng_state_``; ``rng_seed_``, the seed the program's stream started from;
    ``code_``, ``data_``, ``bounds_``, the live part of the program as the interpreter runs it."""

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.regressor_tags.poor_score = True  # it runs whatever program it is given: no score is promised
        return tags

    def fit(self, X: Any, y: Any, *, rng_seed: int | None = None, orders: Any = None) -> ZeroRegressor:
        """Train on (X, y). ``rng_seed`` and ``orders`` (``[epochs, n_samples]`` permutations)
        replace the ones drawn from ``random_state``: how a zero task is replayed exactly."""
        self._check_params()
        X, y = validate_data(self, X, y, dtype=np.float64, order="C", y_numeric=True)
        self._train(X, np.ascontiguousarray(y, dtype=np.float64), rng_seed, orders)
        return self

    def predict(self, X: Any) -> np.ndarray:
        """The program's prediction per row; NaN or ±inf where the program computes one."""
        return self._outputs(X)


class ZeroClassifier(ClassifierMixin, _ZeroEstimator):
    """A zero program as a binary scikit-learn classifier (see the module docstring).

    Parameters and fitted attributes as :class:`ZeroRegressor`'s, plus ``classes_``: the two labels,
    sorted; the program learns ``classes_[1]`` as 1.0 and ``classes_[0]`` as 0.0, and its squashed
    output is the probability of ``classes_[1]``."""

    _classification = True

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_class = False  # binary only
        tags.classifier_tags.poor_score = True  # as ZeroRegressor's
        return tags

    def fit(self, X: Any, y: Any, *, rng_seed: int | None = None, orders: Any = None) -> ZeroClassifier:
        """Train on (X, y), y holding exactly two distinct labels; ``rng_seed`` and ``orders`` as in
        :meth:`ZeroRegressor.fit`."""
        self._check_params()
        X, y = validate_data(self, X, y, dtype=np.float64, order="C")
        check_classification_targets(y)
        classes = np.unique(y)
        if len(classes) > 2:  # the first sentence is scikit-learn's wording for binary-only classifiers
            raise ValueError(
                f"Only binary classification is supported. The type of the target is multiclass: "
                f"y holds {len(classes)} classes ({classes.tolist()[:10]}); {type(self).__name__} needs 2"
            )
        if len(classes) < 2:
            raise ValueError(
                f"{type(self).__name__} needs samples of 2 classes; y holds only one class ({classes.tolist()})"
            )
        self.classes_ = classes
        self._train(X, (y == classes[1]).astype(np.float64), rng_seed, orders)
        return self

    def predict_proba(self, X: Any) -> np.ndarray:
        """``[P(classes_[0]), P(classes_[1])]`` per row: ``1 - p, p`` with ``p`` the program's
        squashed output; a row is NaN where the program's output is NaN."""
        p = self._outputs(X)
        return np.column_stack([1.0 - p, p])

    def predict(self, X: Any) -> np.ndarray:
        """``classes_[1]`` where the probability exceeds 0.5 (zero's accuracy rule), else ``classes_[0]``;
        a ValueError if the program's output is NaN for any row (no class can be chosen for it)."""
        p = self._outputs(X)
        bad = np.flatnonzero(np.isnan(p))
        if bad.size:
            raise ValueError(
                f"the program's output is NaN for {bad.size} of {p.size} rows "
                f"(first: {bad[:5].tolist()}); predict_proba shows them as NaN"
            )
        return self.classes_[(p > 0.5).astype(np.intp)]


def _fresh_memory(program: Program, features: int) -> tuple[np.ndarray, ...]:
    """Zeroed memory for ``program`` at ``features``: the interpreter's own
    :func:`zero.interpreter.kernels.scratch_memory` tuple ``(s, v, m, m_flat, tmp_v, tmp_m, rng)``."""
    return compile_for(features).module.scratch_memory(*program.memory)
