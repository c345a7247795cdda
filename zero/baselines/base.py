"""What every baseline is: a method scored on an experiment's held-out final tasks with zero's own
fitness, so it sits beside evolved champions in ``zero compare``.

Contract (issue "Baselines on the same tasks"):
- A baseline sees the experiment's *search* task distribution for any meta-training or model
  selection (``experiment.task_spec("search")``, any number of tasks from seeds of its own), and is
  scored on exactly the experiment's *final* tasks (``experiment.tasks("final")``): on each task it
  may learn from that task's ``num_train`` training examples only, and it is scored on that task's
  validation examples with :func:`task_fitness` — the interpreter's fitness (regression
  ``1 − (2/π)·arctan(RMSE)``, classification accuracy of ``p > 0.5``; NaN/inf or error above
  ``max_abs_error`` scores 0).
- Seeded: same seed, experiment and budget → same result on CPU.
- ``run`` returns a :class:`BaselineResult`; no I/O (the CLI writes it).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Callable, Protocol

import numpy as np

from zero.experiment import Experiment

TWO_OVER_PI = 2.0 / math.pi


@dataclass
class BaselineResult:
    method: str  # registry name
    experiment: str  # experiment name
    per_task: np.ndarray  # float64 [T]: fitness on each final task
    seconds: float  # wall time of the whole run (meta-training included)
    device: str  # "cpu" or "cuda:0"
    settings: dict[str, Any] = field(default_factory=dict)  # hyperparameters and budgets used
    metrics: dict[str, float] = field(default_factory=dict)  # extra figures, e.g. post-adaptation MSE

    @property
    def fitness(self) -> float:
        return float(np.mean(self.per_task))


class Baseline(Protocol):
    name: str

    def run(self, experiment: Experiment, *, device: str, seed: int, budget: str) -> BaselineResult:
        """Train/meta-train as the method does and score on the final tasks. ``budget`` is
        ``"ci"`` (seconds on a CPU) or ``"full"`` (the method's published protocol)."""


def task_fitness(predictions: np.ndarray, labels: np.ndarray, classification: bool, max_abs_error: float = 100.0) -> float:
    """One task's fitness from validation predictions (after the sigmoid for classification),
    exactly as the interpreter scores it."""
    predictions = np.asarray(predictions, dtype=np.float64)
    labels = np.asarray(labels, dtype=np.float64)
    errors = labels - predictions
    if not np.all(np.abs(errors) <= max_abs_error):  # NaN fails too
        return 0.0
    if classification:
        return float(np.mean((predictions > 0.5) == (labels > 0.5)))
    return float(1.0 - TWO_OVER_PI * math.atan(math.sqrt(np.mean(errors * errors))))


REGISTRY: dict[str, Callable[[], Baseline]] = {}


def register(name: str):
    """Class decorator: ``@register("maml")`` adds a baseline factory to :data:`REGISTRY`."""

    def add(factory):
        if name in REGISTRY:
            raise ValueError(f"baseline {name!r} registered twice")
        REGISTRY[name] = factory
        return factory

    return add
