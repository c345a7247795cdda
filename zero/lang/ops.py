"""THE op table: the 65 AutoML-Zero ops, one row each.

Ids 0–64 are OP0–OP64 of Table S1 in Real et al., "AutoML-Zero" (ICML 2020) and of the reference
code's ``instruction.proto``; they are serialized in champion files, so **ids and names never move**
(append-only, like the reference pins ``SCALAR_SUM_OP = 1;  // OP1 in paper.``).

Everything else reads this table: the numba interpreter dispatches on the ids named here, the NumPy
oracle keys its kernels by name, the printer/parser use ``template``, the mutator uses ``inputs``,
``output`` and ``data``. ``tests/test_ops.py`` fails if an op lacks a kernel, an oracle or a printer.

Memory kinds: ``s`` scalar, ``v`` F-vector, ``m`` F×F matrix. Data fields (up to three float64 per
instruction) are listed per op with how a fresh instruction samples them:

- ``value``  ~ U(−1, 1): a constant written by a const-set op.
- ``index``  ~ U[0, 1): a *fraction* of the feature size; entry ``floor(index · F)`` is addressed, so
  a program is valid for any F (the reference's ``FloatToIndex``).
- ``low``/``high`` ~ U(−1, 1): bounds of a uniform draw (taken as given, not reordered).
- ``mean`` ~ U(−1, 1), ``std`` ~ U[0, 1): a Gaussian draw.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Kind = Literal["s", "v", "m"]
KINDS: tuple[Kind, ...] = ("s", "v", "m")

# The interpreter's fixed addresses (reference definitions.h): label, prediction, features.
LABEL_ADDRESS = 0  # s0: the label, visible to learn only (zeroed before predict)
PREDICTION_ADDRESS = 1  # s1: the prediction predict must write
FEATURES_ADDRESS = 0  # v0: the features of the current example
# Lowest address an instruction may write, per kind: s0 (label) and v0 (features) are read-only.
FIRST_OUTPUT_ADDRESS = {"s": 1, "v": 1, "m": 0}

# How each data field is sampled for a fresh instruction: (low, high) of a uniform draw.
DATA_SAMPLING = {
    "value": (-1.0, 1.0),
    "index": (0.0, 1.0),
    "low": (-1.0, 1.0),
    "high": (-1.0, 1.0),
    "mean": (-1.0, 1.0),
    "std": (0.0, 1.0),
}
# Index fields must stay in [0, 1) (validated on build/load); the others are free reals.
INDEX_FIELDS = frozenset({"index", "row", "col"})


@dataclass(frozen=True)
class Op:
    """One row of the op table.

    ``template`` prints an instruction: ``{out}``, ``{in1}``, ``{in2}`` become addresses like ``s3``,
    ``{d0}``–``{d2}`` the data fields and ``{F}`` the feature size (``F`` when unknown). Each template is unique per (inputs, output) so the printed
    form parses back to the same instruction (``zero.lang.program.parse``).
    """

    id: int
    name: str
    inputs: tuple[Kind, ...]  # kinds of in1 (and in2); () for the const/random set ops
    output: Kind | None  # None only for NO_OP
    template: str
    data: tuple[str, ...] = ()  # names of the data fields the op reads, in order d0, d1, d2

    @property
    def arity(self) -> int:
        return len(self.inputs)


def _row(id_, name, inputs, output, template, data=()):
    return Op(id_, name, tuple(inputs), output, template, tuple(data))


# fmt: off
OPS: tuple[Op, ...] = (
    _row(0,  "no_op",                   "",   None, "noop()"),
    _row(1,  "scalar_sum",              "ss", "s",  "{out} = {in1} + {in2}"),
    _row(2,  "scalar_diff",             "ss", "s",  "{out} = {in1} - {in2}"),
    _row(3,  "scalar_product",          "ss", "s",  "{out} = {in1} * {in2}"),
    _row(4,  "scalar_division",         "ss", "s",  "{out} = {in1} / {in2}"),
    _row(5,  "scalar_abs",              "s",  "s",  "{out} = abs({in1})"),
    _row(6,  "scalar_reciprocal",       "s",  "s",  "{out} = 1 / {in1}"),
    _row(7,  "scalar_sin",              "s",  "s",  "{out} = sin({in1})"),
    _row(8,  "scalar_cos",              "s",  "s",  "{out} = cos({in1})"),
    _row(9,  "scalar_tan",              "s",  "s",  "{out} = tan({in1})"),
    _row(10, "scalar_arcsin",           "s",  "s",  "{out} = arcsin({in1})"),
    _row(11, "scalar_arccos",           "s",  "s",  "{out} = arccos({in1})"),
    _row(12, "scalar_arctan",           "s",  "s",  "{out} = arctan({in1})"),
    _row(13, "scalar_exp",              "s",  "s",  "{out} = exp({in1})"),
    _row(14, "scalar_log",              "s",  "s",  "{out} = log({in1})"),
    _row(15, "scalar_heaviside",        "s",  "s",  "{out} = heaviside({in1})"),   # 1 if x >= 0
    _row(16, "vector_heaviside",        "v",  "v",  "{out} = heaviside({in1})"),   # 1 where x > 0
    _row(17, "matrix_heaviside",        "m",  "m",  "{out} = heaviside({in1})"),   # 1 where x > 0
    _row(18, "scalar_vector_product",   "sv", "v",  "{out} = {in1} * {in2}"),
    _row(19, "scalar_broadcast",        "s",  "v",  "{out} = bcast({in1})"),
    _row(20, "vector_reciprocal",       "v",  "v",  "{out} = 1 / {in1}"),
    _row(21, "vector_norm",             "v",  "s",  "{out} = norm({in1})"),
    _row(22, "vector_abs",              "v",  "v",  "{out} = abs({in1})"),
    _row(23, "vector_sum",              "vv", "v",  "{out} = {in1} + {in2}"),
    _row(24, "vector_diff",             "vv", "v",  "{out} = {in1} - {in2}"),
    _row(25, "vector_product",          "vv", "v",  "{out} = {in1} * {in2}"),
    _row(26, "vector_division",         "vv", "v",  "{out} = {in1} / {in2}"),
    _row(27, "vector_inner_product",    "vv", "s",  "{out} = dot({in1}, {in2})"),
    _row(28, "vector_outer_product",    "vv", "m",  "{out} = outer({in1}, {in2})"),
    _row(29, "scalar_matrix_product",   "sm", "m",  "{out} = {in1} * {in2}"),
    _row(30, "matrix_reciprocal",       "m",  "m",  "{out} = 1 / {in1}"),
    _row(31, "matrix_vector_product",   "mv", "v",  "{out} = dot({in1}, {in2})"),
    _row(32, "vector_column_broadcast", "v",  "m",  "{out} = bcast({in1}, axis=1)"),  # M[i, j] = v[i]
    _row(33, "vector_row_broadcast",    "v",  "m",  "{out} = bcast({in1}, axis=0)"),  # M[i, j] = v[j]
    _row(34, "matrix_norm",             "m",  "s",  "{out} = norm({in1})"),           # Frobenius
    _row(35, "matrix_column_norm",      "m",  "v",  "{out} = norm({in1}, axis=0)"),   # v[j] = |M[:, j]|
    _row(36, "matrix_row_norm",         "m",  "v",  "{out} = norm({in1}, axis=1)"),   # v[i] = |M[i, :]|
    _row(37, "matrix_transpose",        "m",  "m",  "{out} = transpose({in1})"),
    _row(38, "matrix_abs",              "m",  "m",  "{out} = abs({in1})"),
    _row(39, "matrix_sum",              "mm", "m",  "{out} = {in1} + {in2}"),
    _row(40, "matrix_diff",             "mm", "m",  "{out} = {in1} - {in2}"),
    _row(41, "matrix_product",          "mm", "m",  "{out} = {in1} * {in2}"),
    _row(42, "matrix_division",         "mm", "m",  "{out} = {in1} / {in2}"),
    _row(43, "matrix_matrix_product",   "mm", "m",  "{out} = matmul({in1}, {in2})"),
    _row(44, "scalar_min",              "ss", "s",  "{out} = minimum({in1}, {in2})"),
    _row(45, "vector_min",              "vv", "v",  "{out} = minimum({in1}, {in2})"),
    _row(46, "matrix_min",              "mm", "m",  "{out} = minimum({in1}, {in2})"),
    _row(47, "scalar_max",              "ss", "s",  "{out} = maximum({in1}, {in2})"),
    _row(48, "vector_max",              "vv", "v",  "{out} = maximum({in1}, {in2})"),
    _row(49, "matrix_max",              "mm", "m",  "{out} = maximum({in1}, {in2})"),
    _row(50, "vector_mean",             "v",  "s",  "{out} = mean({in1})"),
    _row(51, "matrix_mean",             "m",  "s",  "{out} = mean({in1})"),
    _row(52, "matrix_row_mean",         "m",  "v",  "{out} = mean({in1}, axis=1)"),
    _row(53, "matrix_row_st_dev",       "m",  "v",  "{out} = std({in1}, axis=1)"),
    _row(54, "vector_st_dev",           "v",  "s",  "{out} = std({in1})"),
    _row(55, "matrix_st_dev",           "m",  "s",  "{out} = std({in1})"),
    _row(56, "scalar_const_set",        "",   "s",  "{out} = {d0}",                   ("value",)),
    _row(57, "vector_const_set",        "",   "v",  "{out}[{d0}] = {d1}",             ("index", "value")),
    _row(58, "matrix_const_set",        "",   "m",  "{out}[{d0}, {d1}] = {d2}",       ("row", "col", "value")),
    _row(59, "scalar_uniform_set",      "",   "s",  "{out} = uniform({d0}, {d1})",     ("low", "high")),
    _row(60, "vector_uniform_set",      "",   "v",  "{out} = uniform({d0}, {d1}, {F})",  ("low", "high")),
    _row(61, "matrix_uniform_set",      "",   "m",  "{out} = uniform({d0}, {d1}, ({F}, {F}))", ("low", "high")),
    _row(62, "scalar_gaussian_set",     "",   "s",  "{out} = gaussian({d0}, {d1})",    ("mean", "std")),
    _row(63, "vector_gaussian_set",     "",   "v",  "{out} = gaussian({d0}, {d1}, {F})", ("mean", "std")),
    _row(64, "matrix_gaussian_set",     "",   "m",  "{out} = gaussian({d0}, {d1}, ({F}, {F}))", ("mean", "std")),
)
# fmt: on

DATA_SAMPLING["row"] = DATA_SAMPLING["col"] = DATA_SAMPLING["index"]

NUM_OPS = len(OPS)
MAX_DATA = 3  # data fields per instruction
BY_NAME: dict[str, Op] = {op.name: op for op in OPS}

# Op ids as module constants (SCALAR_SUM == 1, ...) so code can say what it means; generated from
# the table so they cannot drift from it.
globals().update({op.name.upper(): op.id for op in OPS})

assert [op.id for op in OPS] == list(range(NUM_OPS)), "op ids must be 0..N-1 in order"
assert len(BY_NAME) == NUM_OPS, "op names must be unique"


def op_by_name(name: str) -> Op:
    """The op called ``name`` (case-insensitive); KeyError naming close matches otherwise."""
    op = BY_NAME.get(name.lower())
    if op is None:
        import difflib

        close = difflib.get_close_matches(name.lower(), BY_NAME, n=3)
        hint = f"; did you mean {', '.join(close)}?" if close else ""
        raise KeyError(f"unknown op {name!r}{hint}")
    return op


def work(op: Op, feature_size: int) -> int:
    """Scalar operations one execution of ``op`` does at feature size F, the price of an op in the
    compute limit (:mod:`zero.lang.budget`): 0 for ``no_op``, F³ for ``matrix_matrix_product``,
    else F², F or 1 as the largest operand it reads or writes is a matrix, a vector or a scalar."""
    if op.output is None:
        return 0
    if op.name == "matrix_matrix_product":
        return feature_size**3
    kinds = set(op.inputs) | {op.output}
    return feature_size**2 if "m" in kinds else feature_size if "v" in kinds else 1

