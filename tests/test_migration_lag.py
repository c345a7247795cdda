"""Lagged migration (``islands.migration_lag``): an island takes in its predecessor's migrants of
round r − L at its r-th migration count, so a call may run on past migration counts; the run does
not depend on how its islands' calls are grouped, and resumes and recovers exactly."""

from __future__ import annotations

import numpy as np
import pytest
from configs import small
from test_island import LosingIslands

from zero.errors import ConfigError
from zero.search.driver import STOP_INDIVIDUALS, LocalIslands, run
from zero.search.island import Island
from zero.store import RunDir


def islands(lag: int, count: int = 2, **overrides):
    return small(**{"report_every": 500, "stop": {"max_individuals": 4000 * count, "select_fitness": None},
                    "islands": {"count": count, "migrate_every": 1000, "migrants": 10, "migration_lag": lag},
                    **overrides})  # fmt: skip


def _outcome(path) -> dict:
    final = RunDir(path).read_final()
    return {k: final[k] for k in ("stopped", "individuals", "final_fitness", "select_fitness")} | {
        "islands": [i["individuals"] for i in final["islands"]],
        "program": final["champion"]["program"],
        "champions": sorted(
            (c["island"], c["island_individuals"], c["select_fitness"]) for c in RunDir(path).read_champions()
        ),
    }


class GreedyIslands(LocalIslands):
    """Each call runs as far as the migrants it was given allow (a Ray island with time to spare),
    and the islands come back last-submitted first: another schedule than LocalIslands'."""

    def wait(self):
        island, budget, immigrants = self._queue.pop()
        self.calls = getattr(self, "calls", 0) + 1
        return island, self.islands[island].advance(budget, immigrants, seconds=3600.0)


def test_the_round_due_is_the_lagged_round():
    assert [islands(0).immigrants_due(n) for n in (0, 500, 1000, 1500, 3000)] == [None, None, 1, None, 3]
    assert [islands(2).immigrants_due(n) for n in (1000, 2000, 3000, 4000)] == [None, None, 1, 2]
    one = islands(0, islands={"count": 1, "migrate_every": 1000})
    assert one.immigrants_due(1000) is None  # one island: no ring


def test_a_call_runs_on_past_the_rounds_it_was_given_and_changes_nothing_else():
    exp = islands(1)
    sender = Island(exp, 0)
    sent = {}
    while sender.individuals < 2000:
        sent |= sender.advance(2000).migrants
    assert list(sent) == [1, 2]
    stepwise, grouped = Island(exp, 1), Island(exp, 1)
    steps = []
    while stepwise.individuals < 4000:  # batch by batch, each taking in what is due
        steps.append(
            stepwise.advance(4000, {r: sent[r] for r in sent if r == exp.immigrants_due(stepwise.individuals)})
        )
    call = grouped.advance(4000, sent, seconds=3600.0)
    # rounds 1 and 2 are taken in at 2000 and 3000; at 4000 (the budget) the call ends anyway
    assert call.individuals == 4000 and call.immigrants == 20 and list(call.migrants) == [1, 2, 3, 4]
    assert call.candidates == [c for b in steps for c in b.candidates]
    for r in call.migrants:
        np.testing.assert_array_equal(call.migrants[r].code, next(b for b in steps if r in b.migrants).migrants[r].code)
    for name, array in stepwise.snapshot().items():
        np.testing.assert_array_equal(grouped.snapshot()[name], array, err_msg=name)
    short = Island(exp, 1).advance(4000, {1: sent[1]}, seconds=3600.0)
    assert short.individuals == 3000  # round 2, due at 3000, was not given: the call ends there


def test_a_lagged_run_does_not_depend_on_how_calls_are_grouped(tmp_path):
    exp = islands(1)
    stepwise = run(exp, tmp_path / "stepwise")
    pool = GreedyIslands(exp, 2)
    greedy = run(exp, tmp_path / "greedy", pool=pool)
    assert stepwise.stopped == greedy.stopped == STOP_INDIVIDUALS
    assert _outcome(tmp_path / "greedy") == _outcome(tmp_path / "stepwise")
    assert pool.calls < 8  # calls spanned migrations: 16 batches of 500 in fewer calls
    # each island takes in rounds 1..2 (at 2000 and 3000; 4000 is its budget)
    assert [i["immigrants"] for i in RunDir(tmp_path / "greedy").read_final()["islands"]] == [20, 20]
    run(islands(0), tmp_path / "same_round")
    assert _outcome(tmp_path / "same_round")["champions"] != _outcome(tmp_path / "stepwise")["champions"]


def test_lag_zero_calls_that_run_on_change_nothing(tmp_path):
    """With no lag a call can still run past a migration count when its predecessor is ahead."""
    exp = islands(0)
    run(exp, tmp_path / "stepwise")
    run(exp, tmp_path / "greedy", pool=GreedyIslands(exp, 2))
    assert _outcome(tmp_path / "greedy") == _outcome(tmp_path / "stepwise")


@pytest.mark.parametrize("lag, count", [(1, 2), (3, 3)])
def test_a_lagged_run_resumes_exactly(tmp_path, lag, count):
    exp = islands(lag, count, checkpoint_seconds=1e-9)
    run(exp, tmp_path / "whole")
    run(exp.with_overrides(**{"stop.max_individuals": 2500 * count}), tmp_path / "split")
    run(exp, tmp_path / "split", resume=True)
    assert _outcome(tmp_path / "split") == _outcome(tmp_path / "whole")


def test_a_lagged_run_recovers_a_lost_island_exactly(tmp_path):
    exp = islands(2, 3, checkpoint_seconds=1e-9)
    run(exp, tmp_path / "clean")
    pool = LosingIslands(exp, 3, victim=1, at=3500)
    run(exp, tmp_path / "lost", pool=pool)
    assert pool.lost == 1
    assert _outcome(tmp_path / "lost") == _outcome(tmp_path / "clean")


class GreedyLosing(LosingIslands, GreedyIslands):
    """GreedyIslands that loses an island once, as test_island's LosingIslands does."""


def test_a_replayed_call_that_runs_past_the_logged_count_logs_only_what_is_new(tmp_path):
    """Rebuilt from its first snapshot, the lost island replays in calls that span migrations and
    end beyond what was logged: its candidates up to there are not logged twice."""
    exp = islands(2, checkpoint_seconds=1e6)  # no checkpoint but the first: the replay starts at 0
    run(exp, tmp_path / "clean")
    pool = GreedyLosing(exp, 2, victim=1, at=4000)  # its first call, logged, ends at 3000
    run(exp, tmp_path / "lost", pool=pool)
    assert pool.lost == 1
    assert _outcome(tmp_path / "lost") == _outcome(tmp_path / "clean")


def test_a_bad_lag_names_the_key():
    with pytest.raises(ConfigError, match=r"islands\.migration_lag"):
        islands(-1)
