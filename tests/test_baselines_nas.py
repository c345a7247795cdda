"""Tests of zero.baselines.nas: genome operators, the batched evaluator, regularized evolution vs
random search on equal budgets, determinism, and both registered baselines end to end."""

from __future__ import annotations

from dataclasses import asdict

import numpy as np
import pytest
import torch

from zero.baselines import nas
from zero.baselines.base import REGISTRY
from zero.search.experiment import Experiment
from zero.tasks import TaskSpec, make_tasks

TEACHER = make_tasks(TaskSpec("teacher_nn", 4, 100, 50), 2, 5)


def small_score(seed: int):
    return lambda g: nas.evaluate_genome(g, TEACHER, steps=40, seed=seed)


def test_mutate_changes_exactly_one_gene_and_stays_valid():
    rng = np.random.default_rng(0)
    for _ in range(300):
        parent = nas.random_genome(rng)
        parent.check()
        child = nas.mutate(parent, rng)
        child.check()
        changed = [k for k, v in asdict(parent).items() if asdict(child)[k] != v]
        assert len(changed) == 1, (parent, child)
        assert type(getattr(child, changed[0])) is type(getattr(parent, changed[0]))


def test_build_shapes_and_batched_forward_matches_each_network():
    genome = nas.Genome(depth=3, width=16, activation="gelu")
    nets = [nas.build(genome, 5, torch.Generator().manual_seed(s)) for s in range(3)]
    assert sum(isinstance(m, torch.nn.Linear) for m in nets[0]) == 4
    assert nets[0][-1].out_features == 1
    again = nas.build(genome, 5, torch.Generator().manual_seed(0))
    assert all(torch.equal(a, b) for a, b in zip(nets[0].parameters(), again.parameters()))
    params, _ = torch.func.stack_module_state(nets)
    x = torch.randn(3, 7, 5)
    out = nas._batched_forward(nets[0], params, x)
    for t, net in enumerate(nets):
        torch.testing.assert_close(out[t], net(x[t]).squeeze(-1))


def test_evolution_improves_over_its_initial_population():
    history = nas.evolve(small_score(3), 20, np.random.default_rng(3), population=6, sample=3)
    assert len(history.fitness) == 20
    assert history.best_fitness > max(history.fitness[:6]) + 0.01


def test_equal_budgets_and_determinism():
    runs = [nas.evolve(small_score(1), 12, np.random.default_rng(1), population=4, sample=2) for _ in range(2)]
    assert runs[0].fitness == runs[1].fitness and runs[0].genomes == runs[1].genomes
    rand = nas.random_search(small_score(1), 12, np.random.default_rng(1))
    assert len(rand.fitness) == len(runs[0].fitness) == 12
    assert rand.genomes[:4] == runs[0].genomes[:4]  # same prior draws seed both searches


@pytest.fixture(scope="module")
def tiny_digits():
    """5 final tasks with 60 shots (as in test_baselines_meta): small enough that two ci runs take seconds."""
    return Experiment.load("digits_binary").with_overrides(
        **{"final.num_tasks": 5, "search.num_train": 60, "final.num_train": 60})


@pytest.mark.parametrize("name", ["nas_evolution", "nas_random"])
def test_registered_baselines_run_ci(tiny_digits, name):
    result = REGISTRY[name]().run(tiny_digits, device="cpu", seed=0, budget="ci")
    assert result.method == name and result.device == "cpu"
    assert result.per_task.shape == (5,) and np.all((result.per_task >= 0) & (result.per_task <= 1))
    assert result.fitness > 0.8  # held-out digit pairs are easy for a tuned MLP
    assert result.metrics["evaluations"] == nas.BUDGETS["ci"].evaluations
    nas.Genome(**result.settings["best_genome"]).check()
    assert result.settings["budget"] == "ci"
    if name == "nas_random":  # determinism of the whole baseline, on CPU
        again = REGISTRY[name]().run(tiny_digits, device="cpu", seed=0, budget="ci")
        np.testing.assert_array_equal(again.per_task, result.per_task)
        assert again.settings == result.settings
