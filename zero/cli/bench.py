"""``zero bench``: arguments (import-light, for ``zero --help``), the handler and the tables."""

from __future__ import annotations

import argparse
import json

from zero.cli.args import names, positive_float, positive_ints
from zero.errors import ZeroError


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print the figures as JSON instead of tables")
    parser.add_argument("--quick", action="store_true", help="0.3 s per figure, for a first look or tests")
    parser.add_argument("--seconds", type=positive_float, metavar="S",
                        help="seconds per figure (default 2; 10 per worker count with --workers)")
    parser.add_argument("--workers", type=positive_ints, metavar="N,N,...",
                        help="only the search's scaling on Ray: individuals/s of a run with each number of islands")
    parser.add_argument("--profile", action="store_true",
                        help="only where one individual's time goes: each stage of the compiled loop and the per-batch "
                             "Python, in ns per individual (default 5 s per experiment)")
    parser.add_argument("--experiments", type=names, metavar="NAME,NAME,...",
                        help="with --profile: the experiments to profile (default: linear_regression,digits_binary)")


def main(args: argparse.Namespace) -> int:
    from zero import bench

    if args.workers:
        return _bench_scaling(args)
    if args.profile:
        return _profile(args)
    if args.experiments:
        raise ZeroError("--experiments goes with --profile")
    seconds = args.seconds or (bench.QUICK_SECONDS if args.quick else bench.DEFAULT_SECONDS)
    if args.json:
        print(json.dumps(bench.run(seconds), indent=2))
        return 0
    from rich.console import Console

    console = Console()
    with Console(stderr=True).status("measuring") as status:
        result = bench.run(seconds, progress=lambda label: status.update(f"measuring {label}"))
    print_tables(console, result)
    return 0


def _bench_scaling(args: argparse.Namespace) -> int:
    from rich.console import Console
    from rich.table import Table

    from zero import bench

    seconds = args.seconds or (bench.QUICK_SECONDS if args.quick else 10.0)
    rows = bench.scaling(args.workers, seconds)
    base = rows[0]["individuals_per_second"] / rows[0]["workers"]
    for row in rows:
        row["speedup"] = row["individuals_per_second"] / base  # against the first count, per worker
    result = {"context": bench.context(), "seconds_per_count": seconds, "scaling": rows}
    if args.json:
        print(json.dumps(result, indent=2))
        return 0
    table = Table(title="Search scaling on Ray: a whole run (islands, migration, candidates) per worker count",
                  caption=f"linear_regression.yaml, never stopped by fitness; {seconds:g} s of search per count")  # fmt: skip
    for name in ("workers", "individuals", "seconds", "individuals/s", "speedup", "per worker", "islands busy"):
        table.add_column(name, justify="right")
    for row in rows:
        table.add_row(str(row["workers"]), f"{row['individuals']:,}", f"{row['seconds']:.1f}",
                      f"{row['individuals_per_second']:,.0f}", f"{row['speedup']:.2f}x",
                      f"{row['speedup'] / row['workers']:.0%}", f"{row['busy']:.0%}")  # fmt: skip
    Console().print(table)
    ctx = result["context"]
    Console().print(f"[dim]{ctx['cpu']} ({ctx['cpu_count']} CPUs); speedup against {rows[0]['workers']} worker(s) "
                    "scaled per worker; islands busy: the share of the run the islands spent evolving (each island "
                    "evolves its own programs at its own speed, so per worker can differ from it)[/dim]")  # fmt: skip
    return 0


def print_tables(console, result: dict) -> None:
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

    table = Table(
        title="As the search evaluates them: dead code removed first",
        caption="the same programs; only instructions that can reach a prediction run\n"
        "(removal timed too; predictions bit-identical); program M instr/s\n"
        "counts every instruction the programs hold, as in the table above",
    )
    for name, justify in (("space", "left"), ("F", "right"), ("live share", "right"), ("evals/s", "right"),
                          ("speed-up", "right"), ("program M instr/s", "right")):  # fmt: skip
        table.add_column(name, justify=justify)
    for row in result["interpreter"]:
        live = row["dead_code_removed"]
        table.add_row(
            row["space"], str(row["feature_size"]), f"{live['live_share']:.0%}",
            f"{live['evaluations_per_second']:,.0f}", f"{live['speedup']:.2f}x",
            f"{live['program_instructions_per_second'] / 1e6:,.1f}",
        )  # fmt: skip
    console.print(table)

    ev = result["evaluation"]
    table = Table(title=f"Evaluations per second: demo programs, {ev['tasks']} tasks x "
                        f"{ev['num_train']}/{ev['num_valid']}, F={ev['feature_size']}")  # fmt: skip
    for name in ("path", "evals/s", "us/eval"):
        table.add_column(name, justify="left" if name == "path" else "right")
    for key, label in (("compiled", "compiled loop over pre-encoded programs"),
                       ("kernel_call", "one kernel call per program from Python"),
                       ("evaluate", "zero.interpreter.evaluator.evaluate (encodes each program)")):  # fmt: skip
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
    gpu = result["gpu"]
    if gpu["device"] is None:
        console.print(f"GPU: none ({gpu['why_none']})")
    else:
        cpu = {(r["space"], r["feature_size"]): r for r in result["interpreter"]}
        table = Table(title=f"GPU ({gpu['device']}): programs evaluated per second, batches of programs per launch",
                      caption="the interpreter rows' programs and tasks (10 linear tasks x 100/100), uploads and downloads "
                              "included; x core: against the one-core row above (same programs, same run)")  # fmt: skip
        for name in ("space", "F", "batch", "programs/s", "M instr/s", "x core"):
            table.add_column(name, justify="left" if name == "space" else "right")
        for row in gpu["evaluation"]:
            core = cpu[(row["space"], row["feature_size"])]["evaluations_per_second"]
            table.add_row(row["space"], str(row["feature_size"]), f"{row['batch']:,}", f"{row['programs_per_second']:,.0f}",
                          f"{row['instructions_per_second'] / 1e6:,.0f}", f"{row['programs_per_second'] / core:,.1f}x")  # fmt: skip
        console.print(table)
        for row in gpu["search"]:
            console.print(f"GPU search: {row['individuals_per_second']:,.0f} individuals/s ({row['experiment']}.yaml, "
                          f"P={row['population']:,}, batches of {row['batch_size']:,}, {row['evaluated_share']:.0%} evaluated; "
                          f"{row['individuals_per_second'] / se['individuals_per_second']:.1f}x the one-core search above)")  # fmt: skip
    st = result["startup"]
    console.print(f"Start-up (fresh process, import + first evaluation): {st['seconds']:.2f} s, "
                  f"first run {st['first_seconds']:.2f} s")  # fmt: skip
    console.print(f"[dim]zero {ctx['zero']}, Python {ctx['python']}, numpy {ctx['numpy']}, numba {ctx['numba']}\n"
                  f"{ctx['cpu']} ({ctx['cpu_count']} CPUs), one thread, "
                  f"{ctx['seconds_per_figure']:g} s per figure[/dim]")  # fmt: skip


def _profile(args: argparse.Namespace) -> int:
    from zero import bench
    from zero.bench import profile

    seconds = args.seconds or (bench.QUICK_SECONDS if args.quick else 5.0)
    results = profile.profile(args.experiments or profile.DEFAULT_EXPERIMENTS, seconds)
    if args.json:
        print(json.dumps(results, indent=2))
        return 0
    print_profile(results, seconds)
    return 0


def print_profile(results: list[dict], seconds: float) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console()
    for result in results:
        loop, batch = result["loop"], result["batch"]
        table = Table(title=f"One individual's path: {loop['experiment']} (F={loop['feature_size']}), ns per individual",
                      caption=f"{loop['individuals']:,} individuals of a full population in {seconds:g} s; FEC hit rate "
                              f"{loop['fec_hit_rate']:.0%}, {loop['evaluated_share']:.0%} evaluated")  # fmt: skip
        for name in ("where", "ns/individual", "share"):
            table.add_column(name, justify="left" if name == "where" else "right")
        total = loop["ns_per_individual"] + batch["candidates_ns_per_individual"] + batch["driver_ns_per_individual"] \
            + batch["checkpoint_ns_per_individual"]  # fmt: skip
        for stage in loop["stages"]:
            table.add_row(f"loop: {stage['stage']}", f"{stage['ns_per_individual']:,.0f}", f"{stage['ns_per_individual'] / total:.1%}")
        table.add_row("batch: candidates scored on search and select tasks", f"{batch['candidates_ns_per_individual']:,.0f}",
                      f"{batch['candidates_ns_per_individual'] / total:.1%}")  # fmt: skip
        table.add_row("batch: driver (logs, champion, progress)", f"{batch['driver_ns_per_individual']:,.0f}",
                      f"{batch['driver_ns_per_individual'] / total:.1%}")  # fmt: skip
        table.add_row("checkpoint, amortized", f"{batch['checkpoint_ns_per_individual']:,.0f}",
                      f"{batch['checkpoint_ns_per_individual'] / total:.1%}")  # fmt: skip
        table.add_row("total", f"{total:,.0f}", "100%", style="bold")
        console.print(table)
        console.print(f"  loop unprofiled: {loop['unprofiled_ns_per_individual']:,.0f} ns/individual "
                      f"(profiled {loop['ns_per_individual']:,.0f}); run of {batch['individuals']:,} individuals in "
                      f"{batch['batches']} batches of {batch['report_every']:,} with {batch['candidates']} candidates; "
                      f"one checkpoint {batch['checkpoint_bytes'] / 1e6:.1f} MB in {batch['checkpoint_seconds']:.3f} s")  # fmt: skip
