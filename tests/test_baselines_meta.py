"""MAML / FOMAML / Reptile (zero.baselines.meta) against independent computations, and every
registered baseline on tiny experiments (zero.baselines.base contract)."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
import torch

from zero.baselines import load_all, meta
from zero.baselines.adapter import TaskSampler, to_torch
from zero.baselines.base import REGISTRY
from zero.search.experiment import Experiment

F64 = torch.float64


# Tiny versions of the shipped experiments: 10 final tasks; digits with 60 shots to keep the
# classification meta-learners (a step-size choice plus meta-training) to a few seconds.
TINY = {"final.num_tasks": 10, "search.num_tasks": 10}
TINY_DIGITS = {**TINY, "search.num_train": 60, "final.num_train": 60}
EXPERIMENTS = ("sinusoid", "digits_binary")
NAMES = sorted(load_all())  # every registered baseline (all baseline modules imported)


def tiny(name: str) -> Experiment:
    return Experiment.load(name).with_overrides(**(TINY_DIGITS if name == "digits_binary" else TINY))


@pytest.fixture(scope="module")
def sinusoid_batch():
    sampler = TaskSampler(Experiment.load("sinusoid"), seed=7, dtype=F64)
    return sampler.next_batch(5)


def net_121(seed=0):
    model = meta.make_mlp(1, (2,))
    return model, meta.init_params(model, seed, dtype=F64)


def by_hand(params, x):
    """The 1-2-1 ReLU net written out on plain tensors (independent of functional_call)."""
    h = torch.relu(x @ params["0.weight"].T + params["0.bias"])
    return (h @ params["2.weight"].T + params["2.bias"]).squeeze(-1)


def test_inner_step_is_the_sgd_step_computed_by_hand():
    model = meta.make_mlp(1, ())  # y = w x + b
    params = meta.init_params(model, 3, dtype=F64)
    x = torch.tensor([[0.5], [-1.0], [2.0]], dtype=F64)
    y = torch.tensor([1.0, 0.0, -2.0], dtype=F64)
    w, b = params["0.weight"].item(), params["0.bias"].item()
    xn, yn = x[:, 0].numpy(), y.numpy()
    err = w * xn + b - yn
    gw, gb = 2 * np.mean(err * xn), 2 * np.mean(err)
    new = meta.inner_step(model, params, x, y, alpha=0.1)
    assert new["0.weight"].item() == pytest.approx(w - 0.1 * gw, abs=1e-12)
    assert new["0.bias"].item() == pytest.approx(b - 0.1 * gb, abs=1e-12)


@pytest.mark.parametrize("steps", [1, 2])
def test_maml_meta_gradient_equals_independent_double_backward(sinusoid_batch, steps):
    model, params = net_121()
    xs, ys, xq, yq = sinusoid_batch
    alpha = 0.05
    plain = {k: v.detach().clone().requires_grad_(True) for k, v in params.items()}
    losses = []
    for t in range(xs.shape[0]):
        phi = plain
        for _ in range(steps):
            inner = torch.mean((by_hand(phi, xs[t]) - ys[t]) ** 2)
            g = torch.autograd.grad(inner, list(phi.values()), create_graph=True)
            phi = {k: p - alpha * gk for (k, p), gk in zip(phi.items(), g)}
        losses.append(torch.mean((by_hand(phi, xq[t]) - yq[t]) ** 2))
    expected = torch.autograd.grad(torch.stack(losses).mean(), list(plain.values()))
    loss, grads = meta.meta_step_vmap(model, params, sinusoid_batch, alpha, steps)
    assert loss.item() == pytest.approx(torch.stack(losses).mean().item(), rel=1e-12)
    for e, k in zip(expected, params):
        torch.testing.assert_close(grads[k], e, rtol=1e-10, atol=1e-12)


def test_fomaml_meta_gradient_is_the_query_gradient_at_the_adapted_params(sinusoid_batch):
    model, params = net_121(1)
    xs, ys, xq, yq = sinusoid_batch
    alpha = 0.05
    expected = {k: torch.zeros_like(v) for k, v in params.items()}
    for t in range(xs.shape[0]):
        phi = {k: v.detach() for k, v in meta.adapt(model, params, xs[t], ys[t], alpha, 1).items()}
        phi = {k: v.requires_grad_(True) for k, v in phi.items()}
        g = torch.autograd.grad(torch.mean((by_hand(phi, xq[t]) - yq[t]) ** 2), list(phi.values()))
        for k, gk in zip(phi, g):
            expected[k] += gk / xs.shape[0]
    _, first = meta.meta_step_vmap(model, params, sinusoid_batch, alpha, 1, first_order=True)
    _, second = meta.meta_step_vmap(model, params, sinusoid_batch, alpha, 1, first_order=False)
    for k in params:
        torch.testing.assert_close(first[k], expected[k], rtol=1e-10, atol=1e-12)
    assert any(not torch.allclose(first[k], second[k]) for k in params)  # the dropped term matters


def test_reptile_update_is_theta_plus_epsilon_mean_displacement(sinusoid_batch):
    model, params = net_121(2)
    xs, ys = sinusoid_batch[0], sinusoid_batch[1]
    adapted = meta.adapt_batch(model, params, xs, ys, 0.02, 5)
    for t in range(xs.shape[0]):  # vmapped inner loop == per-task inner loop
        single = meta.adapt(model, params, xs[t], ys[t], 0.02, 5)
        for k in params:
            torch.testing.assert_close(adapted[k][t], single[k].detach(), rtol=1e-12, atol=1e-12)
    new = meta.reptile_update(params, adapted, 0.3)
    for k, theta in params.items():
        phis = [adapted[k][t] for t in range(xs.shape[0])]
        expected = theta.detach() + 0.3 * sum(p - theta.detach() for p in phis) / len(phis)
        torch.testing.assert_close(new[k], expected, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("first_order", [False, True])
@pytest.mark.parametrize("family", ["sinusoid", "digits_binary"])
def test_vmap_meta_step_equals_the_per_task_loop(family, first_order):
    experiment = Experiment.load(family)
    cls = meta._is_classification(experiment)
    model = meta.make_mlp(experiment.config["feature_size"], (8, 8))
    params = meta.init_params(model, 0, dtype=F64)
    batch = TaskSampler(experiment, seed=1, dtype=F64, chunk=8).next_batch(4)
    lv, gv = meta.meta_step_vmap(model, params, batch, 0.1, 2, first_order, cls)
    ll, gl = meta.meta_step_loop(model, params, batch, 0.1, 2, first_order, cls)
    torch.testing.assert_close(lv, ll, rtol=1e-12, atol=1e-12)
    for k in params:
        torch.testing.assert_close(gv[k], gl[k], rtol=1e-10, atol=1e-12)


def test_sampler_is_seeded_and_draws_fresh_search_tasks():
    experiment = Experiment.load("sinusoid")
    a, b = TaskSampler(experiment, 5, chunk=6), TaskSampler(experiment, 5, chunk=6)
    batches_a = [a.next_batch(4) for _ in range(3)]
    batches_b = [b.next_batch(4) for _ in range(3)]
    for pa, pb in zip(batches_a, batches_b):
        for ta, tb in zip(pa, pb):
            assert torch.equal(ta, tb)
    assert not torch.equal(batches_a[0][0], batches_a[1][0])  # a new chunk's tasks are new
    final = to_torch(experiment.tasks("final"))
    assert not any(torch.equal(batches_a[0][0][0], final.x_train[t]) for t in range(final.num_tasks))


@pytest.fixture(scope="module")
def ci_run():
    """``ci_run(name, experiment)``: that baseline's ci-budget run on the tiny experiment, computed
    once per module and shared by the tests that read it."""
    done = {}

    def get(name: str, experiment: str):
        if (name, experiment) not in done:
            done[name, experiment] = REGISTRY[name]().run(tiny(experiment), device="cpu", seed=0, budget="ci")
        return done[name, experiment]

    return get


def test_meta_baselines_are_registered():
    assert {"maml", "fomaml", "reptile", "linear", "logistic", "neural_net"} <= set(NAMES)


@pytest.mark.parametrize("experiment", EXPERIMENTS)
@pytest.mark.parametrize("name", NAMES)
def test_every_registered_baseline_scores_each_final_task(ci_run, name, experiment):
    result = ci_run(name, experiment)
    assert result.method == name and result.experiment == experiment
    assert result.per_task.shape == (10,) and result.per_task.dtype == np.float64
    assert np.all((result.per_task >= 0) & (result.per_task <= 1)), result.per_task
    assert result.seconds > 0 and result.device == "cpu"


def test_maml_adaptation_beats_its_initialisation_on_held_out_tasks(ci_run):
    metrics = ci_run("maml", "sinusoid").metrics
    assert metrics["mse_post"] < 0.7 * metrics["mse_pre"], metrics
    assert metrics["literature_mse_post"] < 0.7 * metrics["literature_mse_pre"], metrics
    digits = ci_run("maml", "digits_binary").metrics
    assert digits["accuracy_post"] > 0.85 > digits["accuracy_pre"], digits


def test_sinusoid_runs_report_both_protocols_labelled(ci_run):
    result = ci_run("maml", "sinusoid")
    m = result.metrics
    assert m["literature_tasks"] == 600 and m["literature_query_points"] == 10  # K = the experiment's shots
    assert m["mse_post_ci95"] > 0 and m["literature_mse_post_ci95"] > 0
    assert "600 held-out tasks" in result.settings["literature_protocol"]
    assert not any(k.startswith("literature_mse_post_at_") for k in m)  # 500 ci steps: before the first checkpoint
    assert result.settings["inner_lr"] == 0.01 and "published protocol" in result.settings["inner_lr_chosen_on"]
    digits = ci_run("maml", "digits_binary")
    assert not any(k.startswith("literature") for k in digits.metrics)  # defined for sinusoids only
    assert "search-distribution tasks" in digits.settings["inner_lr_chosen_on"]
    assert digits.settings["inner_lr"] in meta.CLASSIFICATION_INNER_LRS


def test_hand_baselines_choose_the_learning_rate_on_search_tasks(ci_run):
    result = ci_run("logistic", "digits_binary")
    assert result.settings["chosen_on"] == "search tasks"
    assert result.settings["learning_rate"] in result.settings["learning_rate_grid"]
    assert result.fitness > 0.85


@pytest.mark.parametrize("name", ["maml", "reptile"])
def test_seeded_runs_are_deterministic_on_cpu(name):
    settings = replace(meta.budget_settings(name, "ci", False), meta_steps=15)
    runs = [REGISTRY[name]().run(tiny("sinusoid"), device="cpu", seed=s, budget="ci", settings=settings)
            for s in (4, 4, 5)]
    assert np.array_equal(runs[0].per_task, runs[1].per_task)
    assert runs[0].metrics == runs[1].metrics
    assert not np.array_equal(runs[0].per_task, runs[2].per_task)
