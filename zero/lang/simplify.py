"""Exactly semantics-preserving simplification: dead-code removal and exact scalar constant folding.

Contract: ``simplify(p)`` makes bit-identical predictions to ``p`` (train and validation, every
epoch and task, any feature size, regression and classification), hence the same fitness; it keeps
``p.memory`` (components may become empty) and is idempotent. Folding may introduce
``scalar_const_set`` where a search space does not allow it: pass ``fold=False`` to avoid that.

Liveness (address granularity: ``s3``, ``v1``, ``m0``). The interpreter runs ``setup`` once, then
repeats ``predict`` (train or validation) followed by ``learn`` (train) or ``predict``
(validation), so a backward fixed point is taken over these edges:

- out(predict) = {s1} ∪ in(learn) ∪ in(predict)   (s1 is read as the prediction; classification's
  s1 = sigmoid(s1) is a use and def of s1, already live there);
- out(learn) = in(predict);   out(setup) = in(predict);   nothing is live after the last step;
- ``s0`` and ``v0`` are overwritten by the interpreter before every predict and learn, so they are
  removed from every set that crosses a component boundary (programs never write them).

Within a component the usual backward rule runs: an instruction is live iff it writes an address
live after it; a live one's inputs become live and, if it writes the whole address, its output dies
above it. ``vector_const_set``/``matrix_const_set`` write one element, so they never kill their
target (the rest of it flows through). Every other op writes its whole output as a function of its
inputs' old values (ops that may alias, e.g. ``m0 = matmul(m0, m1)``, go through scratch).

Random ops. They draw from one stream per task in execution order, so removing one shifts the
draws of every random op that runs after it. A random op whose output is dead is therefore kept
iff some data-live random op runs after it: for one in ``setup`` at position i, a live random op
later in setup or anywhere in predict/learn; for one in predict/learn, a live random op anywhere in
predict/learn (the loop runs each of them after every other). Dead ones that no live draw follows
are removed: the values they would shift are never used.

Folding (``fold=True``). Forward constant propagation of scalars over the same loop: memory is all
zeros when setup starts, ``s0`` is 0.0 before every predict and unknown (the label) in learn, ``s1``
is unknown after predict (sigmoid for classification), values meet only if bit-identical. A scalar
op whose inputs are all known becomes ``scalar_const_set`` of its value, only for ops whose Python
float result is the interpreter's IEEE result: ``+ - * /``, abs, reciprocal, heaviside, min, max
(division by zero and non-finite results are not folded; transcendental ops, whose libm results
could differ, and vector/matrix ops are never folded). Folding and dead-code removal alternate
until nothing changes.
"""

from __future__ import annotations

import math
import struct
from dataclasses import dataclass

from zero.lang import ops
from zero.lang.program import Instruction, Program

Address = tuple[str, int]
Mask = tuple[tuple[bool, ...], tuple[bool, ...], tuple[bool, ...]]

RANDOM_OPS = frozenset(
    {ops.SCALAR_UNIFORM_SET, ops.VECTOR_UNIFORM_SET, ops.MATRIX_UNIFORM_SET,
     ops.SCALAR_GAUSSIAN_SET, ops.VECTOR_GAUSSIAN_SET, ops.MATRIX_GAUSSIAN_SET}
)  # fmt: skip
PARTIAL_WRITES = frozenset({ops.VECTOR_CONST_SET, ops.MATRIX_CONST_SET})  # write one element only
_OVERWRITTEN = frozenset({("s", ops.LABEL_ADDRESS), ("v", ops.FEATURES_ADDRESS)})  # set by the interpreter
_PREDICTION = ("s", ops.PREDICTION_ADDRESS)


@dataclass(frozen=True)
class SimplifyReport:
    """What :func:`simplify_report` did: the simplified program, instructions removed per
    component (setup, predict, learn), and how many of the kept ones are folded constants."""

    program: Program
    removed: tuple[int, int, int]
    folded: int

    @property
    def total_removed(self) -> int:
        return sum(self.removed)


# ---- liveness ------------------------------------------------------------------------------------


def _reads(ins: Instruction) -> list[Address]:
    return [(kind, address) for kind, address in zip(ins.spec.inputs, (ins.in1, ins.in2))]


def _backward(component, live_out: set[Address]) -> tuple[set[Address], list[bool]]:
    """Live-in set of ``component`` given its live-out set, and which instructions are data-live."""
    live, mask = set(live_out), [False] * len(component)
    for i in reversed(range(len(component))):
        ins = component[i]
        kind = ins.spec.output
        if kind is None or (kind, ins.out) not in live:
            continue
        mask[i] = True
        if ins.op not in PARTIAL_WRITES:
            live.discard((kind, ins.out))
        live.update(_reads(ins))
    return live, mask


def _data_live(program: Program) -> list[list[bool]]:
    """Per component, whether each instruction's output can reach a prediction (fixed point)."""
    in_predict: set[Address] = set()
    in_learn: set[Address] = set()
    while True:
        out_predict = {_PREDICTION} | (in_learn - _OVERWRITTEN) | (in_predict - _OVERWRITTEN)
        new_predict, predict_mask = _backward(program.predict, out_predict)
        new_learn, learn_mask = _backward(program.learn, in_predict - _OVERWRITTEN)
        if new_predict == in_predict and new_learn == in_learn:
            break
        in_predict, in_learn = new_predict, new_learn  # sets only grow: this terminates
    _, setup_mask = _backward(program.setup, in_predict - _OVERWRITTEN)
    return [setup_mask, predict_mask, learn_mask]


def live_mask(program: Program) -> Mask:
    """Per component, per instruction: True if :func:`simplify` keeps it when not folding (its
    output can influence a prediction, or it is a random op that a live draw follows)."""
    data = _data_live(program)
    components = program.components()

    def live_random(c: int, start: int = 0) -> bool:
        return any(live and ins.op in RANDOM_OPS for ins, live in zip(components[c][start:], data[c][start:]))

    loop_draws = live_random(1) or live_random(2)
    keep = []
    for c, (component, mask) in enumerate(zip(components, data)):
        keep.append(tuple(
            live or (ins.op in RANDOM_OPS and (loop_draws or (c == 0 and live_random(0, i + 1))))
            for i, (ins, live) in enumerate(zip(component, mask))
        ))  # fmt: skip
    return keep[0], keep[1], keep[2]


def _keep(program: Program, masks, flags):
    """``program`` with only the instructions whose mask entry is True, and ``flags`` alike."""
    kept = [tuple(ins for ins, keep in zip(comp, mask) if keep) for comp, mask in zip(program.components(), masks)]
    flags = [[f for f, keep in zip(fl, mask) if keep] for fl, mask in zip(flags, masks)]
    return Program(*kept, memory=program.memory), flags


# ---- constant folding ----------------------------------------------------------------------------

State = list  # per scalar address: a float known on every path, or None (unknown)


def _same(a: float | None, b: float | None) -> bool:
    """Bit-identical (so 0.0 differs from -0.0); None only equals None."""
    if a is None or b is None:
        return a is b
    return struct.pack("<d", a) == struct.pack("<d", b)


def _meet(*states: State) -> State:
    return [values[0] if all(_same(values[0], x) for x in values[1:]) else None for values in zip(*states)]


_FOLDABLE = {
    ops.SCALAR_SUM: lambda a, b: a + b,
    ops.SCALAR_DIFF: lambda a, b: a - b,
    ops.SCALAR_PRODUCT: lambda a, b: a * b,
    ops.SCALAR_DIVISION: lambda a, b: a / b,
    ops.SCALAR_ABS: lambda a: abs(a),
    ops.SCALAR_RECIPROCAL: lambda a: 1.0 / a,
    ops.SCALAR_HEAVISIDE: lambda a: 1.0 if a >= 0.0 else 0.0,
    ops.SCALAR_MIN: lambda a, b: b if b < a else a,  # the interpreter's min_/max_ (std::min/max),
    ops.SCALAR_MAX: lambda a, b: b if a < b else a,  # NaN behaviour included
}


def _value(ins: Instruction, state: State) -> float | None:
    """The scalar ``ins`` writes if it is known exactly, else None."""
    if ins.op == ops.SCALAR_CONST_SET:
        return ins.data[0]
    if ins.op not in _FOLDABLE:  # random, transcendental, or reading vectors/matrices
        return None
    args = [state[address] for address in (ins.in1, ins.in2)[: ins.spec.arity]]
    if any(a is None for a in args):
        return None
    try:
        return _FOLDABLE[ins.op](*args)
    except ZeroDivisionError:  # the interpreter gives ±inf/NaN; not foldable into a const set anyway
        return None


def _forward(component, state: State, rewrite: list | None = None) -> State:
    """Propagate known scalars through ``component``; if ``rewrite`` is a list, append to it each
    instruction, folded into a ``scalar_const_set`` where its value is known and finite."""
    state = list(state)
    for ins in component:
        if ins.spec.output == "s":
            value = state[ins.out] = _value(ins, state)
            if value is not None and math.isfinite(value) and ins.op != ops.SCALAR_CONST_SET:
                ins = Instruction.make(ops.SCALAR_CONST_SET, out=ins.out, data=[value])
        if rewrite is not None:
            rewrite.append(ins)
    return state


_KEEP = object()


def _enter(state: State, label, prediction=_KEEP) -> State:
    """``state`` as the next component sees it: the interpreter sets ``s0`` and may change ``s1``."""
    state = list(state)
    state[ops.LABEL_ADDRESS] = label
    if prediction is not _KEEP:
        state[ops.PREDICTION_ADDRESS] = prediction
    return state


def _fold(program: Program) -> Program:
    zeros = [0.0] * program.memory.scalars  # memory is wiped before setup
    predict_in = _enter(_forward(program.setup, zeros), label=0.0)
    while True:  # each round keeps predict_in or forgets at least one scalar: this terminates
        predict_out = _forward(program.predict, predict_in)
        learn_in = _enter(predict_out, label=None, prediction=None)  # s0 = y; s1 may be sigmoid'ed
        learn_out = _forward(program.learn, learn_in)
        new = _meet(predict_in, _enter(predict_out, label=0.0, prediction=None), _enter(learn_out, label=0.0))
        if all(_same(a, b) for a, b in zip(new, predict_in)):
            break
        predict_in = new
    components: list[list[Instruction]] = [[], [], []]
    for component, state, out in zip(program.components(), (zeros, predict_in, learn_in), components):
        _forward(component, state, out)
    return Program(*components, memory=program.memory)


# ---- entry points --------------------------------------------------------------------------------


def simplify_report(program: Program, *, fold: bool = True) -> SimplifyReport:
    """Simplify ``program`` (see the module docstring) and say what changed."""
    current = program
    folded = [[False] * len(c) for c in program.components()]  # per instruction: a folded constant?
    while True:
        result = _fold(current) if fold else current
        pairs = zip(folded, current.components(), result.components())
        folded = [[f or a != b for f, a, b in zip(*triple)] for triple in pairs]  # _fold maps 1:1
        result, folded = _keep(result, live_mask(result), folded)
        if result == current:
            break
        current = result
    removed = tuple(len(a) - len(b) for a, b in zip(program.components(), current.components()))
    return SimplifyReport(current, removed, sum(map(sum, folded)))


def simplify(program: Program, *, fold: bool = True) -> Program:
    """A program with bit-identical predictions and as few instructions as this analysis proves
    unnecessary (module docstring: the liveness, random-op and folding rules)."""
    return simplify_report(program, fold=fold).program
