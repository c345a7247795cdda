"""A search run from start to final evaluation: the loop around :class:`zero.evolution.Evolution`.

The reference protocol (AutoML-Zero ``run_demo.sh``; paper §4): evolve on the *search* tasks; each
time the experiment's best program improves it becomes a *candidate* and is scored on the unseen
*select* tasks; the candidate with the best select fitness is the run's *champion*; the run stops
when the champion's select fitness exceeds ``stop.select_fitness`` or at a budget (individuals or
seconds) or on Ctrl-C; the champion is then scored once on the *final* tasks. Every
``restart_every`` individuals the population starts afresh (the reference restarts its
experiments too), keeping the champion.

Reproducibility: everything that changes the search happens at fixed individual counts —
batches end at multiples of ``report_every`` (and at restarts), where hurdles are updated and the
experiment's best is checked — never at times, so the same seed and config give the same champion
on any machine, and a run stopped at N individuals and resumed continues exactly as if it had not
stopped (candidates are taken only at those counts; the best of an unfinished batch is scored at
the stop but not recorded as a candidate).

Disk goes through :mod:`zero.store` only: ``progress.jsonl`` one record per batch,
``champions.jsonl`` one per candidate, ``checkpoint/`` every ``checkpoint_seconds`` and on stop,
``final.json`` at the end.
"""

from __future__ import annotations

import json
import signal
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from zero.evolution import Evolution
from zero.experiment import Experiment
from zero.program import Program
from zero.progress import Progress
from zero.simplify import simplify
from zero.errors import StoreError
from zero.store import RunDir
from zero.tasks import TaskSet

STOP_SOLVED, STOP_INDIVIDUALS, STOP_SECONDS, STOP_INTERRUPTED = "solved", "max_individuals", "max_seconds", "interrupted"


@dataclass
class Candidate:
    """A program scored on the select tasks."""

    program: Program
    search_fitness: float  # evaluated afresh on the search tasks (evolution's own figure may come
    select_fitness: float  # from the FEC or a hurdle: that is ``evolution_fitness``)
    individuals: int  # when it was found (the batch boundary it was taken at)
    seconds: float
    evolution_fitness: float  # the fitness evolution ranked it by

    def to_record(self) -> dict[str, Any]:
        return {
            "individuals": self.individuals, "seconds": round(self.seconds, 3),
            "search_fitness": self.search_fitness, "select_fitness": self.select_fitness,
            "evolution_fitness": self.evolution_fitness, "program": self.program.to_dict(),
        }  # fmt: skip

    @staticmethod
    def from_record(record: dict[str, Any], source: str) -> Candidate:
        program = Program.from_dict(record["program"], source)
        return Candidate(program, record["search_fitness"], record["select_fitness"], record["individuals"],
                         record["seconds"], record["evolution_fitness"])  # fmt: skip


@dataclass
class Outcome:
    stopped: str  # one of the STOP_* reasons
    individuals: int
    seconds: float
    champion: Candidate | None
    final_fitness: float | None
    run_dir: Path


class _Interrupt:
    """Ctrl-C sets a flag (the batch in flight finishes, a checkpoint is written); a second Ctrl-C
    raises KeyboardInterrupt as usual."""

    def __init__(self):
        self.requested = False
        self._previous = None

    def __enter__(self):
        try:
            self._previous = signal.signal(signal.SIGINT, self._handle)
        except ValueError:  # not the main thread: no handler, Ctrl-C behaves as usual
            self._previous = None
        return self

    def _handle(self, signum, frame):
        if self.requested:
            raise KeyboardInterrupt
        self.requested = True

    def __exit__(self, *exc):
        if self._previous is not None:
            signal.signal(signal.SIGINT, self._previous)


class Run:
    """One search run writing into ``run_dir``; see the module docstring."""

    def __init__(self, experiment: Experiment, run_dir: str | Path, *, resume: bool = False, progress: Progress | None = None):
        self.experiment = experiment
        cfg = experiment.config
        self.evolution = Evolution(experiment, experiment.seed)  # before the directory: bad settings leave none
        self.store = RunDir.create(run_dir, experiment.to_dict(), resume=resume)
        self.progress = progress or Progress(enabled=False)
        self._select_tasks: TaskSet | None = None
        self.champion: Candidate | None = None
        self.candidate_fitness = -float("inf")  # evolution_fitness of the experiment's last candidate
        self.seconds = 0.0  # search time of earlier sessions of this run
        self.report_every = cfg["report_every"]
        if resume:
            self._restore()
            self.store.write_config(experiment.to_dict())  # with the overrides this session was given
        else:
            self._checkpoint()  # resumable from the start, even if stopped before the first batch

    # ---- state kept across sessions

    def _meta(self) -> dict[str, Any]:
        return {
            "seconds": self.seconds, "candidate_fitness": self.candidate_fitness,
            "champion": None if self.champion is None else self.champion.to_record(),
        }  # fmt: skip

    def _restore(self) -> None:
        loaded = self.store.load_checkpoint()
        source = str(self.store.path / "checkpoint")
        arrays, meta = loaded
        self.evolution.load_arrays(arrays, source)
        try:
            self.seconds = float(meta["seconds"])
            fitness = meta["candidate_fitness"]
            self.candidate_fitness = -float("inf") if fitness is None else float(fitness)
            self.champion = Candidate.from_record(meta["champion"], source) if meta["champion"] else None
        except (KeyError, TypeError, ValueError) as e:  # ProgramError is a ValueError too
            raise StoreError(source, f"checkpoint meta is invalid ({type(e).__name__}: {e}); "
                                     "expected seconds, candidate_fitness and champion") from None  # fmt: skip
        self.store.trim_logs(self.evolution.individuals)

    def _checkpoint(self) -> None:
        self.store.save_checkpoint(self.evolution.arrays(), self._meta())

    # ---- phases

    def select_tasks(self) -> TaskSet:
        if self._select_tasks is None:
            self._select_tasks = self.experiment.tasks("select")
        return self._select_tasks

    def _score(self, program: Program, tasks: TaskSet) -> float:
        return self.experiment.evaluate(program, tasks).fitness

    def _candidate(self, seconds: float) -> Candidate:
        evo = self.evolution
        program = evo.best_program()
        search = self._score(program, self.evolution.tasks)
        return Candidate(program, search, self._score(program, self.select_tasks()), evo.individuals, seconds, evo.best_fitness)

    def _take_candidate(self, seconds: float) -> None:
        """At a batch boundary: if the experiment's best improved, score it on the select tasks."""
        if not self.evolution.best_fitness > self.candidate_fitness:
            return
        candidate = self._candidate(seconds)
        self.candidate_fitness = candidate.evolution_fitness
        self.store.append_champion(candidate.to_record())
        if self.champion is None or candidate.select_fitness > self.champion.select_fitness:
            self.champion = candidate

    def _next_stop(self) -> int:
        """Individual count where the current batch ends."""
        cfg, evo = self.experiment.config, self.evolution
        end = (evo.individuals // self.report_every + 1) * self.report_every
        if cfg["restart_every"]:
            end = min(end, evo.individuals + cfg["restart_every"] - evo.experiment_individuals)
        return min(end, cfg["stop"]["max_individuals"])

    def _record(self, seconds: float, rate: float) -> dict[str, Any]:
        evo = self.evolution
        fitness = evo.population_fitness()
        return {
            "individuals": evo.individuals, "seconds": round(seconds, 3), "individuals_per_second": rate,
            "best_fitness": evo.best_fitness, "mean_fitness": float(fitness.mean()) if fitness.size else None,
            "best_select_fitness": None if self.champion is None else self.champion.select_fitness,
            "fec_hit_rate": evo.fec_hit_rate, "evaluations": evo.evaluations, "hurdle_stops": evo.hurdle_stops,
        }  # fmt: skip

    def _stop_reason(self, seconds: float, interrupted: bool) -> str | None:
        stop, evo = self.experiment.config["stop"], self.evolution
        champion = self.champion
        if champion is not None and stop["select_fitness"] is not None and champion.select_fitness > stop["select_fitness"]:
            return STOP_SOLVED
        if evo.individuals >= stop["max_individuals"]:
            return STOP_INDIVIDUALS
        if stop["max_seconds"] is not None and seconds >= stop["max_seconds"]:
            return STOP_SECONDS
        if interrupted:
            return STOP_INTERRUPTED
        return None

    def search(self) -> str:
        """Evolve until a stop rule fires (checked before every batch too, so a finished run that
        is resumed without a larger budget stops at once); returns the reason."""
        cfg, evo = self.experiment.config, self.evolution
        hurdles = cfg["hurdles"]
        evo.warm_up()  # compiling is not search time
        started = time.perf_counter()
        last_checkpoint = started
        with _Interrupt() as interrupt, self.progress:
            while (reason := self._stop_reason(self.seconds + time.perf_counter() - started, interrupt.requested)) is None:
                if hurdles["enabled"] and evo.individuals % self.report_every == 0:
                    evo.update_hurdle(hurdles["percentile"])
                batch_start, before = time.perf_counter(), evo.individuals
                evo.run(self._next_stop() - before)
                now = time.perf_counter()
                seconds = self.seconds + now - started
                restart = cfg["restart_every"] and evo.experiment_individuals >= cfg["restart_every"]
                if evo.individuals % self.report_every == 0 or restart:
                    self._take_candidate(seconds)
                record = self._record(seconds, (evo.individuals - before) / max(now - batch_start, 1e-9))
                self.store.append_progress(record)
                self.progress.update(record)
                if restart:
                    evo.restart()
                    self.candidate_fitness = -float("inf")
                if now - last_checkpoint >= cfg["checkpoint_seconds"]:
                    self.seconds, started, last_checkpoint = seconds, now, now
                    self._checkpoint()
        self.seconds += time.perf_counter() - started
        self._checkpoint()
        return reason

    def finish(self, reason: str) -> Outcome:
        """Pick the champion (the recorded candidates and the current best) and score it on the
        final tasks; writes ``final.json``."""
        champion = self.champion
        evo = self.evolution
        if evo.best_fitness > self.candidate_fitness:  # best of an unfinished batch: scored, not recorded
            latest = self._candidate(self.seconds)
            if champion is None or latest.select_fitness > champion.select_fitness:
                champion = latest
        final = None
        if champion is not None:
            final = self._score(champion.program, self.experiment.tasks("final"))
        self.store.write_final({
            "stopped": reason, "individuals": evo.individuals, "seconds": round(self.seconds, 3),
            "individuals_per_second": evo.individuals / self.seconds if self.seconds > 0 else None,
            "evaluations": evo.evaluations, "fec_hit_rate": evo.fec_hit_rate, "workers": 1,
            "search_fitness": None if champion is None else champion.search_fitness,
            "select_fitness": None if champion is None else champion.select_fitness,
            "final_fitness": final,
            "champion": None if champion is None else champion.to_record(),
        })  # fmt: skip
        return Outcome(reason, evo.individuals, self.seconds, champion, final, self.store.path)


def run(experiment: Experiment, run_dir: str | Path, *, resume: bool = False, progress: Progress | None = None) -> Outcome:
    """Search, then the final evaluation (see :class:`Run`)."""
    r = Run(experiment, run_dir, resume=resume, progress=progress)
    reason = r.search()
    return r.finish(reason)


def load_resumed_experiment(run_dir: str | Path, overrides: dict[str, Any]) -> Experiment:
    """The experiment a run directory was started with (its ``config.yaml``), with ``overrides``."""
    store = RunDir(run_dir)
    source = str(Path(run_dir) / "config.yaml")
    experiment = Experiment.from_dict(store.read_config(), source, name=Path(run_dir).name)
    return experiment.with_overrides(**overrides) if overrides else experiment


def describe(outcome: Outcome) -> str:
    c = outcome.champion
    lines = [f"stopped: {outcome.stopped} after {outcome.individuals:,} individuals in {outcome.seconds:.1f} s"]
    if c is not None:
        lines += [
            f"champion found at {c.individuals:,} individuals ({c.seconds:.1f} s)",
            f"search fitness {c.search_fitness:.6f}  select fitness {c.select_fitness:.6f}  final fitness {outcome.final_fitness:.6f}",
            "", f"champion, dead code removed (`zero inspect {outcome.run_dir} --raw` shows all of it):",
            simplify(c.program).render(),
        ]  # fmt: skip
    lines.append(f"run directory: {outcome.run_dir}")
    return "\n".join(lines)


def dumps(outcome: Outcome) -> str:
    c = outcome.champion
    return json.dumps({
        "stopped": outcome.stopped, "individuals": outcome.individuals, "seconds": outcome.seconds,
        "final_fitness": outcome.final_fitness, "run_dir": str(outcome.run_dir),
        "select_fitness": None if c is None else c.select_fitness,
    })  # fmt: skip
