"""Tests of the op table (zero.lang.ops): pinned ids, metadata against the reference (AutoML-Zero Table S1,
see reference/automl-zero.md §1), and that every op has a compiled kernel, an oracle kernel, a printer
and data samplers — with the compiled kernel agreeing with the oracle to the last bit."""

from __future__ import annotations

import math
import re

import numpy as np
import pytest

from zero.interpreter import oracle
from zero.interpreter.compiler import UNKNOWN_OP, compile_for
from zero.lang import ops
from zero.lang.encoding import encode
from zero.lang.generator import random_data, random_instruction
from zero.lang.program import Instruction, Memory, Program, parse_instruction, render_instruction

F = 4
MEM = Memory(5, 4, 3)  # room for distinct and aliased addresses of every kind

# Serialized ids never move: a renamed, reordered or removed op must fail here (append-only table).
EXPECTED_OPS = [
    (0, "no_op"), (1, "scalar_sum"), (2, "scalar_diff"), (3, "scalar_product"),
    (4, "scalar_division"), (5, "scalar_abs"), (6, "scalar_reciprocal"), (7, "scalar_sin"),
    (8, "scalar_cos"), (9, "scalar_tan"), (10, "scalar_arcsin"), (11, "scalar_arccos"),
    (12, "scalar_arctan"), (13, "scalar_exp"), (14, "scalar_log"), (15, "scalar_heaviside"),
    (16, "vector_heaviside"), (17, "matrix_heaviside"), (18, "scalar_vector_product"), (19, "scalar_broadcast"),
    (20, "vector_reciprocal"), (21, "vector_norm"), (22, "vector_abs"), (23, "vector_sum"),
    (24, "vector_diff"), (25, "vector_product"), (26, "vector_division"), (27, "vector_inner_product"),
    (28, "vector_outer_product"), (29, "scalar_matrix_product"), (30, "matrix_reciprocal"),
    (31, "matrix_vector_product"),
    (32, "vector_column_broadcast"), (33, "vector_row_broadcast"), (34, "matrix_norm"), (35, "matrix_column_norm"),
    (36, "matrix_row_norm"), (37, "matrix_transpose"), (38, "matrix_abs"), (39, "matrix_sum"),
    (40, "matrix_diff"), (41, "matrix_product"), (42, "matrix_division"), (43, "matrix_matrix_product"),
    (44, "scalar_min"), (45, "vector_min"), (46, "matrix_min"), (47, "scalar_max"),
    (48, "vector_max"), (49, "matrix_max"), (50, "vector_mean"), (51, "matrix_mean"),
    (52, "matrix_row_mean"), (53, "matrix_row_st_dev"), (54, "vector_st_dev"), (55, "matrix_st_dev"),
    (56, "scalar_const_set"), (57, "vector_const_set"), (58, "matrix_const_set"), (59, "scalar_uniform_set"),
    (60, "vector_uniform_set"), (61, "matrix_uniform_set"), (62, "scalar_gaussian_set"), (63, "vector_gaussian_set"),
    (64, "matrix_gaussian_set"),
]

# reference/automl-zero.md §1: "binary = 1–4, 18, 23–29, 31, 39–49; set ops 56–64 = out+data; rest unary".
BINARY = {1, 2, 3, 4, 18, *range(23, 30), 31, *range(39, 50)}
SET_OPS = set(range(56, 65))

# Input kinds per op, from the "computes" column of Table S1 (a = in1, b = in2).
EXPECTED_INPUTS = {
    **{i: "ss" for i in (1, 2, 3, 4, 44, 47)},
    **{i: "s" for i in range(5, 16)}, 19: "s",
    16: "v", 20: "v", 21: "v", 22: "v", 32: "v", 33: "v", 50: "v", 54: "v",
    17: "m", 30: "m", **{i: "m" for i in range(34, 39)}, 51: "m", 52: "m", 53: "m", 55: "m",
    18: "sv", 29: "sm", 31: "mv",
    **{i: "vv" for i in (23, 24, 25, 26, 27, 28, 45, 48)},
    **{i: "mm" for i in (39, 40, 41, 42, 43, 46, 49)},
    0: "", **{i: "" for i in SET_OPS},
}
EXPECTED_OUTPUT = {
    0: None,
    **{i: "s" for i in (*range(1, 16), 21, 27, 34, 44, 47, 50, 51, 54, 55, 56, 59, 62)},
    **{i: "v" for i in (16, 18, 19, 20, 22, 23, 24, 25, 26, 31, 35, 36, 45, 48, 52, 53, 57, 60, 63)},
    **{i: "m" for i in (17, 28, 29, 30, 32, 33, 37, 38, 39, 40, 41, 42, 43, 46, 49, 58, 61, 64)},
}
EXPECTED_DATA = {
    56: ("value",), 57: ("index", "value"), 58: ("row", "col", "value"),
    59: ("low", "high"), 60: ("low", "high"), 61: ("low", "high"),
    62: ("mean", "std"), 63: ("mean", "std"), 64: ("mean", "std"),
}

OP_IDS = [op.id for op in ops.OPS]
OP_NAMES = {op.id: op.name for op in ops.OPS}


# ---- the table ------------------------------------------------------------------------------------


def test_table_is_pinned():
    assert ops.NUM_OPS == len(ops.OPS) == 65
    assert [(op.id, op.name) for op in ops.OPS] == EXPECTED_OPS
    assert len({op.name for op in ops.OPS}) == 65
    assert set(ops.BY_NAME) == {name for _, name in EXPECTED_OPS}


def test_module_constants_follow_the_table():
    for op_id, name in EXPECTED_OPS:
        assert getattr(ops, name.upper()) == op_id
        assert ops.op_by_name(name).id == op_id
        assert ops.op_by_name(name.upper()).id == op_id  # case-insensitive


def test_op_by_name_suggests_close_names():
    with pytest.raises(KeyError, match="did you mean.*scalar_sum"):
        ops.op_by_name("scalar_summ")
    with pytest.raises(KeyError, match="unknown op 'zzzz'"):
        ops.op_by_name("zzzz")


@pytest.mark.parametrize("op_id", OP_IDS, ids=OP_NAMES.get)
def test_metadata_matches_reference(op_id):
    op = ops.OPS[op_id]
    expected_arity = 2 if op_id in BINARY else 0 if op_id in SET_OPS or op_id == 0 else 1
    assert op.arity == expected_arity
    assert "".join(op.inputs) == EXPECTED_INPUTS[op_id]
    assert op.output == EXPECTED_OUTPUT[op_id]
    assert op.data == EXPECTED_DATA.get(op_id, ())
    assert len(op.data) <= ops.MAX_DATA
    if op_id in SET_OPS:  # the name says the kind the set op writes
        assert {"scalar": "s", "vector": "v", "matrix": "m"}[op.name.split("_")[0]] == op.output


@pytest.mark.parametrize("op_id", OP_IDS, ids=OP_NAMES.get)
def test_data_fields_have_samplers(op_id):
    op = ops.OPS[op_id]
    rng = np.random.default_rng(op_id)
    for name in op.data:
        low, high = ops.DATA_SAMPLING[name]
        assert low < high
        if name in ops.INDEX_FIELDS:
            assert (low, high) == (0.0, 1.0)  # a fraction of F: f0 ~ U(0, 1)
        elif name == "std":
            assert (low, high) == (0.0, 1.0)  # sigma ~ U(0, 1)
        else:
            assert (low, high) == (-1.0, 1.0)
    for _ in range(200):
        values = random_data(op, rng)
        assert len(values) == len(op.data)
        for name, value in zip(op.data, values):
            low, high = ops.DATA_SAMPLING[name]
            assert low <= value < high


def test_every_op_has_an_oracle_kernel():
    assert set(oracle.OP_KERNELS) == {op.name for op in ops.OPS}


# ---- printer ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("op_id", OP_IDS, ids=OP_NAMES.get)
def test_template_names_exactly_the_fields_the_op_uses(op_id):
    op = ops.OPS[op_id]
    fields = set(re.findall(r"\{(\w+)\}", op.template))
    expected = set(("in1", "in2")[: op.arity])
    expected |= {"out"} if op.output else set()
    expected |= {f"d{k}" for k in range(len(op.data))}
    assert fields - {"F"} == expected


@pytest.mark.parametrize("op_id", OP_IDS, ids=OP_NAMES.get)
def test_printer_round_trips(op_id):
    rng = np.random.default_rng(1000 + op_id)
    for _ in range(5):
        ins = random_instruction(op_id, MEM, rng)
        text = render_instruction(ins)
        if ins.spec.output:
            assert re.match(rf"{ins.spec.output}{ins.out}\b", text), text
        back = parse_instruction(text)
        assert back == ins, text
        assert parse_instruction(f"   {text}  ") == ins  # surrounding blanks are ignored


def test_printer_style_matches_the_reference():
    assert render_instruction(Instruction.make("scalar_diff", in1=0, in2=1, out=3)) == "s3 = s0 - s1"
    assert render_instruction(Instruction.make("scalar_vector_product", in1=4, in2=0, out=2)) == "v2 = s4 * v0"
    assert render_instruction(Instruction.make("vector_inner_product", in1=0, in2=1, out=1)) == "s1 = dot(v0, v1)"
    assert render_instruction(Instruction.make("matrix_vector_product", in1=0, in2=1, out=2)) == "v2 = dot(m0, v1)"
    assert render_instruction(Instruction.make("vector_outer_product", in1=1, in2=0, out=1)) == "m1 = outer(v1, v0)"
    assert render_instruction(Instruction.make("matrix_matrix_product", in1=0, in2=1, out=2)) == "m2 = matmul(m0, m1)"
    assert render_instruction(Instruction.make("matrix_row_norm", in1=1, out=4)) == "v4 = norm(m1, axis=1)"
    assert render_instruction(Instruction.make("scalar_const_set", out=2, data=[0.001])) == "s2 = 0.001"
    assert render_instruction(Instruction.make("vector_const_set", out=3, data=[0.51, -0.2])) == "v3[0.51] = -0.2"
    const = Instruction.make("vector_const_set", out=3, data=[0.51, -0.2])
    assert render_instruction(const, feature_size=4) == "v3[2] = -0.2"


# ---- compiled kernel vs oracle -------------------------------------------------------------------


@pytest.fixture(scope="module")
def interp():
    return compile_for(F)


def random_memory(seed: int):
    """A memory state with varied signs and magnitudes (some in [-1, 1] for arcsin/arccos), a zero
    and a shared value, so that ops that differ only at edge cases still see them."""
    rng = np.random.default_rng(seed)
    s = rng.uniform(-1.5, 1.5, MEM.scalars)
    v = rng.uniform(-1.5, 1.5, (MEM.vectors, F))
    m = rng.uniform(-1.5, 1.5, (MEM.matrices, F, F))
    s[2] = 0.0
    v[1, 2] = 0.0
    m[1, 0, 3] = 0.0
    return s, v, m


def run_compiled(interp, ins: Instruction, s, v, m, seed: int):
    """Run ``ins`` alone on copies of the given memory through the numba kernel."""
    enc = encode(Program((ins,), (), (), memory=MEM))
    s, v, m = s.copy(), v.copy(), m.copy()
    m_flat = m.reshape(m.shape[0], F * F)
    assert np.shares_memory(m, m_flat)
    tmp_v, tmp_m = np.zeros(F), np.zeros((F, F))
    rng = np.array([seed], dtype=np.uint64)
    result = interp.run_component(enc.code, enc.data, enc.bounds[0], enc.bounds[1], s, v, m, m_flat, tmp_v, tmp_m, rng)
    return result, s, v, m, int(rng[0])


def run_oracle(ins: Instruction, s, v, m, seed: int):
    mem = oracle.Memory(Program((), (), (), memory=MEM), F, seed)
    mem.s[:], mem.v[:], mem.m[:] = s, v, m
    with np.errstate(all="ignore"):
        oracle.OP_KERNELS[ins.spec.name](mem, ins)
    return mem.s, mem.v, mem.m, mem.rng.state


def same_bits(a: np.ndarray, b: np.ndarray) -> bool:
    """Bit-identical, except that any NaN equals any NaN (the sign of a NaN is not semantics)."""
    a, b = np.ascontiguousarray(a, dtype=np.float64), np.ascontiguousarray(b, dtype=np.float64)
    if a.shape != b.shape:
        return False
    bits = a.view(np.uint64) == b.view(np.uint64)
    return bool(np.all(bits | (np.isnan(a) & np.isnan(b))))


def test_op_without_kernel_returns_unknown_op(interp):
    s, v, m = random_memory(0)
    m_flat = m.reshape(m.shape[0], F * F)
    rng = np.array([7], dtype=np.uint64)
    for bad in (ops.NUM_OPS, 1000):
        code = np.array([[bad, 1, 1, 1]], dtype=np.int32)
        data = np.zeros((1, 3))
        before = (s.copy(), v.copy(), m.copy())
        result = interp.run_component(code, data, 0, 1, s, v, m, m_flat, np.zeros(F), np.zeros((F, F)), rng)
        assert result == UNKNOWN_OP
        assert same_bits(s, before[0]) and same_bits(v, before[1]) and same_bits(m, before[2])


@pytest.mark.parametrize("op_id", OP_IDS, ids=OP_NAMES.get)
def test_compiled_kernel_matches_oracle(interp, op_id):
    rng = np.random.default_rng(op_id)
    instructions = [random_instruction(op_id, MEM, rng) for _ in range(4)]
    # every address 1: out aliases in1 and in2 wherever kinds agree (1 is writable for every kind)
    instructions.append(Instruction.make(op_id, in1=1, in2=1, out=1, data=random_data(ops.OPS[op_id], rng)))
    for k, ins in enumerate(instructions):
        s, v, m = random_memory(100 * op_id + k)
        seed = 12345 + k
        result, cs, cv, cm, c_rng = run_compiled(interp, ins, s, v, m, seed)
        assert result != UNKNOWN_OP, f"no compiled kernel for {ins.spec.name}"
        assert result == 1  # instructions executed
        os_, ov, om, o_rng = run_oracle(ins, s, v, m, seed)
        where = f"{render_instruction(ins)} (memory seed {100 * op_id + k})"
        assert same_bits(cs, os_), f"scalars differ after {where}:\n{cs}\n{os_}"
        assert same_bits(cv, ov), f"vectors differ after {where}:\n{cv}\n{ov}"
        assert same_bits(cm, om), f"matrices differ after {where}:\n{cm}\n{om}"
        assert c_rng == o_rng, f"random streams diverge after {where}"
        if ins.spec.output is None:
            assert same_bits(cs, s) and same_bits(cv, v) and same_bits(cm, m)


def test_random_set_ops_advance_the_stream_per_element(interp):
    """Uniform sets draw one number per element, gaussian sets two (Box–Muller without caching)."""
    draws = {59: 1, 60: F, 61: F * F, 62: 2, 63: 2 * F, 64: 2 * F * F}
    for op_id, n in draws.items():
        ins = Instruction.make(op_id, out=1, data=[0.0, 1.0])
        s, v, m = random_memory(op_id)
        *_, state = run_compiled(interp, ins, s, v, m, seed=0)
        assert state == (n * 0x9E3779B97F4A7C15) % 2**64, ops.OPS[op_id].name
        twin = oracle.SplitMix64(0)
        for _ in range(n):
            twin.uniform()
        assert twin.state == state


# ---- hand-computed semantics, through both interpreters -------------------------------------------


def both(interp, ins: Instruction, s, v, m):
    """(scalars, vectors, matrices) after ``ins`` from the compiled kernel and from the oracle."""
    _, cs, cv, cm, _ = run_compiled(interp, ins, s, v, m, 0)
    os_, ov, om, _ = run_oracle(ins, s, v, m, 0)
    return [(cs, cv, cm), (os_, ov, om)]


def zeros():
    return np.zeros(MEM.scalars), np.zeros((MEM.vectors, F)), np.zeros((MEM.matrices, F, F))


def test_heaviside_scalar_vs_vector_at_zero(interp):
    s, v, m = zeros()
    s[2] = 0.0
    v[2] = [0.0, -0.0, 1e-300, -1e-300]
    m[2] = 0.0
    for cs, _, _ in both(interp, Instruction.make("scalar_heaviside", in1=2, out=3), s, v, m):
        assert cs[3] == 1.0  # x >= 0
    for _, cv, _ in both(interp, Instruction.make("vector_heaviside", in1=2, out=3), s, v, m):
        assert cv[3].tolist() == [0.0, 0.0, 1.0, 0.0]  # x > 0
    for _, _, cm in both(interp, Instruction.make("matrix_heaviside", in1=2, out=0), s, v, m):
        assert not cm[0].any()


@pytest.mark.parametrize("value", [0.1, 1 / 3, -7.3, 1e10, 0.0])
def test_std_of_constant_is_exactly_zero(interp, value):
    s, v, m = zeros()
    v[2] = value
    m[1] = value
    for cs, cv, _ in both(interp, Instruction.make("vector_st_dev", in1=2, out=3), s, v, m):
        assert cs[3] == 0.0 and not math.isnan(cs[3])
    for _, cv, _ in both(interp, Instruction.make("matrix_row_st_dev", in1=1, out=3), s, v, m):
        assert cv[3].tolist() == [0.0] * F
    # over F*F = 16 terms, E[x^2] - E[x]^2 may round slightly *positive* (the reference's formula):
    # never NaN, never negative, and negligible next to the value
    for cs, _, _ in both(interp, Instruction.make("matrix_st_dev", in1=1, out=3), s, v, m):
        assert 0.0 <= cs[3] <= 1e-7 * abs(value)


def test_std_is_population_std(interp):
    s, v, m = zeros()
    v[1] = [1.0, 3.0, 1.0, 3.0]  # mean 2, every deviation 1
    for cs, _, _ in both(interp, Instruction.make("vector_st_dev", in1=1, out=2), s, v, m):
        assert cs[2] == 1.0


def test_matrix_vector_product_aliasing_output_and_input(interp):
    s, v, m = zeros()
    m[1] = np.arange(16.0).reshape(4, 4) - 5.0
    v[2] = [1.0, -2.0, 3.0, 0.5]
    expected = m[1] @ v[2]  # small integers and halves: exact in any order
    for _, cv, _ in both(interp, Instruction.make("matrix_vector_product", in1=1, in2=2, out=2), s, v, m):
        assert cv[2].tolist() == expected.tolist()


def test_matrix_transpose_in_place(interp):
    s, v, m = zeros()
    m[2] = np.arange(16.0).reshape(4, 4)
    for _, _, cm in both(interp, Instruction.make("matrix_transpose", in1=2, out=2), s, v, m):
        assert cm[2].tolist() == np.arange(16.0).reshape(4, 4).T.tolist()


def test_matrix_matrix_product_in_place(interp):
    s, v, m = zeros()
    m[0] = np.arange(16.0).reshape(4, 4) - 8.0
    m[1] = np.eye(4)[::-1] * 2.0
    expected = m[0] @ m[1]
    for _, _, cm in both(interp, Instruction.make("matrix_matrix_product", in1=0, in2=1, out=0), s, v, m):
        assert cm[0].tolist() == expected.tolist()
    expected = m[0] @ m[0]
    for _, _, cm in both(interp, Instruction.make("matrix_matrix_product", in1=0, in2=0, out=0), s, v, m):
        assert cm[0].tolist() == expected.tolist()


def test_broadcasts_and_outer_product_orientation(interp):
    s, v, m = zeros()
    v[1] = [1.0, 2.0, 3.0, 4.0]
    v[2] = [10.0, 20.0, 30.0, 40.0]
    for _, _, cm in both(interp, Instruction.make("vector_column_broadcast", in1=1, out=0), s, v, m):
        assert cm[0].tolist() == [[x] * 4 for x in [1.0, 2.0, 3.0, 4.0]]  # M[i, j] = v[i]
    for _, _, cm in both(interp, Instruction.make("vector_row_broadcast", in1=1, out=0), s, v, m):
        assert cm[0].tolist() == [[1.0, 2.0, 3.0, 4.0]] * 4  # M[i, j] = v[j]
    for _, _, cm in both(interp, Instruction.make("vector_outer_product", in1=1, in2=2, out=0), s, v, m):
        assert cm[0].tolist() == np.outer(v[1], v[2]).tolist()


@pytest.mark.parametrize(
    "fraction, entry",
    [(0.0, 0), (0.24, 0), (0.25, 1), (0.5, 2), (0.74, 2), (0.75, 3), (0.99, 3), (0.9999999999999999, 3)],
)
def test_vector_const_set_index_fraction(interp, fraction, entry):
    s, v, m = zeros()
    ins = Instruction.make("vector_const_set", out=2, data=[fraction, -0.25])
    for _, cv, _ in both(interp, ins, s, v, m):
        expected = np.zeros(F)
        expected[entry] = -0.25
        assert cv[2].tolist() == expected.tolist()
        assert not cv[1].any()


def test_matrix_const_set_row_then_column(interp):
    s, v, m = zeros()
    ins = Instruction.make("matrix_const_set", out=1, data=[0.3, 0.99, 7.5])  # row 1, column 3
    for _, _, cm in both(interp, ins, s, v, m):
        assert cm[1, 1, 3] == 7.5
        assert np.count_nonzero(cm) == 1


def test_division_by_zero_and_log_of_negative_do_not_raise(interp):
    s, v, m = zeros()
    s[2], s[3], s[4] = 1.0, 0.0, -1.0
    v[1] = [1.0, -1.0, 0.0, 2.0]
    for cs, _, _ in both(interp, Instruction.make("scalar_division", in1=2, in2=3, out=1), s, v, m):
        assert cs[1] == math.inf
    for cs, _, _ in both(interp, Instruction.make("scalar_division", in1=4, in2=3, out=1), s, v, m):
        assert cs[1] == -math.inf
    for cs, _, _ in both(interp, Instruction.make("scalar_reciprocal", in1=3, out=1), s, v, m):
        assert cs[1] == math.inf
    for cs, _, _ in both(interp, Instruction.make("scalar_log", in1=4, out=1), s, v, m):
        assert math.isnan(cs[1])
    for cs, _, _ in both(interp, Instruction.make("scalar_log", in1=3, out=1), s, v, m):
        assert cs[1] == -math.inf
    for cs, _, _ in both(interp, Instruction.make("scalar_arcsin", in1=2, out=1), s, v, m):
        assert cs[1] == math.pi / 2
    s2 = s.copy()
    s2[2] = 2.0
    for cs, _, _ in both(interp, Instruction.make("scalar_arccos", in1=2, out=1), s2, v, m):
        assert math.isnan(cs[1])
    s2[2] = 1000.0
    for cs, _, _ in both(interp, Instruction.make("scalar_exp", in1=2, out=1), s2, v, m):
        assert cs[1] == math.inf
    for _, cv, _ in both(interp, Instruction.make("vector_reciprocal", in1=1, out=2), s, v, m):
        assert cv[2].tolist() == [1.0, -1.0, math.inf, 0.5]


def test_min_max_follow_std_min_max_with_nan(interp):
    s, v, m = zeros()
    s[2], s[3] = math.nan, 1.0
    # std::min(a, b) = b < a ? b : a -> NaN in a propagates, NaN in b is ignored; likewise max
    cases = [("scalar_min", 2, 3, True), ("scalar_min", 3, 2, False),
             ("scalar_max", 2, 3, True), ("scalar_max", 3, 2, False)]
    for name, a, b, is_nan in cases:
        for cs, _, _ in both(interp, Instruction.make(name, in1=a, in2=b, out=1), s, v, m):
            assert math.isnan(cs[1]) == is_nan
            if not is_nan:
                assert cs[1] == 1.0
