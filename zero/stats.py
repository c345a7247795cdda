"""The summary statistics zero reports: a mean over tasks with its 95% interval.

One definition for every table and plot (``zero compare``, the literature protocol of the
baselines): the interval is the normal approximation ``mean ± 1.96 · s / √n`` with the sample
standard deviation ``s`` (ddof = 1), NaN for a single value.
"""

from __future__ import annotations

import math

import numpy as np

Z_95 = 1.96  # two-sided 95% quantile of the normal distribution


def mean_and_interval(values) -> tuple[float, float]:
    """The mean of ``values`` and the half-width of its 95% interval (NaN when n < 2)."""
    values = np.asarray(values, dtype=np.float64)
    n = values.size
    half = Z_95 * float(np.std(values, ddof=1)) / math.sqrt(n) if n > 1 else float("nan")
    return float(np.mean(values)), half
