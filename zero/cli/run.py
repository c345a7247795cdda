"""``zero run``: arguments (import-light, for ``zero --help``) and the handler."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from zero.cli.args import EXIT_INTERRUPTED, EXIT_TERMINATED, nonnegative_int, positive_float, positive_int
from zero.errors import ZeroError

if TYPE_CHECKING:
    from zero.search.driver import Outcome



def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("experiment", nargs="?", metavar="EXPERIMENT",
                        help="a YAML file or a shipped experiment's name (default: linear_regression)")
    parser.add_argument("--out", metavar="DIR", help="run directory (default: runs/NAME-seedN-TIME)")
    parser.add_argument("--seed", type=nonnegative_int, metavar="N", help="search seed (default: the experiment's)")
    parser.add_argument("--max-individuals", type=positive_int, metavar="N", help="stop after N individuals")
    parser.add_argument("--max-seconds", type=positive_float, metavar="S",
                        help="stop after S seconds of search (a resumed run counts its earlier sessions)")
    parser.add_argument("--workers", type=positive_int, metavar="N",
                        help="islands, one worker process each (default: the experiment's islands.count, else one per CPU)")
    parser.add_argument("--device", choices=("cpu", "cuda"),
                        help="where programs are evaluated (default: the experiment's device, cpu): cuda runs "
                        "batches of children on an NVIDIA GPU, one per island (sets `device`; `--set batch_size=N`)")
    parser.add_argument("--address", metavar="ADDR",
                        help="join a running Ray cluster: auto, HOST:PORT or ray://HOST:PORT (default: start Ray here)")
    parser.add_argument("--dashboard", action="store_true",
                        help="with Ray started here: serve Ray's dashboard on 127.0.0.1 (it prints the URL)")
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", dest="settings",
                        help="override a key of the experiment (repeatable; dotted keys such as stop.max_seconds=600 "
                        "or hurdles.enabled=true; the value is read as YAML and validated like the file; recorded "
                        "in the run's config.yaml)")
    parser.add_argument("--resume", action="store_true", help="continue the run in --out from its checkpoint")
    parser.add_argument("--report", action="store_true",
                        help="keep DIR/report.html (zero report) up to date: rewritten at every checkpoint and at the end")
    parser.add_argument("--quiet", action="store_true", help="no progress display")
    parser.add_argument("--json", action="store_true", help="print the outcome as one JSON line")


def main(args: argparse.Namespace) -> int:
    from zero.api import default_run_dir
    from zero.progress import Progress
    from zero.schema import parse_assignment
    from zero.search import driver
    from zero.search.experiment import Experiment, load
    from zero.search.pool import LocalIslands

    overrides = dict(parse_assignment(text) for text in args.settings)
    if args.seed is not None:
        overrides["seed"] = args.seed
    if args.max_individuals is not None:
        overrides["stop.max_individuals"] = args.max_individuals
    if args.max_seconds is not None:
        overrides["stop.max_seconds"] = args.max_seconds
    if args.device is not None:
        overrides["device"] = args.device
    if args.resume:
        if args.out is None:
            raise ZeroError("--resume needs --out DIR, the run directory to continue")
        if args.experiment is not None:
            raise ZeroError("--resume continues the experiment stored in --out; do not name one")
        stored = Experiment.of_run(args.out)
        if args.seed is not None and args.seed != stored.seed:
            raise ZeroError(f"--seed {args.seed}: the run in {args.out} has seed {stored.seed}; a resumed run continues its own random stream")
        islands = stored.config["islands"]["count"]
        if args.workers is not None and args.workers != islands:
            raise ZeroError(f"--workers {args.workers}: the run in {args.out} has {islands} island{'s' * (islands != 1)}; "
                           "a resumed run keeps them")
        stored.check_resume_overrides(overrides, "--set")
        experiment = stored.with_overrides("--set", **overrides) if overrides else stored
        out = Path(args.out)
    else:
        experiment = load(args.experiment)
        if overrides:
            experiment = experiment.with_overrides("--set", **overrides)
        out = Path(args.out) if args.out else default_run_dir(experiment)
    progress = Progress(enabled=not args.quiet and not args.json)
    experiment, pool = driver.open_pool(experiment, args.workers, args.address, args.dashboard)
    try:
        count = experiment.config["islands"]["count"]
        where = "this process" if isinstance(pool, LocalIslands) else f"Ray at {args.address or 'a local instance'}"
        progress.message(f"zero run: {experiment.name} (seed {experiment.seed}, {count} island{'s' * (count > 1)} in {where}) -> {out}")
        on_checkpoint = _report_writer(progress) if args.report else None
        outcome = driver.run(experiment, out, resume=args.resume, progress=progress, pool=pool, on_checkpoint=on_checkpoint)
    finally:
        pool.close()
    print(dumps(outcome) if args.json else describe(outcome))
    if args.report:
        _report_writer(progress)(out)  # the final page: with the final tasks (a failure is said, not fatal)
    if outcome.stopped == driver.STOP_TERMINATED:
        print(f"zero: terminated (SIGTERM); checkpoint written: `zero run --resume --out {out}` continues the run", file=sys.stderr)
        return EXIT_TERMINATED
    return EXIT_INTERRUPTED if outcome.stopped == driver.STOP_INTERRUPTED else 0


def _report_writer(progress):
    """The checkpoint callback of ``--report``: rewrite the run's report. A report that cannot be
    written (a full disk, a bad file) is said once per checkpoint and does not stop the search."""
    from zero.champion.report import write_report

    def write(run_dir: Path) -> None:
        try:
            write_report(run_dir)
        except (OSError, ZeroError) as e:
            progress.message(f"report not written: {e}")

    return write


def describe(outcome: Outcome) -> str:
    """The outcome for a person: how it stopped, the champion's figures and its simplified code."""
    from zero.lang.simplify import simplify

    c = outcome.champion
    lines = [f"stopped: {outcome.stopped} after {outcome.individuals:,} individuals in {outcome.seconds:.1f} s"]
    if c is not None:
        lines += [
            f"champion found at {c.individuals:,} individuals ({c.seconds:.1f} s), by island {c.island} "
            f"at its {c.island_individuals:,}th",
            f"search fitness {c.search_fitness:.6f}  select fitness {c.select_fitness:.6f}  final fitness {outcome.final_fitness:.6f}",
            "", f"champion, dead code removed (`zero inspect {outcome.run_dir} --raw` shows all of it):",
            simplify(c.program).render(),
        ]  # fmt: skip
    lines.append(f"run directory: {outcome.run_dir}")
    return "\n".join(lines)


def dumps(outcome: Outcome) -> str:
    """The outcome as one JSON line (``zero run --json``)."""
    c = outcome.champion
    return json.dumps({
        "stopped": outcome.stopped, "individuals": outcome.individuals, "seconds": outcome.seconds,
        "final_fitness": outcome.final_fitness, "run_dir": str(outcome.run_dir),
        "select_fitness": None if c is None else c.select_fitness,
    })  # fmt: skip
