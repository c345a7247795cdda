"""Tests of zero.lang.program (instructions, programs, JSON and text forms) and zero.lang.encoding.

Contracts under test (zero/lang/program.py docstring, docs/architecture.md): programs are immutable values,
valid by construction (a bad address never reaches the interpreter), round-trip exactly through JSON
and through their readable text, and corrupt or foreign files fail with a ProgramError naming the file.
"""

from __future__ import annotations

import dataclasses
import json
import math
import struct

import numpy as np
import pytest

from zero.errors import ProgramError
from zero.lang import ops
from zero.lang.encoding import decode, encode
from zero.lang.generator import random_instruction, random_program
from zero.lang.program import (
    FORMAT_NAME,
    FORMAT_VERSION,
    Instruction,
    Memory,
    Program,
    parse,
    parse_instruction,
)
from zero.lang.space import SPACES_DIR, load

SPACES = sorted(p.stem for p in SPACES_DIR.glob("*.yaml"))
MEM = Memory(4, 3, 1)


def ins(name, **kw):
    return Instruction.make(name, **kw)


def bits(program: Program) -> list[bytes]:
    """Every data float of ``program`` as raw bytes (tells -0.0 from 0.0, unlike ==)."""
    return [struct.pack("<3d", *i.data) for comp in program.components() for i in comp]


def random_sizes(space, rng):
    return tuple(int(rng.integers(c.min_size, c.max_size + 1)) for c in space.components())


def sample_programs(name, count=6):
    space = load(name)
    rng = np.random.default_rng(sum(map(ord, name)))
    programs = [random_program(space, rng)]  # init sizes
    programs.append(random_program(space, rng, tuple(c.max_size for c in space.components())))
    programs.append(random_program(space, rng, tuple(c.min_size for c in space.components())))
    programs += [random_program(space, rng, random_sizes(space, rng)) for _ in range(count)]
    return programs


# A program whose data needs every digit (and signed zero, subnormals, extremes) to survive.
TRICKY = Program(
    setup=(
        ins("scalar_const_set", out=2, data=[0.1 + 0.2]),
        ins("scalar_const_set", out=3, data=[-0.0]),
        ins("vector_const_set", out=1, data=[0.9999999999999999, 5e-324]),
        ins("scalar_uniform_set", out=2, data=[-1.7976931348623157e308, 1e-300]),
        ins("scalar_gaussian_set", out=3, data=[123456789.12345679, 2.2250738585072014e-308]),
    ),
    predict=(ins("vector_inner_product", in1=0, in2=1, out=1),),
    learn=(
        ins("matrix_const_set", out=0, data=[0.0, 1 / 3, -2 / 3]),
        ins("vector_uniform_set", out=2, data=[1e22, -1e-7]),
    ),
    memory=MEM,
)


# ---- Instruction --------------------------------------------------------------------------------------


@pytest.mark.parametrize("op", ops.OPS, ids=lambda op: op.name)
def test_make_zeroes_unused_fields(op):
    data = [0.25, 0.5, 0.75][: len(op.data)]
    i = Instruction.make(op.id, in1=2, in2=3, out=1, data=data)
    assert i.op == op.id
    assert i.in1 == (2 if op.arity >= 1 else 0)
    assert i.in2 == (3 if op.arity >= 2 else 0)
    assert i.out == (1 if op.output else 0)
    assert i.data == tuple(data) + (0.0,) * (3 - len(data))
    assert all(type(x) is float for x in i.data)
    assert Instruction.make(op.name, in1=2, in2=3, out=1, data=data) == i  # by name or by id


def test_make_rejects_extra_data():
    with pytest.raises(ProgramError, match="scalar_const_set takes 1 data values"):
        Instruction.make("scalar_const_set", out=2, data=[0.1, 0.2])
    with pytest.raises(ProgramError, match="scalar_sum takes 0"):
        Instruction.make("scalar_sum", in1=1, in2=1, out=1, data=[1.0])


@pytest.mark.parametrize("bad", [ops.NUM_OPS, -1, -65])
def test_make_rejects_op_ids_outside_the_table(bad):
    # -1 must not wrap around to the last op (matrix_gaussian_set) as a Python index would
    with pytest.raises((ProgramError, IndexError, KeyError)):
        Instruction.make(bad, out=1)


def test_instruction_is_immutable_and_hashable():
    a = ins("scalar_sum", in1=0, in2=1, out=2)
    with pytest.raises(dataclasses.FrozenInstanceError):
        a.out = 3
    with pytest.raises((AttributeError, TypeError)):
        a.extra = 1  # slots: no new attributes either
    assert a == ins("scalar_sum", in1=0, in2=1, out=2)
    assert hash(a) == hash(ins("scalar_sum", in1=0, in2=1, out=2))
    assert a != ins("scalar_sum", in1=1, in2=0, out=2)


# ---- Program validation --------------------------------------------------------------------------

FILLER = ins("scalar_sum", in1=0, in2=1, out=2)

# (component, instruction or raw Instruction, memory, words the message must contain)
INVALID = {
    "in1 scalar too high": (ins("scalar_sum", in1=4, in2=0, out=2), MEM, ["scalar_sum", "in1", "s4"]),
    "in1 negative": (ins("scalar_abs", in1=-1, out=2), MEM, ["in1", "s-1"]),
    "in2 vector too high": (ins("vector_sum", in1=0, in2=3, out=1), MEM, ["in2", "v3"]),
    "in2 matrix of sm": (ins("scalar_matrix_product", in1=0, in2=1, out=0), MEM, ["in2", "m1"]),
    "in1 matrix, no matrices": (ins("matrix_abs", in1=0, out=0), Memory(4, 3, 0), ["in1", "m0"]),
    "out scalar too high": (ins("scalar_sum", in1=0, in2=1, out=4), MEM, ["out", "s4"]),
    "out vector too high": (ins("vector_abs", in1=0, out=3), MEM, ["out", "v3"]),
    "out matrix too high": (ins("matrix_sum", in1=0, in2=0, out=1), MEM, ["out", "m1"]),
    "writes s0 (label)": (ins("scalar_sum", in1=1, in2=1, out=0), MEM, ["out", "s0", "writable"]),
    "writes v0 (features)": (ins("vector_sum", in1=0, in2=1, out=0), MEM, ["out", "v0", "writable"]),
    "set op writes s0": (ins("scalar_const_set", out=0, data=[1.0]), MEM, ["s0"]),
    "index = 1": (ins("vector_const_set", out=1, data=[1.0, 0.5]), MEM, ["index", "[0, 1)"]),
    "index < 0": (ins("vector_const_set", out=1, data=[-0.01, 0.5]), MEM, ["index", "-0.01"]),
    "col = 1.5": (ins("matrix_const_set", out=0, data=[0.5, 1.5, 0.5]), MEM, ["col", "1.5"]),
    "row nan": (ins("matrix_const_set", out=0, data=[math.nan, 0.5, 0.5]), MEM, ["row", "nan"]),
    "value nan": (ins("scalar_const_set", out=2, data=[math.nan]), MEM, ["value", "not finite"]),
    "value inf": (ins("vector_const_set", out=1, data=[0.5, math.inf]), MEM, ["value", "inf"]),
    "low -inf": (ins("matrix_uniform_set", out=0, data=[-math.inf, 1.0]), MEM, ["low", "-inf"]),
    "std inf": (ins("vector_gaussian_set", out=1, data=[0.0, math.inf]), MEM, ["std", "inf"]),
    "op id 65": (Instruction(65, 0, 0, 1), MEM, ["op", "65"]),
    "op id -1": (Instruction(-1, 0, 0, 1), MEM, ["op", "-1"]),
    "op id not int": (Instruction("scalar_sum", 0, 0, 1), MEM, ["op", "scalar_sum"]),
    "unused in2 set": (Instruction(ops.SCALAR_ABS, 1, 2, 2), MEM, ["scalar_abs", "unused"]),
    "unused out set": (Instruction(ops.NO_OP, 0, 0, 1), MEM, ["no_op", "unused"]),
    "unused data set": (Instruction(ops.SCALAR_SUM, 0, 1, 2, (0.5, 0.0, 0.0)), MEM, ["scalar_sum", "unused"]),
    "unused data nan": (Instruction(ops.SCALAR_CONST_SET, 0, 0, 2, (0.5, math.nan, 0.0)), MEM, ["unused"]),
    "float address": (Instruction(ops.SCALAR_SUM, 1.5, 0, 2), MEM, ["in1", "1.5"]),
    "bool address": (Instruction(ops.SCALAR_SUM, 0, 0, True), MEM, ["out", "True"]),
    "not an instruction": (("scalar_sum", 0, 1, 2), MEM, ["expected an Instruction"]),
}


@pytest.mark.parametrize("component", ["setup", "predict", "learn"])
@pytest.mark.parametrize("case", list(INVALID))
def test_invalid_instruction_is_rejected_naming_component_and_position(case, component):
    bad, memory, words = INVALID[case]
    position = {"setup": 0, "predict": 1, "learn": 2}[component]
    parts = {"setup": [], "predict": [FILLER], "learn": [FILLER, FILLER]}
    parts[component] = parts[component] + [bad, FILLER]
    with pytest.raises(ProgramError) as err:
        Program(**parts, memory=memory)
    message = str(err.value)
    assert f"{component}[{position}]" in message
    for word in words:
        assert word in message, message


def test_valid_edges_are_accepted():
    Program(
        setup=[ins("matrix_const_set", out=0, data=[0.0, 0.9999999999999999, -1e300])],  # m0 is writable
        predict=[ins("scalar_sum", in1=0, in2=3, out=1), ins("vector_sum", in1=0, in2=2, out=2)],
        learn=[ins("scalar_diff", in1=0, in2=1, out=3), ins("no_op")],  # learn reads the label s0
        memory=MEM,
    )


@pytest.mark.parametrize("memory", [(1, 3, 1), (4, 0, 1), (4, 3, -1)])
def test_memory_too_small(memory):
    with pytest.raises(ProgramError, match="memory"):
        Program((), (), (), memory=memory)


def test_program_is_immutable_value():
    setup = [ins("scalar_const_set", out=2, data=[0.5])]
    p = Program(setup, [ins("vector_inner_product", in1=0, in2=1, out=1)], [], memory=(4, 3, 1))
    assert isinstance(p.setup, tuple) and isinstance(p.learn, tuple)
    assert isinstance(p.memory, Memory)
    setup.append(FILLER)  # the caller's list is not the program's
    assert len(p.setup) == 1 and len(p) == 2
    with pytest.raises(dataclasses.FrozenInstanceError):
        p.setup = ()
    with pytest.raises(dataclasses.FrozenInstanceError):
        p.memory = Memory(5, 3, 1)
    child = dataclasses.replace(p, learn=(FILLER,))
    assert child.learn == (FILLER,) and p.learn == ()
    with pytest.raises(ProgramError, match=r"learn\[0\]"):  # replace validates too
        dataclasses.replace(p, learn=(ins("scalar_sum", in1=0, in2=0, out=0),))


def test_equal_instructions_give_equal_hashable_programs():
    def build():
        return Program(
            [ins("scalar_const_set", out=2, data=[0.5])], [ins("vector_inner_product", in1=0, in2=1, out=1)], [FILLER]
        )

    a, b = build(), build()
    assert a is not b and a == b and hash(a) == hash(b)
    assert len({a, b}) == 1
    c = Program([ins("scalar_const_set", out=2, data=[0.25])], a.predict, a.learn)
    assert c != a
    assert Program(a.setup, a.predict, a.learn, memory=(5, 3, 1)) != a  # memory is part of the value
    assert Program(a.learn, a.predict, a.setup) != a  # so is which component holds what


# ---- JSON ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("space", SPACES)
def test_json_round_trip_random_programs(space, tmp_path):
    for k, p in enumerate(sample_programs(space)):
        text = p.to_json()
        back = Program.from_json(text)
        assert back == p and bits(back) == bits(p)
        assert back.to_json() == text
        path = tmp_path / f"p{k}.json"
        p.save(path)
        assert Program.load(path) == p
        assert Program.load(str(path)) == p


def test_json_round_trip_keeps_every_digit(tmp_path):
    back = Program.from_json(TRICKY.to_json())
    assert back == TRICKY and bits(back) == bits(TRICKY)
    assert math.copysign(1.0, back.setup[1].data[0]) == -1.0  # -0.0 stays negative
    TRICKY.save(tmp_path / "t.json")
    assert bits(Program.load(tmp_path / "t.json")) == bits(TRICKY)


def test_json_layout_is_named_and_versioned():
    d = json.loads(TRICKY.to_json())
    assert d["format"] == FORMAT_NAME == "zero.program"
    assert d["version"] == FORMAT_VERSION == 1
    assert d["memory"] == {"scalars": 4, "vectors": 3, "matrices": 1}
    assert d["predict"] == [{"op": "vector_inner_product", "in1": 0, "in2": 1, "out": 1}]
    assert d["setup"][2] == {"op": "vector_const_set", "out": 1, "index": 0.9999999999999999, "value": 5e-324}
    assert d["learn"][0] == {"op": "matrix_const_set", "out": 0, "row": 0.0, "col": 1 / 3, "value": -2 / 3}
    empty = json.loads(Program((), (), (ins("no_op"),)).to_json())
    assert empty["setup"] == [] and empty["learn"] == [{"op": "no_op"}]


def program_dict(**changes):
    d = json.loads(Program((), (ins("vector_inner_product", in1=0, in2=1, out=1),), (FILLER,)).to_json())
    d.update(changes)
    return d


def with_learn(instruction: dict):
    return program_dict(learn=[{"op": "scalar_sum", "in1": 0, "in2": 1, "out": 2}, instruction])


# name -> (file text, words the message must contain besides the path)
CORRUPT = {
    "not json": ("{not json", ["not valid JSON"]),
    "empty file": ("", ["not valid JSON"]),
    "json list": ("[1, 2, 3]", ["not a zero program file"]),
    "json string": ('"zero.program"', ["not a zero program file"]),
    "no format": (json.dumps({k: v for k, v in program_dict().items() if k != "format"}), ["format", "zero.program"]),
    "other format": (json.dumps(program_dict(format="zero.search.experiment")), ["not a zero program file"]),
    "version 0": (json.dumps(program_dict(version=0)), ["version 0", "old"]),
    "version 2": (json.dumps(program_dict(version=2)), ["version 2", "newer"]),
    "no version": (json.dumps({k: v for k, v in program_dict().items() if k != "version"}), ["version"]),
    "version true": (json.dumps(program_dict(version=True)), ["version", "True"]),
    "version string": (json.dumps(program_dict(version="1")), ["version", "'1'"]),
    "no memory": (json.dumps({k: v for k, v in program_dict().items() if k != "memory"}), ["memory"]),
    "memory missing key": (json.dumps(program_dict(memory={"scalars": 4, "vectors": 3})), ["memory", "matrices"]),
    "memory float": (json.dumps(program_dict(memory={"scalars": 4.0, "vectors": 3, "matrices": 1})), ["memory", "4.0"]),
    "memory too small": (json.dumps(program_dict(memory={"scalars": 1, "vectors": 3, "matrices": 1})), ["memory"]),
    "unknown top key": (json.dumps(program_dict(fitness=0.9)), ["unknown", "fitness"]),
    "component not list": (json.dumps(program_dict(learn={"op": "scalar_sum"})), ["learn", "list"]),
    "missing component": (json.dumps({k: v for k, v in program_dict().items() if k != "setup"}), ["setup"]),
    "instruction not object": (json.dumps(with_learn(["scalar_sum", 0, 1, 2])), ["learn[1]", "expected an object"]),
    "unknown op": (json.dumps(with_learn({"op": "scalar_summ", "in1": 0, "in2": 1, "out": 2})),
                   ["learn[1]", "scalar_summ", "did you mean", "scalar_sum"]),
    "op as number": (json.dumps(with_learn({"op": 1, "in1": 0, "in2": 1, "out": 2})), ["learn[1]", "op name"]),
    "no op": (json.dumps(with_learn({"in1": 0, "in2": 1, "out": 2})), ["learn[1]", "op"]),
    "missing field": (json.dumps(with_learn({"op": "scalar_sum", "in1": 0, "out": 2})), ["learn[1]", "missing", "in2"]),
    "missing data": (json.dumps(with_learn({"op": "vector_const_set", "out": 1, "index": 0.5})),
                     ["learn[1]", "missing", "value"]),
    "unknown field": (json.dumps(with_learn({"op": "scalar_sum", "in1": 0, "in2": 1, "out": 2, "in3": 1})),
                      ["learn[1]", "in3"]),
    "field of another op": (json.dumps(with_learn({"op": "scalar_abs", "in1": 0, "in2": 1, "out": 2})),
                            ["learn[1]", "in2"]),
    "bool address": (json.dumps(with_learn({"op": "scalar_sum", "in1": True, "in2": 1, "out": 2})),
                     ["learn[1]", "in1", "True"]),
    "float address": (json.dumps(with_learn({"op": "scalar_sum", "in1": 0, "in2": 1.0, "out": 2})),
                      ["learn[1]", "in2", "1.0"]),
    "string address": (json.dumps(with_learn({"op": "scalar_sum", "in1": "s0", "in2": 1, "out": 2})),
                       ["learn[1]", "in1", "'s0'"]),
    "address out of range": (json.dumps(with_learn({"op": "scalar_sum", "in1": 9, "in2": 1, "out": 2})),
                             ["learn[1]", "in1", "s9"]),
    "writes label": (json.dumps(with_learn({"op": "scalar_sum", "in1": 0, "in2": 1, "out": 0})), ["learn[1]", "s0"]),
    "string data": (json.dumps(with_learn({"op": "scalar_const_set", "out": 2, "value": "0.5"})),
                    ["learn[1]", "value", "'0.5'"]),
    "bool data": (json.dumps(with_learn({"op": "scalar_const_set", "out": 2, "value": True})), ["learn[1]", "value"]),
    "nan data": ('{"format": "zero.program", "version": 1, "memory": {"scalars": 4, "vectors": 3, "matrices": 1},'
                 ' "setup": [{"op": "scalar_const_set", "out": 2, "value": NaN}], "predict": [], "learn": []}',
                 ["setup[0]", "value", "nan"]),
    "index out of range": (json.dumps(with_learn({"op": "vector_const_set", "out": 1, "index": 1.0, "value": 0.0})),
                           ["learn[1]", "index", "[0, 1)"]),
}


@pytest.mark.parametrize("case", list(CORRUPT))
def test_corrupt_program_file_names_the_file(case, tmp_path):
    text, words = CORRUPT[case]
    path = tmp_path / "champion.json"
    path.write_text(text)
    with pytest.raises(ProgramError) as err:
        Program.load(path)
    message = str(err.value)
    assert str(path) in message
    for word in words:
        assert word in message, message
    assert err.value.__cause__ is None or isinstance(err.value.__cause__, ProgramError)  # no deep traceback


def test_corrupt_json_text_names_its_source():
    with pytest.raises(ProgramError, match=r"^runs/x/champion\.json: "):
        Program.from_json("[]", source="runs/x/champion.json")
    with pytest.raises(ProgramError, match=r"^<program>: "):
        Program.from_dict({"format": "zero.program", "version": 7})


def test_load_missing_path(tmp_path):
    path = tmp_path / "nowhere" / "champion.json"
    with pytest.raises(ProgramError, match="cannot read") as err:
        Program.load(path)
    assert str(path) in str(err.value)
    with pytest.raises(ProgramError) as err:
        Program.load(tmp_path)  # a directory is not a program file either
    assert str(tmp_path) in str(err.value)


# ---- readable text ----------------------------------------------------------------------------------


@pytest.mark.parametrize("space", SPACES)
def test_render_parse_round_trip_random_programs(space):
    for p in sample_programs(space):
        text = p.render()
        back = parse(text, memory=p.memory)
        assert back == p and bits(back) == bits(p)
        assert back.render() == text


def test_render_parse_keeps_every_digit():
    back = parse(TRICKY.render(), memory=TRICKY.memory)
    assert back == TRICKY and bits(back) == bits(TRICKY)


def test_render_layout():
    p = Program(
        [ins("scalar_const_set", out=2, data=[0.5]), ins("vector_const_set", out=1, data=[0.99, -0.125])],
        [ins("vector_inner_product", in1=0, in2=1, out=1)],
        [],
    )
    assert p.render() == (
        "def setup():\n"
        "  s2 = 0.5\n"
        "  v1[0.99] = -0.125\n"
        "def predict():\n"
        "  s1 = dot(v0, v1)\n"
        "def learn():\n"
        "  pass"
    )
    assert parse(p.render()) == p


def test_render_for_display_shows_integer_indices():
    p = Program(
        [
            ins("vector_const_set", out=1, data=[0.99, 0.123456]),
            ins("vector_const_set", out=2, data=[0.0, -0.5]),
            ins("matrix_const_set", out=0, data=[0.3, 0.74, -1 / 3]),
            ins("vector_uniform_set", out=1, data=[-0.123456, 0.5]),
            ins("matrix_gaussian_set", out=0, data=[0.1, 0.987654]),
        ],
        [],
        [],
    )
    lines = p.render(feature_size=4, precision=3).splitlines()
    assert lines[1:6] == [
        "  v1[3] = 0.123",
        "  v2[0] = -0.5",
        "  m0[1, 2] = -0.333",
        "  v1 = uniform(-0.123, 0.5, 4)",
        "  m0 = gaussian(0.1, 0.988, (4, 4))",
    ]
    exact = p.render().splitlines()
    assert exact[1] == "  v1[0.99] = 0.123456"
    assert exact[4] == "  v1 = uniform(-0.123456, 0.5, F)"


@pytest.mark.parametrize(
    "text, message",
    [
        ("  s1 = s2 + s3\n", r"before 'def setup\(\):'"),
        ("def setup():\n  s1 = frobnicate(s2)\n", "line 2"),
        ("def setup():\ndef setup():\n", "line 2"),
        ("def train():\n", "train"),
        ("def setup():\n  s0 = s2 + s3\n", r"setup\[0\]"),  # parses, but writes the label
        ("def predict():\n  pass\n  s9 = s2 + s3\n", r"predict\[0\]"),
    ],
)
def test_parse_rejects_bad_text(text, message):
    with pytest.raises(ProgramError, match=message):
        parse(text)


def test_parse_accepts_comments_blank_lines_and_missing_components():
    text = "# a hand-written program\n\ndef predict():\n  s1 = dot(v0, v1)  # the prediction\n\n"
    assert parse(text) == Program((), (ins("vector_inner_product", in1=0, in2=1, out=1),), ())


def test_parse_instruction_reads_scientific_and_signed_numbers():
    assert parse_instruction("s2 = -1.5e-07") == ins("scalar_const_set", out=2, data=[-1.5e-07])
    assert parse_instruction("s2 = 1e+22") == ins("scalar_const_set", out=2, data=[1e22])
    assert parse_instruction("m0[0.5, 0.25] = .5") == ins("matrix_const_set", out=0, data=[0.5, 0.25, 0.5])
    assert parse_instruction("noop()") == ins("no_op")
    with pytest.raises(ProgramError, match="cannot parse"):
        parse_instruction("s1 = dot(v0, s1)")  # wrong kind for in2


# ---- encoding ------------------------------------------------------------------------------------


@pytest.mark.parametrize("space", SPACES)
def test_encode_decode_round_trip(space):
    for p in sample_programs(space):
        code, data, bounds = encode(p)
        assert code.dtype == np.int32 and code.shape == (len(p), 4)
        assert data.dtype == np.float64 and data.shape == (len(p), 3)
        assert bounds.dtype == np.int64 and bounds.tolist() == [0, len(p.setup), len(p.setup) + len(p.predict), len(p)]
        for a in (code, data, bounds):
            assert a.flags.c_contiguous and a.flags.writeable
        flat = [i for comp in p.components() for i in comp]
        assert code.tolist() == [[i.op, i.in1, i.in2, i.out] for i in flat]
        assert [struct.pack("<3d", *row) for row in data] == [struct.pack("<3d", *i.data) for i in flat]
        back = decode(code, data, bounds, p.memory)
        assert back == p and bits(back) == bits(p)


def test_encode_empty_program():
    code, data, bounds = encode(Program((), (), ()))
    assert code.shape == (0, 4) and data.shape == (0, 3) and bounds.tolist() == [0, 0, 0, 0]
    assert decode(code, data, bounds, MEM) == Program((), (), ())


def corrupt(where: str, column: int, value):
    p = Program(
        [ins("scalar_const_set", out=2, data=[0.5]), ins("vector_const_set", out=1, data=[0.5, 1.0])],
        [ins("vector_inner_product", in1=0, in2=1, out=1)],
        [ins("scalar_diff", in1=0, in2=1, out=3), ins("scalar_vector_product", in1=3, in2=0, out=2)],
    )
    code, data, bounds = encode(p)
    row = {"setup[1]": 1, "predict[0]": 2, "learn[1]": 4}[where]
    if column < 4:
        code[row, column] = value
    else:
        data[row, column - 4] = value
    return code, data, bounds


@pytest.mark.parametrize(
    "where, column, value, words",
    [
        ("predict[0]", 0, 65, ["op", "65"]),
        ("predict[0]", 0, -3, ["op", "-3"]),
        ("predict[0]", 1, 3, ["in1", "v3"]),
        ("learn[1]", 1, 4, ["in1", "s4"]),
        ("learn[1]", 2, 7, ["in2", "v7"]),
        ("learn[1]", 3, 0, ["out", "v0"]),
        ("predict[0]", 3, -1, ["out", "s-1"]),
        ("setup[1]", 4, 1.0, ["index"]),
        ("setup[1]", 5, math.nan, ["value"]),
        ("setup[1]", 6, 2.0, ["unused"]),  # a third data field vector_const_set does not have
    ],
)
def test_decode_corrupt_arrays_raises(where, column, value, words):
    code, data, bounds = corrupt(where, column, value)
    with pytest.raises(ProgramError) as err:
        decode(code, data, bounds, MEM)
    message = str(err.value)
    assert where in message
    for word in words:
        assert word in message, message


def test_decode_checks_against_the_given_memory():
    p = Program((), (ins("vector_inner_product", in1=0, in2=4, out=1),), (), memory=(4, 5, 1))
    code, data, bounds = encode(p)
    assert decode(code, data, bounds, Memory(4, 5, 1)) == p
    with pytest.raises(ProgramError, match=r"predict\[0\].*v4"):
        decode(code, data, bounds, MEM)


def test_generated_instructions_are_valid_for_every_op():
    """random_instruction (used above) only builds valid instructions: outputs never s0/v0."""
    rng = np.random.default_rng(5)
    for op in ops.OPS:
        for _ in range(20):
            i = random_instruction(op.id, Memory(2, 2, 1), rng)
            Program((i,), (), (), memory=(2, 2, 1))
            if op.output in ("s", "v"):
                assert i.out == 1
