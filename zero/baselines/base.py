"""What every baseline is: a method scored on an experiment's held-out final tasks with zero's own
fitness, so it sits beside evolved champions in ``zero compare``.

Contract:
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

import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Protocol

import numpy as np

from zero.errors import ZeroError
from zero.search.experiment import Experiment
from zero.store import RunDir, to_plain

TWO_OVER_PI = 2.0 / math.pi

# baseline.json: what `zero baseline` leaves in its result directory (next to config.yaml), read by
# `zero compare`. Written and read only here.
BASELINE_FILE, BASELINE_FORMAT, BASELINE_VERSION = "baseline.json", "zero.baseline", 1


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


def final_tasks(experiment: Experiment) -> dict:
    """What an experiment's final tasks are (family, F, parameters, count, sizes, seed): two results
    are comparable only where these are equal."""
    c = experiment.config
    families = experiment.families("final")
    final = {k: v for k, v in c["final"].items() if k != "family"}
    return {"family": families[0] if len(families) == 1 else list(families), "feature_size": c["feature_size"],
            "params": c["params"], **final}


def has_result(directory: str | Path) -> bool:
    return (Path(directory) / BASELINE_FILE).is_file()


def write_result(directory: str | Path, result: BaselineResult, experiment: Experiment, *, seed: int, budget: str) -> Path:
    """Write ``result`` as ``baseline.json`` (and the experiment as ``config.yaml``) into
    ``directory``; returns the file's path."""
    store = RunDir(directory)
    store.path.mkdir(parents=True, exist_ok=True)
    store.write_config(experiment.to_dict())
    store.write_json(BASELINE_FILE, to_plain({
        "format": BASELINE_FORMAT, "version": BASELINE_VERSION,
        "method": result.method, "experiment": result.experiment, "seed": seed, "budget": budget,
        "fitness": result.fitness, "per_task": result.per_task, "seconds": result.seconds, "device": result.device,
        "final_tasks": final_tasks(experiment), "settings": result.settings, "metrics": result.metrics,
    }))  # fmt: skip
    return store.path / BASELINE_FILE


def read_result(directory: str | Path) -> dict[str, Any]:
    """``baseline.json`` of ``directory``, checked: the format and version are this zero's, and the
    fields ``zero compare`` needs are there (``per_task`` as float64). Raises
    :class:`~zero.errors.ZeroError` naming the file."""
    path = Path(directory) / BASELINE_FILE
    try:
        data = json.loads(path.read_text())
        if not isinstance(data, dict) or data.get("format") != BASELINE_FORMAT:
            found = data.get("format") if isinstance(data, dict) else data
            raise ValueError(f"format is {found!r}, expected {BASELINE_FORMAT!r}")
        if data.get("version", 0) > BASELINE_VERSION:
            raise ValueError(f"version {data['version']} is newer than this zero reads ({BASELINE_VERSION})")
        for key in ("method", "per_task", "seconds", "device", "final_tasks"):
            if key not in data:
                raise KeyError(key)
        return {**data, "per_task": np.asarray(data["per_task"], dtype=np.float64),
                "metrics": dict(data.get("metrics") or {}), "settings": dict(data.get("settings") or {})}  # fmt: skip
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, ValueError, KeyError, TypeError) as e:
        raise ZeroError(f"{path}: not a valid baseline result ({type(e).__name__}: {e})") from None
