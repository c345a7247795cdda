"""The CUDA twins of the interpreter's compiled helpers, made from the same Python functions.

An op is written once, in :mod:`zero.interpreter.kernels`; this module gives the CUDA
specialization of that template (:mod:`zero.interpreter.gpu`) everything it imports from elsewhere:

- ``compiled`` and ``compiled_inline``: the template's decorators, here
  ``numba.cuda.jit(device=True, inline="always")``. *Inlined* is what lets the real kernels compile
  without a GPU (``cuda.compile_ptx`` on a CPU-only machine, as CI does): numba inlines such
  functions into the caller's IR before typing, whereas a call to an ordinary device function
  compiles it for the *current* device's compute capability, which asks the CUDA driver. (Explicit
  signatures do not help: eager compilation asks the driver too; checked with numba-cuda 0.30.4.)
- ``min_``, ``max_``, ``std_``, ``sigmoid`` (:mod:`zero.interpreter.common`) and ``uniform``,
  ``gaussian`` (:mod:`zero.interpreter.splitmix_kernels`): their ``py_func``, the very Python
  functions the CPU compiles, recompiled for the device (:func:`twin`).
- ``math``: the math module. Under numba's CUDA simulator (``NUMBA_ENABLE_CUDASIM=1``), which runs
  the kernels as Python, it is :class:`IEEEMath` instead: Python's math raises on a domain error or
  overflow where compiled code (CPU and GPU) returns NaN or ±inf.

Importing this module imports ``numba.cuda`` (numba-cuda, the ``cuda`` extra); nothing else in the
package does, so CPU users never need it. See docs/architecture.md.
"""

from __future__ import annotations

import math as _math
import types

from numba import cuda
from numba.core import config

from zero.interpreter import common, splitmix_kernels
from zero.interpreter.common import MIN_FITNESS, TWO_OVER_PI, UNKNOWN_OP  # noqa: F401  (the template imports them here)


class IEEEMath:
    """The math functions the kernels use, with IEEE results where Python's raise: the same libm
    values otherwise (each calls :mod:`math`), so the simulator stays bit-for-bit with the CPU."""

    pi = _math.pi

    @staticmethod
    def _safe(function, x, overflow):
        try:
            return function(x)
        except ValueError:  # domain error: NaN (log at 0 is the one pole: -inf)
            return -_math.inf if function is _math.log and x == 0.0 else _math.nan
        except OverflowError:
            return overflow

    sin = staticmethod(lambda x: IEEEMath._safe(_math.sin, x, _math.nan))
    cos = staticmethod(lambda x: IEEEMath._safe(_math.cos, x, _math.nan))
    tan = staticmethod(lambda x: IEEEMath._safe(_math.tan, x, _math.nan))
    asin = staticmethod(lambda x: IEEEMath._safe(_math.asin, x, _math.nan))
    acos = staticmethod(lambda x: IEEEMath._safe(_math.acos, x, _math.nan))
    atan = staticmethod(lambda x: IEEEMath._safe(_math.atan, x, _math.nan))
    exp = staticmethod(lambda x: IEEEMath._safe(_math.exp, x, _math.inf))
    log = staticmethod(lambda x: IEEEMath._safe(_math.log, x, _math.nan))
    sqrt = staticmethod(lambda x: IEEEMath._safe(_math.sqrt, x, _math.nan))


math = IEEEMath if config.ENABLE_CUDASIM else _math  # the template's `import math` is rewritten to this


def device_inline(function):
    """``function`` as a CUDA device function inlined into every caller."""
    return cuda.jit(device=True, inline="always")(function)


compiled = device_inline  # the template's @compiled (run_tasks and friends become device functions)
compiled_inline = device_inline


def twin(dispatcher, **replacements):
    """The device version of a CPU-compiled helper: its Python function, with the global names in
    ``replacements`` bound to other device functions (a CPU dispatcher cannot be called on the
    device), compiled for CUDA."""
    function = dispatcher.py_func
    scope = dict(function.__globals__, math=math, **replacements)
    clone = types.FunctionType(function.__code__, scope, function.__name__, function.__defaults__, function.__closure__)
    clone.__doc__ = function.__doc__
    return device_inline(clone)


min_ = twin(common.min_)
max_ = twin(common.max_)
std_ = twin(common.std_)
sigmoid = twin(common.sigmoid)
uniform = twin(splitmix_kernels.uniform)
gaussian = twin(splitmix_kernels.gaussian, uniform=uniform)
