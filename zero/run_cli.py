"""``zero run``: arguments (import-light, for ``zero --help``) and the handler."""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from zero.cli import nonnegative_int, positive_float, positive_int
from zero.errors import ZeroError

EXIT_INTERRUPTED = 130


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
    parser.add_argument("--address", metavar="ADDR",
                        help="join a running Ray cluster: auto, HOST:PORT or ray://HOST:PORT (default: start Ray here)")
    parser.add_argument("--dashboard", action="store_true",
                        help="with Ray started here: serve Ray's dashboard on 127.0.0.1 (it prints the URL)")
    parser.add_argument("--resume", action="store_true", help="continue the run in --out from its checkpoint")
    parser.add_argument("--quiet", action="store_true", help="no progress display")
    parser.add_argument("--json", action="store_true", help="print the outcome as one JSON line")


def main(args: argparse.Namespace) -> int:
    from zero import runner
    from zero.experiment import load
    from zero.progress import Progress

    overrides = {}
    if args.seed is not None:
        overrides["seed"] = args.seed
    if args.max_individuals is not None:
        overrides["stop.max_individuals"] = args.max_individuals
    if args.max_seconds is not None:
        overrides["stop.max_seconds"] = args.max_seconds
    if args.resume:
        if args.out is None:
            raise ZeroError("--resume needs --out DIR, the run directory to continue")
        if args.experiment is not None:
            raise ZeroError("--resume continues the experiment stored in --out; do not name one")
        stored = runner.load_resumed_experiment(args.out, {})
        if args.seed is not None and args.seed != stored.seed:
            raise ZeroError(f"--seed {args.seed}: the run in {args.out} has seed {stored.seed}; a resumed run continues its own random stream")
        islands = stored.config["islands"]["count"]
        if args.workers is not None and args.workers != islands:
            raise ZeroError(f"--workers {args.workers}: the run in {args.out} has {islands} island{'s' * (islands != 1)}; "
                           "a resumed run keeps them")
        experiment = stored.with_overrides(**overrides) if overrides else stored
        out = Path(args.out)
    else:
        experiment = load(args.experiment)
        if overrides:
            experiment = experiment.with_overrides(**overrides)
        out = Path(args.out or f"runs/{experiment.name}-seed{experiment.seed}-{time.strftime('%Y%m%d-%H%M%S')}")
    progress = Progress(enabled=not args.quiet and not args.json)
    experiment, pool = runner.open_pool(experiment, args.workers, args.address, args.dashboard)
    try:
        count = experiment.config["islands"]["count"]
        where = "this process" if isinstance(pool, runner.LocalIslands) else f"Ray at {args.address or 'a local instance'}"
        progress.message(f"zero run: {experiment.name} (seed {experiment.seed}, {count} island{'s' * (count > 1)} in {where}) -> {out}")
        outcome = runner.run(experiment, out, resume=args.resume, progress=progress, pool=pool)
    finally:
        pool.close()
    print(runner.dumps(outcome) if args.json else runner.describe(outcome))
    return EXIT_INTERRUPTED if outcome.stopped == runner.STOP_INTERRUPTED else 0
