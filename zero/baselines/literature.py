"""The published sinusoid evaluation protocol, so a meta-learner's MSE can sit beside the cited figure.

zero scores every method the same way (:mod:`zero.baselines.base`): on the experiment's final tasks,
each adapted on its ``num_train`` shots and scored on its ``num_valid`` validation points (100 in
``experiments/sinusoid.yaml``). That fitness is what ``zero compare`` ranks, and it is not changed
here. The MAML figures usually quoted for sinusoids (MAML 10-shot 0.85 ± 0.14, from the Meta-SGD
table, Li et al. 2017, arXiv 1707.09835) come from a different measurement. The MAML authors' code
(cbfinn/maml, ``main.py`` ``test()``) measures as follows:

- 600 test tasks (``NUM_TEST_POINTS``), each a fresh sine wave (A ~ U[0.1, 5], φ ~ U[0, π]).
- Each task has 2K points x ~ U[−5, 5]: the first K are the support set, the other K the query set.
  So the error is the MSE on **K query points**, not on 100.
- The inner loop uses the training step size, one step for the headline figure. The code also
  logs the MSE after each of up to 10 steps.
- It reports the mean over tasks with ``1.96 · std / sqrt(600)`` as the 95% interval.

During meta-training the same code also uses K query points per task, with 70,000 iterations of
25 tasks (its README's sinusoid command).

:func:`literature_tasks` builds that test set from the experiment's own family, K and params: 600
tasks from the *held-out* seed stream with K support + K query points. Its seed is derived from the
final tasks' seed, so the set is independent of the search tasks and of zero's 100 final tasks.
These tasks are only ever *reported on*. No hyperparameter, checkpoint or early stop is chosen with
them. :class:`Probe` measures a learner on them, during meta-training and at its end.
"""

from __future__ import annotations

from typing import Callable

import numpy as np
import torch

from zero.baselines.adapter import TorchTasks, to_torch
from zero.search.experiment import Experiment
from zero.stats import mean_and_interval
from zero.tasks import TaskSet, TaskSpec, make_tasks

FAMILY = "sinusoid"  # the protocol is defined for this family only
NUM_TASKS = 600  # cbfinn/maml main.py NUM_TEST_POINTS
# Meta-iterations at which a run also reports the protocol's MSE. They bracket the iteration counts
# found in the literature: 15k is the code's default, 70k its README's sinusoid command.
CHECKPOINTS = (1_000, 5_000, 10_000, 15_000, 30_000, 50_000, 60_000, 70_000)
SEED_SALT = 0x4C4954  # "LIT": keeps this test set's seed apart from the final tasks' own


def applies(experiment: Experiment) -> bool:
    return experiment.config["family"] == FAMILY


def literature_tasks(experiment: Experiment, num_tasks: int = NUM_TASKS) -> TaskSet:
    """``num_tasks`` held-out tasks of the experiment's family with K support and K query points,
    where K is the final tasks' ``num_train``. The support set is ``x_train``/``y_train`` and the
    query set is ``x_valid``/``y_valid``."""
    c = experiment.config
    k = c["final"]["num_train"]
    spec = TaskSpec(c["family"], c["feature_size"], num_train=k, num_valid=k, num_test=1, epochs=1, params=c["params"])
    seed = int(np.random.SeedSequence([int(c["final"]["seed"]), SEED_SALT]).generate_state(1)[0] % (2**31 - 1))
    return make_tasks(spec, num_tasks, seed, held_out=True, source=f"{experiment.source} (literature protocol)")


# A learner as the probe sees it: (tasks, steps) -> float64 predictions [T, Nv] on each task's query
# split after `steps` inner steps on its support split (0 = no adaptation).
Predict = Callable[[TorchTasks, int], np.ndarray]


class Probe:
    """Per-task query MSE on :func:`literature_tasks` after ``eval_steps`` inner steps (the learner's
    own scoring step count: one for MAML, as in the published figure)."""

    def __init__(self, experiment: Experiment, eval_steps: int, device: torch.device | str = "cpu",
                 dtype: torch.dtype = torch.float32):
        self.tasks = literature_tasks(experiment)
        self.tt = to_torch(self.tasks, device, dtype)
        self.eval_steps = eval_steps
        self.curve: dict[str, float] = {}

    def mse(self, predict: Predict, steps: int) -> np.ndarray:
        return np.mean((predict(self.tt, steps) - self.tasks.y_valid) ** 2, axis=1)

    def checkpoint(self, step: int, predict: Predict) -> None:
        """Record the figure if ``step`` (meta-iterations done) is one of :data:`CHECKPOINTS`."""
        if step in CHECKPOINTS:
            mean, half = mean_and_interval(self.mse(predict, self.eval_steps))
            self.curve[f"literature_mse_post_at_{step}"] = mean
            self.curve[f"literature_mse_post_at_{step}_ci95"] = half

    def figures(self, predict: Predict) -> dict[str, float]:
        """The end-of-training figures (``literature_mse_post`` ± ``_ci95``, and before adaptation)
        and the checkpoint curve."""
        mean, half = mean_and_interval(self.mse(predict, self.eval_steps))
        return {"literature_mse_pre": float(np.mean(self.mse(predict, 0))),
                "literature_mse_post": mean, "literature_mse_post_ci95": half,
                "literature_tasks": float(self.tasks.num_tasks),
                "literature_query_points": float(self.tasks.num_valid), **self.curve}  # fmt: skip
