"""The random stream that programs' uniform/gaussian set ops draw from (splitmix64).

Part of the language's semantics: a program evaluated on task ``t`` seeds this stream with the
task's ``rng_seed`` after the memory wipe, and every random set op draws from it in program order
(vectors element by element, matrices row-major). Both interpreters must therefore produce the same
stream; this module holds the compiled version, :mod:`zero.interpreter.oracle` an independent
pure-Python one, and the tests compare them.

- ``uniform``: the top 53 bits of the next splitmix64 output, scaled to [0, 1).
- ``gaussian``: Box–Muller from two uniforms, ``sqrt(-2 log(1 - u1)) * cos(2π u2)`` (no caching of
  the second value, so every draw consumes exactly two uniforms).
"""

from __future__ import annotations

import math

import numpy as np

from zero.interpreter.jit import compiled
from zero.lang.splitmix import GOLDEN, MIX1, MIX2, TWO_PI, TWO_POW_MINUS_53

# numba mixes uint64 with int64 into float64; every constant is therefore a uint64.
_GOLDEN, _MIX1, _MIX2 = np.uint64(GOLDEN), np.uint64(MIX1), np.uint64(MIX2)
_S11, _S27, _S30, _S31 = np.uint64(11), np.uint64(27), np.uint64(30), np.uint64(31)


@compiled
def uniform(state):
    """Next U[0, 1) draw; ``state`` is a uint64[1] array advanced in place."""
    x = state[0] + _GOLDEN
    state[0] = x
    z = (x ^ (x >> _S30)) * _MIX1
    z = (z ^ (z >> _S27)) * _MIX2
    z = z ^ (z >> _S31)
    return np.float64(z >> _S11) * TWO_POW_MINUS_53


@compiled
def gaussian(state):
    """Next N(0, 1) draw (Box–Muller, two uniforms)."""
    u1 = uniform(state)
    u2 = uniform(state)
    return math.sqrt(-2.0 * math.log(1.0 - u1)) * math.cos(TWO_PI * u2)
