"""The oracle: a plain NumPy interpreter with the same semantics as the compiled one.

Written for clarity, not speed, and independently of :mod:`zero.interpreter.kernels`: it reads
:class:`~zero.lang.program.Program` objects (not encoded arrays), keeps one NumPy function per op in
:data:`OP_KERNELS` (keyed by op name; a test checks every op of :mod:`zero.lang.ops` has one), and has
its own pure-Python copy of the program RNG. The differential tests run thousands of random programs
through both and require the same predictions and fitness.

Rounding conventions shared with the compiled interpreter, so that results agree to the last bit:
- reductions add left to right starting from the first term (``np.add.accumulate``; NumPy's own
  ``sum``/``dot``/``matmul`` use pairwise or BLAS orders that differ in the last bit);
- scalar maths uses the C library through :mod:`math`, with IEEE results where Python would raise
  (``log(0) = -inf``, ``exp(1000) = inf``, ``sin(inf) = nan``);
- ``min``/``max`` follow ``std::min``/``std::max`` (``b if b < a else a``), heaviside is ``x >= 0``
  for scalars and ``x > 0`` elementwise, std is ``sqrt(max(E[x²] − E[x]², 0))``.
"""

from __future__ import annotations

import math
from typing import Callable

import numpy as np

from zero.lang import ops, splitmix
from zero.lang.program import Instruction, Program
from zero.tasks import TaskSet

MIN_FITNESS = 0.0
MAX_ABS_ERROR = 100.0
_MASK = (1 << 64) - 1


class SplitMix64:
    """Pure-Python twin of :mod:`zero.interpreter.splitmix_kernels`."""

    def __init__(self, seed: int):
        self.state = int(seed) & _MASK

    def uniform(self) -> float:
        self.state = (self.state + splitmix.GOLDEN) & _MASK
        z = self.state
        z = ((z ^ (z >> 30)) * splitmix.MIX1) & _MASK
        z = ((z ^ (z >> 27)) * splitmix.MIX2) & _MASK
        z ^= z >> 31
        return float(z >> 11) * splitmix.TWO_POW_MINUS_53

    def gaussian(self) -> float:
        u1, u2 = self.uniform(), self.uniform()
        return math.sqrt(-2.0 * math.log(1.0 - u1)) * math.cos(splitmix.TWO_PI * u2)


class Memory:
    """Typed memory for one program on one task: ``s`` [S], ``v`` [V, F], ``m`` [M, F, F]."""

    def __init__(self, program: Program, feature_size: int, seed: int):
        S, V, M = program.memory
        self.F = feature_size
        self.s = np.zeros(S)
        self.v = np.zeros((V, feature_size))
        self.m = np.zeros((max(M, 1), feature_size, feature_size))
        self.rng = SplitMix64(seed)


# ---- numeric helpers -------------------------------------------------------------------------


def seqsum(x: np.ndarray, axis: int | None = None):
    """Left-to-right sum starting from the first term (whole array row-major when axis is None)."""
    if axis is None:
        return np.add.accumulate(np.ravel(x))[-1]
    return np.take(np.add.accumulate(x, axis=axis), -1, axis=axis)


def _ieee(fn: Callable[[float], float]) -> Callable[[float], float]:
    """``fn`` from :mod:`math` returning IEEE inf/nan where Python raises."""

    def wrapped(x: float) -> float:
        x = float(x)
        try:
            return fn(x)
        except OverflowError:
            return math.inf
        except ValueError:
            if fn is math.log and x == 0.0:
                return -math.inf
            return math.nan

    return wrapped


_exp = _ieee(math.exp)


def _std(total, total_squares, n):
    mean = total / n
    var = total_squares / n - mean * mean
    return np.sqrt(np.where(var < 0.0, 0.0, var))


def _minimum(a, b):
    return np.where(b < a, b, a)


def _maximum(a, b):
    return np.where(a < b, b, a)


def _index(fraction: float, size: int) -> int:
    return min(int(fraction * size), size - 1)


def sigmoid(x: float) -> float:
    return 1.0 / (1.0 + _exp(-x))


# ---- one function per op: (memory, instruction) -> None --------------------------------------

Kernel = Callable[[Memory, Instruction], None]


def _binary(bank: str, fn) -> Kernel:
    """``bank[out] = fn(bank[in1], bank[in2])`` for bank s, v or m."""

    def k(mem, i):
        values = getattr(mem, bank)
        values[i.out] = fn(values[i.in1], values[i.in2])

    return k


def _unary(bank: str, fn) -> Kernel:
    def k(mem, i):
        values = getattr(mem, bank)
        values[i.out] = fn(values[i.in1])

    return k


def _to_scalar(bank: str, fn) -> Kernel:
    def k(mem, i):
        mem.s[i.out] = fn(getattr(mem, bank)[i.in1])

    return k


def _set(bank: str, draw) -> Kernel:
    """Fill s/v/m[out] element by element (row-major) with ``draw(mem.rng, d0, d1)``."""

    def k(mem, i):
        target = getattr(mem, bank)
        shape = target.shape[1:]
        values = [draw(mem.rng, i.data[0], i.data[1]) for _ in range(int(np.prod(shape, dtype=int)))]
        target[i.out] = np.array(values).reshape(shape)

    return k


def _uniform(rng, low, high):
    return low + (high - low) * rng.uniform()


def _gaussian(rng, mean, std):
    return mean + std * rng.gaussian()


def _vector_const(mem, i):
    mem.v[i.out, _index(i.data[0], mem.F)] = i.data[1]


def _matrix_const(mem, i):
    mem.m[i.out, _index(i.data[0], mem.F), _index(i.data[1], mem.F)] = i.data[2]


def _scalar_const(mem, i):
    mem.s[i.out] = i.data[0]


def _scalar_vector_product(mem, i):
    mem.v[i.out] = mem.s[i.in1] * mem.v[i.in2]


def _scalar_broadcast(mem, i):
    mem.v[i.out] = np.full(mem.F, mem.s[i.in1])


def _scalar_matrix_product(mem, i):
    mem.m[i.out] = mem.s[i.in1] * mem.m[i.in2]


def _inner(mem, i):
    mem.s[i.out] = seqsum(mem.v[i.in1] * mem.v[i.in2])


def _outer(mem, i):
    mem.m[i.out] = np.multiply.outer(mem.v[i.in1], mem.v[i.in2])


def _matrix_vector(mem, i):
    mem.v[i.out] = seqsum(mem.m[i.in1] * mem.v[i.in2][None, :], axis=1)


def _column_broadcast(mem, i):
    mem.m[i.out] = np.repeat(mem.v[i.in1][:, None], mem.F, axis=1)


def _row_broadcast(mem, i):
    mem.m[i.out] = np.repeat(mem.v[i.in1][None, :], mem.F, axis=0)


def _matrix_to_vector(fn) -> Kernel:
    def k(mem, i):
        mem.v[i.out] = fn(mem.m[i.in1])

    return k


OP_KERNELS: dict[str, Kernel] = {
    "no_op": lambda mem, i: None,
    "scalar_sum": _binary("s", lambda a, b: a + b),
    "scalar_diff": _binary("s", lambda a, b: a - b),
    "scalar_product": _binary("s", lambda a, b: a * b),
    "scalar_division": _binary("s", lambda a, b: a / b),
    "scalar_abs": _unary("s", abs),
    "scalar_reciprocal": _unary("s", lambda a: 1.0 / a),
    "scalar_sin": _unary("s", _ieee(math.sin)),
    "scalar_cos": _unary("s", _ieee(math.cos)),
    "scalar_tan": _unary("s", _ieee(math.tan)),
    "scalar_arcsin": _unary("s", _ieee(math.asin)),
    "scalar_arccos": _unary("s", _ieee(math.acos)),
    "scalar_arctan": _unary("s", _ieee(math.atan)),
    "scalar_exp": _unary("s", _exp),
    "scalar_log": _unary("s", _ieee(math.log)),
    "scalar_heaviside": _unary("s", lambda a: 1.0 if a >= 0.0 else 0.0),
    "vector_heaviside": _unary("v", lambda a: np.where(a > 0.0, 1.0, 0.0)),
    "matrix_heaviside": _unary("m", lambda a: np.where(a > 0.0, 1.0, 0.0)),
    "scalar_vector_product": _scalar_vector_product,
    "scalar_broadcast": _scalar_broadcast,
    "vector_reciprocal": _unary("v", lambda a: 1.0 / a),
    "vector_norm": _to_scalar("v", lambda a: np.sqrt(seqsum(a * a))),
    "vector_abs": _unary("v", np.abs),
    "vector_sum": _binary("v", np.add),
    "vector_diff": _binary("v", np.subtract),
    "vector_product": _binary("v", np.multiply),
    "vector_division": _binary("v", np.divide),
    "vector_inner_product": _inner,
    "vector_outer_product": _outer,
    "scalar_matrix_product": _scalar_matrix_product,
    "matrix_reciprocal": _unary("m", lambda a: 1.0 / a),
    "matrix_vector_product": _matrix_vector,
    "vector_column_broadcast": _column_broadcast,
    "vector_row_broadcast": _row_broadcast,
    "matrix_norm": _to_scalar("m", lambda a: np.sqrt(seqsum(a * a))),
    "matrix_column_norm": _matrix_to_vector(lambda a: np.sqrt(seqsum(a * a, axis=0))),
    "matrix_row_norm": _matrix_to_vector(lambda a: np.sqrt(seqsum(a * a, axis=1))),
    "matrix_transpose": _unary("m", lambda a: a.T.copy()),
    "matrix_abs": _unary("m", np.abs),
    "matrix_sum": _binary("m", np.add),
    "matrix_diff": _binary("m", np.subtract),
    "matrix_product": _binary("m", np.multiply),
    "matrix_division": _binary("m", np.divide),
    "matrix_matrix_product": _binary("m", lambda a, b: seqsum(a[:, :, None] * b[None, :, :], axis=1)),
    "scalar_min": _binary("s", _minimum),
    "vector_min": _binary("v", _minimum),
    "matrix_min": _binary("m", _minimum),
    "scalar_max": _binary("s", _maximum),
    "vector_max": _binary("v", _maximum),
    "matrix_max": _binary("m", _maximum),
    "vector_mean": _to_scalar("v", lambda a: seqsum(a) / a.size),
    "matrix_mean": _to_scalar("m", lambda a: seqsum(a) / a.size),
    "matrix_row_mean": _matrix_to_vector(lambda a: seqsum(a, axis=1) / a.shape[1]),
    "matrix_row_st_dev": _matrix_to_vector(lambda a: _std(seqsum(a, axis=1), seqsum(a * a, axis=1), a.shape[1])),
    "vector_st_dev": _to_scalar("v", lambda a: _std(seqsum(a), seqsum(a * a), a.size)),
    "matrix_st_dev": _to_scalar("m", lambda a: _std(seqsum(a), seqsum(a * a), a.size)),
    "scalar_const_set": _scalar_const,
    "vector_const_set": _vector_const,
    "matrix_const_set": _matrix_const,
    "scalar_uniform_set": _set("s", _uniform),
    "vector_uniform_set": _set("v", _uniform),
    "matrix_uniform_set": _set("m", _uniform),
    "scalar_gaussian_set": _set("s", _gaussian),
    "vector_gaussian_set": _set("v", _gaussian),
    "matrix_gaussian_set": _set("m", _gaussian),
}
_BY_ID = [OP_KERNELS.get(op.name) for op in ops.OPS]


def run_component(mem: Memory, component: tuple[Instruction, ...]) -> None:
    with np.errstate(all="ignore"):
        for ins in component:
            _BY_ID[ins.op](mem, ins)


def evaluate_task(
    program: Program,
    tasks: TaskSet,
    t: int,
    *,
    max_abs_error: float = MAX_ABS_ERROR,
    n_train: int | None = None,
    n_valid: int | None = None,
    trace: list[float] | None = None,
) -> float:
    """Fitness of ``program`` on task ``t`` of ``tasks``; appends each prediction to ``trace``."""
    n_train = tasks.num_train if n_train is None else n_train
    n_valid = tasks.num_valid if n_valid is None else n_valid
    classification = tasks.classification
    mem = Memory(program, tasks.feature_size, int(tasks.rng_seeds[t]))
    x_train, y_train, x_valid, y_valid = tasks.x_train[t], tasks.y_train[t], tasks.x_valid[t], tasks.y_valid[t]
    record = trace if trace is not None else []

    def predict(x: np.ndarray) -> float:
        mem.v[0] = x
        mem.s[0] = 0.0
        run_component(mem, program.predict)
        p = float(mem.s[1])
        if classification:
            p = sigmoid(p)
            mem.s[1] = p
        record.append(p)
        return p

    run_component(mem, program.setup)
    best = MIN_FITNESS
    for epoch in range(tasks.epochs):
        for i in tasks.orders[t, epoch, :n_train]:
            p = predict(x_train[i])
            if not abs(y_train[i] - p) <= max_abs_error:
                return MIN_FITNESS
            mem.v[0] = x_train[i]
            mem.s[0] = y_train[i]
            run_component(mem, program.learn)
        predictions = []
        for k in range(n_valid):
            p = predict(x_valid[k])
            if not abs(y_valid[k] - p) <= max_abs_error:
                predictions = None
                record.extend([math.nan] * (n_valid - k - 1))
                break
            predictions.append(p)
        if predictions:
            predictions, labels = np.array(predictions), y_valid[:n_valid]
            if classification:
                fitness = np.sum((predictions > 0.5) == (labels > 0.5)) / n_valid
            else:
                errors = labels - predictions
                fitness = 1.0 - (2.0 / math.pi) * math.atan(math.sqrt(seqsum(errors * errors) / n_valid))
            best = max(best, fitness)
    return best


def evaluate(program: Program, tasks: TaskSet, *, max_abs_error: float = MAX_ABS_ERROR, combine_by: str = "mean"):
    """(combined fitness, per-task fitness array, per-task prediction traces) — the oracle's
    counterpart of :func:`zero.interpreter.evaluator.evaluate`."""
    per_task, traces = [], []
    length = tasks.epochs * (tasks.num_train + tasks.num_valid)
    for t in range(tasks.num_tasks):
        trace: list[float] = []
        per_task.append(evaluate_task(program, tasks, t, max_abs_error=max_abs_error, trace=trace))
        traces.append(trace + [math.nan] * (length - len(trace)))
    per_task = np.array(per_task)
    combined = float(np.median(per_task)) if combine_by == "median" else float(seqsum(per_task) / len(per_task))
    return combined, per_task, np.array(traces)
