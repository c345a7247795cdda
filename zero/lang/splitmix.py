"""The search's random stream: splitmix64, in Python, with the part of NumPy's Generator API we use.

The evolution loop runs compiled (:mod:`zero.search.mutation_kernels`), while :mod:`zero.search.mutation` and
:mod:`zero.lang.generator` stay the readable oracle. Both can only make the same children if they draw
the same numbers, so both draw from one stream: the splitmix64 of :mod:`zero.interpreter.splitmix_kernels`
(same constants, same 53-bit uniform, same two-uniform Box–Muller gaussian). :class:`Rng` is that
stream for Python code; the compiled side keeps its state in a ``uint64[1]`` array, and
``Rng(seed).state`` is exactly what goes in it.

Every draw is defined from ``random()`` alone, by formulas the compiled twin repeats verbatim:

- ``random()``            the next U[0, 1) (top 53 bits of the next splitmix64 output);
- ``integers(n)``         ``int(random() * n)``, uniform on 0..n-1;
- ``integers(lo, hi)``    ``lo + int(random() * (hi - lo))``, uniform on lo..hi-1;
- ``uniform(lo, hi)``     ``lo + (hi - lo) * random()``;
- ``normal()``            ``sqrt(-2 log(1 - u1)) * cos(2π u2)`` from two uniforms.

``int(u * n)`` is always below ``n`` for integer ``n`` (the product of the largest uniform,
``1 - 2⁻⁵³``, with ``n`` rounds down), so no clamping is needed on either side.
"""

from __future__ import annotations

import math
from typing import Protocol

# The stream's constants: the one definition, used by the compiled draws
# (zero.interpreter.splitmix_kernels) and the FEC's hash (zero.search.fec) too.
GOLDEN = 0x9E3779B97F4A7C15
MIX1 = 0xBF58476D1CE4E5B9
MIX2 = 0x94D049BB133111EB
TWO_POW_MINUS_53 = 1.0 / 9007199254740992.0
TWO_PI = 2.0 * math.pi
MASK = (1 << 64) - 1


class RandomStream(Protocol):
    """What :mod:`zero.lang.generator` and :mod:`zero.search.mutation` draw from: an :class:`Rng` or a
    ``numpy.random.Generator`` (which the oracle tests also use, though only :class:`Rng` draws the
    same numbers as the compiled mutator)."""

    def random(self) -> float: ...

    def integers(self, low: int, high: int | None = None) -> int: ...

    def uniform(self, low: float, high: float) -> float: ...

    def normal(self) -> float: ...


class Rng:
    """A splitmix64 stream; ``state`` is the uint64 the compiled side advances in place."""

    __slots__ = ("_state",)

    def __init__(self, seed: int):
        self.state = seed

    @property
    def state(self) -> int:
        return self._state

    @state.setter
    def state(self, value: int) -> None:
        self._state = int(value) & MASK

    def random(self) -> float:
        """The next U[0, 1) draw."""
        x = (self._state + GOLDEN) & MASK
        self._state = x
        z = ((x ^ (x >> 30)) * MIX1) & MASK
        z = ((z ^ (z >> 27)) * MIX2) & MASK
        z ^= z >> 31
        return float(z >> 11) * TWO_POW_MINUS_53

    def integers(self, low: int, high: int | None = None) -> int:
        """Uniform on ``0..low-1`` (one argument) or ``low..high-1``; ValueError if that is empty."""
        if high is None:
            low, high = 0, low
        if high <= low:
            raise ValueError(f"integers({low}, {high}): empty range")
        return low + int(self.random() * (high - low))

    def uniform(self, low: float, high: float) -> float:
        """``low + (high - low) * random()``."""
        return low + (high - low) * self.random()

    def normal(self) -> float:
        """An N(0, 1) draw (Box–Muller, exactly two uniforms)."""
        u1 = self.random()
        u2 = self.random()
        return math.sqrt(-2.0 * math.log(1.0 - u1)) * math.cos(TWO_PI * u2)

    def __repr__(self) -> str:
        return f"Rng(state={self._state:#018x})"
