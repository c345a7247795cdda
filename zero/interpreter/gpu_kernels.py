"""The CUDA kernel: a batch of programs × a task set → per-task fitness (or FEC traces).

A template, specialized per feature size and memory sizes by :func:`zero.interpreter.gpu.compile_cuda_for`
(the lines marked ``# specialized`` and ``# memory`` are rewritten): local arrays need sizes known
at compile time, and F fixed gives the op loops constant trip counts, as on the CPU.

Mapping: **one thread per (program, task)**, numbered program-major (thread = p · T + t), so the
consecutive threads of a warp run the same program on consecutive tasks and follow the same
instructions until their data makes them diverge (with fewer than 32 tasks a warp spans several
programs: the demo's 10 tasks put about 3 in one). Each thread's memory banks are its own local
arrays, wiped per task by ``run_tasks`` itself; the task data is uploaded once per task set and
read by every program. The mapping is the simplest that reuses ``run_tasks`` whole; it has not
been measured against others (lanes over vector elements for F ≥ 16, say) on a GPU yet. The body is the CPU's own ``run_tasks``
(:mod:`zero.interpreter.kernels`, compiled for the device): the task loop, the op kernels, the
fitness rules and the random stream are the same source, so the GPU computes the same fitness.
"""

from __future__ import annotations

from numba import cuda, float64, uint64

from zero.interpreter.kernels import run_tasks  # specialized

FEATURE_SIZE = 4  # specialized
F = FEATURE_SIZE
FF = F * F
N_SCALARS = 4  # memory
N_VECTORS = 3  # memory
N_MATRICES = 1  # memory


def evaluate_batch(
    code, data, bounds, x_train, y_train, x_valid, y_valid, orders, rng_seeds,
    classification, max_abs_error, n_train, n_valid, n_epochs, out, traces,
):  # fmt: skip
    """``out[p, t]`` = the fitness of program p (``code[p], data[p], bounds[p]``) on task t, for
    every p < out.shape[0] and t < out.shape[1]; ``traces[p]`` as ``run_tasks``'s traces (shape
    (P, 0, 0) for none). The launch needs at least P · T threads; the rest return at once."""
    thread = cuda.grid(1)
    n_tasks = out.shape[1]
    if thread >= out.shape[0] * n_tasks:
        return
    p = thread // n_tasks
    task = thread - p * n_tasks
    s = cuda.local.array(N_SCALARS, float64)
    v = cuda.local.array((N_VECTORS, F), float64)
    m = cuda.local.array((N_MATRICES, F, F), float64)
    mf = m.reshape((N_MATRICES, FF))
    tv = cuda.local.array(F, float64)
    tm = cuda.local.array((F, F), float64)
    rng = cuda.local.array(1, uint64)
    run_tasks(code[p], data[p], bounds[p], s, v, m, mf, tv, tm, rng, x_train, y_train, x_valid, y_valid, orders, rng_seeds,
              task, task + 1, classification, max_abs_error, n_train, n_valid, n_epochs, out[p], traces[p])  # fmt: skip
