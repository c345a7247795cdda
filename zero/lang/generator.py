"""Initial programs: random, no-op, and (via :mod:`zero.lang.handwritten`) hand-written ones.

Reference: AutoML-Zero ``generator.cc`` (NO_OP_ALGORITHM, RANDOM_ALGORITHM). Every function takes an
explicit random stream (:class:`zero.lang.splitmix.Rng`, or a ``numpy.random.Generator``) and does no I/O;
every program returned lies in its search space.

Draw order is a contract: :mod:`zero.search.mutation_kernels` repeats it draw for draw, so with the same
:class:`~zero.lang.splitmix.Rng` state both make the same instructions. A random instruction draws its input
addresses (in1, then in2), then its output address, then its data fields in order; a random
component draws, per instruction, the op and then the instruction.
"""

from __future__ import annotations

from zero.lang import ops
from zero.lang.program import Instruction, Memory, Program
from zero.lang.space import SearchSpace
from zero.lang.splitmix import RandomStream


def random_data(op: ops.Op, rng: RandomStream) -> list[float]:
    """Fresh data fields for ``op``, drawn as :data:`zero.lang.ops.DATA_SAMPLING` says."""
    values = []
    for name in op.data:
        low, high = ops.DATA_SAMPLING[name]
        values.append(float(rng.uniform(low, high)))
    return values


def random_instruction(op_id: int, memory: Memory, rng: RandomStream) -> Instruction:
    """An instruction of op ``op_id`` with uniformly drawn addresses (outputs never s0/v0) and data."""
    op = ops.OPS[op_id]
    addresses = [int(rng.integers(memory.size(kind))) for kind in op.inputs] + [0, 0]
    out = 0
    if op.output:
        out = int(rng.integers(ops.FIRST_OUTPUT_ADDRESS[op.output], memory.size(op.output)))
    return Instruction.make(op_id, in1=addresses[0], in2=addresses[1], out=out, data=random_data(op, rng))


def random_op(allowed: tuple[int, ...], rng: RandomStream) -> int:
    """One op id drawn uniformly from ``allowed``."""
    return int(allowed[int(rng.integers(len(allowed)))])


def random_component(allowed: tuple[int, ...], size: int, memory: Memory, rng: RandomStream):
    return tuple(random_instruction(random_op(allowed, rng), memory, rng) for _ in range(size))


def random_program(space: SearchSpace, rng: RandomStream, sizes: tuple[int, int, int] | None = None) -> Program:
    """A program of random instructions from each component's allowed ops, at ``init`` sizes
    (or ``sizes``, which must lie within the space's bounds)."""
    sizes = sizes or tuple(c.init_size for c in space.components())
    parts = [random_component(c.ops, n, space.memory, rng) for c, n in zip(space.components(), sizes)]
    return Program(*parts, memory=space.memory)


def noop_program(space: SearchSpace) -> Program:
    """``init`` no-ops per component (the reference's NO_OP_ALGORITHM); empty when init is 0."""
    noop = Instruction.make(ops.NO_OP)
    return Program(*((noop,) * c.init_size for c in space.components()), memory=space.memory)
