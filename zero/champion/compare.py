"""``zero compare``: evolved champions and baselines side by side on the same held-out tasks.

Each entry is a directory: a search run (``final.json``: its champion is re-scored on the run's final
tasks, which reproduces the recorded final fitness exactly and gives the per-task figures) or a
baseline result (``baseline.json``, written by ``zero baseline``). The table gives the mean fitness
over the final tasks with a 95% interval (mean ± 1.96 · standard error: a normal approximation over
tasks), the wall time and the device. Entries whose final tasks differ are flagged, since their
figures are not comparable. With ``--against DIR`` it also gives each entry's per-task difference
from that one (:func:`paired`): the interval that tells whether two methods differ on these tasks.

The table ranks by zero's fitness only. Below it, :func:`notes` repeats the figures that a baseline
reports under a published protocol (on sinusoids, MAML's MSE as the literature measures it; see
:mod:`zero.baselines.literature`), each labelled with its protocol, so that they are never taken
for the fitness that the table compares.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from zero.baselines.base import final_tasks, has_result, read_result
from zero.champion import loader as champions
from zero.errors import ZeroError
from zero.stats import mean_and_interval


@dataclass(frozen=True)
class Entry:
    label: str  # method name, or "evolved (DIR)"
    path: Path
    per_task: np.ndarray
    seconds: float | None
    device: str
    final_tasks: dict  # what the final tasks were: family, F, count, sizes, seed
    metrics: dict = field(default_factory=dict)  # a baseline's extra figures (baseline.json "metrics")
    settings: dict = field(default_factory=dict)  # a baseline's hyperparameters (baseline.json "settings")

    @property
    def mean(self) -> float:
        return mean_and_interval(self.per_task)[0]

    @property
    def interval(self) -> float:
        """Half-width of the 95% interval of the mean over tasks (:mod:`zero.stats`)."""
        return mean_and_interval(self.per_task)[1]


def load_entry(path: str | Path) -> Entry:
    """A baseline result directory or an evolved run (its champion re-scored on its final tasks)."""
    path = Path(path)
    if has_result(path):
        data = read_result(path)
        label = f"{data['method']} ({data['budget']})" if data.get("budget") else data["method"]
        return Entry(label, path, data["per_task"], data["seconds"], data["device"], data["final_tasks"],
                     data["metrics"], data["settings"])  # fmt: skip
    found = champions.load(path)
    if found.experiment is None:
        raise ZeroError(f"{path}: neither a run directory nor a baseline result directory")
    exp = found.experiment
    result = exp.evaluate(found.program, exp.tasks("final"))
    return Entry(f"evolved ({path.name})", path, result.per_task, found.run.get("seconds"), "cpu", final_tasks(exp))


def table(entries: list[Entry]) -> str:
    """A markdown table, best mean first."""
    reference = entries[0].final_tasks if entries else {}
    lines = ["| method | mean fitness | 95% interval | final tasks | wall time | device |", "|---|---|---|---|---|---|"]
    for e in sorted(entries, key=lambda e: -e.mean):
        same = ("" if e.final_tasks == reference else " (same examples, other epochs)"
                if same_task_data(e.final_tasks, reference) else " (different tasks!)")  # fmt: skip
        t = e.final_tasks
        tasks = f"{t.get('num_tasks')} × {t.get('family')} F={t.get('feature_size')}{same}"
        seconds = "-" if e.seconds is None else f"{e.seconds:.1f} s"
        lines.append(f"| {e.label} | {e.mean:.4f} | ± {e.interval:.4f} | {tasks} | {seconds} | {e.device} |")
    return "\n".join(lines)


def same_task_data(a: dict, b: dict) -> bool:
    """Whether two entries' final tasks hold the same examples: their descriptions agree on
    everything but ``epochs`` (passes over the training examples are the method's protocol, not
    the data: a task set's examples do not depend on them)."""
    return {k: v for k, v in a.items() if k != "epochs"} == {k: v for k, v in b.items() if k != "epochs"}


def paired(entries: list[Entry], against: Entry) -> str:
    """Per-task differences from ``against``, one line per other entry on the same task data: the
    mean of (entry − against) over tasks with its 95% interval (:mod:`zero.stats`). Pairing by task
    removes the spread between tasks that both share, so this interval is the one that says whether
    two methods differ; entries on other tasks are named and skipped."""
    lines = []
    for e in sorted(entries, key=lambda e: -e.mean):
        if e is against:
            continue
        if not same_task_data(e.final_tasks, against.final_tasks) or len(e.per_task) != len(against.per_task):
            lines.append(f"- {e.label}: other final tasks, not paired")
            continue
        mean, half = mean_and_interval(np.asarray(e.per_task) - np.asarray(against.per_task))
        protocol = "" if e.final_tasks == against.final_tasks else " (same examples, other epochs)"
        verdict = "above" if mean - half > 0 else "below" if mean + half < 0 else "not apart"
        lines.append(f"- {e.label}: {mean:+.4f} ± {half:.4f} ({verdict}){protocol}")
    return "\n".join(lines)


def _figure(metrics: dict, key: str) -> str:
    mean, half = metrics.get(key), metrics.get(f"{key}_ci95")
    if mean is None:
        return "-"
    return f"{mean:.3f}" if half is None else f"{mean:.3f} ± {half:.3f}"


def notes(entries: list[Entry]) -> str:
    """One line per entry that reports the published sinusoid protocol's MSE (``literature_*``
    metrics): its post-adaptation MSE under zero's protocol (the final tasks' validation points) and
    under the published one, each a mean ± 95% interval over tasks. Empty if no entry reports it."""
    lines = []
    for e in sorted(entries, key=lambda e: -e.mean):
        m, t = e.metrics, e.final_tasks
        if "literature_mse_post" not in m:
            continue
        steps = e.settings.get("eval_steps")
        after = "" if steps is None else f" after {steps} inner step{'s' if steps != 1 else ''}"
        lines.append(
            f"- {e.label}{after}: {_figure(m, 'mse_post')} on {t.get('num_tasks')} final tasks × {t.get('num_valid')} "
            f"query points (zero's protocol); {_figure(m, 'literature_mse_post')} on "
            f"{int(m.get('literature_tasks', 0))} held-out tasks × {int(m.get('literature_query_points', 0))} "
            f"query points (published protocol, cbfinn/maml test())")  # fmt: skip
    return "\n".join(lines)


def plot(entries: list[Entry], path: str | Path) -> Path:
    """Per-task fitness of every entry (box plot) with the mean and its 95% interval."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    ordered = sorted(entries, key=lambda e: -e.mean)
    fig, ax = plt.subplots(figsize=(max(5, 1.4 * len(ordered)), 4))
    ax.boxplot([e.per_task for e in ordered], showfliers=True)
    ax.errorbar(range(1, len(ordered) + 1), [e.mean for e in ordered], yerr=[e.interval for e in ordered],
                fmt="o", color="black", capsize=4, label="mean ± 95%")  # fmt: skip
    ax.set_xticks(range(1, len(ordered) + 1), [e.label for e in ordered], rotation=20, ha="right")
    ax.set_ylabel("fitness on held-out final tasks")
    ax.legend(loc="lower left")
    ax.grid(axis="y", alpha=0.3)
    fig.tight_layout()
    path = Path(path)
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path
