"""Program × tasks → fitness, through the compiled interpreter.

This is the Python-facing door to :mod:`zero.interpreter.compiler`; the search loop calls the compiled
kernels directly. Fitness follows AutoML-Zero: per task the best epoch's validation score
(``1 − (2/π)·arctan(RMSE)`` or accuracy), ``MIN_FITNESS`` (0) for programs that produce NaN/inf or
errors above ``max_abs_error``; tasks combined by mean (default) or median. A program over the
compute limit (``max_work``, :mod:`zero.lang.budget`) scores ``MIN_FITNESS`` on every task unrun.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Mapping

import numpy as np

from zero.interpreter.common import MIN_FITNESS
from zero.interpreter.compiler import MAX_ABS_ERROR, combine, compile_for
from zero.interpreter.liveness_kernels import live_program, workspace
from zero.lang.budget import NO_LIMIT, per_example_work
from zero.lang.encoding import Encoded, encode
from zero.lang.program import Program
from zero.tasks import Tasks, TaskSet, groups_of

Combine = Literal["mean", "median"]


@dataclass(frozen=True)
class Evaluation:
    fitness: float  # tasks combined
    per_task: np.ndarray  # float64 [T]
    traces: np.ndarray | None = None  # float64 [T, epochs * (train + valid)] predictions, NaN where none were made


def live_encoding(program: Program) -> Encoded:
    """``program`` encoded with only the instructions that can reach a prediction."""
    whole = encode(program)
    rows = max(len(whole.code), 1)
    live = Encoded(np.zeros((rows, 4), np.int32), np.zeros((rows, 3)), np.zeros(4, np.int64))
    keep = np.zeros(rows, np.bool_)
    live_program(whole.code, whole.data, whole.bounds, workspace(max(program.memory)), keep, *live)
    return live


def trace_length(tasks: Tasks, n_train: int | None = None, n_valid: int | None = None) -> int:
    n_train = tasks.num_train if n_train is None else n_train
    n_valid = tasks.num_valid if n_valid is None else n_valid
    return tasks.epochs * (n_train + n_valid)


def evaluate(
    program: Program,
    tasks: Tasks,
    *,
    combine_by: Combine = "mean",
    max_abs_error: float = MAX_ABS_ERROR,
    trace: bool = False,
    max_work: float | Mapping[int, float] = NO_LIMIT,
) -> Evaluation:
    """Score ``program`` on every task of ``tasks`` (compiles the interpreter for F on first use;
    a mixed set runs each group with its own F's kernels, per-task results in phase order).
    ``max_work``: the compute limit, or a limit per feature size (a size it does not name has none).
    Only its live instructions run (:mod:`zero.interpreter.liveness_kernels`): the predictions, and
    so the traces and the fitness, are bit-identical to running all of them."""
    if combine_by not in ("mean", "median"):
        raise ValueError(f"combine_by must be 'mean' or 'median', got {combine_by!r}")
    encoded = live_encoding(program)
    per_task, traces = [], []
    for group in groups_of(tasks):
        limit = max_work.get(group.feature_size, NO_LIMIT) if isinstance(max_work, Mapping) else max_work
        scores, trace_rows = _evaluate_group(program, encoded, group, float(max_abs_error), trace, limit)
        per_task.append(scores)
        traces.append(trace_rows)
    all_tasks = np.concatenate(per_task)
    fitness = float(combine(all_tasks, combine_by == "median"))
    return Evaluation(fitness, all_tasks, np.concatenate(traces) if trace else None)


def _evaluate_group(program: Program, encoded: Encoded, tasks: TaskSet, max_abs_error: float, trace: bool,
                    max_work: float) -> tuple[np.ndarray, np.ndarray]:
    """Per-task fitness and traces of one feature size's tasks."""
    per_task = np.zeros(tasks.num_tasks)
    traces = np.full((tasks.num_tasks, trace_length(tasks)) if trace else (0, 0), np.nan)
    if max_work < NO_LIMIT and per_example_work(program, tasks.feature_size) > max_work:
        return np.full(tasks.num_tasks, MIN_FITNESS), traces
    interpreter = compile_for(tasks.feature_size)
    interpreter.evaluate_tasks(
        encoded.code, encoded.data, encoded.bounds, *program.memory,
        tasks.x_train, tasks.y_train, tasks.x_valid, tasks.y_valid, tasks.orders, tasks.rng_seeds,
        tasks.classification, max_abs_error, tasks.num_train, tasks.num_valid, tasks.epochs,
        per_task, traces,
    )  # fmt: skip
    return per_task, traces
