"""Program ⇄ flat arrays: the form the compiled interpreter reads.

An encoded program is three C-contiguous, writeable arrays (writeable matters: numba compiles a
separate specialization for read-only arrays, e.g. ones that come out of Ray's object store):

- ``code``   int32 [n, 4]: ``op, in1, in2, out`` of every instruction, setup then predict then learn;
- ``data``   float64 [n, 3]: the instruction's data fields ``d0, d1, d2``;
- ``bounds`` int64 [4]: component ``c`` is rows ``bounds[c]:bounds[c + 1]``.

Encoding assumes a valid :class:`~zero.lang.program.Program` (addresses were checked when it was built),
so the interpreter can run without bounds checks.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from zero.lang.program import Instruction, Memory, Program


class Encoded(NamedTuple):
    code: np.ndarray
    data: np.ndarray
    bounds: np.ndarray


def encode(program: Program) -> Encoded:
    instructions = [ins for component in program.components() for ins in component]
    n = len(instructions)
    code = np.zeros((n, 4), dtype=np.int32)
    data = np.zeros((n, 3), dtype=np.float64)
    for i, ins in enumerate(instructions):
        code[i] = (ins.op, ins.in1, ins.in2, ins.out)
        data[i] = ins.data
    sizes = [len(c) for c in program.components()]
    bounds = np.array([0, sizes[0], sizes[0] + sizes[1], n], dtype=np.int64)
    return Encoded(code, data, bounds)


def decode(code: np.ndarray, data: np.ndarray, bounds: np.ndarray, memory: Memory) -> Program:
    """The inverse of :func:`encode`; validates, so corrupt arrays raise ProgramError."""
    rows = [
        Instruction(int(c[0]), int(c[1]), int(c[2]), int(c[3]), (float(d[0]), float(d[1]), float(d[2])))
        for c, d in zip(code[: bounds[3]], data[: bounds[3]])
    ]
    return Program(rows[bounds[0] : bounds[1]], rows[bounds[1] : bounds[2]], rows[bounds[2] : bounds[3]], memory=memory)
