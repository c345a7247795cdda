"""Tests of zero.lang.space: the shipped spaces reproduce the reference configurations
(reference/automl-zero.md §1 "Op sets used" and §2 memory/size table), ``check`` accepts exactly the
programs of a space, and loading is strict: every bad file fails with its path, key and value."""

from __future__ import annotations

import numpy as np
import pytest
import yaml

from zero.errors import ConfigError, ProgramError
from zero.lang import ops
from zero.lang.generator import noop_program, random_program
from zero.lang.program import Instruction, Memory, Program
from zero.lang.space import INITIAL_KINDS, SPACES_DIR, SearchSpace, load

SHIPPED = sorted(p.stem for p in SPACES_DIR.glob("*.yaml"))

PAPER_FULL_PREDICT_LEARN = set(range(0, 56)) | {60, 61}

# name -> (memory, (setup, predict, learn) op ids, (min, max, init) per component, initial)
FACTS = {
    "demo": (
        (4, 3, 1),
        ({56, 27, 2, 3, 18, 23},) * 3,
        ((10, 10, 10), (2, 2, 2), (8, 8, 8)),
        "random",
    ),
    "baseline": (
        (5, 9, 2),
        ({56, 62, 59, 63, 60, 64, 61}, {1, 31, 48, 27, 23}, {1, 2, 3, 18, 23, 16, 25, 28, 39}),
        ((1, 7, 1), (1, 11, 1), (1, 23, 1)),
        "random",
    ),
    "paper_linear": (
        (4, 3, 1),
        ({56, 57}, {27}, {2, 3, 18, 23}),
        ((5, 5, 5), (1, 1, 1), (4, 4, 4)),
        "random",
    ),
    "paper_nn": (
        (4, 8, 2),
        ({56, 63, 64}, {27, 31, 48}, {2, 3, 16, 18, 23, 25, 28, 40}),
        ((21, 21, 21), (3, 3, 3), (9, 9, 9)),
        "random",
    ),
    "paper_full": (
        (8, 14, 3),
        (set(range(56, 65)), PAPER_FULL_PREDICT_LEARN, PAPER_FULL_PREDICT_LEARN),
        ((0, 21, 0), (0, 21, 0), (0, 45, 0)),
        "noop",  # §4.2 starts from empty programs
    ),
}


def test_the_reference_spaces_are_shipped():
    assert set(FACTS) <= set(SHIPPED)
    assert len(PAPER_FULL_PREDICT_LEARN) == 58


@pytest.mark.parametrize("name", sorted(FACTS))
def test_shipped_space_matches_reference(name):
    memory, op_sets, sizes, initial = FACTS[name]
    space = load(name)
    assert space.name == name
    assert space.memory == Memory(*memory)
    assert space.initial == initial
    for component, expected_ops, (lo, hi, init) in zip(space.components(), op_sets, sizes):
        assert set(component.ops) == expected_ops
        assert len(component.ops) == len(expected_ops)  # no duplicates
        assert (component.min_size, component.max_size, component.init_size) == (lo, hi, init)
        assert component.fixed == (lo == hi)


@pytest.mark.parametrize("name", SHIPPED)
def test_shipped_space_loads_by_name_and_by_path(name):
    by_name = load(name)
    by_path = load(SPACES_DIR / f"{name}.yaml")
    assert by_name == by_path == SearchSpace.load(str(SPACES_DIR / f"{name}.yaml"))
    assert by_name.initial in INITIAL_KINDS
    assert by_name.description  # shown by `zero inspect`
    for c in by_name.components():
        assert c.min_size <= c.init_size <= c.max_size
        assert all(0 <= op < ops.NUM_OPS for op in c.ops)


@pytest.mark.parametrize("name", SHIPPED)
def test_check_accepts_random_programs_of_the_space(name):
    space = load(name)
    rng = np.random.default_rng(len(name))
    bounds = [(c.min_size, c.max_size) for c in space.components()]
    size_choices = [tuple(c.init_size for c in space.components()), tuple(lo for lo, _ in bounds),
                    tuple(hi for _, hi in bounds)]
    size_choices += [tuple(int(rng.integers(lo, hi + 1)) for lo, hi in bounds) for _ in range(10)]
    for sizes in size_choices:
        p = random_program(space, rng, sizes)
        space.check(p)
        assert tuple(map(len, p.components())) == sizes
        for c, body in zip(space.components(), p.components()):
            assert {i.op for i in body} <= set(c.ops)
    if space.initial == "noop":  # the initial population of such a space must lie in it
        space.check(noop_program(space))


@pytest.mark.parametrize("name", SHIPPED)
def test_check_rejects_programs_outside_the_space(name):
    space = load(name)
    rng = np.random.default_rng(0)
    p = random_program(space, rng, tuple(max(c.min_size, 1) for c in space.components()))
    space.check(p)

    # an op the component does not allow (but valid for the memory)
    for index, (component, c) in enumerate(zip(("setup", "predict", "learn"), space.components())):
        banned = next(op for op in ops.OPS if op.id not in c.ops and op.output in ("s", None))
        bad = Instruction.make(banned.id, in1=0, in2=0, out=1 if banned.output else 0)
        parts = list(p.components())
        parts[index] = (bad,) + parts[index][1:]
        with pytest.raises(ProgramError, match=rf"{component}\[0\].*{banned.name}"):
            space.check(Program(*parts, memory=p.memory))

    # too many / too few instructions
    for index, (component, c) in enumerate(zip(("setup", "predict", "learn"), space.components())):
        parts = list(p.components())
        parts[index] = parts[index] + parts[index][:1] * (c.max_size + 1 - len(parts[index]))
        with pytest.raises(ProgramError, match=rf"^{component} has {c.max_size + 1} instructions"):
            space.check(Program(*parts, memory=p.memory))
        if c.min_size > 0:
            parts[index] = parts[index][: c.min_size - 1]
            with pytest.raises(ProgramError, match=rf"^{component} has {c.min_size - 1} instructions"):
                space.check(Program(*parts, memory=p.memory))

    # the same instructions in a different memory
    bigger = Memory(p.memory.scalars + 1, p.memory.vectors, p.memory.matrices)
    with pytest.raises(ProgramError, match="memory"):
        space.check(Program(*p.components(), memory=bigger))


def test_load_unknown_name_lists_shipped_spaces():
    with pytest.raises(ConfigError) as err:
        load("nope")
    message = str(err.value)
    assert "nope" in message
    for name in SHIPPED:
        assert name in message


# ---- strictness ------------------------------------------------------------------------------------

VALID = {
    "description": "test space",
    "scalars": 4,
    "vectors": 3,
    "matrices": 1,
    "initial": "random",
    "setup": {"ops": ["scalar_const_set", "vector_uniform_set"], "size": 3},
    "predict": {"ops": ["vector_inner_product"], "size": {"min": 1, "max": 2, "init": 1}},
    "learn": {"ops": ["scalar_diff", "scalar_vector_product", "vector_sum"], "size": {"min": 0, "max": 5, "init": 2}},
}


def changed(path: str, value):
    """VALID with the key at dotted ``path`` set to ``value`` (or removed when value is DELETE)."""
    d = yaml.safe_load(yaml.safe_dump(VALID))
    *parents, last = path.split(".")
    node = d
    for key in parents:
        node = node[key]
    if value is DELETE:
        del node[last]
    else:
        node[last] = value
    return yaml.safe_dump(d, sort_keys=False)


DELETE = object()

# case -> (file text, key the message names, value the message shows (repr), extra words)
BAD = {
    "unknown top key": (changed("scalarz", 4), "scalarz", 4, ["did you mean 'scalars'"]),
    "unknown component key": (changed("setup.sizes", 2), "setup.sizes", 2, ["unknown key"]),
    "unknown size key": (changed("learn.size.start", 1), "learn.size.start", 1, ["unknown key"]),
    "unknown op": (changed("predict.ops", ["vector_inner_product", "vector_dot"]), "predict.ops[1]", "vector_dot",
                   ["did you mean", "vector_"]),
    "misspelled op": (changed("learn.ops", ["scalar_dif"]), "learn.ops[0]", "scalar_dif", ["did you mean scalar_diff"]),
    "op as number": (changed("setup.ops", [56, "vector_uniform_set"]), "setup.ops[0]", 56, ["op name"]),
    "scalars word": (changed("scalars", "four"), "scalars", "four", ["integer"]),
    "scalars float": (changed("scalars", 4.0), "scalars", 4.0, ["integer"]),
    "scalars bool": (changed("scalars", True), "scalars", True, ["integer"]),
    "scalars 1": (changed("scalars", 1), "scalars", 1, [">= 2"]),
    "vectors 0": (changed("vectors", 0), "vectors", 0, [">= 1"]),
    "matrices -1": (changed("matrices", -1), "matrices", -1, [">= 0"]),
    "min > max": (changed("predict.size", {"min": 3, "max": 1, "init": 2}), "predict.size",
                  {"min": 3, "max": 1, "init": 2}, ["min <= init <= max"]),
    "init > max": (changed("learn.size", {"min": 0, "max": 5, "init": 6}), "learn.size",
                   {"min": 0, "max": 5, "init": 6}, ["min <= init <= max"]),
    "init < min": (changed("learn.size", {"min": 2, "max": 5, "init": 1}), "learn.size",
                   {"min": 2, "max": 5, "init": 1}, ["min <= init <= max"]),
    "negative min": (changed("learn.size", {"min": -1, "max": 5, "init": 0}), "learn.size.min", -1, [">= 0"]),
    "size missing init": (changed("learn.size", {"min": 0, "max": 5}), "learn.size.init", None, ["missing"]),
    "size float": (changed("setup.size", 2.5), "setup.size", 2.5, ["integer or mapping"]),
    "negative fixed size": (changed("setup.size", -1), "setup.size", -1, [">= 0"]),
    "duplicate op": (changed("learn.ops", ["scalar_diff", "vector_sum", "scalar_diff"]), "learn.ops[2]", "scalar_diff",
                     ["twice"]),
    "vector op, vectors 1": ((changed("vectors", 1).replace("vector_inner_product", "scalar_sum")),
                             "setup.ops[1]", "vector_uniform_set", ["writes a v"]),
    "matrix op, matrices 0": (changed("matrices", 0).replace("vector_sum", "matrix_sum"), "learn.ops[2]",
                              "matrix_sum", ["m address"]),
    "empty ops, fixed size": (changed("setup.ops", []), "setup.ops", [], ["empty"]),
    "empty ops, max > 0": (changed("learn.ops", []), "learn.ops", [], ["empty"]),
    "ops not a list": (changed("predict.ops", "vector_inner_product"), "predict.ops", "vector_inner_product", ["list"]),
    "component not a mapping": (changed("predict", ["vector_inner_product"]), "predict", ["vector_inner_product"],
                                ["mapping"]),
    "missing scalars": (changed("scalars", DELETE), "scalars", None, ["missing"]),
    "missing learn": (changed("learn", DELETE), "learn", None, ["missing"]),
    "missing ops": (changed("setup.ops", DELETE), "setup.ops", None, ["missing"]),
    "missing size": (changed("setup.size", DELETE), "setup.size", None, ["missing"]),
    "initial unknown": (changed("initial", "evolved"), "initial", "evolved", ["one of", "noop", "random"]),
    "initial not string": (changed("initial", 3), "initial", 3, ["string"]),
    "description not string": (changed("description", ["a"]), "description", ["a"], ["string"]),
    "top not a mapping": ("- scalars\n- vectors\n", "<top>", ["scalars", "vectors"], ["mapping"]),
}


@pytest.mark.parametrize("case", list(BAD))
def test_strict_loading(case, tmp_path):
    text, key, value, words = BAD[case]
    path = tmp_path / "space.yaml"
    path.write_text(text)
    with pytest.raises(ConfigError) as err:
        SearchSpace.load(path)
    message = str(err.value)
    assert str(path) in message
    assert f"'{key}'" in message
    assert repr(value) in message
    for word in words:
        assert word in message, message
    assert (err.value.source, err.value.key, err.value.value) == (str(path), key, value)
    with pytest.raises(ConfigError):  # the same through the by-name-or-path entry point
        load(path)


def test_invalid_yaml_syntax_gives_line_number(tmp_path):
    path = tmp_path / "space.yml"
    path.write_text("scalars: 4\nvectors: 3\nsetup:\n  ops: [scalar_sum\n  size: 2\n")
    with pytest.raises(ConfigError) as err:
        load(path)
    message = str(err.value)
    assert str(path) in message
    assert "invalid YAML" in message
    assert "line 5" in message


def test_missing_file(tmp_path):
    path = tmp_path / "absent.yaml"
    with pytest.raises(ConfigError) as err:
        load(path)
    assert str(path) in str(err.value) and "cannot read" in str(err.value)


def test_empty_file_reports_first_missing_key(tmp_path):
    path = tmp_path / "space.yaml"
    path.write_text("# nothing yet\n")
    with pytest.raises(ConfigError, match="'scalars'.*missing") as err:
        load(path)
    assert str(path) in str(err.value)


def test_valid_file_loads_with_defaults(tmp_path):
    text = changed("description", DELETE)
    text = yaml.safe_dump({k: v for k, v in yaml.safe_load(text).items() if k != "initial"})
    path = tmp_path / "mine.yaml"
    path.write_text(text)
    space = load(path)
    assert space.name == "mine"
    assert space.memory == Memory(4, 3, 1)
    assert space.initial == "random" and space.description == ""
    assert space.setup.ops == (ops.SCALAR_CONST_SET, ops.VECTOR_UNIFORM_SET)  # in file order
    assert (space.setup.min_size, space.setup.max_size, space.setup.init_size) == (3, 3, 3)
    assert (space.learn.min_size, space.learn.max_size, space.learn.init_size) == (0, 5, 2)
    assert space.learn.ops == (ops.SCALAR_DIFF, ops.SCALAR_VECTOR_PRODUCT, ops.VECTOR_SUM)


def test_empty_ops_allowed_when_component_is_always_empty(tmp_path):
    path = tmp_path / "space.yaml"
    path.write_text(changed("setup", {"ops": [], "size": 0}))
    space = load(path)
    assert space.setup.ops == () and space.setup.max_size == 0
    p = random_program(space, np.random.default_rng(0))
    assert p.setup == ()
    space.check(p)


def test_matrix_op_writes_m0(tmp_path):
    """Unlike s0/v0, m0 is writable: matrices: 1 allows matrix outputs."""
    path = tmp_path / "space.yaml"
    path.write_text(changed("learn.ops", ["vector_outer_product", "matrix_sum"]))
    space = load(path)
    assert set(space.learn.ops) == {ops.VECTOR_OUTER_PRODUCT, ops.MATRIX_SUM}
    space.check(random_program(space, np.random.default_rng(1)))
