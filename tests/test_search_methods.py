"""Search methods an experiment switches on (issue: discoveries on a small budget): each gives a
valid run on and off, and does what it says."""

from __future__ import annotations

import numpy as np
import pytest
from configs import small

from zero.search.driver import run
from zero.search.evolution import Evolution
from zero.search.mutation import MUTATIONS
from zero.store import RunDir


def grown(**overrides):
    """Programs grown from one no-op per component by every mutation type (sizes vary)."""
    return small(search_space="baseline", initial="noop", mutations=dict.fromkeys(MUTATIONS, 1), **overrides)


@pytest.mark.parametrize("prefer_shorter", [False, True])
def test_a_run_with_and_without_parsimony_is_valid(tmp_path, prefer_shorter):
    outcome = run(grown(prefer_shorter=prefer_shorter, stop={"max_individuals": 3000}), tmp_path / "r")
    assert outcome.individuals == 3000 and outcome.champion is not None
    assert 0.0 <= RunDir(tmp_path / "r").read_final()["final_fitness"] <= 1.0


def test_parsimony_keeps_the_population_shorter():
    """Same seed and budget: with ties going to the shorter program the population holds fewer
    instructions on average (ties are common: many programs compute the same function)."""
    sizes = {}
    for prefer in (False, True):
        evo = Evolution(grown(prefer_shorter=prefer, population=100), seed=3)
        evo.run(6000)
        sizes[prefer] = float(np.mean([len(evo.program(k)) for k in range(100)]))
    assert sizes[True] < 0.9 * sizes[False], sizes
