#!/usr/bin/env python3
"""Side-by-side benchmark: the reference C++ AutoML-Zero demo against ``zero run``.

Both run one at a time, alternating, pinned to one CPU core with ``taskset -c CORE``:

``throughput``  R rounds; in each, the reference demo and ``zero run --workers 1`` on the demo
                experiment each search for a window of W seconds with the stop-by-fitness off.
                Individuals/s of the reference come from its own progress lines
                (``indivs=N, elapsed_secs=E, ...``), those of zero from ``final.json``
                (individuals / seconds). Prints each round, the zero/reference ratio, its median
                and range, and each process's whole wall time (zero's includes its start-up).
``solve``       for each seed, the reference demo (stopping at the demo's sufficient fitness,
                ``--random_seed=S``) and ``zero run --workers 1 --seed S`` (default experiment):
                time to solution (wall time until the process ends; zero's own search
                ``seconds``; the reference's time until its search ended), whether each solved,
                the medians and the ratio of medians. A run past ``--timeout`` is killed, unsolved.

The reference's flags are not in this file: they are read from the ``run_demo.sh`` of the user's
own checkout of the reference (``--reference-dir``, default the folder of the ``--reference``
binary), the ``--flag=value`` words after the ``--`` of its ``bazel run ... :run_search_experiment
--`` command; the harness then sets ``--random_seed`` (and, for ``throughput``,
``--sufficient_fitness`` and ``--max_experiments``) itself, replacing the script's.

Standard library only; zero is run through its CLI. How to build the reference binary:
benchmarks/README.md. Example::

    python benchmarks/side_by_side.py throughput --reference PATH/run_search_experiment
    python benchmarks/side_by_side.py solve --reference PATH/run_search_experiment --seeds 31,32,33
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import re
import shlex
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DEFAULT_EXPERIMENT = REPO / "experiments" / "linear_regression.yaml"

# The reference's demo flags are read from the user's own checkout (its run_demo.sh), never copied
# here: the flags after the `--` of its `bazel run ... :run_search_experiment --` command.
DEMO_SCRIPT = "run_demo.sh"
DEMO_TARGET = "run_search_experiment"
UNREACHABLE_FITNESS = "2"  # the demo's select fitness lies in [0, 1]: never stops by fitness
_SEPARATORS = (";", "&", "|", "(", ")", "<", ">", "\n")  # tokens that end a shell command


class DemoFlags:
    """The demo's command line as the reference's run_demo.sh has it.

    ``flags``: every ``--flag=value`` / ``--flag`` after the ``--`` of the ``bazel run ...
    :run_search_experiment --`` command, in order; ``copts``: the ``--copt=`` values of that bazel
    command (the compile-time memory sizes the binary must be built with)."""

    def __init__(self, script: Path):
        self.script = script
        try:
            text = script.read_text()
        except OSError as e:
            raise HarnessError(f"cannot read {script} ({e.strerror or e}); --reference-dir names the reference's "
                               f"automl_zero/ folder, which holds {DEMO_SCRIPT}") from None  # fmt: skip
        # shlex as shlex.split does it (POSIX, '#' comments), but with the command separators and
        # newlines outside quotes kept as tokens, so the command's flags end where the command does
        lexer = shlex.shlex(text.replace("\\\n", ""), posix=True, punctuation_chars="".join(_SEPARATORS))
        lexer.whitespace, lexer.whitespace_split, lexer.commenters = " \t\r", True, "#"
        try:
            tokens = list(lexer)
        except ValueError as e:
            raise HarnessError(f"{script}: cannot split it into shell words ({e})") from None
        at = next((i for i in range(1, len(tokens)) if tokens[i] == "--" and tokens[i - 1].endswith(DEMO_TARGET)), None)
        if at is None:
            raise HarnessError(f"{script}: no `bazel run ... :{DEMO_TARGET} -- FLAGS` command in it")
        begin = max((i + 1 for i in range(at) if tokens[i] and set(tokens[i]) <= set(_SEPARATORS)), default=0)
        self.copts = [t.removeprefix("--copt=") for t in tokens[begin:at] if t.startswith("--copt=")]
        self.flags = []
        for token in tokens[at + 1 :]:
            if not token.startswith("--"):
                break  # the end of the command (a separator, a newline or another word)
            self.flags.append(token)
        if not self.flags:
            raise HarnessError(f"{script}: its `{DEMO_TARGET} --` command has no --flags after the `--`")

    @staticmethod
    def name(flag: str) -> str:
        return flag[2:].split("=", 1)[0]

    def with_overrides(self, overrides: dict[str, str]) -> list[str]:
        """The demo's flags without those the harness sets (``--NAME=...``, ``--NAME``, ``--noNAME``),
        then the harness's ``--NAME=VALUE``."""
        names = set(overrides) | {f"no{n}" for n in overrides}
        kept = [f for f in self.flags if self.name(f) not in names]
        return kept + [f"--{k}={v}" for k, v in overrides.items()]

    def value(self, name: str) -> str | None:
        found = [f.split("=", 1)[1] if "=" in f else "true" for f in self.flags if self.name(f) == name]
        return found[-1] if found else None


# "indivs=11000, elapsed_secs=1, mean=0.295648, stdev=0.139404, best fit=0.387221,"
PROGRESS = re.compile(r"^indivs=(\d+), elapsed_secs=(-?\d+), mean=(\S+), stdev=(\S+), best fit=([^,\s]+),?\s*$")
NEW_EXPERIMENT = "Running evolution experiment"
SEARCH_DONE = "Final evaluation of best algorithm"
FINAL_FITNESS = re.compile(r"^Final evaluation fitness \(on unseen data\) = (\S+)")
SELECT_FITNESS = re.compile(r"^Select fitness for candidate algorithm = (\S+)")

# One core each: no helper threads from numerical libraries.
CHILD_ENV = {"OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "NUMBA_NUM_THREADS": "1"}


class HarnessError(Exception):
    pass


# ---- processes -----------------------------------------------------------------------------------


class Proc:
    """A child in its own session, pinned with taskset; stdout read line by line in a thread, each
    line stamped with the seconds since the start; stderr kept in a file."""

    def __init__(self, argv: list[str], core: int, log_dir: Path, name: str, cwd: Path | None = None):
        self.stderr_path = log_dir / f"{name}.stderr"
        self.stdout_path = log_dir / f"{name}.stdout"
        self.lines: list[tuple[float, str]] = []
        self._stderr = open(self.stderr_path, "w")  # noqa: SIM115 (open while the child runs)
        env = {**os.environ, **CHILD_ENV}
        self.start = time.monotonic()
        self.popen = subprocess.Popen(["taskset", "-c", str(core), *argv], stdout=subprocess.PIPE, stderr=self._stderr,
                                      stdin=subprocess.DEVNULL, text=True, env=env, cwd=cwd, start_new_session=True,
                                      bufsize=1)  # fmt: skip
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        self.end: float | None = None
        self.killed = False

    def _read(self) -> None:
        with open(self.stdout_path, "w") as out:
            for line in self.popen.stdout:
                self.lines.append((time.monotonic() - self.start, line.rstrip("\n")))
                out.write(line)

    def wait(self, timeout: float) -> bool:
        """Waits up to ``timeout`` seconds from the start; kills the child past it. True if it
        ended by itself."""
        try:
            self.popen.wait(timeout=max(0.0, self.start + timeout - time.monotonic()))
            ended = True
        except subprocess.TimeoutExpired:
            self.stop()
            ended = False
        self._finish()
        return ended

    def stop(self) -> None:
        """SIGTERM to the child's process group, SIGKILL 10 s later if it is still there."""
        self.killed = True
        for sig, grace in ((signal.SIGTERM, 10.0), (signal.SIGKILL, 10.0)):
            try:
                os.killpg(self.popen.pid, sig)
            except ProcessLookupError:
                break
            try:
                self.popen.wait(timeout=grace)
                break
            except subprocess.TimeoutExpired:
                continue

    def _finish(self) -> None:
        if self.end is None:
            self.end = time.monotonic() - self.start
        self._reader.join(timeout=10)
        self._stderr.close()

    @property
    def wall(self) -> float:
        return self.end if self.end is not None else time.monotonic() - self.start

    def stderr_tail(self, n: int = 15) -> str:
        try:
            return "\n".join(self.stderr_path.read_text(errors="replace").splitlines()[-n:])
        except OSError:
            return ""


# ---- the reference -------------------------------------------------------------------------------


def parse_reference(lines: list[tuple[float, str]]) -> dict:
    """Figures from the reference's stdout. Each experiment's progress counts restart at 0: the
    individuals are summed over experiments, and so are their last ``elapsed_secs`` (whole seconds,
    the binary's own clock). ``line_timed`` is the same from the harness's arrival times of the
    progress lines (sub-second, excludes each experiment's first batch)."""
    experiments: list[list[tuple[float, int, int, float]]] = []
    search_done_at = None
    final_fitness = None
    select = []
    for t, line in lines:
        if line.startswith(NEW_EXPERIMENT):
            experiments.append([])
            continue
        m = PROGRESS.match(line)
        if m:
            indivs, elapsed, best = int(m.group(1)), int(m.group(2)), float(m.group(5))
            if not experiments or (experiments[-1] and indivs < experiments[-1][-1][1]):
                experiments.append([])
            experiments[-1].append((t, indivs, elapsed, best))
            continue
        m = SELECT_FITNESS.match(line)
        if m:
            select.append(float(m.group(1)))
            continue
        if line.startswith(SEARCH_DONE):
            search_done_at = t
            continue
        m = FINAL_FITNESS.match(line)
        if m:
            final_fitness = float(m.group(1))
    experiments = [e for e in experiments if e]
    individuals = sum(e[-1][1] for e in experiments)
    elapsed = sum(e[-1][2] for e in experiments)
    timed_n = sum(e[-1][1] - e[0][1] for e in experiments if len(e) > 1)
    timed_s = sum(e[-1][0] - e[0][0] for e in experiments if len(e) > 1)
    return {
        "individuals": individuals,
        "elapsed_secs": elapsed,
        "individuals_per_second": individuals / elapsed if elapsed > 0 else None,
        "line_timed_individuals_per_second": timed_n / timed_s if timed_s > 0 else None,
        "experiments": len(experiments),
        "progress_lines": sum(len(e) for e in experiments),
        "best_search_fitness": max((p[3] for e in experiments for p in e), default=None),
        "select_fitnesses": select,
        "search_done_seconds": search_done_at,
        "final_fitness": final_fitness,
    }


def run_reference(binary: Path, demo: DemoFlags, core: int, seed: int, log_dir: Path, name: str, *,
                  window: float | None = None, timeout: float | None = None) -> dict:  # fmt: skip
    """With ``window``: the demo never stopping by fitness (``--sufficient_fitness`` above any
    fitness, ``--max_experiments=0``), stopped after ``window`` seconds. With ``timeout``: the demo
    as run_demo.sh has it (stops once a select fitness exceeds its ``--sufficient_fitness``), killed
    past ``timeout`` seconds. Either way with ``--random_seed=seed``."""
    overrides = {"random_seed": str(seed)}
    if window is not None:
        overrides.update(sufficient_fitness=UNREACHABLE_FITNESS, max_experiments="0")
    proc = Proc([str(binary), *demo.with_overrides(overrides)], core, log_dir, name)
    ended = proc.wait(window if window is not None else timeout)
    figures = parse_reference(proc.lines)
    rc = proc.popen.returncode
    if window is not None:
        if ended:
            raise HarnessError(f"the reference ended before its {window:g} s window (exit {rc}):\n{proc.stderr_tail()}")
        if figures["progress_lines"] == 0:
            raise HarnessError(
                f"the reference printed no progress line in {window:g} s; is it the demo binary "
                f"(run_search_experiment)? stderr:\n{proc.stderr_tail()}"
            )
    elif ended and rc != 0:
        raise HarnessError(f"the reference failed (exit {rc}):\n{proc.stderr_tail()}")
    solved = ended and rc == 0 and figures["final_fitness"] is not None
    return {**figures, "wall": proc.wall, "solved": solved, "timed_out": not ended, "seed": seed,
            "stdout": str(proc.stdout_path)}  # fmt: skip


# ---- zero ----------------------------------------------------------------------------------------


def run_zero(zero: Path, core: int, seed: int, log_dir: Path, name: str, timeout: float,
             experiment: Path | None = None, overrides: tuple[str, ...] = ()) -> dict:  # fmt: skip
    """``zero run`` on one core; ``overrides``: experiment keys as ``KEY=VALUE`` (``zero run --set``)."""
    out_dir = log_dir / f"{name}.run"
    argv = [str(zero), "run", *([str(experiment)] if experiment else []), "--workers", "1", "--seed", str(seed),
            *[arg for override in overrides for arg in ("--set", override)], "--json", "--out", str(out_dir)]  # fmt: skip
    proc = Proc(argv, core, log_dir, name, cwd=log_dir)
    ended = proc.wait(timeout)
    rc = proc.popen.returncode
    final = None
    try:
        final = json.loads((out_dir / "final.json").read_text())
    except (OSError, ValueError):
        pass
    if final is None:
        for _, line in reversed(proc.lines):
            if line.startswith("{"):
                try:
                    final = json.loads(line)
                    break
                except ValueError:
                    continue
    if ended and (rc != 0 or final is None):
        raise HarnessError(f"zero run failed (exit {rc}): {' '.join(argv)}\n{proc.stderr_tail()}")
    final = final or {}
    individuals, seconds = final.get("individuals"), final.get("seconds")
    return {
        "individuals": individuals,
        "seconds": seconds,
        "individuals_per_second": individuals / seconds if individuals and seconds else None,
        "stopped": final.get("stopped"),
        "select_fitness": final.get("select_fitness"),
        "final_fitness": final.get("final_fitness"),
        "fec_hit_rate": final.get("fec_hit_rate"),
        "wall": proc.wall,
        "solved": ended and final.get("stopped") == "solved",
        "timed_out": not ended,
        "seed": seed,
        "run_dir": str(out_dir),
    }


# ---- modes ---------------------------------------------------------------------------------------


def fmt(x: float | None, spec: str = ".0f") -> str:
    return "-" if x is None else format(x, spec)


def throughput(args: argparse.Namespace, reference: Path, demo: DemoFlags, zero: Path, log_dir: Path) -> dict:
    window = ("stop.select_fitness=null", f"stop.max_seconds={float(args.seconds)!r}")  # never stops by fitness
    rows = []
    for r in range(args.rounds):
        seed = args.seed + r
        order = ("reference", "zero") if r % 2 == 0 else ("zero", "reference")
        got = {}
        for who in order:
            note(f"round {r + 1}/{args.rounds}: {who} (seed {seed}, {args.seconds:g} s window)")
            if who == "reference":
                got[who] = run_reference(
                    reference, demo, args.core, seed, log_dir, f"r{r + 1}-reference", window=args.seconds
                )
            else:
                got[who] = run_zero(zero, args.core, seed, log_dir, f"r{r + 1}-zero", args.seconds + args.zero_slack,
                                    args.experiment, window)  # fmt: skip
                if got[who]["timed_out"]:
                    raise HarnessError(
                        f"zero run did not end within {args.seconds + args.zero_slack:g} s "
                        f"(window + --zero-slack); see {log_dir}"
                    )
                if got[who]["stopped"] != "max_seconds":
                    note(f"warning: zero stopped by {got[who]['stopped']!r}, not by its time window")
        ref, zr = got["reference"], got["zero"]
        ratio = (zr["individuals_per_second"] / ref["individuals_per_second"]
                 if zr["individuals_per_second"] and ref["individuals_per_second"] else None)  # fmt: skip
        rows.append({"round": r + 1, "seed": seed, "order": list(order), "reference": ref, "zero": zr, "ratio": ratio})
    ratios = [row["ratio"] for row in rows if row["ratio"] is not None]
    summary = {
        "median_ratio": statistics.median(ratios) if ratios else None,
        "min_ratio": min(ratios) if ratios else None,
        "max_ratio": max(ratios) if ratios else None,
        "median_reference_individuals_per_second": median_of(rows, "reference", "individuals_per_second"),
        "median_zero_individuals_per_second": median_of(rows, "zero", "individuals_per_second"),
    }

    print(f"\nthroughput: {args.rounds} round(s), {args.seconds:g} s search window each, core {args.core}, "
          f"one worker; individuals/s")  # fmt: skip
    head = (f"{'round':>5} {'seed':>5}  {'ref indiv':>10} {'ref s':>5} {'ref ind/s':>9} {'(lines)':>8} {'ref wall':>8}"
            f"  {'zero indiv':>10} {'zero s':>6} {'zero ind/s':>10} {'zero wall':>9}  {'zero/ref':>8}")  # fmt: skip
    print(head)
    print("-" * len(head))
    for row in rows:
        ref, zr = row["reference"], row["zero"]
        print(f"{row['round']:>5} {row['seed']:>5}  {ref['individuals']:>10,} {ref['elapsed_secs']:>5} "
              f"{fmt(ref['individuals_per_second']):>9} {fmt(ref['line_timed_individuals_per_second']):>8} "
              f"{ref['wall']:>8.1f}  {zr['individuals'] or 0:>10,} {fmt(zr['seconds'], '.1f'):>6} "
              f"{fmt(zr['individuals_per_second']):>10} {zr['wall']:>9.1f}  {fmt(row['ratio'], '.3f'):>8}")  # fmt: skip
    print(f"median zero/reference ratio {fmt(summary['median_ratio'], '.3f')} "
          f"(range {fmt(summary['min_ratio'], '.3f')} - {fmt(summary['max_ratio'], '.3f')}); "
          f"median individuals/s: reference {fmt(summary['median_reference_individuals_per_second'])}, "
          f"zero {fmt(summary['median_zero_individuals_per_second'])}")  # fmt: skip
    print("ref s: the reference's own elapsed_secs (whole seconds, summed over its experiments); (lines): its rate "
          "timed by the harness from when the progress lines arrived; wall: whole process, zero's with start-up "
          "and its final evaluation")  # fmt: skip
    return {"mode": "throughput", "rounds": rows, "summary": summary}


def median_of(rows: list[dict], who: str, key: str) -> float | None:
    values = [row[who][key] for row in rows if row[who][key] is not None]
    return statistics.median(values) if values else None


def solve(args: argparse.Namespace, reference: Path, demo: DemoFlags, zero: Path, log_dir: Path) -> dict:
    rows = []
    for k, seed in enumerate(args.seeds):
        order = ("reference", "zero") if k % 2 == 0 else ("zero", "reference")
        got = {}
        for who in order:
            note(f"seed {seed} ({k + 1}/{len(args.seeds)}): {who}, timeout {args.timeout:g} s")
            if who == "reference":
                got[who] = run_reference(
                    reference, demo, args.core, seed, log_dir, f"s{seed}-reference", timeout=args.timeout
                )
            else:
                got[who] = run_zero(zero, args.core, seed, log_dir, f"s{seed}-zero", args.timeout,
                                    args.experiment if args.experiment_given else None)  # fmt: skip
            note(f"  {'solved' if got[who]['solved'] else 'NOT solved'} in {got[who]['wall']:.1f} s wall")
        rows.append({"seed": seed, "order": list(order), "reference": got["reference"], "zero": got["zero"]})

    def med(who: str) -> tuple[float, bool]:
        # unsolved runs count as the timeout (a lower bound), so the median is one too if it lands there
        walls = sorted(row[who]["wall"] if row[who]["solved"] else args.timeout for row in rows)
        unsolved = sum(not row[who]["solved"] for row in rows)
        return statistics.median(walls), unsolved > 0 and len(walls) // 2 >= len(walls) - unsolved

    ref_med, ref_censored = med("reference")
    zero_med, zero_censored = med("zero")
    interval = ratio_interval([row["zero"]["wall"] if row["zero"]["solved"] else args.timeout for row in rows],
                              [row["reference"]["wall"] if row["reference"]["solved"] else args.timeout for row in rows])  # fmt: skip
    zero_secs = [row["zero"]["seconds"] for row in rows if row["zero"]["solved"] and row["zero"]["seconds"] is not None]
    ref_secs = [row["reference"]["search_done_seconds"] for row in rows if row["reference"]["solved"]]
    summary = {
        "reference_solved": sum(row["reference"]["solved"] for row in rows),
        "zero_solved": sum(row["zero"]["solved"] for row in rows),
        "runs": len(rows),
        "median_reference_wall": ref_med, "reference_median_is_lower_bound": ref_censored,
        "median_zero_wall": zero_med, "zero_median_is_lower_bound": zero_censored,
        "ratio_of_median_walls": zero_med / ref_med if ref_med else None,
        "ratio_95_interval": interval,
        "median_zero_seconds_solved": statistics.median(zero_secs) if zero_secs else None,
        "median_reference_search_seconds_solved": statistics.median(ref_secs) if ref_secs else None,
    }  # fmt: skip

    print(f"\nsolve: time to solution, core {args.core}, one worker, timeout {args.timeout:g} s")
    head = (f"{'seed':>5}  {'ref':>6} {'ref wall':>8} {'ref search':>10} {'exps':>4} {'ref indiv':>10}"
            f"  {'zero':>6} {'zero wall':>9} {'zero s':>7} {'zero indiv':>10} {'stopped':>14}")  # fmt: skip
    print(head)
    print("-" * len(head))
    for row in rows:
        ref, zr = row["reference"], row["zero"]
        print(f"{row['seed']:>5}  {'solved' if ref['solved'] else 'no':>6} {ref['wall']:>8.1f} "
              f"{fmt(ref['search_done_seconds'], '.1f'):>10} {ref['experiments']:>4} {ref['individuals']:>10,}  "
              f"{'solved' if zr['solved'] else 'no':>6} {zr['wall']:>9.1f} {fmt(zr['seconds'], '.1f'):>7} "
              f"{zr['individuals'] or 0:>10,} {zr['stopped'] or ('timeout' if zr['timed_out'] else '-')!s:>14}")  # fmt: skip
    print(f"solved: reference {summary['reference_solved']}/{len(rows)}, zero {summary['zero_solved']}/{len(rows)}")
    print(f"median wall time to solution: reference {'>=' * ref_censored}{ref_med:.1f} s, "
          f"zero {'>=' * zero_censored}{zero_med:.1f} s; ratio of medians zero/reference "
          f"{fmt(summary['ratio_of_median_walls'], '.2f')} (unsolved runs count as the timeout"
          f"{'; a median is a lower bound, so the ratio is only a bound' * (ref_censored or zero_censored)})")  # fmt: skip
    if interval:
        print(f"95% interval of the ratio of medians (bootstrap over seeds, each engine's seeds resampled): "
              f"{interval[0]:.2f}-{interval[1]:.2f}")  # fmt: skip
    print(f"medians over solved runs: zero's own search seconds {fmt(summary['median_zero_seconds_solved'], '.1f')}, "
          f"reference's time until its search ended {fmt(summary['median_reference_search_seconds_solved'], '.1f')}")  # fmt: skip
    print(
        "ref indiv: individuals summed over the reference's experiments as far as its last progress lines "
        "(each experiment restarts from a fresh population)"
    )
    return {"mode": "solve", "seeds": rows, "summary": summary}


def ratio_interval(zero_walls: list[float], reference_walls: list[float], resamples: int = 10_000) -> list[float] | None:
    """A 95% percentile-bootstrap interval of median(zero) / median(reference). The two engines draw
    unrelated random streams from a seed, so a seed pairs nothing: each side is resampled on its own
    (fixed bootstrap seed, so a rerun prints the same interval). None below 3 seeds."""
    if len(zero_walls) < 3:
        return None
    draw = random.Random(0)
    ratios = sorted(statistics.median(draw.choices(zero_walls, k=len(zero_walls)))
                    / statistics.median(draw.choices(reference_walls, k=len(reference_walls)))
                    for _ in range(resamples))  # fmt: skip
    return [ratios[int(0.025 * resamples)], ratios[int(0.975 * resamples) - 1]]


# ---- command line --------------------------------------------------------------------------------


def note(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def find_zero(given: str | None) -> Path:
    if given:
        path = Path(given)
        if not path.is_file() or not os.access(path, os.X_OK):
            raise HarnessError(f"--zero {given}: no executable file there")
        return path.resolve()
    for candidate in (shutil.which("zero"), REPO / ".venv" / "bin" / "zero"):
        if candidate and Path(candidate).is_file() and os.access(candidate, os.X_OK):
            return Path(candidate).resolve()
    raise HarnessError("no `zero` on PATH and no .venv/bin/zero in the repository; pass --zero PATH")


def find_reference(given: str) -> Path:
    path = Path(given)
    if not path.exists():
        raise HarnessError(f"--reference {given}: no such file. Build the reference run_search_experiment binary "
                           "first (benchmarks/README.md, 'Building the reference').")  # fmt: skip
    if path.is_dir():
        inner = path / "run_search_experiment"
        if inner.is_file():
            path = inner
        else:
            raise HarnessError(f"--reference {given} is a folder without run_search_experiment in it")
    if not os.access(path, os.X_OK):
        raise HarnessError(f"--reference {given}: not executable")
    return path.resolve()


def load_demo(directory: Path) -> DemoFlags:
    script = directory / DEMO_SCRIPT
    if not script.is_file():
        raise HarnessError(f"no {DEMO_SCRIPT} in {directory}: pass --reference-dir, the reference's automl_zero/ "
                           f"folder (the demo's flags are read from its {DEMO_SCRIPT})")  # fmt: skip
    return DemoFlags(script.resolve())


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--reference",
        required=True,
        metavar="PATH",
        help="the reference binary run_search_experiment (built with the demo's memory sizes)",
    )
    common.add_argument("--reference-dir", type=Path, metavar="DIR",
                        help=f"the reference's automl_zero/ folder, whose {DEMO_SCRIPT} gives the demo's flags "
                             "(default: the folder of the --reference binary)")  # fmt: skip
    common.add_argument("--zero", metavar="PATH", help="the zero CLI (default: `zero` on PATH, else .venv/bin/zero)")
    common.add_argument("--core", type=int, default=0, metavar="N", help="the CPU core to pin both to (default 0)")
    common.add_argument("--experiment", type=Path, metavar="YAML",
                        help="zero's experiment (default: experiments/linear_regression.yaml; in solve mode, "
                             "zero run's default)")  # fmt: skip
    common.add_argument("--json", action="store_true", help="also print all figures as one JSON object")
    common.add_argument(
        "--keep", metavar="DIR", help="keep the logs and run directories in DIR (default: a temp dir, removed)"
    )

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter,
                                     epilog="See benchmarks/README.md.")  # fmt: skip
    modes = parser.add_subparsers(dest="mode", required=True)
    t = modes.add_parser("throughput", parents=[common], help="individuals/s of each over fixed windows")
    t.add_argument("--rounds", type=int, default=3, help="rounds, each runs both (default 3)")
    t.add_argument("--seconds", type=float, default=30.0, help="search window of each run in seconds (default 30)")
    t.add_argument("--seed", type=int, default=31, help="seed of round 1; round r uses seed + r - 1 (default 31)")
    t.add_argument(
        "--zero-slack",
        type=float,
        default=300.0,
        metavar="S",
        help="seconds zero may take beyond its window (start-up, final evaluation) before it is killed",
    )
    s = modes.add_parser("solve", parents=[common], help="time to solution for each seed")
    s.add_argument("--seeds", default="31,32,33,34,35", help="comma-separated seeds (default 31,32,33,34,35)")
    s.add_argument(
        "--timeout", type=float, default=600.0, help="seconds per run before it counts as unsolved (default 600)"
    )
    args = parser.parse_args(argv)
    if args.mode == "solve":
        try:
            args.seeds = [int(x) for x in args.seeds.split(",") if x.strip()]
        except ValueError:
            parser.error(f"--seeds {args.seeds!r}: comma-separated integers expected")
        if not args.seeds or any(x < 1 for x in args.seeds):
            parser.error("--seeds: positive integers (the reference takes 0 as 'pick a random seed')")
    else:
        if args.rounds < 1 or args.seconds <= 0:
            parser.error("--rounds must be >= 1 and --seconds > 0")
        if args.seed < 1:
            parser.error("--seed: a positive integer (the reference takes 0 as 'pick a random seed')")
    args.experiment_given = args.experiment is not None
    if args.experiment is None:
        args.experiment = DEFAULT_EXPERIMENT
    args.experiment = args.experiment.resolve()  # zero runs in the log folder
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        reference = find_reference(args.reference)
        demo = load_demo(args.reference_dir or reference.parent)
        zero = find_zero(args.zero)
        if shutil.which("taskset") is None:
            raise HarnessError("taskset not found (util-linux); it pins each run to one core")
        if hasattr(os, "sched_getaffinity") and args.core not in os.sched_getaffinity(0):
            raise HarnessError(f"--core {args.core}: not one of this process's CPUs {sorted(os.sched_getaffinity(0))}")
        if (args.mode == "throughput" or args.experiment_given) and not args.experiment.is_file():
            raise HarnessError(f"experiment {args.experiment}: no such file")
        if args.keep:
            log_dir = Path(args.keep).resolve()
            log_dir.mkdir(parents=True, exist_ok=False)
            cleanup = None
        else:
            cleanup = tempfile.TemporaryDirectory(prefix="side_by_side-")
            log_dir = Path(cleanup.name)
        try:
            note(f"reference {reference}\ndemo      {demo.script}: {len(demo.flags)} flags "
                 f"({', '.join(demo.name(f) for f in demo.flags)}); the binary must be built with its "
                 f"{' '.join(demo.copts) or '(no --copt)'}\nzero      {zero}\nlogs      {log_dir}")  # fmt: skip
            if args.mode == "solve" and demo.value("sufficient_fitness") is None:
                note(f"warning: {demo.script} sets no --sufficient_fitness: the reference stops by fitness "
                     "only at its built-in default")  # fmt: skip
            result = (throughput if args.mode == "throughput" else solve)(args, reference, demo, zero, log_dir)
        finally:
            if cleanup is not None:
                cleanup.cleanup()
    except HarnessError as e:
        print(f"side_by_side: error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("side_by_side: interrupted", file=sys.stderr)
        return 130
    if args.json:
        result["context"] = {
            "reference": str(reference), "reference_demo": str(demo.script),
            "reference_demo_flags": [demo.name(f) for f in demo.flags], "reference_copts": demo.copts,
            "zero": str(zero), "core": args.core, "cpu": cpu_model(),
            "python": platform.python_version(), "zero_version": zero_version(zero),
            "time": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        }  # fmt: skip
        print(json.dumps(result))
    return 0


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def zero_version(zero: Path) -> str | None:
    try:
        done = subprocess.run([str(zero), "--version"], check=False, capture_output=True, text=True, timeout=120)
        return (done.stdout or done.stderr).strip() or None
    except (OSError, subprocess.SubprocessError):
        return None


if __name__ == "__main__":
    sys.exit(main())
