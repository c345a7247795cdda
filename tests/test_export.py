"""zero.champion.export: a program as a standalone NumPy/torch module that predicts what the interpreter predicts.

- every op of zero.lang.ops has an export template, and each op's statement matches the NumPy oracle's
  kernel on memory full of edge values (0, -0, inf, NaN, overflow-prone numbers), bit for bit;
- a few hundred random programs (shipped spaces and an all-65-ops space, F = 1 and 4, regression and
  classification tasks), run through the module the way the evaluator runs them, make exactly the
  interpreter's predictions (NumPy; torch on CPU to rtol 1e-9), without a NumPy warning;
- the hand-written programs reproduce their fitness through ``fit`` + ``predict_batch``;
- the module imports only math and its library, and runs in an isolated interpreter where
  ``import zero`` is impossible.
"""

from __future__ import annotations

import ast
import json
import math
import subprocess
import sys
import warnings

import numpy as np
import pytest

from zero.champion.export import FORMATS, TEMPLATES, export, missing_templates
from zero.interpreter import oracle
from zero.interpreter.common import TWO_OVER_PI
from zero.interpreter.differential import everything_space
from zero.interpreter.evaluator import evaluate
from zero.lang import ops
from zero.lang import space as spaces
from zero.lang.generator import random_instruction, random_program
from zero.lang.handwritten import linear_regression, logistic_regression, neural_net
from zero.lang.program import Instruction, Memory, Program, parse
from zero.tasks import TaskSet, TaskSpec, make_tasks

MAX_ABS_ERROR = 100.0
SPACES = ("demo", "baseline", "paper_full", "everything")
PROGRAMS = 400  # random programs per format


def module_from(source: str) -> dict:
    """Execute a generated module in a fresh namespace."""
    namespace: dict = {"__name__": "exported"}
    exec(compile(source, "<exported>", "exec"), namespace)
    return namespace


def same(a, b) -> bool:
    """Equal arrays, NaN equal to NaN, and the same sign on every zero."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    if a.shape != b.shape or not np.array_equal(a, b, equal_nan=True):
        return False
    numbers = ~np.isnan(a)
    return bool(np.all(np.signbit(a[numbers]) == np.signbit(b[numbers])))


def close(a, b) -> bool:
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    return a.shape == b.shape and bool(np.allclose(a, b, rtol=1e-9, atol=0.0, equal_nan=True))


def as_numpy(x) -> np.ndarray:
    return np.asarray(x.cpu()) if hasattr(x, "cpu") else np.asarray(x)


@pytest.fixture(params=FORMATS)
def fmt(request):
    if request.param == "torch":
        pytest.importorskip("torch")
    return request.param


def agrees(fmt: str):
    return same if fmt == "numpy" else close


def run_like_the_evaluator(algorithm, tasks: TaskSet, t: int) -> list[float]:
    """The evaluator's loop on task t (zero.interpreter.kernels), driving the module's predict and
    learn: every prediction in order, NaN for those never made after a break-off."""
    trace: list[float] = []
    length = tasks.epochs * (tasks.num_train + tasks.num_valid)
    algorithm.setup()
    for epoch in range(tasks.epochs):
        for i in tasks.orders[t, epoch]:
            p = algorithm.predict(tasks.x_train[t, i])
            trace.append(p)
            if not abs(tasks.y_train[t, i] - p) <= MAX_ABS_ERROR:
                return trace + [math.nan] * (length - len(trace))
            algorithm.learn(tasks.x_train[t, i], tasks.y_train[t, i])
        for k in range(tasks.num_valid):
            p = algorithm.predict(tasks.x_valid[t, k])
            trace.append(p)
            if not abs(tasks.y_valid[t, k] - p) <= MAX_ABS_ERROR:
                trace += [math.nan] * (tasks.num_valid - k - 1)
                break
    return trace


def fitness_of(predictions: np.ndarray, labels: np.ndarray, classification: bool) -> float:
    """One epoch's validation score, computed as the interpreter does (squares added in order)."""
    if classification:
        return int(np.sum((predictions > 0.5) == (labels > 0.5))) / len(labels)
    squares = 0.0
    for p, y in zip(predictions, labels):
        squares += (y - p) * (y - p)
    return 1.0 - TWO_OVER_PI * math.atan(math.sqrt(squares / len(labels)))


# ---- the table --------------------------------------------------------------------------------------


def test_every_op_has_an_export_template():
    assert missing_templates() == []
    assert set(TEMPLATES) == {op.name for op in ops.OPS}


def test_an_op_without_a_template_fails_loudly(monkeypatch):
    monkeypatch.delitem(TEMPLATES, "matrix_transpose")
    assert missing_templates() == ["matrix_transpose"]
    program = Program([], [Instruction.make("matrix_transpose", in1=0, out=0)], [])
    with pytest.raises(NotImplementedError, match="matrix_transpose"):
        export(program, 4, "numpy")


def test_bad_arguments_are_rejected():
    program = linear_regression()
    with pytest.raises(ValueError, match="format"):
        export(program, 4, "jax")
    with pytest.raises(ValueError, match="feature_size"):
        export(program, 0, "numpy")
    with pytest.raises(ValueError, match="name"):
        export(program, 4, "numpy", name='a"b')


# ---- each op on edge values ---------------------------------------------------------------------

EDGE = [0.0, -0.0, 1.0, -1.0, 0.5, -2.5, 1e-310, 710.0, -710.0, 1e200, -1e200, math.inf, -math.inf, math.nan]
OP_MEMORY = Memory(5, 4, 3)


def load(target, values: np.ndarray) -> None:
    """Copy values into a module's memory bank (a NumPy array or a torch tensor)."""
    if isinstance(target, np.ndarray):
        target[:] = values
    else:
        import torch

        target[:] = torch.as_tensor(values)


def edge_memory(rng: np.random.Generator, shape) -> np.ndarray:
    """Normals with 30% edge values; a fifth of the vectors/matrices constant (std's rounding
    residue E[x²] − E[x]² then has either sign, and a negative one must clamp to 0)."""
    values = rng.normal(0.0, 2.0, shape)
    special = rng.random(shape) < 0.3
    values[special] = rng.choice(EDGE, size=int(special.sum()))
    if len(shape) > 1:
        for k in np.flatnonzero(rng.random(shape[0]) < 0.2):
            values[k] = rng.normal()
    return values


@pytest.mark.parametrize("F", [1, 4])
def test_each_op_matches_the_oracle_on_edge_values(fmt, F):
    """One instruction at a time, on memory drawn from normals and edge values; all memory compared."""
    agree = agrees(fmt)
    rng = np.random.default_rng([7, F])
    for op in ops.OPS:
        for _ in range(6):
            ins = random_instruction(op.id, OP_MEMORY, rng)
            program = Program([ins], [], [], memory=OP_MEMORY)
            seed = int(rng.integers(2**62))
            memory = oracle.Memory(program, F, seed)
            memory.s[:] = edge_memory(rng, memory.s.shape)
            memory.v[:] = edge_memory(rng, memory.v.shape)
            memory.m[:] = edge_memory(rng, memory.m.shape)
            module = module_from(export(program, F, fmt))
            algorithm = module["Algorithm"](seed)
            for bank in "svm":
                load(getattr(algorithm, bank), getattr(memory, bank))
            oracle.run_component(memory, program.setup)
            with warnings.catch_warnings():
                warnings.simplefilter("error")
                algorithm.setup()
            for bank in "svm":
                got = as_numpy(getattr(algorithm, bank))
                assert agree(got, getattr(memory, bank)), (op.name, F, ins, bank, got, getattr(memory, bank))


# ---- random programs through the evaluator's loop ---------------------------------------------------


def _task_sets() -> list[TaskSet]:
    small = dict(num_train=10, num_valid=6, num_test=1, epochs=2)
    return [
        make_tasks(TaskSpec("linear", 1, **small), 2, 0),
        make_tasks(TaskSpec("linear", 4, **small), 2, 0),
        make_tasks(TaskSpec("digits_binary", 4, **small), 2, 0),
    ]


@pytest.fixture(scope="module")
def cases():
    """(program, tasks, interpreter traces) for PROGRAMS random programs over SPACES and task sets."""
    rng = np.random.default_rng(2024)
    space_list = [everything_space() if name == "everything" else spaces.load(name) for name in SPACES]
    task_sets = _task_sets()
    result = []
    for k in range(PROGRAMS):
        space = space_list[k % len(space_list)]
        sizes = tuple(int(rng.integers(c.min_size, max(c.min_size, min(c.max_size, 12)) + 1)) for c in space.components())
        program = random_program(space, rng, sizes)
        tasks = task_sets[(k // len(space_list)) % len(task_sets)]
        result.append((program, tasks, evaluate(program, tasks, trace=True).traces))
    return result


def test_random_programs_cover_every_op_and_both_outcomes(cases):
    seen = {ins.op for program, _, _ in cases for part in program.components() for ins in part}
    assert seen == set(range(ops.NUM_OPS))
    broke_off = sum(bool(np.isnan(traces).any()) for _, _, traces in cases)
    varying = sum(len(np.unique(traces[np.isfinite(traces)])) > 1 for _, _, traces in cases)
    assert broke_off >= 5  # NaN/inf/far-off programs, compared up to their break-off
    assert varying > 0.3 * len(cases)  # not just constant predictions


def test_random_programs_predict_what_the_interpreter_predicts(fmt, cases):
    agree = agrees(fmt)
    for n, (program, tasks, traces) in enumerate(cases):
        module = module_from(export(program, tasks.feature_size, fmt, classification=tasks.classification))
        for t in range(tasks.num_tasks):
            with warnings.catch_warnings():
                warnings.simplefilter("error")  # IEEE results, never a NumPy warning
                trace = run_like_the_evaluator(module["Algorithm"](int(tasks.rng_seeds[t])), tasks, t)
            assert agree(trace, traces[t]), (
                f"program {n} on {tasks.spec.family} F={tasks.feature_size}, task {t}:\n"
                f"module {trace}\ninterpreter {traces[t].tolist()}\n{program.render()}"
            )


# ---- hand-written programs -------------------------------------------------------------------------

HANDWRITTEN_CASES = {
    "linear": (linear_regression, TaskSpec("linear", 4, 100, 50, num_test=1)),
    "logistic": (logistic_regression, TaskSpec("digits_binary", 4, 100, 50, num_test=1)),
    "neural_net": (neural_net, TaskSpec("teacher_nn", 4, 100, 50, num_test=1)),
}


@pytest.mark.parametrize("name", sorted(HANDWRITTEN_CASES))
def test_handwritten_programs_reproduce_their_fitness(fmt, name):
    make, spec = HANDWRITTEN_CASES[name]
    program, tasks = make(), make_tasks(spec, 3, 0)
    expected = evaluate(program, tasks, trace=True)
    module = module_from(export(program, 4, fmt, name=name, classification=tasks.classification))
    agree = agrees(fmt)
    per_task = []
    for t in range(tasks.num_tasks):
        algorithm = module["Algorithm"](seed=int(tasks.rng_seeds[t]))
        algorithm.setup()
        trained = algorithm.train(tasks.x_train[t], tasks.y_train[t])
        assert agree(trained, expected.traces[t, : tasks.num_train])
        fitted = module["fit"](tasks.x_train[t], tasks.y_train[t], seed=int(tasks.rng_seeds[t]))
        predictions = as_numpy(fitted.predict_batch(tasks.x_valid[t]))
        assert agree(predictions, expected.traces[t, tasks.num_train :])
        per_task.append(fitness_of(predictions, tasks.y_valid[t], tasks.classification))
    assert agree(per_task, expected.per_task)
    assert agree(sum(per_task) / len(per_task), expected.fitness)
    assert expected.fitness > 0.3  # they learn (no break-off), so the comparison covers training


def test_fit_follows_the_evaluators_shuffled_epochs_given_its_orders(fmt):
    """Linear regression's predict writes only s1, which learn reads after the next training
    predict rewrites it, so validating between epochs changes nothing and fit(..., orders) alone
    reproduces a multi-epoch evaluation."""
    program, tasks = linear_regression(0.05), make_tasks(TaskSpec("linear", 4, 30, 20, num_test=1, epochs=3), 2, 0)
    traces = evaluate(program, tasks, trace=True).traces
    module = module_from(export(program, 4, fmt))
    per_epoch = tasks.num_train + tasks.num_valid
    for t in range(tasks.num_tasks):
        algorithm = module["Algorithm"](int(tasks.rng_seeds[t]))
        algorithm.setup()
        trained = algorithm.train(tasks.x_train[t], tasks.y_train[t], epochs=3, orders=tasks.orders[t])
        expected = np.concatenate([traces[t, e * per_epoch : e * per_epoch + tasks.num_train] for e in range(3)])
        assert agrees(fmt)(trained, expected)
        fitted = module["fit"](tasks.x_train[t], tasks.y_train[t], epochs=3, seed=int(tasks.rng_seeds[t]), orders=tasks.orders[t])
        assert agrees(fmt)(as_numpy(fitted.predict_batch(tasks.x_valid[t])), traces[t, -tasks.num_valid :])


# ---- the module stands alone -----------------------------------------------------------------------


def all_ops_program() -> Program:
    rng = np.random.default_rng(5)
    memory = Memory(5, 4, 3)
    body = [random_instruction(op.id, memory, rng) for op in ops.OPS]
    return Program(body[:20], body[20:45], body[45:], memory=memory)


def test_the_source_compiles_and_imports_only_its_library(fmt):
    for classification in (False, True):
        source = export(all_ops_program(), 3, fmt, classification=classification)
        tree = ast.parse(source)
        imported = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                imported |= {alias.name for alias in node.names}
            elif isinstance(node, ast.ImportFrom):
                imported.add(node.module)
        assert imported == {"math", "numpy" if fmt == "numpy" else "torch"}
        assert "import zero" not in source and "from zero" not in source
        assert ast.get_docstring(tree).startswith("champion: ")
        namespace = module_from(source)
        assert namespace["CLASSIFICATION"] is classification and namespace["F"] == 3


def test_the_listing_in_the_docstring_is_the_exact_program(fmt):
    program = all_ops_program()
    doc = ast.get_docstring(ast.parse(export(program, 4, fmt)))
    listing = doc[doc.index("def setup():") :]
    assert parse(listing, program.memory) == program


ISOLATED_SCRIPT = r"""
import importlib.util, json, sys
sys.modules["zero"] = None  # any import of zero now fails
import numpy as np
spec = importlib.util.spec_from_file_location("{name}", sys.argv[1])
module = importlib.util.module_from_spec(spec)
spec.loader.exec_module(module)
data = np.load(sys.argv[2])
model = module.fit(data["x_train"], data["y_train"], seed=int(data["seed"]))
predictions = model.predict_batch(data["x_valid"])
predictions = predictions.tolist()
print(json.dumps([repr(p) for p in predictions]))
"""


def test_the_module_runs_in_an_isolated_interpreter_without_zero(fmt, tmp_path):
    """Written to a file, imported with importlib in ``python -I`` where ``import zero`` fails."""
    program = neural_net()  # gaussian set ops: the module's own random stream must match
    tasks = make_tasks(TaskSpec("linear", 4, 40, 20, num_test=1), 1, 3)
    path = tmp_path / "champion_nn.py"
    path.write_text(export(program, 4, fmt, name="champion_nn"))
    data = tmp_path / "data.npz"
    np.savez(data, x_train=tasks.x_train[0], y_train=tasks.y_train[0], x_valid=tasks.x_valid[0], seed=tasks.rng_seeds[0])
    script = ISOLATED_SCRIPT.replace("{name}", "champion_nn")
    done = subprocess.run(
        [sys.executable, "-I", "-c", script, str(path), str(data)], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    predictions = [float(p) for p in json.loads(done.stdout)]
    expected = evaluate(program, tasks, trace=True).traces[0, tasks.num_train :]
    assert agrees(fmt)(predictions, expected)
