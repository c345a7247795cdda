"""The compute limit: how much work a program does per example, and the most an experiment allows.

Paper §3 and the reference (``compute_cost.cc``, the "train budget"): a program whose training
costs far more than a plain neural network's scores the minimum fitness, so no evolved algorithm
wins by doing much more work than its rivals. Here a program's *work per example* is the sum of
:func:`zero.lang.ops.work` over its live ``predict`` and ``learn`` instructions (the ones that run
for every example; ``setup`` runs once per task and dead code never runs, see
:mod:`zero.lang.simplify`), and an experiment's ``compute_limit`` is a multiple of the work of the
hand-written 2-layer net (:func:`zero.lang.handwritten.neural_net`) at the same feature size.
The search loop applies the same rule in compiled code from :func:`work_table` (before the FEC and
any evaluation); Python callers go through :func:`zero.interpreter.evaluator.evaluate`.
"""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np

from zero.lang.handwritten import neural_net
from zero.lang.ops import OPS, work
from zero.lang.program import Program
from zero.lang.simplify import live_mask

NO_LIMIT = math.inf


def work_table(feature_size: int) -> np.ndarray:
    """int64 [ops]: :func:`zero.lang.ops.work` of every op at ``feature_size``, indexed by op id."""
    return np.array([work(op, feature_size) for op in OPS], dtype=np.int64)


def per_example_work(program: Program, feature_size: int) -> int:
    """The work of ``program``'s live ``predict`` and ``learn`` instructions at ``feature_size``."""
    _, predict_live, learn_live = live_mask(program)
    _, predict, learn = program.components()
    return sum(work(ins.spec, feature_size)
               for body, live in ((predict, predict_live), (learn, learn_live))
               for ins, keep in zip(body, live) if keep)  # fmt: skip


def work_limit(multiple: float | None, feature_size: int) -> float:
    """The most work per example a program may do: ``multiple`` × the hand-written 2-layer net's
    at ``feature_size``; :data:`NO_LIMIT` when ``multiple`` is None."""
    if multiple is None:
        return NO_LIMIT
    return multiple * _reference_work(feature_size)


@lru_cache(maxsize=None)
def _reference_work(feature_size: int) -> int:
    """The hand-written 2-layer net's work per example: a constant per F, asked for at every
    evaluation under a limit, so worked out (parse, liveness) once."""
    return per_example_work(neural_net(), feature_size)
