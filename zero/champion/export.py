"""Export a program as a standalone Python module (NumPy or PyTorch) that runs without zero.

``export(program, feature_size, "numpy" | "torch")`` returns the *source text* of a module that
imports only ``math`` and ``numpy`` (or ``torch``) and holds:

- ``Algorithm(seed)``: the program's memory (``s`` [S], ``v`` [V, F], ``m`` [M, F, F], zeroed) and
  its random stream, with ``setup()``, ``predict(x) -> float`` and ``learn(x, y)`` written out as
  straight-line code, one statement per instruction (the instruction's ``render()`` form follows as
  a comment), plus ``train(...)`` and ``predict_batch(x)``;
- ``fit(x_train, y_train, epochs=1, seed=0, orders=None)``: a fresh ``Algorithm`` set up and trained.

Contracts
- Same semantics as the interpreter (:mod:`zero.interpreter.kernels`, checked against the NumPy
  oracle :mod:`zero.interpreter.oracle`): ``predict`` sets ``v0 = x, s0 = 0``, runs the predict
  code and returns ``s1`` (``sigmoid(s1)``, also stored in ``s1``, for classification); ``learn`` sets
  ``v0 = x, s0 = y`` and runs the learn code. Seeded with a task's ``rng_seed`` and driven in the
  evaluator's order, the NumPy module makes bit-identical predictions; the torch module does so on
  CPU too (tested to rtol 1e-9), while a GPU may differ in the last bits where its kernels round.
- Bit-exactness comes from the interpreter's rounding conventions, re-implemented in the module:
  reductions add strictly left to right from the first term (NumPy's/torch's own ``sum``, ``dot``
  and ``matmul`` use pairwise or blocked orders); scalar transcendental maths and the sigmoid go
  through the C library (``math``) with IEEE results where Python would raise (``log(0) = -inf``,
  ``exp(1000) = inf``); min/max, heaviside, std and index fractions follow
  :mod:`zero.interpreter.common`; the program RNG (splitmix64 + two-uniform Box–Muller,
  :mod:`zero.interpreter.splitmix_kernels`) is copied into the module. The torch module takes its transcendental
  scalars *and its square roots* (norm, std) through ``math`` on the host too: torch's ``exp``,
  ``sin``, ... differ from libm in the last bit for a few percent of inputs, and ``torch.sqrt`` is
  not correctly rounded on an AVX-512 CPU (~0.7% of results one ulp off).
- One source of truth: :data:`TEMPLATES` is keyed by the op names of :mod:`zero.lang.ops`; a name that is
  not an op fails at import, an op without a template fails :func:`export` loudly (and the tests
  check that every op has one).
"""

from __future__ import annotations

import string
from typing import Literal

from zero.lang import ops
from zero.lang.program import COMPONENTS, Instruction, Program, render_instruction

Format = Literal["numpy", "torch"]
FORMATS: tuple[str, ...] = ("numpy", "torch")

# ---- one statement per op ------------------------------------------------------------------------
# Placeholders: {out}, {in1}, {in2} become memory references (``self.v[2]``), {d0}-{d2} the data
# fields (exact float literals; index fractions already turned into integer indices for F), ``F``
# is the generated module's feature-size constant. The helpers called here (dot, norm, std, ...)
# are defined in the generated module with the interpreter's semantics (see _HELPERS below).

# fmt: off
TEMPLATES: dict[str, str] = {
    "no_op":                   "pass",
    "scalar_sum":              "{out} = {in1} + {in2}",
    "scalar_diff":             "{out} = {in1} - {in2}",
    "scalar_product":          "{out} = {in1} * {in2}",
    "scalar_division":         "{out} = {in1} / {in2}",
    "scalar_abs":              "{out} = abs({in1})",
    "scalar_reciprocal":       "{out} = 1.0 / {in1}",
    "scalar_sin":              "{out} = sin({in1})",
    "scalar_cos":              "{out} = cos({in1})",
    "scalar_tan":              "{out} = tan({in1})",
    "scalar_arcsin":           "{out} = arcsin({in1})",
    "scalar_arccos":           "{out} = arccos({in1})",
    "scalar_arctan":           "{out} = arctan({in1})",
    "scalar_exp":              "{out} = exp({in1})",
    "scalar_log":              "{out} = log({in1})",
    "scalar_heaviside":        "{out} = heaviside_ge({in1})",
    "vector_heaviside":        "{out} = heaviside_gt({in1})",
    "matrix_heaviside":        "{out} = heaviside_gt({in1})",
    "scalar_vector_product":   "{out} = {in1} * {in2}",
    "scalar_broadcast":        "{out} = {in1}",
    "vector_reciprocal":       "{out} = 1.0 / {in1}",
    "vector_norm":             "{out} = norm({in1})",
    "vector_abs":              "{out} = abs({in1})",
    "vector_sum":              "{out} = {in1} + {in2}",
    "vector_diff":             "{out} = {in1} - {in2}",
    "vector_product":          "{out} = {in1} * {in2}",
    "vector_division":         "{out} = {in1} / {in2}",
    "vector_inner_product":    "{out} = dot({in1}, {in2})",
    "vector_outer_product":    "{out} = outer({in1}, {in2})",
    "scalar_matrix_product":   "{out} = {in1} * {in2}",
    "matrix_reciprocal":       "{out} = 1.0 / {in1}",
    "matrix_vector_product":   "{out} = matvec({in1}, {in2})",
    "vector_column_broadcast": "{out} = {in1}[:, None]",
    "vector_row_broadcast":    "{out} = {in1}[None, :]",
    "matrix_norm":             "{out} = norm({in1})",
    "matrix_column_norm":      "{out} = norm({in1}, axis=0)",
    "matrix_row_norm":         "{out} = norm({in1}, axis=1)",
    "matrix_transpose":        "{out} = transpose({in1})",
    "matrix_abs":              "{out} = abs({in1})",
    "matrix_sum":              "{out} = {in1} + {in2}",
    "matrix_diff":             "{out} = {in1} - {in2}",
    "matrix_product":          "{out} = {in1} * {in2}",
    "matrix_division":         "{out} = {in1} / {in2}",
    "matrix_matrix_product":   "{out} = matmul({in1}, {in2})",
    "scalar_min":              "{out} = minimum({in1}, {in2})",
    "vector_min":              "{out} = minimum({in1}, {in2})",
    "matrix_min":              "{out} = minimum({in1}, {in2})",
    "scalar_max":              "{out} = maximum({in1}, {in2})",
    "vector_max":              "{out} = maximum({in1}, {in2})",
    "matrix_max":              "{out} = maximum({in1}, {in2})",
    "vector_mean":             "{out} = mean({in1})",
    "matrix_mean":             "{out} = mean({in1})",
    "matrix_row_mean":         "{out} = mean({in1}, axis=1)",
    "matrix_row_st_dev":       "{out} = std({in1}, axis=1)",
    "vector_st_dev":           "{out} = std({in1})",
    "matrix_st_dev":           "{out} = std({in1})",
    "scalar_const_set":        "{out} = {d0}",
    "vector_const_set":        "{out}[{d0}] = {d1}",
    "matrix_const_set":        "{out}[{d0}, {d1}] = {d2}",
    "scalar_uniform_set":      "{out} = self.uniform({d0}, {d1})",
    "vector_uniform_set":      "{out} = self.uniform({d0}, {d1}, (F,))",
    "matrix_uniform_set":      "{out} = self.uniform({d0}, {d1}, (F, F))",
    "scalar_gaussian_set":     "{out} = self.gaussian({d0}, {d1})",
    "vector_gaussian_set":     "{out} = self.gaussian({d0}, {d1}, (F,))",
    "matrix_gaussian_set":     "{out} = self.gaussian({d0}, {d1}, (F, F))",
}
# fmt: on

_stale = sorted(set(TEMPLATES) - set(ops.BY_NAME))
assert not _stale, f"zero.champion.export.TEMPLATES names unknown ops {_stale}; op names come from zero.lang.ops"


def missing_templates() -> list[str]:
    """Names of the ops of :mod:`zero.lang.ops` that have no export template (empty when complete)."""
    return [op.name for op in ops.OPS if op.name not in TEMPLATES]


def _template(op: ops.Op) -> str:
    try:
        return TEMPLATES[op.name]
    except KeyError:
        raise NotImplementedError(
            f"op {op.name!r} (id {op.id}) has no export template; add one to zero.champion.export.TEMPLATES"
        ) from None


def instruction_code(ins: Instruction, feature_size: int) -> str:
    """One executable statement for ``ins`` (memory as ``self.s/v/m``), with its ``render()`` form
    as a trailing comment (data rounded to 6 digits there: display only). Index fractions become
    ``min(int(fraction · F), F − 1)`` as in the interpreter; other data are written with ``repr``,
    so each literal is the exact float."""
    op = ins.spec
    fields = {"out": f"self.{op.output}[{ins.out}]" if op.output else ""}
    for slot, kind in zip(("in1", "in2"), op.inputs):
        fields[slot] = f"self.{kind}[{getattr(ins, slot)}]"
    for k, (name, value) in enumerate(zip(op.data, ins.data)):
        if name in ops.INDEX_FIELDS:
            fields[f"d{k}"] = str(min(int(value * feature_size), feature_size - 1))
        else:
            fields[f"d{k}"] = repr(float(value))
    code = _template(op).format(**fields)
    return f"{code}  # {render_instruction(ins, feature_size, precision=6)}"


# ---- the generated module's text -----------------------------------------------------------------

_DOC = '''"""$name: a learning algorithm discovered by zero (AutoML-Zero style), as a standalone $library module.

Generated by zero's exporter for feature size F = $F, from the program listed at the end. It needs
only $library and the standard library. $task_line

Usage::

    model = fit(x_train, y_train, seed=0)   # setup, then predict + learn for every example
    y_hat = model.predict_batch(x_valid)    # memory persists from one prediction to the next

    algorithm = Algorithm(seed=rng_seed)    # step by step, as zero's evaluator runs a task
    algorithm.setup()
    for x, y in zip(x_train, y_train):
        algorithm.predict(x)                # the evaluator predicts before every learn step
        algorithm.learn(x, y)

Semantics: memory holds $S scalars s, $V F-vectors v and $M F-by-F matrices m, zeroed at
construction; v0 is the example's features, s0 its label (0 while predicting), s1 the prediction.
Random ops draw from the program's random stream (splitmix64 + Box-Muller) seeded by ``seed``:
with a task's ``rng_seed`` and the evaluator's example order, predictions are those of zero's
interpreter.

$exactness

Out-of-range maths follows IEEE rules without raising or warning: 1/0 = inf, log(0) = -inf,
log(-1) = nan, exp(1000) = inf; like the interpreter the module keeps going on NaN (the evaluator
stops a task at the first training prediction that is NaN, infinite or off by more than 100).

The program, exactly, in zero's text form (zero.lang.program.parse(text, memory=($S, $V, $M)) reads it back):

$listing
"""'''

_EXACTNESS = {
    "numpy": (
        "Results are bit-identical to the interpreter's: reductions (dot, norm, mean, std,\n"
        "matvec, matmul) add left to right from the first term as it does, scalar maths uses the C\n"
        "library through math, and every other op is a single IEEE operation per element."
    ),
    "torch": (
        "Tensors are float64 on the device given to Algorithm(seed, device) or fit(..., device=...)\n"
        "(default \"cpu\"); inputs may be lists, NumPy arrays or tensors. On CPU results match\n"
        "the interpreter's (tested to rtol 1e-9, bit-identical in practice): reductions add left to\n"
        "right from the first term, and the scalar sin/cos/tan/arcsin/arccos/arctan/exp/log, the\n"
        "sigmoid and square roots (norm, std) are taken by the C library through math on the host,\n"
        "because torch's own kernels differ from it in the last bit for some inputs (one sync per\n"
        "such op on a GPU). On a GPU results may differ from the interpreter's in the last bits."
    ),
}

_IMPORTS = {"numpy": "import math\n\nimport numpy as np\n", "torch": "import math\n\nimport torch\n"}

# What differs between the formats: array creation, the left-to-right sum, sqrt, where, transpose.
_PRIMITIVES = {
    "numpy": '''
def _zeros(shape):
    return np.zeros(shape)


def _array(values):
    return np.asarray(values, dtype=np.float64)


def _sum(x, axis=None):
    """Sum of x (all of it row-major, or along axis) added left to right from the first term."""
    if axis is None:
        return np.add.accumulate(x.ravel())[-1]
    return np.take(np.add.accumulate(x, axis=axis), -1, axis=axis)


def _where(condition, a, b):
    return np.where(condition, a, b)


def _sqrt(x):
    return np.sqrt(x)


def transpose(x):
    return x.T.copy()
''',
    "torch": '''
def _zeros(shape, device):
    return torch.zeros(shape, dtype=torch.float64, device=device)


def _array(values, device):
    return torch.as_tensor(values, dtype=torch.float64, device=device)


def _sum(x, axis=None):
    """Sum of x (all of it row-major, or along axis) added left to right from the first term:
    one elementwise add per term, so every device rounds it the same way."""
    if axis is None:
        x, axis = x.reshape(-1), 0
    total = x.select(axis, 0)
    for k in range(1, x.shape[axis]):
        total = total + x.select(axis, k)
    return total


def _where(condition, a, b):
    return torch.where(condition, a, b).to(torch.float64)


def _sqrt(x):
    """Correctly rounded square root, taken by the C library on the host: torch.sqrt is not
    (on an AVX-512 CPU about 0.7% of results are one ulp off), the interpreter's is."""
    values = x.tolist()
    if isinstance(values, float):
        return _root(values)
    return torch.tensor([_root(v) for v in values], dtype=torch.float64, device=x.device)


def _root(value):
    return math.sqrt(value) if value >= 0.0 else math.nan  # NaN stays NaN; sqrt(-0.0) = -0.0


def transpose(x):
    return x.T.clone()
''',
}

# Shared by both formats: written in terms of the primitives above and of the math module.
_HELPERS = '''

def _ieee(fn):
    """fn from math (the C library), giving IEEE inf/nan where Python raises."""

    def wrapped(x):
        x = float(x)
        try:
            return fn(x)
        except OverflowError:
            return math.inf
        except ValueError:
            if fn is math.log and x == 0.0:
                return -math.inf
            return math.nan

    wrapped.__name__ = fn.__name__
    return wrapped


sin, cos, tan = _ieee(math.sin), _ieee(math.cos), _ieee(math.tan)
arcsin, arccos, arctan = _ieee(math.asin), _ieee(math.acos), _ieee(math.atan)
exp, log = _ieee(math.exp), _ieee(math.log)


def sigmoid(x):
    return 1.0 / (1.0 + exp(-x))


def heaviside_ge(x):
    """Scalar step: 1 if x >= 0 else 0 (NaN gives 0)."""
    return 1.0 if x >= 0.0 else 0.0


def heaviside_gt(x):
    """Elementwise step: 1 where x > 0 else 0 (NaN gives 0)."""
    return _where(x > 0.0, 1.0, 0.0)


def minimum(a, b):
    """std::min: b if b < a else a (a NaN in a propagates, one in b does not)."""
    return _where(b < a, b, a)


def maximum(a, b):
    """std::max: b if a < b else a."""
    return _where(a < b, b, a)


def _count(x, axis):
    return math.prod(x.shape) if axis is None else x.shape[axis]


def dot(a, b):
    return _sum(a * b)


def outer(a, b):
    return a[:, None] * b[None, :]


def matvec(m, v):
    return _sum(m * v[None, :], axis=1)


def matmul(a, b):
    return _sum(a[:, :, None] * b[None, :, :], axis=1)


def norm(x, axis=None):
    """Euclidean norm (Frobenius for a matrix; axis=0 per column, axis=1 per row)."""
    return _sqrt(_sum(x * x, axis))


def mean(x, axis=None):
    return _sum(x, axis) / _count(x, axis)


def std(x, axis=None):
    """Population std sqrt(E[x^2] - E[x]^2), a negative rounding residue clamped to 0."""
    n = _count(x, axis)
    average = _sum(x, axis) / n
    variance = _sum(x * x, axis) / n - average * average
    return _sqrt(_where(variance < 0.0, 0.0, variance))


class SplitMix64:
    """The program's random stream: splitmix64, 53-bit uniforms, two-uniform Box-Muller gaussians."""

    MASK = (1 << 64) - 1

    def __init__(self, seed):
        self.state = int(seed) & self.MASK

    def uniform(self):
        """The next U[0, 1) draw."""
        self.state = (self.state + 0x9E3779B97F4A7C15) & self.MASK
        z = self.state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & self.MASK
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & self.MASK
        z ^= z >> 31
        return float(z >> 11) * (1.0 / 9007199254740992.0)

    def gaussian(self):
        """The next N(0, 1) draw (exactly two uniforms)."""
        u1, u2 = self.uniform(), self.uniform()
        return math.sqrt(-2.0 * math.log(1.0 - u1)) * math.cos((2.0 * math.pi) * u2)
'''

_CLASS = string.Template('''

class Algorithm:
    """The program with its memory: s [$S], v [$V, F], m [$M_alloc, F, F], zeroed, and its random stream."""

    def __init__(self, seed=0$device_param):
        """Fresh memory; ``seed`` seeds the random stream (zero's evaluator uses the task's rng_seed)."""
$device_init        self.s = _zeros(SCALARS$dev)
        self.v = _zeros((VECTORS, F)$dev)
        self.m = _zeros((max(MATRICES, 1), F, F)$dev)
        self.rng = SplitMix64(seed)

    def uniform(self, low, high, shape=()):
        """low + (high - low) * u for each element, drawn in row-major order."""
        values = [low + (high - low) * self.rng.uniform() for _ in range(math.prod(shape))]
        return values[0] if shape == () else _array(values$dev).reshape(shape)

    def gaussian(self, mean, std, shape=()):
        """mean + std * g for each element, drawn in row-major order."""
        values = [mean + std * self.rng.gaussian() for _ in range(math.prod(shape))]
        return values[0] if shape == () else _array(values$dev).reshape(shape)

    def setup(self):
        """Runs once, before training."""
        with $guard:
$setup
    def predict(self, x):
        """Prediction for features x (F values); may change memory. Sets v0 = x, s0 = 0."""
        self.v[0] = _array(x$dev)
        self.s[0] = 0.0
        with $guard:
$predict$sigmoid        return float(self.s[1])

    def learn(self, x, y):
        """One learning step on example (x, y), run after predict(x). Sets v0 = x, s0 = y."""
        self.v[0] = _array(x$dev)
        self.s[0] = float(y)
        with $guard:
$learn
    def train(self, x_train, y_train, epochs=1, orders=None):
        """Per epoch, per example: predict then learn; returns the training predictions in order.

        Epoch e visits the examples in order orders[e] when orders is given, otherwise in stored
        order. zero's evaluator uses stored order for epoch 0 and a task-specific shuffle for later
        epochs (TaskSet.orders[t]); it also predicts every validation example after each epoch,
        which can change memory, so interleave predict_batch(x_valid) to follow it exactly.
        Unlike the evaluator this does not stop at a NaN, infinite or far-off prediction.
        """
        predictions = []
        for epoch in range(epochs):
            order = range(len(x_train)) if orders is None else orders[epoch]
            for i in order:
                predictions.append(self.predict(x_train[int(i)]))
                self.learn(x_train[int(i)], y_train[int(i)])
        return predictions

    def predict_batch(self, x):
        """predict for each row of x in turn (memory carries over, as in validation)."""
        return _array([self.predict(row) for row in x]$dev)


def fit(x_train, y_train, epochs=1, seed=0, orders=None$device_param):
    """A fresh Algorithm(seed), set up and trained on (x_train, y_train); see Algorithm.train."""
    algorithm = Algorithm(seed$device_arg)
    algorithm.setup()
    algorithm.train(x_train, y_train, epochs, orders)
    return algorithm
''')

# Around each component: NumPy gives IEEE results (1/0 = inf) without warnings; torch records no
# autograd graph even if an input requires grad.
_GUARD = {"numpy": 'np.errstate(all="ignore")', "torch": "torch.no_grad()"}


def _body(program: Program, component: str, feature_size: int) -> str:
    lines = [instruction_code(ins, feature_size) for ins in getattr(program, component)] or ["pass"]
    return "".join(f"            {line}\n" for line in lines)


def _check_arguments(program: Program, feature_size: int, fmt: str, name: str) -> None:
    if not isinstance(program, Program):
        raise TypeError(f"export needs a zero.lang.program.Program, got {type(program).__name__}")
    if isinstance(feature_size, bool) or not isinstance(feature_size, int) or feature_size < 1:
        raise ValueError(f"feature_size must be an integer >= 1, got {feature_size!r}")
    if fmt not in FORMATS:
        raise ValueError(f"format must be one of {', '.join(FORMATS)}, got {fmt!r}")
    if not isinstance(name, str) or not name or not name.isprintable() or any(c in name for c in "\"\\"):
        raise ValueError(f"name must be a non-empty printable string without quotes or backslashes, got {name!r}")
    for component in COMPONENTS:
        for ins in getattr(program, component):
            _template(ins.spec)


def export(
    program: Program, feature_size: int, fmt: Format, *, name: str = "champion", classification: bool = False
) -> str:
    """Source text of a standalone ``fmt`` module running ``program`` on ``feature_size`` features
    (see the module docstring). ``classification`` makes ``predict`` return ``sigmoid(s1)``, as
    the evaluator does on classification tasks. The text is deterministic for the same arguments."""
    _check_arguments(program, feature_size, fmt, name)
    S, V, M = program.memory
    listing = "\n".join("    " + line for line in program.render().splitlines())
    task_line = (
        "Classification: predict returns sigmoid(s1), the probability of label 1."
        if classification
        else "Regression: predict returns s1."
    )
    doc = string.Template(_DOC).substitute(
        name=name, library="NumPy" if fmt == "numpy" else "PyTorch", F=feature_size, task_line=task_line,
        S=S, V=V, M=M, exactness=_EXACTNESS[fmt], listing=listing,
    )  # fmt: skip
    constants = (
        f"\nNAME = {name!r}\nF = FEATURE_SIZE = {feature_size}\nCLASSIFICATION = {bool(classification)}\n"
        f"SCALARS, VECTORS, MATRICES = {S}, {V}, {M}\n\n"
    )
    torch = fmt == "torch"
    body = _CLASS.substitute(
        S=S, V=V, M_alloc=max(M, 1),
        device_param=', device="cpu"' if torch else "",
        device_arg=", device" if torch else "",
        device_init="        self.device = torch.device(device)\n" if torch else "",
        dev=", self.device" if torch else "",
        guard=_GUARD[fmt],
        setup=_body(program, "setup", feature_size),
        predict=_body(program, "predict", feature_size),
        learn=_body(program, "learn", feature_size),
        sigmoid="        self.s[1] = sigmoid(self.s[1])\n" if classification else "",
    )  # fmt: skip
    return doc + "\n\n" + _IMPORTS[fmt] + constants + _PRIMITIVES[fmt] + _HELPERS + body
