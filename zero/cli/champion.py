"""``zero inspect``, ``zero replay``, ``zero export``: arguments (import-light) and handlers."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from zero.cli.args import nonnegative_int, positive_int, positive_ints
from zero.errors import ZeroError

PATH_HELP = "a run directory, or a champion / program JSON file"


# ---- zero inspect


def inspect_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("path", metavar="DIR|CHAMPION.json", help=PATH_HELP)
    parser.add_argument("--raw", action="store_true", help="show the program as evolved, dead code included")
    parser.add_argument("--lineage", action="store_true", help="list each new best of the run over time")
    parser.add_argument("--plot", metavar="FILE.png", help="draw best and mean fitness against individuals and time")
    parser.add_argument("--json", action="store_true", help="print everything as JSON")


def inspect(args: argparse.Namespace) -> int:
    from zero.champion import inspection
    from zero.champion import loader as champion

    found = champion.load(args.path)
    data = inspection.report(found, raw=args.raw)
    if args.plot:
        data["plot"] = str(inspection.plot(found.run_dir, args.plot))
    if args.json:
        print(json.dumps(data, indent=2))
        return 0
    from rich.console import Console
    from rich.table import Table

    console = Console()
    counts = data["instructions"]
    kind = "as evolved" if args.raw else f"simplified: {counts['simplified']} of {counts['raw']} instructions are live"
    console.print(f"[bold]Champion[/bold] from {data['source']} ({kind})\n")
    console.print(data["code"], highlight=False, markup=False)
    table = Table(title="Fitness (recorded)")
    for phase in ("search", "select", "final"):
        table.add_column(phase, justify="right")
    table.add_row(*(("-" if v is None else f"{v:.6f}") for v in data["fitness"].values()))
    console.print(table)
    run = data["run"]
    if run:
        parts = [f"{run.get('individuals', 0):,} individuals", f"{run.get('seconds', 0):.1f} s"]
        if run.get("individuals_per_second"):
            parts.append(f"{run['individuals_per_second']:,.0f} individuals/s")
        if run.get("fec_hit_rate") is not None:
            parts.append(f"FEC hit rate {run['fec_hit_rate']:.1%}")
        parts.append(f"{run.get('workers', 1)} worker(s)")
        console.print(f"Run: stopped ({run.get('stopped')}) after " + ", ".join(parts))
    if data.get("found_at"):
        console.print(f"Champion found at {data['found_at'].get('individuals', 0):,} individuals "
                      f"({data['found_at'].get('seconds', 0):.1f} s)")  # fmt: skip
    if args.lineage:
        table = Table(title="Lineage: each new best on the search tasks")
        for name in ("individuals", "seconds", "search", "select"):
            table.add_column(name, justify="right")
        for c in data.get("lineage", []):
            table.add_row(f"{c['individuals']:,}", f"{c['seconds']:.1f}", f"{c['search_fitness']:.6f}", f"{c['select_fitness']:.6f}")
        console.print(table)
    if args.plot:
        console.print(f"Plot written to {data['plot']}")
    return 0


# ---- zero replay


def replay_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("path", metavar="DIR|CHAMPION.json", help=PATH_HELP)
    parser.add_argument("--tasks", metavar="search|select|final|EXPERIMENT",
                        help="a recorded phase (default: every recorded phase) or another experiment's final tasks")
    parser.add_argument("--num-tasks", type=positive_int, metavar="N", help="use N tasks instead of the recorded number")
    parser.add_argument("--seed", type=nonnegative_int, metavar="N", help="generate the tasks from seed N (new, unseen tasks)")
    parser.add_argument("--feature-sizes", type=positive_ints, metavar="F,F,...",
                        help="replay on tasks of these feature sizes (one row each): does the rule scale?")
    parser.add_argument("--per-task", action="store_true", help="also print the fitness of every task")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")


def replay(args: argparse.Namespace) -> int:
    from zero.champion import loader as champion
    from zero.champion.replay import replay as run_replay

    found = champion.load(args.path)
    results = run_replay(found, args.tasks, args.num_tasks, args.seed, args.feature_sizes)
    mismatch = any(r.matches is False for r in results)
    if args.json:
        print(json.dumps([{
            "tasks": r.label, "family": r.family, "feature_size": r.feature_size, "num_tasks": len(r.per_task),
            "fitness": r.fitness, "recorded": r.recorded, "matches": r.matches,
            **({"per_task": r.per_task.tolist(), "descriptions": list(r.descriptions)} if args.per_task else {}),
        } for r in results], indent=2))  # fmt: skip
        return 1 if mismatch else 0
    from rich.console import Console
    from rich.table import Table

    console = Console()
    table = Table(title=f"Replay of {found.source}")
    for name in ("tasks", "family", "F", "count", "fitness", "recorded", "reproduced"):
        table.add_column(name, justify="left" if name in ("tasks", "family") else "right")
    for r in results:
        reproduced = {None: "-", True: "yes, exactly", False: "NO"}[r.matches]
        recorded = "-" if r.recorded is None else f"{r.recorded:.10f}"
        sizes = ",".join(map(str, r.feature_size)) if isinstance(r.feature_size, list) else str(r.feature_size)
        table.add_row(r.label, r.family, sizes, str(len(r.per_task)), f"{r.fitness:.10f}", recorded, reproduced)
    console.print(table)
    if args.per_task:
        for r in results:
            per = Table(title=f"{r.label}: per task")
            per.add_column("task")
            per.add_column("fitness", justify="right")
            for description, fitness in zip(r.descriptions, r.per_task):
                per.add_row(description, f"{fitness:.6f}")
            console.print(per)
    return 1 if mismatch else 0


# ---- zero export


def export_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("path", metavar="DIR|CHAMPION.json", help=PATH_HELP)
    parser.add_argument("--format", choices=("numpy", "torch"), default="numpy", help="what the module imports (default numpy)")
    parser.add_argument("-o", "--output", metavar="FILE", help="write the module here (default: print it)")
    parser.add_argument("--feature-size", type=positive_int, metavar="F",
                        help="feature size (default: the run's; required for a bare program file)")
    parser.add_argument("--raw", action="store_true", help="export the program as evolved, dead code included")


def export(args: argparse.Namespace) -> int:
    from zero.champion import loader as champion
    from zero.champion.export import export as make_module
    from zero.lang.simplify import simplify

    found = champion.load(args.path)
    exp = found.experiment
    feature_size = args.feature_size or (exp.single_feature_size if exp else None)
    if feature_size is None:
        why = f"its experiment mixes feature sizes {list(exp.feature_sizes)}" if exp else "no run config gives the feature size"
        raise ZeroError(f"{found.source}: {why}; pass --feature-size F")
    classification = bool(exp and exp.tasks("search").classification) if exp else False
    program = found.program if args.raw else simplify(found.program)
    name = Path(args.output).stem if args.output else "champion"
    source = make_module(program, feature_size, args.format, name=name, classification=classification)
    if args.output:
        Path(args.output).write_text(source)
        print(f"wrote {args.output} ({args.format}, F={feature_size})", file=sys.stderr)
    else:
        print(source)
    return 0


def report_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("path", metavar="DIR", help="a run directory (finished, stopped or still running)")
    parser.add_argument("-o", "--output", metavar="FILE.html", help="where to write the page (default: DIR/report.html)")
    parser.add_argument("--compare", nargs="+", default=[], metavar="DIR",
                        help="baseline result or run directories to compare with on the same final tasks")


def report(args: argparse.Namespace) -> int:
    from zero.champion.report import write_report

    path = write_report(args.path, args.output, compare=args.compare)
    print(f"wrote {path}")
    return 0
