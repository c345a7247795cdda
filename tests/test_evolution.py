"""Regularized evolution (zero.search.evolution + the compiled loop): determinism, batch-split invariance,
validity of every individual, tournament/replacement semantics, FEC and hurdles in the loop."""

from __future__ import annotations

import numpy as np
import pytest
from configs import derived

from zero.errors import ZeroError
from zero.interpreter.evaluator import evaluate
from zero.lang.handwritten import linear_regression
from zero.lang.program import parse
from zero.search import evolution_kernels as K
from zero.search.evolution import Evolution
from zero.search.experiment import Experiment

SMALL = {"population": 50, "report_every": 500, "search": {"num_tasks": 4, "num_train": 30, "num_valid": 30}}


def small(**overrides) -> Experiment:
    return derived(**{**SMALL, **overrides})


def _same_state(a: Evolution, b: Evolution) -> bool:
    left, right = a.arrays(), b.arrays()
    return left.keys() == right.keys() and all(
        left[k].tobytes() == right[k].tobytes() for k in left
    )  # byte equality: NaN-safe, -0.0-strict


def test_same_seed_same_state_and_champion():
    a, b = Evolution(small(), seed=3), Evolution(small(), seed=3)
    a.run(3000)
    b.run(3000)
    assert _same_state(a, b)
    assert a.best_program() == b.best_program()
    c = Evolution(small(), seed=4)
    c.run(3000)
    assert not _same_state(a, c)


def test_running_in_pieces_equals_running_at_once():
    whole, pieces = Evolution(small(), seed=1), Evolution(small(), seed=1)
    whole.run(2500)
    for n in (1, 49, 50, 700, 1200, 500):
        pieces.run(n)
    assert pieces.individuals == whole.individuals == 2500
    assert _same_state(whole, pieces)


def test_restore_from_arrays_continues_identically():
    a = Evolution(small(), seed=9)
    a.run(1500)
    b = Evolution(small(), seed=9)
    b.load_arrays(a.arrays(), "test")
    a.run(1500)
    b.run(1500)
    assert _same_state(a, b)


def test_every_individual_is_valid_and_fitness_is_what_the_evaluator_says():
    exp = small(search_space="baseline", mutations={"alter_param": 1, "insert": 1, "remove": 1, "trade": 1,
                                                    "randomize_component": 1, "randomize_instruction": 1,
                                                    "identity": 1, "randomize_algorithm": 1},
                fec={"enabled": False})  # fmt: skip
    evo = Evolution(exp, seed=5)
    evo.run(1200)
    for slot in range(exp.config["population"]):
        program = evo.program(slot)
        for body, c in zip(program.components(), exp.space.components()):
            assert c.min_size <= len(body) <= c.max_size
            assert all(ins.op in c.ops for ins in body)
        assert evo.state.fitness[slot] == evaluate(program, evo.tasks).fitness
    assert evo.best_fitness == evo.state.fitness.max() or evo.best_fitness > evo.state.fitness.max()


def test_oldest_is_replaced_and_initial_population_is_random():
    evo = Evolution(small(), seed=2)
    P = evo.settings.population
    evo.run(P)
    assert evo.population_full and evo.state.counters[K.NEXT_SLOT] == 0
    first = [evo.program(k) for k in range(P)]
    assert len(set(first)) > P // 2  # random initial programs differ
    evo.run(7)
    assert evo.state.counters[K.NEXT_SLOT] == 7
    assert [evo.program(k) for k in range(7, P)] == first[7:]  # untouched: not yet the oldest


def test_tournament_of_one_with_no_mutation_copies_random_members():
    evo = Evolution(small(tournament=1, mutation_probability=0.0), seed=2)
    P = evo.settings.population
    evo.run(P)
    initial = set(evo.program(k) for k in range(P))
    evo.run(3 * P)
    assert set(evo.program(k) for k in range(P)) <= initial  # only copies, never new programs


def test_fec_hits_functionally_equal_programs_and_misses_different_ones():
    evo = Evolution(small(), seed=0)
    base = linear_regression(0.1)
    dead_code = parse(base.render().replace("def setup():\n", "def setup():\n  s3 = 0.5\n"), base.memory)
    commuted = parse(base.render().replace("v1 = v1 + v2", "v1 = v2 + v1"), base.memory)
    other_rate = linear_regression(0.2)
    assert dead_code != base and commuted != base
    key = evo.fingerprint(base)
    assert evo.fingerprint(dead_code) == key
    assert evo.fingerprint(commuted) == key
    assert evo.fingerprint(other_rate) != key
    assert evo.fingerprint(linear_regression(0.1 + 1e-9)) != key  # a real (if tiny) difference


def test_the_memo_records_each_slots_live_program_with_its_own_fingerprint():
    """The memo's shortcuts (the parent's key, a key found through the index) give every slot the
    key the fingerprint itself gives its live program."""
    evo = Evolution(small(), seed=5)
    evo.run(5000)
    memo, kernels = evo.memo, evo.kernels
    assert memo.known.all()
    for slot in range(evo.settings.population):
        program = memo.code[slot], memo.data[slot], memo.bounds[slot]
        assert memo.keys[slot] == kernels.fingerprint_of(*program, evo.search_tasks, evo.settings)
        assert memo.hashes[slot] == kernels.program_hash(*program)


def test_the_index_finds_a_program_held_by_any_slot_and_only_that_program():
    evo = Evolution(small(), seed=5)
    evo.run(2000)
    memo, kernels = evo.memo, evo.kernels
    for slot in (3, 17, 41):
        code, data, bounds = memo.code[slot].copy(), memo.data[slot].copy(), memo.bounds[slot].copy()
        found, h = kernels._known_key(code, data, bounds, -1, memo)  # no parent: through the index
        assert h == memo.hashes[slot]
        assert found >= 0 and memo.keys[found] == memo.keys[slot]
        assert kernels._same_program(code, data, bounds, memo.code[found], memo.data[found], memo.bounds[found])
        last = bounds[3] - 1
        data[last, 0] = np.nextafter(data[last, 0], np.inf)  # one bit of the last instruction's data
        found, h = kernels._known_key(code, data, bounds, -1, memo)
        assert h != memo.hashes[slot]
        assert found < 0 or kernels._same_program(code, data, bounds, memo.code[found], memo.data[found], memo.bounds[found])


def test_fec_answers_most_demo_individuals_and_agrees_with_full_evaluation():
    with_fec, without = Evolution(small(), seed=6), Evolution(small(fec={"enabled": False}), seed=6)
    with_fec.run(4000)
    without.run(4000)
    assert with_fec.fec_hit_rate > 0.3
    assert with_fec.evaluations < 0.7 * without.evaluations
    assert without.fec_hit_rate == 0.0 and without.evaluations == 4000
    # a hit returns the fitness stored for the same fingerprint, which for these programs is theirs
    for slot in range(0, 50, 7):
        program = with_fec.program(slot)
        assert with_fec.state.fitness[slot] == pytest.approx(evaluate(program, with_fec.tasks).fitness, abs=1e-12)


def test_hurdles_stop_weak_individuals_early():
    evo = Evolution(small(hurdles={"enabled": True, "num_tasks": 1, "percentile": 75.0}, fec={"enabled": False}), seed=4)
    evo.run(evo.settings.population)
    threshold = evo.update_hurdle(75.0)
    assert threshold == np.percentile(np.unique(evo.state.fitness), 75.0)
    evo.run(500)
    assert 0 < evo.hurdle_stops < 500
    no_hurdle = Evolution(small(fec={"enabled": False}), seed=4)
    no_hurdle.run(evo.settings.population + 500)
    assert no_hurdle.hurdle_stops == 0


def test_hand_written_initial_population():
    evo = Evolution(small(initial="linear"), seed=0)
    evo.run(evo.settings.population)
    first = evo.program(0)
    assert all(evo.program(k) == first for k in range(evo.settings.population))
    assert first.components()[2][:4] == linear_regression().components()[2]  # padded with no-ops
    assert evo.best_fitness == evaluate(first, evo.tasks).fitness > 0.9


def test_corrupt_checkpoint_arrays_are_rejected():
    evo = Evolution(small(), seed=0)
    evo.run(100)
    arrays = evo.arrays()
    bad = dict(arrays)
    bad["state.code"] = arrays["state.code"].copy()
    bad["state.code"][3, 0, 1] = 99  # address out of range
    with pytest.raises(ZeroError, match="invalid program"):
        Evolution(small(), seed=0).load_arrays(bad, "ckpt")
    bad = dict(arrays)
    bad["fec.keys"] = arrays["fec.keys"].copy()
    bad["fec.keys"][1] = bad["fec.keys"][0]  # a key twice
    with pytest.raises(ZeroError, match="FEC entries are corrupt: a key appears twice"):
        Evolution(small(), seed=0).load_arrays(bad, "ckpt")
    with pytest.raises(ZeroError, match="fec.hits"):
        Evolution(small(), seed=0).load_arrays({k: v for k, v in arrays.items() if k != "fec.hits"}, "ckpt")
    with pytest.raises(ZeroError, match="config"):
        Evolution(small(population=60), seed=0).load_arrays(arrays, "ckpt")


def test_compiled_search_is_recompiled_when_any_module_it_calls_changes():
    """numba's cache only checks the cached file itself, so the specialized file's name hashes
    the sources of every zero module the template imports, directly or indirectly."""
    from pathlib import Path

    from zero.interpreter import jit, kernels

    deps = {p.relative_to(jit.PACKAGE).as_posix() for p in jit.dependencies(Path(K.__file__).read_text())}
    assert {"search/mutation_kernels.py", "search/fec.py", "lang/ops.py", "lang/splitmix.py", "interpreter/kernels.py",
            "interpreter/splitmix_kernels.py", "interpreter/common.py"} <= deps  # fmt: skip
    deps = {p.relative_to(jit.PACKAGE).as_posix() for p in jit.dependencies(Path(kernels.__file__).read_text())}
    assert {"lang/ops.py", "lang/splitmix.py", "interpreter/splitmix_kernels.py", "interpreter/common.py"} <= deps


def test_numba_cache_is_keyed_on_every_source_the_compiled_code_uses():
    from zero.interpreter import jit

    names = {p.relative_to(jit.PACKAGE).as_posix() for p in jit.compiled_sources()}
    assert {"lang/ops.py", "lang/splitmix.py", "search/mutation.py", "search/fec.py", "search/mutation_kernels.py",
            "search/evolution_kernels.py", "interpreter/kernels.py", "interpreter/splitmix_kernels.py",
            "interpreter/common.py"} <= names  # fmt: skip
    assert not {"cli/__init__.py", "search/driver.py", "store.py", "bench.py"} & names  # editing these recompiles nothing
    assert jit.sources_digest() in str(jit.numba_cache_dir())


def test_fingerprint_refuses_a_program_of_another_memory():
    from zero.errors import ProgramError
    from zero.lang.program import Memory

    evo = Evolution(small(), seed=0)
    with pytest.raises(ProgramError, match="memory"):
        evo.fingerprint(linear_regression(0.1, memory=Memory(20, 20, 20)))
