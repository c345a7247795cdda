"""Every shipped experiment file loads and completes a CI-sized run: its keys, space, family and
task sizes fit together, and a run of it writes a champion with a final fitness."""

from __future__ import annotations

import math

import pytest

from zero.search.driver import run
from zero.search.experiment import EXPERIMENTS_DIR, Experiment
from zero.store import RunDir

SHIPPED = sorted(p.stem for p in EXPERIMENTS_DIR.glob("*.yaml"))
TINY_PHASE = {"num_train": 40, "num_valid": 20, "num_test": 10}


def ci_sized(name: str) -> Experiment:
    """``name`` with its protocol kept (space, family, F, settings) and its sizes cut."""
    experiment = Experiment.load(name)
    cfg = experiment.config
    tasks = max(3, len(experiment.feature_sizes))  # a task of every size
    return experiment.with_overrides(**{
        "search": {**cfg["search"], **TINY_PHASE, "num_tasks": tasks},
        "select": {**cfg["select"], **TINY_PHASE, "num_tasks": tasks},
        "final": {**cfg["final"], **TINY_PHASE, "num_tasks": tasks},
        "population": 20, "tournament": 5, "report_every": 100, "restart_every": 0,
        "islands": {**cfg["islands"], "count": 1, "migrate_every": 100},
        "hurdles": {**cfg["hurdles"], "num_tasks": 1},
        "stop": {"select_fitness": None, "max_individuals": 400, "max_seconds": None},
    })  # fmt: skip


def test_the_shipped_experiments_are_the_documented_ones():
    assert {"linear_regression", "nonlinear", "digits_binary", "mnist1d_binary", "sinusoid"} <= set(SHIPPED)


@pytest.mark.parametrize("name", SHIPPED)
def test_a_ci_sized_run_of_each_shipped_experiment_completes(tmp_path, name):
    outcome = run(ci_sized(name), tmp_path / name)
    assert outcome.individuals == 400
    final = RunDir(tmp_path / name).read_final()
    assert final["champion"] is not None and math.isfinite(final["final_fitness"])
    assert 0.0 <= final["final_fitness"] <= 1.0
