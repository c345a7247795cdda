"""Constant tuning (``tune_constants``): every N individuals an island hill-climbs the constants of
its fittest program and adopts the result if it scores higher on the search tasks. Runs stay
reproducible and resumable, and what is adopted carries its true search fitness."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from configs import run_outcome, small

from zero.errors import ConfigError
from zero.lang import handwritten
from zero.lang.program import Instruction, Program
from zero.search.driver import run
from zero.search.experiment import Experiment
from zero.search.island import Island
from zero.search.tuning import climb, constant_fields, scaled
from zero.store import RunDir


def tuning(every=1000, **overrides):
    """The demo, warm-started from linear regression at a poor learning rate, so that tuning has
    something to find."""
    return small(**{"initial": "linear", "search_space": "baseline", "tune_constants": {"every": every},
                    "stop": {"max_individuals": 4000, "select_fitness": None}, **overrides})  # fmt: skip


def test_the_keys_are_checked():
    assert small().config["tune_constants"] == {"every": 0, "trials": 20, "scale": 0.2}
    for key, value, problem in (("every", 1500, "multiple of report_every"), ("every", -1000, ">= 0"),
                                ("trials", 0, ">= 1"), ("scale", 0.0, "> 0"), ("scale", float("inf"), "> 0")):  # fmt: skip
        with pytest.raises(ConfigError, match=problem) as e:
            small(tune_constants={key: value})
        assert e.value.key == f"tune_constants.{key}" and e.value.value == value
    with pytest.raises(ConfigError) as e:
        small(tune_constants={"trails": 5})
    assert e.value.key == "tune_constants.trails"


def test_constants_are_the_set_ops_data_values_but_indices_and_zeros():
    net = handwritten.neural_net()
    fields = constant_fields(net)
    # m0 = gaussian(0.0, 0.3), v1 = gaussian(0.0, 0.3), s2 = 0.01: the means are 0, so not tunable
    assert fields == [(0, 0, 1), (0, 1, 1), (0, 2, 0)]
    lr = handwritten.linear_regression(0.5)
    program = dataclasses.replace(lr, setup=lr.setup + (Instruction.make("vector_const_set", out=1, data=[0.25, 3.0]),))
    assert [program.setup[i].data[k] for _, i, k in constant_fields(program)] == [0.5, 3.0]  # not the index 0.25
    assert constant_fields(handwritten.linear_regression(0.0)) == []
    doubled = scaled(net, (0, 2, 0), 2.0)
    assert doubled.setup[2].data[0] == 0.02 and net.setup[2].data[0] == 0.01  # a new program; the old one untouched
    assert doubled.predict == net.predict and doubled.learn == net.learn


def test_the_climb_keeps_only_improvements():
    start = handwritten.linear_regression(0.01)
    target = 0.3

    def score(p):  # the closer the learning rate to 0.3, the better
        return -abs(np.log(p.setup[0].data[0] / target))

    program, fitness, start_fitness = climb(start, score, np.random.default_rng(0), trials=200, scale=0.3)
    assert start_fitness == score(start) and fitness == score(program)
    assert abs(program.setup[0].data[0] - target) < 0.05 * target and program.predict == start.predict
    calls = []
    best, fitness, start_fitness = climb(start, lambda p: calls.append(p) or -1.0, np.random.default_rng(0), 10, 0.3)
    assert best == start and fitness == start_fitness == -1.0 and len(calls) == 11  # nothing better: the start
    plain = handwritten.linear_regression(0.0)
    no_constants = climb(plain, lambda p: 0.5, np.random.default_rng(0), 10, 0.3)
    assert no_constants == (plain, 0.5, 0.5)


def test_an_island_adopts_a_better_tuning_with_its_true_fitness():
    exp = tuning()
    island = Island(exp, 0)
    batch = island.advance(1000)
    evo = island.evolution
    assert batch.tuned == 1  # the start's learning rate (0.1) is not the best there is
    best = evo.best_program()
    assert exp.evaluate(best, evo.tasks).fitness == evo.best_fitness
    assert evo.best_fitness in evo.population_fitness()
    assert batch.candidates and batch.candidates[0]["search_fitness"] == evo.best_fitness  # offered at once
    untuned = Island(tuning(every=0), 0)
    untuned.advance(1000)
    assert evo.best_fitness > untuned.evolution.best_fitness  # the same island, the same draws, without it


def test_tuning_on_and_off_give_valid_reproducible_runs(tmp_path):
    for every in (0, 1000):
        exp = tuning(every)
        run(exp, tmp_path / f"a{every}")
        run(exp, tmp_path / f"b{every}")
        a, b = RunDir(tmp_path / f"a{every}"), RunDir(tmp_path / f"b{every}")
        champion, again = a.read_final()["champion"], b.read_final()["champion"]
        assert champion["program"] == again["program"] and champion["select_fitness"] == again["select_fitness"]
        tuned = sum(r["tuned"] for r in a.read_progress())
        assert (tuned > 0) == bool(every)
        select = exp.evaluate(Program.from_dict(champion["program"]), exp.tasks("select")).fitness
        assert select == champion["select_fitness"]


def test_a_resumed_tuning_run_equals_an_uninterrupted_one(tmp_path):
    exp = tuning(stop={"max_individuals": 6000, "select_fitness": None})
    run(exp, tmp_path / "whole")
    run(exp.with_overrides(**{"stop.max_individuals": 3000}), tmp_path / "split")
    resumed = Experiment.of_run(tmp_path / "split").with_overrides(**{"stop.max_individuals": 6000})
    run(resumed, tmp_path / "split", resume=True)
    assert run_outcome(tmp_path / "split") == run_outcome(tmp_path / "whole")
