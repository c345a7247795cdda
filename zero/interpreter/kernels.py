"""The compiled interpreter's kernels, a template specialized per feature size (see ``run.py``).

Semantics (AutoML-Zero, Real et al. 2020 §2 and the reference ``executor.h``), per task:

1. wipe memory to zero, seed the program RNG with the task's ``rng_seed``, run ``setup`` once;
2. for each epoch (epoch 0 in stored order, later epochs in the task's shuffled ``orders``), for each
   training example: ``v0 = x, s0 = 0``, run ``predict``, read ``s1`` (for classification replace it by
   ``sigmoid(s1)``, also in memory); if ``|y - s1|`` is NaN, inf or > ``max_abs_error`` the task scores
   ``MIN_FITNESS``; then ``v0 = x, s0 = y``, run ``learn``;
3. after each epoch, validate: ``predict`` on every validation example (label hidden, memory state
   persists and is *not* reset); regression scores ``1 - (2/π)·arctan(RMSE)``, classification the
   accuracy of ``(p > 0.5) == (y > 0.5)``; a NaN/inf/too-large validation error scores that epoch
   ``MIN_FITNESS``. The task's fitness is the best epoch's.

Tasks are combined by mean or median (:func:`zero.interpreter.common.combine`).

Speed design. The feature size F is a compile-time constant: :func:`zero.interpreter.compiler.compile_for` builds (and caches
on disk, ``cache=True``) one set of kernels per F, so every vector/matrix loop has a constant trip
count LLVM can unroll — the reference C++ templates F for the same reason. Nothing is allocated per
instruction; memory and scratch buffers are allocated once per call and reused across tasks.
``error_model='numpy'`` makes 1/0 give inf instead of raising; no ``fastmath``, which would assume
NaN never happens and reassociate sums.

Reductions (sums, dots, norms, means, matrix products) add terms strictly left to right starting from
the first term; the NumPy oracle does the same, so both interpreters round identically and even
chaotic programs agree to the last bit.
"""

from __future__ import annotations

import math

import numpy as np

from zero.interpreter.common import MIN_FITNESS, TWO_OVER_PI, UNKNOWN_OP, max_, min_, sigmoid, std_
from zero.interpreter.jit import compiled, compiled_inline
from zero.interpreter.splitmix_kernels import gaussian, uniform
from zero.lang import ops

# The feature size F, a compile-time constant. This line is rewritten for each F by
# ``zero.interpreter.compiler.compile_for``; the value here only makes the template importable.
FEATURE_SIZE = 4  # specialized
F = FEATURE_SIZE
FF = F * F

# Op ids, bound to plain module globals: numba freezes globals into constants at compile time.
NO_OP, S_SUM, S_DIFF, S_PRODUCT, S_DIVISION = 0, ops.SCALAR_SUM, ops.SCALAR_DIFF, ops.SCALAR_PRODUCT, ops.SCALAR_DIVISION
S_ABS, S_RECIPROCAL, S_SIN, S_COS, S_TAN = ops.SCALAR_ABS, ops.SCALAR_RECIPROCAL, ops.SCALAR_SIN, ops.SCALAR_COS, ops.SCALAR_TAN
S_ARCSIN, S_ARCCOS, S_ARCTAN, S_EXP, S_LOG = ops.SCALAR_ARCSIN, ops.SCALAR_ARCCOS, ops.SCALAR_ARCTAN, ops.SCALAR_EXP, ops.SCALAR_LOG
S_HEAVISIDE, V_HEAVISIDE, M_HEAVISIDE = ops.SCALAR_HEAVISIDE, ops.VECTOR_HEAVISIDE, ops.MATRIX_HEAVISIDE
SV_PRODUCT, S_BROADCAST = ops.SCALAR_VECTOR_PRODUCT, ops.SCALAR_BROADCAST
V_RECIPROCAL, V_NORM, V_ABS = ops.VECTOR_RECIPROCAL, ops.VECTOR_NORM, ops.VECTOR_ABS
V_SUM, V_DIFF, V_PRODUCT, V_DIVISION = ops.VECTOR_SUM, ops.VECTOR_DIFF, ops.VECTOR_PRODUCT, ops.VECTOR_DIVISION
V_INNER, V_OUTER, SM_PRODUCT = ops.VECTOR_INNER_PRODUCT, ops.VECTOR_OUTER_PRODUCT, ops.SCALAR_MATRIX_PRODUCT
M_RECIPROCAL, MV_PRODUCT = ops.MATRIX_RECIPROCAL, ops.MATRIX_VECTOR_PRODUCT
V_COL_BCAST, V_ROW_BCAST = ops.VECTOR_COLUMN_BROADCAST, ops.VECTOR_ROW_BROADCAST
M_NORM, M_COL_NORM, M_ROW_NORM = ops.MATRIX_NORM, ops.MATRIX_COLUMN_NORM, ops.MATRIX_ROW_NORM
M_TRANSPOSE, M_ABS = ops.MATRIX_TRANSPOSE, ops.MATRIX_ABS
M_SUM, M_DIFF, M_PRODUCT, M_DIVISION = ops.MATRIX_SUM, ops.MATRIX_DIFF, ops.MATRIX_PRODUCT, ops.MATRIX_DIVISION
MM_PRODUCT = ops.MATRIX_MATRIX_PRODUCT
S_MIN, V_MIN, M_MIN, S_MAX, V_MAX, M_MAX = ops.SCALAR_MIN, ops.VECTOR_MIN, ops.MATRIX_MIN, ops.SCALAR_MAX, ops.VECTOR_MAX, ops.MATRIX_MAX
V_MEAN, M_MEAN, M_ROW_MEAN, M_ROW_STD = ops.VECTOR_MEAN, ops.MATRIX_MEAN, ops.MATRIX_ROW_MEAN, ops.MATRIX_ROW_ST_DEV
V_STD, M_STD = ops.VECTOR_ST_DEV, ops.MATRIX_ST_DEV
S_CONST, V_CONST, M_CONST = ops.SCALAR_CONST_SET, ops.VECTOR_CONST_SET, ops.MATRIX_CONST_SET
S_UNIFORM, V_UNIFORM, M_UNIFORM = ops.SCALAR_UNIFORM_SET, ops.VECTOR_UNIFORM_SET, ops.MATRIX_UNIFORM_SET
S_GAUSSIAN, V_GAUSSIAN, M_GAUSSIAN = ops.SCALAR_GAUSSIAN_SET, ops.VECTOR_GAUSSIAN_SET, ops.MATRIX_GAUSSIAN_SET


@compiled_inline
def run_component(code, data, start, end, s, v, m, mf, tv, tm, rng):
    for pc in range(start, end):
        op = code[pc, 0]
        a = code[pc, 1]
        b = code[pc, 2]
        o = code[pc, 3]
        if op == NO_OP:
            pass
        # ---- scalar ----
        elif op == S_SUM:
            s[o] = s[a] + s[b]
        elif op == S_DIFF:
            s[o] = s[a] - s[b]
        elif op == S_PRODUCT:
            s[o] = s[a] * s[b]
        elif op == S_DIVISION:
            s[o] = s[a] / s[b]
        elif op == S_ABS:
            s[o] = abs(s[a])
        elif op == S_RECIPROCAL:
            s[o] = 1.0 / s[a]
        elif op == S_SIN:
            s[o] = math.sin(s[a])
        elif op == S_COS:
            s[o] = math.cos(s[a])
        elif op == S_TAN:
            s[o] = math.tan(s[a])
        elif op == S_ARCSIN:
            s[o] = math.asin(s[a])
        elif op == S_ARCCOS:
            s[o] = math.acos(s[a])
        elif op == S_ARCTAN:
            s[o] = math.atan(s[a])
        elif op == S_EXP:
            s[o] = math.exp(s[a])
        elif op == S_LOG:
            s[o] = math.log(s[a])
        elif op == S_HEAVISIDE:
            s[o] = 1.0 if s[a] >= 0.0 else 0.0
        elif op == S_MIN:
            s[o] = min_(s[a], s[b])
        elif op == S_MAX:
            s[o] = max_(s[a], s[b])
        # ---- vector, elementwise ----
        elif op == V_HEAVISIDE:
            for i in range(F):
                v[o, i] = 1.0 if v[a, i] > 0.0 else 0.0
        elif op == SV_PRODUCT:
            x = s[a]
            for i in range(F):
                v[o, i] = x * v[b, i]
        elif op == S_BROADCAST:
            x = s[a]
            for i in range(F):
                v[o, i] = x
        elif op == V_RECIPROCAL:
            for i in range(F):
                v[o, i] = 1.0 / v[a, i]
        elif op == V_ABS:
            for i in range(F):
                v[o, i] = abs(v[a, i])
        elif op == V_SUM:
            for i in range(F):
                v[o, i] = v[a, i] + v[b, i]
        elif op == V_DIFF:
            for i in range(F):
                v[o, i] = v[a, i] - v[b, i]
        elif op == V_PRODUCT:
            for i in range(F):
                v[o, i] = v[a, i] * v[b, i]
        elif op == V_DIVISION:
            for i in range(F):
                v[o, i] = v[a, i] / v[b, i]
        elif op == V_MIN:
            for i in range(F):
                v[o, i] = min_(v[a, i], v[b, i])
        elif op == V_MAX:
            for i in range(F):
                v[o, i] = max_(v[a, i], v[b, i])
        # ---- vector reductions ----
        elif op == V_NORM:
            acc = v[a, 0] * v[a, 0]
            for i in range(1, F):
                acc += v[a, i] * v[a, i]
            s[o] = math.sqrt(acc)
        elif op == V_INNER:
            acc = v[a, 0] * v[b, 0]
            for i in range(1, F):
                acc += v[a, i] * v[b, i]
            s[o] = acc
        elif op == V_MEAN:
            acc = v[a, 0]
            for i in range(1, F):
                acc += v[a, i]
            s[o] = acc / F
        elif op == V_STD:
            acc = v[a, 0]
            acc2 = v[a, 0] * v[a, 0]
            for i in range(1, F):
                acc += v[a, i]
                acc2 += v[a, i] * v[a, i]
            s[o] = std_(acc, acc2, F)
        # ---- matrix, elementwise (flattened) ----
        elif op == M_HEAVISIDE:
            for i in range(FF):
                mf[o, i] = 1.0 if mf[a, i] > 0.0 else 0.0
        elif op == SM_PRODUCT:
            x = s[a]
            for i in range(FF):
                mf[o, i] = x * mf[b, i]
        elif op == M_RECIPROCAL:
            for i in range(FF):
                mf[o, i] = 1.0 / mf[a, i]
        elif op == M_ABS:
            for i in range(FF):
                mf[o, i] = abs(mf[a, i])
        elif op == M_SUM:
            for i in range(FF):
                mf[o, i] = mf[a, i] + mf[b, i]
        elif op == M_DIFF:
            for i in range(FF):
                mf[o, i] = mf[a, i] - mf[b, i]
        elif op == M_PRODUCT:
            for i in range(FF):
                mf[o, i] = mf[a, i] * mf[b, i]
        elif op == M_DIVISION:
            for i in range(FF):
                mf[o, i] = mf[a, i] / mf[b, i]
        elif op == M_MIN:
            for i in range(FF):
                mf[o, i] = min_(mf[a, i], mf[b, i])
        elif op == M_MAX:
            for i in range(FF):
                mf[o, i] = max_(mf[a, i], mf[b, i])
        # ---- vector <-> matrix ----
        elif op == V_OUTER:
            for i in range(F):
                for j in range(F):
                    m[o, i, j] = v[a, i] * v[b, j]
        elif op == V_COL_BCAST:
            for i in range(F):
                for j in range(F):
                    m[o, i, j] = v[a, i]
        elif op == V_ROW_BCAST:
            for i in range(F):
                for j in range(F):
                    m[o, i, j] = v[a, j]
        elif op == MV_PRODUCT:  # through scratch: o may equal b
            for i in range(F):
                acc = m[a, i, 0] * v[b, 0]
                for j in range(1, F):
                    acc += m[a, i, j] * v[b, j]
                tv[i] = acc
            for i in range(F):
                v[o, i] = tv[i]
        elif op == M_COL_NORM:
            for j in range(F):
                acc = m[a, 0, j] * m[a, 0, j]
                for i in range(1, F):
                    acc += m[a, i, j] * m[a, i, j]
                v[o, j] = math.sqrt(acc)
        elif op == M_ROW_NORM:
            for i in range(F):
                acc = m[a, i, 0] * m[a, i, 0]
                for j in range(1, F):
                    acc += m[a, i, j] * m[a, i, j]
                v[o, i] = math.sqrt(acc)
        elif op == M_ROW_MEAN:
            for i in range(F):
                acc = m[a, i, 0]
                for j in range(1, F):
                    acc += m[a, i, j]
                v[o, i] = acc / F
        elif op == M_ROW_STD:
            for i in range(F):
                acc = m[a, i, 0]
                acc2 = m[a, i, 0] * m[a, i, 0]
                for j in range(1, F):
                    acc += m[a, i, j]
                    acc2 += m[a, i, j] * m[a, i, j]
                v[o, i] = std_(acc, acc2, F)
        # ---- matrix reductions and products ----
        elif op == M_NORM:
            acc = mf[a, 0] * mf[a, 0]
            for i in range(1, FF):
                acc += mf[a, i] * mf[a, i]
            s[o] = math.sqrt(acc)
        elif op == M_MEAN:
            acc = mf[a, 0]
            for i in range(1, FF):
                acc += mf[a, i]
            s[o] = acc / FF
        elif op == M_STD:
            acc = mf[a, 0]
            acc2 = mf[a, 0] * mf[a, 0]
            for i in range(1, FF):
                acc += mf[a, i]
                acc2 += mf[a, i] * mf[a, i]
            s[o] = std_(acc, acc2, FF)
        elif op == M_TRANSPOSE:  # through scratch: o may equal a
            for i in range(F):
                for j in range(F):
                    tm[j, i] = m[a, i, j]
            for i in range(F):
                for j in range(F):
                    m[o, i, j] = tm[i, j]
        elif op == MM_PRODUCT:  # through scratch: o may equal a or b
            for i in range(F):
                for j in range(F):
                    acc = m[a, i, 0] * m[b, 0, j]
                    for k in range(1, F):
                        acc += m[a, i, k] * m[b, k, j]
                    tm[i, j] = acc
            for i in range(F):
                for j in range(F):
                    m[o, i, j] = tm[i, j]
        # ---- constants and random sets ----
        elif op == S_CONST:
            s[o] = data[pc, 0]
        elif op == V_CONST:
            v[o, min(int(data[pc, 0] * F), F - 1)] = data[pc, 1]
        elif op == M_CONST:
            m[o, min(int(data[pc, 0] * F), F - 1), min(int(data[pc, 1] * F), F - 1)] = data[pc, 2]
        elif op == S_UNIFORM:
            s[o] = data[pc, 0] + (data[pc, 1] - data[pc, 0]) * uniform(rng)
        elif op == V_UNIFORM:
            for i in range(F):
                v[o, i] = data[pc, 0] + (data[pc, 1] - data[pc, 0]) * uniform(rng)
        elif op == M_UNIFORM:
            for i in range(FF):
                mf[o, i] = data[pc, 0] + (data[pc, 1] - data[pc, 0]) * uniform(rng)
        elif op == S_GAUSSIAN:
            s[o] = data[pc, 0] + data[pc, 1] * gaussian(rng)
        elif op == V_GAUSSIAN:
            for i in range(F):
                v[o, i] = data[pc, 0] + data[pc, 1] * gaussian(rng)
        elif op == M_GAUSSIAN:
            for i in range(FF):
                mf[o, i] = data[pc, 0] + data[pc, 1] * gaussian(rng)
        else:
            return UNKNOWN_OP
    return end - start

# The step run_tasks has just run (see its docstring).
SETUP, TRAIN_PREDICT, TRAIN_LEARN, VALID_PREDICT = range(4)


@compiled
def run_tasks(
    code, data, bounds, s, v, m, mf, tv, tm, rng,
    x_train, y_train, x_valid, y_valid, orders, rng_seeds, first, last,
    classification, max_abs_error, n_train, n_valid, n_epochs, out, traces,
):  # fmt: skip
    """``out[t]`` = the fitness of one program on task ``t`` of a task set, for ``t`` in
    ``[first, last)``; see the module docstring. The program runs in the memory ``s .. rng``
    (:func:`scratch_memory`), wiped per task. ``n_train``/``n_valid`` limit the examples used (the
    FEC runs a short prefix). If ``traces`` has rows, ``traces[t]`` receives every prediction made
    on task t (train, then validation, per epoch) in order; a broken-off run leaves the rest as is.

    Speed: all tasks in one call, and per task one loop of *steps* (setup; per training example
    predict, then learn; per validation example predict) around a single call of
    :func:`run_component`, which numba inlines there; so neither an example nor a task costs a
    function call or argument passing. ``v0`` is written once per example: programs never write it
    (``zero.lang.ops.FIRST_OUTPUT_ADDRESS``), so learn sees the features predict saw."""
    record = traces.shape[0] > 0
    for task in range(first, last):
        s[:] = 0.0
        v[:] = 0.0
        m[:] = 0.0
        rng[0] = np.uint64(rng_seeds[task])
        x, y, xv, yv, order = x_train[task], y_train[task], x_valid[task], y_valid[task], orders[task]
        t = 0
        best = MIN_FITNESS
        step, start, end = SETUP, bounds[0], bounds[1]
        epoch, k, i = 0, 0, 0
        squares, correct, valid_ok = 0.0, 0, True
        while True:
            run_component(code, data, start, end, s, v, m, mf, tv, tm, rng)
            if n_epochs <= 0:
                break
            validating = step == VALID_PREDICT
            if step == TRAIN_PREDICT or step == VALID_PREDICT:
                p = s[1]
                if classification:
                    p = sigmoid(p)
                    s[1] = p
                if record:
                    traces[task, t] = p
                    t += 1
                if step == TRAIN_PREDICT:
                    if not abs(y[i] - p) <= max_abs_error:  # NaN fails this comparison too
                        best = MIN_FITNESS
                        break
                    s[0] = y[i]
                    step, start, end = TRAIN_LEARN, bounds[2], bounds[3]
                    continue
                error = yv[k] - p
                if abs(error) <= max_abs_error:
                    squares = error * error if k == 0 else squares + error * error
                    if (p > 0.5) == (yv[k] > 0.5):
                        correct += 1
                    k += 1
                else:  # a broken-off validation scores the epoch MIN_FITNESS
                    valid_ok = False
                    k = n_valid
            elif step == TRAIN_LEARN:
                k += 1
            while True:  # the next step: the epoch's training examples, then validation, then the next epoch
                if not validating and k < n_train:
                    i = order[epoch, k]
                    for f in range(F):
                        v[0, f] = x[i, f]
                    s[0] = 0.0
                    step, start, end = TRAIN_PREDICT, bounds[1], bounds[2]
                    break
                if not validating:
                    validating, k, squares, correct, valid_ok = True, 0, 0.0, 0, True
                if k < n_valid:
                    for f in range(F):
                        v[0, f] = xv[k, f]
                    s[0] = 0.0
                    step, start, end = VALID_PREDICT, bounds[1], bounds[2]
                    break
                fitness = MIN_FITNESS  # the epoch is over; memory state carries on into the next
                if valid_ok and n_valid > 0:
                    if classification:
                        fitness = correct / n_valid
                    else:
                        fitness = 1.0 - TWO_OVER_PI * math.atan(math.sqrt(squares / n_valid))
                if fitness > best:
                    best = fitness
                epoch += 1
                if record:
                    t = epoch * (n_train + n_valid)  # a broken-off validation leaves NaNs
                if epoch >= n_epochs:
                    break
                validating, k = False, 0
            if epoch >= n_epochs:
                break
        out[task] = best


@compiled
def scratch_memory(n_scalars, n_vectors, n_matrices):
    """The memory a program runs in, allocated once and reused for every task (``run_tasks``
    wipes it per task): ``(s, v, m, mf, tv, tm, rng)`` — scalars, vectors, matrices (at least one, so the
    arrays have a shape), the same matrices flattened row-major for elementwise ops (a view of
    ``m``), a temporary vector and matrix, and the program's random state. The one place this
    tuple is built; every caller unpacks it in this order."""
    m = np.zeros((max(n_matrices, 1), F, F))
    return (np.zeros(n_scalars), np.zeros((n_vectors, F)), m, m.reshape(m.shape[0], FF),
            np.zeros(F), np.zeros((F, F)), np.zeros(1, dtype=np.uint64))  # fmt: skip


@compiled
def evaluate_tasks(
    code, data, bounds, n_scalars, n_vectors, n_matrices,
    x_train, y_train, x_valid, y_valid, orders, rng_seeds,
    classification, max_abs_error, n_train, n_valid, n_epochs, out, traces,
):  # fmt: skip
    """``out[t]`` = fitness on task t, for every task, in fresh memory of the given sizes;
    ``traces`` as in :func:`run_tasks` (pass a (0, 0) array for none)."""
    s, v, m, mf, tv, tm, rng = scratch_memory(n_scalars, n_vectors, n_matrices)
    run_tasks(code, data, bounds, s, v, m, mf, tv, tm, rng, x_train, y_train, x_valid, y_valid, orders, rng_seeds,
              0, x_train.shape[0], classification, max_abs_error, n_train, n_valid, n_epochs, out, traces)  # fmt: skip
