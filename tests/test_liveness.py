"""Compiled dead-code removal (zero.interpreter.liveness_kernels) against its twin, zero.lang.simplify.

On random programs of the shipped spaces, the random spaces of ``tests/spaces.py`` and a
small-memory stress space (frequent address collisions, partial writes and random draws), the
compiled mask must equal :func:`zero.lang.simplify.live_mask`, and the kept program must make
byte-identical predictions (traces) and per-task fitness to the whole program run by the NumPy
oracle (which runs every instruction).
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from spaces import RANDOM_SPACES, space
from test_simplify import STRESS

from zero.interpreter import oracle
from zero.interpreter.differential import same
from zero.interpreter.evaluator import evaluate
from zero.interpreter.liveness_kernels import live_instructions, live_program, workspace
from zero.lang.encoding import decode, encode
from zero.lang import ops
from zero.lang.generator import random_program
from zero.lang.program import Memory, Program
from zero.lang.simplify import live_mask
from zero.lang.space import SearchSpace
from zero.lang.splitmix import Rng
from zero.tasks import TaskSpec, make_tasks

SPACES = ["demo", "baseline", "paper_nn", "paper_full", "stress", *RANDOM_SPACES]


def get_space(name):
    """A space whose random programs start at their largest size (paper_full starts empty)."""
    s = STRESS if name == "stress" else space(name)
    grown = [dataclasses.replace(c, init_size=c.max_size) for c in s.components()]
    return SearchSpace(s.name, s.memory, *grown)


def kept(program):
    e = encode(program)
    n = len(e.code)
    keep = np.zeros(max(n, 1), np.bool_)
    work = workspace(max(program.memory))
    count = live_instructions(e.code, e.bounds, work, keep)
    out_code, out_data, out_bounds = np.zeros((max(n, 1), 4), np.int32), np.zeros((max(n, 1), 3)), np.zeros(4, np.int64)
    live_program(e.code, e.data, e.bounds, work, keep, out_code, out_data, out_bounds)
    return keep[:n], count, decode(out_code, out_data, out_bounds, program.memory)


@pytest.mark.parametrize("name", SPACES)
def test_the_compiled_mask_is_simplifys(name):
    s = get_space(name)
    rng = Rng(hash(name) % 2**32)
    for _ in range(300):
        program = random_program(s, rng)
        mask, count, _ = kept(program)
        expected = [k for component in live_mask(program) for k in component]
        assert mask.tolist() == expected, program.render()
        assert count == sum(expected)


# Memories too large for one-word live sets (the multi-word form): the stress space's addresses
# spread over 64-address word boundaries. Renaming free addresses one-to-one (s0, s1, v0 keep
# their roles) changes no instruction's liveness.
WIDE = Memory(130, 130, 130)
RENAME = {"s": (0, 1, 63, 64), "v": (0, 65, 127), "m": (21, 128)}


def widened(program):
    def rename(ins):
        op = ops.OPS[ins.op]
        kind1, kind2 = (*op.inputs, None, None)[:2]
        new = lambda kind, address: RENAME[kind][address] if kind else 0  # noqa: E731
        return dataclasses.replace(ins, in1=new(kind1, ins.in1), in2=new(kind2, ins.in2), out=new(op.output, ins.out))

    return Program(*(tuple(rename(ins) for ins in component) for component in program.components()), WIDE)


def test_wide_memories_keep_what_simplify_keeps():
    assert workspace(max(WIDE)).shape[2] > 1 and workspace(max(STRESS.memory)).shape[2] == 0
    s = get_space("stress")
    rng = Rng(11)
    for _ in range(300):
        program = random_program(s, rng)
        wide = widened(program)
        mask, count, _ = kept(wide)
        expected = [k for component in live_mask(program) for k in component]
        assert mask.tolist() == expected == [k for component in live_mask(wide) for k in component], wide.render()
        assert count == sum(expected)


@pytest.mark.parametrize("name", ["demo", "paper_full", "stress", "random3"])
@pytest.mark.parametrize("family", ["linear", "digits_binary"])
def test_the_live_program_predicts_bit_identically(name, family):
    s = get_space(name)
    rng = Rng(7)
    spec = TaskSpec(family, 4, num_train=12, num_valid=6, num_test=1, epochs=2)
    tasks = make_tasks(spec, 3, seed=5)
    removed = 0
    for _ in range(120):
        program = random_program(s, rng)
        _, count, live = kept(program)
        removed += len(program) - count
        _, whole_per_task, whole_traces = oracle.evaluate(program, tasks)  # every instruction, in NumPy
        part = evaluate(live, tasks, trace=True)
        # equal to the bit, every NaN counting as one NaN (as the differential check compares them)
        assert same(np.asarray(whole_traces), part.traces), program.render()
        assert same(np.asarray(whole_per_task), part.per_task)
    assert removed > 0  # the check is only as strong as the dead code it saw
