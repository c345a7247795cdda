"""Dead-code removal in compiled code: the live part of an encoded program, before it is run.

The compiled twin of :func:`zero.lang.simplify.live_mask` (no constant folding): an instruction is
kept iff its output can reach a prediction, or it is a random op whose removal would shift the
draws of a live one (the rules and their reasons are in :mod:`zero.lang.simplify`). The kept
instructions make *bit-identical predictions* to the whole program on every task, hence the same
fitness and the same FEC fingerprint, so the search loop evaluates only them
(:mod:`zero.search.evolution_kernels`) while the population keeps the programs as evolved (their
mutations, and so the random stream, are unchanged). Programs evolved from random instructions
are mostly dead code: in the demo about 60% of the instructions run per example are dead, in the
paper's Fig. 5 space over 90%. ``tests/test_liveness.py`` checks this module against ``live_mask``
on random programs of every shipped space, and the kept program's predictions against the whole
program's.

Liveness is tracked per address (``s3``, ``v1``, ``m0``) in a ``bool[3, A]`` array (kinds s, v, m),
backward through ``learn`` and ``predict`` to a fixed point over the loop the interpreter runs
(``predict`` then ``learn`` or ``predict``), then through ``setup``. Not compiled per feature size.
"""

from __future__ import annotations

import numpy as np

from zero.interpreter.jit import compiled
from zero.lang import ops

_KIND = {"s": 0, "v": 1, "m": 2}
# per op id: the kind written (-1: none), the kinds read by in1 and in2 (-1: unused)
OUTPUT_KIND = np.array([_KIND.get(op.output, -1) for op in ops.OPS], dtype=np.int64)
INPUT1_KIND = np.array([_KIND[op.inputs[0]] if len(op.inputs) > 0 else -1 for op in ops.OPS], dtype=np.int64)
INPUT2_KIND = np.array([_KIND[op.inputs[1]] if len(op.inputs) > 1 else -1 for op in ops.OPS], dtype=np.int64)
RANDOM = np.array([op.id in (ops.SCALAR_UNIFORM_SET, ops.VECTOR_UNIFORM_SET, ops.MATRIX_UNIFORM_SET,
                             ops.SCALAR_GAUSSIAN_SET, ops.VECTOR_GAUSSIAN_SET, ops.MATRIX_GAUSSIAN_SET)
                   for op in ops.OPS])  # fmt: skip
PARTIAL_WRITE = np.array([op.id in (ops.VECTOR_CONST_SET, ops.MATRIX_CONST_SET) for op in ops.OPS])  # one element
LABEL, PREDICTION, FEATURES = ops.LABEL_ADDRESS, ops.PREDICTION_ADDRESS, ops.FEATURES_ADDRESS


@compiled
def _backward(code, start, end, live, keep):
    """Through ``code[start:end]`` backward: ``live`` goes from live-out to live-in (in place) and
    ``keep[pc]`` is set for each instruction whose output is live after it."""
    for pc in range(end - 1, start - 1, -1):
        op = code[pc, 0]
        kind = OUTPUT_KIND[op]
        if kind < 0 or not live[kind, code[pc, 3]]:
            keep[pc] = False
            continue
        keep[pc] = True
        if not PARTIAL_WRITE[op]:
            live[kind, code[pc, 3]] = False
        if INPUT1_KIND[op] >= 0:
            live[INPUT1_KIND[op], code[pc, 1]] = True
        if INPUT2_KIND[op] >= 0:
            live[INPUT2_KIND[op], code[pc, 2]] = True


@compiled
def _same(a, b):
    for kind in range(a.shape[0]):
        for address in range(a.shape[1]):
            if a[kind, address] != b[kind, address]:
                return False
    return True


@compiled
def _cross(live, into):
    """``into`` = ``live`` as it crosses into the next component: the interpreter sets s0 and v0 itself."""
    into[:] = live
    into[0, LABEL] = False
    into[1, FEATURES] = False


@compiled
def live_instructions(code, bounds, work, keep):
    """``keep[pc]`` = whether instruction ``pc`` of the encoded program is needed for its
    predictions (see the module docstring); ``work``: scratch, bool [4, 3, A] with A at least the
    largest memory bank size. Returns how many are kept."""
    in_predict, in_learn, new_predict, new_learn = work[0], work[1], work[2], work[3]
    in_predict[:] = False
    in_learn[:] = False
    while True:  # the live sets only grow, so this ends
        for kind in range(3):
            for address in range(in_predict.shape[1]):
                new_learn[kind, address] = in_learn[kind, address] or in_predict[kind, address]
        _cross(new_learn, new_predict)
        new_predict[0, PREDICTION] = True
        _backward(code, bounds[1], bounds[2], new_predict, keep)
        _cross(in_predict, new_learn)
        _backward(code, bounds[2], bounds[3], new_learn, keep)
        if _same(new_predict, in_predict) and _same(new_learn, in_learn):
            break
        in_predict[:] = new_predict
        in_learn[:] = new_learn
    _cross(in_predict, new_predict)
    _backward(code, bounds[0], bounds[1], new_predict, keep)
    loop_draws = False  # a live random op in predict or learn: every random op runs before one
    for pc in range(bounds[1], bounds[3]):
        loop_draws = loop_draws or (keep[pc] and RANDOM[code[pc, 0]])
    for pc in range(bounds[1], bounds[3]):
        keep[pc] = keep[pc] or (RANDOM[code[pc, 0]] and loop_draws)
    later_draw = loop_draws  # in setup: a live random op after it (later in setup, or in the loop)
    for pc in range(bounds[1] - 1, bounds[0] - 1, -1):
        if RANDOM[code[pc, 0]]:
            live_here = keep[pc]
            keep[pc] = keep[pc] or later_draw
            later_draw = later_draw or live_here
    kept = 0
    for pc in range(bounds[3]):
        kept += keep[pc]
    return kept


def workspace(addresses: int) -> np.ndarray:
    """The scratch :func:`live_instructions` needs for memory banks of at most ``addresses``."""
    return np.zeros((4, 3, max(int(addresses), 1)), dtype=np.bool_)


@compiled
def live_program(code, data, bounds, work, keep, out_code, out_data, out_bounds):
    """Write the live instructions of a program (:func:`live_instructions`) into ``out_*`` (rows
    of capacity at least ``bounds[3]``), components in place."""
    live_instructions(code, bounds, work, keep)
    n = 0
    for c in range(3):
        out_bounds[c] = n
        for pc in range(bounds[c], bounds[c + 1]):
            if keep[pc]:  # element by element: a row slice assignment costs far more here
                for j in range(4):
                    out_code[n, j] = code[pc, j]
                for j in range(3):
                    out_data[n, j] = data[pc, j]
                n += 1
    out_bounds[3] = n
