"""The compiled search loop against its pure-Python twin (zero.search.evolution_oracle), state for state.

From the same experiment and seed, :class:`~zero.search.evolution.Evolution` (compiled) and
:class:`~zero.search.evolution_oracle.EvolutionOracle` (Python programs, the Python mutator and
evaluator, an ``OrderedDict`` FEC) are run side by side in uneven chunks; after every chunk each
slot's program (encoded, data compared bit for bit) and fitness, the best program and fitness, the
hurdle, every counter, the splitmix64 state and the whole FEC (keys, values and hit counts in
recency order, lookups and hits) must be equal. Experiments cover the FEC with eviction and
forgetting, hurdles updated between chunks and a restart, a variable-size space grown from no-ops
by all eight mutation types with median combine, and a hand-written start. A deliberately changed
oracle must be caught.
"""

from __future__ import annotations

import numpy as np
import pytest
from configs import derived

from zero.lang.budget import per_example_work
from zero.lang.encoding import encode
from zero.search import evolution_kernels as K
from zero.search import fec as F
from zero.search.evolution import Evolution
from zero.search.evolution_oracle import EvolutionOracle
from zero.search.mutation import MUTATIONS

TINY = {"search": {"num_tasks": 3, "num_train": 20, "num_valid": 20}, "report_every": 100}

EXPERIMENTS = {
    # the demo (random programs of six ops, fixed sizes) with an FEC small enough to evict and forget
    "demo_fec": {"population": 50, "tournament": 5, "fec": {"capacity": 150, "forget_every": 4}},
    # hurdles after the first of four tasks, the FEC at demo settings
    "hurdles": {"population": 40, "tournament": 4, "search": {"num_tasks": 4, "num_train": 20, "num_valid": 20},
                "hurdles": {"enabled": True, "num_tasks": 1, "percentile": 75.0}},
    # variable sizes grown from one no-op per component by every mutation type; median; no FEC
    "noop_median": {"search_space": "baseline", "initial": "noop", "population": 30, "tournament": 3,
                    "combine": "median", "mutations": dict.fromkeys(MUTATIONS, 1), "fec": {"enabled": False}},
    # the demo under a compute limit of 8 scalar operations per example (0.1 x the 2-layer net's
    # 80 at F=4), which zeroes about a third of random demo programs before the FEC
    "compute_limit": {"population": 40, "tournament": 4, "compute_limit": 0.1},
    # variable sizes under parsimony: tournament ties go to the shorter program
    "prefer_shorter": {"search_space": "baseline", "initial": "noop", "population": 30, "tournament": 6,
                       "prefer_shorter": True, "mutations": dict.fromkeys(MUTATIONS, 1)},
    # the hand-written linear regressor as every initial program, a child mutated half the time
    "handwritten": {"initial": "linear", "population": 30, "tournament": 6, "mutation_probability": 0.5},
    # tasks of five feature sizes (the shipped linear_mixed_sizes', so the compiled loop is shared)
    # in groups of 2, 1, 1, 1, 1 (each run by its own F's kernels), hurdles after the first two (both
    # F=2), and a compute limit whose verdict differs between sizes
    "mixed_sizes": {"feature_size": [2, 4, 8, 16, 32], "population": 40, "tournament": 4, "compute_limit": 0.3,
                    "search": {"num_tasks": 6, "num_train": 20, "num_valid": 20},
                    "hurdles": {"enabled": True, "num_tasks": 2, "percentile": 50.0}},
}  # fmt: skip
CHUNKS = {
    "demo_fec": (1, 48, 1, 450, 700, 800),  # 2000
    "hurdles": (40, 160, 300, 300, 400),  # 1200; update_hurdle before each chunk, restart after the 3rd
    "noop_median": (30, 470, 600),  # 1100
    "compute_limit": (40, 460, 600),  # 1100
    "prefer_shorter": (30, 470, 600),  # 1100
    "handwritten": (29, 1, 370, 400),  # 800
    "mixed_sizes": (40, 160, 300, 300),  # 800; update_hurdle before each chunk
}


def experiment(name: str):
    return derived(**{**TINY, **EXPERIMENTS[name]})


def fec_entries(cache: F.FecArrays) -> list[tuple[int, float, int]]:
    """The compiled cache's (key, fitness, hits), least recently used first."""
    out, n = [], int(cache.meta[F.TAIL])
    while n != F.NONE:
        out.append((int(cache.keys[n]), float(cache.values[n]), int(cache.hits[n])))
        n = int(cache.newer[n])
    return out


def same_bits(a: float, b: float) -> bool:
    return np.float64(a).tobytes() == np.float64(b).tobytes()


def assert_same_program(compiled, program) -> None:
    a, b = encode(compiled), encode(program)
    assert np.array_equal(a.bounds, b.bounds) and np.array_equal(a.code, b.code)
    assert a.data.tobytes() == b.data.tobytes()


def assert_same_state(evo: Evolution, oracle: EvolutionOracle) -> None:
    s = evo.state
    assert tuple(int(c) for c in s.counters) == oracle.counters
    assert int(s.rng[0]) == oracle.rng.state
    assert same_bits(s.figures[K.BEST_FITNESS], oracle.best_fitness)
    assert same_bits(s.figures[K.HURDLE], oracle.hurdle)
    for slot, program in enumerate(oracle.population):
        assert same_bits(s.fitness[slot], oracle.fitness[slot]), slot
        if program is None:  # never filled: the compiled slot is still all zeros
            assert not s.bounds[slot].any()
        else:
            assert_same_program(evo.program(slot), program)
    if oracle.best_program is not None:
        assert_same_program(evo.best_program(), oracle.best_program)
    if oracle.fec is None:
        assert int(evo.cache.meta[F.LOOKUPS]) == 0
    else:
        meta = evo.cache.meta
        assert (int(meta[F.LOOKUPS]), int(meta[F.HITS])) == (oracle.fec.lookups, oracle.fec.hits)
        expected = [(key, fitness, hits) for key, (fitness, hits) in oracle.fec.entries.items()]
        got = fec_entries(evo.cache)
        assert len(got) == len(expected) == int(meta[F.SIZE])
        assert all(g[0] == e[0] and same_bits(g[1], e[1]) and g[2] == e[2] for g, e in zip(got, expected))


def run_side_by_side(name: str, oracle_change: dict | None = None, seed: int = 7) -> tuple[Evolution, EvolutionOracle]:
    exp = experiment(name)
    evo, oracle = Evolution(exp, seed), EvolutionOracle(exp, seed)
    for attribute, value in (oracle_change or {}).items():
        setattr(oracle, attribute, value)
    hurdles = exp.config["hurdles"]
    for k, n in enumerate(CHUNKS[name]):
        if hurdles["enabled"]:
            assert evo.update_hurdle(hurdles["percentile"]) == oracle.update_hurdle(hurdles["percentile"])
        assert evo.run(n) == oracle.run(n) == n
        assert_same_state(evo, oracle)
        if name == "hurdles" and k == 2:
            evo.restart()
            oracle.restart()
            assert_same_state(evo, oracle)
    return evo, oracle


def test_mixed_sizes_apply_the_compute_limit_at_every_size():
    """A program over the limit at one feature size only scores 0, in both twins; the initial random
    population (40 individuals) has such programs at this limit (the net's work per example grows
    faster with F than a vector op's, so the limit binds hardest at F=2)."""
    exp = experiment("mixed_sizes")
    evo, oracle = Evolution(exp, 3), EvolutionOracle(exp, 3)
    assert evo.run(40) == oracle.run(40) == 40
    assert_same_state(evo, oracle)
    over = [{f for f, limit in oracle.max_work.items() if per_example_work(p, f) > limit} for p in oracle.population]
    assert any(0 < len(o) < 5 for o in over)
    assert all(f == 0.0 for o, f in zip(over, oracle.fitness) if o)
    assert all(f == 0.0 for o, f in zip(over, evo.population_fitness()) if o)


@pytest.mark.parametrize("name", list(EXPERIMENTS))
def test_compiled_loop_matches_the_oracle(name):
    evo, oracle = run_side_by_side(name)
    assert evo.individuals == oracle.individuals == sum(CHUNKS[name])
    # the comparison is only as strong as the paths the run took
    if oracle.fec is not None:
        assert 0 < oracle.fec.hits < oracle.fec.lookups
        assert oracle.fec.lookups - oracle.fec.hits == oracle.evaluations  # every miss is evaluated
    if name == "demo_fec":
        assert oracle.evaluations > oracle.fec.capacity  # entries were evicted
        assert oracle.fec.forgotten > 0 and any(hits > 0 for _, hits in oracle.fec.entries.values())
    if name == "hurdles":
        assert 0 < oracle.hurdle_stops < oracle.evaluations
        assert oracle.experiment_individuals < oracle.individuals  # restarted
    if name == "noop_median":
        assert len({len(p) for p in oracle.population}) > 1  # sizes changed
    if name == "handwritten":
        assert oracle.best_fitness > 0.9
    if name == "prefer_shorter":
        assert oracle.shorter_wins > 10  # ties on fitness were decided by size
    if name == "mixed_sizes":
        sizes = oracle.tasks.feature_sizes
        assert sizes == (2, 4, 8, 16, 32) and 0 < oracle.hurdle_stops < oracle.evaluations
    if name == "compute_limit":  # the limit bit: some children were zeroed unevaluated, others scored
        zeroed = oracle.individuals - oracle.fec.lookups  # every other child is looked up in the FEC
        assert 0.05 * oracle.individuals < zeroed < 0.9 * oracle.individuals
        F = oracle.tasks.feature_size
        assert all(f == 0.0 for p, f in zip(oracle.population, oracle.fitness) if per_example_work(p, F) > oracle.max_work[F])


def test_fingerprints_agree_with_the_compiled_ones():
    exp = experiment("demo_fec")
    evo, oracle = Evolution(exp, 3), EvolutionOracle(exp, 3)
    oracle.run(60)
    for program in oracle.population[:20] + [oracle.template]:
        assert evo.fingerprint(program) == oracle.fingerprint(program)


@pytest.mark.parametrize("change", [{"tournament": 4}, {"mutation_probability": 0.8}, {"random_init": False}])
def test_a_changed_oracle_is_caught(change):
    with pytest.raises(AssertionError):
        run_side_by_side("demo_fec", change)
