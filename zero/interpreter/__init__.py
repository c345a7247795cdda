"""The interpreter: a program run on tasks gives a fitness, compiled and checked against an oracle.

Holds ``@compiled`` (:mod:`~zero.interpreter.jit`: numba with a cache keyed on the sources), the
compiled splitmix64 draws (:mod:`~zero.interpreter.splitmix_kernels`), the op kernels and the task
loop (:mod:`~zero.interpreter.kernels`, a template), their specialization per feature size
(:mod:`~zero.interpreter.compiler`), the fitness rules shared by every kernel
(:mod:`~zero.interpreter.common`), the Python-facing :func:`~zero.interpreter.evaluator.evaluate`,
the independent NumPy oracle (:mod:`~zero.interpreter.oracle`) and the differential check of the
two (:mod:`~zero.interpreter.differential`); and for many programs at once, the batch evaluators
(:mod:`~zero.interpreter.batch`): the CPU one and the CUDA one (:mod:`~zero.interpreter.gpu`, its
kernel :mod:`~zero.interpreter.gpu_kernels` and the device twins of the helpers
:mod:`~zero.interpreter.gpu_device`; the only modules that import numba-cuda).

May import: the foundation, :mod:`zero.lang`, :mod:`zero.tasks` and itself; never the search.
See docs/architecture.md.
"""

DEVICES = ("cpu", "cuda")  # where programs can be evaluated (kept here, import-light, for the experiment schema)
