#!/usr/bin/env python3
"""Driver at scale: how the search driver copes with many islands, and what breaks first at 1,000.

For each island count N (``--islands``, default 32,64) this runs a zero search with N Ray island
actors on this machine (oversubscribed: N actors share its cores), with tiny batches
(``--report-every``, default 200 individuals) so the driver gets many messages, checkpoints every
``--checkpoint-seconds`` (default 5) and no stop by fitness, for ``--seconds`` (default 30) of
search. Each N runs in its own Python process (a fresh Ray instance, a clean peak memory figure),
which measures from inside the driver process:

- driver CPU: the driver process's CPU seconds (``getrusage(RUSAGE_SELF)``, all its threads, Ray's
  client threads included) over the wall seconds of ``Run.search()``; Ray's own processes (GCS,
  raylet, agents) and the island workers are separate processes, shown apart (from ``/proc``);
- driver peak memory: the driver process's peak RSS during the search (``VmHWM`` after resetting
  it through ``/proc/self/clear_refs``; else its lifetime ``ru_maxrss``);
- messages/s: island batches returned to the driver per second, the run's ``progress.jsonl`` lines
  (one per batch) over the search seconds;
- checkpoints: bytes of the run's ``checkpoint/`` directory, and the seconds ``Run._checkpoint``
  takes (timed by wrapping it), plus the seconds the driver spends collecting the islands'
  snapshots before each (``Run._snapshot_idle``).

It also computes, without Ray, the bytes one island adds to a checkpoint at the experiment's default
settings (population, FEC capacity): one island's ``Island.snapshot()`` arrays written as ``.npz``.

Then it extrapolates to 1,000 islands (``--target``) and says which limit is crossed first: driver
CPU above one core, a checkpoint above 10 s, driver memory above this machine's memory, and the
snapshots the driver keeps pinned in Ray's object store (zero-copy, one per island, between
checkpoints) above its capacity, where Ray starts spilling to disk. The model
(printed with the results): checkpoint bytes, checkpoint seconds and driver memory linear in N;
messages/s linear in N with each island on a core of its own (the per-core message rate measured
here, where the islands share the cores); the driver's CPU per message ``a + c*N`` (its loop walks
every island per message), fitted when two or more N were measured, else constant.

Caveats: here the islands share few cores, so the seconds per snapshot collected (a sequential
round trip per island, waiting for busy workers) and the checkpoint write rate (a small file, the
page cache) are measured under contention and at small sizes; the extrapolation is a rough guide,
best fitted from two or more island counts. Each island's worker process takes about 220 MiB of RSS
(shared pages included): 64 islands want some 14 GiB of memory. Population and FEC capacity default
to the experiment's, so the checkpoint bytes are the real ones (``--population``,
``--fec-capacity`` shrink them).

Usage (from the repository root, with the repository's Python; run nothing else meanwhile)::

    .venv/bin/python benchmarks/driver_scale.py                         # N = 32, 64; 30 s each
    .venv/bin/python benchmarks/driver_scale.py --islands 4 --seconds 10 --json
    .venv/bin/python benchmarks/driver_scale.py --islands 16,32 --report-every 100 --out /tmp/scale
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
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
GIB = 2**30
MIB = 2**20
CHECKPOINT_LIMIT_S = 10.0
CPU_LIMIT = 1.0  # the driver's loop is one Python thread: one core is its ceiling
RESULT = "result.json"
CHILD_ENV = {"OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "NUMBA_NUM_THREADS": "1"}


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


# ---- the experiment ------------------------------------------------------------------------------


def overrides(opts: argparse.Namespace, n: int) -> dict:
    out = {
        "islands.count": n,
        "report_every": opts.report_every,
        "islands.migrate_every": opts.migrate_every,
        "stop.select_fitness": None,
        "stop.max_seconds": float(opts.seconds),
        "stop.max_individuals": 10**12,
        "checkpoint_seconds": float(opts.checkpoint_seconds),
        "seed": opts.seed,
    }
    if opts.population is not None:
        out["population"] = opts.population
    if opts.fec_capacity is not None:
        out["fec.capacity"] = opts.fec_capacity
    return out


def island_bytes(exp) -> dict:
    """What one island adds to a checkpoint under ``exp``'s settings: its snapshot as ``.npz``
    bytes (as the store writes it), each array's bytes, and the bytes of one round of its migrants
    (the driver keeps one or two rounds per island until every snapshot is past them)."""
    import numpy as np

    from zero.search.island import Island

    snapshot = Island(exp, 0).snapshot()
    buffer = io.BytesIO()
    np.savez(buffer, allow_pickle=False, **{f"island0.{k}": v for k, v in snapshot.items()})
    length = snapshot["state.code"].shape[1]  # instructions per program (all components)
    per_program = length * 4 * 4 + length * 3 * 8 + 4 * 8 + 8  # Migrants: code, data, bounds, fitness
    migrants = min(exp.config["islands"]["migrants"], exp.config["population"])
    arrays = sorted(((k, int(v.nbytes)) for k, v in snapshot.items()), key=lambda kv: -kv[1])
    return {
        "npz_bytes": len(buffer.getvalue()),
        "array_bytes": sum(b for _, b in arrays),
        "arrays": dict(arrays),
        "fec_bytes": sum(b for k, b in arrays if k.startswith("fec.")),
        "population_bytes": sum(b for k, b in arrays if k.startswith("state.")),
        "migrant_round_bytes": migrants * per_program,
        "population": exp.config["population"],
        "fec_capacity": exp.config["fec"]["capacity"],
        "report_every": exp.config["report_every"],
        "checkpoint_seconds": exp.config["checkpoint_seconds"],
    }


# ---- one island count, in its own process ----------------------------------------------------------


def measure(n: int, opts: argparse.Namespace, out_dir: Path) -> dict:
    """One search with ``n`` Ray islands; figures measured in this (the driver) process."""
    from zero.search import experiment as experiment_mod
    from zero.search import ray_pool
    from zero.search.driver import Run

    exp = experiment_mod.load(opts.experiment).with_overrides(**overrides(opts, n))
    checkpoints: list[dict] = []
    gather = {"seconds": 0.0, "cpu": 0.0, "calls": 0}
    searching = {"on": False}
    checkpoint, snapshot_idle = Run._checkpoint, Run._snapshot_idle

    def timed_checkpoint(self) -> None:
        islands = sum(v.snapshot is not None for v in self.views)
        wall, cpu = time.perf_counter(), time.process_time()
        checkpoint(self)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        checkpoints.append(
            {
                "seconds": wall,
                "cpu": cpu,
                "islands_in_it": islands,
                "migrant_rounds": len(self.migrants),
                "bytes": dir_bytes(self.store.path / "checkpoint"),
                "during_search": searching["on"],
            }
        )

    def timed_snapshot_idle(self) -> None:
        wall, cpu = time.perf_counter(), time.process_time()
        snapshot_idle(self)
        gather["seconds"] += time.perf_counter() - wall
        gather["cpu"] += time.process_time() - cpu
        gather["calls"] += 1

    Run._checkpoint, Run._snapshot_idle = timed_checkpoint, timed_snapshot_idle
    rss_start = _status_kib("VmRSS")
    started = time.perf_counter()
    ray_pool.connect(None, n)
    try:
        pool = ray_pool.RayIslands(exp, n)
        try:
            run = Run(exp, out_dir / "run", pool=pool)
            startup = time.perf_counter() - started
            rss_before = _status_kib("VmRSS")
            peak_reset = reset_peak_rss()
            procs0, usage0 = descendants(), resource.getrusage(resource.RUSAGE_SELF)
            searching["on"], wall = True, time.perf_counter()
            reason = run.search()
            wall, searching["on"] = time.perf_counter() - wall, False
            usage1, procs1 = resource.getrusage(resource.RUSAGE_SELF), descendants()
            peak_search = _status_kib("VmHWM") if peak_reset else None
            rss_after = _status_kib("VmRSS")
            store = object_store(run)
        finally:
            pool.release()
    finally:
        ray_pool.disconnect()

    driver_cpu = (usage1.ru_utime + usage1.ru_stime) - (usage0.ru_utime + usage0.ru_stime)
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
    messages = len(run.store.read_progress())
    full = [c for c in checkpoints if c["during_search"] and c["islands_in_it"] == n]
    search_cpu = sum(c["cpu"] for c in checkpoints if c["during_search"])
    return {
        "islands": n,
        "stopped": reason,
        "startup_seconds": startup,
        "search_wall": wall,
        "search_seconds": run.seconds,
        "individuals": run.individuals,
        "messages": messages,
        "driver_cpu_seconds": driver_cpu,
        "driver_cpu_share": driver_cpu / wall,
        "driver_cpu_in_checkpoints": search_cpu,
        "driver_cpu_in_snapshot_gather": gather["cpu"],
        "driver_rss_start": (rss_start or 0) * 1024,
        "driver_rss_before_search": (rss_before or 0) * 1024,
        "driver_rss_after_search": (rss_after or 0) * 1024,
        "driver_peak_rss_search": None if peak_search is None else peak_search * 1024,
        "driver_peak_rss_lifetime": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
        "ray_head_cpu_seconds": head_cpu,
        "workers": workers,
        "workers_cpu_seconds": workers_cpu,
        "workers_rss": workers_rss,
        "checkpoints": checkpoints,
        "full_checkpoints": len(full),
        "snapshot_gather_seconds": gather["seconds"],
        "snapshot_gather_calls": gather["calls"],
        "object_store": store,
        "settings": overrides(opts, n)
        | {
            "population": exp.config["population"],
            "fec.capacity": exp.config["fec"]["capacity"],
            "islands.migrants": exp.config["islands"]["migrants"],
        },
    }


def object_store(run) -> dict:
    """Whether the snapshots the driver holds are zero-copy views of Ray's object store (so they stay
    pinned there between checkpoints), and the object store's use now (Ray's summary; None where
    this Ray has no such call)."""
    held = [a for v in run.views if v.snapshot is not None for a in v.snapshot.values()]
    large = [a for a in held if a.nbytes >= 2**16]
    out = {
        "snapshot_bytes_held": sum(a.nbytes for a in held),
        "snapshot_arrays_large": len(large),
        "snapshot_arrays_large_read_only": sum(not a.flags.writeable for a in large),
        "capacity": None,
        "summary": None,
    }
    import ray

    out["capacity"] = ray.cluster_resources().get("object_store_memory")
    try:
        from ray._private.internal_api import memory_summary

        text = memory_summary(stats_only=True)
        out["summary"] = " | ".join(line.strip() for line in text.splitlines() if line.strip())[:2000]
    except Exception as e:  # noqa: BLE001 - a private Ray call: report, do not fail the measurement
        out["summary"] = f"(unavailable: {type(e).__name__}: {e})"[:300]
    return out


def child_main(n: int, opts: argparse.Namespace) -> int:
    """The ``--one N`` process: measure, write result.json; SIGTERM ends it through the finally
    blocks (the actors killed, Ray shut down)."""

    def terminate(signum, frame):
        raise SystemExit(143)

    signal.signal(signal.SIGTERM, terminate)
    out_dir = Path(opts.out)
    result = measure(n, opts, out_dir)
    (out_dir / RESULT).write_text(json.dumps(result))
    return 0


def run_child(n: int, opts: argparse.Namespace, out_dir: Path) -> dict:
    out_dir.mkdir(parents=True, exist_ok=False)
    timeout = opts.timeout if opts.timeout is not None else opts.seconds + 180 + 6 * n
    argv = [
        sys.executable,
        str(Path(__file__).resolve()),
        "--one",
        str(n),
        "--out",
        str(out_dir),
        "--seconds",
        str(opts.seconds),
        "--report-every",
        str(opts.report_every),
        "--migrate-every",
        str(opts.migrate_every),
        "--checkpoint-seconds",
        str(opts.checkpoint_seconds),
        "--seed",
        str(opts.seed),
        "--experiment",
        str(opts.experiment),
    ]
    if opts.population is not None:
        argv += ["--population", str(opts.population)]
    if opts.fec_capacity is not None:
        argv += ["--fec-capacity", str(opts.fec_capacity)]
    log = out_dir / "driver.log"
    note(f"{n} islands: {opts.seconds:g} s of search (timeout {timeout:g} s with start-up); log {log}")
    with open(log, "w") as err:
        proc = subprocess.Popen(
            argv,
            stdout=err,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            cwd=REPO,
            env={**os.environ, **CHILD_ENV},
            start_new_session=True,
        )
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            stop(proc)
            raise ScaleError(f"{n} islands: no result within {timeout:g} s (raise --timeout?); {log} ends:\n"
                             f"{log_tail(log)}") from None  # fmt: skip
        except BaseException:
            stop(proc)
            raise
    if proc.returncode != 0 or not (out_dir / RESULT).is_file():
        raise ScaleError(f"{n} islands: the run failed (exit {proc.returncode}); {log} ends:\n{log_tail(log)}")
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


def derive(r: dict) -> dict:
    """Per-run figures from a measurement."""
    n, wall = r["islands"], r["search_wall"]
    full = [c for c in r["checkpoints"] if c["during_search"] and c["islands_in_it"] == n]
    worker_cores = r["workers_cpu_seconds"] / wall if wall > 0 else 0.0
    messages_per_s = r["messages"] / r["search_seconds"] if r["search_seconds"] > 0 else 0.0
    loop_cpu = r["driver_cpu_seconds"] - r["driver_cpu_in_checkpoints"] - r["driver_cpu_in_snapshot_gather"]
    last = full[-1] if full else None
    peak = r["driver_peak_rss_search"] or r["driver_peak_rss_lifetime"]
    return {
        "islands": n,
        "driver_cpu_share": r["driver_cpu_share"],
        "driver_peak_rss": peak,
        "messages_per_second": messages_per_s,
        "worker_cores": worker_cores,
        "messages_per_second_per_worker_core": messages_per_s / worker_cores if worker_cores > 0 else None,
        "driver_cpu_per_message": loop_cpu / r["messages"] if r["messages"] else None,
        "checkpoints": len(full),
        "checkpoint_bytes": last["bytes"] if last else None,
        "checkpoint_bytes_per_island": last["bytes"] / n if last else None,
        "checkpoint_seconds_mean": statistics.mean(c["seconds"] for c in full) if full else None,
        "checkpoint_seconds_max": max(c["seconds"] for c in full) if full else None,
        "checkpoint_write_bytes_per_second": (
            sum(c["bytes"] for c in full) / sum(c["seconds"] for c in full)
            if full and sum(c["seconds"] for c in full) > 0
            else None
        ),
        "snapshot_gather_seconds_per_checkpoint": r["snapshot_gather_seconds"] / len(full) if full else None,
        "ray_head_cpu_share": sum(r["ray_head_cpu_seconds"].values()) / wall if wall > 0 else 0.0,
        "individuals_per_second": r["individuals"] / r["search_seconds"] if r["search_seconds"] > 0 else 0.0,
    }


def fit_line(points: list[tuple[float, float]]) -> tuple[float, float]:
    """Least-squares (intercept, slope); one x value only: (mean y, 0)."""
    xs = [p[0] for p in points]
    if len(set(xs)) < 2:
        return statistics.mean(p[1] for p in points), 0.0
    mx, my = statistics.mean(xs), statistics.mean(p[1] for p in points)
    slope = sum((x - mx) * (y - my) for x, y in points) / sum((x - mx) ** 2 for x in xs)
    return my - slope * mx, slope


def first_crossing(f, limit: float, top: int = 10**7) -> int | None:
    """The smallest N >= 1 with f(N) > limit (f rising in N), None if not up to ``top``."""
    if f(top) <= limit:
        return None
    lo, hi = 0, top  # f(lo) <= limit < f(hi)
    if f(1) > limit:
        return 1
    lo = 1
    while hi - lo > 1:
        mid = (lo + hi) // 2
        lo, hi = (mid, hi) if f(mid) <= limit else (lo, mid)
    return hi


def extrapolate(
    rows: list[dict], runs: list[dict], default: dict, measured_settings: dict, target: int, memory_limit: float
) -> dict:
    """The model (see the module docstring), at the run's settings and at the experiment's defaults."""
    full = [row for row in rows if row["checkpoints"]]
    per_core = [
        row["messages_per_second_per_worker_core"] for row in rows if row["messages_per_second_per_worker_core"]
    ]
    msg_rate_core = statistics.mean(per_core) if per_core else 0.0
    a, c = fit_line([(row["islands"], row["driver_cpu_per_message"]) for row in rows if row["driver_cpu_per_message"]])
    if c < 0:  # noise: a per-message cost falling with N is not a model to extrapolate
        a, c = statistics.mean(row["driver_cpu_per_message"] for row in rows if row["driver_cpu_per_message"]), 0.0
    write_rate = (
        (
            sum(row["checkpoint_bytes"] * row["checkpoints"] for row in full)
            / sum(row["checkpoint_seconds_mean"] * row["checkpoints"] for row in full)
        )
        if full
        else None
    )
    gather_per_island = (
        statistics.mean(row["snapshot_gather_seconds_per_checkpoint"] / row["islands"] for row in full) if full else 0.0
    )
    bytes_island_run = statistics.mean(row["checkpoint_bytes_per_island"] for row in full) if full else None
    base = statistics.mean(r["driver_rss_before_search"] for r in runs)
    m0, k = fit_line([(row["islands"], row["driver_peak_rss"]) for row in rows])
    if len({row["islands"] for row in rows}) < 2 or k <= 0:  # one N: from the RSS before its search
        m0 = base
        k = statistics.mean((row["driver_peak_rss"] - base) / row["islands"] for row in rows)
    copies = k / bytes_island_run if bytes_island_run else None  # checkpoint-sized copies the driver holds at its peak
    pinned_run = statistics.mean(r["object_store"]["snapshot_bytes_held"] / r["islands"] for r in runs)
    capacities = [r["object_store"]["capacity"] for r in runs if r["object_store"]["capacity"]]
    store_capacity = min(capacities) if capacities else None

    def scenario(name: str, report_every: int, bytes_island: float | None, checkpoint_period: float,
                 pinned_island: float) -> dict:  # fmt: skip
        batch_scale = measured_settings["report_every"] / report_every  # messages per island scale as 1/report_every

        def messages(n):
            return n * msg_rate_core * batch_scale

        def checkpoint_s(n):
            return n * ((bytes_island / write_rate if write_rate and bytes_island else 0.0) + gather_per_island)

        def cpu(n):
            busy = checkpoint_s(n) / (checkpoint_period + checkpoint_s(n))
            return messages(n) * (a + c * n) * (1 - busy) + busy

        def memory(n):
            per = copies * bytes_island if copies and bytes_island else k
            return m0 + n * per

        at = {
            "islands": target,
            "messages_per_second": messages(target),
            "driver_cpu_share": cpu(target),
            "checkpoint_bytes": None if bytes_island is None else target * bytes_island,
            "checkpoint_seconds": checkpoint_s(target),
            "driver_memory_bytes": memory(target),
            "snapshots_pinned_in_object_store_bytes": target * pinned_island,
        }
        limits = {
            f"driver CPU > {CPU_LIMIT:g} core": first_crossing(cpu, CPU_LIMIT),
            f"checkpoint > {CHECKPOINT_LIMIT_S:g} s": first_crossing(checkpoint_s, CHECKPOINT_LIMIT_S),
            f"driver memory > {memory_limit / GIB:.0f} GiB": first_crossing(memory, memory_limit),
        }
        if store_capacity:  # the driver keeps every island's snapshot pinned there between checkpoints
            limits[f"snapshots > Ray object store ({store_capacity / MIB:.0f} MiB): spilling"] = first_crossing(
                lambda n: n * pinned_island, store_capacity
            )
        crossed = sorted((n, what) for what, n in limits.items() if n is not None)
        return {
            "name": name,
            "report_every": report_every,
            "checkpoint_bytes_per_island": bytes_island,
            "checkpoint_period_seconds": checkpoint_period,
            "at_target": at,
            "limits_crossed_at": limits,
            "breaks_first": None if not crossed else {"what": crossed[0][1], "islands": crossed[0][0]},
        }

    default_bytes = default["npz_bytes"] + 2 * default["migrant_round_bytes"]
    return {
        "model": {
            "messages_per_second_per_island_core": msg_rate_core,
            "driver_cpu_per_message_intercept": a,
            "driver_cpu_per_message_per_island": c,
            "checkpoint_write_bytes_per_second": write_rate,
            "snapshot_gather_seconds_per_island": gather_per_island,
            "driver_memory_intercept": m0,
            "driver_memory_per_island_measured": k,
            "driver_memory_checkpoint_copies": copies,
            "object_store_capacity": store_capacity,
            "snapshot_bytes_pinned_per_island": pinned_run,
        },
        "scenarios": [
            scenario(
                f"as measured (report_every {measured_settings['report_every']:,}, checkpoint every "
                f"{measured_settings['checkpoint_seconds']:g} s)",
                measured_settings["report_every"],
                bytes_island_run,
                measured_settings["checkpoint_seconds"],
                pinned_run,
            ),
            scenario(
                f"experiment defaults (report_every {default['report_every']:,}, population "
                f"{default['population']:,}, FEC {default['fec_capacity']:,}, checkpoint every "
                f"{default['checkpoint_seconds']:g} s)",
                default["report_every"],
                default_bytes,
                default["checkpoint_seconds"],
                default["array_bytes"],
            ),
        ],
    }


def fmt(x, spec: str = ".2f", scale: float = 1.0) -> str:
    return "-" if x is None else format(x / scale, spec)


def report(rows: list[dict], runs: list[dict], default: dict, extra: dict, target: int, memory_limit: float) -> None:
    print(f"\ndriver at scale: {os.cpu_count()} CPUs here, islands oversubscribed; per island count:")
    head = (
        f"{'islands':>7} {'search s':>8} {'drv CPU':>7} {'drv peak':>10} {'msgs/s':>7} {'msg/s/core':>10} "
        f"{'ckpts':>5} {'ckpt MiB':>8} {'MiB/isl.':>8} {'ckpt s':>7} {'max s':>6} {'gather s':>8} "
        f"{'ray CPU':>7} {'wrk cores':>9} {'indiv/s':>8}"
    )
    print(head)
    print("-" * len(head))
    for row, r in zip(rows, runs):
        print(
            f"{row['islands']:>7} {r['search_wall']:>8.1f} {row['driver_cpu_share']:>7.2f} "
            f"{fmt(row['driver_peak_rss'], '.0f', MIB):>6} MiB {row['messages_per_second']:>7.0f} "
            f"{fmt(row['messages_per_second_per_worker_core'], '.0f'):>10} {row['checkpoints']:>5} "
            f"{fmt(row['checkpoint_bytes'], '.1f', MIB):>8} {fmt(row['checkpoint_bytes_per_island'], '.2f', MIB):>8} "
            f"{fmt(row['checkpoint_seconds_mean'], '.3f'):>7} {fmt(row['checkpoint_seconds_max'], '.2f'):>6} "
            f"{fmt(row['snapshot_gather_seconds_per_checkpoint'], '.3f'):>8} {row['ray_head_cpu_share']:>7.2f} "
            f"{row['worker_cores']:>9.2f} {row['individuals_per_second']:>8.0f}"
        )
    print(
        "drv CPU: driver CPU s / search wall s; drv peak: its peak RSS during the search; msgs/s: island batches "
        "back per s; msg/s/core: per core the workers used (wrk cores); ckpt: full checkpoints during the search "
        "(mean and max s in Run._checkpoint); gather s: collecting the snapshots before one; ray CPU: Ray's own "
        "processes (GCS, raylet, agents)"
    )
    for r in runs:
        store = r["object_store"]
        print(
            f"{r['islands']} islands at the end: the driver holds {store['snapshot_bytes_held'] / MIB:.1f} MiB of "
            f"snapshots, {store['snapshot_arrays_large_read_only']} of their {store['snapshot_arrays_large']} large "
            f"arrays read-only (zero-copy views pinned in Ray's object store, capacity "
            f"{fmt(store['capacity'], '.0f', MIB)} MiB); Ray: {store['summary']}"
        )
    s = runs[0]["settings"]
    print(
        f"settings: report_every {s['report_every']:,}, migrate_every {s['islands.migrate_every']:,}, population "
        f"{s['population']:,}, FEC capacity {s['fec.capacity']:,}, checkpoint every {s['checkpoint_seconds']:g} s"
    )

    print(
        f"\none island's share of a checkpoint at the experiment's defaults (population {default['population']:,}, "
        f"FEC capacity {default['fec_capacity']:,}): {default['npz_bytes'] / MIB:.2f} MiB as .npz "
        f"(FEC {default['fec_bytes'] / MIB:.2f} MiB, population {default['population_bytes'] / MIB:.2f} MiB), "
        f"plus {default['migrant_round_bytes'] / 1024:.0f} KiB per round of its migrants the driver still holds"
    )
    top = sorted(default["arrays"].items(), key=lambda kv: -kv[1])[:6]
    print("  largest arrays: " + ", ".join(f"{k} {v / MIB:.2f} MiB" for k, v in top))

    m = extra["model"]
    print(
        f"\nextrapolation to {target:,} islands, each on a core of its own. Model: checkpoint bytes = N x bytes per "
        f"island; checkpoint s = N x (bytes per island / {fmt(m['checkpoint_write_bytes_per_second'], '.0f', MIB)} "
        f"MiB/s measured + {m['snapshot_gather_seconds_per_island'] * 1000:.2f} ms snapshot gather per island); "
        f"messages/s = N x {m['messages_per_second_per_island_core']:.0f} per island-core x (measured "
        f"report_every / report_every); driver CPU = messages/s x ({m['driver_cpu_per_message_intercept'] * 1e6:.0f} "
        f"+ {m['driver_cpu_per_message_per_island'] * 1e6:.3f} x N) us per message outside checkpoints, plus the "
        f"time in checkpoints; driver memory = {m['driver_memory_intercept'] / MIB:.0f} MiB + N x "
        f"{fmt(m['driver_memory_checkpoint_copies'], '.1f')} x checkpoint bytes per island "
        f"(measured: {m['driver_memory_per_island_measured'] / MIB:.2f} MiB per island)"
    )
    if len({row["islands"] for row in rows}) < 2:
        print(
            "  (one island count measured: the per-message CPU is taken as constant in N; measure two to fit its "
            "growth)"
        )
    for sc in extra["scenarios"]:
        at = sc["at_target"]
        print(f"- {sc['name']}:")
        print(
            f"    at {target:,}: {at['messages_per_second']:,.0f} messages/s, driver CPU {at['driver_cpu_share']:.2f} "
            f"cores, checkpoint {fmt(at['checkpoint_bytes'], '.2f', GIB)} GiB in {at['checkpoint_seconds']:.1f} s, "
            f"driver memory {at['driver_memory_bytes'] / GIB:.2f} GiB, snapshots pinned in the object store "
            f"{at['snapshots_pinned_in_object_store_bytes'] / GIB:.2f} GiB"
        )
        crossings = ", ".join(
            f"{what} at {n:,} islands" if n else f"{what}: not up to 10M islands"
            for what, n in sc["limits_crossed_at"].items()
        )
        first = sc["breaks_first"]
        verdict = "nothing up to 10M islands" if first is None else f"{first['what']} at {first['islands']:,} islands"
        print(f"    limits: {crossings}\n    breaks first: {verdict}")
    print(
        f"(memory limit: {memory_limit / GIB:.1f} GiB, --memory-limit-gb; CPU limit: one core, the driver's loop "
        "is one Python thread)"
    )


# ---- command line --------------------------------------------------------------------------------


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], epilog="See the module docstring.")
    parser.add_argument("--islands", default="32,64", help="comma-separated island counts (default 32,64)")
    parser.add_argument("--seconds", type=float, default=30.0, help="search seconds per run (default 30)")
    parser.add_argument("--report-every", type=int, default=200, help="individuals per batch (default 200)")
    parser.add_argument("--migrate-every", type=int, help="individuals between migrations (default 50 x report-every)")
    parser.add_argument("--checkpoint-seconds", type=float, default=5.0, help="seconds between checkpoints (default 5)")
    parser.add_argument("--population", type=int, help="population per island (default: the experiment's)")
    parser.add_argument("--fec-capacity", type=int, help="FEC entries per island (default: the experiment's)")
    parser.add_argument("--experiment", default="linear_regression", help="zero experiment (default linear_regression)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--target", type=int, default=1000, help="island count to extrapolate to (default 1000)")
    parser.add_argument("--memory-limit-gb", type=float, help="driver memory limit (default: this machine's memory)")
    parser.add_argument("--timeout", type=float, help="seconds per run with start-up (default 180 + seconds + 6 x N)")
    parser.add_argument("--out", help="keep the runs here (default: a temporary folder, removed)")
    parser.add_argument("--json", action="store_true", help="also print every figure as one JSON object")
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)  # internal: one island count, in this process
    args = parser.parse_args(argv)
    try:
        args.islands = [int(x) for x in args.islands.split(",") if x.strip()]
    except ValueError:
        parser.error(f"--islands {args.islands!r}: comma-separated integers expected")
    if not args.islands or min(args.islands) < 2:
        parser.error("--islands: counts of at least 2 (one island runs without Ray)")
    if args.seconds <= 0 or args.report_every < 1 or args.checkpoint_seconds <= 0:
        parser.error("--seconds and --checkpoint-seconds must be > 0, --report-every >= 1")
    if args.migrate_every is None:
        args.migrate_every = 50 * args.report_every
    if args.migrate_every % args.report_every:
        parser.error("--migrate-every must be a multiple of --report-every")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.one is not None:
        return child_main(args.one, args)
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
        base = experiment_mod.load(args.experiment)
        default = island_bytes(base)
        measured_settings = {"report_every": args.report_every, "checkpoint_seconds": args.checkpoint_seconds}
        memory_limit = args.memory_limit_gb * GIB if args.memory_limit_gb else (memory_total() or 64 * GIB)
        if args.out:
            out = Path(args.out).resolve()
            out.mkdir(parents=True, exist_ok=True)
        else:
            cleanup = tempfile.TemporaryDirectory(prefix="driver_scale-")
            out = Path(cleanup.name)
        runs = [run_child(n, args, out / f"islands-{n}") for n in args.islands]
        rows = [derive(r) for r in runs]
        extra = extrapolate(rows, runs, default, measured_settings, args.target, memory_limit)
        report(rows, runs, default, extra, args.target, memory_limit)
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
        print(
            json.dumps(
                {
                    "runs": runs,
                    "rows": rows,
                    "default_island": default,
                    "extrapolation": extra,
                    "context": {
                        "cpus": os.cpu_count(),
                        "memory_limit": memory_limit,
                        "target": args.target,
                        "time": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
                    },
                }
            )
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
