"""Differential check: random programs through the compiled interpreter and the NumPy oracle.

The contract is bit-for-bit agreement: the same per-task fitness and the same prediction at every
step (train and validation, every epoch), NaN where a program broke off. Programs are drawn from
every shipped search space plus an "everything" space that allows all 65 ops in every component
with generous memory, so every op meets every other and NaN/inf programs are common.

Used by the test-suite, and runnable by users who change an op:
``python -m zero.interpreter.differential --programs 2000 --feature-size 4``.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass, field

import numpy as np

from zero.interpreter import oracle
from zero.interpreter.evaluator import Evaluation, evaluate
from zero.lang import ops
from zero.lang import space as spaces
from zero.lang.generator import random_program
from zero.lang.program import Memory, Program
from zero.lang.space import ComponentSpace, SearchSpace
from zero.tasks import TaskSet, TaskSpec, make_tasks

SHIPPED = ("demo", "baseline", "paper_linear", "paper_nn", "paper_full")


def everything_space() -> SearchSpace:
    """All 65 ops in every component, sizes 0..12, memory 6/6/3."""
    every = tuple(op.id for op in ops.OPS)
    component = ComponentSpace(every, 0, 12, 4)
    return SearchSpace("everything", Memory(6, 6, 3), component, component, component)


@dataclass
class Report:
    programs: int = 0
    mismatches: list[tuple[Program, str]] = field(default_factory=list)
    broke_off: int = 0  # programs stopped on some task by NaN/inf/|error| > bound
    positive: int = 0  # programs with fitness > 0
    ops_seen: set[int] = field(default_factory=set)


def _tasks_for(feature_size: int, seed: int) -> list[TaskSet]:
    small = dict(num_train=10, num_valid=6, num_test=1, epochs=2)
    families = ["sinusoid"] if feature_size == 1 else ["linear", "digits_binary"]
    return [make_tasks(TaskSpec(f, feature_size, **small), 2, seed) for f in families]


def same(a: np.ndarray, b: np.ndarray) -> bool:
    """Equal element for element, every NaN equal to every NaN (payloads and signs may differ)."""
    return a.shape == b.shape and bool(np.all((a == b) | (np.isnan(a) & np.isnan(b))))


def compare(program: Program, tasks: TaskSet) -> tuple[str | None, Evaluation]:
    """(None if both interpreters agree exactly on ``program`` × ``tasks``, else what differs;
    the compiled interpreter's evaluation)."""
    fast = evaluate(program, tasks, trace=True)
    _, per_task, traces = oracle.evaluate(program, tasks)
    if not same(fast.per_task, per_task):
        return f"fitness {fast.per_task.tolist()} != oracle {per_task.tolist()}", fast
    if not same(fast.traces, traces):
        t, k = np.argwhere(~((fast.traces == traces) | (np.isnan(fast.traces) & np.isnan(traces))))[0]
        return f"task {t} prediction {k}: {fast.traces[t, k]!r} != oracle {traces[t, k]!r}", fast
    return None, fast


def run(num_programs: int, feature_size: int, seed: int = 0) -> Report:
    rng = np.random.default_rng([seed, feature_size])
    space_list = [spaces.load(name) for name in SHIPPED] + [everything_space()] * 3
    task_sets = _tasks_for(feature_size, seed)
    report = Report()
    for k in range(num_programs):
        space = space_list[k % len(space_list)]
        sizes = tuple(int(rng.integers(c.min_size, max(c.min_size, min(c.max_size, 12)) + 1)) for c in space.components())
        program = random_program(space, rng, sizes)
        tasks = task_sets[k % len(task_sets)]
        problem, fast = compare(program, tasks)
        if problem:
            report.mismatches.append((program, f"{tasks.spec.family}: {problem}"))
        report.programs += 1
        report.broke_off += bool(np.isnan(fast.traces).any())
        report.positive += fast.fitness > 0
        report.ops_seen.update(ins.op for part in program.components() for ins in part)
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--programs", type=int, default=1000)
    parser.add_argument("--feature-size", type=int, default=4)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    report = run(args.programs, args.feature_size, args.seed)
    print(
        f"{report.programs} programs, F={args.feature_size}: {len(report.mismatches)} mismatches, "
        f"{report.broke_off} broke off (NaN/inf/error bound), {report.positive} with fitness > 0, "
        f"{len(report.ops_seen)}/{ops.NUM_OPS} ops exercised"
    )
    for program, problem in report.mismatches[:3]:
        print(problem)
        print(program.render())
    return 1 if report.mismatches else 0


if __name__ == "__main__":
    raise SystemExit(main())
