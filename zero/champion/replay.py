"""Re-evaluate a champion: on the tasks it was recorded on (the fitness must come back exactly), on
more or other tasks of its experiment, or on another experiment's tasks.

Exactness: tasks are a pure function of their spec and seed (:mod:`zero.tasks`) and the interpreter
is deterministic, so replaying a champion on its run's recorded phase reproduces the recorded fitness
bit for bit; :class:`Replay.matches` says whether it did.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from zero.champion.loader import PHASES, Champion
from zero.errors import ZeroError
from zero.search import experiment as experiments
from zero.search.experiment import Experiment


@dataclass(frozen=True)
class Replay:
    label: str  # "final", or "final of digits_binary.yaml"
    family: str
    feature_size: int
    fitness: float
    per_task: np.ndarray
    descriptions: tuple[str, ...]
    recorded: float | None  # the run's figure for exactly these tasks, if there is one

    @property
    def matches(self) -> bool | None:
        return None if self.recorded is None else self.fitness == self.recorded


def replay(champion: Champion, tasks: str | None = None, num_tasks: int | None = None, seed: int | None = None) -> list[Replay]:
    """Replays of ``champion``. ``tasks``: a phase of its own experiment (default: every recorded
    phase), or an experiment (name or YAML file) whose final tasks to use. ``num_tasks``/``seed``
    change how many tasks and which; the result is then new, not a reproduction."""
    if tasks is None or tasks in PHASES:
        if champion.experiment is None:
            raise ZeroError(f"{champion.source}: a champion file outside its run directory has no recorded tasks; "
                            "pass --tasks EXPERIMENT.yaml")  # fmt: skip
        phases = [tasks] if tasks else [p for p in PHASES if p in champion.recorded] or list(PHASES)
        return [_one(champion, champion.experiment, phase, phase, num_tasks, seed, own=True) for phase in phases]
    other = experiments.load(tasks)
    return [_one(champion, other, "final", f"final tasks of {other.name}", num_tasks, seed, own=False)]


def _one(champion: Champion, exp: Experiment, phase: str, label: str, num_tasks: int | None, seed: int | None, own: bool) -> Replay:
    overrides = {}
    if num_tasks is not None:
        overrides[f"{phase}.num_tasks"] = num_tasks
    if seed is not None:
        overrides[f"{phase}.seed"] = seed
    changed = any(exp.config[phase][k.split(".")[1]] != v for k, v in overrides.items())
    if overrides:
        exp = exp.with_overrides(**overrides)
    task_set = exp.tasks(phase)
    cfg = exp.config
    result = exp.evaluate(champion.program, task_set)
    recorded = champion.recorded.get(phase) if own and not changed else None
    if changed:
        label += f" ({task_set.num_tasks} tasks, seed {cfg[phase]['seed']})"
    return Replay(label, cfg["family"], cfg["feature_size"], result.fitness, result.per_task, task_set.descriptions, recorded)
