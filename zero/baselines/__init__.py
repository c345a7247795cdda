"""Baselines scored on the same tasks as evolved programs (see :mod:`zero.baselines.base`).

:data:`REGISTRY` maps a name to a factory; :func:`load_all` imports every baseline module (they
import torch, so this happens only when a baseline is asked for).
"""

from __future__ import annotations

import importlib

from zero.baselines.base import REGISTRY, Baseline, BaselineResult, register, task_fitness  # noqa: F401

MODULES = ("zero.baselines.hand", "zero.baselines.meta", "zero.baselines.nas")


def load_all() -> dict:
    for module in MODULES:
        importlib.import_module(module)
    return REGISTRY
