"""Differential check: random programs through the compiled interpreter and the NumPy oracle.

The contract is bit-for-bit agreement: the same per-task fitness and the same prediction at every
step (train and validation, every epoch), NaN where a program broke off. Programs are drawn from
every shipped search space plus an "everything" space that allows all 65 ops in every component
with generous memory, so every op meets every other and NaN/inf programs are common.

Used by the test-suite, and runnable by users who change an op:
``python -m zero.interpreter.differential --programs 2000 --feature-size 4``.

``--device cuda`` checks the GPU evaluator (:mod:`zero.interpreter.gpu`) against the oracle the same
way, the programs of a task set in one batch. Its contract (see that module): bit-for-bit on
programs without transcendental ops (sin, cos, tan, asin, acos, atan, exp, log, Gaussian draws,
sigmoid), within ``GPU_TOLERANCE`` per task on the others, where the device's libm may round
differently; under numba's simulator (``NUMBA_ENABLE_CUDASIM=1``) everything is bit-for-bit.
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

SHIPPED = tuple(sorted(path.stem for path in spaces.SPACES_DIR.glob("*.yaml")))  # every shipped search space


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


def random_cases(num_programs: int, feature_size: int, seed: int = 0) -> tuple[list[TaskSet], list[tuple[Program, int]]]:
    """The check's task sets and its ``num_programs`` random programs, each with the index of the
    task set it runs on: the spaces in turn, sizes up to 12 per component, one seeded stream."""
    rng = np.random.default_rng([seed, feature_size])
    space_list = [spaces.load(name) for name in SHIPPED] + [everything_space()] * 3
    task_sets = _tasks_for(feature_size, seed)
    cases = []
    for k in range(num_programs):
        space = space_list[k % len(space_list)]
        sizes = tuple(int(rng.integers(c.min_size, max(c.min_size, min(c.max_size, 12)) + 1)) for c in space.components())
        cases.append((random_program(space, rng, sizes), k % len(task_sets)))
    return task_sets, cases


def run(num_programs: int, feature_size: int, seed: int = 0) -> Report:
    task_sets, cases = random_cases(num_programs, feature_size, seed)
    report = Report()
    for program, t in cases:
        tasks = task_sets[t]
        problem, fast = compare(program, tasks)
        if problem:
            report.mismatches.append((program, f"{tasks.spec.family}: {problem}"))
        report.programs += 1
        report.broke_off += bool(np.isnan(fast.traces).any())
        report.positive += fast.fitness > 0
        report.ops_seen.update(ins.op for part in program.components() for ins in part)
    return report


GPU_TOLERANCE = 1e-9  # per-task fitness, programs with device-libm ops (see zero.interpreter.gpu)
LIBM_OPS = frozenset({ops.SCALAR_SIN, ops.SCALAR_COS, ops.SCALAR_TAN, ops.SCALAR_ARCSIN, ops.SCALAR_ARCCOS,
                      ops.SCALAR_ARCTAN, ops.SCALAR_EXP, ops.SCALAR_LOG, ops.SCALAR_GAUSSIAN_SET,
                      ops.VECTOR_GAUSSIAN_SET, ops.MATRIX_GAUSSIAN_SET})  # fmt: skip


LIBM_DIVERGED_SHARE = 0.01  # libm programs allowed beyond GPU_TOLERANCE: chaotic ones amplify a last-bit difference


@dataclass
class GpuReport:
    """The GPU's contract: every program without libm ops bit-identical, every libm program within
    GPU_TOLERANCE per task but at most LIBM_DIVERGED_SHARE of all programs (``ok``)."""

    programs: int = 0
    exact: int = 0  # per-task fitness and every prediction bit-identical to the oracle's
    within_tolerance: int = 0  # not exact, but every task within GPU_TOLERANCE (libm programs only)
    libm_diverged: int = 0  # libm programs beyond GPU_TOLERANCE on some task
    mismatches: list[tuple[Program, str]] = field(default_factory=list)  # programs without libm ops that differ, and the diverged
    ops_seen: set[int] = field(default_factory=set)
    device: str = ""

    @property
    def ok(self) -> bool:
        return len(self.mismatches) == self.libm_diverged <= LIBM_DIVERGED_SHARE * self.programs


def uses_libm(program: Program, tasks: TaskSet) -> bool:
    """Whether the device's libm can change ``program``'s predictions: it uses a transcendental op,
    or the task is classification (the interpreter applies a sigmoid, an exp)."""
    return tasks.classification or any(ins.op in LIBM_OPS for part in program.components() for ins in part)


def run_gpu(num_programs: int, feature_size: int, seed: int = 0) -> GpuReport:
    """The programs of :func:`run` (same seed, same draws) on the GPU, each task set's in one batch."""
    from zero.interpreter.batch import stack
    from zero.interpreter.evaluator import live_encoding
    from zero.interpreter.gpu import CudaEvaluator

    task_sets, cases = random_cases(num_programs, feature_size, seed)
    report = GpuReport()
    for t, tasks in enumerate(task_sets):
        programs = [program for program, on in cases if on == t]
        if not programs:
            continue
        memory = Memory(*(max(p.memory[i] for p in programs) for i in range(3)))  # smaller programs never reach beyond their own
        evaluator = CudaEvaluator(tasks, memory)
        report.device = evaluator.device
        per_task, traces = evaluator.run(*stack([live_encoding(p) for p in programs]), trace=True)
        for i, program in enumerate(programs):
            report.programs += 1
            report.ops_seen.update(ins.op for part in program.components() for ins in part)
            _, want, want_traces = oracle.evaluate(program, tasks)
            if same(per_task[i], want) and same(traces[i], want_traces):
                report.exact += 1
                continue
            close = same(np.isnan(per_task[i]), np.isnan(want)) and bool(np.all(np.abs(per_task[i] - want) <= GPU_TOLERANCE))
            libm = uses_libm(program, tasks)
            if close and libm:
                report.within_tolerance += 1
                continue
            report.libm_diverged += libm
            report.mismatches.append((program, f"{tasks.spec.family}: gpu {per_task[i].tolist()} != oracle {want.tolist()}"))
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--programs", type=int, default=1000)
    parser.add_argument("--feature-size", type=int, default=4)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--device", choices=("cpu", "cuda"), default="cpu",
                        help="cpu: the compiled interpreter; cuda: the GPU evaluator (or numba's simulator)")
    args = parser.parse_args(argv)
    if args.device == "cuda":
        gpu = run_gpu(args.programs, args.feature_size, args.seed)
        print(f"{gpu.programs} programs, F={args.feature_size}, on {gpu.device}: {gpu.exact} bit-identical to the oracle, "
              f"{gpu.within_tolerance} within {GPU_TOLERANCE:g} (device libm), {gpu.libm_diverged} libm programs beyond it "
              f"(allowed: {LIBM_DIVERGED_SHARE:.0%}), {len(gpu.mismatches) - gpu.libm_diverged} other mismatches, "
              f"{len(gpu.ops_seen)}/{ops.NUM_OPS} ops exercised")  # fmt: skip
        for program, problem in gpu.mismatches[:3]:
            print(problem)
            print(program.render())
        return 0 if gpu.ok else 1
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
