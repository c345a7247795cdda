"""The ``zero`` command: one subcommand per entry of :data:`COMMANDS`, one module per command group.

Adding a subcommand is one entry in :data:`COMMANDS`: a one-line summary, an example for its
``--help`` epilog, a function that adds its arguments to an :class:`argparse.ArgumentParser`, and a
handler ``(argparse.Namespace) -> int`` returning the exit code. Either function may be given as a
``"module:function"`` string, imported only when needed, so ``zero --help`` stays fast: the
argument function is imported to build the parser, the handler only when its command runs. Keep
argument functions import-light and import heavy modules (numba kernels, Ray, torch) inside the
handler.

Modules: :mod:`~zero.cli.run` (``zero run``), :mod:`~zero.cli.champion` (``inspect``, ``replay``,
``export``, ``report``), :mod:`~zero.cli.baseline` (``baseline``, ``compare``), :mod:`~zero.cli.bench`
(``bench``), :mod:`~zero.cli.slurm` (``slurm-script``), and :mod:`~zero.cli.args` for what they
share (argparse types, exit codes). The CLI
is the top layer: it may import every other, and nothing imports it (docs/architecture.md).

Errors: a :class:`~zero.errors.ZeroError` (bad input: a config, a file, a checkpoint) is printed as
``zero: error: <message>`` with exit code 2 and no traceback; Ctrl-C exits 130 (``zero run``: after a
checkpoint), SIGTERM to ``zero run`` 143 after a checkpoint; anything else is a
bug and keeps its traceback.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from dataclasses import dataclass
from typing import Callable, Sequence, Union

from zero import __version__
from zero.cli.args import EXIT_INTERRUPTED, EXIT_USAGE
from zero.errors import ZeroError

AddArguments = Callable[[argparse.ArgumentParser], None]
Handler = Callable[[argparse.Namespace], int]



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
# The registry and the entry point

COMMANDS: dict[str, Command] = {
    "run": Command(
        summary="run a search (default: rediscover linear regression), writing a run directory",
        example="zero run                                   # experiments/linear_regression.yaml\n"
        "  zero run nonlinear --seed 3 --out runs/nl3\n"
        "  zero run --resume --out runs/nl3              # continue after Ctrl-C",
        add_arguments="zero.cli.run:add_arguments",
        handler="zero.cli.run:main",
    ),
    "slurm-script": Command(
        summary="write a SLURM batch script that runs a search on an allocation, requeued until it ends",
        example="zero slurm-script nonlinear --seed 3 --out runs/nl3 --nodes 4 --time 8:00:00 > job.sbatch\n"
        "  zero slurm-script exp.yaml --partition cpu --cpus-per-node 32 --venv ~/zero/.venv > job.sbatch\n"
        "  sbatch job.sbatch                            # docs/slurm.md",
        add_arguments="zero.cli.slurm:add_arguments",
        handler="zero.cli.slurm:main",
    ),
    "inspect": Command(
        summary="show a champion as readable code, its fitness and the run's figures",
        example="zero inspect runs/lr                  # simplified code, fitness, figures\n"
        "  zero inspect runs/lr --raw --lineage --plot curve.png\n"
        "  zero inspect runs/lr/final.json --json",
        add_arguments="zero.cli.champion:inspect_arguments",
        handler="zero.cli.champion:inspect",
    ),
    "replay": Command(
        summary="re-evaluate a champion: its recorded fitness exactly, or on new tasks",
        example="zero replay runs/lr                   # every recorded phase, checked\n"
        "  zero replay runs/lr --tasks final --num-tasks 500 --seed 9\n"
        "  zero replay runs/lr --tasks final --feature-sizes 2,4,8,16,32   # does it scale?\n"
        "  zero replay runs/lr --tasks experiments/nonlinear.yaml --per-task",
        add_arguments="zero.cli.champion:replay_arguments",
        handler="zero.cli.champion:replay",
    ),
    "export": Command(
        summary="write a champion as a standalone NumPy or torch module",
        example="zero export runs/lr --format numpy -o champion.py\n"
        "  zero export runs/lr --format torch",
        add_arguments="zero.cli.champion:export_arguments",
        handler="zero.cli.champion:export",
    ),
    "report": Command(
        summary="write a run's self-contained HTML report: the discovery timeline, curves, final tasks",
        example="zero report runs/lr                   # runs/lr/report.html\n"
        "  zero report runs/lr -o lr.html --compare runs/baseline-linear-linear_regression\n"
        "  zero run --report --out runs/lr         # rewritten at every checkpoint",
        add_arguments="zero.cli.champion:report_arguments",
        handler="zero.cli.champion:report",
    ),
    "baseline": Command(
        summary="score a baseline (MAML, Reptile, NAS, hand-written) on an experiment's final tasks",
        example="zero baseline maml sinusoid --out runs/maml-sin      # GPU when present\n"
        "  zero baseline nas_evolution digits_binary --budget ci --device cpu\n"
        "  zero baseline list",
        add_arguments="zero.cli.baseline:baseline_arguments",
        handler="zero.cli.baseline:baseline",
    ),
    "compare": Command(
        summary="compare evolved champions and baselines on the same held-out tasks",
        example="zero compare runs/lr3 runs/baseline-linear-linear_regression --plot compare.png",
        add_arguments="zero.cli.baseline:compare_arguments",
        handler="zero.cli.baseline:compare",
    ),
    "bench": Command(
        summary="measure the interpreter, the evaluator, the search loop and MAML, print the figures",
        example="zero bench              # tables, about 20 s\n  zero bench --quick --json\n"
        "  zero bench --workers 1,2   # search scaling on Ray\n"
        "  zero bench --profile       # where one individual's time goes",
        add_arguments="zero.cli.bench:add_arguments",
        handler="zero.cli.bench:main",
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

