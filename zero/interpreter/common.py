"""Pieces of the interpreter that do not depend on the feature size (compiled once, cached)."""

from __future__ import annotations

import math

import numpy as np

from zero.interpreter.jit import compiled

MIN_FITNESS = 0.0
MAX_ABS_ERROR = 100.0  # the reference's max_abs_error
TWO_OVER_PI = 2.0 / math.pi
UNKNOWN_OP = -1  # run_component's return value when it meets an op id it has no kernel for


@compiled
def min_(a, b):
    return b if b < a else a  # std::min: NaN in a propagates, NaN in b is ignored


@compiled
def max_(a, b):
    return b if a < b else a  # std::max


@compiled
def std_(total, total_squares, n):
    """Population std sqrt(E[x²] − E[x]²), the reference's formula. For a constant input rounding
    leaves a tiny residue of either sign (e.g. 9e-9 for sixteen 0.1s); a negative one would be NaN
    in the reference, zero clamps it to 0 (a NaN input stays NaN)."""
    mean = total / n
    var = total_squares / n - mean * mean
    if var < 0.0:
        var = 0.0
    return math.sqrt(var)


@compiled
def sigmoid(x):
    return 1.0 / (1.0 + math.exp(-x))


@compiled
def combine(fitness, use_median):
    """Mean (sequential sum) or median of per-task fitness: the one place tasks are combined."""
    if fitness.shape[0] == 0:
        return MIN_FITNESS
    if use_median:
        return np.median(fitness)
    total = fitness[0]
    for t in range(1, fitness.shape[0]):
        total += fitness[t]
    return total / fitness.shape[0]


