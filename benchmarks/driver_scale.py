#!/usr/bin/env python3
"""Driver at scale: the search driver's cost per message and per island; what breaks first at 1,000 islands.

Two modes, in one invocation or apart (the conclusion combines them):

- **Ray** (``--islands``; 32,64 when neither mode is given): for each island count N, a zero search
  with N Ray island actors on this machine (oversubscribed: N actors share its cores), tiny batches
  (``--report-every``, default 200 individuals) so the driver gets many messages, a checkpoint every
  ``--checkpoint-seconds`` (default 5) and no stop by fitness, for ``--seconds`` (default 30). It
  measures what Ray adds per message in the driver process, which the simulation leaves out, and
  the real snapshot traffic, at the island counts this machine can hold.
- **Simulated** (``--simulate``, e.g. 100,300,1000): the real driver (``Run.search()``) with
  :class:`SimulatedIslands`, a fake in-process island pool that does no evolution: ``wait`` returns
  at once a realistic :class:`zero.search.island.Batch` of the oldest queued island (its count
  advanced by ``report_every``; one real candidate record every ``--candidate-every`` batches; real
  migrants at migration counts), ``snapshot`` a real snapshot taken once with a full FEC. The
  driver runs as fast as it can: this measures the driver itself at 1,000 islands on one core.

Each N runs in a Python process of its own (a fresh Ray instance, a clean peak memory figure),
which times the driver's steps by wrapping them (:class:`Meter`):

- messages: batches back (``pool.wait``) per wall second of the search loop (``Run.search()`` up to
  the final ``Run.checkpoint()`` it ends with; past ``--seconds`` it drains the batches in flight,
  writing the parts a round under way still owes); "sustained": per second outside checkpoint work;
- driver CPU per message, outside checkpoint work: the process's CPU (``getrusage``, all threads)
  over the loop, less the checkpoint work below (the loop thread's, by ``time.thread_time``, and
  the parts the writer thread wrote), per message; split into the driver's own (this
  thread outside the pool's ``submit``/``wait``, by ``time.thread_time``) and the pool's (this
  thread inside them, plus every other thread but the writer). In the Ray mode the pool's share is Ray's cost per
  message (its client calls and threads); in the simulation it is the fake pool's, left out;
- checkpoint work, spread over a *round*: ``Run._want_snapshots`` starts one; each island's
  snapshot is fetched as soon as the island is idle (``Run._snapshot``) and handed to the writer
  thread, which writes it to its own part (``RunDir.write_part``: seconds, CPU and bytes per part);
  once they are written, the commit (``Run._commit_files``: the migrants part and the manifest;
  seconds, bytes of migrants) is handed to the writer thread too, whose CPU is taken out of the
  per-message figure like the parts' (the first and the final commit run on the loop's thread and
  count as its checkpoint work). Checkpoint
  bytes: the ``checkpoint/`` directory after a commit, and before it (old and new parts: the disk
  use peak). The round ``Run.search()`` ends with (every island idle) is measured too and shown
  apart; the model takes the loop's commits, the final one only where the loop had none;
- driver memory: the process's peak RSS during ``Run.search()`` (``VmHWM`` after a reset through
  ``/proc/self/clear_refs``; else its lifetime ``ru_maxrss``), and the migrants it held at most
  (the one thing it keeps that grows between checkpoints); the Ray mode also reports the object
  store's use (Ray's summary).

Before the runs, one island of the experiment (``--population``, ``--fec-capacity``: default the
experiment's) evolves on this process's core for ``--rate-seconds``: its individuals/s (the
per-island rate; ``--island-rate`` overrides it), a real candidate record and real migrants. Its
FEC is then filled to capacity with ``zero.search.fec.insert`` (a run's steady state: the cache
fills within seconds) and its snapshot is one island's part, whose bytes are reported with the FEC
empty and full (a part is uncompressed ``.npz``: its bytes do not depend on the contents).

The model, at ``--target`` islands (default 1,000), with the measured settings and with the
experiment's defaults (``report_every``, ``checkpoint_seconds``, ``islands.migrate_every``):

- messages/s = N x calls/s per island (each island on a core of its own); a Ray call carries whole
  batches for about ``RayIslands.call_seconds(N)`` (1 s, or N/250 s beyond 250 islands) and ends
  early at a migration count whose migrants are not in yet: with ``islands.migration_lag`` L
  (``--migration-lag``) about every max(1, L) rounds when the islands keep in step, so an island
  makes rate / max(report_every, min(max(1, L) x migrate_every, rate x call_seconds)) calls per
  second (the simulation measures what the schedule really gives);
- driver CPU per message = own(N) + ray(N), each ``a + c*N`` fitted over the counts measured (own:
  the simulation's if run, else the Ray runs'; ray: the Ray runs', else ``--ray-ms-per-message``,
  a figure a Ray run printed). The driver's work per message no longer walks the islands in
  Python, so c should be small: it is what still grows with N;
- driver CPU = messages/s x CPU per message + (commit CPU + N x snapshot fetch CPU) / checkpoint
  period: the loop's thread (and Ray's client threads). The island parts are written on the
  driver's writer thread (``Run._write_part``), another core: part writer CPU = N x CPU per part /
  checkpoint period;
- commit seconds = ``k0 + k1*N`` fitted (the manifest and the migrants part grow with N);
- part writes per round = N x one part's bytes / the write rate measured through ``write_part``
  (``np.savez``, sha256, fsync): the seconds the writer thread spends writing parts per
  checkpoint period, one part as each island comes back; above the period the disk cannot keep up:
  the search goes on (an island that comes back while the writer is full gives its snapshot at a
  later return), but checkpoints come that much less often than ``checkpoint_seconds`` asks;
- driver memory = m0 + N x (its memory per island measured, less migrants, + the migrants it holds
  per island: one round per ``migrate_every`` individuals over a checkpoint period, plus the lag's
  rounds, plus two).

Limits (the first one crossed is what breaks first): driver CPU above one core (its loop is one
Python thread), the part writer above one core (one thread too), a commit above 10 s, driver memory above this machine's (``--memory-limit-gb``), a
round's part writes above the checkpoint period.

Caveats: in the Ray mode the islands share few cores, so its per-message figures (the driver's
own and Ray's) include contention: take Ray's from a machine with a core per island, or from
``benchmarks/ray_message_cost.py`` (idle islands, at the rounds of migrants a call carries), and
the driver's from the simulation. The simulated islands run as fast as the driver lets them, faster
than real ones (the factor is printed): a round's commit writes the migrants sent since each
island's successor gave its snapshot, so the migrants held and the loop's commits of a simulated
run are that factor times a real run's; the final commit (every island idle) is not. The
simulation measures this machine's disk (parts are fsynced); its
per-message figure is taken while rounds of part writes churn the page cache: a long
``--checkpoint-seconds`` (e.g. 1000) leaves the loop without rounds, measuring messages alone, and
the final round still gives the part figures (not the commit's, see above). The timing wrappers
add about 2 us per message (``time.thread_time`` calls). Each Ray island's worker takes about
220 MiB of RSS (shared pages included): 64 islands want some 14 GiB of memory; a simulated island
costs only driver memory, but a simulated run at 1,000 islands writes 1,000 full parts (3 MiB each
at the demo's defaults) per round: ``--seconds`` and ``--checkpoint-seconds`` decide how many GiB.

Usage (from the repository root, with the repository's Python; run nothing else meanwhile)::

    .venv/bin/python benchmarks/driver_scale.py                          # Ray, N = 32, 64; 30 s each
    .venv/bin/python benchmarks/driver_scale.py --simulate 100,300,1000 --ray-ms-per-message 0.4   # Ray: an earlier run
    .venv/bin/python benchmarks/driver_scale.py --islands 16,32 --simulate 100,1000 --seconds 20 --json
    .venv/bin/python benchmarks/driver_scale.py --islands 4 --seconds 10 --out /tmp/scale   # keep the runs
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import resource
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
GIB = 2**30
MIB = 2**20
COMMIT_LIMIT_S = 10.0
CPU_LIMIT = 1.0  # the driver's loop is one Python thread: one core is its ceiling
RESULT = "result.json"
TEMPLATE = "template"  # template.npz (arrays) and template.json (the rest), in the output folder
CHILD_ENV = {"OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "NUMBA_NUM_THREADS": "1"}
RAY, SIMULATED = "ray", "simulated"


class ScaleError(Exception):
    pass


def note(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# ---- /proc ---------------------------------------------------------------------------------------

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
PAGE = os.sysconf("SC_PAGE_SIZE")


def _stat(pid: int) -> tuple[str, int, float] | None:
    """(comm, ppid, CPU seconds) of a process, None if it is gone."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    comm = raw[raw.index("(") + 1 : raw.rindex(")")]
    rest = raw[raw.rindex(")") + 2 :].split()
    return comm, int(rest[1]), (int(rest[11]) + int(rest[12])) / CLOCK_TICKS


def _rss(pid: int) -> int:
    try:
        return int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * PAGE
    except (OSError, IndexError, ValueError):
        return 0


def descendants() -> dict[int, tuple[str, float, int]]:
    """This process's descendants: pid -> (comm, CPU seconds, RSS bytes)."""
    table = {}
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            got = _stat(int(entry.name))
            if got is not None:
                table[int(entry.name)] = got
    children: dict[int, list[int]] = {}
    for pid, (_, ppid, _) in table.items():
        children.setdefault(ppid, []).append(pid)
    out, todo = {}, list(children.get(os.getpid(), []))
    while todo:
        pid = todo.pop()
        comm, _, cpu = table[pid]
        out[pid] = (comm, cpu, _rss(pid))
        todo += children.get(pid, [])
    return out


def is_worker(comm: str) -> bool:
    return comm.startswith("ray::")  # Ray names its worker processes ray::IslandActor, ray::IDLE, ...


def _status_kib(field: str) -> int | None:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return None


def reset_peak_rss() -> bool:
    """Reset this process's VmHWM (Linux >= 4.0); False where it cannot be."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return True


def memory_total() -> int | None:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return None


def dir_bytes(path: Path) -> int:
    total = 0
    for p in path.rglob("*"):
        with contextlib.suppress(OSError):
            if p.is_file():
                total += p.stat().st_size
    return total


def cpu_seconds() -> float:
    """This process's CPU seconds so far, every thread (``getrusage``)."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


# ---- the experiment ------------------------------------------------------------------------------


def settings_overrides(opts: argparse.Namespace) -> dict:
    """The island's settings shared by the template and every run (population, FEC capacity)."""
    out = {}
    if opts.population is not None:
        out["population"] = opts.population
    if opts.fec_capacity is not None:
        out["fec.capacity"] = opts.fec_capacity
    return out


def overrides(opts: argparse.Namespace, n: int) -> dict:
    """One measured run's settings: N islands, small batches, frequent checkpoints, no stop but time."""
    return {
        "islands.count": n,
        "report_every": opts.report_every,
        "islands.migrate_every": opts.migrate_every,
        "islands.migration_lag": opts.migration_lag,
        "stop.select_fitness": None,
        "stop.max_seconds": float(opts.seconds),
        "stop.max_individuals": 10**12,
        "checkpoint_seconds": float(opts.checkpoint_seconds),
        "seed": opts.seed,
    } | settings_overrides(opts)


def npz_bytes(arrays: dict) -> int:
    """The bytes of ``arrays`` as a checkpoint part (``RunDir.write_part`` writes exactly this)."""
    import numpy as np

    buffer = io.BytesIO()
    np.savez(buffer, allow_pickle=False, **arrays)
    return len(buffer.getvalue())


# ---- the template island: a real snapshot (full FEC), migrants, a candidate, the per-island rate -----


@dataclass
class Template:
    snapshot: dict  # one island's snapshot with its FEC full: every simulated island's part
    migrants: object  # zero.search.evolution.Migrants: one real round of an island's emigrants
    candidate: dict  # a real candidate record (Island.candidate())
    figures: dict  # best_fitness, mean_fitness, fec_hit_rate of the island after its run
    info: dict  # bytes (empty and full FEC), the per-island rate, the settings (see build_template)


def build_template(exp, rate_seconds: float, seed: int) -> Template:
    """Evolve island 0 of ``exp`` for ``rate_seconds`` (after its compile and its initial
    population), then fill its FEC to capacity with random entries."""
    import numpy as np

    from zero.search import fec
    from zero.search.island import Island

    island = Island(exp, 0)
    empty = island.snapshot()
    island.warm_up()  # compile (or load the compiled loop) before timing
    evo = island.evolution
    evo.run(exp.config["population"])  # the initial population: not the steady rate
    individuals, seconds, chunk = 0, 0.0, 1000
    while seconds < rate_seconds:
        started = time.perf_counter()
        evo.run(chunk)
        seconds += time.perf_counter() - started
        individuals += chunk
        chunk = max(1000, int(individuals / seconds * 0.25))  # about 0.25 s per step: little overshoot
    candidate = island.candidate()  # the best improved since -inf: a record, scored on search and select tasks
    if candidate is None:
        raise ScaleError("the template island produced no candidate")
    migrants = evo.emigrants(exp.config["islands"]["migrants"])
    fitness = evo.population_fitness()
    figures = {"best_fitness": evo.best_fitness, "mean_fitness": float(fitness.mean()) if fitness.size else None,
               "fec_hit_rate": evo.fec_hit_rate}  # fmt: skip
    filled_by_run = int(evo.cache.meta[fec.SIZE])
    rng, capacity = np.random.default_rng(seed), evo.cache.keys.shape[0]
    while int(evo.cache.meta[fec.SIZE]) < capacity:  # random keys: a repeat only replaces (rare), so loop
        missing = capacity - int(evo.cache.meta[fec.SIZE])
        for key, value in zip(rng.integers(1, 2**63, size=missing, dtype=np.uint64), rng.random(missing)):
            fec.insert(evo.cache, key, value)
    full = island.snapshot()

    def sizes(snapshot: dict) -> dict:
        arrays = sorted(((k, int(v.nbytes)) for k, v in snapshot.items()), key=lambda kv: -kv[1])
        return {
            "npz_bytes": npz_bytes(snapshot),
            "array_bytes": sum(b for _, b in arrays),
            "fec_bytes": sum(b for k, b in arrays if k.startswith("fec.")),
            "population_bytes": sum(b for k, b in arrays if k.startswith("state.")),
            "arrays": dict(arrays),
        }

    cfg = exp.config
    info = {
        "empty": sizes(empty),
        "full": sizes(full),
        "fec_entries_from_run": filled_by_run,
        "migrant_round_bytes": sum(int(a.nbytes) for a in migrants),
        "island_rate": individuals / seconds,
        "rate_individuals": individuals,
        "rate_seconds": seconds,
        "population": cfg["population"],
        "fec_capacity": cfg["fec"]["capacity"],
        "migrants": cfg["islands"]["migrants"],
        # the experiment's defaults, for the "experiment defaults" scenario
        "report_every": cfg["report_every"],
        "checkpoint_seconds": cfg["checkpoint_seconds"],
        "migrate_every": cfg["islands"]["migrate_every"],
        "migration_lag": cfg["islands"]["migration_lag"],
    }
    return Template(full, migrants, candidate, figures, info)


def save_template(template: Template, folder: Path) -> None:
    import numpy as np

    arrays = {f"snapshot.{k}": v for k, v in template.snapshot.items()}
    arrays |= {f"migrants.{k}": v for k, v in template.migrants._asdict().items()}
    np.savez(folder / f"{TEMPLATE}.npz", allow_pickle=False, **arrays)
    rest = {"candidate": template.candidate, "figures": template.figures, "info": template.info}
    (folder / f"{TEMPLATE}.json").write_text(json.dumps(rest))


def load_template(folder: Path) -> Template:
    import numpy as np

    from zero.search.evolution import Migrants

    with np.load(folder / f"{TEMPLATE}.npz", allow_pickle=False) as npz:
        arrays = {k: npz[k] for k in npz.files}
    snapshot = {k.removeprefix("snapshot."): v for k, v in arrays.items() if k.startswith("snapshot.")}
    migrants = Migrants(*(arrays[f"migrants.{k}"] for k in Migrants._fields))
    rest = json.loads((folder / f"{TEMPLATE}.json").read_text())
    return Template(snapshot, migrants, rest["candidate"], rest["figures"], rest["info"])


# ---- the simulated pool ----------------------------------------------------------------------------


class SimulatedIslands:
    """N islands that do no evolution: the island pool protocol (:class:`zero.search.pool.IslandPool`)
    answered at once from a template, so the driver runs as fast as it can.

    - ``submit`` queues the request; ``wait`` takes the oldest one (so the islands come back in
      turn, as equal islands on equal cores would), advances that island by whole batches of
      ``report_every`` as a Ray island does (:meth:`Island.advance` with the Ray pool's
      ``call_seconds``: batches until that much simulated compute, a migration count whose
      migrants it was not given (``immigrants_due``, the experiment's rule: with
      ``islands.migration_lag`` a call runs on past counts whose round it holds) or its budget) and
      returns one :class:`Batch` for the call: the template island's figures, a compute time of
      ``report_every`` / ``rate`` s, one real candidate record every ``candidate_every`` batches
      (the island's fields set), the template's migrants at multiples of ``migrate_every`` (as a
      real island; its successor waits for them);
    - ``snapshot`` returns the template's snapshot (a shallow copy: the driver only writes it) and
      remembers the island's count, so that ``rebuild`` puts it back there as a real island would;
    - ``candidate`` returns None (only :meth:`Run.finish` asks, and this benchmark does not finish).

    Only fresh runs: ``start`` asks for each island's snapshot as the protocol says and ignores it.
    """

    min_batch_seconds = 0.0  # no call overhead to warn about

    def __init__(self, count: int, template: Template, report_every: int, migrate_every: int,
                 candidate_every: int, rate: float, call_seconds: float,
                 immigrants_due: Callable[[int], int | None]):  # fmt: skip
        from zero.search.island import Batch

        self._batch = Batch
        self.count, self.template = count, template
        self.report_every, self.migrate_every, self.candidate_every = report_every, migrate_every, candidate_every
        self.rate, self.call_seconds, self.immigrants_due = rate, call_seconds, immigrants_due
        self.counts = [0] * count
        self._snapshot_counts = [0] * count
        self._queue: deque = deque()
        self.batches = self.calls = 0  # batches simulated; calls answered (the driver's messages)

    def start(self, snapshot, source):
        for i in range(self.count):
            snapshot(i)

    def submit(self, island, budget, immigrants):
        self._queue.append((island, budget, immigrants))

    def wait(self):
        island, budget, immigrants = self._queue.popleft()  # empty: the driver waited with nothing in flight (a bug)
        start = end = self.counts[island]
        candidates, sent, taken = [], {}, 0
        while True:  # whole batches, as Island.advance groups them
            due = self.immigrants_due(end)
            if due is not None and due not in immigrants and end > start:
                break  # a later batch needs a round this call was not given
            taken += 0 if due not in immigrants else len(immigrants[due].fitness)
            end = min((end // self.report_every + 1) * self.report_every, budget)
            self.batches += 1
            if self.batches % self.candidate_every == 0:
                candidates.append({**self.template.candidate, "island": island, "island_individuals": end})
            if self.count > 1 and end % self.migrate_every == 0:
                sent[end // self.migrate_every] = self.template.migrants
            if end >= budget or (end - start) / self.rate >= self.call_seconds:
                break
        self.counts[island] = end
        self.calls += 1
        f = self.template.figures
        batch = self._batch(
            island, end, (end - start) / self.rate, f["best_fitness"], f["mean_fitness"], f["fec_hit_rate"],
            int(end * (1.0 - f["fec_hit_rate"])), 0, False, taken, candidates, sent,
        )  # fmt: skip
        return island, batch

    def snapshot(self, island):
        self._snapshot_counts[island] = self.counts[island]
        return dict(self.template.snapshot)

    def candidate(self, island):
        return None

    def rebuild(self, island, snapshot, source):
        self.counts[island] = 0 if snapshot is None else self._snapshot_counts[island]

    def where(self):
        return ["simulated"] * self.count

    def close(self):
        self._queue.clear()


# ---- timing the driver from inside -----------------------------------------------------------------


def _clock() -> tuple[float, float, float]:
    """(wall, process CPU: every thread, this thread's CPU)."""
    return time.perf_counter(), time.process_time(), time.thread_time()


def _since(start: tuple[float, float, float]) -> tuple[float, float, float]:
    return tuple(b - a for a, b in zip(start, _clock()))


class Meter:
    """Times the driver's steps by wrapping them: ``Run``'s checkpoint steps and ``RunDir.write_part``
    (class attributes: install before the Run is made), the pool's ``submit``/``wait`` (on the
    instance). Phases: "start" (``Run()``: its first commit), "loop" (``Run.search()`` up to its
    final ``Run.checkpoint()``), "final" (that checkpoint). Checkpoint work (rounds, commits, migrant
    pruning) is summed per phase at its outermost call, so nested calls count once."""

    def __init__(self):
        self.phase = "start"
        self.work = {p: [0.0, 0.0, 0.0] for p in ("start", "loop", "final")}  # wall, CPU, thread CPU
        self.commits: list[dict] = []
        self.rounds: list[dict] = []
        self.round: dict | None = None  # the round under way
        # island parts written (cpu: the writing thread's; cpu_in_loop: of those written during the loop)
        self.parts = {"count": 0, "wall": 0.0, "cpu": 0.0, "cpu_in_loop": 0.0, "bytes": 0, "max_wall": 0.0}
        # Run._snapshot calls that took a snapshot (count, wall, cpu) or deferred it (the writer was full)
        self.snapshots = {"count": 0, "deferred": 0, "wall": 0.0, "cpu": 0.0}
        self.messages = 0
        self.pool_thread = 0.0  # this thread's CPU inside pool.submit / pool.wait
        self.migrant_entries_max = 0  # (island, round) entries the driver held, at most (before a prune)
        self.marks: dict[str, dict] = {}
        self._depth = 0

    def mark(self, name: str) -> None:
        wall, _, thread = _clock()
        self.marks[name] = {"wall": wall, "cpu": cpu_seconds(), "thread": thread}

    def _enter(self):
        self._depth += 1
        return _clock()

    def _leave(self, start) -> tuple[float, float, float]:
        self._depth -= 1
        spent = _since(start)
        if self._depth == 0:
            self.work[self.phase] = [a + b for a, b in zip(self.work[self.phase], spent)]
        return spent

    def install(self) -> None:
        from zero.search.driver import Run
        from zero.store import RunDir

        meter = self
        want, snapshot, commit = Run._want_snapshots, Run._snapshot, Run._commit_files
        prune, checkpoint, write_part = Run._prune_migrants, Run.checkpoint, RunDir.write_part

        def timed_want(run, defer: bool = False) -> None:
            meter.round = {"phase": meter.phase, "started": time.perf_counter(), "islands": 0, "part_wall": 0.0,
                           "part_cpu": 0.0, "snapshot_wall": 0.0}  # fmt: skip
            start = meter._enter()
            try:
                want(run, defer)
            finally:
                meter._leave(start)

        def timed_snapshot(run, island: int, defer: bool = False) -> None:
            if not run.views[island].wants_snapshot:
                return snapshot(run, island, defer)  # nothing owed: a check, not checkpoint work
            start = meter._enter()
            try:
                snapshot(run, island, defer)
            finally:
                wall, _, cpu = meter._leave(start)  # this thread's: the part is written on the writer thread
                if run.views[island].wants_snapshot:  # the writer was full: owed still, nothing fetched
                    meter.snapshots["deferred"] += 1
                else:  # the per-island fetch figures average the snapshots taken only
                    meter.snapshots["count"] += 1
                    meter.snapshots["wall"] += wall
                    meter.snapshots["cpu"] += cpu
                    if meter.round is not None:
                        meter.round["snapshot_wall"] += wall

        def timed_write_part(store, name: str, arrays: dict) -> dict:
            start = _clock()
            entry = write_part(store, name, arrays)
            wall, _, cpu = _since(start)  # the calling thread's CPU: island parts are on the writer thread
            if name.startswith("island"):  # the migrants part is the commit's
                size = (store.path / store.CHECKPOINT / entry["file"]).stat().st_size
                for key, spent in (("count", 1), ("wall", wall), ("cpu", cpu), ("bytes", size)):
                    meter.parts[key] += spent
                meter.parts["max_wall"] = max(meter.parts["max_wall"], wall)
                if meter.phase == "loop":
                    meter.parts["cpu_in_loop"] += cpu
                if meter.round is not None:
                    meter.round["islands"] += 1
                    meter.round["part_wall"] += wall
                    meter.round["part_cpu"] += cpu
            return entry

        def timed_prune(run) -> None:
            meter.migrant_entries_max = max(meter.migrant_entries_max, len(run.migrants))
            start = meter._enter()
            try:
                prune(run)
            finally:
                meter._leave(start)

        def timed_commit(run, parts: dict, migrants: dict, meta: dict) -> None:
            # the loop's commits run on the writer thread (Run._commit_in_background): their CPU is
            # the writer's, taken out of the per-message figure like the parts'; the first and the
            # final commit run on the loop's thread and count as its checkpoint work
            on_writer = threading.current_thread() is not threading.main_thread()
            folder = run.store.path / run.store.CHECKPOINT
            migrant_entries = len(meta["migrants"])
            meter.migrant_entries_max = max(meter.migrant_entries_max, migrant_entries)
            start = None if on_writer else meter._enter()  # the directory's sizes are checkpoint work
            try:
                before = dir_bytes(folder) if folder.is_dir() else 0  # old and new parts: the disk use peak
                commit_start = _clock()
                commit(run, parts, migrants, meta)
                wall, _, cpu = _since(commit_start)  # this thread's CPU
                after = dir_bytes(folder)
            finally:
                if start is not None:
                    meter._leave(start)
            if on_writer and meter.phase == "loop":
                meter.parts["cpu_in_loop"] += cpu
            record = {"phase": meter.phase, "seconds": wall, "cpu": 0.0 if on_writer else cpu, "writer_cpu": cpu * on_writer,
                      "bytes": after, "bytes_before": before, "migrant_entries": migrant_entries,
                      "migrant_bytes": sum(a.nbytes for a in migrants.values()),
                      "islands_in_it": sum(v.part is not None for v in run.views)}  # fmt: skip
            if meter.round is not None:
                record["round"] = len(meter.rounds)
                meter.round.update(commit_seconds=wall, commit_cpu=record["cpu"], migrant_bytes=record["migrant_bytes"],
                                   span=time.perf_counter() - meter.round["started"],
                                   bytes=record["bytes"], bytes_before=before)  # fmt: skip
                del meter.round["started"]
                meter.rounds.append(meter.round)
                meter.round = None
            meter.commits.append(record)

        def timed_checkpoint(run) -> None:  # Run.search() ends with it: the loop is over
            meter.mark("loop_end")
            meter.phase = "final"
            checkpoint(run)

        Run._want_snapshots, Run._snapshot, Run._commit_files = timed_want, timed_snapshot, timed_commit
        Run._prune_migrants, Run.checkpoint, RunDir.write_part = timed_prune, timed_checkpoint, timed_write_part

    def wrap_pool(self, pool) -> None:
        submit, wait = pool.submit, pool.wait

        def timed_submit(island, budget, immigrants):
            t = time.thread_time()
            submit(island, budget, immigrants)
            self.pool_thread += time.thread_time() - t

        def timed_wait():
            t = time.thread_time()
            got = wait()
            self.pool_thread += time.thread_time() - t
            self.messages += 1
            return got

        pool.submit, pool.wait = timed_submit, timed_wait

    def figures(self) -> dict:
        return {
            "work": {p: dict(zip(("wall", "cpu", "thread"), w)) for p, w in self.work.items()},
            "commits": self.commits,
            "rounds": self.rounds,
            "parts": self.parts,
            "snapshots": self.snapshots,
            "messages": self.messages,
            "pool_thread": self.pool_thread,
            "migrant_entries_max": self.migrant_entries_max,
        }


# ---- one island count, in its own process ----------------------------------------------------------


def search(run, meter: Meter) -> dict:
    """``run.search()`` measured: the loop (to its final checkpoint) and the process's peak memory."""
    rss_before = _status_kib("VmRSS")
    peak_reset = reset_peak_rss()
    meter.phase = "loop"
    meter.mark("loop_start")
    reason = run.search()
    meter.mark("search_end")
    start, end = meter.marks["loop_start"], meter.marks.get("loop_end", meter.marks["search_end"])
    peak = _status_kib("VmHWM") if peak_reset else None
    return {
        "stopped": reason,
        "loop_wall": end["wall"] - start["wall"],
        "loop_cpu": end["cpu"] - start["cpu"],
        "loop_thread": end["thread"] - start["thread"],
        "final_checkpoint_wall": meter.marks["search_end"]["wall"] - end["wall"],
        "search_seconds": run.seconds,
        "individuals": run.individuals,
        "driver_rss_before_search": (rss_before or 0) * 1024,
        "driver_rss_after_search": (_status_kib("VmRSS") or 0) * 1024,
        "driver_peak_rss_search": None if peak is None else peak * 1024,
        "driver_peak_rss_lifetime": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
        "migrant_entries_at_end": len(run.migrants),
    }


def measure_simulated(n: int, opts: argparse.Namespace, out_dir: Path) -> dict:
    """The real driver over ``n`` simulated islands (see :class:`SimulatedIslands`)."""
    from zero.search import experiment as experiment_mod
    from zero.search.driver import Run

    template = load_template(out_dir.parent)
    exp = experiment_mod.load(opts.experiment).with_overrides(**overrides(opts, n))
    rate = opts.island_rate or template.info["island_rate"]
    meter = Meter()
    meter.install()
    from zero.search.ray_pool import RayIslands

    pool = SimulatedIslands(n, template, opts.report_every, opts.migrate_every, opts.candidate_every, rate,
                            RayIslands.call_seconds(n), exp.immigrants_due)  # fmt: skip
    meter.wrap_pool(pool)
    started = time.perf_counter()
    run = Run(exp, out_dir / "run", pool=pool)
    startup = time.perf_counter() - started
    result = search(run, meter)
    return {"mode": SIMULATED, "islands": n, "startup_seconds": startup, **result, **meter.figures(),
            "island_rate": rate, "settings": overrides(opts, n)}  # fmt: skip


def measure_ray(n: int, opts: argparse.Namespace, out_dir: Path) -> dict:
    """A search with ``n`` Ray islands; figures measured in this (the driver) process."""
    from zero.search import experiment as experiment_mod
    from zero.search import ray_pool
    from zero.search.driver import Run

    exp = experiment_mod.load(opts.experiment).with_overrides(**overrides(opts, n))
    meter = Meter()
    meter.install()
    started = time.perf_counter()
    ray_pool.connect(None, n)
    try:
        pool = ray_pool.RayIslands(exp, n)
        meter.wrap_pool(pool)
        try:
            run = Run(exp, out_dir / "run", pool=pool)
            startup = time.perf_counter() - started
            procs0 = descendants()
            result = search(run, meter)
            procs1 = descendants()
            store = object_store()
        finally:
            pool.release()
    finally:
        ray_pool.disconnect()

    head_cpu: dict[str, float] = {}
    workers_cpu, workers_rss, workers = 0.0, 0, 0
    for pid, (comm, cpu, rss) in procs1.items():
        before = procs0.get(pid)
        spent = cpu - (before[1] if before and before[0] == comm else 0.0)
        if is_worker(comm):
            workers_cpu += spent
            workers_rss += rss
            workers += 1
        else:
            head_cpu[comm] = head_cpu.get(comm, 0.0) + spent
    return {
        "mode": RAY, "islands": n, "startup_seconds": startup, **result, **meter.figures(),
        "ray_head_cpu_seconds": head_cpu, "workers": workers, "workers_cpu_seconds": workers_cpu,
        "workers_rss": workers_rss, "object_store": store, "settings": overrides(opts, n),
    }  # fmt: skip


def object_store() -> dict:
    """Ray's object store: its capacity and use now (Ray's summary; None where this Ray has no such
    call). The driver holds no snapshots between checkpoints, so this is tasks, migrants, batches."""
    import ray

    out = {"capacity": ray.cluster_resources().get("object_store_memory"), "summary": None}
    try:
        from ray._private.internal_api import memory_summary

        text = memory_summary(stats_only=True)
        out["summary"] = " | ".join(line.strip() for line in text.splitlines() if line.strip())[:600]
    except Exception as e:  # noqa: BLE001 - a private Ray call: report, do not fail the measurement
        out["summary"] = f"(unavailable: {type(e).__name__}: {e})"[:300]
    return out


def child_main(mode: str, n: int, opts: argparse.Namespace) -> int:
    """The ``--child MODE:N`` process: measure, write result.json; SIGTERM ends it through the
    finally blocks (the actors killed, Ray shut down)."""

    def terminate(signum, frame):
        raise SystemExit(143)

    signal.signal(signal.SIGTERM, terminate)
    out_dir = Path(opts.child_dir)
    result = (measure_ray if mode == RAY else measure_simulated)(n, opts, out_dir)
    (out_dir / RESULT).write_text(json.dumps(result))
    return 0


def run_child(mode: str, n: int, opts: argparse.Namespace, argv: list[str], out_dir: Path) -> dict:
    """Measure ``n`` islands in a child process: this script with the same options (``argv``) and
    ``--child MODE:N --child-dir OUT_DIR`` (argparse keeps the last of a repeated option)."""
    out_dir.mkdir(parents=True, exist_ok=False)
    if opts.timeout is not None:
        timeout = opts.timeout
    elif mode == RAY:
        timeout = opts.seconds + 180 + 6 * n
    else:  # the final round writes every island's part
        timeout = 2 * opts.seconds + 180 + 0.2 * n
    child = ["--child", f"{mode}:{n}", "--child-dir", str(out_dir)]
    command = [sys.executable, str(Path(__file__).resolve()), *argv, *child]
    log = out_dir / "driver.log"
    note(f"{n} {mode} islands: {opts.seconds:g} s of search (timeout {timeout:g} s with start-up); log {log}")
    with open(log, "w") as err:
        proc = subprocess.Popen(command, stdout=err, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, cwd=REPO,
                                env={**os.environ, **CHILD_ENV}, start_new_session=True)  # fmt: skip
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            stop(proc)
            raise ScaleError(f"{n} {mode} islands: no result within {timeout:g} s (raise --timeout?); {log} ends:\n"
                             f"{log_tail(log)}") from None  # fmt: skip
        except BaseException:
            stop(proc)
            raise
    if proc.returncode != 0 or not (out_dir / RESULT).is_file():
        raise ScaleError(f"{n} {mode} islands: the run failed (exit {proc.returncode}); {log} ends:\n{log_tail(log)}")
    return json.loads((out_dir / RESULT).read_text())


def log_tail(log: Path, lines: int = 15) -> str:
    try:
        return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


def stop(proc: subprocess.Popen) -> None:
    """SIGTERM to the child (it kills its actors and shuts its Ray down), SIGKILL to its whole session
    if it is still there after 30 s; then SIGKILL to whatever of its session is left."""
    with contextlib.suppress(ProcessLookupError):
        proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        pass
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.wait(timeout=10)


# ---- figures and the extrapolation -------------------------------------------------------------


def _mean(values: list[float]) -> float | None:
    return statistics.mean(values) if values else None


def derive(r: dict, migrant_round_bytes: int) -> dict:
    """Per-run figures from a measurement (see the module docstring for what each means)."""
    n, wall, messages = r["islands"], r["loop_wall"], r["messages"]
    work = r["work"]["loop"]  # checkpoint work during the loop
    full = [x for x in r["rounds"] if x["islands"] == n]  # rounds in which every island wrote its part
    loop_full = [x for x in full if x["phase"] == "loop"]
    parts, snaps = r["parts"], r["snapshots"]
    # every thread's CPU in the loop, less the checkpoint work: the loop thread's own (its thread
    # CPU) and the island parts the writer thread wrote meanwhile
    per_message = (r["loop_cpu"] - work["thread"] - parts["cpu_in_loop"]) / messages if messages else None
    own = (r["loop_thread"] - work["thread"] - r["pool_thread"]) / messages if messages else None
    peak = r["driver_peak_rss_search"] or r["driver_peak_rss_lifetime"]
    row = {
        "mode": r["mode"],
        "islands": n,
        "loop_seconds": wall,
        "messages": messages,
        "messages_per_second": messages / wall if wall > 0 else 0.0,
        "messages_per_second_sustained": messages / (wall - work["wall"]) if wall > work["wall"] else None,
        "driver_cpu_share": r["loop_cpu"] / wall if wall > 0 else 0.0,
        "checkpoint_work_share": work["wall"] / wall if wall > 0 else 0.0,
        "cpu_per_message": per_message,
        "own_cpu_per_message": own,
        "pool_cpu_per_message": None if per_message is None else per_message - own,
        "driver_rss_before_search": r["driver_rss_before_search"],
        "driver_peak_rss": peak,
        "migrant_entries_max": r["migrant_entries_max"],
        "migrants_held_bytes": r["migrant_entries_max"] * migrant_round_bytes,
        "rounds_in_loop": len(loop_full),
        "rounds_full": len(full),
        # the steady state: commits in the loop (their migrants pruned first); the final one only if none
        "commit_seconds_mean": _mean([x["commit_seconds"] for x in loop_full or full]),
        "commit_seconds_max": max((x["commit_seconds"] for x in loop_full or full), default=None),
        "commit_cpu_mean": _mean([x["commit_cpu"] for x in loop_full or full]),
        "commit_migrant_bytes_mean": _mean([x["migrant_bytes"] for x in loop_full or full]),
        "final_commit_seconds": full[-1]["commit_seconds"] if full and full[-1]["phase"] == "final" else None,
        "parts": parts["count"],
        "parts_bytes_total": parts["bytes"],
        "parts_seconds_total": parts["wall"],
        "parts_cpu_total": parts["cpu"],
        "part_seconds": parts["wall"] / parts["count"] if parts["count"] else None,
        "part_seconds_max": parts["max_wall"] if parts["count"] else None,
        "part_cpu": parts["cpu"] / parts["count"] if parts["count"] else None,
        "part_bytes": parts["bytes"] / parts["count"] if parts["count"] else None,
        "part_write_bytes_per_second": parts["bytes"] / parts["wall"] if parts["wall"] > 0 else None,
        "part_bytes_per_cpu_second": parts["bytes"] / parts["cpu"] if parts["cpu"] > 0 else None,
        # fetching a snapshot from the pool, and Run._snapshot's own work around the write
        "snapshot_fetch_seconds": snaps["wall"] / snaps["count"] if snaps["count"] else None,
        "snapshot_fetch_cpu": snaps["cpu"] / snaps["count"] if snaps["count"] else None,
        "round_part_seconds": _mean([x["part_wall"] for x in loop_full or full]),
        "round_span_seconds": _mean([x["span"] for x in loop_full]),
        "checkpoint_bytes": full[-1]["bytes"] if full else None,
        "checkpoint_bytes_peak": max((x["bytes_before"] for x in full), default=None),
    }
    if r["mode"] == RAY:
        worker_cores = r["workers_cpu_seconds"] / wall if wall > 0 else 0.0
        row |= {
            "worker_cores": worker_cores,
            "individuals_per_second": r["individuals"] / r["search_seconds"] if r["search_seconds"] > 0 else 0.0,
            "ray_head_cpu_share": sum(r["ray_head_cpu_seconds"].values()) / wall if wall > 0 else 0.0,
        }
        row["individuals_per_second_per_worker_core"] = (
            row["individuals_per_second"] / worker_cores if worker_cores > 0 else None
        )
    return row


def fit_line(points: list[tuple[float, float]]) -> tuple[float, float]:
    """Least-squares (intercept, slope); one x value only: (mean y, 0)."""
    xs = [p[0] for p in points]
    if len(set(xs)) < 2:
        return statistics.mean(p[1] for p in points), 0.0
    mx, my = statistics.mean(xs), statistics.mean(p[1] for p in points)
    slope = sum((x - mx) * (y - my) for x, y in points) / sum((x - mx) ** 2 for x in xs)
    return my - slope * mx, slope


def fit_rising(points: list[tuple[float, float]]) -> tuple[float, float] | None:
    """:func:`fit_line`, with a falling slope (noise: not a model to extrapolate) taken as flat."""
    points = [p for p in points if p[1] is not None]
    if not points:
        return None
    a, c = fit_line(points)
    return (statistics.mean(p[1] for p in points), 0.0) if c < 0 else (a, c)


def first_crossing(f, limit: float, top: int = 10**7) -> int | None:
    """The smallest N >= 1 with f(N) > limit (f rising in N), None if not up to ``top``."""
    if f(top) <= limit:
        return None
    if f(1) > limit:
        return 1
    lo, hi = 1, top  # f(lo) <= limit < f(hi)
    while hi - lo > 1:
        mid = (lo + hi) // 2
        lo, hi = (mid, hi) if f(mid) <= limit else (lo, mid)
    return hi


def extrapolate(rows: list[dict], info: dict, opts: argparse.Namespace, memory_limit: float) -> dict:
    """The model (see the module docstring), at the run's settings and at the experiment's defaults."""
    from zero.search.ray_pool import RayIslands

    sim = [row for row in rows if row["mode"] == SIMULATED]
    ray = [row for row in rows if row["mode"] == RAY]
    basis = sim or ray  # the driver's own figures: the simulation reaches the island counts that matter
    basis_name = "simulation" if sim else "Ray runs"
    own = fit_rising([(row["islands"], row["own_cpu_per_message"]) for row in basis])
    if own is None:
        raise ScaleError("no batch came back to the driver in any run: nothing to extrapolate")
    if ray:
        ray_cost, ray_source = fit_rising([(row["islands"], row["pool_cpu_per_message"]) for row in ray]), "Ray runs"
    elif opts.ray_ms_per_message is not None:
        ray_cost, ray_source = (opts.ray_ms_per_message / 1000, 0.0), "--ray-ms-per-message"
    else:
        ray_cost, ray_source = None, None
    with_rounds = [row for row in basis if row["rounds_full"]]
    commit_wall = fit_rising([(row["islands"], row["commit_seconds_mean"]) for row in with_rounds]) or (0.0, 0.0)
    commit_cpu = fit_rising([(row["islands"], row["commit_cpu_mean"]) for row in with_rounds]) or (0.0, 0.0)
    # parts: bytes per second of write_part (wall; CPU), over every part the basis wrote
    written = sum(row["parts_bytes_total"] for row in basis)
    wall, cpu = sum(row["parts_seconds_total"] for row in basis), sum(row["parts_cpu_total"] for row in basis)
    write_rate, cpu_rate = (written / wall if wall > 0 else None), (written / cpu if cpu > 0 else None)
    # fetching a snapshot from its island: Ray's (the simulated pool's is free)
    fetch = _mean([row["snapshot_fetch_seconds"] for row in ray if row["snapshot_fetch_seconds"] is not None]) or 0.0
    fetch_cpu = _mean([row["snapshot_fetch_cpu"] for row in ray if row["snapshot_fetch_cpu"] is not None]) or 0.0
    # driver memory less the migrants it held (modelled apart: they depend on the settings); the
    # simulated islands all send the same Migrants object, which holds no memory per island
    points = [
        (row["islands"], row["driver_peak_rss"] - row["migrants_held_bytes"] * (row["mode"] == RAY)) for row in basis
    ]
    m0, k = fit_line(points)
    if len({p[0] for p in points}) < 2:  # one N: its growth over the RSS before its search (an upper bound)
        m0 = statistics.mean(row["driver_rss_before_search"] for row in basis)
        k = max(0.0, statistics.mean((y - m0) / n for n, y in points))
    elif k <= 0:  # no growth with N above the noise
        m0, k = max(y for _, y in points), 0.0
    rate = opts.island_rate or info["island_rate"]
    part_bytes = info["full"]["npz_bytes"]
    target = opts.target

    def scenario(name: str, report_every: int, period: float, migrate_every: int, lag: int) -> dict:
        # per island, at most: a period's rounds before the prune, the lag's, plus two
        held_rounds = rate * period / migrate_every + lag + 2

        def messages(n):  # whole batches per call, up to call_seconds of work or a migration count whose
            # round is not in: about every max(1, lag) rounds (islands in step; the simulation measures it)
            return n * rate / max(report_every, min(max(1, lag) * migrate_every, rate * RayIslands.call_seconds(n)))

        def own_message(n):
            return own[0] + own[1] * n

        def ray_message(n):
            return 0.0 if ray_cost is None else ray_cost[0] + ray_cost[1] * n

        def per_message(n):
            return own_message(n) + ray_message(n)

        def checkpoint_cpu(n):  # per round, on the loop's thread: the commit, and per island its snapshot fetched
            return commit_cpu[0] + commit_cpu[1] * n + n * fetch_cpu

        def cpu(n):
            return messages(n) * per_message(n) + checkpoint_cpu(n) / period

        def writer_cpu(n):  # cores of the writer thread: every island's part once per period
            return n * (part_bytes / cpu_rate if cpu_rate else 0.0) / period

        def commit(n):
            return commit_wall[0] + commit_wall[1] * n

        def writes(n):  # seconds of part writes per round
            return n * part_bytes / write_rate if write_rate else 0.0

        def memory(n):
            return m0 + n * (k + held_rounds * info["migrant_round_bytes"])

        limits = {
            f"driver CPU > {CPU_LIMIT:g} core": first_crossing(cpu, CPU_LIMIT),
            f"part writer > {CPU_LIMIT:g} core": first_crossing(writer_cpu, CPU_LIMIT),
            f"commit > {COMMIT_LIMIT_S:g} s": first_crossing(commit, COMMIT_LIMIT_S),
            f"driver memory > {memory_limit / GIB:.0f} GiB": first_crossing(memory, memory_limit),
            f"part writes per round > the {period:g} s checkpoint period": first_crossing(writes, period),
        }
        crossed = sorted((n, what) for what, n in limits.items() if n is not None)
        n = target
        return {
            "name": name,
            "report_every": report_every,
            "checkpoint_period_seconds": period,
            "migrate_every": migrate_every,
            "migration_lag": lag,
            "at_target": {
                "islands": n,
                "messages_per_second": messages(n),
                "cpu_per_message": per_message(n),
                "own_cpu_per_message": own_message(n),
                "ray_cpu_per_message": None if ray_cost is None else ray_message(n),
                "driver_cpu_messages": messages(n) * per_message(n),
                "driver_cpu_checkpoints": checkpoint_cpu(n) / period,
                "driver_cpu_share": cpu(n),
                "writer_cpu_share": writer_cpu(n),
                "commit_seconds": commit(n),
                "part_writes_per_round_seconds": writes(n),
                "snapshot_fetches_per_round_seconds": n * fetch,
                "checkpoint_bytes": n * part_bytes,
                "disk_bytes_per_second_needed": n * part_bytes / period,
                "migrants_held_bytes": n * held_rounds * info["migrant_round_bytes"],
                "driver_memory_bytes": memory(n),
            },
            "limits_crossed_at": limits,
            "breaks_first": None if not crossed else {"what": crossed[0][1], "islands": crossed[0][0]},
        }

    return {
        "model": {
            "island_rate": rate,
            "island_rate_source": "--island-rate" if opts.island_rate else "measured (one island, this machine)",
            "driver_source": basis_name,
            "driver_islands": sorted({row["islands"] for row in basis}),
            "own_cpu_per_message": own,
            "ray_cpu_per_message": ray_cost,
            "ray_source": ray_source,
            "commit_seconds": commit_wall,
            "commit_cpu": commit_cpu,
            "part_bytes": part_bytes,
            "part_write_bytes_per_second": write_rate,
            "part_bytes_per_cpu_second": cpu_rate,
            "snapshot_fetch_seconds_per_island": fetch,
            "snapshot_fetch_cpu_per_island": fetch_cpu,
            "driver_memory_intercept": m0,
            "driver_memory_per_island": k,
            "migrant_round_bytes": info["migrant_round_bytes"],
        },
        "scenarios": [
            scenario(
                f"as measured (report_every {opts.report_every:,}, checkpoint every {opts.checkpoint_seconds:g} s, "
                f"migrate_every {opts.migrate_every:,}, migration_lag {opts.migration_lag})",
                opts.report_every,
                opts.checkpoint_seconds,
                opts.migrate_every,
                opts.migration_lag,
            ),
            scenario(
                f"experiment defaults (report_every {info['report_every']:,}, checkpoint every "
                f"{info['checkpoint_seconds']:g} s, migrate_every {info['migrate_every']:,}, "
                f"migration_lag {info['migration_lag']})",
                info["report_every"],
                info["checkpoint_seconds"],
                info["migrate_every"],
                info["migration_lag"],
            ),
        ],
    }


def fmt(x, spec: str = ".2f", scale: float = 1.0) -> str:
    return "-" if x is None else format(x / scale, spec)


def report(
    rows: list[dict], runs: list[dict], info: dict, extra: dict, opts: argparse.Namespace, memory_limit: float
) -> None:
    print(f"\ndriver at scale: {os.cpu_count()} CPUs here")
    common = (
        "msgs/s: batches back per second of the search loop (sust.: per second outside checkpoint work); "
        "CPU/msg: driver CPU per message outside checkpoint work, us (own: the driver's; {pool}); peak: driver "
        "peak RSS; rounds: checkpoint rounds in the loop (full ones, with the final round); commit: its migrants "
        "part and manifest written, s (mean/max; the loop's on the writer thread); part: one island part written, "
        "ms (wall/CPU) and MiB; ckpt: checkpoint/ after a commit, MiB"
    )
    for mode, pool in ((RAY, "Ray: its client calls and threads"), (SIMULATED, "pool: the fake pool's")):
        table = [(row, r) for row, r in zip(rows, runs) if row["mode"] == mode]
        if not table:
            continue
        title = "Ray islands (oversubscribed)" if mode == RAY else "simulated islands (no evolution; the real driver)"
        print(f"\n{title}:")
        head = (
            f"{'islands':>7} {'loop s':>6} {'msgs':>8} {'msgs/s':>7} {'sust.':>7} {'drv CPU':>7} {'CPU/msg':>7} "
            f"{'own':>6} {'pool' if mode == SIMULATED else 'Ray':>6} {'peak MiB':>8} {'rounds':>6} {'commit s':>11} "
            f"{'part ms':>11} {'part MiB':>8} {'ckpt MiB':>8}"
        )
        if mode == RAY:
            head += f" {'ray CPU':>7} {'wrk cores':>9} {'indiv/s':>8}"
        print(head)
        print("-" * len(head))
        for row, r in table:
            line = (
                f"{row['islands']:>7} {row['loop_seconds']:>6.1f} {row['messages']:>8} {row['messages_per_second']:>7.0f} "
                f"{fmt(row['messages_per_second_sustained'], '.0f'):>7} {row['driver_cpu_share']:>7.2f} "
                f"{fmt(row['cpu_per_message'], '.1f', 1e-6):>7} {fmt(row['own_cpu_per_message'], '.1f', 1e-6):>6} "
                f"{fmt(row['pool_cpu_per_message'], '.1f', 1e-6):>6} {fmt(row['driver_peak_rss'], '.0f', MIB):>8} "
                f"{row['rounds_in_loop']:>3}/{row['rounds_full']:<2} "
                f"{fmt(row['commit_seconds_mean'], '.3f'):>5}/{fmt(row['commit_seconds_max'], '.3f'):<5} "
                f"{fmt(row['part_seconds'], '.1f', 1e-3):>5}/{fmt(row['part_cpu'], '.1f', 1e-3):<5} "
                f"{fmt(row['part_bytes'], '.2f', MIB):>8} {fmt(row['checkpoint_bytes'], '.0f', MIB):>8}"
            )
            if mode == RAY:
                line += (f" {row['ray_head_cpu_share']:>7.2f} {row['worker_cores']:>9.2f} "
                         f"{row['individuals_per_second']:>8.0f}")  # fmt: skip
            print(line)
        print(common.format(pool=pool) + ("; ray CPU: Ray's own processes (GCS, raylet, agents), cores; wrk cores: "
                                          "the island workers' CPU" if mode == RAY else ""))  # fmt: skip
        for row, r in table:
            shared = "" if mode == RAY else ", one shared object here"
            print(
                f"  {row['islands']} islands: checkpoint work {100 * row['checkpoint_work_share']:.0f}% of the loop; a "
                f"round's part writes {fmt(row['round_part_seconds'], '.2f')} s (round span "
                f"{fmt(row['round_span_seconds'], '.2f')} s); snapshot fetch "
                f"{fmt(row['snapshot_fetch_seconds'], '.2f', 1e-3)} ms per island ({r['snapshots']['deferred']:,} "
                "deferred while the writer was full); disk use peak "
                f"{fmt(row['checkpoint_bytes_peak'], '.0f', MIB)} MiB\n"
                f"    a call carried {r['individuals'] / max(r['messages'], 1):,.0f} individuals on average "
                f"(report_every {r['settings']['report_every']:,}, migrate_every "
                f"{r['settings']['islands.migrate_every']:,}, migration_lag {r['settings']['islands.migration_lag']})\n"
                f"    migrants held at most {row['migrant_entries_max']:,} island-rounds "
                f"({row['migrants_held_bytes'] / MIB:.1f} MiB{shared}); final checkpoint "
                f"{r['final_checkpoint_wall']:.2f} s (its commit {fmt(row['final_commit_seconds'], '.3f')} s); a loop "
                f"commit wrote {fmt(row['commit_migrant_bytes_mean'], '.1f', MIB)} MiB of migrants on average"
            )
            if mode == RAY:
                store = r["object_store"]
                print(f"    object store ({fmt(store['capacity'], '.0f', MIB)} MiB): {store['summary']}")
            elif r["search_seconds"] > 0:  # the migrants a round leaves to commit scale with this factor
                speed, modelled = r["individuals"] / r["search_seconds"], row["islands"] * r["island_rate"]
                print(f"    simulated islands ran {speed:,.0f} individuals/s in all, {speed / modelled:.1f}x the model's rate "
                      f"({modelled:,.0f}): the migrants held and a loop commit are that many times a real run's")  # fmt: skip
    s = runs[0]["settings"]
    print(
        f"settings: report_every {s['report_every']:,}, migrate_every {s['islands.migrate_every']:,}, "
        f"migration_lag {s['islands.migration_lag']}, population "
        f"{info['population']:,}, FEC capacity {info['fec_capacity']:,}, checkpoint every {s['checkpoint_seconds']:g} s"
        + (
            f", a candidate every {opts.candidate_every} simulated batches"
            if any(r["mode"] == SIMULATED for r in runs)
            else ""
        )
    )

    e, f = info["empty"], info["full"]
    print(
        f"\none island's part (population {info['population']:,}, FEC capacity {info['fec_capacity']:,}): "
        f"{f['npz_bytes'] / MIB:.2f} MiB with the FEC full (FEC {f['fec_bytes'] / MIB:.2f} MiB, population "
        f"{f['population_bytes'] / MIB:.2f} MiB), {e['npz_bytes'] / MIB:.2f} MiB empty; its run filled "
        f"{info['fec_entries_from_run']:,} entries in {info['rate_individuals']:,} individuals; one round of its "
        f"migrants {info['migrant_round_bytes'] / 1024:.0f} KiB; one island evolves {info['island_rate']:,.0f} "
        f"individuals/s here"
    )
    print("  largest arrays (full): " + ", ".join(f"{k} {v / MIB:.2f} MiB" for k, v in list(f["arrays"].items())[:6]))

    m = extra["model"]
    us = 1e-6
    own, ray = m["own_cpu_per_message"], m["ray_cpu_per_message"]
    ray_text = ("not known (run the Ray mode too, or give --ray-ms-per-message from a Ray run): left out"
                if ray is None else f"{ray[0] / us:.1f} + {ray[1] / us * 1000:.2f} ns x N ({m['ray_source']})")  # fmt: skip
    print(
        f"\nextrapolation to {opts.target:,} islands, each on a core of its own, at {m['island_rate']:,.0f} individuals/s "
        f"per island ({m['island_rate_source']}). Model (driver from the {m['driver_source']}):\n"
        f"  CPU per message: driver {fmt(own[0], '.1f', us)} us + {fmt(own[1], '.2f', us / 1000)} ns x N "
        f"(c), Ray {ray_text}\n"
        f"  commit: {m['commit_seconds'][0]:.3f} s + {m['commit_seconds'][1] * 1e6:.1f} us x N (CPU {m['commit_cpu'][0]:.3f} "
        f"s + {m['commit_cpu'][1] * 1e6:.1f} us x N); a part: {m['part_bytes'] / MIB:.2f} MiB written at "
        f"{fmt(m['part_write_bytes_per_second'], '.0f', MIB)} MiB/s (CPU: {fmt(m['part_bytes_per_cpu_second'], '.0f', MIB)} "
        f"MiB per CPU s), snapshot fetch {m['snapshot_fetch_seconds_per_island'] * 1e3:.2f} ms "
        f"({m['snapshot_fetch_cpu_per_island'] * 1e3:.2f} ms CPU) per island\n"
        f"  driver memory: {m['driver_memory_intercept'] / MIB:.0f} MiB + N x ({m['driver_memory_per_island'] / 1024:.1f} KiB "
        f"+ migrants held: {m['migrant_round_bytes'] / 1024:.0f} KiB per round x (rounds per checkpoint period + 2))"
    )
    if len(m["driver_islands"]) < 2:
        print(
            "  (one island count in the model's basis: the driver's CPU per message and the commit are taken as "
            "constant in N, its memory per island as its growth over the RSS before the search; measure two counts)"
        )
    for sc in extra["scenarios"]:
        at = sc["at_target"]
        print(f"- {sc['name']}:")
        ray_part = "Ray left out" if at["ray_cpu_per_message"] is None else f"Ray {at['ray_cpu_per_message'] / us:.1f}"
        fetches = at["snapshot_fetches_per_round_seconds"]
        print(
            f"    at {at['islands']:,}: {at['messages_per_second']:,.0f} messages/s x (driver "
            f"{at['own_cpu_per_message'] / us:.1f} + {ray_part}) us = {at['driver_cpu_messages']:.2f} cores, + "
            f"{at['driver_cpu_checkpoints']:.2f} for checkpoints = driver CPU {at['driver_cpu_share']:.2f} cores; "
            f"part writer thread {at['writer_cpu_share']:.2f} cores\n"
            f"    commit {at['commit_seconds']:.2f} s; a round writes {at['checkpoint_bytes'] / GIB:.2f} GiB of parts in "
            f"{at['part_writes_per_round_seconds']:.1f} s{f' (+ {fetches:.1f} s of snapshot fetches)' if fetches else ''}"
            f" per {sc['checkpoint_period_seconds']:g} s period = {at['disk_bytes_per_second_needed'] / MIB:.0f} MiB/s; "
            f"driver memory {at['driver_memory_bytes'] / GIB:.2f} GiB (migrants {at['migrants_held_bytes'] / GIB:.2f} GiB)"
        )
        crossings = ", ".join(
            f"{what} at {n:,} islands" if n else f"{what}: not up to 10M islands"
            for what, n in sc["limits_crossed_at"].items()
        )
        first = sc["breaks_first"]
        verdict = "nothing up to 10M islands" if first is None else f"{first['what']} at {first['islands']:,} islands"
        print(f"    limits: {crossings}\n    breaks first: {verdict}")
    print(f"(memory limit: {memory_limit / GIB:.1f} GiB, --memory-limit-gb; CPU limit: one core, the driver's loop is "
          "one Python thread)")  # fmt: skip
    if ray is None:
        print("note: Ray's per-message cost is left out of the driver CPU above; a Ray run prints it (the 'Ray' "
              "column, us) and --ray-ms-per-message takes it")  # fmt: skip
    elif m["ray_source"] == "Ray runs":
        figures = ", ".join(f"{row['islands']}: {row['pool_cpu_per_message'] * 1e3:.3f}" for row in rows
                            if row["mode"] == RAY and row["pool_cpu_per_message"] is not None)  # fmt: skip
        print(
            f"Ray's cost per message in the driver process, ms (for --ray-ms-per-message), by island count: {figures}"
        )


# ---- command line --------------------------------------------------------------------------------


def _counts(parser: argparse.ArgumentParser, flag: str, text: str | None, least: int) -> list[int]:
    if text is None:
        return []
    try:
        counts = [int(x) for x in text.split(",") if x.strip()]
    except ValueError:
        parser.error(f"{flag} {text!r}: comma-separated integers expected")
    if not counts or min(counts) < least:
        parser.error(f"{flag}: island counts of at least {least}")
    return counts


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], epilog="See the module docstring.")
    parser.add_argument("--islands", help="Ray mode: comma-separated island counts (default 32,64 unless --simulate)")
    parser.add_argument("--simulate", help="simulated mode: comma-separated island counts, e.g. 100,300,1000")
    parser.add_argument("--seconds", type=float, default=30.0, help="search seconds per run (default 30)")
    parser.add_argument("--report-every", type=int, default=200, help="individuals per batch (default 200)")
    parser.add_argument("--migrate-every", type=int, help="individuals between migrations (default 50 x report-every)")
    parser.add_argument("--migration-lag", type=int, default=0,
                        help="islands.migration_lag: rounds a call may run ahead of its predecessor (default 0)")
    parser.add_argument("--checkpoint-seconds", type=float, default=5.0, help="seconds between checkpoints (default 5)")
    parser.add_argument("--candidate-every", type=int, default=200,
                        help="simulated: one candidate record every this many batches (default 200)")  # fmt: skip
    parser.add_argument("--population", type=int, help="population per island (default: the experiment's)")
    parser.add_argument("--fec-capacity", type=int, help="FEC entries per island (default: the experiment's)")
    parser.add_argument("--experiment", default="linear_regression", help="zero experiment (default linear_regression)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--rate-seconds", type=float, default=2.0,
                        help="seconds one island evolves to measure the per-island rate (default 2)")  # fmt: skip
    parser.add_argument("--island-rate", type=float,
                        help="individuals/s of one island on its own core (default: measured here)")  # fmt: skip
    parser.add_argument(
        "--ray-ms-per-message",
        type=float,
        help="Ray's driver CPU per message, ms, as a Ray run printed (used when no Ray run is made)",
    )
    parser.add_argument("--target", type=int, default=1000, help="island count to extrapolate to (default 1000)")
    parser.add_argument("--memory-limit-gb", type=float, help="driver memory limit (default: this machine's memory)")
    parser.add_argument("--timeout", type=float,
                        help="seconds per run with start-up (default: Ray 180 + seconds + 6 x N; "
                             "simulated 180 + 2 x seconds + 0.2 x N)")  # fmt: skip
    parser.add_argument("--out", help="keep the runs here (default: a temporary folder, removed)")
    parser.add_argument("--json", action="store_true", help="also print every figure as one JSON object")
    parser.add_argument("--child", help=argparse.SUPPRESS)  # internal: MODE:N, one run in this process
    parser.add_argument("--child-dir", help=argparse.SUPPRESS)  # internal: where that run writes
    args = parser.parse_args(argv)
    args.ray_counts = _counts(parser, "--islands", args.islands, 2)  # one island runs without Ray
    args.simulated_counts = _counts(parser, "--simulate", args.simulate, 1)
    if not args.ray_counts and not args.simulated_counts:
        args.ray_counts = [32, 64]
    if args.seconds <= 0 or args.report_every < 1 or args.checkpoint_seconds <= 0 or args.candidate_every < 1:
        parser.error("--seconds and --checkpoint-seconds must be > 0, --report-every and --candidate-every >= 1")
    if args.rate_seconds <= 0 or (args.island_rate is not None and args.island_rate <= 0):
        parser.error("--rate-seconds and --island-rate must be > 0")
    if args.migrate_every is None:
        args.migrate_every = 50 * args.report_every
    if args.migrate_every % args.report_every:
        parser.error("--migrate-every must be a multiple of --report-every")
    if args.migration_lag < 0:
        parser.error("--migration-lag must be >= 0")
    return args


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    args = parse_args(argv)
    if args.child is not None:
        mode, n = args.child.split(":")
        return child_main(mode, int(n), args)
    try:
        from zero.search import experiment as experiment_mod
    except ImportError as e:
        print(
            f"driver_scale: error: cannot import zero ({e}); run it with the repository's .venv/bin/python",
            file=sys.stderr,
        )
        return 2
    cleanup = None
    try:
        memory_limit = args.memory_limit_gb * GIB if args.memory_limit_gb else (memory_total() or 64 * GIB)
        if args.out:
            out = Path(args.out).resolve()
            out.mkdir(parents=True, exist_ok=True)
        else:
            cleanup = tempfile.TemporaryDirectory(prefix="driver_scale-")
            out = Path(cleanup.name)
        note(f"template island: evolving it for {args.rate_seconds:g} s, then filling its FEC")
        exp = experiment_mod.load(args.experiment).with_overrides(**settings_overrides(args))
        template = build_template(exp, args.rate_seconds, args.seed)
        save_template(template, out)
        info = template.info
        runs = [run_child(RAY, n, args, argv, out / f"ray-{n}") for n in args.ray_counts]
        runs += [run_child(SIMULATED, n, args, argv, out / f"simulated-{n}") for n in args.simulated_counts]
        rows = [derive(r, info["migrant_round_bytes"]) for r in runs]
        extra = extrapolate(rows, info, args, memory_limit)
        report(rows, runs, info, extra, args, memory_limit)
    except ScaleError as e:
        print(f"driver_scale: error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("driver_scale: interrupted", file=sys.stderr)
        return 130
    finally:
        if cleanup is not None:
            cleanup.cleanup()
    if args.json:
        context = {"cpus": os.cpu_count(), "memory_limit": memory_limit, "target": args.target,
                   "time": time.strftime("%Y-%m-%dT%H:%M:%S%z")}  # fmt: skip
        print(json.dumps({"runs": runs, "rows": rows, "island": info, "extrapolation": extra, "context": context}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
