"""No baseline chooses anything by looking at the final tasks (zero.baselines.base contract).

Each chooser runs here with the experiment's non-search tasks made unreadable. Any read of the
final (or select) tasks or of their spec raises, so a chooser that peeked at them would fail these
tests. The slow test checks every registered baseline as a black box: changing only the final tasks
must not change anything it chose.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
import torch

from zero.baselines import load_all, meta, nas
from zero.baselines.base import REGISTRY
from zero.search.experiment import Experiment

NAMES = sorted(load_all())


class NonSearchTasksRead(AssertionError):
    pass


@pytest.fixture(autouse=True)
def one_thread():
    """One torch thread, as MetaBaseline.run uses on CPU: the choosers are called directly here, and
    tiny ops on a busy 2-core machine run many times slower with more."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture
def digits() -> Experiment:
    return Experiment.load("digits_binary").with_overrides(
        **{"final.num_tasks": 4, "search.num_tasks": 6, "search.num_train": 60, "final.num_train": 60})


@pytest.fixture
def search_only(monkeypatch):
    """While active, ``Experiment.tasks`` and ``Experiment.task_spec`` raise for every phase but
    ``search``."""
    real_tasks, real_spec = Experiment.tasks, Experiment.task_spec

    def guarded(real):
        def read(self, phase):
            if phase != "search":
                raise NonSearchTasksRead(f"{phase} tasks read while choosing")
            return real(self, phase)

        return read

    monkeypatch.setattr(Experiment, "tasks", guarded(real_tasks))
    monkeypatch.setattr(Experiment, "task_spec", guarded(real_spec))


def small_meta(method: str) -> meta.MetaSettings:
    full = meta.budget_settings(method, "ci", classification=True)
    return replace(full, meta_steps=6, meta_batch=4, pilot_steps=4, inner_lr_grid=(0.1, 1.0))


def test_the_guard_catches_a_read_of_the_final_tasks(digits, search_only):
    with pytest.raises(NonSearchTasksRead):
        digits.tasks("final")
    with pytest.raises(NonSearchTasksRead):
        digits.task_spec("final")
    assert digits.tasks("search").num_tasks == 6


@pytest.mark.parametrize("method", ["maml", "fomaml", "reptile"])
def test_meta_inner_lr_choice_reads_only_search_tasks(digits, search_only, method):
    settings = small_meta(method)
    best, scores = meta.choose_inner_lr(method, digits, settings, seed=3)
    assert set(scores) == {0.1, 1.0} and best in scores
    assert scores[best] == max(scores.values())
    assert meta.choose_inner_lr(method, digits, settings, seed=3) == (best, scores)  # seeded


@pytest.mark.parametrize("method", ["fomaml", "reptile"])
def test_a_pilot_is_the_full_run_cut_short(digits, method):
    """A pilot stops the full run's schedule early: its parameters are the full run's at that step.
    Reptile's outer step anneals over the full run's length, so a pilot that compressed the schedule
    would end elsewhere (and once rated a step size stable that drove the full run to chance)."""
    settings = replace(small_meta(method), meta_steps=8, inner_lr=1.0)
    at_step: dict[str, torch.Tensor] = {}

    def capture(n, model, params):
        if n == 3:
            at_step.update({k: v.detach().clone() for k, v in params.items()})

    meta.meta_train(method, digits, settings, seed=5, on_step=capture)
    _, pilot, info = meta.meta_train(method, digits, settings, seed=5, stop_after=3)
    assert info["tasks_drawn"] == 3 * settings.meta_batch
    for k, v in pilot.items():
        assert torch.equal(v.detach(), at_step[k]), k
    _, short_schedule, _ = meta.meta_train(method, digits, replace(settings, meta_steps=3), seed=5)
    if method == "reptile":  # the compressed schedule is a different run
        assert any(not torch.equal(v.detach(), short_schedule[k].detach()) for k, v in pilot.items())


def test_meta_run_chooses_before_the_final_tasks_exist(digits, monkeypatch):
    """The whole run up to scoring, with final tasks unreadable and scoring stubbed: the step-size
    choice and meta-training never touched them."""
    scored = []

    def fake_score(model, params, experiment, settings, **kwargs):
        scored.append(settings.inner_lr)
        return np.zeros(4), {}

    real_tasks = Experiment.tasks

    def tasks(self, phase):
        if phase == "final":
            raise NonSearchTasksRead("final tasks read before scoring")
        return real_tasks(self, phase)

    monkeypatch.setattr(meta, "score", fake_score)
    monkeypatch.setattr(Experiment, "tasks", tasks)
    settings = replace(small_meta("maml"), meta_steps=small_meta("maml").pilot_steps)  # the run is its pilot
    result = REGISTRY["maml"]().run(digits, device="cpu", seed=0, budget="ci", settings=settings)
    chosen = result.settings["inner_lr"]
    assert scored == [chosen] and chosen in (0.1, 1.0)
    assert {"choice_fitness_lr_0.1", "choice_fitness_lr_1"} <= set(result.metrics)
    # the trained run scored on the pilots' tasks: here it is the chosen pilot, step for step
    assert result.metrics["choice_fitness_trained"] == result.metrics[f"choice_fitness_lr_{chosen:g}"]
    assert "search-distribution tasks" in result.settings["inner_lr_chosen_on"]


@pytest.mark.parametrize("name", ["linear", "linear_intercept", "logistic", "neural_net", "sin_cos"])
def test_hand_learning_rate_choice_reads_only_search_tasks(digits, search_only, name):
    baseline = REGISTRY[name]()
    lr, scores = baseline.choose_learning_rate(digits)
    assert lr in baseline.grid and set(scores) == set(baseline.grid)


@pytest.mark.parametrize("name", ["nas_evolution", "nas_random"])
def test_nas_scores_genomes_on_search_tasks_only(digits, monkeypatch, name):
    """Every genome scored during the search is scored on search tasks, all before the final tasks
    are built. The final tasks are built once, to score the chosen genome."""
    monkeypatch.setitem(nas.BUDGETS, "ci", nas.Budget(evaluations=5, search_tasks=2, steps=5, population=3, sample=2))
    events = []
    real_tasks, real_evaluate = Experiment.tasks, nas.evaluate_genome

    def tasks(self, phase):
        events.append(("built", phase))
        return real_tasks(self, phase)

    def evaluate(genome, task_set, **kwargs):
        events.append(("scored", task_set.seed))
        return real_evaluate(genome, task_set, **kwargs)

    monkeypatch.setattr(Experiment, "tasks", tasks)
    monkeypatch.setattr(nas, "evaluate_genome", evaluate)
    REGISTRY[name]().run(digits, device="cpu", seed=0, budget="ci")
    final_at = events.index(("built", "final"))
    scored = [e for e in events if e[0] == "scored"]
    assert len(scored) == 5 and all(seed == digits.config["search"]["seed"] for _, seed in scored)
    assert all(e[0] != "scored" for e in events[final_at:])
    assert events.count(("built", "final")) == 1


CHOICE_METRICS = ("choice_fitness", "search_fitness", "best_search_fitness")


@pytest.mark.slow
@pytest.mark.parametrize("name", NAMES)
def test_no_registered_baseline_choice_depends_on_the_final_tasks(digits, name):
    """Black box, every baseline in the registry: two experiments that differ only in their final
    tasks give the same recorded settings (every choice: learning rate, step size, genome) and the
    same search-side figures."""
    other = digits.with_overrides(**{"final.seed": digits.config["final"]["seed"] + 1})
    runs = [REGISTRY[name]().run(e, device="cpu", seed=0, budget="ci") for e in (digits, other)]
    assert runs[0].settings == runs[1].settings
    for key, value in runs[0].metrics.items():
        if key.startswith(CHOICE_METRICS):
            assert runs[1].metrics[key] == value, key
    assert not np.array_equal(digits.tasks("final").x_train, other.tasks("final").x_train)  # they did differ
