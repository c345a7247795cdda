"""Measured speed of the interpreter, the evaluator, the search and MAML: the figures ``zero bench`` prints.

Every function here measures and returns a plain dict (JSON-ready: numbers, strings, lists); none
prints. All figures are single core: the calling process, one thread (the kernels are not parallel).
Each figure runs for a time budget after a warm-up that is not timed (the warm-up compiles or loads
the kernels from numba's on-disk cache); time is read with :func:`time.perf_counter`.

Figures (speed targets are ratios against the reference C++ measured side by side on one machine,
never absolute figures carried from another machine):

- :func:`interpreter_speed`: instructions executed per second by the compiled kernel on a pool of
  random programs, on ``linear`` tasks (10 tasks × 100 train / 100 valid). Programs are pre-encoded
  and concatenated, and a small compiled driver loops over them, so no Python runs per program.
  **Counting**: instructions *executed*, per program exactly. A task runs ``setup`` once, then per
  train example ``predict`` and ``learn``, then ``predict`` per validation example, but a program
  stops a task at the first train prediction that is NaN/inf or off by more than ``max_abs_error``,
  and breaks off an epoch's validation the same way. Each program is therefore run once (untimed)
  with a trace of its predictions, and :func:`executed_instructions` reads from the trace how many
  ``predict`` and ``learn`` calls were made; the timed runs then go without the trace. Programs that
  stop early stay in the pool (their per-task overhead is real work of a search); the share that ran
  to the end is reported beside the figure.
- :func:`evaluation_speed`: full fitness evaluations (a program on all 10 tasks) per second on the
  reference demo tasks, three ways: the compiled driver (no Python per program), one Python call
  of the kernel per pre-encoded program (what a Python-side loop pays), and
  :func:`zero.interpreter.evaluator.evaluate` (the Python API: encoding, allocation and combining included).
- :func:`search_speed`: individuals per second of the compiled search loop (select, mutate,
  fingerprint, FEC lookup, evaluate, replace) on the demo experiment ``linear_regression.yaml``, one
  core, from a fresh population (the initial population included), plus the FEC hit rate and the
  share of individuals that needed an evaluation. The reference C++ measured ~24.6k/s per core on
  this kind of machine over a whole ~0.9M-individual experiment (``reference/automl-zero.md`` §5).
- :func:`maml_speed`: MAML meta-steps per second on the sinusoid experiment (1-40-40-1 ReLU MLP,
  meta-batch 25, one inner step, K=10), with the tasks of a meta-batch mapped by ``torch.func.vmap``
  against a Python loop over them, on the CPU (one torch thread) and on the GPU when there is one.
- :func:`gpu_speed`, :func:`gpu_search_speed` (only where a CUDA device is present; otherwise the
  result says why there is none): programs and instructions per second of the CUDA kernel on the
  interpreter rows' programs and tasks, batches of 10³–10⁵ programs per launch, beside the one-core
  rows of the same run; and the batched search's individuals per second on the demo, at its own
  population and at 100,000.
- :func:`startup_time`: wall seconds for a fresh ``python -c`` to import zero and finish its first
  evaluation, with the compile cache warm (run twice; the second is reported, the first may fill
  the cache).
"""

from __future__ import annotations

import os
import platform
import subprocess
import sys
import time
from dataclasses import dataclass
from typing import Callable

import numba as nb
import numpy as np

import zero
from zero.interpreter.compiler import MAX_ABS_ERROR, compile_for
from zero.interpreter.evaluator import evaluate, live_encoding
from zero.interpreter.liveness_kernels import live_program, workspace
from zero.lang import generator
from zero.lang import space as search_space
from zero.lang.encoding import encode
from zero.errors import ZeroError
from zero.lang.program import Memory, Program
from zero.tasks import TaskSet, TaskSpec, make_tasks

DEFAULT_SECONDS = 2.0  # per figure
QUICK_SECONDS = 0.3  # per figure, for tests and a first look
NUM_TASKS = 10
NUM_TRAIN = 100
NUM_VALID = 100
TASK_SEED = 0
PROGRAM_SEED = 0
NUM_PROGRAMS = 200  # pool size per row; the pool is cycled until the budget is spent


def reference_tasks(feature_size: int = 4) -> TaskSet:
    """The benchmark tasks: 10 ``linear`` tasks × 100 train / 100 valid examples, seed 0."""
    return make_tasks(TaskSpec("linear", feature_size, NUM_TRAIN, NUM_VALID), NUM_TASKS, TASK_SEED)


# --------------------------------------------------------------------------------------------------
# Counting executed instructions


def executed_instructions(
    program: Program, tasks: TaskSet, traces: np.ndarray, max_abs_error: float = MAX_ABS_ERROR
) -> tuple[int, bool]:
    """Instructions ``program`` executed on ``tasks``, read from its prediction ``traces``
    (``[T, epochs * (train + valid)]``, NaN where no prediction was made, as
    :func:`zero.interpreter.evaluator.evaluate` with ``trace=True`` returns them); also whether every task ran
    every example (no early stop).

    The kernel records each prediction before checking it, so the first failing entry of an
    epoch's train part (NaN, inf, or ``|y - p| > max_abs_error``; entries after an early stop are
    NaN too) is the last ``predict`` made, and no ``learn`` follows it; in the validation part the
    first failing entry ends that epoch's validation and the next epoch goes on.
    """
    n_setup, n_predict, n_learn = (len(c) for c in program.components())
    n_train, n_valid = tasks.num_train, tasks.num_valid
    period = n_train + n_valid
    predicts = learns = 0
    complete = True
    for t in range(tasks.num_tasks):
        for epoch in range(tasks.epochs):
            row = traces[t, epoch * period : (epoch + 1) * period]
            y = tasks.y_train[t, tasks.orders[t, epoch]]
            bad = ~(np.abs(y - row[:n_train]) <= max_abs_error)  # NaN counts as bad
            if bad.any():
                j = int(np.argmax(bad))
                predicts += j + 1
                learns += j
                complete = False
                break  # the task stops: no validation, no later epochs
            predicts += n_train
            learns += n_train
            bad = ~(np.abs(tasks.y_valid[t] - row[n_train:]) <= max_abs_error)
            if bad.any():
                predicts += int(np.argmax(bad)) + 1
                complete = False
            else:
                predicts += n_valid
    total = tasks.num_tasks * n_setup + predicts * n_predict + learns * n_learn
    return total, complete


def full_run_instructions(program: Program, tasks: TaskSet) -> int:
    """Instructions a program that never stops early executes on ``tasks``."""
    n_setup, n_predict, n_learn = (len(c) for c in program.components())
    per_epoch = tasks.num_train * (n_predict + n_learn) + tasks.num_valid * n_predict
    return tasks.num_tasks * (n_setup + tasks.epochs * per_epoch)


# --------------------------------------------------------------------------------------------------
# A pool of pre-encoded programs and the compiled loop over it


@nb.njit(error_model="numpy")
def _evaluate_pool(
    evaluate_tasks, code, data, bounds, n_scalars, n_vectors, n_matrices,
    x_train, y_train, x_valid, y_valid, orders, rng_seeds,
    classification, max_abs_error, n_train, n_valid, n_epochs, out, traces,
):  # fmt: skip
    """Evaluate every program of a pool in compiled code; ``bounds[p]`` are program p's absolute
    row bounds in the concatenated ``code``/``data``. Not cached: it takes the interpreter's kernel
    as an argument (compiled once per process and feature size, in the untimed warm-up)."""
    for p in range(bounds.shape[0]):
        evaluate_tasks(
            code, data, bounds[p], n_scalars, n_vectors, n_matrices,
            x_train, y_train, x_valid, y_valid, orders, rng_seeds,
            classification, max_abs_error, n_train, n_valid, n_epochs, out, traces,
        )  # fmt: skip


@nb.njit(error_model="numpy")
def _evaluate_pool_live(
    evaluate_tasks, code, data, bounds, n_scalars, n_vectors, n_matrices,
    x_train, y_train, x_valid, y_valid, orders, rng_seeds,
    classification, max_abs_error, n_train, n_valid, n_epochs, out, traces,
    work, keep, live_code, live_data, live_bounds,
):  # fmt: skip
    """:func:`_evaluate_pool` as the search loop evaluates a child: each program's dead code is
    removed first (:func:`zero.interpreter.liveness_kernels.live_program`, timed with the rest),
    then only its live instructions run. ``keep``/``live_*``: scratch of the longest program's rows."""
    for p in range(bounds.shape[0]):
        start = bounds[p, 0]
        own = bounds[p] - start  # the program's rows, as if encoded alone
        live_program(code[start : bounds[p, 3]], data[start : bounds[p, 3]], own, work, keep,
                     live_code, live_data, live_bounds)  # fmt: skip
        evaluate_tasks(
            live_code, live_data, live_bounds, n_scalars, n_vectors, n_matrices,
            x_train, y_train, x_valid, y_valid, orders, rng_seeds,
            classification, max_abs_error, n_train, n_valid, n_epochs, out, traces,
        )  # fmt: skip


@dataclass(frozen=True)
class Pool:
    """Random programs of one search space, encoded and concatenated for :func:`_evaluate_pool`."""

    programs: tuple[Program, ...]
    code: np.ndarray  # int32 [rows, 4], all programs one after another
    data: np.ndarray  # float64 [rows, 3]
    bounds: np.ndarray  # int64 [P, 4], absolute row bounds of each program
    memory: tuple[int, int, int]

    @staticmethod
    def random(
        space_name: str,
        sizes: tuple[int, int, int] | None = None,
        num_programs: int = NUM_PROGRAMS,
        seed: int = PROGRAM_SEED,
    ) -> Pool:
        space = search_space.load(space_name)
        rng = np.random.default_rng(seed)
        programs = tuple(generator.random_program(space, rng, sizes) for _ in range(num_programs))
        encoded = [encode(p) for p in programs]
        offsets = np.cumsum([0] + [len(e.code) for e in encoded[:-1]])
        return Pool(
            programs,
            np.ascontiguousarray(np.concatenate([e.code for e in encoded])),
            np.ascontiguousarray(np.concatenate([e.data for e in encoded])),
            np.ascontiguousarray(np.stack([e.bounds + o for e, o in zip(encoded, offsets)])),
            tuple(space.memory),
        )

    def run(self, tasks: TaskSet, programs: slice = slice(None)) -> np.ndarray:
        """Evaluate the pool's ``programs`` on ``tasks`` in compiled code; returns the per-task
        fitness of the last one (the others' is discarded)."""
        interpreter = compile_for(tasks.feature_size)
        out = np.zeros(tasks.num_tasks)
        _evaluate_pool(
            interpreter.evaluate_tasks, self.code, self.data, self.bounds[programs], *self.memory,
            tasks.x_train, tasks.y_train, tasks.x_valid, tasks.y_valid, tasks.orders, tasks.rng_seeds,
            tasks.classification, MAX_ABS_ERROR, tasks.num_train, tasks.num_valid, tasks.epochs,
            out, np.zeros((0, 0)),
        )  # fmt: skip
        return out

    def run_live(self, tasks: TaskSet, programs: slice = slice(None)) -> np.ndarray:
        """:meth:`run` with each program's dead code removed first, as the search loop does."""
        interpreter = compile_for(tasks.feature_size)
        bounds = self.bounds[programs]
        rows = int((bounds[:, 3] - bounds[:, 0]).max())
        out = np.zeros(tasks.num_tasks)
        _evaluate_pool_live(
            interpreter.evaluate_tasks, self.code, self.data, bounds, *self.memory,
            tasks.x_train, tasks.y_train, tasks.x_valid, tasks.y_valid, tasks.orders, tasks.rng_seeds,
            tasks.classification, MAX_ABS_ERROR, tasks.num_train, tasks.num_valid, tasks.epochs,
            out, np.zeros((0, 0)),
            workspace(max(self.memory)), np.zeros(rows, np.bool_),
            np.zeros((rows, 4), np.int32), np.zeros((rows, 3)), np.zeros(4, np.int64),
        )  # fmt: skip
        return out

    def live_share(self) -> float:
        """Live instructions (:func:`zero.interpreter.evaluator.live_encoding`) over all, in the pool."""
        return sum(int(live_encoding(p).bounds[3]) for p in self.programs) / len(self.code)

    def count(self, tasks: TaskSet) -> tuple[int, int, int]:
        """(instructions executed, instructions if none stopped early, programs that ran to the
        end) over the whole pool; runs each program once with a trace (see the module docstring)."""
        executed = full = complete = 0
        for program in self.programs:
            traces = evaluate(program, tasks, trace=True).traces
            n, done = executed_instructions(program, tasks, traces)
            executed += n
            full += full_run_instructions(program, tasks)
            complete += done
        return executed, full, complete


def _repeat(step: Callable[[], object], seconds: float) -> tuple[int, float]:
    """Call ``step`` until ``seconds`` have passed (at least once); return (calls, elapsed)."""
    calls = 0
    start = time.perf_counter()
    while True:
        step()
        calls += 1
        elapsed = time.perf_counter() - start
        if elapsed >= seconds:
            return calls, elapsed


# --------------------------------------------------------------------------------------------------
# The figures


def interpreter_speed(
    space: str = "demo",
    feature_size: int = 4,
    sizes: tuple[int, int, int] | None = None,
    seconds: float = DEFAULT_SECONDS,
    num_programs: int = NUM_PROGRAMS,
) -> dict:
    """Instructions executed per second by the compiled kernel (see the module docstring)."""
    tasks = reference_tasks(feature_size)
    pool = Pool.random(space, sizes, num_programs)
    executed, full, complete = pool.count(tasks)  # also compiles/loads the kernel for F
    pool.run(tasks, slice(0, 1))  # warm-up: compiles the driver
    passes, elapsed = _repeat(lambda: pool.run(tasks), seconds)
    instructions = passes * executed
    evaluations = passes * len(pool.programs)
    pool.run_live(tasks)  # warm-up: compiles the dead-code-removing driver
    live_passes, live_elapsed = _repeat(lambda: pool.run_live(tasks), seconds)
    return {
        "space": space,
        "feature_size": feature_size,
        "sizes": list(sizes or (len(c) for c in pool.programs[0].components())),
        "programs": len(pool.programs),
        "ran_to_end": complete / len(pool.programs),  # share of programs with no early stop
        "executed_share": executed / full,  # executed / instructions had none stopped early
        "instructions": instructions,
        "seconds": elapsed,
        "instructions_per_second": instructions / elapsed,
        "ns_per_instruction": 1e9 * elapsed / instructions,
        "evaluations_per_second": evaluations / elapsed,
        # The same programs as the search loop evaluates them: dead code removed first (its cost
        # included), only live instructions run. Bit-identical predictions, so the same work for
        # the search; "program_instructions_per_second" still counts every instruction the
        # programs hold (as executed above, dead ones included), per second of this path.
        "dead_code_removed": {
            "live_share": pool.live_share(),
            "seconds": live_elapsed,
            "evaluations_per_second": live_passes * len(pool.programs) / live_elapsed,
            "program_instructions_per_second": live_passes * executed / live_elapsed,
            "speedup": (live_passes / live_elapsed) / (passes / elapsed),
        },
    }


def evaluation_speed(seconds: float = DEFAULT_SECONDS, num_programs: int = NUM_PROGRAMS) -> dict:
    """Full fitness evaluations per second on the reference demo tasks (F=4, 10 tasks × 100/100)
    with random ``demo`` programs (10/2/8): compiled driver, one kernel call per program from
    Python, and :func:`zero.interpreter.evaluator.evaluate`."""
    tasks = reference_tasks(4)
    pool = Pool.random("demo", None, num_programs)
    n = len(pool.programs)
    interpreter = compile_for(4)
    encoded = [encode(p) for p in pool.programs]
    out, no_trace = np.zeros(tasks.num_tasks), np.zeros((0, 0))

    def per_call() -> None:
        for e in encoded:
            interpreter.evaluate_tasks(
                e.code, e.data, e.bounds, *pool.memory,
                tasks.x_train, tasks.y_train, tasks.x_valid, tasks.y_valid, tasks.orders, tasks.rng_seeds,
                tasks.classification, MAX_ABS_ERROR, tasks.num_train, tasks.num_valid, tasks.epochs, out, no_trace,
            )  # fmt: skip

    def api() -> None:
        for program in pool.programs:
            evaluate(program, tasks)

    pool.run(tasks, slice(0, 1))  # warm-up: loads the kernel, compiles the driver
    figures = {}
    for name, step in (("compiled", lambda: pool.run(tasks)), ("kernel_call", per_call), ("evaluate", api)):
        passes, elapsed = _repeat(step, seconds)
        evaluations = passes * n
        figures[name] = {
            "evaluations_per_second": evaluations / elapsed,
            "us_per_evaluation": 1e6 * elapsed / evaluations,
        }
    return {
        "space": "demo",
        "feature_size": 4,
        "tasks": tasks.num_tasks,
        "num_train": tasks.num_train,
        "num_valid": tasks.num_valid,
        "programs": n,
        **figures,
    }


def search_speed(seconds: float = DEFAULT_SECONDS, experiment: str = "linear_regression", seed: int = 0,
                 batch: int = 10_000) -> dict:
    """Individuals per second of regularized evolution on ``experiment`` (see the module docstring)."""
    from zero.search.evolution import Evolution
    from zero.search.experiment import load

    exp = load(experiment)
    warm = Evolution(exp, seed + 1)  # warm-up on another population: compiles/loads the loop
    warm.run(min(batch, exp.config["population"] + 10))
    evo = Evolution(exp, seed)
    individuals, elapsed = 0, 0.0
    start = time.perf_counter()
    while elapsed < seconds:
        individuals += evo.run(batch)
        elapsed = time.perf_counter() - start
    return {
        "experiment": experiment,
        "population": exp.config["population"],
        "individuals": individuals,
        "seconds": elapsed,
        "individuals_per_second": individuals / elapsed,
        "fec_hit_rate": evo.fec_hit_rate,
        "evaluated_share": evo.evaluations / individuals,
        "best_fitness": evo.best_fitness,
    }


def maml_speed(seconds: float = DEFAULT_SECONDS, device: str = "cpu", meta_batch: int = 25) -> dict:
    """MAML meta-steps/s, vmap over the meta-batch vs a per-task loop (see the module docstring)."""
    import torch

    from zero.baselines.adapter import TaskSampler
    from zero.baselines.meta import init_params, make_mlp, meta_step_loop, meta_step_vmap
    from zero.search.experiment import load

    exp = load("sinusoid")
    previous_threads = torch.get_num_threads()
    if device == "cpu":
        torch.set_num_threads(1)
    try:
        model = make_mlp(exp.config["feature_size"]).to(device)
        params = {k: v.requires_grad_() for k, v in init_params(model, 0, device).items()}
        batch = TaskSampler(exp, 0, device).next_batch(meta_batch)
        figures = {}
        for name, step in (("vmap", meta_step_vmap), ("loop", meta_step_loop)):
            def one() -> None:
                step(model, params, batch, 0.01)
                if device != "cpu":
                    torch.cuda.synchronize()

            one()  # warm-up
            calls, elapsed = _repeat(one, seconds)
            figures[name] = calls / elapsed
    finally:
        torch.set_num_threads(previous_threads)
    return {"device": device, "meta_batch": meta_batch, "meta_steps_per_second": figures,
            "speedup": figures["vmap"] / figures["loop"]}


STARTUP_SCRIPT = f"""
import numpy as np
from zero.lang import generator
from zero.lang import space as search_space
from zero.interpreter.evaluator import evaluate
from zero.tasks import TaskSpec, make_tasks
tasks = make_tasks(TaskSpec("linear", 4, {NUM_TRAIN}, {NUM_VALID}), {NUM_TASKS}, {TASK_SEED})
evaluate(generator.random_program(search_space.load("demo"), np.random.default_rng(0)), tasks)
"""


def startup_time(runs: int = 2) -> dict:
    """Wall seconds for a fresh ``python -c`` to import zero and finish one evaluation, from
    spawning the process to its exit; ``runs`` times, the last reported (earlier runs may fill the
    compile cache)."""
    times = []
    for _ in range(max(1, runs)):
        start = time.perf_counter()
        done = subprocess.run([sys.executable, "-c", STARTUP_SCRIPT], capture_output=True, text=True)
        times.append(time.perf_counter() - start)
        if done.returncode != 0:
            raise RuntimeError(f"start-up probe failed (exit {done.returncode}):\n{done.stderr.strip()}")
    return {"seconds": times[-1], "first_seconds": times[0], "runs": len(times)}


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine() or "unknown"


def context() -> dict:
    """What the figures were measured on."""
    return {
        "zero": zero.__version__,
        "python": platform.python_version(),
        "numpy": np.__version__,
        "numba": nb.__version__,
        "cpu": cpu_model(),
        "cpu_count": os.cpu_count() or 0,
        "platform": platform.platform(),
        "threads": 1,
    }


GPU_BATCHES = (1_000, 10_000, 100_000)  # programs per launch in the GPU rows


def gpu_device() -> tuple[str | None, str]:
    """(the CUDA device's name, "") or (None, why there is none)."""
    try:
        from zero.interpreter.gpu import require_device

        return require_device(), ""
    except ZeroError as e:
        return None, str(e)


def gpu_speed(space: str = "demo", feature_size: int = 4, sizes: tuple[int, int, int] | None = None,
              batches: tuple[int, ...] = GPU_BATCHES, seconds: float = DEFAULT_SECONDS, num_programs: int = NUM_PROGRAMS) -> list[dict]:
    """Programs evaluated per second (each on all 10 benchmark tasks) and instructions executed per
    second by the CUDA kernel, one row per batch size: the pool of :func:`interpreter_speed` (same
    space, sizes and seed, so the same instructions) repeated to fill each batch, one launch per
    batch, uploads and downloads included. Compare with that function's row for the same space and
    F, measured on one core in the same run."""
    from zero.interpreter.batch import stack
    from zero.interpreter.gpu import CudaEvaluator

    tasks = reference_tasks(feature_size)
    pool = Pool.random(space, sizes, num_programs)
    executed, _, _ = pool.count(tasks)
    code, data, bounds = stack([encode(p) for p in pool.programs])
    evaluator = CudaEvaluator(tasks, Memory(*pool.memory))
    figures = []
    for batch in batches:
        take = np.arange(batch) % len(pool.programs)
        args = (np.ascontiguousarray(code[take]), np.ascontiguousarray(data[take]), np.ascontiguousarray(bounds[take]))
        evaluator.run(*args)  # warm-up: the first launch compiles the kernel
        launches, elapsed = _repeat(lambda: evaluator.run(*args), seconds)
        programs = launches * batch
        instructions = launches * executed * batch / len(pool.programs)
        figures.append({
            "space": space, "feature_size": feature_size, "batch": batch, "device": evaluator.device,
            "programs_per_second": programs / elapsed, "instructions_per_second": instructions / elapsed,
            "seconds": elapsed,
        })  # fmt: skip
    return figures


def gpu_search_speed(seconds: float = DEFAULT_SECONDS, experiment: str = "linear_regression", seed: int = 0,
                     population: int | None = None, batch_size: int | None = None) -> dict:
    """Individuals per second of the batched search on the GPU (``device: cuda``) on ``experiment``,
    optionally with another population and batch size: timed once the population is full (its
    filling, mostly copies of the start program answered by the FEC, is not evolution), after an
    untimed warm-up that compiles everything; with the share of individuals evaluated."""
    from zero.search.batched import BatchedEvolution
    from zero.search.experiment import load

    exp = load(experiment).with_overrides("zero bench", device="cuda", **({"population": population} if population else {}),
                                          **({"batch_size": batch_size} if batch_size else {}))  # fmt: skip
    size = exp.batch_size()
    warm = BatchedEvolution(exp, seed + 1, device="cuda", batch_size=size)
    warm.run(exp.config["population"] + size)
    evo = BatchedEvolution(exp, seed, device="cuda", batch_size=size)
    evo.run(exp.config["population"])
    evaluations_before = evo.evaluations
    individuals, elapsed = 0, 0.0
    start = time.perf_counter()
    while elapsed < seconds:
        individuals += evo.run(size)  # one batch per call: a batch is two launches, its Python is negligible
        elapsed = time.perf_counter() - start
    return {
        "experiment": experiment, "population": exp.config["population"], "batch_size": size, "individuals": individuals,
        "seconds": elapsed, "individuals_per_second": individuals / elapsed, "fec_hit_rate": evo.fec_hit_rate,
        "evaluated_share": (evo.evaluations - evaluations_before) / individuals, "best_fitness": evo.best_fitness,
    }  # fmt: skip


def run(seconds: float = DEFAULT_SECONDS, progress: Callable[[str], None] | None = None) -> dict:
    """Every figure, each with a budget of ``seconds``; ``progress(label)`` is called before each."""
    if not seconds > 0:
        raise ValueError(f"seconds must be > 0, got {seconds}")
    note = progress or (lambda label: None)
    heavy = tuple(c.max_size for c in search_space.load("baseline").components())
    rows = []
    for space, sizes in (("demo", None), ("paper_full", heavy)):
        for feature_size in (4, 16):
            note(f"interpreter: {space} programs, F={feature_size}")
            rows.append(interpreter_speed(space, feature_size, sizes, seconds))
    note("evaluations/s on the demo tasks")
    evaluation = evaluation_speed(seconds)
    note("search individuals/s on the demo experiment")
    search = search_speed(max(seconds, 2.0) if seconds >= 1.0 else seconds)
    note("MAML meta-steps/s, vmap vs loop")
    maml = [maml_speed(seconds, "cpu")]
    from zero.baselines.adapter import resolve_device

    if resolve_device("auto").type == "cuda":  # the baselines' device rule: a GPU when torch sees one
        maml.append(maml_speed(seconds, "cuda"))
    device, why = gpu_device()
    gpu: dict = {"device": device, "why_none": why, "evaluation": [], "search": []}
    if device is not None:
        for space, sizes in (("demo", None), ("paper_full", heavy)):
            for feature_size in (4, 16):
                note(f"GPU: {space} programs, F={feature_size}, batches of {', '.join(map(str, GPU_BATCHES))}")
                gpu["evaluation"].extend(gpu_speed(space, feature_size, sizes, seconds=seconds))
        note("GPU search individuals/s on the demo experiment")
        gpu["search"].append(gpu_search_speed(max(seconds, 2.0) if seconds >= 1.0 else seconds))
        gpu["search"].append(gpu_search_speed(max(seconds, 2.0) if seconds >= 1.0 else seconds, population=100_000))
    note("start-up of a fresh process")
    startup = startup_time()
    return {
        "context": {**context(), "seconds_per_figure": seconds},
        "interpreter": rows,
        "evaluation": evaluation,
        "search": search,
        "maml": maml,
        "gpu": gpu,
        "startup": startup,
    }


def scaling(worker_counts: list[int], seconds: float, experiment: str = "linear_regression") -> list[dict]:
    """Search individuals/s of a real run (the driver, migration and candidates included) for each
    island count, on a private Ray instance; the experiment never stops by fitness here. ``busy``:
    the share of the run the islands spent evolving (the rest they waited for migrants or calls),
    the engine's parallel efficiency. It differs from individuals/s against one island because
    every island evolves its own programs, at its own speed."""
    import tempfile

    from zero.search import ray_pool
    from zero.search.driver import Run
    from zero.search.experiment import load

    base = load(experiment).with_overrides(**{"stop.select_fitness": None, "stop.max_seconds": seconds})
    ray_pool.connect(None, max(worker_counts))
    rows = []
    try:
        for count in worker_counts:
            exp = base.with_overrides(**{"islands.count": count})
            with tempfile.TemporaryDirectory() as tmp:
                run = Run(exp, tmp + "/run", pool=ray_pool.RayIslands(exp, count))
                started = time.perf_counter()
                run.search()
                wall = time.perf_counter() - started
                busy = sum(v.busy_seconds for v in run.views) / (count * run.seconds)
                rows.append({"workers": count, "individuals": run.individuals, "seconds": run.seconds, "wall": wall,
                             "individuals_per_second": run.individuals / run.seconds, "busy": busy})  # fmt: skip
                run.pool.release()
    finally:
        ray_pool.disconnect()
    return rows
