"""The compiled twin of :mod:`zero.search.mutation` and :mod:`zero.lang.generator`, for a search loop in numba.

Contract: from the same splitmix64 state, :func:`mutate` makes the same child as
``Mutator.mutate(parent, Rng(state))`` and leaves the stream in the same state, bit for bit (the
type, every address, every data float). The Python modules are the readable oracle and define the
semantics and the draw order; this module repeats them draw for draw, using the formulas of
:mod:`zero.lang.splitmix` (``integer(n) = int(u * n)``, ``uniform(lo, hi) = lo + (hi - lo) * u``, …) on the
compiled stream of :mod:`zero.interpreter.splitmix_kernels`. ``tests/test_mutation_kernels.py`` checks the twins
agree on every shipped and many random search spaces.

Programs live in fixed-capacity buffers laid out as :mod:`zero.lang.encoding`: ``code`` int32 [L, 4]
(``op, in1, in2, out``), ``data`` float64 [L, 3], ``bounds`` int64 [4] (component ``c`` is rows
``bounds[c]:bounds[c + 1]``). ``L`` must be at least :func:`capacity` of the space; rows past
``bounds[3]`` are ignored (and may hold anything). The parent must lie in the space, as in the
Python module; then so does the child.

Everything a kernel needs about the space, the op table and the mutator travels in one
:class:`SpaceArrays`, derived from :data:`zero.lang.ops.OPS` and the :class:`~zero.search.mutation.Mutator`
(never copied by hand). Kernels allocate nothing: children are written into caller-provided
buffers and the stream is a ``uint64[1]`` array advanced in place. Compiled with ``cache=True``,
``error_model="numpy"`` and no ``fastmath``, which could reorder the float maths the oracle does.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np

from zero.interpreter.jit import compiled
from zero.interpreter.splitmix_kernels import gaussian, uniform
from zero.lang import ops
from zero.lang.encoding import Encoded, encode
from zero.lang.program import Program
from zero.lang.space import SearchSpace
from zero.search.mutation import MUTATIONS, SIGN_FLIP_PROBABILITY, Mutator

# Mutation types by their index in the MUTATIONS registry. The kernels dispatch on these literals
# (numba freezes globals at compile time and its cache does not see other modules change), so the
# registry order is checked here rather than read from it.
TYPE_NAMES = (
    "alter_param",
    "randomize_instruction",
    "randomize_component",
    "identity",
    "insert",
    "remove",
    "trade",
    "randomize_algorithm",
)
assert TYPE_NAMES == tuple(MUTATIONS), "zero.search.mutation.MUTATIONS order changed; update TYPE_NAMES and the dispatch"
ALTER_PARAM, RANDOMIZE_INSTRUCTION, RANDOMIZE_COMPONENT, IDENTITY = 0, 1, 2, 3
INSERT, REMOVE, TRADE, RANDOMIZE_ALGORITHM = 4, 5, 6, 7

KIND_CODES = {kind: code for code, kind in enumerate(ops.KINDS)}  # s 0, v 1, m 2
FIELD_NAMES = tuple(ops.DATA_SAMPLING)  # data field code -> name
FIELD_CODES = {name: code for code, name in enumerate(FIELD_NAMES)}


class SpaceArrays(NamedTuple):
    """A search space, the op table and a mutator's type distribution, as arrays for the kernels.

    Kind codes are 0 ``s``, 1 ``v``, 2 ``m`` and -1 for none; data field codes index
    :data:`FIELD_NAMES`, -1 for an unused field.
    """

    memory: np.ndarray  # int64[3]: addresses per kind
    ops: np.ndarray  # int64[3, K]: allowed op ids per component, padded with 0
    op_count: np.ndarray  # int64[3]: how many of each row of ``ops`` are real
    min_size: np.ndarray  # int64[3]
    max_size: np.ndarray  # int64[3]
    op_inputs: np.ndarray  # int64[NUM_OPS, 2]: kind of in1, in2
    op_arity: np.ndarray  # int64[NUM_OPS]
    op_output: np.ndarray  # int64[NUM_OPS]: kind written, -1 for no_op
    op_data: np.ndarray  # int64[NUM_OPS, 3]: field code of d0, d1, d2
    op_data_count: np.ndarray  # int64[NUM_OPS]: number of data fields
    field_low: np.ndarray  # float64[fields]: DATA_SAMPLING low
    field_high: np.ndarray  # float64[fields]: DATA_SAMPLING high
    field_is_index: np.ndarray  # bool[fields]: an index fraction in [0, 1)
    first_output: np.ndarray  # int64[3]: lowest writable address per kind
    types: np.ndarray  # int64[k]: registry index of each of the mutator's types, in its order
    cumulative: np.ndarray  # float64[k]: Mutator.cumulative


def capacity(space: SearchSpace) -> int:
    """Rows a program buffer needs for any program of ``space`` (at least 1)."""
    return max(1, sum(c.max_size for c in space.components()))


def space_arrays(space: SearchSpace, mutator: Mutator) -> SpaceArrays:
    """The arrays :func:`mutate` and :func:`randomize_algorithm` read for ``space`` and ``mutator``."""
    components = space.components()
    width = max(1, max(len(c.ops) for c in components))
    allowed = np.zeros((3, width), dtype=np.int64)
    for c, component in enumerate(components):
        allowed[c, : len(component.ops)] = component.ops
    n = ops.NUM_OPS
    op_inputs = np.full((n, 2), -1, dtype=np.int64)
    op_data = np.full((n, ops.MAX_DATA), -1, dtype=np.int64)
    for op in ops.OPS:
        op_inputs[op.id, : op.arity] = [KIND_CODES[k] for k in op.inputs]
        op_data[op.id, : len(op.data)] = [FIELD_CODES[name] for name in op.data]
    registry = list(MUTATIONS)
    return SpaceArrays(
        memory=np.array([space.memory.size(k) for k in ops.KINDS], dtype=np.int64),
        ops=allowed,
        op_count=np.array([len(c.ops) for c in components], dtype=np.int64),
        min_size=np.array([c.min_size for c in components], dtype=np.int64),
        max_size=np.array([c.max_size for c in components], dtype=np.int64),
        op_inputs=op_inputs,
        op_arity=np.array([op.arity for op in ops.OPS], dtype=np.int64),
        op_output=np.array([KIND_CODES[op.output] if op.output else -1 for op in ops.OPS], dtype=np.int64),
        op_data=op_data,
        op_data_count=np.array([len(op.data) for op in ops.OPS], dtype=np.int64),
        field_low=np.array([ops.DATA_SAMPLING[f][0] for f in FIELD_NAMES], dtype=np.float64),
        field_high=np.array([ops.DATA_SAMPLING[f][1] for f in FIELD_NAMES], dtype=np.float64),
        field_is_index=np.array([f in ops.INDEX_FIELDS for f in FIELD_NAMES], dtype=np.bool_),
        first_output=np.array([ops.FIRST_OUTPUT_ADDRESS[k] for k in ops.KINDS], dtype=np.int64),
        types=np.array([registry.index(name) for name in mutator.names], dtype=np.int64),
        cumulative=np.array(mutator.cumulative, dtype=np.float64),
    )


def encode_padded(program: Program, rows: int) -> Encoded:
    """``encode(program)`` in buffers of ``rows`` rows (zeros past the program), for the kernels."""
    if rows < len(program):
        raise ValueError(f"{rows} rows cannot hold a program of {len(program)} instructions")
    encoded = encode(program)
    code = np.zeros((rows, 4), dtype=np.int32)
    data = np.zeros((rows, ops.MAX_DATA), dtype=np.float64)
    code[: len(program)] = encoded.code
    data[: len(program)] = encoded.data
    return Encoded(code, data, encoded.bounds.copy())


# ---- draws (zero.lang.splitmix's formulas on the compiled stream) -----------------------------------------


@compiled
def integer(state, n):
    """Uniform on 0..n-1: ``int(u * n)`` (``Rng.integers(n)``)."""
    return int(uniform(state) * n)


@compiled
def integer_between(state, low, high):
    """Uniform on low..high-1: ``low + int(u * (high - low))`` (``Rng.integers(low, high)``)."""
    return low + int(uniform(state) * (high - low))


@compiled
def uniform_between(state, low, high):
    """``low + (high - low) * u`` (``Rng.uniform(low, high)``)."""
    return low + (high - low) * uniform(state)


# ---- the generator's twin -----------------------------------------------------------------------


@compiled
def random_op(component, sa, state):
    """An op id drawn uniformly from the component's allowed ops (``generator.random_op``)."""
    return sa.ops[component, integer(state, sa.op_count[component])]


@compiled
def random_instruction(code, data, row, op, sa, state):
    """Write a random instruction of ``op`` into ``row`` (``generator.random_instruction``)."""
    arity = sa.op_arity[op]
    in1 = 0
    in2 = 0
    if arity >= 1:
        in1 = integer(state, sa.memory[sa.op_inputs[op, 0]])
    if arity >= 2:
        in2 = integer(state, sa.memory[sa.op_inputs[op, 1]])
    out = 0
    kind = sa.op_output[op]
    if kind >= 0:
        out = integer_between(state, sa.first_output[kind], sa.memory[kind])
    code[row, 0] = op
    code[row, 1] = in1
    code[row, 2] = in2
    code[row, 3] = out
    for k in range(3):
        field = sa.op_data[op, k]
        if field >= 0:
            data[row, k] = uniform_between(state, sa.field_low[field], sa.field_high[field])
        else:
            data[row, k] = 0.0


@compiled
def random_component(code, data, start, stop, component, sa, state):
    """Fill rows ``start:stop`` with random instructions of the component's ops (``random_component``)."""
    for row in range(start, stop):
        op = random_op(component, sa, state)
        random_instruction(code, data, row, op, sa, state)


# ---- alter_param's parts ------------------------------------------------------------------------


@compiled
def perturb_value(x, field, sa, state):
    """A new value for data field code ``field`` holding ``x`` (``mutation.perturb_value``)."""
    if sa.field_is_index[field]:
        return uniform_between(state, 0.0, 1.0)
    if x == 0.0:
        return uniform_between(state, sa.field_low[field], sa.field_high[field])
    sign = math.copysign(1.0, x)
    if uniform(state) < SIGN_FLIP_PROBABILITY:
        sign = -sign
    exponent = math.log(abs(x)) + gaussian(state)
    if exponent > 700.0:  # min(exponent, 700.0): stay finite
        exponent = 700.0
    return sign * math.exp(exponent)


@compiled
def alter_instruction(code, data, row, sa, state):
    """Alter one parameter of the instruction in ``row`` (``mutation.alter_instruction``)."""
    op = code[row, 0]
    kind = sa.op_output[op]
    if kind < 0:
        return
    arity = sa.op_arity[op]
    if arity == 0:
        if uniform(state) < 0.5:
            code[row, 3] = integer_between(state, sa.first_output[kind], sa.memory[kind])
            return
        k = integer(state, sa.op_data_count[op])
        data[row, k] = perturb_value(data[row, k], sa.op_data[op, k], sa, state)
        return
    slot = integer(state, arity + 1)
    if slot == arity:
        code[row, 3] = integer_between(state, sa.first_output[kind], sa.memory[kind])
    else:
        code[row, 1 + slot] = integer_between(state, 0, sa.memory[sa.op_inputs[op, slot]])


# ---- moving rows ---------------------------------------------------------------------------------


@compiled
def _open_row(code, data, bounds, component, row):
    """Shift rows ``row:bounds[3]`` down one and grow ``component`` by one; ``row`` is then free."""
    for r in range(bounds[3], row, -1):
        for j in range(4):
            code[r, j] = code[r - 1, j]
        for j in range(3):
            data[r, j] = data[r - 1, j]
    for c in range(component + 1, 4):
        bounds[c] += 1


@compiled
def _close_row(code, data, bounds, component, row):
    """Delete ``row`` of ``component``, shifting the rows after it up one."""
    for r in range(row, bounds[3] - 1):
        for j in range(4):
            code[r, j] = code[r + 1, j]
        for j in range(3):
            data[r, j] = data[r + 1, j]
    for c in range(component + 1, 4):
        bounds[c] -= 1


# ---- the eight mutation types, in place on (code, data, bounds) ----------------------------------


@compiled
def alter_param(code, data, bounds, component, sa, state):
    size = bounds[component + 1] - bounds[component]
    if size == 0:
        return
    row = bounds[component] + integer(state, size)
    alter_instruction(code, data, row, sa, state)


@compiled
def randomize_instruction(code, data, bounds, component, sa, state):
    size = bounds[component + 1] - bounds[component]
    if size == 0:
        return
    row = bounds[component] + integer(state, size)
    op = random_op(component, sa, state)
    random_instruction(code, data, row, op, sa, state)


@compiled
def randomize_component(code, data, bounds, component, sa, state):
    random_component(code, data, bounds[component], bounds[component + 1], component, sa, state)


@compiled
def _insert(code, data, bounds, component, sa, state):
    size = bounds[component + 1] - bounds[component]
    row = bounds[component] + integer(state, size + 1)
    _open_row(code, data, bounds, component, row)
    op = random_op(component, sa, state)
    random_instruction(code, data, row, op, sa, state)


@compiled
def insert(code, data, bounds, component, sa, state):
    if bounds[component + 1] - bounds[component] >= sa.max_size[component]:
        return
    _insert(code, data, bounds, component, sa, state)


@compiled
def remove(code, data, bounds, component, sa, state):
    size = bounds[component + 1] - bounds[component]
    if size <= sa.min_size[component]:
        return
    _close_row(code, data, bounds, component, bounds[component] + integer(state, size))


@compiled
def trade(code, data, bounds, component, sa, state):
    size = bounds[component + 1] - bounds[component]
    if size == 0 or sa.max_size[component] == 0:
        return
    _close_row(code, data, bounds, component, bounds[component] + integer(state, size))
    _insert(code, data, bounds, component, sa, state)


@compiled
def randomize_algorithm(code, data, bounds, sa, state):
    """Redraw every instruction of every component at its current size (``randomize_algorithm``).

    A random initial program is this applied to a no-op program of the ``init`` sizes.
    """
    for component in range(3):
        random_component(code, data, bounds[component], bounds[component + 1], component, sa, state)


# ---- Mutator.mutate ------------------------------------------------------------------------------


@compiled
def draw_type(sa, state):
    """The registry index of a mutation type drawn as ``Mutator.mutate`` does."""
    u = uniform(state)
    last = sa.cumulative.shape[0] - 1
    k = 0
    while k < last and not u < sa.cumulative[k]:
        k += 1
    return sa.types[k]


@compiled
def copy_program(code, data, bounds, to_code, to_data, to_bounds):
    """Copy the program in ``code``/``data``/``bounds`` into the ``to_*`` buffers (its rows only)."""
    for r in range(bounds[3]):
        for j in range(4):
            to_code[r, j] = code[r, j]
        for j in range(3):
            to_data[r, j] = data[r, j]
    for c in range(4):
        to_bounds[c] = bounds[c]


@compiled
def mutate(code, data, bounds, child_code, child_data, child_bounds, sa, state):
    """Write a mutated copy of the parent into the child buffers; return the type's registry index.

    Draws as ``Mutator.mutate``: the type, the component (uniform over the three), then the
    mutation's own draws. The parent buffers are only read. Raises ValueError if the child buffers
    have fewer rows than the space's summed ``max_size`` (they would overflow on an insert).
    """
    if child_code.shape[0] < sa.max_size[0] + sa.max_size[1] + sa.max_size[2]:
        raise ValueError("child buffers have fewer rows than capacity(space)")
    copy_program(code, data, bounds, child_code, child_data, child_bounds)
    kind = draw_type(sa, state)
    component = integer(state, 3)
    if kind == ALTER_PARAM:
        alter_param(child_code, child_data, child_bounds, component, sa, state)
    elif kind == RANDOMIZE_INSTRUCTION:
        randomize_instruction(child_code, child_data, child_bounds, component, sa, state)
    elif kind == RANDOMIZE_COMPONENT:
        randomize_component(child_code, child_data, child_bounds, component, sa, state)
    elif kind == INSERT:
        insert(child_code, child_data, child_bounds, component, sa, state)
    elif kind == REMOVE:
        remove(child_code, child_data, child_bounds, component, sa, state)
    elif kind == TRADE:
        trade(child_code, child_data, child_bounds, component, sa, state)
    elif kind == RANDOMIZE_ALGORITHM:
        randomize_algorithm(child_code, child_data, child_bounds, sa, state)
    return kind  # IDENTITY: the copy is the child
