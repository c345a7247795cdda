"""Hand-written learning programs (:mod:`zero.lang.handwritten`) as baselines, run by zero's own evaluator.

Registered: ``"linear"`` (SGD linear regression, the paper's §4.1 solution), ``"linear_intercept"``
(the same with a learned intercept), ``"logistic"`` (the same update on the sigmoid prediction, i.e.
SGD logistic regression) and ``"neural_net"`` (a 2-layer ReLU network trained by backprop in the ops
of the paper's Fig. 5 space); Real et al., ICML 2020. And ``"sin_cos"``: SGD on the features
(sin x, cos x), which fits a sinusoid task exactly; it encodes that family's answer, a reference for
what the language can express there, not a rival method.

Contract (:mod:`zero.baselines.base`): the learning rate is chosen from a small grid by the
experiment's combined fitness on its *search* tasks (never the final ones; ties go to the smaller
rate), then the program is scored once on the final tasks with
:func:`zero.interpreter.evaluator.evaluate` (same epochs, ``combine`` and ``max_abs_error`` as evolved programs),
so ``per_task`` is exactly what the interpreter reports. These programs run on the CPU interpreter
whatever ``device`` says; their only randomness (the network's Gaussian init) comes from each
task's fixed ``rng_seeds``, so ``seed`` and ``budget`` change nothing and are only recorded.
"""

from __future__ import annotations

import time
from typing import Callable

import numpy as np

from zero.baselines.base import BaselineResult, register
from zero.lang.handwritten import (linear_regression, linear_regression_with_intercept, logistic_regression, neural_net,
                                  sin_cos_regression)
from zero.lang.program import Memory, Program
from zero.search.experiment import Experiment

LINEAR_GRID = (0.001, 0.003, 0.01, 0.03, 0.1, 0.3)
NET_GRID = (0.001, 0.003, 0.01, 0.03, 0.1)
SIN_COS_GRID = (0.01, 0.03, 0.1, 0.3, 1.0)  # 1.0: the normalized step (sin² + cos² = 1)


class HandBaseline:
    """A hand-written program family ``build(learning_rate)`` with a learning-rate grid."""

    name = ""
    grid: tuple[float, ...] = ()
    memory: Memory = Memory(4, 3, 1)

    def build(self, learning_rate: float) -> Program:
        raise NotImplementedError

    def choose_learning_rate(self, experiment: Experiment) -> tuple[float, dict[float, float]]:
        """The grid's best rate by combined fitness on the search tasks, and every rate's fitness."""
        search = experiment.tasks("search")
        scores = {lr: experiment.evaluate(self.build(lr), search).fitness for lr in self.grid}
        best = self.grid[int(np.argmax([scores[lr] for lr in self.grid]))]
        return best, scores

    def run(self, experiment: Experiment, *, device: str = "cpu", seed: int = 0, budget: str = "ci") -> BaselineResult:
        start = time.perf_counter()
        lr, scores = self.choose_learning_rate(experiment)
        c = experiment.config
        result = experiment.evaluate(self.build(lr), experiment.tasks("final"))
        settings = {"learning_rate": lr, "learning_rate_grid": list(self.grid), "chosen_on": "search tasks",
                    "memory": list(self.memory), "epochs": c["final"]["epochs"], "budget": budget, "seed": seed}
        metrics = {f"search_fitness_lr_{lr_:g}": float(v) for lr_, v in scores.items()}
        metrics["combined_fitness"] = float(result.fitness)  # the experiment's combine (mean or median)
        return BaselineResult(self.name, experiment.name, np.asarray(result.per_task, dtype=np.float64),
                              time.perf_counter() - start, "cpu", settings, metrics)


def _hand(name: str, grid: tuple[float, ...], memory: Memory, factory: Callable[..., Program]):
    class _Baseline(HandBaseline):
        def build(self, learning_rate: float) -> Program:
            return factory(learning_rate, memory=self.memory)

    _Baseline.name, _Baseline.grid, _Baseline.memory = name, grid, memory
    _Baseline.__name__ = _Baseline.__qualname__ = f"Hand_{name}"
    return register(name)(_Baseline)


Linear = _hand("linear", LINEAR_GRID, Memory(4, 3, 1), linear_regression)
LinearIntercept = _hand("linear_intercept", LINEAR_GRID, Memory(5, 3, 1), linear_regression_with_intercept)
Logistic = _hand("logistic", LINEAR_GRID, Memory(4, 3, 1), logistic_regression)
NeuralNet = _hand("neural_net", NET_GRID, Memory(4, 8, 2), neural_net)
SinCos = _hand("sin_cos", SIN_COS_GRID, Memory(8, 3, 1), sin_cos_regression)
