"""Search tasks renewed during a run (``renew_search_tasks: N``): every N individuals an island
draws a fresh set of search tasks (same spec and seed, the next draw), re-scores its population on
them and empties its FEC. Runs stay reproducible and resumable, and candidates record the draw they
were scored on, so a replay reproduces their search fitness."""

from __future__ import annotations

import numpy as np
import pytest
from configs import run_outcome, small

from zero.champion.loader import load
from zero.champion.replay import replay
from zero.errors import ConfigError
from zero.lang.encoding import decode
from zero.lang.program import Program
from zero.search import evolution_kernels as K
from zero.search import fec
from zero.search.driver import LocalIslands, run
from zero.search.experiment import Experiment
from zero.search.island import Island
from zero.store import RunDir
from zero.tasks import TaskSpec, make_mixed_tasks, make_tasks

SPEC = TaskSpec("linear", 4, 20, 10)


def renewing(renew=2000, **overrides):
    return small(**{"renew_search_tasks": renew, "stop": {"max_individuals": 7000, "select_fitness": None}, **overrides})


def test_a_draw_is_an_independent_set_of_the_same_tasks():
    base = make_tasks(SPEC, 3, seed=7)
    assert np.array_equal(make_tasks(SPEC, 3, seed=7, draw=0).x_train, base.x_train)  # draw 0: what there always was
    one, two = make_tasks(SPEC, 3, seed=7, draw=1), make_tasks(SPEC, 3, seed=7, draw=2)
    for other in (one, two, make_tasks(SPEC, 3, seed=8)):
        assert not np.array_equal(other.x_train, base.x_train)
    assert not np.array_equal(one.x_train, two.x_train) and not np.array_equal(one.x_train, make_tasks(SPEC, 3, seed=8).x_train)
    assert np.array_equal(make_tasks(SPEC, 3, seed=7, draw=1).x_train, one.x_train)  # a pure function of the draw
    mixed = make_mixed_tasks(SPEC, [2, 4], 4, seed=7, draw=1)
    assert np.array_equal(mixed.groups[1].x_train, make_tasks(TaskSpec("linear", 4, 20, 10), 4, seed=7, draw=1).x_train[2:])


def test_the_key_is_checked():
    assert small().config["renew_search_tasks"] == 0
    for value, problem in ((1500, "multiple of report_every"), (-1000, ">= 0")):
        with pytest.raises(ConfigError, match=problem) as e:
            small(renew_search_tasks=value)
        assert e.value.key == "renew_search_tasks" and e.value.value == value
    with pytest.raises(ConfigError, match="sequential cpu loop") as e:
        small(renew_search_tasks=2000, batch_size=50)
    assert e.value.key == "renew_search_tasks"
    assert renewing().search_draw(1999) == 0 and renewing().search_draw(2000) == 1 and small().search_draw(10**9) == 0


def test_renewal_rescores_the_population_and_empties_the_fec():
    exp = renewing()
    island = Island(exp, 0)
    island.advance(1000)
    evo = island.evolution
    assert fec.entries(evo.cache)["keys"].size > 0
    island.advance(2000)  # the batch ending at 2000 renews (draw 1)
    assert island.draw == 1 and fec.entries(evo.cache)["keys"].size == 0
    assert evo.cache.meta[fec.LOOKUPS] > 0 and evo.fec_hit_rate > 0  # the run's counts go on
    fresh = exp.tasks("search", draw=1)
    filled = int(evo.state.counters[K.FILLED])
    scores = np.array([exp.evaluate(evo.program(slot), fresh).fitness for slot in range(filled)])
    assert np.array_equal(evo.state.fitness[:filled], scores)
    assert evo.best_fitness == scores.max()
    assert exp.evaluate(evo.best_program(), fresh).fitness == scores.max()
    island.advance(3000)  # and evolution goes on, on the new tasks
    assert evo.individuals == 3000 and island.draw == 1


def test_a_renewing_run_is_reproducible_and_its_champion_replays(tmp_path):
    exp = renewing()
    run(exp, tmp_path / "a")
    run(exp, tmp_path / "b")
    a, b = RunDir(tmp_path / "a"), RunDir(tmp_path / "b")
    assert a.read_final()["champion"]["program"] == b.read_final()["champion"]["program"]
    records = a.read_champions()
    assert {r["search_draw"] for r in records} >= {0, 1}  # candidates were found on several draws
    for r in records:  # each search fitness is on its own draw
        tasks = exp.tasks("search", draw=r["search_draw"])
        assert exp.evaluate(Program.from_dict(r["program"]), tasks).fitness == r["search_fitness"]
    rows = replay(load(tmp_path / "a"))
    assert [r.label.split()[0] for r in rows] == ["search", "select", "final"] and all(r.matches for r in rows)
    # a run that does not renew records no draw
    run(small(stop={"max_individuals": 3000}), tmp_path / "plain")
    assert all("search_draw" not in r for r in RunDir(tmp_path / "plain").read_champions())


@pytest.mark.parametrize("half", [4000, 4500])  # stopped on a renewal, and between two
def test_a_resumed_renewing_run_equals_an_uninterrupted_one(tmp_path, half):
    exp = renewing(stop={"max_individuals": 9000, "select_fitness": None})
    run(exp, tmp_path / "whole")
    run(exp.with_overrides(**{"stop.max_individuals": half}), tmp_path / "split")
    resumed = Experiment.of_run(tmp_path / "split").with_overrides(**{"stop.max_individuals": 9000})
    run(resumed, tmp_path / "split", resume=True)
    assert run_outcome(tmp_path / "split") == run_outcome(tmp_path / "whole")


def test_islands_renew_alike_and_migrants_carry_fresh_fitness(tmp_path):
    exp = renewing(islands={"count": 2, "migrate_every": 2000, "migrants": 10},
                   stop={"max_individuals": 10000, "select_fitness": None})
    run(exp, tmp_path / "a", pool=LocalIslands(exp, 2))
    run(exp, tmp_path / "b", pool=LocalIslands(exp, 2))
    a, b = RunDir(tmp_path / "a").read_final(), RunDir(tmp_path / "b").read_final()
    assert a["champion"]["program"] == b["champion"]["program"]
    island = Island(exp, 1)
    batch = island.advance(2000, seconds=1e9)  # to 2000, where it renews, then emigrates
    fresh = exp.tasks("search", draw=1)
    assert list(batch.migrants) == [1] and len(batch.migrants[1].fitness) == 10
    for code, data, bounds, fitness in zip(*batch.migrants[1]):
        assert exp.evaluate(decode(code, data, bounds, exp.space.memory), fresh).fitness == fitness
