"""Tests of zero.search.mutation: every registered mutation, on every shipped search space and on random
ones, yields children inside the space, leaves the parent untouched and does what its type says
(reference/automl-zero.md §4, mutator.cc); alter_param's data perturbation is log-normal with 10%
sign flips; Mutator draws types in proportion to its weights, rejects bad weights, and is
deterministic given a seed."""

from __future__ import annotations

import math
import zlib

import numpy as np
import pytest
from spaces import RANDOM_SPACES, SHIPPED
from spaces import random_space as _random_space
from spaces import space as _space

from zero.errors import ConfigError
from zero.lang import ops
from zero.lang.generator import random_program
from zero.lang.program import Instruction, Memory, Program
from zero.lang.space import ComponentSpace, SearchSpace, load
from zero.search.mutation import BASELINE_MUTATIONS, DEMO_MUTATIONS, MUTATIONS, Mutator, alter_param

MUTATIONS_PER_CASE = 200


def _parent(space: SearchSpace, rng: np.random.Generator) -> Program:
    sizes = tuple(int(rng.integers(c.min_size, c.max_size + 1)) for c in space.components())
    return random_program(space, rng, sizes)


def _fields(ins: Instruction):
    return (ins.op, ins.in1, ins.in2, ins.out, *ins.data)


def _drop(body, i):
    return body[:i] + body[i + 1 :]


def _is_one_removal(longer, shorter) -> bool:
    return len(longer) == len(shorter) + 1 and any(_drop(longer, i) == shorter for i in range(len(longer)))


# ---- per-type checks: (space, component, parent, child) -> None; "changed" counts are aggregated ---


def _check_alter_param(space, c, parent, child):
    p, q = parent.components()[c], child.components()[c]
    assert len(p) == len(q)
    diffs = [i for i in range(len(p)) if p[i] != q[i]]
    assert len(diffs) <= 1
    for i in diffs:
        changed = [k for k, (a, b) in enumerate(zip(_fields(p[i]), _fields(q[i]))) if a != b]
        assert len(changed) == 1 and changed[0] != 0, (p[i], q[i])  # one field, never the op
    return bool(diffs)


def _check_randomize_instruction(space, c, parent, child):
    p, q = parent.components()[c], child.components()[c]
    assert len(p) == len(q)
    assert sum(a != b for a, b in zip(p, q)) <= 1
    return p != q


def _check_randomize_component(space, c, parent, child):
    assert len(parent.components()[c]) == len(child.components()[c])
    return parent != child


def _check_identity(space, c, parent, child):
    assert child is parent and child == parent
    return False


def _check_insert(space, c, parent, child):
    p, q = parent.components()[c], child.components()[c]
    if len(p) >= space.components()[c].max_size:
        assert child == parent
        return False
    assert _is_one_removal(q, p)
    return True


def _check_remove(space, c, parent, child):
    p, q = parent.components()[c], child.components()[c]
    if len(p) <= space.components()[c].min_size:
        assert child == parent
        return False
    assert _is_one_removal(p, q)
    return True


def _check_trade(space, c, parent, child):
    p, q = parent.components()[c], child.components()[c]
    assert len(p) == len(q)
    if not p:
        assert child == parent
        return False
    # one instruction removed, one inserted: some removal from each side leaves the same rest
    assert any(_drop(p, i) == _drop(q, j) for i in range(len(p)) for j in range(len(q)))
    return p != q


def _check_randomize_algorithm(space, c, parent, child):
    assert [len(b) for b in parent.components()] == [len(b) for b in child.components()]
    return parent != child


CHECKS = {
    "alter_param": _check_alter_param,
    "randomize_instruction": _check_randomize_instruction,
    "randomize_component": _check_randomize_component,
    "identity": _check_identity,
    "insert": _check_insert,
    "remove": _check_remove,
    "trade": _check_trade,
    "randomize_algorithm": _check_randomize_algorithm,
}
SINGLE_COMPONENT = set(MUTATIONS) - {"randomize_algorithm", "identity"}
# Types that must change a non-empty component in at least this share of cases (fixed seeds).
MIN_CHANGE_RATE = {"alter_param": 0.1, "randomize_instruction": 0.2, "randomize_component": 0.2, "trade": 0.2}


def test_every_mutation_has_a_check_and_the_reference_sets_are_registered():
    assert set(CHECKS) == set(MUTATIONS)
    assert len(MUTATIONS) == 8
    assert set(DEMO_MUTATIONS) <= set(MUTATIONS) and set(BASELINE_MUTATIONS) <= set(MUTATIONS)


def test_random_spaces_are_varied():
    spaces = [_random_space(k) for k in range(len(RANDOM_SPACES))]
    assert len({s.memory for s in spaces}) > 3
    assert any(c.fixed for s in spaces for c in s.components())
    assert any(not c.fixed for s in spaces for c in s.components())
    for s in spaces:  # the programs they make are valid
        s.check(random_program(s, np.random.default_rng(0)))


@pytest.mark.parametrize("case", SHIPPED + RANDOM_SPACES)
@pytest.mark.parametrize("name", list(MUTATIONS))
def test_mutation_contract(name, case):
    space = _space(case)
    mutate, check = MUTATIONS[name], CHECKS[name]
    rng = np.random.default_rng(zlib.crc32(f"{name}/{case}".encode()))
    changed = nonempty = 0
    for _ in range(MUTATIONS_PER_CASE):
        parent = _parent(space, rng)
        before = parent.to_json()
        c = int(rng.integers(3))
        child = mutate(parent, space, c, rng)
        assert isinstance(child, Program)
        space.check(child)
        assert Program.from_json(child.to_json()) == child  # passes full validation
        assert parent.to_json() == before  # parent untouched
        if name in SINGLE_COMPONENT:
            for k in range(3):
                if k != c:
                    assert child.components()[k] is parent.components()[k] or child.components()[k] == parent.components()[k]
        did_change = check(space, c, parent, child)
        if parent.components()[c]:
            nonempty += 1
            changed += bool(did_change)
    if name in MIN_CHANGE_RATE and nonempty >= 20:
        assert changed / nonempty >= MIN_CHANGE_RATE[name], (changed, nonempty)


def test_insert_and_remove_respect_bounds_exactly():
    space = load("baseline")
    rng = np.random.default_rng(3)
    for c, cs in enumerate(space.components()):
        full = random_program(space, rng, tuple(x.max_size if k == c else x.min_size for k, x in enumerate(space.components())))
        assert MUTATIONS["insert"](full, space, c, rng) is full
        grown = MUTATIONS["insert"](MUTATIONS["remove"](full, space, c, rng), space, c, rng)
        assert len(grown.components()[c]) == cs.max_size
        smallest = random_program(space, rng, tuple(x.min_size for x in space.components()))
        assert MUTATIONS["remove"](smallest, space, c, rng) is smallest


# ---- alter_param's data perturbation -------------------------------------------------------------


def _one_instruction_space(op_name: str, memory=Memory(4, 3, 1)) -> SearchSpace:
    op = ops.op_by_name(op_name).id
    empty = ComponentSpace((), 0, 0, 0)
    return SearchSpace("one", memory, empty, ComponentSpace((op,), 1, 1, 1), empty)


def test_alter_param_data_is_log_normal_with_ten_percent_sign_flips():
    space = _one_instruction_space("scalar_const_set")
    parent = Program((), (Instruction.make("scalar_const_set", out=2, data=[0.5]),), (), memory=space.memory)
    rng = np.random.default_rng(12345)
    n, values, outs = 20000, [], 0
    for _ in range(n):
        ins = alter_param(parent, space, 1, rng).predict[0]
        if ins.data[0] != 0.5:
            values.append(ins.data[0])
        if ins.out != 2:
            outs += 1
    values = np.array(values)
    assert abs(len(values) / n - 0.5) < 0.02  # set ops: 50% data, 50% out
    assert abs(outs / n - 0.5 * 2 / 3) < 0.02  # out redrawn among s1..s3, so 2/3 of those move
    logs = np.log(np.abs(values) / 0.5)
    assert abs(logs.mean()) < 0.04 and abs(logs.std() - 1.0) < 0.04
    assert abs(np.mean(values < 0) - 0.1) < 0.012


def test_alter_param_redraws_zero_data_and_index_fractions():
    space = _one_instruction_space("vector_const_set")
    parent = Program((), (Instruction.make("vector_const_set", out=1, data=[0.25, 0.0]),), (), memory=space.memory)
    rng = np.random.default_rng(7)
    indices, values = [], []
    for _ in range(4000):
        ins = alter_param(parent, space, 1, rng).predict[0]
        if ins.data[0] != 0.25:
            indices.append(ins.data[0])
        if ins.data[1] != 0.0:
            values.append(ins.data[1])
    indices, values = np.array(indices), np.array(values)
    assert 800 < len(indices) < 1200 and 800 < len(values) < 1200  # each field a quarter of the time
    assert np.all((indices >= 0) & (indices < 1)) and abs(indices.mean() - 0.5) < 0.03
    low, high = ops.DATA_SAMPLING["value"]
    assert np.all((values > low) & (values < high)) and abs(values.mean()) < 0.06


def test_alter_param_on_empty_component_and_no_op_returns_parent():
    space = load("paper_full")
    empty = random_program(space, np.random.default_rng(0))
    assert alter_param(empty, space, 0, np.random.default_rng(0)) is empty
    noop_space = _one_instruction_space("no_op")
    p = Program((), (Instruction.make("no_op"),), (), memory=noop_space.memory)
    assert alter_param(p, noop_space, 1, np.random.default_rng(0)) == p


# ---- Mutator ----------------------------------------------------------------------------------------


def test_mutator_draws_types_in_proportion_to_weights():
    space = load("baseline")
    weights = {"alter_param": 1, "insert": 2, "remove": 3, "identity": 0}
    mutator = Mutator(space, weights)
    rng = np.random.default_rng(42)
    program = random_program(space, rng)
    n = 12000
    counts = dict.fromkeys(weights, 0)
    for _ in range(n):
        _, name = mutator.mutate(program, rng)
        counts[name] += 1
    assert counts["identity"] == 0
    chi2 = sum((counts[k] - n * w / 6) ** 2 / (n * w / 6) for k, w in weights.items() if w)
    assert chi2 < 13.8  # 2 degrees of freedom, p = 0.001


def test_mutator_draws_components_uniformly():
    space = load("baseline")
    mutator = Mutator(space, {"insert": 1})
    rng = np.random.default_rng(5)
    program = random_program(space, rng)  # sizes 1/1/1, all below max
    counts = [0, 0, 0]
    n = 6000
    for _ in range(n):
        child, name = mutator.mutate(program, rng)
        assert name == "insert"
        grown = [len(a) > len(b) for a, b in zip(child.components(), program.components())]
        assert sum(grown) == 1
        counts[grown.index(True)] += 1
    assert sum((x - n / 3) ** 2 / (n / 3) for x in counts) < 13.8


@pytest.mark.parametrize(
    "weights, key, needle",
    [
        ({"alter_param": 1, "swap": 1}, "mutations", "swap"),
        ({"alter_param": 0, "insert": 0}, "mutations", "positive"),
        ({}, "mutations", "positive"),
        ({"insert": -1}, "mutations.insert", ">= 0"),
        ({"insert": float("nan")}, "mutations.insert", "finite"),
        ({"insert": "1"}, "mutations.insert", "number"),
    ],
)
def test_bad_weights_raise_config_error(weights, key, needle):
    with pytest.raises(ConfigError) as err:
        Mutator.from_config(load("demo"), weights, "run.yaml")
    assert err.value.key == key and needle in str(err.value) and "run.yaml" in str(err.value)
    with pytest.raises(ConfigError):
        Mutator(load("demo"), weights)


def test_unknown_weight_lists_known_mutations():
    with pytest.raises(ConfigError) as err:
        Mutator.from_config(load("demo"), {"crossover": 1}, "cfg.yaml")
    assert "crossover" in str(err.value) and all(name in str(err.value) for name in MUTATIONS)


@pytest.mark.parametrize("weights", [DEMO_MUTATIONS, BASELINE_MUTATIONS, dict.fromkeys(MUTATIONS, 1)])
def test_same_seed_gives_same_children(weights):
    space = load("baseline")

    def chain(seed):
        rng = np.random.default_rng(seed)
        mutator = Mutator(space, weights)
        program, out = random_program(space, rng), []
        for _ in range(150):
            program, name = mutator.mutate(program, rng)
            space.check(program)
            out.append((program, name))
        return out

    first = chain(9)
    assert first == chain(9)
    assert first != chain(10)
    assert {name for _, name in first} == {k for k, w in weights.items() if w}


def test_mutator_leaves_weights_and_parent_alone():
    weights = dict(DEMO_MUTATIONS)
    space = load("demo")
    mutator = Mutator(space, weights)
    assert weights == DEMO_MUTATIONS and mutator.weights == DEMO_MUTATIONS
    assert math.isclose(sum(mutator.probabilities), 1.0)
    rng = np.random.default_rng(1)
    parent = random_program(space, rng)
    before = parent.to_json()
    for _ in range(100):
        mutator.mutate(parent, rng)
    assert parent.to_json() == before
