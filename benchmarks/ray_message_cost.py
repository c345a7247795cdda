#!/usr/bin/env python3
"""Ray's cost per message in the search driver, without evolution and without oversubscribed cores.

``driver_scale.py``'s Ray mode measures Ray's cost per message with dozens of islands sharing this
machine's cores, so its figure includes their contention. This script measures the same path with
islands that do no work: ``--actors`` Ray actors (default 4) whose ``advance`` returns at once a
:class:`zero.search.island.Batch` carrying R rounds of migrants, while the driver process calls
them in a loop as :class:`zero.search.ray_pool.RayIslands` does (``ray.wait`` on every call in
flight, ``ray.get`` of the one back, a new call carrying R rounds of immigrants). The migrants have
the experiment's shapes (``islands.migrants`` programs of the population's row count), so the bytes
per message are a real run's at R rounds each way: a call spanning R migration counts
(``islands.migration_lag``) sends R rounds and takes in R.

It prints, per R in ``--rounds``, the driver process's CPU per message (``getrusage``, all threads:
Ray's client calls, its threads and the unpickling) and messages per second, twice
(``--repeats``), alternating. The figure at the R a configuration gives is what
``driver_scale.py --ray-ms-per-message`` takes for its 1,000-island model.

    .venv/bin/python benchmarks/ray_message_cost.py                       # R = 0, 1, 8; linear_regression
    .venv/bin/python benchmarks/ray_message_cost.py --rounds 1,4 --experiment nonlinear
"""

from __future__ import annotations

import argparse
import os
import pickle
import resource
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def migrants_of(k: int, rows: int, seed: int):
    """``k`` programs of ``rows`` rows with random contents, as a round of migrants (only the bytes matter)."""
    from zero.search.evolution import Migrants

    rng = np.random.default_rng(seed)
    bounds = np.tile(np.array([0, rows // 4, rows // 2, rows], np.int64), (k, 1))
    return Migrants(rng.integers(0, 64, (k, rows, 4), dtype=np.int32), rng.random((k, rows, 3)), bounds, rng.random(k))


def measure(actors, immigrants: dict, messages: int) -> tuple[float, float]:
    """Driver CPU seconds per message and messages per second over ``messages`` calls."""
    import ray

    pending = {actor.advance.remote(immigrants): actor for actor in actors}
    ray.get(list(pending))  # every actor up and its first call back before the clock starts
    pending = {actor.advance.remote(immigrants): actor for actor in actors}
    before, started = resource.getrusage(resource.RUSAGE_SELF), time.perf_counter()
    for _ in range(messages):
        done, _ = ray.wait(list(pending), num_returns=1)
        actor = pending.pop(done[0])
        batch = ray.get(done[0])
        assert len(batch.migrants) == len(immigrants)
        pending[actor.advance.remote(immigrants)] = actor
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_SELF)
    cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
    ray.get(list(pending))
    return cpu / messages, messages / wall


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", default="0,1,8", help="rounds of migrants each way per message (default 0,1,8)")
    parser.add_argument("--actors", type=int, default=4, help="idle island actors (default 4)")
    parser.add_argument("--messages", type=int, default=2000, help="messages per measurement (default 2000)")
    parser.add_argument("--repeats", type=int, default=2, help="measurements per R, alternated (default 2)")
    parser.add_argument("--experiment", default="linear_regression", help="whose migrants (default linear_regression)")
    opts = parser.parse_args(argv)
    try:
        rounds = [int(r) for r in opts.rounds.split(",")]
    except ValueError:
        parser.error(f"--rounds {opts.rounds}: expected comma-separated integers")
    if any(r < 0 for r in rounds) or opts.actors < 1 or opts.messages < 1 or opts.repeats < 1:
        parser.error("--rounds must be >= 0; --actors, --messages and --repeats >= 1")

    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
    import ray

    from zero.search import experiment as experiment_mod
    from zero.search.island import Batch
    from zero.search.mutation_kernels import capacity as program_capacity

    exp = experiment_mod.load(opts.experiment)
    k, rows = exp.config["islands"]["migrants"], program_capacity(exp.space)  # a population's rows per program

    @ray.remote(num_cpus=0)
    class IdleIsland:
        def __init__(self, count: int):
            self.sent = {r: migrants_of(k, rows, r) for r in range(1, count + 1)}

        def advance(self, immigrants: dict) -> Batch:
            return Batch(island=0, individuals=0, seconds=0.0, best_fitness=0.0, mean_fitness=0.0, fec_hit_rate=0.0,
                         evaluations=0, hurdle_stops=0, restarted=False, immigrants=len(immigrants),
                         migrants=dict(self.sent))  # fmt: skip

    round_bytes = len(pickle.dumps(migrants_of(k, rows, 0), protocol=5))
    print(f"{opts.experiment}: a round of migrants is {k} programs of {rows} rows, {round_bytes / 1024:.0f} KiB; "
          f"{opts.actors} idle actors, {opts.messages} messages per measurement, {os.cpu_count()} CPUs here")  # fmt: skip
    ray.init(num_cpus=max(opts.actors, os.cpu_count() or 1), include_dashboard=False, logging_level="WARNING",
             object_store_memory=256 * 2**20)  # fmt: skip
    try:
        results: dict[int, list[tuple[float, float]]] = {r: [] for r in rounds}
        for _ in range(opts.repeats):
            for r in rounds:
                actors = [IdleIsland.remote(r) for _ in range(opts.actors)]
                immigrants = {100 + i: migrants_of(k, rows, 100 + i) for i in range(r)}
                results[r].append(measure(actors, immigrants, opts.messages))
                for actor in actors:
                    ray.kill(actor)
    finally:
        ray.shutdown()
    print(f"{'rounds each way':>16} {'KiB in+out':>11} {'driver CPU per message, us':>28} {'messages/s':>12}")
    for r in rounds:
        cpus = ", ".join(f"{1e6 * c:,.0f}" for c, _ in results[r])
        rates = ", ".join(f"{m:,.0f}" for _, m in results[r])
        print(f"{r:>16} {2 * r * round_bytes / 1024:>11,.0f} {cpus:>28} {rates:>12}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
