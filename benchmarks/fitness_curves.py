"""Fitness curves of several runs in one figure: the best search fitness and the best select
fitness against individuals, one colour per run (e.g. the seeds of one experiment in
docs/results.md). Everything is read from each run's ``progress.jsonl``.

    python benchmarks/fitness_curves.py runs/lrmix-s31 runs/lrmix-s32 ... -o docs/images/curves.png \
        --title "linear_mixed_sizes, 5 seeds"
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from zero.errors import ZeroError  # noqa: E402
from zero.store import RunDir  # noqa: E402


def curves(run_dirs: list[Path], out: Path, title: str) -> Path:
    fig, (search, select) = plt.subplots(1, 2, figsize=(11, 3.8), sharey=True)
    for run_dir in run_dirs:
        records = RunDir(run_dir).read_progress()
        if not records:
            raise ZeroError(f"{run_dir}: no progress records")
        x = [r["individuals"] for r in records]
        best = []
        for r in records:  # the run's best so far over every island's report
            best.append(max(best[-1], r["best_fitness"]) if best else r["best_fitness"])
        line = search.plot(x, best, lw=1.3, label=run_dir.name)[0]
        chosen = [(r["individuals"], r["best_select_fitness"]) for r in records if r.get("best_select_fitness") is not None]
        if chosen:
            select.step(*zip(*chosen), where="post", lw=1.3, color=line.get_color(), label=run_dir.name)
    search.set(title="best search fitness so far", xlabel="individuals (all islands)", ylabel="fitness")
    select.set(title="best select fitness (unseen tasks)", xlabel="individuals (all islands)")
    for ax in (search, select):
        ax.grid(alpha=0.3)
    select.legend(fontsize=8, loc="lower right")
    fig.suptitle(title)
    fig.tight_layout()
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=110)
    plt.close(fig)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("runs", nargs="+", type=Path, metavar="RUN_DIR")
    parser.add_argument("-o", "--output", type=Path, required=True, metavar="FILE.png")
    parser.add_argument("--title", default="")
    args = parser.parse_args(argv)
    try:
        print(curves(args.runs, args.output, args.title))
    except ZeroError as e:
        print(f"fitness_curves: error: {e}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
