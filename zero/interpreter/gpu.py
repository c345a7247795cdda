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
  1–2 ulp but not always the same ulp as the CPU's libm. Programs that use them
  (:data:`zero.interpreter.differential.LIBM_OPS`, and classification's sigmoid) can differ in the
  last bits of a prediction, and a chaotic program can amplify that. The parity check therefore
  asks for bit-equality on programs without those ops, and on the others for ``GPU_TOLERANCE`` per
  task on all but ``LIBM_DIVERGED_SHARE`` of the programs (:class:`~zero.interpreter.differential.GpuReport`):
  the intended contract, not yet run on a GPU.

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
THREADS_PER_BLOCK = 128  # 4 warps per block: a common starting point, not yet tuned on a GPU
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
    """The name of the first CUDA device, or a ZeroError saying why there is none (numba-cuda
    missing, no driver, no GPU); numba's simulator under ``NUMBA_ENABLE_CUDASIM=1``. It asks the
    driver without creating a context, so a process that only checks holds no GPU memory."""
    return device_names()[0]


def device_names() -> list[str]:
    """The names of the CUDA devices this process sees (at least one), or a ZeroError as
    :func:`require_device`."""
    cuda = _cuda()
    try:
        if not cuda.is_available():
            raise ZeroError("no CUDA device is available (no NVIDIA GPU or driver found: `nvidia-smi` shows what the "
                            "system sees); run on the CPU (device: cpu), or on a machine with a GPU")  # fmt: skip
        names = [getattr(gpu, "name", None) or "numba's CUDA simulator" for gpu in cuda.gpus]  # the simulator's has no name
    except ZeroError:
        raise
    except Exception as e:  # driver present but unusable (version mismatch, GPU in use, ...)
        raise ZeroError(f"the CUDA device cannot be used: {type(e).__name__}: {' '.join(str(e).split())}") from None
    if not names:
        raise ZeroError("no CUDA device is available (the driver lists none)")
    return [n.decode() if isinstance(n, bytes) else str(n) for n in names]


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


def launch_arguments(tasks: TaskSet, code: np.ndarray, data: np.ndarray, bounds: np.ndarray, max_abs_error: float,
                     n_train: int, n_valid: int, n_epochs: int, trace: bool) -> tuple:
    """The kernel's arguments on the host, in order and of the types every launch uses: the one
    definition :meth:`CudaEvaluator.run` uploads and :func:`ptx` types (``numba.typeof``), so the
    kernel CI compiles is the kernel a GPU runs."""
    P, T = code.shape[0], tasks.num_tasks
    width = n_epochs * (n_train + n_valid) if trace else 0
    return (np.ascontiguousarray(code, np.int32), np.ascontiguousarray(data, np.float64), np.ascontiguousarray(bounds, np.int64),
            tasks.x_train, tasks.y_train, tasks.x_valid, tasks.y_valid, tasks.orders, tasks.rng_seeds,
            bool(tasks.classification), float(max_abs_error), np.int64(n_train), np.int64(n_valid), np.int64(n_epochs),
            np.zeros((P, T)), np.full((P, T if trace else 0, width), np.nan))  # fmt: skip


TASK_ARGUMENTS = slice(3, 9)  # the task set's arrays among the launch arguments: uploaded once per evaluator
OUT, TRACES = 14, 15


def ptx(feature_size: int, memory: Memory, cc: tuple[int, int] = (9, 0)) -> str:
    """The kernel's PTX for compute capability ``cc``, compiled without a GPU or driver (what the
    real CUDA target accepts, which the simulator cannot tell), contraction off. It names one
    external function, ``numba_attempt_nocopy_reshape`` (the view of the matrix bank as flat
    rows): numba-cuda links its own CUDA source for it with NVRTC at the first real launch."""
    from numba import typeof

    from zero.tasks import TaskSpec, make_tasks

    cuda = _cuda()
    kernels = compile_cuda_for(feature_size, memory)
    sample = make_tasks(TaskSpec("linear", int(feature_size), 2, 2), 1, 0)
    one = (np.zeros((1, 1, 4), np.int32), np.zeros((1, 1, 3)), np.zeros((1, 4), np.int64))
    signature = tuple(typeof(a) for a in launch_arguments(sample, *one, MAX_ABS_ERROR, 2, 2, 1, False))
    with no_contraction():
        text, _ = cuda.compile_ptx(kernels.module.evaluate_batch, signature, cc=cc)
    return text


class CudaEvaluator:
    """One task set, uploaded once, against which batches of encoded programs are scored.

    ``run(code, data, bounds)`` takes P programs stacked as the search keeps them (int32 [P, L, 4],
    float64 [P, L, 3], int64 [P, 4]; only the live instructions should be given, as on the CPU)
    and returns float64 [P, T]: each program's fitness on each task (not combined). Each run
    uploads its programs and allocates its outputs afresh (kept simple until measured on a GPU)."""

    def __init__(self, tasks: TaskSet, memory: Memory, *, max_abs_error: float = MAX_ABS_ERROR):
        self.device = require_device()
        cuda = _cuda()
        self.tasks, self.memory, self.max_abs_error = tasks, memory, float(max_abs_error)
        self.kernels = compile_cuda_for(tasks.feature_size, memory)
        empty = np.zeros((0, 1, 4), np.int32), np.zeros((0, 1, 3)), np.zeros((0, 4), np.int64)
        host = launch_arguments(tasks, *empty, self.max_abs_error, 1, 1, 1, False)
        self._tasks = tuple(cuda.to_device(a) for a in host[TASK_ARGUMENTS])

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
        host = launch_arguments(tasks, code, data, bounds, self.max_abs_error, n_train, n_valid, n_epochs, trace)
        args = [cuda.to_device(a) if isinstance(a, np.ndarray) else a for a in host]
        args[TASK_ARGUMENTS] = self._tasks
        blocks = math.ceil(P * T / THREADS_PER_BLOCK)
        with no_contraction(), warnings.catch_warnings():  # the first launch compiles
            warnings.simplefilter("ignore", RuntimeWarning)  # the simulator computes in NumPy scalars, which warn on inf/NaN
            self.kernels.kernel[blocks, THREADS_PER_BLOCK](*args)
        return args[OUT].copy_to_host(), (args[TRACES].copy_to_host() if trace else None)
