"""Mutations: how a child program is made from its parent.

Real et al., "AutoML-Zero: Evolving Machine Learning Algorithms From Scratch" (ICML 2020), §3 and
Fig. 2: each child gets one mutation of a type drawn from an allowed list, applied to one component
function (``setup``, ``predict`` or ``learn``) drawn uniformly. Semantics follow the reference
``mutator.cc`` (``MutationType``): ALTER_PARAM, RANDOMIZE_INSTRUCTION, RANDOMIZE_COMPONENT_FUNCTION,
IDENTITY, INSERT_INSTRUCTION, REMOVE_INSTRUCTION, TRADE_INSTRUCTION, RANDOMIZE_ALGORITHM.

Contracts
- Every mutation is a pure function ``(parent, space, component, rng) -> child``: ``component`` is the
  index into :data:`zero.lang.program.COMPONENTS` (0 setup, 1 predict, 2 learn), ``rng`` a random stream
  (:class:`zero.lang.splitmix.Rng` or a ``numpy.random.Generator``); no I/O, no global state. Same seed, same
  child.
- Draw order is part of the contract: :mod:`zero.search.mutation_kernels` is a compiled twin that, from the
  same :class:`~zero.lang.splitmix.Rng` state, makes the same child with the same draws. Only ``random``,
  ``integers``, ``uniform`` and ``normal`` are drawn, and a mutation that returns the parent
  unchanged because it cannot apply draws nothing.
- Programs are immutable values: the child is built with ``dataclasses.replace`` and the parent is
  untouched. A mutation that cannot apply (empty component, size bound reached) returns the parent.
- If the parent lies in ``space`` (``space.check``) so does the child.
- ``alter_param`` changes at most one field of one instruction: an address is redrawn uniformly among
  valid ones (outputs never ``s0``/``v0``); an index fraction is redrawn from U[0, 1); any other data
  value ``x`` becomes ``sign · exp(log|x| + N(0, 1))`` with the sign flipped with probability 0.1
  (a zero is redrawn from :data:`zero.lang.ops.DATA_SAMPLING`), as the reference's ``AlterParam``.
- :class:`Mutator` draws the type with probability proportional to its weight (one uniform against
  the cumulative probabilities), then the component; the reference demo
  and baseline lists are :data:`DEMO_MUTATIONS` and :data:`BASELINE_MUTATIONS` (uniform weights).
  Insert/remove use the space's ``max_size``/``min_size`` as hard bounds.
"""

from __future__ import annotations

import dataclasses
import itertools
import math
from dataclasses import dataclass, field
from typing import Callable, Mapping

from zero.errors import ConfigError
from zero.lang import ops
from zero.lang.generator import random_component, random_instruction, random_op
from zero.lang.program import COMPONENTS, Instruction, Memory, Program
from zero.lang.space import SearchSpace
from zero.lang.splitmix import RandomStream

Mutation = Callable[[Program, SearchSpace, int, RandomStream], Program]

SIGN_FLIP_PROBABILITY = 0.1  # reference: kSignFlipProb


def _with(program: Program, component: int, body) -> Program:
    return dataclasses.replace(program, **{COMPONENTS[component]: tuple(body)})


def _random_op(space: SearchSpace, component: int, rng: RandomStream) -> int:
    return random_op(space.components()[component].ops, rng)


def perturb_value(x: float, rng: RandomStream, name: str = "value") -> float:
    """A new value for data field ``name`` holding ``x`` (see the module contract)."""
    if name in ops.INDEX_FIELDS:
        return float(rng.uniform(0.0, 1.0))
    if x == 0.0:
        return float(rng.uniform(*ops.DATA_SAMPLING[name]))
    sign = math.copysign(1.0, x)
    if rng.random() < SIGN_FLIP_PROBABILITY:
        sign = -sign
    magnitude = math.exp(min(math.log(abs(x)) + float(rng.normal()), 700.0))  # stay finite
    return sign * magnitude


def _address(kind: str, memory: Memory, rng: RandomStream, output: bool) -> int:
    first = ops.FIRST_OUTPUT_ADDRESS[kind] if output else 0
    return int(rng.integers(first, memory.size(kind)))


def alter_instruction(ins: Instruction, memory: Memory, rng: RandomStream) -> Instruction:
    """``ins`` with one parameter altered (reference ``AlterParam``); a no-op has none to alter."""
    op = ins.spec
    if op.output is None:
        return ins
    if op.arity == 0:  # const/random set ops: 50% out, 50% one data field
        if rng.random() < 0.5:
            return dataclasses.replace(ins, out=_address(op.output, memory, rng, output=True))
        k = int(rng.integers(len(op.data)))
        data = list(ins.data)
        data[k] = perturb_value(data[k], rng, op.data[k])
        return dataclasses.replace(ins, data=(data[0], data[1], data[2]))
    slot = int(rng.integers(op.arity + 1))  # unary: in1/out; binary: in1/in2/out, uniform
    if slot == op.arity:
        return dataclasses.replace(ins, out=_address(op.output, memory, rng, output=True))
    name = ("in1", "in2")[slot]
    return dataclasses.replace(ins, **{name: _address(op.inputs[slot], memory, rng, output=False)})


# ---- the eight mutation types ------------------------------------------------------------------


def alter_param(program: Program, space: SearchSpace, component: int, rng: RandomStream) -> Program:
    """Alter one parameter (an address or a data value) of one random instruction."""
    body = list(program.components()[component])
    if not body:
        return program
    i = int(rng.integers(len(body)))
    body[i] = alter_instruction(body[i], program.memory, rng)
    return _with(program, component, body)


def randomize_instruction(program: Program, space: SearchSpace, component: int, rng: RandomStream) -> Program:
    """Replace one random instruction by a fresh random one of an allowed op."""
    body = list(program.components()[component])
    if not body:
        return program
    i = int(rng.integers(len(body)))
    body[i] = random_instruction(_random_op(space, component, rng), program.memory, rng)
    return _with(program, component, body)


def randomize_component(program: Program, space: SearchSpace, component: int, rng: RandomStream) -> Program:
    """Redraw every instruction of the component function, keeping its size."""
    size = len(program.components()[component])
    if size == 0:
        return program
    allowed = space.components()[component].ops
    return _with(program, component, random_component(allowed, size, program.memory, rng))


def identity(program: Program, space: SearchSpace, component: int, rng: RandomStream) -> Program:
    """The parent itself (reference IDENTITY)."""
    return program


def _insert(body: list, space: SearchSpace, component: int, memory: Memory, rng: RandomStream) -> None:
    position = int(rng.integers(len(body) + 1))
    body.insert(position, random_instruction(_random_op(space, component, rng), memory, rng))


def insert(program: Program, space: SearchSpace, component: int, rng: RandomStream) -> Program:
    """Insert a random instruction at a random position (0..len); parent if already at ``max_size``."""
    body = list(program.components()[component])
    if len(body) >= space.components()[component].max_size:
        return program
    _insert(body, space, component, program.memory, rng)
    return _with(program, component, body)


def remove(program: Program, space: SearchSpace, component: int, rng: RandomStream) -> Program:
    """Remove the instruction at a random position; parent if already at ``min_size``."""
    body = list(program.components()[component])
    if len(body) <= space.components()[component].min_size:
        return program
    del body[int(rng.integers(len(body)))]
    return _with(program, component, body)


def trade(program: Program, space: SearchSpace, component: int, rng: RandomStream) -> Program:
    """Remove a random instruction, then insert a random one at a random position (size kept)."""
    body = list(program.components()[component])
    if not body or space.components()[component].max_size == 0:
        return program
    del body[int(rng.integers(len(body)))]
    _insert(body, space, component, program.memory, rng)
    return _with(program, component, body)


def randomize_algorithm(program: Program, space: SearchSpace, component: int, rng: RandomStream) -> Program:
    """Redraw every component function at its current size (``component`` is ignored)."""
    bodies = {
        name: random_component(c.ops, len(body), program.memory, rng) if body else body
        for name, c, body in zip(COMPONENTS, space.components(), program.components())
    }
    return dataclasses.replace(program, **bodies)


MUTATIONS: dict[str, Mutation] = {
    "alter_param": alter_param,
    "randomize_instruction": randomize_instruction,
    "randomize_component": randomize_component,
    "identity": identity,
    "insert": insert,
    "remove": remove,
    "trade": trade,
    "randomize_algorithm": randomize_algorithm,
}

# The reference run_demo.sh / run_baseline.sh mutation lists, uniform weights.
DEMO_MUTATIONS = {"alter_param": 1, "randomize_instruction": 1, "randomize_component": 1}
BASELINE_MUTATIONS = {"alter_param": 1, "randomize_component": 1, "insert": 1, "remove": 1}


def _check_weights(weights: Mapping[str, float], source: str) -> tuple[tuple[str, ...], tuple[float, ...]]:
    if not isinstance(weights, Mapping):
        raise ConfigError(source, "mutations", weights, f"expected a mapping of mutation name to weight; known: {', '.join(MUTATIONS)}")
    names, values = [], []
    for name, weight in weights.items():
        if name not in MUTATIONS:
            raise ConfigError(source, "mutations", name, f"unknown mutation; known: {', '.join(MUTATIONS)}")
        if isinstance(weight, bool) or not isinstance(weight, (int, float)) or not math.isfinite(weight) or weight < 0:
            raise ConfigError(source, f"mutations.{name}", weight, "weight must be a finite number >= 0")
        if weight > 0:
            names.append(name)
            values.append(float(weight))
    if not names:
        raise ConfigError(source, "mutations", dict(weights), "need at least one positive weight")
    total = sum(values)
    return tuple(names), tuple(v / total for v in values)


def draw_index(cumulative: tuple[float, ...], u: float) -> int:
    """The first ``k`` with ``u < cumulative[k]``; the last index if there is none."""
    for k, c in enumerate(cumulative):
        if u < c:
            return k
    return len(cumulative) - 1


@dataclass(frozen=True)
class Mutator:
    """Draws one mutation per child: type with probability ∝ ``weights``, component uniform.

    Zero-weight types are never drawn. Bad weights raise :class:`~zero.errors.ConfigError`.
    """

    space: SearchSpace
    weights: Mapping[str, float]
    source: str = field(default="<mutations>", repr=False, compare=False)  # named in config errors
    names: tuple[str, ...] = field(init=False, repr=False)
    probabilities: tuple[float, ...] = field(init=False, repr=False)
    # Running sums of ``probabilities``; the compiled twin draws against this very table.
    cumulative: tuple[float, ...] = field(init=False, repr=False)

    def __post_init__(self):
        names, probabilities = _check_weights(self.weights, self.source)
        object.__setattr__(self, "weights", dict(self.weights))
        object.__setattr__(self, "names", names)
        object.__setattr__(self, "probabilities", probabilities)
        object.__setattr__(self, "cumulative", tuple(itertools.accumulate(probabilities)))

    @staticmethod
    def from_config(space: SearchSpace, weights: Mapping[str, float], source: str) -> Mutator:
        """A mutator from config ``weights``; errors name ``source`` and the key."""
        return Mutator(space, weights, source)

    def mutate(self, program: Program, rng: RandomStream) -> tuple[Program, str]:
        """The child and the name of the mutation type applied.

        Draws ``u = rng.random()`` and takes the first type whose cumulative probability exceeds
        ``u`` (the last one if rounding left the total just below 1), then the component uniformly,
        then whatever the mutation draws.
        """
        k = draw_index(self.cumulative, rng.random())
        component = int(rng.integers(len(COMPONENTS)))
        name = self.names[k]
        return MUTATIONS[name](program, self.space, component, rng), name
