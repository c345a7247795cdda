"""A search run from start to final evaluation: the driver of a run's islands.

The reference protocol (AutoML-Zero ``run_demo.sh``; paper §4): evolve on the *search* tasks; each
time an island's best program improves it becomes a *candidate* and is scored on the unseen *select*
tasks; the candidate with the best select fitness is the run's *champion*; the run stops when the
champion's select fitness exceeds ``stop.select_fitness`` or at a budget (individuals or seconds) or
on Ctrl-C or SIGTERM; the champion is then scored once on the *final* tasks. Every ``restart_every``
individuals an island's population starts afresh (the reference restarts its experiments too).

Islands (:mod:`zero.search.island`): ``islands.count`` populations evolve side by side and pass migrants
round a ring. :class:`Run` drives them through an *island pool*: :class:`LocalIslands` runs them in
this process (one island: no Ray at all), :class:`zero.search.ray_pool.RayIslands` as Ray actors on this
machine or a cluster. The driver keeps every island busy: as soon as one batch is back it submits
that island's next one; an island that must take in migrants from a round its predecessor has not
reached yet waits for them (a ring: with ``islands.migration_lag`` L, no island runs more than L
rounds ahead of its predecessor; each call carries every round the island may take in, so with a
lag a call runs on past migration counts instead of ending at each one).

Reproducibility: everything that changes the search happens at fixed individual counts of each
island (its batch ends), never at times, so the same seed and config give the same champion however
the islands are scheduled. The run's individual budget is split between the islands; ``solved``
stops every island at the smallest island count at which a candidate solved (islands behind catch up
to it, candidates found beyond it do not count). A run stopped by its budget and resumed continues
exactly as if it had not stopped.

Losing a worker: the pool reports the island lost; the driver rebuilds it from its latest snapshot
(taken with each checkpoint) and resubmits; the rebuilt island replays the same batches (migrants it
took in are kept until every island's snapshot is past them), whose logs are not written twice. So
the run goes on and its outcome does not change. After ``MAX_LOSSES`` losses of one island the run
checkpoints and stops with an error (``--resume`` continues it).

Disk goes through :mod:`zero.store` only: ``progress.jsonl`` one record per island call (one batch
in this process, about a second of batches on Ray), ``champions.jsonl`` one per candidate, ``checkpoint/`` every ``checkpoint_seconds`` and on stop (all
islands' snapshots and the migrants still needed), ``final.json`` at the end.

Scale (hundreds of islands): each island's snapshot is written to its own checkpoint part as soon
as it arrives, on a writer thread (hashing, zipping and writing release the GIL, so the loop's
thread goes on with the next message), and is not kept in memory once written (a lost island is
rebuilt from the file). At most ``MAX_PENDING_PARTS`` snapshots wait for the writer: while that many
do, an island that comes back is sent on without giving its snapshot and asked again at its next
return (one at its limit, when the writer has room), so a disk slower than the snapshots arrive
stretches the round, not the search. The commit comes once the round's parts are written, and
writes only the migrants and the manifest, on the writer thread too (the migrants still needed are
those sent since each successor's snapshot, so a longer round makes a larger commit); the next
round starts once it is done. Per message the driver does constant work: it submits only the
island whose batch came back and its successor (the one island that may have been waiting for its
migrants), and keeps its counts and figures as running totals rather than walking every island.
"""

from __future__ import annotations

import time
from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import numpy as np

from zero.errors import StoreError, ZeroError
from zero.progress import Progress
from zero.search.candidates import Candidate, choose_champion, read_candidates, solving_count
from zero.search.evolution import Migrants
from zero.search.experiment import Experiment
from zero.search.interrupt import Interrupt
from zero.search.island import Batch
from zero.search.pool import IslandLost, IslandPool, LocalIslands
from zero.store import RunDir
from zero.tasks import split_evenly

STOP_SOLVED, STOP_INDIVIDUALS, STOP_SECONDS, STOP_INTERRUPTED = "solved", "max_individuals", "max_seconds", "interrupted"
STOP_TERMINATED = "terminated"  # SIGTERM (a scheduler's time limit or preemption): stopped as on Ctrl-C, see interrupt.py
MAX_LOSSES = 3  # an island lost this many times ends the run (a worker that keeps dying is a bug or no memory)
MAX_PENDING_PARTS = 4  # snapshots held for the writer thread at most: the driver's memory stays a few parts
_ISLAND_PART, _MIGRANTS_PART = "island{}", "migrants"  # checkpoint parts


@dataclass
class Outcome:
    stopped: str  # one of the STOP_* reasons
    individuals: int
    seconds: float
    champion: Candidate | None
    final_fitness: float | None
    run_dir: Path


@dataclass
class _IslandView:
    """What the driver knows of one island."""

    individuals: int = 0  # the island's count after its last batch back
    logged: int = 0  # the highest count already logged (a replay after a loss is not logged again)
    part: dict | Future | None = None  # the checkpoint part holding its latest snapshot (None: it starts from
    # scratch; a Future while the part is being written, see Run._part)
    snapshot_individuals: int = 0
    busy: bool = False
    losses: int = 0
    immigrants: int = 0  # migrants taken in (this session)
    wants_snapshot: bool = False
    latest: Batch | None = None
    busy_seconds: float = 0.0  # compute seconds of its batches this session (the rest it waited or was called)


class _Totals:
    """Each island's figures from its latest batch, and their totals over the islands that have
    one, for the progress record. Kept as batches come back (the old figures out, the new in), so
    that a message costs the same with 10 islands or 1,000; only the best fitness, a maximum, is
    taken over the islands each time (one vectorized pass)."""

    def __init__(self, count: int):
        self.latest: list[tuple[float, float | None, float, int, int] | None] = [None] * count
        self.best = np.full(count, -np.inf)
        self.reported = self.with_mean = self.evaluations = self.hurdle_stops = 0
        self.rate = self.mean = self.fec_hit_rate = 0.0  # sums over the islands reported

    def update(self, island: int, rate: float, batch: Batch) -> None:
        old = self.latest[island]
        if old is None:
            self.reported += 1
        else:
            self._add(old, -1)
        new = (float(rate), None if batch.mean_fitness is None else float(batch.mean_fitness),
               float(batch.fec_hit_rate), int(batch.evaluations), int(batch.hurdle_stops))  # fmt: skip
        self._add(new, 1)
        self.latest[island] = new
        self.best[island] = batch.best_fitness

    def _add(self, figures: tuple, sign: int) -> None:
        rate, mean, hits, evaluations, stops = figures
        self.rate += sign * rate
        self.fec_hit_rate += sign * hits
        self.evaluations += sign * evaluations
        self.hurdle_stops += sign * stops
        if mean is not None:  # an island's mean is None until its population is full
            self.mean += sign * mean
            self.with_mean += sign

    def figures(self) -> dict[str, Any]:
        return {
            "individuals_per_second": self.rate,
            "best_fitness": float(self.best.max()),
            "mean_fitness": self.mean / self.with_mean if self.with_mean else None,
            "fec_hit_rate": self.fec_hit_rate / self.reported,
            "evaluations": self.evaluations, "hurdle_stops": self.hurdle_stops,
        }  # fmt: skip


class Run:
    """One search run writing into ``run_dir``; see the module docstring."""

    def __init__(self, experiment: Experiment, run_dir: str | Path, *, resume: bool = False,
                 progress: Progress | None = None, pool: IslandPool | None = None,
                 on_checkpoint: Callable[[Path], None] | None = None):  # fmt: skip
        self.experiment = experiment
        cfg = experiment.config
        self.count = cfg["islands"]["count"]
        if self.count is None:
            raise ZeroError(f"{experiment.source}: islands.count must be resolved before a run (see zero.search.driver.open_pool)")
        self.pool = pool or LocalIslands(experiment, self.count)
        self.migrate_every = cfg["islands"]["migrate_every"]
        self.store = RunDir.create(run_dir, experiment.to_dict(), resume=resume)
        self.progress = progress or Progress(enabled=False)
        self.on_checkpoint = on_checkpoint  # called with the run directory after each commit (zero run --report)
        self.candidates: list[Candidate] = []  # every candidate logged (champions.jsonl)
        self.champion: Candidate | None = None
        self.seconds = 0.0  # search time of earlier sessions of this run
        self.views = [_IslandView() for _ in range(self.count)]
        self.migrants: dict[tuple[int, int], Migrants] = {}  # (island, round) -> what it sent
        self.solved_at: int | None = None  # island count at which the run was solved
        self.losses = 0
        self._short_batches = 0
        self._budgets = self.budgets()
        # running figures, so that a message costs the same with 10 islands or 1,000
        self.individuals = 0  # sum of the islands' counts
        self._busy = 0  # islands with a batch in flight
        self._below_limit = self.count  # islands that have not reached their limit
        self._wanting = 0  # islands whose snapshot the checkpoint under way still needs
        self._ready: list[int] = []  # islands that may have become submittable since the last submissions
        self._totals = _Totals(self.count)
        self._writer: ThreadPoolExecutor | None = None  # writes snapshot parts and the loop's commits off its thread
        self._commit: Future | None = None  # a round's commit handed to the writer thread, not yet taken as done
        self._pending_writes: deque[Future] = deque()  # parts asked of it and maybe not yet written, oldest first
        self._owed: list[int] = []  # idle islands at their limit whose snapshot waits for room at the writer
        source = str(self.store.path / "checkpoint")
        if resume:
            self._restore(source)
            self.store.write_config(experiment.to_dict())  # with the overrides this session was given
            self.store.clear_final()  # the last session's outcome; this session writes its own
        else:  # resumable from the start, and before the pool starts its islands (compiling): a run
            self._checkpoint()  # stopped or killed meanwhile (a job's time limit) is resumed, not left without one
        self.pool.start(self._snapshot_of, source)

    # ---- state kept across sessions

    def _checkpoint(self) -> None:
        """Commit the islands' latest snapshot parts (waiting for any still being written) with the
        migrants still needed, on this thread: the first checkpoint and the final one."""
        self._commit_files(*self._commit_contents())
        self._committed()

    def _commit_contents(self) -> tuple[dict, dict[str, np.ndarray], dict]:
        """What a commit writes, as of now: the island parts (waiting for any still being written),
        the migrants still needed (the arrays themselves, which nothing writes to) and the meta."""
        parts = {_ISLAND_PART.format(i): self._part(i) for i, v in enumerate(self.views) if v.part is not None}
        migrants = {f"{i}.{r}.{k}": v for (i, r), m in sorted(self.migrants.items()) for k, v in m._asdict().items()}
        meta = {
            "seconds": self.seconds, "islands": [{"individuals": v.snapshot_individuals} for v in self.views],
            "solved_at": self.solved_at, "migrants": sorted([i, r] for i, r in self.migrants),
        }  # fmt: skip
        return parts, migrants, meta

    def _commit_files(self, parts: dict, migrants: dict[str, np.ndarray], meta: dict) -> None:
        """Write the migrants part, then the manifest naming it with ``parts``. On the loop's thread
        or the writer's, never both at once: the commit deletes the files it does not name."""
        self.store.commit_checkpoint({**parts, _MIGRANTS_PART: self.store.write_part(_MIGRANTS_PART, migrants)}, meta)

    def _committed(self) -> None:
        if self.on_checkpoint is not None:
            self.on_checkpoint(self.store.path)

    def _commit_in_background(self) -> None:
        """Hand a round's commit to the writer thread, after the round's parts (one thread: in
        order); the loop goes on, and :meth:`_commit_done` ends the round."""
        self._commit = self._writer_thread().submit(self._commit_files, *self._commit_contents())

    def _commit_done(self, wait: bool = False) -> bool:
        """Whether a commit handed to the writer thread has finished (``wait``: wait for it); then
        it is taken as done, once. A failed write raises here."""
        if self._commit is None or not (wait or self._commit.done()):
            return False
        commit, self._commit = self._commit, None
        commit.result()
        self._committed()
        return True

    def _snapshot_of(self, island: int) -> dict[str, np.ndarray] | None:
        """``island``'s latest snapshot, read back from its checkpoint part (None: none yet)."""
        part = self._part(island)
        return None if part is None else self.store.read_part(part)

    def _part(self, island: int) -> dict | None:
        """``island``'s part entry (:meth:`RunDir.write_part`), once its write has finished."""
        view = self.views[island]
        if isinstance(view.part, Future):
            view.part = view.part.result()  # a failed write raises here, as it would have in _snapshot
        return view.part

    def _write_part(self, island: int, snapshot: dict[str, np.ndarray]) -> Future:
        """Write ``island``'s part on the writer thread. One thread, so parts are numbered in the
        order they were asked for; the loop's thread goes on with the next message meanwhile (hashing,
        zipping and writing release the GIL). A snapshot is the island's own copy (Island.snapshot,
        or Ray's), which nothing else writes to. At most MAX_PENDING_PARTS wait for the writer: past
        that the caller waits for the oldest, so a disk slower than the snapshots arrive bounds
        the driver's memory, not the other way round (the search loop defers the snapshot instead,
        see :meth:`_snapshot`; only the final checkpoint waits)."""
        if self._writer_full():
            self._pending_writes.popleft().exception()  # waits; an error is raised where the part is read (_part)
        written = self._writer_thread().submit(self.store.write_part, _ISLAND_PART.format(island), snapshot)
        self._pending_writes.append(written)
        return written

    def _writer_thread(self) -> ThreadPoolExecutor:
        if self._writer is None:
            self._writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="zero-checkpoint")
        return self._writer

    def _writer_full(self) -> bool:
        """Whether MAX_PENDING_PARTS parts wait for the writer thread (one thread: they are done in
        the order asked, so the finished ones are at the front)."""
        while self._pending_writes and self._pending_writes[0].done():
            self._pending_writes.popleft()
        return len(self._pending_writes) >= MAX_PENDING_PARTS

    def _parts_written(self) -> bool:
        """Whether the writer thread has written every part asked of it (one thread: in order, so
        the last one done means all are): a commit then waits for nothing."""
        return not self._pending_writes or self._pending_writes[-1].done()

    def _restore(self, source: str) -> None:
        found = self.store.checkpoint_manifest()
        if found is None:
            raise StoreError(source, "no checkpoint to resume from")
        parts, meta = found
        try:
            self.seconds = float(meta["seconds"])
            islands = meta["islands"]
            if len(islands) != self.count:
                raise ValueError(f"it holds {len(islands)} islands, the config says {self.count}")
            for i, (view, info) in enumerate(zip(self.views, islands)):
                view.individuals = view.logged = view.snapshot_individuals = int(info["individuals"])
                view.part = parts.get(_ISLAND_PART.format(i))
                if view.part is None and view.individuals:
                    raise ValueError(f"island {i} is at {view.individuals} individuals but has no part")
            arrays = self.store.read_part(parts[_MIGRANTS_PART])
            for i, r in meta["migrants"]:
                self.migrants[(i, r)] = Migrants(*(arrays[f"{i}.{r}.{k}"] for k in Migrants._fields))
            self.solved_at = meta["solved_at"]
        except (KeyError, TypeError, ValueError) as e:
            raise StoreError(source, f"checkpoint meta is invalid ({type(e).__name__}: {e}); "
                                     "expected seconds, islands, migrants and solved_at") from None  # fmt: skip
        self.individuals = sum(v.individuals for v in self.views)
        self._below_limit = self._count_below_limit()
        self.store.trim_logs([v.individuals for v in self.views])
        self.candidates = read_candidates(self.store)
        self._choose_champion()

    # ---- figures

    def budgets(self) -> list[int]:
        """The run's individual budget split between the islands (the first ones take the rest)."""
        return split_evenly(self.experiment.config["stop"]["max_individuals"], self.count)

    def _record(self, batch: Batch, seconds: float) -> dict[str, Any]:
        totals = self._totals.figures()
        return {
            "individuals": self.individuals, "seconds": round(seconds, 3),
            "individuals_per_second": totals["individuals_per_second"],
            "best_fitness": totals["best_fitness"], "mean_fitness": totals["mean_fitness"],
            "best_select_fitness": None if self.champion is None else self.champion.select_fitness,
            "fec_hit_rate": totals["fec_hit_rate"], "evaluations": totals["evaluations"],
            "hurdle_stops": totals["hurdle_stops"],
            "island": batch.island, "island_individuals": batch.individuals,
            "island_best_fitness": batch.best_fitness, "island_mean_fitness": batch.mean_fitness,
            "immigrants": batch.immigrants, "tuned": batch.tuned,
        }  # fmt: skip

    # ---- the loop

    def _take(self, batch: Batch, seconds: float) -> None:
        """A batch is back: log it and its candidates (unless it is a replay), keep its migrants."""
        view = self.views[batch.island]
        rate = (batch.individuals - view.individuals) / max(batch.seconds, 1e-9)  # individuals/s of this call
        view.busy_seconds += batch.seconds
        self._check_batch_length(batch)
        self._busy -= 1
        self._set_individuals(batch.island, batch.individuals)
        view.busy, view.latest = False, batch
        self._totals.update(batch.island, rate, batch)
        for round_, migrants in batch.migrants.items():
            self.migrants[(batch.island, round_)] = migrants
        if batch.individuals <= view.logged:
            return
        # a call replayed after a loss may run past the logged count: only what lies beyond it is new
        found = [Candidate.from_record({**record, "individuals": self.individuals, "seconds": seconds}, "island")
                 for record in batch.candidates if record["island_individuals"] > view.logged]  # fmt: skip
        view.logged = batch.individuals
        view.immigrants += batch.immigrants
        for candidate in found:
            self.store.append_champion(candidate.to_record())
        self.candidates += found
        solved = solving_count(found, self.experiment.config["stop"]["select_fitness"])
        if solved is not None and (self.solved_at is None or solved < self.solved_at):
            self.solved_at = solved  # every island's limit and the candidates that count change (rare):
            self._below_limit = self._count_below_limit()
            self._choose_champion()  # over them all again
        elif found:  # the rule is a total order: the champion of all is the champion of the last one and these
            self.champion = choose_champion([c for c in (self.champion, *found) if c is not None], self.solved_at)
        record = self._record(batch, seconds)
        self.store.append_progress(record)
        self.progress.update(record)

    def _count_below_limit(self) -> int:
        """Islands short of their limit, counted afresh (when the limits change); the running
        figure :meth:`_set_individuals` keeps is this count."""
        return sum(v.individuals < self._limit(i) for i, v in enumerate(self.views))

    def _set_individuals(self, island: int, count: int) -> None:
        """Move ``island``'s count to ``count``, keeping the running totals."""
        view, limit = self.views[island], self._limit(island)
        self.individuals += count - view.individuals
        self._below_limit += (count < limit) - (view.individuals < limit)
        view.individuals = count

    def _choose_champion(self) -> None:
        self.champion = choose_champion(self.candidates, self.solved_at)

    def _check_batch_length(self, batch: Batch) -> None:
        """Warn once if calls are so short that calling the islands costs more than their work. A
        call ends early at a migration count whose migrants are not in yet (see Island.advance), so
        migrations are what is too frequent then, unless a lag lets calls span them."""
        if batch.seconds < self.pool.min_batch_seconds:
            self._short_batches += 1
            if self._short_batches == 10 * self.count:
                cfg = self.experiment.config
                self.progress.message(
                    f"note: calls to the islands carry {1000 * batch.seconds:.0f} ms of work: with {self.count} islands "
                    f"the driver gets ~{self.count / max(batch.seconds, 1e-3):,.0f} messages/s, more than it should; "
                    f"calls end at a migration (islands.migrate_every = {cfg['islands']['migrate_every']:,} "
                    f"individuals) whose migrants are not in yet (islands.migration_lag = "
                    f"{cfg['islands']['migration_lag']}), and at a batch end (report_every = {cfg['report_every']:,}) "
                    "when the pool asks for no more: larger values make the run faster")  # fmt: skip

    def _limit(self, island: int) -> int:
        limit = self._budgets[island]
        return limit if self.solved_at is None else min(limit, self.solved_at)

    def _submit(self, island: int) -> bool:
        """Submit ``island``'s next batch if it has one and the migrants due at its count are in;
        True if submitted. The call carries every later round its predecessor has sent too, so
        that a call with time to spare runs on past migration counts (``islands.migration_lag``)."""
        view = self.views[island]
        if view.busy or view.individuals >= self._limit(island):
            return False
        immigrants = {}
        if self.count > 1:
            predecessor = (island - 1) % self.count
            due = self.experiment.immigrants_due(view.individuals)
            if due is not None and (predecessor, due) not in self.migrants:
                return False  # its predecessor has not reached that round yet
            round_ = self._first_round_due(view.individuals)
            while (predecessor, round_) in self.migrants:
                immigrants[round_] = self.migrants[(predecessor, round_)]
                round_ += 1
        self.pool.submit(island, self._limit(island), immigrants)
        view.busy = True
        self._busy += 1
        return True

    def _first_round_due(self, individuals: int) -> int:
        """The first round of its predecessor's migrants that an island at ``individuals`` may still
        take in: the one due at its next migration count (this one if it is at one), by the
        experiment's rule (:meth:`Experiment.immigrants_due`); rounds start at 1."""
        next_count = -(-max(individuals, 1) // self.migrate_every) * self.migrate_every
        return self.experiment.immigrants_due(next_count) or 1

    def _lose(self, island: int, error: IslandLost) -> None:
        """Rebuild a lost island from its snapshot; it replays what it had done since."""
        view = self.views[island]
        view.losses += 1
        self.losses += 1
        if view.losses > MAX_LOSSES:
            raise ZeroError(f"island {island} was lost {view.losses} times (last: {error}); the run is "
                            f"checkpointed: `zero run --resume --out {self.store.path}` continues it")  # fmt: skip
        self.progress.message(f"island {island} lost ({error}); rebuilt from its snapshot at "
                              f"{view.snapshot_individuals:,} individuals")  # fmt: skip
        self.pool.rebuild(island, self._snapshot_of(island), str(self.store.path / "checkpoint"))
        self._busy -= view.busy
        view.busy = False
        self._set_individuals(island, view.snapshot_individuals)
        self._ready.append(island)

    def _want_snapshots(self, defer: bool = False) -> None:
        """Start a checkpoint: every island owes a snapshot, unless its part is already at its
        count; the idle ones give it now, the others when their batch is back (:meth:`_snapshot`),
        before their next one is submitted. ``defer``: see :meth:`_snapshot`."""
        for view in self.views:
            view.wants_snapshot = view.part is None or view.snapshot_individuals != view.individuals or view.busy
        self._wanting = sum(v.wants_snapshot for v in self.views)
        self._owed = []
        for i, view in enumerate(self.views):
            if not view.busy:
                self._snapshot(i, defer)

    def _snapshot(self, island: int, defer: bool = False) -> None:
        """Write idle ``island``'s snapshot into its checkpoint part if it owes one (it is not kept).
        ``defer`` (the search loop): while the writer thread is full, the island keeps owing it, so
        the loop never waits on the disk: one short of its limit gives it when its next batch is
        back, one at its limit (never submitted again) when the writer has room
        (:meth:`_snapshots_owed`)."""
        view = self.views[island]
        if not view.wants_snapshot:
            return
        if defer and self._writer_full():
            if view.individuals >= self._limit(island):
                self._owed.append(island)
            return
        try:
            snapshot = self.pool.snapshot(island)
        except IslandLost as e:
            self._lose(island, e)
            return
        view.part = self._write_part(island, snapshot)
        view.snapshot_individuals, view.wants_snapshot = view.individuals, False
        self._wanting -= 1

    def _snapshots_owed(self) -> None:
        """Take the snapshots deferred from idle islands at their limit, while the writer has room
        (one rebuilt after a loss and resubmitted meanwhile gives it when its batch is back)."""
        while self._owed and not self._writer_full():
            island = self._owed.pop()
            if not self.views[island].busy:
                self._snapshot(island, defer=True)

    def _prune_migrants(self) -> None:
        """Island i's migrants go to its successor only, and can be needed again only by it
        replaying from its snapshot: from the first round due after the successor's snapshot count
        (an island far behind keeps only its predecessor's rounds, not everyone's)."""
        needed_from = [self._first_round_due(v.snapshot_individuals) for v in self.views]
        for key in [k for k in self.migrants if k[1] < needed_from[(k[0] + 1) % self.count]]:
            del self.migrants[key]

    def _stop_reason(self, seconds: float, interrupt: Interrupt) -> str | None:
        stop = self.experiment.config["stop"]
        if self._below_limit == 0:  # a limit is the budget, or less once solved
            return STOP_SOLVED if self.solved_at is not None else STOP_INDIVIDUALS
        if stop["max_seconds"] is not None and seconds >= stop["max_seconds"]:
            return STOP_SECONDS
        if interrupt.requested:
            return STOP_TERMINATED if interrupt.terminated else STOP_INTERRUPTED
        return None

    def search(self) -> str:
        """Evolve until a stop rule fires (checked before every batch too, so a finished run that
        is resumed without a larger budget stops at once); returns the reason."""
        cfg = self.experiment.config
        started = time.perf_counter()
        last_checkpoint = started
        clock = lambda: self.seconds + time.perf_counter() - started  # noqa: E731
        reason, checkpoint_due = None, False
        self._ready = list(range(self.count))
        with Interrupt() as interrupt, self.progress:
            while True:
                reason = reason or self._stop_reason(clock(), interrupt)
                if reason is None:
                    for i in sorted(set(self._ready)):  # in island order, as a walk over all of them would
                        self._submit(i)
                    self._ready = []
                if self._busy == 0:
                    break  # stopped, or every island is at its limit
                island, batch = self.pool.wait()
                if isinstance(batch, IslandLost):
                    self._lose(island, batch)
                    continue
                self._take(batch, clock())
                self._ready += [island, (island + 1) % self.count]  # its successor may be waiting for its migrants
                if not checkpoint_due and reason is None and time.perf_counter() - last_checkpoint >= cfg["checkpoint_seconds"]:
                    checkpoint_due = True
                    self._want_snapshots(defer=True)
                elif checkpoint_due and reason is None:  # once stopping, the final checkpoint takes them
                    self._snapshot(island, defer=True)
                    self._snapshots_owed()
                if checkpoint_due and self._commit is None and self._wanting == 0 and self._parts_written():
                    self.seconds, started = clock(), time.perf_counter()
                    self._prune_migrants()
                    self._commit_in_background()  # the loop never waits on the disk
                if self._commit_done():
                    last_checkpoint, checkpoint_due = time.perf_counter(), False
            reason = reason or self._stop_reason(clock(), interrupt)
            if reason is None:
                raise ZeroError(f"islands stalled at {[v.individuals for v in self.views]} individuals (a bug: please report it)")
            self.seconds = clock()
            self.checkpoint()  # still under Interrupt: a second SIGTERM (scancel's) cannot cut it short
        return reason

    def checkpoint(self) -> None:
        """Snapshot every island and write the run's checkpoint; call it only between searches
        (no batch in flight), as :meth:`search` does when it stops."""
        self._commit_done(wait=True)  # a round's commit still on the writer thread comes first
        self._want_snapshots()
        self._prune_migrants()
        self._checkpoint()
        if self._writer is not None:  # every part is written (committed above): no thread left behind
            self._writer.shutdown()
            self._writer = None

    def finish(self, reason: str) -> Outcome:
        """Pick the champion (the recorded candidates and each island's current best) and score it
        on the final tasks; writes ``final.json``."""
        unlogged = []  # each island's best of an unfinished batch: scored, not recorded
        for i, view in enumerate(self.views):
            if self.solved_at is not None and view.individuals > self.solved_at:
                continue  # ran past the solving count: the rule would not count it anyway
            try:
                record = self.pool.candidate(i)
            except IslandLost:
                continue  # its logged candidates still count
            if record is not None:
                unlogged.append(Candidate.from_record({**record, "individuals": self.individuals, "seconds": self.seconds}, "island"))
        champion = choose_champion(self.candidates + unlogged, self.solved_at)
        final = None
        if champion is not None:
            final = self.experiment.evaluate(champion.program, self.experiment.tasks("final")).fitness
        latest = [v.latest for v in self.views if v.latest is not None]
        self.store.write_final({
            "stopped": reason, "individuals": self.individuals, "seconds": round(self.seconds, 3),
            "individuals_per_second": self.individuals / self.seconds if self.seconds > 0 else None,
            "evaluations": sum(b.evaluations for b in latest) if latest else 0,
            "fec_hit_rate": float(np.mean([b.fec_hit_rate for b in latest])) if latest else 0.0,
            "workers": self.count, "islands": [{"individuals": v.individuals, "where": w, "lost": v.losses, "immigrants": v.immigrants,
                                                "busy_seconds": round(v.busy_seconds, 3)}
                                               for v, w in zip(self.views, self.pool.where())],
            "workers_lost": self.losses,
            "search_fitness": None if champion is None else champion.search_fitness,
            "select_fitness": None if champion is None else champion.select_fitness,
            "final_fitness": final,
            "champion": None if champion is None else champion.to_record(),
        })  # fmt: skip
        return Outcome(reason, self.individuals, self.seconds, champion, final, self.store.path)


def open_pool(experiment: Experiment, workers: int | None = None, address: str | None = None,
              dashboard: bool = False) -> tuple[Experiment, IslandPool]:  # fmt: skip
    """The experiment with ``islands.count`` resolved (``workers``, else the config's, else one per
    CPU of this machine or of the cluster at ``address``) and the pool to run its islands: this
    process for one island on this machine, Ray otherwise (started here unless ``address``; with
    ``dashboard``, its dashboard on 127.0.0.1). With ``device: cuda`` an island needs a GPU of its
    own: the default count is one per GPU, and more islands than GPUs is a ZeroError here, before
    a run directory or a worker exists."""
    count = workers or experiment.config["islands"]["count"]
    cuda = experiment.config["device"] == "cuda"
    if cuda and address is None:
        from zero.interpreter.gpu import device_names

        gpus = len(device_names())  # no GPU: one clear line now
        count = count or gpus
        _check_gpus(count, gpus, "this machine")
    if count == 1 and address is None:
        experiment = experiment.with_overrides(**{"islands.count": 1})
        return experiment, LocalIslands(experiment, 1)
    from zero.search import ray_pool  # imports Ray: only when islands run as Ray actors

    cpus = ray_pool.connect(address, count, dashboard)
    if cuda and address is not None:
        gpus = ray_pool.cluster_gpus()
        count = count or gpus
        _check_gpus(count, gpus, f"the Ray cluster at {address}")
    experiment = experiment.with_overrides(**{"islands.count": count or cpus})
    return experiment, ray_pool.RayIslands(experiment, experiment.config["islands"]["count"])


def _check_gpus(islands: int, gpus: int, where: str) -> None:
    if islands > gpus:
        raise ZeroError(f"device: cuda needs one GPU per island: {islands} islands, but {where} has {gpus} "
                        f"GPU{'s' * (gpus != 1)}; use --workers {max(gpus, 1)} or fewer")  # fmt: skip


def run(experiment: Experiment, run_dir: str | Path, *, resume: bool = False, progress: Progress | None = None,
        pool: IslandPool | None = None, on_checkpoint: Callable[[Path], None] | None = None) -> Outcome:  # fmt: skip
    """Search, then the final evaluation (see :class:`Run`). ``on_checkpoint(run_dir)`` is called
    after every checkpoint commit (e.g. to rewrite the report)."""
    r = Run(experiment, run_dir, resume=resume, progress=progress, pool=pool, on_checkpoint=on_checkpoint)
    reason = r.search()
    return r.finish(reason)
