"""Where one individual's time goes: ``zero bench --profile``.

Two parts, both on one core of this machine:

- **The compiled loop**, stage by stage (:data:`zero.search.evolution_kernels.STAGES`: tournament,
  copy and mutation; dead-code removal; FEC fingerprint; FEC lookup; evaluation with the hurdle;
  FEC insert; replacement). The loop reads the CPU's cycle counter at each stage boundary
  (:meth:`zero.search.evolution.Evolution.profile`; an unprofiled run does not read it), and the
  cycles are turned into nanoseconds by timing the whole profiled run with
  :func:`time.perf_counter`. The population is filled first, so the figures are those of a running
  search, not of its initialisation. The profiler's own cost is reported (the same number of
  individuals run again from the same state, unprofiled).
- **Python per batch**, from a real run of the driver in this process: the island's batch of
  ``report_every`` individuals (the compiled loop), scoring candidates afresh on the search and
  select tasks, the driver's own work (logs, champion choice), and one checkpoint (every island's
  snapshot written to disk), amortized per individual over ``checkpoint_seconds``.

Every figure is measured; none is estimated from another machine.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import numpy as np

from zero.search import evolution_kernels
from zero.search.driver import Run
from zero.search.experiment import load
from zero.search.island import Island
from zero.search.pool import LocalIslands

DEFAULT_EXPERIMENTS = ("linear_regression", "digits_binary")


def loop_profile(experiment: str, seconds: float, seed: int = 0, chunk: int = 2_000) -> dict:
    """ns per individual in each stage of the compiled loop (see the module docstring)."""
    exp = load(experiment).with_overrides(**{"islands.count": 1})
    island = Island(exp, 0)
    island.warm_up()
    evo = island.evolution
    evo.run(exp.config["population"] + chunk)  # a full population: a running search
    evo.profile(1)  # compiles the profiled loop before the clock starts
    before = evo.arrays()
    cycles = np.zeros(len(evolution_kernels.STAGES), np.uint64)
    individuals, evaluations, started = 0, evo.evaluations, time.perf_counter()
    while time.perf_counter() - started < seconds:
        cycles += evo.profile(chunk)
        individuals += chunk
    elapsed = time.perf_counter() - started
    evaluated = (evo.evaluations - evaluations) / individuals
    evo.load_arrays(before, "the profiled state")  # the same individuals again, unprofiled
    started = time.perf_counter()
    evo.run(individuals)
    unprofiled = time.perf_counter() - started
    ns_per_cycle = elapsed * 1e9 / max(int(cycles.sum()), 1)
    stages = [{"stage": name, "ns_per_individual": float(c) * ns_per_cycle / individuals, "share": float(c) / max(int(cycles.sum()), 1)}
              for name, c in zip(evolution_kernels.STAGES, cycles)]  # fmt: skip
    return {
        "experiment": experiment, "feature_size": exp.config["feature_size"], "individuals": individuals,
        "ns_per_individual": elapsed * 1e9 / individuals, "unprofiled_ns_per_individual": unprofiled * 1e9 / individuals,
        "evaluated_share": evaluated, "fec_hit_rate": evo.fec_hit_rate, "stages": stages,
    }  # fmt: skip


class _TimedIslands(LocalIslands):
    """The in-process pool, timing each batch call (the island's advance: loop and candidates)."""

    def __init__(self, experiment, count):
        super().__init__(experiment, count)
        self.advance_seconds, self.loop_seconds, self.batches, self.candidates = 0.0, 0.0, 0, 0

    def wait(self):
        started = time.perf_counter()
        island, batch = super().wait()
        self.advance_seconds += time.perf_counter() - started
        self.loop_seconds += batch.seconds
        self.batches += 1
        self.candidates += len(batch.candidates)
        return island, batch


def batch_profile(experiment: str, seconds: float, seed: int = 0) -> dict:
    """ns per individual spent outside the compiled loop, from a real one-island run."""
    exp = load(experiment).with_overrides(**{"islands.count": 1, "seed": seed, "stop.select_fitness": None,
                                             "stop.max_seconds": seconds})  # fmt: skip
    with tempfile.TemporaryDirectory() as tmp:
        pool = _TimedIslands(exp, 1)
        run = Run(exp, Path(tmp) / "run", pool=pool)
        started = time.perf_counter()
        run.search()
        wall = time.perf_counter() - started
        checkpoint_started = time.perf_counter()
        run.checkpoint()
        checkpoint = time.perf_counter() - checkpoint_started
        n = run.individuals
        checkpoint_bytes = sum(f.stat().st_size for f in (Path(tmp) / "run" / "checkpoint").rglob("*") if f.is_file())
    rate = n / pool.loop_seconds
    per = lambda s: s * 1e9 / n  # noqa: E731
    return {
        "experiment": experiment, "individuals": n, "batches": pool.batches, "candidates": pool.candidates,
        "report_every": exp.config["report_every"],
        "loop_ns_per_individual": per(pool.loop_seconds),
        "candidates_ns_per_individual": per(pool.advance_seconds - pool.loop_seconds),
        "driver_ns_per_individual": per(wall - pool.advance_seconds),
        "checkpoint_seconds": checkpoint, "checkpoint_bytes": checkpoint_bytes,
        "checkpoint_ns_per_individual": checkpoint * 1e9 / (exp.config["checkpoint_seconds"] * rate),
    }  # fmt: skip


def profile(experiments=DEFAULT_EXPERIMENTS, seconds: float = 5.0, seed: int = 0) -> list[dict]:
    """:func:`loop_profile` and :func:`batch_profile` of each experiment."""
    return [{"loop": loop_profile(name, seconds, seed), "batch": batch_profile(name, seconds, seed)} for name in experiments]
