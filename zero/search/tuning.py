"""Constant tuning (``tune_constants``; not in the reference): a short local search over the
constants of an island's fittest program, whose result joins the population and competes.

Evolution changes a constant (a learning rate, an initial weight's scale) one mutation at a time,
and a child that is better by a small step often loses its tournament to noise before it has
children. Tuning climbs such steps deliberately: every ``tune_constants.every`` individuals an
island takes its fittest program and tries ``tune_constants.trials`` variants one after another,
each multiplying one of the current program's constants, drawn uniformly, by exp(``scale`` · z),
z ~ N(0, 1); a variant that scores above the current program on the island's search tasks becomes
the current program (a (1+1) hill climb). If the climb ends above where it started, its program is
written into the population like a migrant, as its youngest individual, and becomes the island's
best if it beats that (:meth:`zero.search.island.Island._batch` calls it; the island's seed, its
index and its individual count seed the draws, so a run and a resumed run tune alike).

A *constant* is a data value of a set op, one with no inputs (``s = c``, ``v = uniform(lo, hi)``,
``m = gaussian(mean, std)``, ...) that is not an element index and not 0 (a factor cannot move 0).
Tunings' evaluations (``trials`` + 1 each, the start re-scored) are not counted as individuals.
See docs/architecture.md and docs/results.md (nonlinear).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import numpy as np

from zero.lang import ops
from zero.lang.program import COMPONENTS, Program

Field = tuple[int, int, int]  # (component index, instruction index, data field index)


def constant_fields(program: Program) -> list[Field]:
    """Where ``program``'s tunable constants are (see the module docstring), in program order."""
    found = []
    for c, body in enumerate(program.components()):
        for i, ins in enumerate(body):
            spec = ins.spec
            if spec.output is None or spec.arity != 0:
                continue
            for k, name in enumerate(spec.data):
                if name not in ops.INDEX_FIELDS and ins.data[k] != 0.0:
                    found.append((c, i, k))
    return found


def scaled(program: Program, field: Field, factor: float) -> Program:
    """``program`` with the constant at ``field`` multiplied by ``factor``."""
    c, i, k = field
    body = list(program.components()[c])
    data = list(body[i].data)
    data[k] *= factor
    body[i] = dataclasses.replace(body[i], data=(data[0], data[1], data[2]))
    return dataclasses.replace(program, **{COMPONENTS[c]: tuple(body)})


def climb(program: Program, score: Callable[[Program], float], rng: np.random.Generator, trials: int,
          scale: float) -> tuple[Program, float, float]:  # fmt: skip
    """The hill climb over ``program``'s constants: (best program, its score, the start's score).
    ``score`` is the search fitness; a program without constants is returned as it is after one
    score. Finite factors only: a variant whose constant overflows is not tried."""
    start = current = score(program)
    fields = constant_fields(program)
    if not fields:
        return program, current, start
    for _ in range(trials):
        field = fields[int(rng.integers(len(fields)))]
        factor = float(np.exp(scale * rng.normal()))
        variant = scaled(program, field, factor)
        value = variant.components()[field[0]][field[1]].data[field[2]]
        if not np.isfinite(value):
            continue
        fitness = score(variant)
        if fitness > current:
            program, current = variant, fitness
    return program, current, start
