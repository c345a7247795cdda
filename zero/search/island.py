"""One island of a search run: a population, its candidates and its migrants, with no I/O and no Ray.

A run evolves ``islands.count`` populations (islands) side by side; :mod:`zero.search.driver` drives them,
in this process or as Ray actors (:mod:`zero.search.ray_pool`), through the same few calls:
:meth:`Island.advance` (one batch, or as many as fill a given time), :meth:`Island.candidate`,
:meth:`Island.snapshot` and :meth:`Island.restore`.

An island's life is a sequence of *batches* whose ends are fixed individual counts: multiples of
``report_every``, restarts (every ``restart_every`` individuals) and the island's budget. At a batch
end that is a multiple of ``report_every`` or a restart, the island's best program, if it improved,
becomes a *candidate*: it is scored afresh on the search tasks and on the select tasks, and the
driver picks the champion among all islands' candidates.

Migration (paper §4.2 swaps programs between workers; here a ring, as in island models): at every
multiple of ``islands.migrate_every`` an island hands out its ``islands.migrants`` fittest
individuals (:class:`Migrants`, round r at count r × ``migrate_every``); before its next batch it
takes in those its predecessor in the ring sent at round r − ``islands.migration_lag``
(:meth:`Experiment.immigrants_due`; lag 0, the default: the same round, so an island never passes
a migration count before its predecessor has reached it; lag L: it may be L rounds ahead of its
predecessor). They overwrite the oldest slots (they join as the youngest individuals, as children
do) or, with ``replace: worst``, the least fit; they keep their fitness (every island scores on the
same search tasks) and are not counted as individuals nor offered as candidates, since their own
island already offered them.

Renewed search tasks (``renew_search_tasks: N``, not in the reference): at every batch end that is a
multiple of N, after its candidate and before its migrants, an island moves to the next draw of the
search tasks (``Experiment.tasks("search", draw=individuals // N)``): its population is re-scored
on them and its FEC emptied (:meth:`Evolution.renew_tasks`), so migrants leave with fitness on the
new draw, and the next improvement is a candidate again. Every island is on the same draw at the
same count; a snapshot is taken on the draw its count implies, which :meth:`Island.restore` takes up.

Constant tuning (``tune_constants.every: N``, not in the reference): at every batch end that is a
multiple of N, before its candidate, an island hill-climbs the constants of its fittest individual
and adopts the result if it scores higher (:meth:`Island.tune_constants`, :mod:`zero.search.tuning`),
so a tuned best is offered as a candidate at once.

Determinism: an island's state depends only on its seed, its batch ends and the migrants it takes
in, never on timing; so a run gives the same champion however its islands are scheduled, and an
island rebuilt from a snapshot and replayed produces the same batches again (this is how a lost
worker is recovered).
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from zero.errors import ZeroError
from zero.lang.program import Program
from zero.search.batched import evolution_for
from zero.search.evolution import Migrants
from zero.search.experiment import Experiment
from zero.search.tuning import climb
from zero.tasks import Tasks


def island_seed(seed: int, index: int) -> np.random.SeedSequence:
    """Island ``index``'s seed sequence: island 0 uses the run's seed as a single population does
    (so one island reproduces a one-population run), the others independent children of it."""
    return np.random.SeedSequence(seed) if index == 0 else np.random.SeedSequence(seed, spawn_key=(index,))


@dataclass
class Batch:
    """What one :meth:`Island.advance` reports back to the driver (small: no population)."""

    island: int
    individuals: int  # the island's count at the batch end
    seconds: float  # compute time of the batch
    best_fitness: float
    mean_fitness: float | None
    fec_hit_rate: float
    evaluations: int
    hurdle_stops: int
    restarted: bool
    immigrants: int  # migrants taken in (at the call's migration counts)
    tuned: int = 0  # constant tunings that found a fitter program (tune_constants)
    candidates: list[dict[str, Any]] = field(default_factory=list)  # candidate records (see below)
    migrants: dict[int, Migrants] = field(default_factory=dict)  # {round: what the island sent at that migration count}


def batch_end(individuals: int, experiment_individuals: int, config: dict, budget: int) -> int:
    """The individual count where the batch starting at ``individuals`` ends."""
    every = config["report_every"]
    end = (individuals // every + 1) * every
    if config["restart_every"]:
        end = min(end, individuals + config["restart_every"] - experiment_individuals)
    return min(end, budget)


class Island:
    """One population of a run (see the module docstring)."""

    def __init__(self, experiment: Experiment, index: int, search_tasks: Tasks | None = None,
                 select_tasks: Tasks | None = None):  # fmt: skip
        self.experiment = experiment
        self.index = index
        self.evolution = evolution_for(experiment, island_seed(experiment.seed, index), search_tasks)
        self.select_tasks = select_tasks if select_tasks is not None else experiment.tasks("select")
        self.candidate_fitness = -np.inf  # evolution fitness of the current experiment's last candidate
        self.draw = 0  # which draw of the search tasks it scores on (renew_search_tasks)

    @property
    def individuals(self) -> int:
        return self.evolution.individuals

    def warm_up(self) -> int:
        """Compile (or load) the search loop before any timing; returns this process's id, which
        tells the driver (and tests) where the island lives."""
        self.evolution.warm_up()
        return os.getpid()

    # ---- batches

    def advance(self, budget: int, immigrants: dict[int, Migrants] | None = None, seconds: float = 0.0) -> Batch:
        """Run one batch; then further batches while less than ``seconds`` have passed, short of
        ``budget``, as long as the migrants due at each migration count are at hand. ``immigrants``:
        the predecessor's migrants this call may take in, by round (due where
        :meth:`Experiment.immigrants_due` says); the first batch takes in what is due if it is
        there, and a later one that needs a round not given ends the call. One :class:`Batch`
        reports them all: the last one's counts and figures, every candidate and every round of
        migrants sent, the compute seconds and the migrants taken in summed.

        Grouping batches changes nothing in the island (its batch ends are the same counts; the
        candidates are the same records), only how often it reports: a pool whose calls cost
        (Ray) asks for about a second of work per call, so that the driver's messages per second
        stay near one per island whatever ``report_every`` is. With ``islands.migration_lag: 0`` a
        call ends at every migration count unless the predecessor is ahead; with a lag of L the
        driver can hand over up to L rounds in advance."""
        immigrants = immigrants or {}
        started = time.perf_counter()
        batch = self._batch(budget, immigrants.get(self.experiment.immigrants_due(self.individuals)))
        while self.individuals < budget and time.perf_counter() - started < seconds:
            due = self.experiment.immigrants_due(self.individuals)
            if due is not None and due not in immigrants:
                break  # its predecessor's round is not here yet: the driver will send it
            later = self._batch(budget, None if due is None else immigrants[due])
            later.seconds += batch.seconds
            later.candidates = batch.candidates + later.candidates
            later.migrants = batch.migrants | later.migrants
            later.restarted, later.immigrants = batch.restarted or later.restarted, batch.immigrants + later.immigrants
            later.tuned += batch.tuned
            batch = later
        return batch

    def _batch(self, budget: int, immigrants: Migrants | None) -> Batch:
        """Take in ``immigrants`` (if any), then run to the next batch end (at most ``budget``)."""
        cfg, evo = self.experiment.config, self.evolution
        if immigrants is not None:
            evo.receive(immigrants, cfg["islands"]["replace"])
        if cfg["hurdles"]["enabled"] and evo.individuals % cfg["report_every"] == 0:
            evo.update_hurdle(cfg["hurdles"]["percentile"])
        started = time.perf_counter()
        evo.run(batch_end(evo.individuals, evo.experiment_individuals, cfg, budget) - evo.individuals)
        seconds = time.perf_counter() - started
        restart = bool(cfg["restart_every"]) and evo.experiment_individuals >= cfg["restart_every"]
        tune_every = cfg["tune_constants"]["every"]
        tuned = bool(tune_every) and evo.individuals % tune_every == 0 and self.tune_constants()
        candidates = []
        if evo.individuals % cfg["report_every"] == 0 or restart:
            candidate = self.candidate()
            if candidate is not None:
                candidates.append(candidate)
                self.candidate_fitness = candidate["evolution_fitness"]
        draw = self.experiment.search_draw(evo.individuals)
        if draw != self.draw:  # fresh search tasks from the next batch on; the best must beat the old one's record anew
            self.draw = draw
            evo.renew_tasks(self.experiment.tasks("search", draw=draw))
            self.candidate_fitness = -np.inf
        fitness = evo.population_fitness()
        batch = Batch(
            self.index, evo.individuals, seconds, evo.best_fitness, float(fitness.mean()) if fitness.size else None,
            evo.fec_hit_rate, evo.evaluations, evo.hurdle_stops, restart,
            0 if immigrants is None else len(immigrants.fitness), int(tuned), candidates,
        )  # fmt: skip
        islands = cfg["islands"]
        if islands["count"] != 1 and evo.individuals % islands["migrate_every"] == 0:  # before a restart empties the population
            batch.migrants[evo.individuals // islands["migrate_every"]] = evo.emigrants(islands["migrants"])
        if restart:
            evo.restart()
            self.candidate_fitness = -np.inf
        return batch

    def tune_constants(self) -> bool:
        """Hill-climb the constants of the fittest individual on the current search tasks and adopt
        the result if it scores higher (:mod:`zero.search.tuning`); True if it did. The draws are
        seeded by the run's seed, this island and its count, so a resumed run tunes alike."""
        evo, tune = self.evolution, self.experiment.config["tune_constants"]
        if evo.population_fitness().size == 0:  # just restarted: nothing to tune
            return False
        rng = np.random.default_rng(np.random.SeedSequence(self.experiment.seed, spawn_key=(self.index, evo.individuals, 1)))
        start = evo.program(evo.fittest_slot())
        program, fitness, start_fitness = climb(start, lambda p: self.score(p, evo.tasks), rng, tune["trials"], tune["scale"])
        if not fitness > start_fitness:
            return False
        evo.adopt(program, fitness)
        return True

    def candidate(self) -> dict[str, Any] | None:
        """The current experiment's best as a candidate record if it improved since the last one:
        scored afresh on the search and select tasks."""
        evo = self.evolution
        if not evo.best_fitness > self.candidate_fitness:
            return None
        program = evo.best_program()
        record = {
            "island": self.index, "island_individuals": evo.individuals,
            "search_fitness": self.score(program, evo.tasks), "select_fitness": self.score(program, self.select_tasks),
            "evolution_fitness": evo.best_fitness, "program": program.to_dict(),
        }  # fmt: skip
        if self.experiment.config["renew_search_tasks"]:
            record["search_draw"] = self.draw  # the search tasks it was scored on: Experiment.tasks("search", draw=...)
        return record

    def score(self, program: Program, tasks: Tasks) -> float:
        return self.experiment.evaluate(program, tasks).fitness

    # ---- snapshots

    def snapshot(self) -> dict[str, np.ndarray]:
        """Everything needed to continue this island exactly (copies)."""
        arrays = self.evolution.arrays()
        arrays["island.candidate_fitness"] = np.array([self.candidate_fitness])
        return arrays

    def restore(self, arrays: dict[str, np.ndarray], source: str) -> None:
        """Continue from :meth:`snapshot`'s arrays; a corrupt snapshot raises
        :class:`~zero.errors.ZeroError` naming ``source``."""
        candidate = arrays.get("island.candidate_fitness")
        if candidate is None or candidate.shape != (1,) or candidate.dtype != np.float64:
            raise ZeroError(f"{source}: checkpoint array island.candidate_fitness is missing or malformed")
        self.evolution.load_arrays({k: v for k, v in arrays.items() if not k.startswith("island.")}, source)
        self.candidate_fitness = float(candidate[0])
        draw = self.experiment.search_draw(self.evolution.individuals)
        if draw != self.draw:  # the snapshot was taken on that draw (renewal happens at a batch end, before it)
            self.draw = draw
            self.evolution.use_tasks(self.experiment.tasks("search", draw=draw))
