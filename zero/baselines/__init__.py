"""Baselines: the rivals of evolved programs, scored on the same held-out tasks with the same fitness.

Holds the registry and result format (:mod:`~zero.baselines.base`: :data:`REGISTRY` maps a name to
a factory, ``baseline.json`` is written and read there), the bridge from tasks to torch tensors and
the device rule (:mod:`~zero.baselines.adapter`), meta-learners (:mod:`~zero.baselines.meta`:
MAML, first-order MAML, Reptile), architecture search (:mod:`~zero.baselines.nas`), the
hand-written programs run by the interpreter (:mod:`~zero.baselines.hand`) and the published
sinusoid protocol (:mod:`~zero.baselines.literature`). :func:`load_all` imports every baseline
module (they import torch, so this happens only when a baseline is asked for).

May import: the foundation, :mod:`zero.lang`, :mod:`zero.tasks`, :mod:`zero.interpreter`,
:mod:`zero.search` (for the experiment) and itself; never champions or the CLI. See
docs/architecture.md.
"""

from __future__ import annotations

import importlib

from zero.baselines.base import REGISTRY, Baseline, BaselineResult, register, task_fitness  # noqa: F401

MODULES = ("zero.baselines.hand", "zero.baselines.meta", "zero.baselines.nas")


def load_all() -> dict:
    for module in MODULES:
        importlib.import_module(module)
    return REGISTRY
