"""The Python API, for notebooks and scripts: what the ``zero`` command does, as functions that
return objects and print nothing unless asked.

``import zero`` is enough: the package forwards ``zero.run``, ``zero.load``, ``zero.replay``,
``zero.compare``, ``zero.report`` and ``zero.estimator`` to this module on first use, so importing
the package stays light (no numba, Ray or torch until a function needs them).

    import zero
    result = zero.run("linear_regression", seed=3, workers=1, **{"stop.max_seconds": 60})
    result.fitness                    # {'search': ..., 'select': ..., 'final': ...}
    champion = zero.load(result.run_dir)
    zero.replay(champion, tasks="final", feature_sizes=[4, 16])
    model = zero.estimator(champion).fit(X, y)

The same strict validation as the command line: a bad experiment, key or value raises
:class:`zero.errors.ConfigError` naming the file, the key and the value; a bad run directory or
champion file a :class:`zero.errors.ZeroError`. This layer sits above everything it drives and
below the CLI, which uses it for what they share (the default run directory). See
docs/architecture.md.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Sequence

from zero.champion.loader import Champion
from zero.search.experiment import Experiment

if TYPE_CHECKING:  # imported where used: `zero run` reaches this module for default_run_dir alone
    from zero.champion.compare import Entry
    from zero.champion.replay import Replay
    from zero.lang.program import Program

__all__ = ["RunResult", "Comparison", "run", "load", "replay", "compare", "report", "estimator", "default_run_dir"]


@dataclass(frozen=True)
class RunResult:
    """What :func:`run` returns: how the run stopped, its champion and where everything is on disk."""

    run_dir: Path
    stopped: str  # solved, max_individuals, max_seconds, interrupted (Ctrl-C) or terminated (SIGTERM)
    individuals: int
    seconds: float
    champion: Champion | None = field(repr=False)  # the program, its experiment and recorded fitness (None: nothing evaluated)
    fitness: dict[str, float | None]  # per phase: search, select, final
    progress: list[dict[str, Any]] = field(repr=False)  # one record per island report (progress.jsonl)
    experiment: Experiment = field(repr=False)

    @property
    def program(self) -> Program | None:
        return None if self.champion is None else self.champion.program


@dataclass(frozen=True)
class Comparison:
    """What :func:`compare` returns: one entry per run or baseline, scored on the same final tasks."""

    entries: list[Entry]

    def table(self) -> str:
        """The markdown table ``zero compare`` prints, best mean first."""
        from zero.champion.compare import table

        return table(self.entries)

    def paired(self, against: int = 0) -> str:
        """Every other entry's per-task difference from entry ``against`` (an index into
        ``entries``), with its 95% interval: what ``zero compare --against`` prints."""
        from zero.champion.compare import paired

        return paired(self.entries, self.entries[against])

    def plot(self, path: str | Path) -> Path:
        """Per-task fitness of every entry as a PNG at ``path``."""
        from zero.champion.compare import plot

        return plot(self.entries, path)

    def _repr_markdown_(self) -> str:  # a notebook shows the table
        return self.table()


def default_run_dir(experiment: Experiment) -> Path:
    """Where a run goes when no directory is given: ``runs/NAME-seedN-TIME`` under the current directory."""
    return Path(f"runs/{experiment.name}-seed{experiment.seed}-{time.strftime('%Y%m%d-%H%M%S')}")


def _experiment(experiment: str | Path | Experiment | None) -> Experiment:
    if isinstance(experiment, Experiment):
        return experiment
    from zero.search.experiment import load as load_experiment

    return load_experiment(experiment)


def run(experiment: str | Path | Experiment | None = None, *, seed: int | None = None, workers: int | None = None,
        out: str | Path | None = None, resume: bool = False, address: str | None = None, progress: bool = False,
        **overrides: Any) -> RunResult:  # fmt: skip
    """Run a search and return its :class:`RunResult`.

    ``experiment``: a shipped name, a YAML path or an :class:`~zero.search.experiment.Experiment`
    (default: ``linear_regression``). ``overrides``: experiment keys, top-level (``population=200``)
    or dotted (``**{"stop.max_seconds": 60}``), validated like the file and recorded in the run's
    ``config.yaml``. ``workers``: islands (default: the experiment's ``islands.count``, else one per
    CPU, which starts Ray; 1 runs in this process). ``resume``: continue the run in ``out`` from its
    checkpoint (the experiment is the stored one; pass none). ``progress``: show the terminal
    progress display (off by default: nothing is printed)."""
    from zero.progress import Progress
    from zero.search import driver

    if seed is not None:
        overrides["seed"] = seed
    if resume:
        if out is None:
            raise ValueError("resume=True needs out=, the run directory to continue")
        if experiment is not None:
            raise ValueError("resume=True continues the experiment stored in out=; do not pass one")
        exp = Experiment.of_run(out)
        islands = exp.config["islands"]["count"]
        if workers is not None and workers != islands:
            raise ValueError(f"workers={workers}: the run in {out} has {islands} island(s); a resumed run keeps them")
        exp.check_resume_overrides(overrides, "zero.run() arguments")
    else:
        exp = _experiment(experiment)
    if overrides:
        exp = exp.with_overrides("zero.run() arguments", **overrides)
    run_dir = Path(out) if out is not None else default_run_dir(exp)
    exp, pool = driver.open_pool(exp, workers, address)
    try:
        outcome = driver.run(exp, run_dir, resume=resume, progress=Progress(enabled=progress), pool=pool)
    finally:
        pool.close()
    return _result(exp, outcome)


def _result(experiment: Experiment, outcome) -> RunResult:
    from zero.champion.loader import load as load_champion
    from zero.store import RunDir

    champion = load_champion(outcome.run_dir) if outcome.champion is not None else None
    fitness = dict(champion.recorded) if champion is not None else {}
    return RunResult(Path(outcome.run_dir), outcome.stopped, outcome.individuals, outcome.seconds, champion,
                     {phase: fitness.get(phase) for phase in ("search", "select", "final")},
                     RunDir(outcome.run_dir).read_progress(), experiment)  # fmt: skip


def load(path: str | Path) -> Champion:
    """The champion of a run directory, or of a champion or program JSON file: its program, its
    recorded fitness per phase (``.recorded``) and its experiment (None for a bare file)."""
    from zero.champion.loader import load as load_champion

    return load_champion(path)


def replay(champion: Champion | str | Path, tasks: str | None = None, *, num_tasks: int | None = None,
           seed: int | None = None, feature_sizes: Sequence[int] | None = None) -> list[Replay]:  # fmt: skip
    """Re-evaluate a champion (or the one at a path): on every recorded phase, checked against the
    recorded fitness (``Replay.matches``), or on ``tasks`` (a phase, or another experiment's final
    tasks), ``num_tasks`` of them from ``seed``, at each of ``feature_sizes``."""
    from zero.champion.replay import replay as replay_champion

    found = champion if isinstance(champion, Champion) else load(champion)
    return replay_champion(found, tasks, num_tasks, seed, list(feature_sizes) if feature_sizes else None)


def compare(*paths: str | Path) -> Comparison:
    """Evolved run directories and baseline result directories scored on the same held-out final
    tasks (each evolved champion is evaluated; baselines are read from their ``baseline.json``)."""
    from zero.champion.compare import load_entry

    if not paths:
        raise ValueError("compare() needs at least one run or baseline directory")
    return Comparison([load_entry(p) for p in paths])


def report(run_dir: str | Path, out: str | Path | None = None, *, compare: Sequence[str | Path] = ()) -> Path:
    """Write the run's self-contained HTML report (``zero report``) and return its path (default:
    ``report.html`` in the run directory)."""
    from zero.champion.report import write_report

    return write_report(run_dir, out, compare=list(compare))


def estimator(champion: Champion | Program | str | Path, **options: Any):
    """A scikit-learn estimator that runs the champion's ``setup`` and ``learn`` on your data
    (:mod:`zero.champion.estimator`): ``fit(X, y)``, ``predict(X)`` (and ``predict_proba`` for a
    classification champion)."""
    from zero.champion.estimator import estimator as make_estimator

    found = load(champion) if isinstance(champion, (str, Path)) else champion
    return make_estimator(found, **options)
