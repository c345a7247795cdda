#!/usr/bin/env python3
"""Parallel speedup of one fixed search: the same run on 1 core and on N cores.

``zero bench --workers 1,2`` compares a one-island run with a two-island run. Those are different
searches: each island evolves its own programs (other sizes, another FEC hit rate), so their
individuals/s differ for reasons that have nothing to do with parallelism, and over a 10-s window
the ratio moves by 10-20% from one window length to the next. This harness removes that: it runs
the *same* search (the same experiment, seed, island count and individual budget, which fix every
program evolved, since a run's outcome never depends on timing) once pinned to one core and once
to N cores, alternating, and reports the ratio of the search times. It checks that the runs are
the same search (individuals, evaluations and final fitness equal) and says so if not.

Each run is ``zero run EXPERIMENT --workers K --seed S --max-individuals M --set
stop.select_fitness=null`` with K islands (the largest core count asked for), started under
``taskset -c 0..C-1`` for C cores, so the driver, Ray's own processes and every island share those
cores. Its search time is ``seconds`` from the run's ``final.json``. Standard library only.

    python benchmarks/same_search_scaling.py                      # 1 and 2 cores, 2 islands, 2 rounds
    python benchmarks/same_search_scaling.py --cores 1,2 --individuals 8000000 --rounds 3
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from side_by_side import CHILD_ENV, HarnessError, find_zero  # this folder: the harnesses find zero alike


def run_once(zero: Path, cores: int, islands: int, args: argparse.Namespace, workdir: Path) -> dict:
    out = workdir / f"c{cores}"
    shutil.rmtree(out, ignore_errors=True)
    command = ["taskset", "-c", f"0-{cores - 1}", str(zero), "run", args.experiment, "--workers", str(islands),
               "--seed", str(args.seed), "--max-individuals", str(args.individuals), "--set", "stop.select_fitness=null",
               "--out", str(out)]  # fmt: skip
    done = subprocess.run(command, check=False, capture_output=True, text=True, env={**os.environ, **CHILD_ENV})
    if done.returncode != 0:
        sys.exit(f"{' '.join(command)} failed ({done.returncode}):\n{done.stderr[-2000:]}")
    final = json.loads((out / "final.json").read_text())
    return {key: final[key] for key in ("individuals", "seconds", "evaluations", "final_fitness", "stopped")}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cores", default="1,2", help="core counts to compare, the first the baseline (default 1,2)")
    parser.add_argument("--experiment", default="linear_regression", help="experiment name or YAML (default: the demo)")
    parser.add_argument("--individuals", type=int, default=4_000_000, help="the run's budget (default 4,000,000)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--rounds", type=int, default=2, help="alternations of all core counts (default 2)")
    parser.add_argument("--zero", help="the zero CLI (default: `zero` on PATH, else .venv/bin/zero)")
    parser.add_argument("--json", action="store_true", help="also print every figure as one JSON object")
    args = parser.parse_args()
    cores = [int(c) for c in args.cores.split(",")]
    available = len(os.sched_getaffinity(0))
    if min(cores) < 1 or max(cores) > available:
        sys.exit(f"--cores {args.cores}: this machine lets the harness use {available} cores")
    try:
        zero = find_zero(args.zero)
    except HarnessError as e:
        sys.exit(str(e))
    islands = max(cores)
    rows: list[dict] = []
    with tempfile.TemporaryDirectory() as tmp:
        for r in range(args.rounds):
            for c in cores if r % 2 == 0 else reversed(cores):
                row = {"round": r + 1, "cores": c, **run_once(zero, c, islands, args, Path(tmp))}
                rows.append(row)
                print(f"round {row['round']}: {c} core(s), {islands} islands: {row['individuals']:,} individuals "
                      f"in {row['seconds']:.2f} s ({row['evaluations']:,} evaluations)", file=sys.stderr)  # fmt: skip
    same = len({(r["individuals"], r["evaluations"], r["final_fitness"]) for r in rows}) == 1
    median = {c: statistics.median(r["seconds"] for r in rows if r["cores"] == c) for c in cores}
    base = cores[0]
    print(f"\nsame search on {', '.join(map(str, cores))} cores: {args.experiment}, seed {args.seed}, {islands} islands, "
          f"{args.individuals:,} individuals, {args.rounds} rounds")  # fmt: skip
    print(f"{'cores':>5} {'median s':>9} {'individuals/s':>14} {'speedup':>8} {'per core':>9}")
    for c in cores:
        speedup = median[base] / median[c]
        print(f"{c:>5} {median[c]:>9.2f} {args.individuals / median[c]:>14,.0f} {speedup:>7.2f}x {speedup * base / c:>8.0%}")
    print("the runs are the same search (individuals, evaluations and final fitness equal)" if same else
          "WARNING: the runs differ (individuals, evaluations or final fitness): the ratio compares different searches")  # fmt: skip
    if args.json:
        print(json.dumps({"rows": rows, "median_seconds": median, "same_search": same}))


if __name__ == "__main__":
    main()
