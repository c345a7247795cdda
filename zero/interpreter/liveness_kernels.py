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

Liveness is tracked per address (``s3``, ``v1``, ``m0``) in bitmask sets (below), backward through
``learn`` and ``predict`` to a fixed point over the loop the interpreter runs (``predict`` then
``learn`` or ``predict``), then through ``setup``. Not compiled per feature size.
"""

from __future__ import annotations

import numpy as np

from zero.interpreter.jit import compiled, compiled_inline
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


# A live set is a bitmask. Where every bank has at most ONE_WORD addresses (every shipped space),
# all three kinds share one uint64 (bit kind * ONE_WORD + address) that stays in a register through
# the whole analysis: about 2x faster than sets in memory, whose every update waits on the last.
# Larger memories keep one bitmask of 64-address words per kind in the workspace (the same rules,
# written for arrays; tests/test_liveness.py checks both forms against zero.lang.simplify).
ONE_WORD = 21


@compiled_inline
def _bit(kind, address):
    """The bit of an address in a one-word live set."""
    return np.uint64(1) << np.uint64(kind * ONE_WORD + address)


@compiled_inline
def _backward(code, start, end, live, keep):
    """Through ``code[start:end]`` backward: returns the live-in set given the live-out one-word set
    ``live``, and sets ``keep[pc]`` for each instruction whose output is live after it."""
    for pc in range(end - 1, start - 1, -1):
        op = code[pc, 0]
        kind = OUTPUT_KIND[op]
        if kind < 0 or live & _bit(kind, code[pc, 3]) == 0:
            keep[pc] = False
            continue
        keep[pc] = True
        if not PARTIAL_WRITE[op]:
            live &= ~_bit(kind, code[pc, 3])
        if INPUT1_KIND[op] >= 0:
            live |= _bit(INPUT1_KIND[op], code[pc, 1])
        if INPUT2_KIND[op] >= 0:
            live |= _bit(INPUT2_KIND[op], code[pc, 2])
    return live


@compiled_inline
def _cross(live):
    """A one-word set as it crosses into the next component: the interpreter sets s0 and v0 itself."""
    return live & ~(_bit(0, LABEL) | _bit(1, FEATURES))


@compiled_inline
def _live_in_one_word(code, bounds, keep):
    in_predict, in_learn = np.uint64(0), np.uint64(0)
    while True:  # the live sets only grow, so this ends
        new_predict = _backward(code, bounds[1], bounds[2], _cross(in_learn | in_predict) | _bit(0, PREDICTION), keep)
        new_learn = _backward(code, bounds[2], bounds[3], _cross(in_predict), keep)
        if new_predict == in_predict and new_learn == in_learn:
            break
        in_predict, in_learn = new_predict, new_learn
    _backward(code, bounds[0], bounds[1], _cross(in_predict), keep)


# The multi-word form: the four live sets are rows of the workspace (indexed, not sliced: a view
# costs more than a whole pass over a demo program).
IN_PREDICT, IN_LEARN, NEW_PREDICT, NEW_LEARN = range(4)


@compiled_inline
def _word_bit(address):
    """The bit of ``address`` in its word (``address >> 6``) of a multi-word live set."""
    return np.uint64(1) << np.uint64(address & 63)


@compiled_inline
def _backward_words(code, start, end, sets, live, keep):
    """:func:`_backward` for multi-word set ``sets[live]``, updated in place."""
    for pc in range(end - 1, start - 1, -1):
        op = code[pc, 0]
        kind = OUTPUT_KIND[op]
        if kind < 0 or sets[live, kind, code[pc, 3] >> 6] & _word_bit(code[pc, 3]) == 0:
            keep[pc] = False
            continue
        keep[pc] = True
        if not PARTIAL_WRITE[op]:
            sets[live, kind, code[pc, 3] >> 6] &= ~_word_bit(code[pc, 3])
        if INPUT1_KIND[op] >= 0:
            sets[live, INPUT1_KIND[op], code[pc, 1] >> 6] |= _word_bit(code[pc, 1])
        if INPUT2_KIND[op] >= 0:
            sets[live, INPUT2_KIND[op], code[pc, 2] >> 6] |= _word_bit(code[pc, 2])


@compiled_inline
def _same_words(sets, a, b):
    for kind in range(3):
        for word in range(sets.shape[2]):
            if sets[a, kind, word] != sets[b, kind, word]:
                return False
    return True


@compiled_inline
def _cross_words(sets, live, into, also_live):
    """Set ``into`` = (set ``live`` | set ``also_live``) as it crosses into the next component."""
    for kind in range(3):
        for word in range(sets.shape[2]):
            sets[into, kind, word] = sets[live, kind, word] | sets[also_live, kind, word]
    sets[into, 0, LABEL >> 6] &= ~_word_bit(LABEL)
    sets[into, 1, FEATURES >> 6] &= ~_word_bit(FEATURES)


@compiled_inline
def _live_in_words(code, bounds, sets, keep):
    sets[IN_PREDICT] = 0
    sets[IN_LEARN] = 0
    while True:
        _cross_words(sets, IN_LEARN, NEW_PREDICT, IN_PREDICT)
        sets[NEW_PREDICT, 0, PREDICTION >> 6] |= _word_bit(PREDICTION)
        _backward_words(code, bounds[1], bounds[2], sets, NEW_PREDICT, keep)
        _cross_words(sets, IN_PREDICT, NEW_LEARN, IN_PREDICT)
        _backward_words(code, bounds[2], bounds[3], sets, NEW_LEARN, keep)
        if _same_words(sets, NEW_PREDICT, IN_PREDICT) and _same_words(sets, NEW_LEARN, IN_LEARN):
            break
        sets[IN_PREDICT] = sets[NEW_PREDICT]
        sets[IN_LEARN] = sets[NEW_LEARN]
    _cross_words(sets, IN_PREDICT, NEW_PREDICT, IN_PREDICT)
    _backward_words(code, bounds[0], bounds[1], sets, NEW_PREDICT, keep)


@compiled
def live_instructions(code, bounds, work, keep):
    """``keep[pc]`` = whether instruction ``pc`` of the encoded program is needed for its
    predictions (see the module docstring); ``work``: scratch from :func:`workspace`, for memory
    banks of at least the program's addresses. Returns how many are kept."""
    if work.shape[2] == 0:
        _live_in_one_word(code, bounds, keep)
    else:
        _live_in_words(code, bounds, work, keep)
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


@compiled
def workspace(addresses):
    """The scratch :func:`live_instructions` needs for memory banks of at most ``addresses``: none
    (a [4, 3, 0] array) where one-word sets hold them, else four live sets of 64-address words per
    kind (uint64 [4, 3, W])."""
    return np.zeros((4, 3, 0 if addresses <= ONE_WORD else (addresses + 63) // 64), dtype=np.uint64)


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
