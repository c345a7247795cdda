"""What ``zero inspect`` shows: a champion as readable code, its fitness, the run's figures, its
lineage, and a plot of the run's fitness curves.

The code is shown simplified (:func:`zero.lang.simplify.simplify`: dead code removed, predictions
unchanged bit for bit) unless ``raw`` is asked for.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from zero.champion.loader import PHASES, Champion
from zero.errors import ZeroError
from zero.lang.program import Program
from zero.store import RunDir


def instruction_count(program: Program) -> int:
    return sum(len(c) for c in program.components())


def report(champion: Champion, raw: bool = False) -> dict[str, Any]:
    """Everything ``zero inspect`` prints, as plain data (``--json`` prints exactly this)."""
    from zero.lang.simplify import simplify

    program = champion.program
    simplified = simplify(program)
    shown = program if raw else simplified
    # mixed sizes (or no experiment): index operands shown as fractions of F
    feature_size = champion.experiment.single_feature_size if champion.experiment else None
    out: dict[str, Any] = {
        "source": champion.source,
        "experiment": None if champion.experiment is None else champion.experiment.source,
        "code": shown.render(feature_size=feature_size),
        "raw": raw,
        "instructions": {"raw": instruction_count(program), "simplified": instruction_count(simplified)},
        "fitness": {phase: champion.recorded.get(phase) for phase in PHASES},
        "found_at": {k: champion.record.get(k) for k in ("individuals", "seconds") if k in champion.record},
        "run": {k: champion.run.get(k) for k in ("stopped", "individuals", "seconds", "individuals_per_second",
                                                  "fec_hit_rate", "evaluations", "workers") if k in champion.run},  # fmt: skip
        "program": program.to_dict(),
    }
    if champion.run_dir is not None:
        out["lineage"] = lineage(champion.run_dir)
    return out


def lineage(run_dir: Path) -> list[dict[str, Any]]:
    """Each candidate of the run (a new best on the search tasks) with when and how good."""
    keys = ("individuals", "seconds", "evolution_fitness", "search_fitness", "select_fitness")
    return [{k: c.get(k) for k in keys} for c in RunDir(run_dir).read_champions()]


def plot(run_dir: Path | None, path: str | Path) -> Path:
    """Best and mean population fitness against individuals and against time, into ``path``."""
    if run_dir is None:
        raise ZeroError("--plot needs a run directory (a champion file has no progress to draw)")
    records = RunDir(run_dir).read_progress()
    if not records:
        raise ZeroError(f"{run_dir}: progress.jsonl holds no records yet")
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(11, 4), sharey=True)
    for ax, x_key, label in ((axes[0], "individuals", "individuals"), (axes[1], "seconds", "seconds")):
        x = [r[x_key] for r in records]
        ax.plot(x, [r["best_fitness"] for r in records], label="best (search tasks)")
        ax.plot(x, [r["mean_fitness"] for r in records], label="population mean", alpha=0.7)
        select = [(r[x_key], r["best_select_fitness"]) for r in records if r.get("best_select_fitness") is not None]
        if select:
            ax.step(*zip(*select), where="post", label="champion (select tasks)")
        ax.set_xlabel(label)
        ax.grid(alpha=0.3)
    axes[0].set_ylabel("fitness")
    axes[0].legend(loc="lower right")
    fig.suptitle(f"zero run: {Path(run_dir).name}")
    fig.tight_layout()
    path = Path(path)
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path
