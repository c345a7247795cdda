"""Before and after, side by side: this checkout against an earlier commit of zero, in one sitting.

Speed figures do not carry from one machine to another, so a speed-up is measured here as a ratio
of two codes run alternately on the same core. The earlier commit is extracted with ``git archive``
into a temporary folder and imported from there (``PYTHONPATH``) by this checkout's Python, so both
run with the same numpy, numba and Python; each tree keeps its own compile cache.

Two modes:

- ``interpreter``: the ``zero bench`` interpreter row (``zero.bench.interpreter_speed``: random
  programs of a space on 10 linear tasks) for one space and feature size. Prints, per round, the
  earlier commit's instructions/s and evaluations/s, this checkout's on the same pool, and, where
  this checkout has it, the row as the search evaluates programs (dead code removed first).
- ``search``: ``zero run EXPERIMENT --workers 1 --seed S`` for a time window in each tree, on an
  experiment file both can read (``stop.max_seconds`` is written into a temporary copy, since an
  earlier CLI may have no ``--set``); individuals/s from each run's ``final.json``. Round r uses seed
  S + r - 1 in both; the two searches may still differ where the random stream changed between
  the commits, so read several rounds.

Run from the repository root with the project's Python, with nothing else CPU-heavy running::

    .venv/bin/python benchmarks/before_after.py interpreter --commit 5660480 --space paper_full --feature-size 16
    .venv/bin/python benchmarks/before_after.py search --commit 5660480 --experiment EXP.yaml --seconds 30
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
# one thread per process, as the side-by-side harness sets for its children
THREADS = {k: "1" for k in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS", "NUMBA_NUM_THREADS")}

INTERPRETER_ROW = """
import json, sys
from zero import bench
from zero.lang import space as search_space
space, feature_size, seconds = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
sizes = tuple(c.max_size for c in search_space.load("baseline").components()) if space == "paper_full" else None
row = bench.interpreter_speed(space, feature_size, sizes, seconds)
print(json.dumps(row))
"""


def extract(commit: str, into: Path) -> Path:
    """The tree of ``commit`` (this repository's history) written under ``into``."""
    tree = into / commit
    tree.mkdir(parents=True)
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", commit], capture_output=True, check=False)
    if archive.returncode != 0:
        sys.exit(f"before_after: git archive {commit}: {archive.stderr.decode().strip()}")
    subprocess.run(["tar", "-x", "-C", str(tree)], input=archive.stdout, check=True)
    return tree


def child_env(tree: Path) -> dict[str, str]:
    """Import zero from ``tree``; its compile cache stays its own (no shared cache folder)."""
    env = {k: v for k, v in os.environ.items() if k not in ("ZERO_CACHE_DIR", "NUMBA_CACHE_DIR", "PYTHONPATH")}
    env.update(THREADS, PYTHONPATH=str(tree))
    if tree != ROOT:
        env["ZERO_CACHE_DIR"] = str(tree / ".cache")  # read by newer trees; older ones cache beside the source
    return env


def pinned(core: int, command: list[str]) -> list[str]:
    return ["taskset", "-c", str(core), *command]


def interpreter_round(tree: Path, args) -> dict:
    done = subprocess.run(
        pinned(args.core, [sys.executable, "-c", INTERPRETER_ROW, args.space, str(args.feature_size), str(args.seconds)]),
        cwd=tree, env=child_env(tree), capture_output=True, text=True, check=False,
    )  # fmt: skip
    if done.returncode != 0:
        sys.exit(f"before_after: the interpreter row failed in {tree}:\n{done.stderr[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def search_round(tree: Path, experiment: Path, seed: int, out: Path, args) -> dict:
    command = [sys.executable, "-m", "zero.cli", "run", str(experiment), "--workers", "1", "--seed", str(seed),
               "--out", str(out)]  # fmt: skip
    done = subprocess.run(pinned(args.core, command), cwd=tree, env=child_env(tree), capture_output=True, text=True,
                          check=False)  # fmt: skip
    if done.returncode != 0:
        sys.exit(f"before_after: zero run failed in {tree}:\n{done.stderr[-2000:]}")
    final = json.loads((out / "final.json").read_text())
    return {"individuals": final["individuals"], "seconds": final["seconds"],
            "individuals_per_second": final["individuals"] / final["seconds"]}  # fmt: skip


def summary(name: str, ratios: list[float]) -> str:
    return f"{name}: median {statistics.median(ratios):.2f}x (range {min(ratios):.2f}-{max(ratios):.2f}x)"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("mode", choices=("interpreter", "search"))
    parser.add_argument("--commit", required=True, help="the earlier commit (any git revision of this repository)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--core", type=int, default=1)
    parser.add_argument(
        "--seconds",
        type=float,
        default=None,
        help="per figure (interpreter, default 3) or search window (search, default 30)",
    )
    parser.add_argument("--space", default="paper_full")
    parser.add_argument("--feature-size", type=int, default=16)
    parser.add_argument("--experiment", type=Path, help="search mode: an experiment file both commits can read")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--json", action="store_true", help="also print every figure as one JSON object")
    args = parser.parse_args(argv)
    if args.seconds is None:
        args.seconds = 3.0 if args.mode == "interpreter" else 30.0
    if args.mode == "search" and args.experiment is None:
        parser.error("search mode needs --experiment")
    rows = []
    with tempfile.TemporaryDirectory() as scratch:
        before = extract(args.commit, Path(scratch))
        trees = (("before", before), ("after", ROOT))
        experiment = None
        if args.mode == "search":
            config = yaml.safe_load(args.experiment.read_text())
            config.setdefault("stop", {})["max_seconds"] = args.seconds
            experiment = Path(scratch) / args.experiment.name
            experiment.write_text(yaml.safe_dump(config, sort_keys=False))
            for name, tree in trees:  # untimed: compiles each tree's kernels into its cache
                warm = dict(config, stop={**config["stop"], "max_seconds": 2})
                (Path(scratch) / "warm.yaml").write_text(yaml.safe_dump(warm, sort_keys=False))
                search_round(tree, Path(scratch) / "warm.yaml", args.seed, Path(scratch) / f"warm-{name}", args)
        for r in range(args.rounds):
            order = trees if r % 2 == 0 else trees[::-1]  # alternate who goes first
            row = {"round": r + 1}
            for name, tree in order:
                if args.mode == "interpreter":
                    row[name] = interpreter_round(tree, args)
                else:
                    out = Path(scratch) / f"{name}-{r}"
                    row[name] = search_round(tree, experiment, args.seed + r, out, args)
            rows.append(row)
            print(describe(args.mode, row), flush=True)
    print(conclude(args.mode, rows))
    if args.json:
        print(json.dumps({"mode": args.mode, "commit": args.commit, "rows": rows}))
    return 0


def describe(mode: str, row: dict) -> str:
    b, a = row["before"], row["after"]
    if mode == "search":
        return (f"round {row['round']}: before {b['individuals_per_second']:,.0f} individuals/s, "
                f"after {a['individuals_per_second']:,.0f} ({a['individuals_per_second'] / b['individuals_per_second']:.2f}x)")  # fmt: skip
    text = (f"round {row['round']}: before {b['instructions_per_second'] / 1e6:.1f} M instr/s "
            f"({b['evaluations_per_second']:,.0f} evals/s); after, whole programs {a['instructions_per_second'] / 1e6:.1f} "
            f"M instr/s ({a['evaluations_per_second']:,.0f} evals/s)")  # fmt: skip
    live = a.get("dead_code_removed")
    if live:
        text += (f"; after, dead code removed {live['evaluations_per_second']:,.0f} evals/s "
                 f"({live['program_instructions_per_second'] / 1e6:.1f} M program instr/s)")  # fmt: skip
    return text


def conclude(mode: str, rows: list[dict]) -> str:
    if mode == "search":
        return summary(
            "individuals/s, after / before",
            [r["after"]["individuals_per_second"] / r["before"]["individuals_per_second"] for r in rows],
        )
    lines = [
        summary(
            "whole programs, instructions/s after / before",
            [r["after"]["instructions_per_second"] / r["before"]["instructions_per_second"] for r in rows],
        )
    ]
    if all("dead_code_removed" in r["after"] for r in rows):
        lines.append(summary("as the search evaluates them (dead code removed), evaluations/s after / before",
                             [r["after"]["dead_code_removed"]["evaluations_per_second"]
                              / r["before"]["evaluations_per_second"] for r in rows]))  # fmt: skip
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
