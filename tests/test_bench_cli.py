"""Tests of zero.bench (figures, instruction counting) and zero.cli (the `zero` command)."""

from __future__ import annotations

import contextlib
import io
import json
import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from zero import bench, cli
from zero.cli import bench as bench_cli
from zero.errors import ConfigError
from zero.interpreter.compiler import MAX_ABS_ERROR, compile_for
from zero.interpreter.evaluator import evaluate
from zero.lang.program import Instruction, Program

ZERO_SCRIPT = Path(sys.executable).parent / "zero"


@pytest.fixture(scope="module")
def quick_result() -> dict:
    """`zero bench --quick --json`, run once for the module through main()."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = cli.main(["bench", "--quick", "--json"])
    assert code == 0
    return json.loads(out.getvalue())


def _positive_finite(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value) and value > 0


# ---------------------------------------------------------------------------------------------
# the command line


def test_help_lists_bench(capsys):
    assert cli.main(["--help"]) == 0
    assert "bench" in capsys.readouterr().out


def test_every_command_has_help_with_an_example(capsys):
    for name in cli.COMMANDS:
        assert cli.main([name, "--help"]) == 0
        text = capsys.readouterr().out
        assert "example:" in text and f"zero {name}" in text


def test_console_script_help_lists_bench():
    assert ZERO_SCRIPT.exists(), f"console script not installed next to {sys.executable}"
    done = subprocess.run([str(ZERO_SCRIPT), "--help"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "bench" in done.stdout


def test_unknown_command_fails(capsys):
    assert cli.main(["no-such-command"]) == 2
    assert "invalid choice" in capsys.readouterr().err
    done = subprocess.run([str(ZERO_SCRIPT), "no-such-command"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 2


def test_missing_command_and_bad_seconds_fail():
    assert cli.main([]) == 2
    assert cli.main(["bench", "--seconds", "-1"]) == 2
    assert cli.main(["bench", "--seconds", "nan"]) == 2


def _register(monkeypatch, handler):
    command = cli.Command("a test command", "zero probe", lambda parser: None, handler)
    monkeypatch.setitem(cli.COMMANDS, "probe", command)


def test_zero_error_is_one_line_exit_2(monkeypatch, capsys):
    def fail(args):
        raise ConfigError("x.yaml", "seed", -1, "must be >= 0")

    _register(monkeypatch, fail)
    assert cli.main(["probe"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("zero: error: x.yaml: key 'seed'") and "Traceback" not in err


def test_interrupt_exits_130(monkeypatch):
    def interrupt(args):
        raise KeyboardInterrupt

    _register(monkeypatch, interrupt)
    assert cli.main(["probe"]) == 130


def _probe_arguments(parser):
    parser.add_argument("--answer", type=int, default=42)


def _probe(args):
    return args.answer


def test_functions_given_as_module_paths(monkeypatch):
    command = cli.Command("a test command", "zero probe", f"{__name__}:_probe_arguments", f"{__name__}:_probe")
    monkeypatch.setitem(cli.COMMANDS, "probe", command)
    assert cli.main(["probe"]) == 42
    assert cli.main(["probe", "--answer", "7"]) == 7


# ---------------------------------------------------------------------------------------------
# zero bench


def test_bench_json_figures(quick_result):
    r = quick_result
    assert set(r) == {"context", "interpreter", "evaluation", "search", "maml", "gpu", "startup"}
    if r["gpu"]["device"] is None:  # no GPU: the rows are absent and the reason is given
        assert r["gpu"]["why_none"] and r["gpu"]["evaluation"] == [] == r["gpu"]["search"]
    else:
        assert {row["batch"] for row in r["gpu"]["evaluation"]} == set(bench.GPU_BATCHES)
        assert all(_positive_finite(row["programs_per_second"]) for row in r["gpu"]["evaluation"])
    assert r["maml"][0]["device"] == "cpu" and _positive_finite(r["maml"][0]["speedup"])
    assert all(_positive_finite(v) for v in r["maml"][0]["meta_steps_per_second"].values())
    assert _positive_finite(r["search"]["individuals_per_second"]) and r["search"]["individuals"] >= 10_000
    assert 0.0 < r["search"]["fec_hit_rate"] < 1.0 and 0.0 < r["search"]["evaluated_share"] <= 1.0
    assert {"python", "numba", "numpy", "cpu", "seconds_per_figure"} <= set(r["context"])
    rows = {(row["space"], row["feature_size"]): row for row in r["interpreter"]}
    assert set(rows) == {("demo", 4), ("demo", 16), ("paper_full", 4), ("paper_full", 16)}
    assert rows[("demo", 4)]["sizes"] == [10, 2, 8]
    assert rows[("paper_full", 4)]["sizes"] == [7, 11, 23]
    for row in r["interpreter"]:
        for key in ("instructions_per_second", "ns_per_instruction", "evaluations_per_second", "instructions"):
            assert _positive_finite(row[key]), (row, key)
        assert 0 <= row["ran_to_end"] <= 1 and 0 < row["executed_share"] <= 1
        assert row["seconds"] >= bench.QUICK_SECONDS
        live = row["dead_code_removed"]
        assert 0 < live["live_share"] < 1 and live["seconds"] >= bench.QUICK_SECONDS
        for key in ("evaluations_per_second", "program_instructions_per_second", "speedup"):
            assert _positive_finite(live[key]), (row, key)
        ratio = live["program_instructions_per_second"] / row["instructions_per_second"]
        assert ratio == pytest.approx(live["speedup"])  # the same instructions counted on both paths
    for path in ("compiled", "kernel_call", "evaluate"):
        assert _positive_finite(r["evaluation"][path]["evaluations_per_second"])
        assert _positive_finite(r["evaluation"][path]["us_per_evaluation"])
    assert _positive_finite(r["startup"]["seconds"]) and _positive_finite(r["startup"]["first_seconds"])


def test_bench_tables_render(quick_result):
    from rich.console import Console

    console = Console(file=io.StringIO(), width=200)
    bench_cli.print_tables(console, quick_result)
    text = console.file.getvalue()
    assert "M instr/s" in text and "paper_full" in text and "Start-up" in text
    assert "dead code removed" in text
    assert "GPU: none" in text if quick_result["gpu"]["device"] is None else "GPU search" in text


# ---------------------------------------------------------------------------------------------
# counting executed instructions


def _replay(program: Program, tasks, feature_size: int):
    """A plain-Python copy of the kernel's task loop over the compiled ``run_component``, counting
    component calls: (instructions, predictions trace). An oracle for bench.executed_instructions."""
    run = compile_for(feature_size).run_component
    from zero.lang.encoding import encode

    code, data, bounds = encode(program)
    ns, nv, nm = program.memory
    n_setup, n_predict, n_learn = (len(c) for c in program.components())
    N, Nv = tasks.num_train, tasks.num_valid
    traces = np.full((tasks.num_tasks, tasks.epochs * (N + Nv)), np.nan)
    total = 0
    for t in range(tasks.num_tasks):
        s, v = np.zeros(ns), np.zeros((nv, feature_size))
        m = np.zeros((max(nm, 1), feature_size, feature_size))
        mf, tv, tm = m.reshape(m.shape[0], -1), np.zeros(feature_size), np.zeros((feature_size, feature_size))
        rng = np.array([tasks.rng_seeds[t]], dtype=np.uint64)
        run(code, data, bounds[0], bounds[1], s, v, m, mf, tv, tm, rng)
        total += n_setup
        stopped = False
        for epoch in range(tasks.epochs):
            for k in range(N):
                i = tasks.orders[t, epoch, k]
                v[0], s[0] = tasks.x_train[t, i], 0.0
                run(code, data, bounds[1], bounds[2], s, v, m, mf, tv, tm, rng)
                total += n_predict
                traces[t, epoch * (N + Nv) + k] = s[1]
                if not abs(tasks.y_train[t, i] - s[1]) <= MAX_ABS_ERROR:
                    stopped = True
                    break
                v[0], s[0] = tasks.x_train[t, i], tasks.y_train[t, i]
                run(code, data, bounds[2], bounds[3], s, v, m, mf, tv, tm, rng)
                total += n_learn
            if stopped:
                break
            for k in range(Nv):
                v[0], s[0] = tasks.x_valid[t, k], 0.0
                run(code, data, bounds[1], bounds[2], s, v, m, mf, tv, tm, rng)
                total += n_predict
                traces[t, epoch * (N + Nv) + N + k] = s[1]
                if not abs(tasks.y_valid[t, k] - s[1]) <= MAX_ABS_ERROR:
                    break
    return total, traces


def test_executed_instructions_match_a_replay():
    tasks = bench.reference_tasks(4)
    pool = bench.Pool.random("paper_full", (7, 11, 23), num_programs=24)
    seen = set()
    for program in pool.programs:
        traces = evaluate(program, tasks, trace=True).traces
        expected, replayed = _replay(program, tasks, 4)
        np.testing.assert_array_equal(traces, replayed)  # the replay follows the kernel
        count, complete = bench.executed_instructions(program, tasks, traces)
        assert count == expected
        full = bench.full_run_instructions(program, tasks)
        assert (count == full) == complete
        train = traces[:, : tasks.num_train]
        train_stopped = not (abs(tasks.y_train - train) <= MAX_ABS_ERROR).all()  # NaN counts as a stop
        seen.add("complete" if complete else "train stop" if train_stopped else "valid break")
    assert seen == {"complete", "train stop", "valid break"}  # every counting path was exercised


@pytest.mark.parametrize("space, sizes, feature_size", [("paper_full", (7, 11, 23), 16), ("demo", None, 4)])
def test_dead_code_removed_row_scores_every_program_as_the_whole(space, sizes, feature_size):
    """The bench's dead-code-removed path (the search loop's) gives each program of the pool the
    same per-task fitness as running all its instructions, and runs fewer of them."""
    tasks = bench.reference_tasks(feature_size)
    pool = bench.Pool.random(space, sizes, num_programs=30)
    scores = set()
    for p in range(len(pool.programs)):
        whole, live = pool.run(tasks, slice(p, p + 1)), pool.run_live(tasks, slice(p, p + 1))
        np.testing.assert_array_equal(live, whole)
        np.testing.assert_array_equal(whole, evaluate(pool.programs[p], tasks).per_task)
        scores.add(float(whole.mean()))
    assert len(scores) > 3  # programs that differ, not one degenerate score
    np.testing.assert_array_equal(pool.run_live(tasks), pool.run(tasks))  # a whole pool: its last program
    assert 0.0 < pool.live_share() < 1.0


def test_program_that_fails_its_first_prediction():
    tasks = bench.reference_tasks(4)
    big = Instruction.make("scalar_const_set", out=1, data=[1000.0])
    noop = Instruction.make("no_op")
    program = Program((noop,) * 3, (big,) * 2, (noop,) * 5, memory=(4, 3, 1))
    traces = evaluate(program, tasks, trace=True).traces
    count, complete = bench.executed_instructions(program, tasks, traces)
    assert not complete
    assert count == tasks.num_tasks * (3 + 2)  # setup, then one predict per task; no learn
    assert bench.full_run_instructions(program, tasks) == tasks.num_tasks * (3 + 100 * (2 + 5) + 100 * 2)


def test_bench_profile_accounts_for_every_stage(capsys):
    """zero bench --profile: each stage of the compiled loop measured (ns > 0 where the stage runs
    for every individual; none where the demo never goes: no hurdle stops are timed apart, but FEC
    misses are evaluated), and the per-batch figures of a real run."""
    from zero.search import evolution_kernels

    assert cli.main(["bench", "--profile", "--quick", "--experiments", "linear_regression", "--json"]) == 0
    [result] = json.loads(capsys.readouterr().out)
    loop, batch = result["loop"], result["batch"]
    assert [s["stage"] for s in loop["stages"]] == list(evolution_kernels.STAGES)
    every_individual = {"tournament, copy and mutation", "dead-code removal", "FEC fingerprint", "replacement and best"}
    assert all(s["ns_per_individual"] > 0 for s in loop["stages"] if s["stage"] in every_individual)
    assert 0 < loop["evaluated_share"] < 1 and 0 < loop["fec_hit_rate"] < 1
    assert _positive_finite(loop["unprofiled_ns_per_individual"]) and loop["individuals"] > 0
    assert batch["batches"] >= 1 and batch["checkpoint_bytes"] > 0 and _positive_finite(batch["loop_ns_per_individual"])
    assert cli.main(["bench", "--experiments", "linear_regression"]) == 2  # only with --profile


def _benchmark(name: str):
    """A script of benchmarks/ as a module (benchmarks/ is scripts, not a package)."""
    import importlib.util

    path = Path(__file__).resolve().parent.parent / "benchmarks" / f"{name}.py"
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _side_by_side():
    return _benchmark("side_by_side")


def test_side_by_side_interval_brackets_the_ratio_of_medians():
    ratio_interval = _side_by_side().ratio_interval
    zero, reference = [14.6, 50.3, 35.2, 5.3, 26.4], [66.9, 44.8, 46.3, 71.2, 49.0]
    low, high = ratio_interval(zero, reference)
    point = 26.4 / 49.0
    assert low < point < high and 0.05 < low and high < 1.2
    assert ratio_interval(zero, reference) == [low, high]  # its own fixed seed: a rerun prints the same
    narrow = ratio_interval([20.0, 21.0, 22.0] * 5, [40.0, 41.0, 42.0] * 5)
    assert 0.45 < narrow[0] < narrow[1] < 0.56  # tight data, tight interval
    assert ratio_interval([1.0, 2.0], [3.0, 4.0]) is None


def test_epoch_choice_scores_as_the_interpreter_does(tmp_path):
    """benchmarks/epoch_choice.py: its per-pass scores use the interpreter's rule (a bad prediction
    zeroes the task), zero's row is the best pass of each task and equals the recorded final
    fitness, and the pass chosen on validation is scored on the test points."""
    from test_experiments import ci_sized

    from zero.search.driver import run

    epoch_choice = _benchmark("epoch_choice")
    scores = epoch_choice.regression_scores(
        np.array([[0.0, 2.0], [np.nan, 0.0], [0.0, 200.0]]), np.zeros((3, 2)), 100.0
    )
    np.testing.assert_allclose(scores, [1 - 2 / np.pi * np.arctan(np.sqrt(2.0)), 0.0, 0.0])
    outcome = run(ci_sized("sinusoid_scalar_renew").with_overrides(**{"stop.max_individuals": 3000}), tmp_path / "run")
    result = epoch_choice.rescore(str(tmp_path / "run"))
    rows = result["rows"]
    zero = rows["zero (best epoch on the scored points)"][0]
    assert zero == pytest.approx(outcome.final_fitness, abs=1e-9)
    passes = [rows[f"epoch {k} alone"][0] for k in range(1, 6)]
    assert max(passes) <= zero + 1e-12 and sum(result["chosen_epochs"]) == 3  # 3 final tasks
    assert 0.0 <= rows["chosen on validation, scored on test"][0] <= 1.0


def test_ray_message_cost_prints_a_measured_row_per_round_count():
    """benchmarks/ray_message_cost.py on idle Ray actors: a row per R with R rounds each way in
    and out (the bytes a message carries) and a positive CPU per message for each repeat."""
    script = Path(__file__).resolve().parent.parent / "benchmarks" / "ray_message_cost.py"
    args = ["--rounds", "0,2", "--actors", "2", "--messages", "30", "--repeats", "2"]
    done = subprocess.run([sys.executable, str(script), *args], capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    lines = done.stdout.splitlines()
    round_kib = float(lines[0].split(" rows, ")[1].split(" KiB")[0])
    rows = {int(line.split()[0]): line.split() for line in lines[2:]}
    assert sorted(rows) == [0, 2]
    assert float(rows[0][1]) == 0 and float(rows[2][1].replace(",", "")) == pytest.approx(4 * round_kib, abs=1)
    for row in rows.values():
        cpus = [float(x.strip(",").replace(",", "")) for x in row[2:4]]
        assert len(cpus) == 2 and all(c > 0 for c in cpus)
    bad = subprocess.run([sys.executable, str(script), "--rounds", "x"], capture_output=True, text=True, timeout=60,
                         check=False)  # fmt: skip
    assert bad.returncode == 2 and "--rounds x" in bad.stderr
