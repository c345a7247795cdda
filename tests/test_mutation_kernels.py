"""Differential tests of zero.search.mutation_kernels against the Python oracle (zero.search.mutation, zero.lang.generator).

From the same splitmix64 state, the compiled mutator must make the same child as
``Mutator.mutate(parent, Rng(state))`` (same type; code, bounds and every data bit equal) and leave
the stream in the same state; so must ``randomize_algorithm``. Checked on every shipped search
space and on seeded random ones, under several type weightings, for single mutations and for
100-generation chains. zero.lang.splitmix.Rng must be the compiled stream of zero.interpreter.splitmix_kernels draw for
draw.
"""

from __future__ import annotations

import math
import zlib

import numpy as np
import pytest
from spaces import RANDOM_SPACES, SHIPPED
from spaces import space as load_space

from zero.interpreter import splitmix_kernels as compiled_rng
from zero.lang import ops
from zero.lang.encoding import decode, encode
from zero.lang.generator import noop_program, random_program
from zero.lang.program import Instruction, Memory, Program
from zero.lang.space import ComponentSpace, SearchSpace
from zero.lang.splitmix import Rng
from zero.search import mutation_kernels as mk
from zero.search.mutation import BASELINE_MUTATIONS, DEMO_MUTATIONS, MUTATIONS, Mutator, draw_index, randomize_algorithm

WEIGHTINGS = {
    "uniform": dict.fromkeys(MUTATIONS, 1),
    "demo": DEMO_MUTATIONS,
    "baseline": BASELINE_MUTATIONS,
    "skewed": {name: 2.0**k for k, name in enumerate(MUTATIONS)} | {"identity": 0},
    **{f"only_{name}": {name: 1} for name in MUTATIONS},
}
PARENTS_PER_CASE = 40
GENERATIONS = 100


def _seed(*parts) -> int:
    return zlib.crc32("/".join(map(str, parts)).encode())


def _state(rng: Rng) -> np.ndarray:
    return np.array([rng.state], dtype=np.uint64)


def _buffers(program: Program, rows: int, junk_seed: int):
    """``program`` in buffers of ``rows`` rows whose unused rows hold junk (the kernels must ignore it)."""
    code, data, bounds = mk.encode_padded(program, rows)
    junk = np.random.default_rng(junk_seed)
    n = len(program)
    code[n:] = junk.integers(-5, 70, size=code[n:].shape)
    data[n:] = junk.normal(size=data[n:].shape)
    return code, data, bounds


def _empty_child(rows: int):
    return np.full((rows, 4), -7, dtype=np.int32), np.full((rows, 3), np.nan), np.full(4, -1, dtype=np.int64)


def _assert_same(program: Program, code, data, bounds, space: SearchSpace) -> None:
    """Buffers hold exactly ``encode(program)`` and decode to a valid program of ``space``."""
    expected = encode(program)
    n = int(bounds[3])
    assert np.array_equal(bounds, expected.bounds), (bounds, expected.bounds)
    assert np.array_equal(code[:n], expected.code)
    assert np.array_equal(data[:n].view(np.int64), expected.data.view(np.int64))
    decoded = decode(code, data, bounds, space.memory)
    space.check(decoded)
    assert decoded == program


def _random_parent(space: SearchSpace, rng: Rng) -> Program:
    sizes = tuple(rng.integers(c.min_size, c.max_size + 1) for c in space.components())
    return random_program(space, rng, sizes)


# ---- the stream ------------------------------------------------------------------------------------


@pytest.mark.parametrize("seed", [0, 1, 2**63 + 12345, 2**64 - 1])
def test_rng_is_the_compiled_stream(seed):
    rng, state = Rng(seed), np.array([seed], dtype=np.uint64)
    assert rng.state == int(state[0])
    for _ in range(500):
        assert rng.random() == compiled_rng.uniform(state)
        assert rng.normal() == compiled_rng.gaussian(state)
        assert rng.integers(7) == mk.integer(state, 7)
        assert rng.integers(1, 4) == mk.integer_between(state, 1, 4)
        assert rng.uniform(-1.0, 1.0) == mk.uniform_between(state, -1.0, 1.0)
        assert rng.state == int(state[0])


def test_rng_draws_have_the_documented_types_and_ranges():
    rng = Rng(3)
    ints = [rng.integers(5) for _ in range(2000)] + [rng.integers(2, 4) for _ in range(2000)]
    assert all(type(i) is int for i in ints)
    assert set(ints[:2000]) == {0, 1, 2, 3, 4} and set(ints[2000:]) == {2, 3}
    assert all(0.0 <= rng.random() < 1.0 for _ in range(2000))
    assert all(-1.0 <= rng.uniform(-1.0, 1.0) < 1.0 for _ in range(2000))
    rng.state = -1  # state is kept as a uint64
    assert rng.state == 2**64 - 1
    with pytest.raises(ValueError):
        rng.integers(0)
    with pytest.raises(ValueError):
        rng.integers(3, 3)


def test_largest_uniform_times_n_stays_below_n():
    # int(u * n) needs no clamp: the largest uniform, 1 - 2**-53, times n rounds down, below n.
    u = 1.0 - 2.0**-53
    for n in list(range(1, 5000)) + [2**k + d for k in range(12, 52) for d in (-1, 0, 1)]:
        assert int(u * n) == n - 1


# ---- the mutator's tables --------------------------------------------------------------------------


def test_cumulative_draw_picks_the_first_bin_above_u():
    cumulative = (0.25, 0.5, 0.9999999999999999)
    assert [draw_index(cumulative, u) for u in (0.0, 0.2499, 0.25, 0.7, 0.9999999999999999)] == [0, 0, 1, 2, 2]
    mutator = Mutator(load_space("demo"), {"alter_param": 1, "identity": 0, "insert": 3})
    assert mutator.names == ("alter_param", "insert") and mutator.cumulative == (0.25, 1.0)


def test_compiled_type_draw_matches_the_cumulative_table_including_its_fallback():
    # A table whose total is below 1 makes the "else the last" branch common on both sides.
    space = load_space("demo")
    sa = mk.space_arrays(space, Mutator(space, {"insert": 1, "remove": 1}))
    sa = sa._replace(cumulative=np.array([0.25, 0.5]))
    rng, state = Rng(11), np.array([11], dtype=np.uint64)
    for _ in range(1000):
        assert mk.draw_type(sa, state) == sa.types[draw_index((0.25, 0.5), rng.random())]


def test_space_arrays_come_from_the_op_table_and_the_mutator():
    space = load_space("paper_full")
    mutator = Mutator(space, {"trade": 1, "alter_param": 2})
    sa = mk.space_arrays(space, mutator)
    assert list(sa.types) == [list(MUTATIONS).index("trade"), list(MUTATIONS).index("alter_param")]
    assert tuple(sa.cumulative) == mutator.cumulative
    assert list(sa.memory) == list(space.memory)
    for c, component in enumerate(space.components()):
        assert tuple(sa.ops[c, : sa.op_count[c]]) == component.ops
        assert (sa.min_size[c], sa.max_size[c]) == (component.min_size, component.max_size)
    for op in ops.OPS:
        assert sa.op_arity[op.id] == op.arity
        assert [ops.KINDS[k] for k in sa.op_inputs[op.id, : op.arity]] == list(op.inputs)
        assert (ops.KINDS[sa.op_output[op.id]] if op.output else None) == op.output
        fields = [mk.FIELD_NAMES[f] for f in sa.op_data[op.id] if f >= 0]
        assert fields == list(op.data) and sa.op_data_count[op.id] == len(op.data)
        for f in sa.op_data[op.id, : len(op.data)]:
            name = mk.FIELD_NAMES[f]
            assert (sa.field_low[f], sa.field_high[f]) == ops.DATA_SAMPLING[name]
            assert sa.field_is_index[f] == (name in ops.INDEX_FIELDS)
    assert mk.capacity(space) == sum(c.max_size for c in space.components())


def test_child_buffers_smaller_than_capacity_are_refused():
    space = load_space("baseline")
    sa = mk.space_arrays(space, Mutator(space, {"insert": 1}))
    parent = random_program(space, Rng(0))
    code, data, bounds = mk.encode_padded(parent, mk.capacity(space))
    child = _empty_child(mk.capacity(space) - 1)
    with pytest.raises(ValueError):
        mk.mutate(code, data, bounds, *child, sa, np.array([1], dtype=np.uint64))


# ---- twins -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("case", SHIPPED + RANDOM_SPACES)
def test_randomize_algorithm_twin(case):
    space = load_space(case)
    sa = mk.space_arrays(space, Mutator(space, {"identity": 1}))
    rows = mk.capacity(space)
    for k in range(10):
        rng = Rng(_seed("init", case, k))
        state = _state(rng)
        expected = randomize_algorithm(noop_program(space), space, 0, rng)
        assert expected == random_program(space, Rng(_seed("init", case, k)))  # a random initial program
        code, data, bounds = _buffers(noop_program(space), rows, k)
        mk.randomize_algorithm(code, data, bounds, sa, state)
        _assert_same(expected, code, data, bounds, space)
        assert int(state[0]) == rng.state


@pytest.mark.parametrize("weighting", list(WEIGHTINGS))
@pytest.mark.parametrize("case", SHIPPED + RANDOM_SPACES)
def test_mutate_twin(case, weighting):
    space = load_space(case)
    mutator = Mutator(space, WEIGHTINGS[weighting])
    sa = mk.space_arrays(space, mutator)
    rows = mk.capacity(space)
    rng = Rng(_seed("mutate", case, weighting))
    for k in range(PARENTS_PER_CASE):
        parent = _random_parent(space, rng)
        code, data, bounds = _buffers(parent, rows, k)
        before = (code.copy(), data.copy(), bounds.copy())
        child_buffers = _empty_child(rows)
        state = _state(rng)
        index = mk.mutate(code, data, bounds, *child_buffers, sa, state)
        child, name = mutator.mutate(parent, rng)
        assert mk.TYPE_NAMES[index] == name
        _assert_same(child, *child_buffers, space)
        assert int(state[0]) == rng.state
        assert all(np.array_equal(a, b, equal_nan=True) for a, b in zip(before, (code, data, bounds)))



@pytest.mark.parametrize("weighting", ["uniform", "skewed", "baseline"])
@pytest.mark.parametrize("case", SHIPPED + RANDOM_SPACES[:4])
def test_mutation_chains_stay_identical(case, weighting):
    space = load_space(case)
    mutator = Mutator(space, WEIGHTINGS[weighting])
    sa = mk.space_arrays(space, mutator)
    rows = mk.capacity(space)
    rng = Rng(_seed("chain", case, weighting))
    program = random_program(space, rng)
    state = _state(rng)
    buffers = mk.encode_padded(program, rows)
    spare = _empty_child(rows)
    for _ in range(GENERATIONS):
        index = mk.mutate(*buffers, *spare, sa, state)
        program, name = mutator.mutate(program, rng)
        buffers, spare = spare, buffers
        assert mk.TYPE_NAMES[index] == name
        _assert_same(program, *buffers, space)
        assert int(state[0]) == rng.state


EXTREMES = (0.0, -0.0, 1e308, -1e308, 5e-324, -2.5e-320, 1e-300, 1.0, -3.0, math.pi)


def _set_op_space() -> SearchSpace:
    set_ops = tuple(op.id for op in ops.OPS if op.output and op.arity == 0)
    empty = ComponentSpace((), 0, 0, 0)
    return SearchSpace("set_ops", Memory(4, 3, 2), empty, ComponentSpace(set_ops, 1, 12, 6), empty)


def _extreme_instruction(space: SearchSpace, rng: Rng) -> Instruction:
    op = ops.OPS[space.predict.ops[rng.integers(len(space.predict.ops))]]
    values = []
    for name in op.data:
        if name in ops.INDEX_FIELDS:
            values.append((0.0, 0.5, 1.0 - 2.0**-53)[rng.integers(3)])
        else:
            values.append(EXTREMES[rng.integers(len(EXTREMES))])
    out = rng.integers(ops.FIRST_OUTPUT_ADDRESS[op.output], space.memory.size(op.output))
    return Instruction.make(op.id, out=out, data=values)


def test_alter_param_twin_on_extreme_data():
    """Zeros (both signs), huge values (the 700 clamp), subnormals and index fractions near 1."""
    space = _set_op_space()
    mutator = Mutator(space, {"alter_param": 1})
    sa = mk.space_arrays(space, mutator)
    rows = mk.capacity(space)
    rng = Rng(_seed("extreme"))
    for k in range(600):
        body = tuple(_extreme_instruction(space, rng) for _ in range(rng.integers(1, 13)))
        parent = Program((), body, (), memory=space.memory)
        code, data, bounds = _buffers(parent, rows, k)
        child_buffers = _empty_child(rows)
        state = _state(rng)
        mk.mutate(code, data, bounds, *child_buffers, sa, state)
        child, _ = mutator.mutate(parent, rng)
        _assert_same(child, *child_buffers, space)
        assert int(state[0]) == rng.state
