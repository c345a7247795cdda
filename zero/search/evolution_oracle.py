"""Regularized evolution in plain Python: the readable twin of the compiled search loop.

:class:`EvolutionOracle` does, individual for individual, what :func:`zero.search.evolution_kernels.evolve`
does for :class:`zero.search.evolution.Evolution`, with none of its machinery: the population is a
list of :class:`~zero.lang.program.Program` values, mutation is the Python
:class:`~zero.search.mutation.Mutator`, fitness comes from :func:`zero.interpreter.evaluator.evaluate`
and the functional-equivalence cache is an ``OrderedDict``. It is slow (only for tests and for
reading); it *is* the documentation of the loop's semantics. Built from the same experiment and
seed as an :class:`~zero.search.evolution.Evolution`, it draws the same numbers from the same
splitmix64 stream (:class:`~zero.lang.splitmix.Rng`), so after any number of individuals both hold
the same programs, fitness values, best, counters, random state and cache, bit for bit;
``tests/test_evolution_oracle.py`` checks exactly that. The layers (why the hot loop is compiled,
what may import what) are described in docs/architecture.md.

Per individual (Real et al., "AutoML-Zero", ICML 2020, §3):

1. While the population is filling, slot ``filled`` gets the template program (no-op or
   hand-written), redrawn at random (``randomize_algorithm``) when the space starts at random.
2. Otherwise the child replaces the oldest slot (``next_slot``, round robin). Its parent wins a
   tournament of ``tournament`` slots drawn uniformly with replacement (``int(u * P)`` each); the
   fittest wins, the first drawn on ties (with ``prefer_shorter``, the one of fewer instructions first). One more uniform ``u < mutation_probability`` decides
   whether the child is the mutated parent or a plain copy.
3. Fitness: a child over the compute limit (:mod:`zero.lang.budget`) scores ``MIN_FITNESS`` at
   once. Otherwise, with the FEC on, the child's fingerprint (its predictions on a short prefix of every
   search task) is looked up first and a hit's stored fitness is used. On a miss the child is
   evaluated; with hurdles on and the population full, first on the first ``hurdle_tasks`` tasks:
   below the hurdle it keeps that partial fitness (a *hurdle stop*), else the rest are evaluated.
   Per-task fitness is combined by mean (sequential sum) or median; the result is stored in the FEC.
4. The child takes its slot; it becomes the best if strictly fitter than the best so far.
"""

from __future__ import annotations

import dataclasses
import math
import struct
from collections import OrderedDict

import numpy as np

from zero.interpreter.common import combine
from zero.interpreter.common import MIN_FITNESS
from zero.interpreter.evaluator import evaluate
from zero.lang.budget import per_example_work
from zero.lang.program import Program
from zero.lang.splitmix import GOLDEN, MASK, MIX1, MIX2, Rng
from zero.search.evolution import seed_state
from zero.search.experiment import Experiment
from zero.search.mutation import randomize_algorithm
from zero.tasks import MixedTaskSet, Tasks, groups_of

_TRUNCATE = 0xFFFFFFFFFFF00000  # a prediction keeps its sign, exponent and top 32 mantissa bits
_NAN_KEY = 0x7FF8000000000000  # every NaN hashes as this one


def mix(z: int) -> int:
    """splitmix64's finalizer of ``z`` plus the golden gamma (:func:`zero.search.fec._mix`)."""
    z = (z + GOLDEN) & MASK
    z = ((z ^ (z >> 30)) * MIX1) & MASK
    z = ((z ^ (z >> 27)) * MIX2) & MASK
    return z ^ (z >> 31)


def fold(h: int, x: int) -> int:
    """``h`` with the 64-bit word ``x`` mixed in (:func:`zero.search.fec.fold`)."""
    return mix(h ^ x)


def fold_row(h: int, predictions: list[float]) -> int:
    """``h`` with one task's prefix predictions mixed in (:func:`zero.search.fec.fold_row`): each
    truncated (NaNs as one, ``-0.0`` as ``0.0``) and tagged with its position, mixed, summed."""
    total = 0
    for position, p in enumerate(predictions):
        bits = _NAN_KEY if math.isnan(p) else struct.unpack("<Q", struct.pack("<d", p + 0.0))[0] & _TRUNCATE
        total += mix(bits | position)
    return fold(h, total & MASK)


class Fec:
    """The functional-equivalence cache as an exact LRU map fingerprint → [fitness, hits], least
    recently used first. The ``forget_every``-th hit of an entry drops it and counts as a miss."""

    def __init__(self, capacity: int, forget_every: int):
        self.capacity, self.forget_every = capacity, forget_every
        self.entries: OrderedDict[int, list] = OrderedDict()
        self.lookups = self.hits = self.forgotten = 0  # forgotten: not in the arrays, for tests

    def lookup(self, key: int) -> float | None:
        self.lookups += 1
        entry = self.entries.get(key)
        if entry is None:
            return None
        entry[1] += 1
        if entry[1] >= self.forget_every:
            del self.entries[key]
            self.forgotten += 1
            return None
        self.entries.move_to_end(key)
        self.hits += 1
        return entry[0]

    def insert(self, key: int, fitness: float) -> None:
        if key in self.entries:
            self.entries.move_to_end(key)
        elif len(self.entries) >= self.capacity:
            self.entries.popitem(last=False)
        self.entries[key] = [fitness, 0]


def _prefix(tasks: Tasks, n_train: int, n_valid: int) -> Tasks:
    """Every task cut to its first examples and one epoch in the original order (the FEC's run)."""
    if isinstance(tasks, MixedTaskSet):
        return MixedTaskSet(tuple(_prefix(g, n_train, n_valid) for g in tasks.groups))
    cut = np.ascontiguousarray  # C order, the layout the evaluator's kernels are compiled for
    return dataclasses.replace(
        tasks, x_train=cut(tasks.x_train[:, :n_train]), y_train=cut(tasks.y_train[:, :n_train]),
        x_valid=cut(tasks.x_valid[:, :n_valid]), y_valid=cut(tasks.y_valid[:, :n_valid]),
        orders=cut(tasks.orders[:, :1, :n_train]),
    )  # fmt: skip


class EvolutionOracle:
    """One regularized-evolution population, as :class:`~zero.search.evolution.Evolution` but in Python.

    Every setting is a plain attribute read at each step, so a test can change one (a different
    ``tournament``, say) and see the twins part; only the task sets (``head_tasks``/``tail_tasks``
    split at the hurdle, ``fec_tasks`` cut to the fingerprint's prefix) are derived once here.
    """

    def __init__(self, experiment: Experiment, seed: int | np.random.SeedSequence, tasks: Tasks | None = None):
        cfg = experiment.config
        self.space, self.mutator = experiment.space, experiment.mutator
        self.tasks = tasks if tasks is not None else experiment.tasks("search")
        self.population_size, self.tournament, self.prefer_shorter = cfg["population"], cfg["tournament"], cfg["prefer_shorter"]
        self.shorter_wins = 0  # tournament draws won on size alone (prefer_shorter)
        self.mutation_probability = float(cfg["mutation_probability"])
        self.combine_by, self.max_abs_error = cfg["combine"], float(cfg["max_abs_error"])
        self.max_work = {g.feature_size: experiment.max_work(g.feature_size) for g in groups_of(self.tasks)}  # per F
        self.template, self.random_init = experiment.initial_program(), experiment.initial_kind() == "random"
        hurdles, fec = cfg["hurdles"], cfg["fec"]
        self.hurdle_tasks = min(hurdles["num_tasks"], self.tasks.num_tasks) if hurdles["enabled"] else 0
        h, T = self.hurdle_tasks, self.tasks.num_tasks
        self.head_tasks, self.tail_tasks = self.tasks.subset(range(h)), self.tasks.subset(range(h, T))
        self.fec = Fec(fec["capacity"], fec["forget_every"]) if fec["enabled"] else None
        self.fec_train = min(fec["num_train"], self.tasks.num_train)
        self.fec_valid = min(fec["num_valid"], self.tasks.num_valid)
        self.fec_tasks = _prefix(self.tasks, self.fec_train, self.fec_valid)
        self.rng = Rng(seed_state(seed))
        P = self.population_size
        self.population: list[Program | None] = [None] * P  # None: never filled
        self.fitness = [0.0] * P
        self.best_program: Program | None = None
        self.best_fitness = self.hurdle = -math.inf
        self.individuals = self.experiment_individuals = self.filled = self.next_slot = 0
        self.evaluations = self.hurdle_stops = 0

    # ---- advancing

    def run(self, n: int) -> int:
        """Evaluate ``n`` more individuals; returns how many ran."""
        for _ in range(max(n, 0)):
            self.step()
        return max(n, 0)

    def step(self) -> None:
        """One individual: make a child, score it, put it in its slot."""
        P = self.population_size
        if self.filled < P:
            slot, child = self.filled, self.template
            if self.random_init:
                child = randomize_algorithm(child, self.space, 0, self.rng)
        else:
            slot, parent = self.next_slot, self.population[self.select()]
            mutated = self.rng.random() < self.mutation_probability
            child = self.mutator.mutate(parent, self.rng)[0] if mutated else parent
        fitness = self.score(child)
        self.population[slot], self.fitness[slot] = child, fitness
        if self.filled < P:
            self.filled += 1
        else:
            self.next_slot = (slot + 1) % P
        if fitness > self.best_fitness:  # strictly: the first found stays on ties
            self.best_program, self.best_fitness = child, fitness
        self.individuals += 1
        self.experiment_individuals += 1

    def select(self) -> int:
        """The tournament winner's slot: the fittest of ``tournament`` uniform draws; on equal
        fitness the first drawn, or with ``prefer_shorter`` the one of fewer instructions (then the first)."""
        best = int(self.rng.random() * self.population_size)
        for _ in range(1, self.tournament):
            k = int(self.rng.random() * self.population_size)
            shorter = self.fitness[k] == self.fitness[best] and len(self.population[k]) < len(self.population[best])
            if self.fitness[k] > self.fitness[best] or (self.prefer_shorter and shorter):
                self.shorter_wins += not self.fitness[k] > self.fitness[best]
                best = k
        return best

    def score(self, program: Program) -> float:
        """The child's fitness: 0 over the compute limit, else from the FEC, or evaluated (stopped
        at the hurdle if below it)."""
        if any(per_example_work(program, f) > limit for f, limit in self.max_work.items()):
            return MIN_FITNESS
        if self.fec is not None:
            key = self.fingerprint(program)
            cached = self.fec.lookup(key)
            if cached is not None:
                return cached
        if self.hurdle_tasks and self.filled >= self.population_size:
            head = self._per_task(program, self.head_tasks)
            if self._combine(head) < self.hurdle:
                self.hurdle_stops += 1
                per_task = head
            else:
                per_task = np.concatenate([head, self._per_task(program, self.tail_tasks)])
        else:
            per_task = self._per_task(program, self.tasks)
        self.evaluations += 1
        fitness = self._combine(per_task)
        if self.fec is not None:
            self.fec.insert(key, fitness)
        return fitness

    def _per_task(self, program: Program, tasks: Tasks) -> np.ndarray:
        return evaluate(program, tasks, combine_by=self.combine_by, max_abs_error=self.max_abs_error).per_task

    def _combine(self, per_task: np.ndarray) -> float:
        return float(combine(np.asarray(per_task, dtype=np.float64), self.combine_by == "median"))

    def fingerprint(self, program: Program) -> int:
        """The FEC key: the prefix sizes, then per task its index and every prediction on the prefix
        (NaN where the run stopped early), folded into one 64-bit hash."""
        traces = evaluate(
            program, self.fec_tasks, combine_by=self.combine_by, max_abs_error=self.max_abs_error, trace=True
        ).traces
        h = fold(fold(0, self.fec_train), self.fec_valid)
        for t, trace in enumerate(traces):
            h = fold_row(fold(h, t), trace.tolist())
        return h

    # ---- between batches (called by the island, as on Evolution)

    def update_hurdle(self, percentile: float) -> float:
        """Once the population is full: the hurdle becomes ``percentile`` of its distinct fitness values."""
        if self.filled >= self.population_size:
            self.hurdle = float(np.percentile(np.unique(self.fitness), percentile))
        return self.hurdle

    def restart(self) -> None:
        """A new experiment: the population refills from slot 0; the stream, whole-run counters and
        FEC carry on. The old programs (and best program) stay until overwritten, as in the arrays."""
        self.experiment_individuals = self.filled = self.next_slot = 0
        self.best_fitness = self.hurdle = -math.inf
        self.fitness = [0.0] * self.population_size

    @property
    def counters(self) -> tuple[int, ...]:
        """INDIVIDUALS, EXPERIMENT_INDIVIDUALS, FILLED, NEXT_SLOT, EVALUATIONS, HURDLE_STOPS (the compiled order)."""
        return (
            self.individuals,
            self.experiment_individuals,
            self.filled,
            self.next_slot,
            self.evaluations,
            self.hurdle_stops,
        )
