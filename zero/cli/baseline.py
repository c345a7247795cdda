"""``zero baseline`` and ``zero compare``: arguments (import-light) and handlers."""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from zero.cli.args import nonnegative_int
from zero.errors import ZeroError


def baseline_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("name", metavar="NAME", help="a baseline (zero baseline list shows them)")
    parser.add_argument("experiment", metavar="EXPERIMENT", nargs="?", help="a YAML file or a shipped experiment's name")
    parser.add_argument("--out", metavar="DIR", help="result directory (default: runs/baseline-NAME-EXPERIMENT-TIME)")
    parser.add_argument("--device", choices=("auto", "cpu", "cuda"), default="auto",
                        help="auto (default): cuda when torch sees a GPU, else cpu; cuda without one is an error")
    parser.add_argument("--seed", type=nonnegative_int, default=0, metavar="N", help="seed (default 0)")
    parser.add_argument("--budget", choices=("ci", "full"), default="full",
                        help="full: the method's published protocol; ci: seconds on a CPU")


def _registry() -> dict:
    from zero.baselines import REGISTRY, load_all

    load_all()
    return REGISTRY


def baseline(args: argparse.Namespace) -> int:
    registry = _registry()
    if args.name == "list":
        for name in sorted(registry):
            print(name)
        return 0
    if args.name not in registry:
        raise ZeroError(f"unknown baseline {args.name!r}; known: {', '.join(sorted(registry))}")
    if args.experiment is None:
        raise ZeroError("name an experiment (a YAML file or a shipped name), e.g. zero baseline maml sinusoid")
    from zero.baselines.adapter import resolve_device
    from zero.baselines.base import has_result, write_result
    from zero.search.experiment import load

    device = str(resolve_device(args.device))  # a DeviceError (one line) before anything is loaded or trained
    experiment = load(args.experiment)
    out = Path(args.out or f"runs/baseline-{args.name}-{experiment.name}-{time.strftime('%Y%m%d-%H%M%S')}")
    if has_result(out):
        raise ZeroError(f"{out}: already holds a baseline result; choose another --out")
    result = registry[args.name]().run(experiment, device=device, seed=args.seed, budget=args.budget)
    write_result(out, result, experiment, seed=args.seed, budget=args.budget)
    print(f"{result.method} on {experiment.name}: mean fitness {result.fitness:.4f} over {len(result.per_task)} final tasks, "
          f"{result.seconds:.1f} s on {result.device}; written to {out}")  # fmt: skip
    for key, value in result.metrics.items():
        print(f"  {key}: {value:.6g}")
    return 0


def compare_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("paths", metavar="DIR", nargs="+", help="search run and baseline result directories")
    parser.add_argument("--plot", metavar="FILE.png", help="draw per-task fitness of every entry")
    parser.add_argument("--against", metavar="DIR",
                        help="one of the DIRs: print every other entry's per-task difference from it (paired)")


def compare(args: argparse.Namespace) -> int:
    from zero.champion import compare as comparison

    entries = [comparison.load_entry(p) for p in args.paths]
    against = None
    if args.against is not None:
        matches = [e for e, p in zip(entries, args.paths) if Path(p).resolve() == Path(args.against).resolve()]
        if not matches:
            raise ZeroError(f"--against {args.against}: not one of the compared directories")
        against = matches[0]
    print(comparison.table(entries))
    if against is not None:
        print(f"\nPer-task difference from {against.label}, mean ± 95% interval over the tasks:\n"
              f"{comparison.paired(entries, against)}")  # fmt: skip
    extra = comparison.notes(entries)
    if extra:
        print(f"\nMSE after adaptation, mean ± 95% interval over tasks (reported, not ranked):\n{extra}")
    if args.plot:
        print(f"\nplot written to {comparison.plot(entries, args.plot)}")
    return 0
