"""Programs × tasks → fitness on an NVIDIA GPU (numba-cuda): the Python door to the CUDA kernel.

:func:`compile_cuda_for` specializes two templates for a feature size and memory sizes: the CPU
interpreter's own :mod:`zero.interpreter.kernels`, with its helpers and decorators swapped for their
device twins (:mod:`zero.interpreter.gpu_device`), and the kernel :mod:`zero.interpreter.gpu_kernels`
that runs it one thread per (program, task). :class:`CudaEvaluator` uploads a task set once and
scores batches of encoded programs against it.

Parity with the CPU (``tests/test_gpu.py``): the same source computes the same fitness, with two
differences the hardware brings, both handled or bounded:

- *FMA contraction*: libNVVM fuses ``a * b + c`` into one fused multiply-add by default (one
  rounding instead of two), which the CPU never does. The kernels are compiled with contraction
  off (``-fma=0``, :func:`no_contraction`), so +, −, ×, ÷ and sqrt round exactly as on the CPU
  (IEEE correctly rounded; ``prec_div``/``prec_sqrt`` stay on).
- *Device libm*: sin, cos, tan, asin, acos, atan, exp and log come from libdevice, accurate to
  1–2 ulp but not always the same ulp as the CPU's libm. Programs that use them (and every
  Gaussian draw, Box–Muller's log and cos) can differ in the last bits of a prediction, and a
  chaotic program can amplify that. The parity test therefore asks for bit-equality on programs
  without those ops and a tolerance of 1e-9 per task on the others, on all but a stated share.

No GPU here? CI compiles the real kernels to PTX (:func:`ptx`, no driver needed) and runs them
in numba's CUDA simulator (``NUMBA_ENABLE_CUDASIM=1``: Python semantics, so exact parity).
"""

from __future__ import annotations

import contextlib
import math
import warnings
from functools import lru_cache
from types import ModuleType
from typing import Iterator, NamedTuple

import numpy as np

from zero.errors import ZeroError
from zero.interpreter import gpu_kernels as _kernel_template
from zero.interpreter import kernels as _interpreter_template
from zero.interpreter.common import MAX_ABS_ERROR
from zero.interpreter.compiler import specialize
from zero.lang.program import Memory
from zero.tasks import TaskSet

INSTALL_HINT = "pip install 'zero-automl[cuda]' (numba-cuda and the CUDA 12 compiler wheels)"
THREADS_PER_BLOCK = 128  # 4 warps: enough to hide latency, few enough registers per block for large F
_DEVICE_HELPERS = "zero.interpreter.gpu_device"
_TEMPLATE_IMPORTS = (
    "import math",
    "from zero.interpreter.common import MIN_FITNESS, TWO_OVER_PI, UNKNOWN_OP, max_, min_, sigmoid, std_",
    "from zero.interpreter.jit import compiled, compiled_inline",
    "from zero.interpreter.splitmix_kernels import gaussian, uniform",
)


def _cuda():
    """``numba.cuda``, or a ZeroError saying how to install it."""
    try:
        from numba import cuda
    except ImportError as e:  # numba-cuda not installed (or broken)
        raise ZeroError(f"the GPU evaluator needs numba-cuda ({e}); install it with {INSTALL_HINT}") from None
    return cuda


def require_device() -> str:
    """The name of the CUDA device programs will run on, or a ZeroError saying why there is none
    (numba-cuda missing, no driver, no GPU). Under ``NUMBA_ENABLE_CUDASIM=1`` the simulator."""
    cuda = _cuda()
    try:
        if not cuda.is_available():
            raise ZeroError("no CUDA device is available (no NVIDIA GPU or driver found: `nvidia-smi` shows what the "
                            "system sees); run on the CPU (device: cpu), or on a machine with a GPU")  # fmt: skip
        device = cuda.get_current_device()
    except ZeroError:
        raise
    except Exception as e:  # driver present but unusable (version mismatch, GPU in use, ...)
        raise ZeroError(f"the CUDA device cannot be used: {type(e).__name__}: {e}") from None
    name = getattr(device, "name", "numba's CUDA simulator")  # the simulator's device has no name
    return name.decode() if isinstance(name, bytes) else str(name)


@contextlib.contextmanager
def no_contraction() -> Iterator[None]:
    """Compile with libNVVM's ``-fma=0`` inside this block: no fused multiply-add where the
    source has a multiply and an add (the CPU rounds both, so must the GPU). numba-cuda passes no
    such option of its own (0.30), so its NVVM compilation unit is given it here; its names are
    looked up when the block starts, and a numba-cuda that lacks them fails loudly rather than
    silently contracting. The simulator compiles nothing: there it does nothing."""
    from numba.core import config

    if config.ENABLE_CUDASIM:
        yield
        return
    from numba.cuda.cudadrv import nvvm

    original = nvvm.CompilationUnit.__init__

    def without_fma(self, options):
        original(self, {**options, "fma": False})

    nvvm.CompilationUnit.__init__ = without_fma
    try:
        yield
    finally:
        nvvm.CompilationUnit.__init__ = original


class CudaKernels(NamedTuple):
    feature_size: int
    memory: Memory
    kernel: object  # numba.cuda dispatcher of gpu_kernels.evaluate_batch
    module: ModuleType  # the specialized gpu_kernels module


@lru_cache(maxsize=None)
def compile_cuda_for(feature_size: int, memory: Memory) -> CudaKernels:
    """The CUDA kernel for feature size F and the given memory sizes (the sources are specialized
    now; numba compiles for the current device at the first launch, with :func:`no_contraction`)."""
    cuda = _cuda()
    F = int(feature_size)
    interpreter = specialize(_interpreter_template, F, {line: f"from {_DEVICE_HELPERS} import {line.split('import ', 1)[1]}"
                                                         for line in _TEMPLATE_IMPORTS})  # fmt: skip
    module = specialize(_kernel_template, F, {
        "from zero.interpreter.kernels import run_tasks  # specialized": f"from {interpreter.__name__} import run_tasks",
        "N_SCALARS = 4  # memory": f"N_SCALARS = {max(memory.scalars, 2)}",  # s0 (input) and s1 (prediction) always exist
        "N_VECTORS = 3  # memory": f"N_VECTORS = {max(memory.vectors, 1)}",
        "N_MATRICES = 1  # memory": f"N_MATRICES = {max(memory.matrices, 1)}",
    })  # fmt: skip
    return CudaKernels(F, memory, cuda.jit(module.evaluate_batch), module)


def kernel_signature():
    """The argument types of every launch (numba types), for :func:`ptx`."""
    from numba import types

    f64 = types.float64
    return (types.Array(types.int32, 3, "C"), types.Array(f64, 3, "C"), types.Array(types.int64, 2, "C"),
            types.Array(f64, 3, "C"), types.Array(f64, 2, "C"), types.Array(f64, 3, "C"), types.Array(f64, 2, "C"),
            types.Array(types.int64, 3, "C"), types.Array(types.int64, 1, "C"),
            types.boolean, f64, types.int64, types.int64, types.int64,
            types.Array(f64, 2, "C"), types.Array(f64, 3, "C"))  # fmt: skip


def ptx(feature_size: int, memory: Memory, cc: tuple[int, int] = (9, 0)) -> str:
    """The kernel's PTX for compute capability ``cc``, compiled without a GPU or driver (what the
    real CUDA target accepts, which the simulator cannot tell), contraction off."""
    cuda = _cuda()
    kernels = compile_cuda_for(feature_size, memory)
    with no_contraction():
        text, _ = cuda.compile_ptx(kernels.module.evaluate_batch, kernel_signature(), cc=cc)
    return text


def _contiguous(array: np.ndarray, dtype) -> np.ndarray:
    return np.ascontiguousarray(array, dtype=dtype)


class CudaEvaluator:
    """One task set, uploaded once, against which batches of encoded programs are scored.

    ``run(code, data, bounds)`` takes P programs stacked as the search keeps them (int32 [P, L, 4],
    float64 [P, L, 3], int64 [P, 4]; only the live instructions should be given, as on the CPU)
    and returns float64 [P, T]: each program's fitness on each task (not combined)."""

    def __init__(self, tasks: TaskSet, memory: Memory, *, max_abs_error: float = MAX_ABS_ERROR):
        self.device = require_device()
        cuda = _cuda()
        self.tasks, self.memory, self.max_abs_error = tasks, memory, float(max_abs_error)
        self.kernels = compile_cuda_for(tasks.feature_size, memory)
        self._data = tuple(cuda.to_device(_contiguous(a, a.dtype)) for a in
                           (tasks.x_train, tasks.y_train, tasks.x_valid, tasks.y_valid, tasks.orders, tasks.rng_seeds))  # fmt: skip

    def run(self, code: np.ndarray, data: np.ndarray, bounds: np.ndarray, *, n_train: int | None = None,
            n_valid: int | None = None, n_epochs: int | None = None, trace: bool = False) -> tuple[np.ndarray, np.ndarray | None]:
        """Per-task fitness [P, T] and, with ``trace``, the predictions [P, T, n_epochs · (n_train +
        n_valid)] (NaN where none were made), for the first ``n_train``/``n_valid`` examples over
        ``n_epochs`` epochs (default: the task set's own)."""
        cuda = _cuda()
        tasks = self.tasks
        n_train = tasks.num_train if n_train is None else min(int(n_train), tasks.num_train)
        n_valid = tasks.num_valid if n_valid is None else min(int(n_valid), tasks.num_valid)
        n_epochs = tasks.epochs if n_epochs is None else min(int(n_epochs), tasks.epochs)
        P, T = code.shape[0], tasks.num_tasks
        if P == 0:
            return np.zeros((0, T)), (np.zeros((0, T, 0)) if trace else None)
        width = n_epochs * (n_train + n_valid) if trace else 0
        out = cuda.device_array((P, T), np.float64)
        traces = cuda.to_device(np.full((P, T if trace else 0, width), np.nan))
        blocks = math.ceil(P * T / THREADS_PER_BLOCK)
        args = (cuda.to_device(_contiguous(code, np.int32)), cuda.to_device(_contiguous(data, np.float64)),
                cuda.to_device(_contiguous(bounds, np.int64)), *self._data, bool(tasks.classification), self.max_abs_error,
                np.int64(n_train), np.int64(n_valid), np.int64(n_epochs), out, traces)  # fmt: skip
        with no_contraction(), warnings.catch_warnings():  # the first launch compiles
            warnings.simplefilter("ignore", RuntimeWarning)  # the simulator computes in NumPy scalars, which warn on inf/NaN
            self.kernels.kernel[blocks, THREADS_PER_BLOCK](*args)
        return out.copy_to_host(), (traces.copy_to_host() if trace else None)
