"""Many programs × one task set at a time: the door the batched search loop evaluates through.

Two evaluators with one interface, ``run(code, data, bounds, *, n_train, n_valid, n_epochs,
trace) -> (per_task [P, T], traces [P, T, W] or None)`` over programs stacked as the search keeps
them (int32 [P, L, 4], float64 [P, L, 3], int64 [P, 4]):

- :class:`CpuEvaluator`: the compiled interpreter, one program after another, on this core;
- :class:`zero.interpreter.gpu.CudaEvaluator`: the CUDA kernel, the whole batch in one launch.

Both compute the same fitness (see :mod:`zero.interpreter.gpu` for the last-bit caveat of device
libm), so a batched search gives the same champion on either; :func:`batch_evaluator` picks one by
device name. See docs/architecture.md.
"""

from __future__ import annotations

import numpy as np

from zero.errors import ZeroError
from zero.interpreter import DEVICES
from zero.interpreter.common import MAX_ABS_ERROR
from zero.interpreter.compiler import compile_for
from zero.lang.encoding import Encoded
from zero.lang.program import Memory
from zero.tasks import TaskSet


def stack(encoded: list[Encoded]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Encoded programs as one batch: code and data zero-padded to the longest (rows past a
    program's ``bounds[3]`` are never read), bounds as they are."""
    rows = max(max(e.code.shape[0] for e in encoded), 1)
    code = np.zeros((len(encoded), rows, 4), np.int32)
    data = np.zeros((len(encoded), rows, 3))
    for i, e in enumerate(encoded):
        code[i, : e.code.shape[0]], data[i, : e.data.shape[0]] = e.code, e.data
    return code, data, np.stack([e.bounds for e in encoded]) if encoded else np.zeros((0, 4), np.int64)

class CpuEvaluator:
    """The compiled CPU interpreter behind the batch interface (one program at a time)."""

    device = "cpu"

    def __init__(self, tasks: TaskSet, memory: Memory, *, max_abs_error: float = MAX_ABS_ERROR):
        self.tasks, self.memory, self.max_abs_error = tasks, memory, float(max_abs_error)
        self.interpreter = compile_for(tasks.feature_size)

    def run(self, code: np.ndarray, data: np.ndarray, bounds: np.ndarray, *, n_train: int | None = None,
            n_valid: int | None = None, n_epochs: int | None = None, trace: bool = False) -> tuple[np.ndarray, np.ndarray | None]:
        """As :meth:`zero.interpreter.gpu.CudaEvaluator.run`."""
        tasks = self.tasks
        n_train = tasks.num_train if n_train is None else min(int(n_train), tasks.num_train)
        n_valid = tasks.num_valid if n_valid is None else min(int(n_valid), tasks.num_valid)
        n_epochs = tasks.epochs if n_epochs is None else min(int(n_epochs), tasks.epochs)
        P, T = code.shape[0], tasks.num_tasks
        out = np.zeros((P, T))
        traces = np.full((P, T, n_epochs * (n_train + n_valid)) if trace else (P, 0, 0), np.nan)
        for p in range(P):
            self.interpreter.evaluate_tasks(
                np.ascontiguousarray(code[p]), np.ascontiguousarray(data[p]), np.ascontiguousarray(bounds[p]), *self.memory,
                tasks.x_train, tasks.y_train, tasks.x_valid, tasks.y_valid, tasks.orders, tasks.rng_seeds,
                tasks.classification, self.max_abs_error, n_train, n_valid, n_epochs, out[p], traces[p],
            )  # fmt: skip
        return out, (traces if trace else None)


def batch_evaluator(device: str, tasks: TaskSet, memory: Memory, *, max_abs_error: float = MAX_ABS_ERROR):
    """The evaluator of ``device`` ("cpu" or "cuda") for ``tasks``; "cuda" raises a ZeroError
    saying why when numba-cuda or a GPU is missing."""
    if device == "cpu":
        return CpuEvaluator(tasks, memory, max_abs_error=max_abs_error)
    if device == "cuda":
        from zero.interpreter.gpu import CudaEvaluator

        return CudaEvaluator(tasks, memory, max_abs_error=max_abs_error)
    raise ZeroError(f"device {device!r}: not a device; use one of {', '.join(DEVICES)}")
