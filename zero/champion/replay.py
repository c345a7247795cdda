"""Re-evaluate a champion: on the tasks it was recorded on (the fitness must come back exactly), on
more or other tasks of its experiment, on tasks of other feature sizes (does the learning rule it
found scale with the input width?), or on another experiment's tasks.

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
    feature_size: int | list[int]  # the tasks' size, or sizes (a mixed experiment's recorded phases)
    fitness: float
    per_task: np.ndarray
    descriptions: tuple[str, ...]
    recorded: float | None  # the run's figure for exactly these tasks, if there is one

    @property
    def matches(self) -> bool | None:
        return None if self.recorded is None else self.fitness == self.recorded


def replay(champion: Champion, tasks: str | None = None, num_tasks: int | None = None, seed: int | None = None,
           feature_sizes: list[int] | None = None) -> list[Replay]:  # fmt: skip
    """Replays of ``champion``. ``tasks``: a phase of its own experiment (default: every recorded
    phase), or an experiment (name or YAML file) whose final tasks to use. ``num_tasks``/``seed``
    change how many tasks and which, ``feature_sizes`` their width (one replay per size, the same
    family and sizes otherwise); the result is then new, not a reproduction. A program is valid at
    any feature size (its index fields are fractions of F)."""
    if tasks is None or tasks in PHASES:
        if champion.experiment is None:
            raise ZeroError(f"{champion.source}: a champion file outside its run directory has no recorded tasks; "
                            "pass --tasks EXPERIMENT.yaml")  # fmt: skip
        phases = [tasks] if tasks else [p for p in PHASES if p in champion.recorded] or list(PHASES)
        runs = [(champion.experiment, phase, phase, True) for phase in phases]
    else:
        other = experiments.load(tasks)
        runs = [(other, "final", f"final tasks of {other.name}", False)]
    return [_one(champion, exp, phase, label, num_tasks, seed, size, own)
            for exp, phase, label, own in runs for size in (feature_sizes or [None])]  # fmt: skip


def _one(champion: Champion, exp: Experiment, phase: str, label: str, num_tasks: int | None, seed: int | None,
         feature_size: int | None, own: bool) -> Replay:  # fmt: skip
    overrides = {}
    if num_tasks is not None:
        overrides[f"{phase}.num_tasks"] = num_tasks
    if seed is not None:
        overrides[f"{phase}.seed"] = seed
    changed = any(exp.config[phase][k.split(".")[1]] != v for k, v in overrides.items())
    if feature_size is not None and exp.feature_sizes != (feature_size,):
        overrides["feature_size"], changed = feature_size, True
    if overrides:
        exp = exp.with_overrides(**overrides)
    # a run that renews its search tasks records which draw its champion was scored on
    draw = int(champion.record.get("search_draw", 0)) if phase == "search" and own and not changed else 0
    task_set = exp.tasks(phase, draw=draw)
    cfg = exp.config
    result = exp.evaluate(champion.program, task_set)
    recorded = champion.recorded.get(phase) if own and not changed else None
    if draw:
        label += f" (renewed draw {draw})"
    if changed:
        label += f" ({task_set.num_tasks} tasks, seed {cfg[phase]['seed']}, F={','.join(map(str, exp.feature_sizes))})"
    return Replay(label, cfg["family"], cfg["feature_size"], result.fitness, result.per_task, task_set.descriptions, recorded)
