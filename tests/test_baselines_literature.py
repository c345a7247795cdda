"""The published sinusoid protocol (zero.baselines.literature) and meta-training on fewer query
points (MetaSettings.query_points)."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
import torch

from zero.baselines import literature, meta
from zero.search.experiment import Experiment
from zero.stats import mean_and_interval


@pytest.fixture(scope="module")
def sinusoid() -> Experiment:
    return Experiment.load("sinusoid")


def test_literature_tasks_are_600_held_out_tasks_with_k_support_and_k_query_points(sinusoid):
    tasks = literature.literature_tasks(sinusoid)
    k = sinusoid.config["final"]["num_train"]
    assert tasks.num_tasks == 600 and tasks.num_train == k and tasks.num_valid == k and tasks.feature_size == 1
    assert np.all(np.abs(tasks.x_train) <= 5) and np.all(np.abs(tasks.y_valid) <= 5)
    again = literature.literature_tasks(sinusoid)
    assert np.array_equal(tasks.x_train, again.x_train) and np.array_equal(tasks.y_valid, again.y_valid)
    for phase in ("search", "final"):  # a sample of its own: neither the search nor zero's final tasks
        other = sinusoid.tasks(phase)
        assert not np.isin(tasks.x_train[:, 0, 0], other.x_train[:, 0, 0]).any(), phase


def test_mean_and_interval_is_mean_and_1_96_standard_errors():
    values = np.array([0.5, 1.0, 2.0, 4.5])
    mean, half = mean_and_interval(values)
    sd = np.sqrt(np.sum((values - 2.0) ** 2) / 3)
    assert mean == pytest.approx(2.0) and half == pytest.approx(1.96 * sd / 2.0)
    assert np.isnan(mean_and_interval(np.array([3.0]))[1])


def test_probe_records_the_query_mse_at_checkpoints_only(sinusoid):
    probe = literature.Probe(sinusoid, eval_steps=1)
    calls = []

    def predict_zero(tasks, steps):  # a learner that always predicts 0: MSE = mean y^2
        calls.append(steps)
        return np.zeros((tasks.num_tasks, tasks.x_valid.shape[1]))

    probe.checkpoint(999, predict_zero)
    assert probe.curve == {} and calls == []
    probe.checkpoint(1000, predict_zero)
    expected = np.mean(probe.tasks.y_valid**2, axis=1)
    assert probe.curve["literature_mse_post_at_1000"] == pytest.approx(np.mean(expected))
    assert probe.curve["literature_mse_post_at_1000_ci95"] == pytest.approx(mean_and_interval(expected)[1])
    figures = probe.figures(predict_zero)
    assert figures["literature_mse_pre"] == figures["literature_mse_post"] == pytest.approx(np.mean(expected))
    assert calls == [1, 1, 0] and figures["literature_tasks"] == 600
    assert "literature_mse_post_at_1000" in figures


def test_query_points_limits_the_meta_training_query_set(sinusoid):
    base = replace(meta.budget_settings("maml", "ci", False), meta_steps=3, meta_batch=4, hidden=(8,))

    def trained(settings):
        return meta.meta_train("maml", sinusoid, settings, seed=2, dtype=torch.float64)[1]

    whole = trained(base)
    assert all(torch.equal(whole[k], v) for k, v in trained(replace(base, query_points=100)).items())
    fewer = trained(replace(base, query_points=10))
    assert any(not torch.equal(whole[k], v) for k, v in fewer.items())


def test_meta_train_calls_its_hook_after_every_step(sinusoid):
    seen = []
    settings = replace(meta.budget_settings("reptile", "ci", False), meta_steps=4, meta_batch=2, hidden=(4,))
    meta.meta_train("reptile", sinusoid, settings, seed=0, on_step=lambda n, model, params: seen.append(n))
    assert seen == [1, 2, 3, 4]
