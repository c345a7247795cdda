"""Regularized evolution (Real et al., AAAI 2019; AutoML-Zero, ICML 2020 §3) as a pure object.

:class:`Evolution` owns one population and its state as plain NumPy arrays: the programs in
fixed-capacity buffers, their fitness, the experiment's best, counters, the splitmix64 random state
and the functional-equivalence cache. ``run(n)`` advances it by ``n`` individuals inside the
compiled loop (:mod:`zero.search.evolution_kernels`; :mod:`zero.search.evolution_oracle` is its
readable twin, checked state for state). It is also the only code that edits the population
outside that loop: :meth:`Evolution.restart`, :meth:`Evolution.update_hurdle` and migration
(:meth:`Evolution.emigrants`, :meth:`Evolution.receive`).

Nothing here does I/O or decides *when*: the island (:mod:`zero.search.island`) decides where a
batch ends, when the hurdle is updated, when to restart and when to migrate, at fixed individual
counts; the driver (:mod:`zero.search.driver`) when to checkpoint and stop. A checkpoint is just
:meth:`Evolution.arrays`.

Determinism: the state after ``run(a); run(b)`` equals the state after ``run(a + b)`` for the same
hurdle values, and :meth:`Evolution.load_arrays` restores a state exactly, so a resumed run
continues bit-for-bit (see ``tests/test_evolution.py``). See docs/architecture.md.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from types import ModuleType
from typing import NamedTuple

import numpy as np

from zero.errors import ProgramError, ZeroError
from zero.interpreter.compiler import compile_for, specialize
from zero.lang.budget import work_table
from zero.lang.encoding import decode, encode
from zero.lang.program import Program
from zero.search import evolution_kernels as _template
from zero.search import fec as fec_
from zero.search.experiment import Experiment
from zero.search.mutation_kernels import capacity as program_capacity
from zero.search.mutation_kernels import space_arrays
from zero.tasks import Tasks, groups_of

_K = _template
_NO_PROFILE = np.zeros(0, np.uint64)  # profiling off
_IMPORT = "from zero.interpreter.kernels import run_tasks, scratch_memory  # specialized"
_TEMPLATE_LINES = Path(_template.__file__).read_text().splitlines()
_DISPATCH = next(line for line in _TEMPLATE_LINES if line.endswith("# dispatch"))  # run_group's call, one per group
_MEMORIES = next(line for line in _TEMPLATE_LINES if line.endswith("# memories"))  # memories' tuple, one per group


class Settings(NamedTuple):
    """The scalars the compiled loop reads (types fixed: numba compiles once per type signature)."""

    population: int
    tournament: int
    prefer_shorter: bool  # tournament ties go to the program of fewer instructions
    mutation_probability: float
    median: bool
    max_abs_error: float
    random_init: bool
    fec: bool
    fec_train: int
    fec_valid: int
    hurdle_tasks: int  # 0: hurdles off
    classification: bool
    n_scalars: int
    n_vectors: int
    n_matrices: int
    max_work: np.ndarray  # float64 [groups]: compute limit, most work per example at each group's F (inf: none)
    op_work: np.ndarray  # int64 [groups, ops]: each op's work at each group's F (zero.lang.budget.work_table)


class SearchTasks(NamedTuple):
    x_train: np.ndarray
    y_train: np.ndarray
    x_valid: np.ndarray
    y_valid: np.ndarray
    orders: np.ndarray
    rng_seeds: np.ndarray


class State(NamedTuple):
    """A population and everything needed to continue it (P slots of capacity L instructions)."""

    code: np.ndarray  # int32 [P, L, 4]
    data: np.ndarray  # float64 [P, L, 3]
    bounds: np.ndarray  # int64 [P, 4]
    fitness: np.ndarray  # float64 [P]
    best_code: np.ndarray  # int32 [L, 4]: the experiment's best program so far
    best_data: np.ndarray  # float64 [L, 3]
    best_bounds: np.ndarray  # int64 [4]
    template_code: np.ndarray  # the program initial individuals start from
    template_data: np.ndarray
    template_bounds: np.ndarray
    counters: np.ndarray  # int64 [6]: see zero.search.evolution_kernels (INDIVIDUALS, ...)
    figures: np.ndarray  # float64 [2]: BEST_FITNESS, HURDLE
    rng: np.ndarray  # uint64 [1]: the splitmix64 state every draw comes from


class Migrants(NamedTuple):
    """Programs leaving an island, fittest first (arrays as in :class:`State`)."""

    code: np.ndarray  # int32 [k, L, 4]
    data: np.ndarray  # float64 [k, L, 3]
    bounds: np.ndarray  # int64 [k, 4]
    fitness: np.ndarray  # float64 [k]


class FingerprintMemo(NamedTuple):
    """Per population slot, the live instructions of the program last written there, their hash
    and their FEC fingerprint (``known``: whether the slot has one), and an index from program
    hashes to slots. A child whose live part equals its parent's (a plain copy, or a mutation of
    dead code: most children in practice) takes the parent's key; one whose live part equals the
    program of the slot its hash indexes (a mutation that rebuilt a program still in the
    population) takes that slot's key; only the rest run the fingerprint. Derived data, always
    consistent (a key is a pure function of the live program, and an index hit is confirmed
    instruction by instruction), so it is neither checkpointed nor reset: migration, restarts and
    restores leave it valid."""

    code: np.ndarray  # int32 [P, L, 4]
    data: np.ndarray  # float64 [P, L, 3]
    bounds: np.ndarray  # int64 [P, 4]
    keys: np.ndarray  # uint64 [P]
    known: np.ndarray  # bool [P]
    hashes: np.ndarray  # uint64 [P]: zero.search.evolution_kernels.program_hash of each slot's live program
    index: np.ndarray  # int64 [B], B a power of two >= 4P: the slot last written with a hash of these low bits, or -1


def new_memo(population: int, capacity: int) -> FingerprintMemo:
    return FingerprintMemo(np.zeros((population, capacity, 4), np.int32), np.zeros((population, capacity, 3)),
                           np.zeros((population, 4), np.int64), np.zeros(population, np.uint64),
                           np.zeros(population, np.bool_), np.zeros(population, np.uint64),
                           np.full(1 << (4 * population - 1).bit_length(), -1, np.int64))  # fmt: skip


@lru_cache(maxsize=None)
def compile_search_for(sizes: tuple[int, ...]) -> ModuleType:
    """The search loop compiled for search tasks in groups of these feature sizes (one per group),
    cached on disk like the interpreter. Each group calls its own F's kernels: the import,
    the scratch memories and :func:`~zero.search.evolution_kernels.run_group`'s call are rewritten
    to one per group (a chain of branches on the group index)."""
    modules = [compile_for(f).module for f in sizes]
    if len(sizes) == 1:
        return specialize(_template, sizes[0], {_IMPORT: f"from {modules[0].__name__} import run_tasks, scratch_memory  # specialized"})
    imports = "\n".join(f"from {m.__name__} import run_tasks as run_tasks_{g}, scratch_memory as scratch_memory_{g}"
                         for g, m in enumerate(modules))
    call = _DISPATCH.strip().removesuffix("# dispatch").strip()
    dispatch = "\n".join(f"    {'if' if g == 0 else 'elif'} g == {g}:\n        {call.replace('run_tasks(', f'run_tasks_{g}(', 1)}"
                         for g in range(len(sizes)))
    sized = "scratch_memory(settings.n_scalars, settings.n_vectors, settings.n_matrices)"
    memories = "    return (" + ", ".join(sized.replace("scratch_memory(", f"scratch_memory_{g}(") for g in range(len(sizes))) + ",)"
    if sized not in _MEMORIES:
        raise RuntimeError(f"{_template.__file__}: the memories line no longer reads {sized!r}")
    return specialize(_template, sizes[0], {_IMPORT: imports, _DISPATCH: dispatch, _MEMORIES: memories})


def seed_state(seed: int | np.random.SeedSequence) -> int:
    """The splitmix64 state a seed starts from (well mixed, so seeds 0, 1, 2 are unrelated); a
    ``SeedSequence`` (an island's, see :func:`zero.search.island.island_seed`) is used as it is."""
    sequence = seed if isinstance(seed, np.random.SeedSequence) else np.random.SeedSequence(int(seed))
    return int(sequence.generate_state(1, np.uint64)[0])


def _buffers(program: Program, capacity: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    encoded = encode(program)
    code = np.zeros((capacity, 4), np.int32)
    data = np.zeros((capacity, 3))
    n = encoded.code.shape[0]
    code[:n], data[:n] = encoded.code, encoded.data
    return code, data, encoded.bounds.copy()


class Evolution:
    """One regularized-evolution population on an experiment's search tasks."""

    def __init__(self, experiment: Experiment, seed: int | np.random.SeedSequence, tasks: Tasks | None = None):
        cfg = experiment.config
        self.experiment = experiment
        self.tasks = tasks if tasks is not None else experiment.tasks("search")
        groups = groups_of(self.tasks)
        sizes = tuple(g.feature_size for g in groups)
        self.kernels = compile_search_for(sizes)
        self.space = space_arrays(experiment.space, experiment.mutator)
        memory = experiment.space.memory
        hurdles = cfg["hurdles"]
        self.settings = Settings(
            cfg["population"], cfg["tournament"], bool(cfg["prefer_shorter"]), float(cfg["mutation_probability"]), cfg["combine"] == "median",
            float(cfg["max_abs_error"]), experiment.initial_kind() == "random", bool(cfg["fec"]["enabled"]),
            cfg["fec"]["num_train"], cfg["fec"]["num_valid"], hurdles["num_tasks"] if hurdles["enabled"] else 0,
            bool(self.tasks.classification), memory.scalars, memory.vectors, memory.matrices,
            np.array([experiment.max_work(f) for f in sizes], np.float64), np.stack([work_table(f) for f in sizes]),
        )  # fmt: skip
        self.use_tasks(self.tasks)
        P, L = cfg["population"], program_capacity(experiment.space)
        template = _buffers(experiment.initial_program(), L)
        try:
            self._allocate(P, L, template, seed, cfg["fec"])
        except MemoryError:
            raise ZeroError(f"{experiment.source}: population {P} of programs up to {L} instructions and an FEC of "
                            f"{cfg['fec']['capacity']} entries do not fit in memory") from None

    def _allocate(self, P: int, L: int, template: tuple, seed: int | np.random.SeedSequence, fec: dict) -> None:
        self.state = State(
            np.zeros((P, L, 4), np.int32), np.zeros((P, L, 3)), np.zeros((P, 4), np.int64), np.zeros(P),
            np.zeros((L, 4), np.int32), np.zeros((L, 3)), np.zeros(4, np.int64), *template,
            np.zeros(6, np.int64), np.array([-np.inf, -np.inf]), np.array([seed_state(seed)], np.uint64),
        )  # fmt: skip
        self.cache = fec_.new_cache(fec["capacity"], fec["forget_every"])
        self.memo = new_memo(P, L)

    def use_tasks(self, tasks: Tasks) -> None:
        """Score children on ``tasks`` from now on (same feature sizes, families and counts as the
        tasks the loop was compiled for). The population, the FEC and the fingerprint memo are left
        as they are: for a restore, whose snapshot was taken on these tasks."""
        if tuple(g.feature_size for g in groups_of(tasks)) != tuple(g.feature_size for g in groups_of(self.tasks)):
            raise ValueError("new search tasks must have the feature sizes the search loop was compiled for")
        self.tasks = tasks
        self.search_tasks = tuple(SearchTasks(t.x_train, t.y_train, t.x_valid, t.y_valid, t.orders, t.rng_seeds)
                                  for t in groups_of(tasks))  # fmt: skip

    def renew_tasks(self, tasks: Tasks) -> None:
        """Move the population to fresh search tasks (``renew_search_tasks``): every individual is
        re-scored on ``tasks`` (by :meth:`Experiment.evaluate`, the loop's own rules), the
        experiment's best becomes the best of those scores, and the FEC and the fingerprint memo,
        whose keys and fitness belong to the old tasks, start empty (the FEC keeps its lookup and
        hit counts, so the hit rate a run reports stays the whole run's)."""
        self.use_tasks(tasks)
        s, P = self.state, self.settings.population
        self.cache = fec_.emptied(self.cache)
        self.memo = new_memo(P, s.code.shape[1])
        filled = int(s.counters[_K.FILLED])
        s.figures[_K.BEST_FITNESS] = -np.inf
        for slot in range(filled):
            s.fitness[slot] = self.experiment.evaluate(self.program(slot), tasks).fitness
            if s.fitness[slot] > s.figures[_K.BEST_FITNESS]:
                s.figures[_K.BEST_FITNESS] = s.fitness[slot]
                s.best_code[:], s.best_data[:], s.best_bounds[:] = s.code[slot], s.data[slot], s.bounds[slot]

    # ---- advancing

    def run(self, n: int) -> int:
        """Evaluate ``n`` more individuals (initial ones first, then children); returns ``n``."""
        if n <= 0:
            return 0
        return int(self.kernels.evolve(self.state, self.cache, self.memo, self.space, self.search_tasks, self.settings, int(n),
                                       _NO_PROFILE))

    def profile(self, n: int) -> np.ndarray:
        """As :meth:`run`, and return the CPU cycles spent in each stage of the loop
        (:data:`zero.search.evolution_kernels.STAGES`); the state advances exactly as with ``run``."""
        cycles = np.zeros(len(_K.STAGES), np.uint64)
        if n > 0:
            self.kernels.evolve(self.state, self.cache, self.memo, self.space, self.search_tasks, self.settings, int(n), cycles)
        return cycles

    def warm_up(self) -> None:
        """Compile (or load from the cache) the search loop by running one individual on a copy of
        the state, so that timing starts after it; the state itself is untouched."""
        state = State(*(a.copy() for a in self.state))
        cache = fec_.FecArrays(*(a.copy() for a in self.cache))
        memo = FingerprintMemo(*(a.copy() for a in self.memo))
        self.kernels.evolve(state, cache, memo, self.space, self.search_tasks, self.settings, 1, _NO_PROFILE)

    def restart(self) -> None:
        """Start a new experiment: a fresh initial population; the random stream, the counters of
        the whole run and the FEC carry on."""
        c = self.state.counters
        c[_K.EXPERIMENT_INDIVIDUALS] = c[_K.FILLED] = c[_K.NEXT_SLOT] = 0
        self.state.figures[:] = -np.inf
        self.state.fitness[:] = 0.0

    def update_hurdle(self, percentile: float) -> float:
        """Set the hurdle to ``percentile`` of the population's distinct fitness values (only once
        the population is full; before that no individual is stopped). Returns the hurdle."""
        if self.population_full:
            self.state.figures[_K.HURDLE] = float(np.percentile(np.unique(self.state.fitness), percentile))
        return float(self.state.figures[_K.HURDLE])

    # ---- migration (islands.migrants individuals handed round the ring; see zero.search.island)

    def emigrants(self, k: int) -> Migrants:
        """Copies of the ``k`` fittest individuals (ties: the lower slot), fittest first."""
        s = self.state
        filled = int(s.counters[_K.FILLED])
        order = np.argsort(-s.fitness[:filled], kind="stable")[:k]
        return Migrants(s.code[order].copy(), s.data[order].copy(), s.bounds[order].copy(), s.fitness[order].copy())

    def receive(self, migrants: Migrants, replace: str = "oldest") -> None:
        """Write ``migrants`` into this population, keeping their fitness: into free slots while the
        population is refilling (after a restart), else over the oldest slots (they join as the
        youngest individuals, as children do) or, with ``replace="worst"``, over the least fit."""
        s, population = self.state, self.settings.population
        counters = s.counters
        worst_first = None
        if replace == "worst" and counters[_K.FILLED] >= population:
            worst_first = iter(np.argsort(s.fitness, kind="stable")[: len(migrants.fitness)].tolist())
        for k in range(len(migrants.fitness)):
            if counters[_K.FILLED] < population:
                slot = int(counters[_K.FILLED])
                counters[_K.FILLED] += 1
            elif worst_first is not None:
                slot = next(worst_first)
            else:
                slot = int(counters[_K.NEXT_SLOT])
                counters[_K.NEXT_SLOT] = (slot + 1) % population
            s.code[slot], s.data[slot], s.bounds[slot] = migrants.code[k], migrants.data[k], migrants.bounds[k]
            s.fitness[slot] = migrants.fitness[k]

    def fittest_slot(self) -> int:
        """The slot of the fittest individual (ties: the lower slot, as :meth:`emigrants`); the
        population must not be empty."""
        return int(np.argmax(self.population_fitness()))

    def adopt(self, program: Program, fitness: float) -> None:
        """Write ``program``, scored ``fitness`` on the current search tasks by the loop's rules
        (:meth:`Experiment.evaluate`), into the population as its youngest individual, over the
        oldest slot as a migrant is; unlike a migrant it becomes the experiment's best if it beats
        it (constant tuning, :mod:`zero.search.tuning`)."""
        code, data, bounds = _buffers(program, self.state.code.shape[1])
        self.receive(Migrants(code[None], data[None], bounds[None], np.array([fitness])))
        s = self.state
        if fitness > s.figures[_K.BEST_FITNESS]:
            s.figures[_K.BEST_FITNESS] = fitness
            s.best_code[:], s.best_data[:], s.best_bounds[:] = code, data, bounds

    # ---- figures

    @property
    def individuals(self) -> int:
        return int(self.state.counters[_K.INDIVIDUALS])

    @property
    def experiment_individuals(self) -> int:
        return int(self.state.counters[_K.EXPERIMENT_INDIVIDUALS])

    @property
    def evaluations(self) -> int:
        """Individuals fully or partly evaluated (not answered by the FEC)."""
        return int(self.state.counters[_K.EVALUATIONS])

    @property
    def hurdle_stops(self) -> int:
        return int(self.state.counters[_K.HURDLE_STOPS])

    @property
    def population_full(self) -> bool:
        return int(self.state.counters[_K.FILLED]) >= self.settings.population

    @property
    def best_fitness(self) -> float:
        return float(self.state.figures[_K.BEST_FITNESS])

    @property
    def fec_hit_rate(self) -> float:
        return fec_.hit_rate(self.cache)

    def fingerprint(self, program: Program) -> int:
        """The FEC key of ``program`` on this population's search tasks (see :mod:`zero.search.fec`)."""
        if program.memory != self.experiment.space.memory:  # the kernel trusts the addresses
            raise ProgramError(f"program memory {tuple(program.memory)} != search space memory {tuple(self.experiment.space.memory)}")
        encoded = encode(program)
        return int(self.kernels.fingerprint_of(encoded.code, encoded.data, encoded.bounds, self.search_tasks, self.settings))

    def population_fitness(self) -> np.ndarray:
        return self.state.fitness[: int(self.state.counters[_K.FILLED])].copy()

    def best_program(self) -> Program:
        s = self.state
        return decode(s.best_code, s.best_data, s.best_bounds, self.experiment.space.memory)

    def program(self, slot: int) -> Program:
        s = self.state
        return decode(s.code[slot], s.data[slot], s.bounds[slot], self.experiment.space.memory)

    # ---- checkpoints

    def _check_program(self, code: np.ndarray, data: np.ndarray, bounds: np.ndarray) -> None:
        """Raise unless the buffers hold a valid program whose component sizes the space allows
        (the compiled mutator trusts both)."""
        if not (0 <= bounds[0] <= bounds[1] <= bounds[2] <= bounds[3] <= code.shape[0]):
            raise ValueError(f"component bounds {bounds.tolist()} are out of order or beyond {code.shape[0]} rows")
        program = decode(code, data, bounds, self.experiment.space.memory)
        for body, c in zip(program.components(), self.experiment.space.components()):
            if not c.min_size <= len(body) <= c.max_size:
                raise ValueError(f"a component has {len(body)} instructions, outside {c.min_size}..{c.max_size}")

    def arrays(self) -> dict[str, np.ndarray]:
        """The whole state as named arrays (copies), for a checkpoint."""
        out = {f"state.{k}": v.copy() for k, v in self.state._asdict().items()}
        out.update({f"fec.{k}": v for k, v in fec_.entries(self.cache).items()})  # contents, not layout
        return out

    def load_arrays(self, arrays: dict[str, np.ndarray], source: str) -> None:
        """Restore :meth:`arrays`; every stored program is validated, so a corrupt checkpoint is
        reported (:class:`~zero.errors.ZeroError` naming ``source``) instead of corrupting memory."""
        for name, current in self.state._asdict().items():
            key = f"state.{name}"
            got = arrays.get(key)
            if got is None or got.shape != current.shape or got.dtype != current.dtype:
                found = "missing" if got is None else f"{got.dtype}{list(got.shape)}"
                raise ZeroError(f"{source}: checkpoint array {key} is {found}, this experiment needs "
                                f"{current.dtype}{list(current.shape)} (was the config changed?)")  # fmt: skip
        missing = [f"fec.{k}" for k in fec_.ENTRY_FIELDS if f"fec.{k}" not in arrays]
        if missing:
            raise ZeroError(f"{source}: checkpoint arrays {missing} are missing")
        try:
            cache = fec_.from_entries(self.cache.keys.shape[0], *(np.ascontiguousarray(arrays[f"fec.{k}"]) for k in fec_.ENTRY_FIELDS))
        except ValueError as e:
            raise ZeroError(f"{source}: checkpoint's FEC entries are corrupt: {e}") from None
        state = State(*(np.ascontiguousarray(arrays[f"state.{k}"]).copy() for k in State._fields))
        counters = state.counters
        if not 0 <= counters[_K.FILLED] <= self.settings.population or not 0 <= counters[_K.NEXT_SLOT] < self.settings.population:
            raise ZeroError(f"{source}: checkpoint counters are out of range: {counters.tolist()}")
        try:
            for slot in range(int(counters[_K.FILLED])):
                self._check_program(state.code[slot], state.data[slot], state.bounds[slot])
            if np.isfinite(state.figures[_K.BEST_FITNESS]):
                self._check_program(state.best_code, state.best_data, state.best_bounds)
            self._check_program(state.template_code, state.template_data, state.template_bounds)
        except (ProgramError, IndexError, ValueError) as e:
            raise ZeroError(f"{source}: checkpoint holds an invalid program: {e}") from None
        self.state, self.cache = state, cache
