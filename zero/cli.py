"""The ``zero`` command (DESIGN.md §3): one subcommand per entry of :data:`COMMANDS`.

Adding a subcommand is one entry in :data:`COMMANDS`: a one-line summary, an example for its
``--help`` epilog, a function that adds its arguments to an :class:`argparse.ArgumentParser`, and a
handler ``(argparse.Namespace) -> int`` returning the exit code. Either function may be given as a
``"module:function"`` string, imported only when needed, so ``zero --help`` stays fast: the
argument function is imported to build the parser, the handler only when its command runs. Keep
argument functions import-light and import heavy modules (numba kernels, Ray, torch) inside the
handler.

Errors: a :class:`~zero.errors.ZeroError` (bad input: a config, a file, a checkpoint) is printed as
``zero: error: <message>`` with exit code 2 and no traceback; Ctrl-C exits 130; anything else is a
bug and keeps its traceback.
"""

from __future__ import annotations

import argparse
import importlib
import json
import math
import sys
from dataclasses import dataclass
from typing import Callable, Sequence, Union

from zero import __version__
from zero.errors import ZeroError

AddArguments = Callable[[argparse.ArgumentParser], None]
Handler = Callable[[argparse.Namespace], int]

EXIT_USAGE = 2  # bad input, as argparse's own usage errors
EXIT_INTERRUPTED = 130  # 128 + SIGINT


@dataclass(frozen=True)
class Command:
    summary: str  # one line, shown by `zero --help`
    example: str  # shown in the epilog of `zero NAME --help`
    add_arguments: Union[AddArguments, str]  # or "module:function"
    handler: Union[Handler, str]  # or "module:function"


def _resolve(target):
    """A callable, or a ``"module:function"`` string imported now."""
    if callable(target):
        return target
    module, _, name = target.partition(":")
    return getattr(importlib.import_module(module), name)


# --------------------------------------------------------------------------------------------------
# zero bench


def positive_float(text: str) -> float:
    """argparse ``type`` for a finite number > 0."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not (math.isfinite(value) and value > 0):
        raise argparse.ArgumentTypeError(f"must be a positive number, got {text!r}")
    return value


def nonnegative_int(text: str) -> int:
    """argparse ``type`` for an integer >= 0."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an integer: {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be >= 0, got {text!r}")
    return value


def positive_int(text: str) -> int:
    """argparse ``type`` for an integer >= 1."""
    value = nonnegative_int(text)
    if value == 0:
        raise argparse.ArgumentTypeError("must be >= 1, got 0")
    return value


def _bench_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print the figures as JSON instead of tables")
    parser.add_argument("--quick", action="store_true", help="0.3 s per figure, for a first look or tests")
    parser.add_argument("--seconds", type=positive_float, metavar="S",
                        help="seconds per figure (default 2; 10 per worker count with --workers)")
    parser.add_argument("--workers", type=worker_counts, metavar="N,N,...",
                        help="only the search's scaling on Ray: individuals/s of a run with each number of islands")


def worker_counts(text: str) -> list[int]:
    """``1,2,4`` -> [1, 2, 4] (each >= 1)."""
    try:
        counts = [positive_int(part.strip()) for part in text.split(",")]
    except argparse.ArgumentTypeError as e:
        raise argparse.ArgumentTypeError(f"{text!r}: {e}") from None
    return counts


def _bench(args: argparse.Namespace) -> int:
    from zero import bench

    if args.workers:
        return _bench_scaling(args)
    seconds = args.seconds or (bench.QUICK_SECONDS if args.quick else bench.DEFAULT_SECONDS)
    if args.json:
        print(json.dumps(bench.run(seconds), indent=2))
        return 0
    from rich.console import Console

    console = Console()
    with Console(stderr=True).status("measuring") as status:
        result = bench.run(seconds, progress=lambda label: status.update(f"measuring {label}"))
    _print_bench(console, result)
    return 0


def _bench_scaling(args: argparse.Namespace) -> int:
    from rich.console import Console
    from rich.table import Table

    from zero import bench, distributed

    seconds = args.seconds or (bench.QUICK_SECONDS if args.quick else 10.0)
    rows = distributed.scaling(args.workers, seconds)
    base = rows[0]["individuals_per_second"] / rows[0]["workers"]
    for row in rows:
        row["speedup"] = row["individuals_per_second"] / base  # against the first count, per worker
    result = {"context": bench.context(), "seconds_per_count": seconds, "scaling": rows}
    if args.json:
        print(json.dumps(result, indent=2))
        return 0
    table = Table(title="Search scaling on Ray: a whole run (islands, migration, candidates) per worker count",
                  caption=f"linear_regression.yaml, never stopped by fitness; {seconds:g} s of search per count")  # fmt: skip
    for name in ("workers", "individuals", "seconds", "individuals/s", "speedup", "per worker"):
        table.add_column(name, justify="right")
    for row in rows:
        table.add_row(str(row["workers"]), f"{row['individuals']:,}", f"{row['seconds']:.1f}",
                      f"{row['individuals_per_second']:,.0f}", f"{row['speedup']:.2f}x",
                      f"{row['speedup'] / row['workers']:.0%}")  # fmt: skip
    Console().print(table)
    ctx = result["context"]
    Console().print(f"[dim]{ctx['cpu']} ({ctx['cpu_count']} CPUs); speedup against {rows[0]['workers']} worker(s) "
                    f"scaled per worker[/dim]")  # fmt: skip
    return 0


def _print_bench(console, result: dict) -> None:
    from rich.table import Table

    ctx = result["context"]
    table = Table(
        title="Interpreter: instructions executed per second, one thread",
        caption="compiled loop over random programs on 10 linear tasks\n"
        "(100 train / 100 valid); instructions counted as executed",
    )
    for name, justify in (("space", "left"), ("F", "right"), ("sizes", "right"), ("M instr/s", "right"),
                          ("ns/instr", "right"), ("evals/s", "right"), ("ran to end", "right")):  # fmt: skip
        table.add_column(name, justify=justify)
    for row in result["interpreter"]:
        table.add_row(
            row["space"], str(row["feature_size"]), "/".join(map(str, row["sizes"])),
            f"{row['instructions_per_second'] / 1e6:,.1f}", f"{row['ns_per_instruction']:.2f}",
            f"{row['evaluations_per_second']:,.0f}", f"{row['ran_to_end']:.0%}",
        )  # fmt: skip
    console.print(table)

    ev = result["evaluation"]
    table = Table(title=f"Evaluations per second: demo programs, {ev['tasks']} tasks x "
                        f"{ev['num_train']}/{ev['num_valid']}, F={ev['feature_size']}")  # fmt: skip
    for name in ("path", "evals/s", "us/eval"):
        table.add_column(name, justify="left" if name == "path" else "right")
    for key, label in (("compiled", "compiled loop over pre-encoded programs"),
                       ("kernel_call", "one kernel call per program from Python"),
                       ("evaluate", "zero.evaluator.evaluate (encodes each program)")):  # fmt: skip
        table.add_row(label, f"{ev[key]['evaluations_per_second']:,.0f}", f"{ev[key]['us_per_evaluation']:.1f}")
    console.print(table)

    se = result["search"]
    console.print(f"Search: {se['individuals_per_second']:,.0f} individuals/s on one core "
                  f"({se['experiment']}.yaml, P={se['population']}, {se['individuals']:,} individuals from a fresh "
                  f"population in {se['seconds']:.1f} s; FEC hit rate {se['fec_hit_rate']:.0%}, "
                  f"{se['evaluated_share']:.0%} evaluated)")  # fmt: skip
    for m in result["maml"]:
        f = m["meta_steps_per_second"]
        console.print(f"MAML on sinusoid ({m['device']}, meta-batch {m['meta_batch']}): {f['vmap']:,.1f} meta-steps/s "
                      f"with vmap over tasks, {f['loop']:,.1f} with a per-task loop ({m['speedup']:.1f}x)")  # fmt: skip
    st = result["startup"]
    console.print(f"Start-up (fresh process, import + first evaluation): {st['seconds']:.2f} s, "
                  f"first run {st['first_seconds']:.2f} s")  # fmt: skip
    console.print(f"[dim]zero {ctx['zero']}, Python {ctx['python']}, numpy {ctx['numpy']}, numba {ctx['numba']}\n"
                  f"{ctx['cpu']} ({ctx['cpu_count']} CPUs), one thread, "
                  f"{ctx['seconds_per_figure']:g} s per figure[/dim]")  # fmt: skip


# --------------------------------------------------------------------------------------------------
# The registry and the entry point

COMMANDS: dict[str, Command] = {
    "run": Command(
        summary="run a search (default: rediscover linear regression), writing a run directory",
        example="zero run                                   # experiments/linear_regression.yaml\n"
        "  zero run nonlinear --seed 3 --out runs/nl3\n"
        "  zero run --resume --out runs/nl3              # continue after Ctrl-C",
        add_arguments="zero.run_cli:add_arguments",
        handler="zero.run_cli:main",
    ),
    "inspect": Command(
        summary="show a champion as readable code, its fitness and the run's figures",
        example="zero inspect runs/lr                  # simplified code, fitness, figures\n"
        "  zero inspect runs/lr --raw --lineage --plot curve.png\n"
        "  zero inspect runs/lr/final.json --json",
        add_arguments="zero.champion_cli:inspect_arguments",
        handler="zero.champion_cli:inspect",
    ),
    "replay": Command(
        summary="re-evaluate a champion: its recorded fitness exactly, or on new tasks",
        example="zero replay runs/lr                   # every recorded phase, checked\n"
        "  zero replay runs/lr --tasks final --num-tasks 500 --seed 9\n"
        "  zero replay runs/lr --tasks experiments/nonlinear.yaml --per-task",
        add_arguments="zero.champion_cli:replay_arguments",
        handler="zero.champion_cli:replay",
    ),
    "export": Command(
        summary="write a champion as a standalone NumPy or torch module",
        example="zero export runs/lr --format numpy -o champion.py\n"
        "  zero export runs/lr --format torch",
        add_arguments="zero.champion_cli:export_arguments",
        handler="zero.champion_cli:export",
    ),
    "baseline": Command(
        summary="score a baseline (MAML, Reptile, NAS, hand-written) on an experiment's final tasks",
        example="zero baseline maml sinusoid --out runs/maml-sin      # GPU when present\n"
        "  zero baseline nas_evolution digits_binary --budget ci --device cpu\n"
        "  zero baseline list",
        add_arguments="zero.baseline_cli:baseline_arguments",
        handler="zero.baseline_cli:baseline",
    ),
    "compare": Command(
        summary="compare evolved champions and baselines on the same held-out tasks",
        example="zero compare runs/lr3 runs/baseline-linear-linear_regression --plot compare.png",
        add_arguments="zero.baseline_cli:compare_arguments",
        handler="zero.baseline_cli:compare",
    ),
    "bench": Command(
        summary="measure the interpreter, the evaluator, the search loop and MAML, print the figures",
        example="zero bench              # tables, about 20 s\n  zero bench --quick --json\n"
        "  zero bench --workers 1,2   # search scaling on Ray",
        add_arguments=_bench_arguments,
        handler=_bench,
    ),
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="zero",
        description="Discover machine-learning algorithms by evolution, in the style of AutoML-Zero.",
        epilog="Run 'zero COMMAND --help' for a command's options and an example.",
    )
    parser.add_argument("--version", action="version", version=f"zero {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name, command in COMMANDS.items():
        sub = commands.add_parser(
            name,
            help=command.summary,
            description=command.summary[:1].upper() + command.summary[1:] + ".",
            epilog=f"example:\n  {command.example}",
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        _resolve(command.add_arguments)(sub)
        sub.set_defaults(handler=command.handler)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``zero`` with ``argv`` (default ``sys.argv[1:]``); return the exit code."""
    try:
        args = build_parser().parse_args(argv)
        return int(_resolve(args.handler)(args) or 0)
    except SystemExit as e:  # argparse (--help, --version, usage errors) or a handler's sys.exit
        if e.code is None or isinstance(e.code, int):
            return e.code or 0
        print(e.code, file=sys.stderr)  # sys.exit("message"), as Python itself reports it
        return 1
    except ZeroError as e:
        print(f"zero: error: {e}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("zero: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED


if __name__ == "__main__":
    sys.exit(main())
