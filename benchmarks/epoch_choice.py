#!/usr/bin/env python3
"""How much of a champion's final fitness comes from choosing its best epoch on the scored points.

zero scores a task as the reference does: after each epoch (a pass over the training examples)
the program predicts the validation points, and the task's fitness is the best epoch's score on
those same points. With several epochs a program that guesses differently at each pass (a phase,
a scale) is scored on its best guess, chosen with the labels of the points it is scored on;
a meta-learner adapted once on the shots is not. This script re-scores run champions on their
experiment's final tasks (regression only) in four ways:

- **zero**: the best epoch on the validation points, the run's recorded final fitness (checked
  to match, which also checks that the traces are read right);
- **chosen on validation, scored on test**: the epoch zero chooses, scored on each task's test
  points (``num_test``, points of the same task that nothing else reads): the choice is made
  without the labels it is scored on;
- **epoch k alone**: one fixed epoch's score on the validation points, for each k: no choice.

The program runs once per task on the training examples, then predicts the validation and test
points after every epoch: the test points are appended to the validation points. The validation
predictions are then those of the recorded run unless predicting leaves state that the next
epoch's learning reads; the check of the first row against the interpreter's fitness stops the
script when that changes the result.

Usage: ``python benchmarks/epoch_choice.py RUN_DIR [RUN_DIR ...]``
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))


def regression_scores(predictions: np.ndarray, labels: np.ndarray, max_abs_error: float) -> np.ndarray:
    """Per task (the last axis holds its points; ``labels`` broadcast), its regression fitness by
    the rule zero's baselines score with, the interpreter's (``baselines.base.task_fitness``)."""
    from zero.baselines.base import task_fitness

    predictions, labels = np.broadcast_arrays(predictions, labels)
    rows = zip(predictions.reshape(-1, predictions.shape[-1]), labels.reshape(-1, labels.shape[-1]))
    return np.array([task_fitness(p, y, False, max_abs_error) for p, y in rows]).reshape(predictions.shape[:-1])


def rescore(run_dir: str) -> dict:
    from zero.champion.loader import load
    from zero.errors import ZeroError
    from zero.interpreter.evaluator import evaluate
    from zero.stats import mean_and_interval
    from zero.tasks import groups_of

    champion = load(run_dir)
    exp = champion.experiment
    tasks = exp.tasks("final")
    groups = groups_of(tasks)
    if len(groups) != 1 or groups[0].classification:
        raise ZeroError(f"{run_dir}: epoch_choice re-scores regression runs of one task group")
    final = groups[0]
    both = dataclasses.replace(final, x_valid=np.concatenate([final.x_valid, final.x_test], axis=1),
                               y_valid=np.concatenate([final.y_valid, final.y_test], axis=1))  # fmt: skip
    max_abs_error = exp.config["max_abs_error"]
    traces = evaluate(champion.program, both, max_abs_error=max_abs_error, trace=True).traces
    n, nv, nt, epochs = final.num_train, final.num_valid, final.y_test.shape[1], final.epochs
    per_epoch = traces.reshape(final.num_tasks, epochs, n + nv + nt)[:, :, n:]  # [T, E, valid + test]
    valid = regression_scores(per_epoch[:, :, :nv], final.y_valid[:, None, :], max_abs_error)  # [T, E]
    test = regression_scores(per_epoch[:, :, nv:], final.y_test[:, None, :], max_abs_error)
    chosen = np.argmax(valid, axis=1)  # the first best epoch, as the interpreter keeps it
    zero = valid.max(axis=1)
    recorded = exp.evaluate(champion.program, tasks).fitness
    if not np.isclose(zero.mean(), recorded, rtol=0, atol=1e-9):
        raise ZeroError(f"{run_dir}: re-scored {zero.mean():.6f}, the interpreter gives {recorded:.6f}: "
                        "predicting keeps state that learning reads, so appended test points change the run")  # fmt: skip
    rows = {"zero (best epoch on the scored points)": zero,
            "chosen on validation, scored on test": test[np.arange(final.num_tasks), chosen]}  # fmt: skip
    for k in range(epochs):
        rows[f"epoch {k + 1} alone"] = valid[:, k]
    return {
        "run": run_dir,
        "rows": {name: mean_and_interval(v) for name, v in rows.items()},
        "chosen_epochs": np.bincount(chosen, minlength=epochs).tolist(),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("runs", nargs="+", help="run directories (regression experiments)")
    opts = parser.parse_args(argv)
    from zero.errors import ZeroError

    for run_dir in opts.runs:
        try:
            result = rescore(run_dir)
        except ZeroError as e:
            print(f"epoch_choice: {e}", file=sys.stderr)
            return 2
        print(f"{result['run']}: epochs chosen (1..E): {result['chosen_epochs']}")
        for name, (mean, half) in result["rows"].items():
            print(f"  {name:<42} {mean:.4f} ± {half:.4f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
