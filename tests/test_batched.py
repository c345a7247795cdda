"""The batched search loop (zero.search.batched) on the CPU evaluator: with batches of one it is the
sequential loop, state for state; with larger batches it is deterministic, resumable and reaches
the run directory like any run. Its GPU twin is checked in tests/test_gpu.py."""

from __future__ import annotations

import numpy as np
import pytest
from configs import derived, run_outcome, small

from zero.errors import ConfigError, ZeroError
from zero.interpreter.evaluator import evaluate
from zero.lang.budget import per_example_work
from zero.interpreter.batch import CpuEvaluator, batch_evaluator
from zero.search import driver
from zero.search.batched import BatchedEvolution, evolution_for
from zero.search.evolution import Evolution
from zero.search.island import Island
from zero.tasks import TaskSpec, make_tasks

TINY = {"population": 60, "report_every": 200, "restart_every": 0, "search": {"num_tasks": 4, "num_train": 30, "num_valid": 20},
        "fec": {"num_train": 5, "num_valid": 5}}  # fmt: skip


def tiny(**overrides):
    merged = {k: {**TINY[k], **v} if isinstance(v, dict) and isinstance(TINY.get(k), dict) else v for k, v in overrides.items()}
    return derived(**{**TINY, **merged})


def same_state(a: Evolution, b: Evolution) -> bool:
    return (all(np.array_equal(x, y) for x, y in zip(a.state, b.state))
            and all(np.array_equal(x, y) for x, y in zip(a.cache, b.cache))
            and all(np.array_equal(x, y) for x, y in zip(a.memo, b.memo)))  # fmt: skip


def advance(evolution: Evolution, pieces, percentile: float = 60.0) -> None:
    """Run ``pieces`` individuals at a time, updating the hurdle between them (as an island does)."""
    for n in pieces:
        evolution.update_hurdle(percentile)
        evolution.run(n)


CASES = {
    "demo": {},
    "hurdles": {"hurdles": {"enabled": True, "num_tasks": 1, "percentile": 60.0}},
    "compute limit, parsimony, no FEC": {"search_space": "paper_nn", "compute_limit": 0.2, "prefer_shorter": True,
                                          "mutations": {"insert": 1, "remove": 1, "alter_param": 1},
                                          "fec": {"enabled": False}},
    "random start, median": {"search_space": "paper_linear", "combine": "median"},
    "compute limit with the FEC": {"search_space": "paper_nn", "compute_limit": 0.2,
                                   "mutations": {"insert": 1, "remove": 1, "alter_param": 1}},
    # the shipped mixed sizes (compiled once for the session, see test_mixed_sizes): several groups
    "mixed sizes": {"feature_size": [2, 4, 8, 16, 32], "search": {"num_tasks": 5}},
}  # fmt: skip


@pytest.mark.parametrize("case", [pytest.param(name, marks=pytest.mark.slow) if name == "mixed sizes" else name
                                  for name in CASES])  # the five sizes' batch kernels compile for minutes: .ci/run runs it  # fmt: skip
def test_batches_of_one_are_the_sequential_loop_state_for_state(case):
    experiment = tiny(**CASES[case])
    sequential = Evolution(experiment, 7)
    batched = BatchedEvolution(experiment, 7, device="cpu", batch_size=1)
    advance(sequential, [60, 340, 400])
    advance(batched, [60, 340, 400])
    assert sequential.individuals == batched.individuals == 800
    assert same_state(sequential, batched)
    if case == "hurdles":
        assert batched.hurdle_stops > 0  # the hurdle path ran
    if case in ("demo", "mixed sizes"):
        assert 0 < batched.fec_hit_rate < 1 and batched.evaluations < 800  # the FEC path ran, hits and misses
    if case.startswith("compute limit"):
        over = [slot for slot in range(60) if experiment.max_work(4) < per_example_work(batched.program(slot), 4)]
        assert over and all(batched.state.fitness[slot] == 0.0 for slot in over)  # over-budget children were scored 0


def test_a_batch_ends_where_the_population_becomes_full():
    """Initial individuals are never mixed with children in a batch (their tournaments would read
    slots not yet written): 100 individuals in batches of 16 from empty = 60 then 40."""
    experiment = tiny()
    straddling = BatchedEvolution(experiment, 4, device="cpu", batch_size=16)
    straddling.run(100)
    split = BatchedEvolution(experiment, 4, device="cpu", batch_size=16)
    split.run(60)
    split.run(40)
    assert same_state(straddling, split)


def test_larger_batches_are_deterministic_and_differ_from_the_sequential_loop():
    experiment = tiny(hurdles={"enabled": True, "num_tasks": 1, "percentile": 60.0})
    runs = [BatchedEvolution(experiment, 3, device="cpu", batch_size=16) for _ in range(2)]
    for evolution in runs:
        advance(evolution, [60, 500, 500])
    assert same_state(*runs)
    sequential = Evolution(experiment, 3)
    advance(sequential, [60, 500, 500])
    assert not np.array_equal(sequential.state.fitness, runs[0].state.fitness)  # parents come from before the batch


def test_a_batched_population_resumes_exactly_and_every_fitness_is_the_evaluators():
    experiment = tiny()
    whole = BatchedEvolution(experiment, 11, device="cpu", batch_size=25)
    advance(whole, [60, 340, 600])
    first = BatchedEvolution(experiment, 11, device="cpu", batch_size=25)
    advance(first, [60, 340])
    resumed = BatchedEvolution(experiment, 11, device="cpu", batch_size=25)
    resumed.load_arrays(first.arrays(), "test snapshot")
    advance(resumed, [600])
    assert np.array_equal(resumed.state.fitness, whole.state.fitness)
    assert np.array_equal(resumed.state.code, whole.state.code)
    # a child's recorded fitness is its evaluation's (FEC hits return an equivalent program's, which is equal on the search tasks)
    for slot in range(0, experiment.config["population"], 7):
        assert whole.state.fitness[slot] == experiment.evaluate(whole.program(slot), whole.tasks).fitness


def test_the_cpu_batch_evaluator_scores_as_the_evaluator_does():
    experiment = tiny(search_space="paper_full")
    evolution = BatchedEvolution(experiment, 5, device="cpu", batch_size=30)
    advance(evolution, [60, 240])
    tasks = evolution.tasks
    evaluator = CpuEvaluator(tasks, experiment.space.memory)
    per_task, traces = evaluator.run(evolution.state.code, evolution.state.data, evolution.state.bounds, trace=True)
    assert per_task.shape == (60, tasks.num_tasks) and traces.shape[:2] == (60, tasks.num_tasks)
    for slot in range(0, 60, 6):
        expected = evaluate(evolution.program(slot), tasks, trace=True)  # its live part only: the same predictions
        np.testing.assert_array_equal(per_task[slot], expected.per_task)
        np.testing.assert_array_equal(traces[slot], expected.traces)


def test_experiment_device_and_batch_size_keys():
    assert tiny().batch_size() is None and isinstance(evolution_for(tiny(), 0), Evolution)
    assert not isinstance(evolution_for(tiny(), 0), BatchedEvolution)
    batched = tiny(batch_size=20)
    assert batched.batch_size() == 20 and isinstance(Island(batched, 0).evolution, BatchedEvolution)
    assert tiny(device="cuda").batch_size() == 15  # a quarter of the population of 60
    assert derived(device="cuda", population=100_000).batch_size() == 4096
    with pytest.raises(ConfigError, match="batch_size.*at most the population"):
        tiny(batch_size=61)
    with pytest.raises(ConfigError, match="device"):
        tiny(device="tpu")
    with pytest.raises(ConfigError, match="batch_size"):
        tiny(batch_size=0)
    with pytest.raises(ZeroError, match="not a device"):
        batch_evaluator("tpu", make_tasks(TaskSpec("linear", 4, 10, 10, 1), 1, 0), tiny().space.memory)


def test_a_batched_run_writes_a_run_directory_whose_champion_replays(tmp_path):
    from zero.champion.loader import load
    from zero.champion.replay import replay

    experiment = small(batch_size=50)
    out = tmp_path / "run"
    outcome = driver.run(experiment, out)
    assert outcome.individuals > 0 and (out / "final.json").exists()
    replays = replay(load(out))
    assert {r.label for r in replays} >= {"select", "final"}
    assert all(r.matches for r in replays)  # every recorded fitness reproduced exactly
    again = tmp_path / "again"
    driver.run(experiment, again)
    assert run_outcome(out) == run_outcome(again)
