"""Search spaces shared by the mutation tests: the shipped ones and seeded random ones."""

from __future__ import annotations

import numpy as np

from zero.lang import ops
from zero.lang.program import COMPONENTS, Memory
from zero.lang.space import SPACES_DIR, ComponentSpace, SearchSpace, load

SHIPPED = sorted(p.stem for p in SPACES_DIR.glob("*.yaml"))
RANDOM_SPACES = [f"random{k}" for k in range(8)]


def random_space(seed: int) -> SearchSpace:
    """A random memory, random op subsets that respect it, random size bounds (some fixed, some 0)."""
    rng = np.random.default_rng(1000 + seed)
    memory = Memory(int(rng.integers(2, 6)), int(rng.integers(1, 5)), int(rng.integers(0, 3)))
    usable = [
        op.id
        for op in ops.OPS[1:]  # no_op excluded: it makes "the component changed" untestable
        if all(memory.size(k) > 0 for k in op.inputs) and memory.size(op.output) > ops.FIRST_OUTPUT_ADDRESS[op.output]
    ]
    components = []
    for _ in COMPONENTS:
        lo = int(rng.integers(0, 4))
        hi = lo if rng.random() < 0.3 else lo + int(rng.integers(1, 6))
        if rng.random() < 0.1:
            lo = hi = 0
        chosen = rng.choice(usable, size=int(rng.integers(1, min(8, len(usable)) + 1)), replace=False)
        allowed = tuple(int(i) for i in chosen) if hi > 0 else ()
        components.append(ComponentSpace(allowed, lo, hi, int(rng.integers(lo, hi + 1))))
    return SearchSpace(f"random{seed}", memory, *components)


def space(case: str) -> SearchSpace:
    """``randomK`` for :func:`random_space` (K), otherwise a shipped space by name."""
    return random_space(int(case[6:])) if case.startswith("random") else load(case)
