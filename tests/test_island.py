"""Islands without Ray (zero.search.island, zero.search.driver.LocalIslands): migration, determinism of a
multi-island run, the split budget, and recovery of a lost island from its snapshot."""

from __future__ import annotations

import json

import numpy as np
import pytest
from configs import small

from zero.errors import ConfigError
from zero.search import evolution_kernels as K
from zero.search.driver import STOP_INDIVIDUALS, IslandLost, LocalIslands, Run, run
from zero.search.evolution import Migrants
from zero.search.island import Island
from zero.store import RunDir


def islands(count=2, **overrides):
    return small(**{"report_every": 500, "stop": {"max_individuals": 8000, "select_fitness": None},
                    "islands": {"count": count, "migrate_every": 1000, "migrants": 10}, **overrides})


def _outcome(path) -> dict:
    final = RunDir(path).read_final()
    keys = ("stopped", "individuals", "final_fitness", "select_fitness", "search_fitness")
    return {k: final[k] for k in keys} | {
        "islands": [i["individuals"] for i in final["islands"]],
        "program": final["champion"]["program"],
        "found": (final["champion"]["island"], final["champion"]["island_individuals"]),
    }


def _champions(path) -> list[tuple]:
    return sorted((c["island"], c["island_individuals"], c["select_fitness"]) for c in RunDir(path).read_champions())


def _run_to(island: Island, n: int) -> None:
    while island.individuals < n:
        island.advance(n)


def test_batches_grouped_in_one_call_change_nothing_but_the_reports():
    """A call with time to spare runs batch after batch up to the next migration count; the island
    ends exactly as one called batch by batch, with the same candidates, and hands out the same
    migrants there (restarts and hurdles included)."""
    exp = islands(restart_every=1500, hurdles={"enabled": True, "num_tasks": 1, "percentile": 50.0})
    one, grouped = Island(exp, 1), Island(exp, 1)
    singles = [one.advance(budget) for budget in (4000, 4000, 1500)]  # 500, 1000 (a migration count), 1500 (a restart)
    assert [b.individuals for b in singles] == [500, 1000, 1500]
    call = grouped.advance(4000, seconds=3600.0)
    assert call.individuals == 1000 and list(call.migrants) == [1]  # stopped at the migration count: round 1 not given
    assert call.candidates == singles[0].candidates + singles[1].candidates
    np.testing.assert_array_equal(call.migrants[1].fitness, singles[1].migrants[1].fitness)
    later = grouped.advance(1500, seconds=3600.0)  # the budget ends the call at the restart
    assert later.individuals == 1500 and later.restarted and later.candidates == singles[2].candidates
    for name, array in one.snapshot().items():
        np.testing.assert_array_equal(grouped.snapshot()[name], array, err_msg=name)
    assert grouped.advance(4000, seconds=0.0).individuals == 2000  # no time: one batch, as before


def test_emigrants_are_the_fittest_and_join_the_receiver_as_its_youngest():
    exp = islands()
    a, b = Island(exp, 0), Island(exp, 1)
    _run_to(a, 1000)
    _run_to(b, 1000)
    sent = a.evolution.emigrants(10)
    fitness = a.evolution.state.fitness
    assert list(sent.fitness) == sorted(fitness, reverse=True)[:10]
    state = b.evolution.state
    slot = int(state.counters[K.NEXT_SLOT])
    before = state.fitness.copy()
    b.evolution.receive(sent)
    written = [(slot + k) % 100 for k in range(10)]
    assert np.array_equal(state.fitness[written], sent.fitness)
    assert np.array_equal(state.code[written], sent.code)
    assert int(state.counters[K.NEXT_SLOT]) == (slot + 10) % 100
    untouched = np.setdiff1d(np.arange(100), written)
    assert np.array_equal(state.fitness[untouched], before[untouched])
    assert b.individuals == 1000  # migrants are not counted as individuals


def test_replace_worst_overwrites_the_least_fit():
    exp = islands(islands={"count": 2, "migrate_every": 1000, "migrants": 5, "replace": "worst"})
    a, b = Island(exp, 0), Island(exp, 1)
    _run_to(a, 1000)
    _run_to(b, 1000)
    worst = np.argsort(b.evolution.state.fitness, kind="stable")[:5]
    sent = a.evolution.emigrants(5)
    b.evolution.receive(sent, "worst")
    assert np.array_equal(b.evolution.state.fitness[worst], sent.fitness)


def test_islands_have_their_own_streams_and_island_zero_is_the_single_population(tmp_path):
    one = run(islands(count=1), tmp_path / "one")
    two = run(islands(count=2, islands={"count": 2, "migrants": 0, "migrate_every": 1000}), tmp_path / "two")
    assert one.individuals == two.individuals == 8000
    # without migrants island 0 of two is the one-island run on half the budget
    half = run(islands(count=1, stop={"max_individuals": 4000, "select_fitness": None}), tmp_path / "half")
    assert [c for c in _champions(tmp_path / "two") if c[0] == 0] == _champions(tmp_path / "half")
    assert [c for c in _champions(tmp_path / "two") if c[0] == 1] != [(1,) + c[1:] for c in _champions(tmp_path / "half")]
    assert half.final_fitness is not None


def test_migration_changes_the_search_and_is_deterministic(tmp_path):
    a = run(islands(), tmp_path / "a")
    run(islands(), tmp_path / "b")
    run(islands(islands={"count": 2, "migrants": 0, "migrate_every": 1000}), tmp_path / "isolated")
    assert a.stopped == STOP_INDIVIDUALS
    assert _outcome(tmp_path / "a") == _outcome(tmp_path / "b")
    assert _champions(tmp_path / "a") != _champions(tmp_path / "isolated")
    received = [r["immigrants"] for r in RunDir(tmp_path / "a").read_progress()]
    assert sum(received) == 2 * 10 * (4000 // 1000 - 1)  # rounds 1..3 of each island (4000 is its end)
    final = RunDir(tmp_path / "a").read_final()
    assert [i["immigrants"] for i in final["islands"]] == [30, 30]


def test_the_budget_is_split_between_islands(tmp_path):
    r = Run(islands(count=3, stop={"max_individuals": 8000, "select_fitness": None}), tmp_path / "r")
    assert r.budgets() == [2667, 2667, 2666]
    r.finish(r.search())
    final = RunDir(tmp_path / "r").read_final()
    assert [i["individuals"] for i in final["islands"]] == [2667, 2667, 2666]
    busy = [i["busy_seconds"] for i in final["islands"]]  # in one process the islands take turns
    assert all(b > 0 for b in busy) and sum(busy) <= final["seconds"]


def test_solved_stops_every_island_at_the_solving_count(tmp_path):
    """The search up to the solving count does not depend on the threshold, so a run without one
    tells where a run with one must stop: at the first count (of any island) with a candidate above
    it, every island there; candidates found later by an island that ran ahead do not count."""
    run(islands(initial="noop"), tmp_path / "free")
    candidates = _champions(tmp_path / "free")
    threshold = max(c[2] for c in candidates if c[1] <= 2000)
    solving = [c for c in candidates if c[2] > threshold]
    assert solving, "the free run should improve after 2000 individuals"
    solved_at = min(c[1] for c in solving)
    outcome = run(islands(initial="noop", stop={"max_individuals": 8000, "select_fitness": threshold}), tmp_path / "s")
    assert outcome.stopped == "solved"
    final = RunDir(tmp_path / "s").read_final()
    assert [i["individuals"] for i in final["islands"]] == [solved_at, solved_at]
    assert final["champion"]["island_individuals"] == solved_at and final["select_fitness"] > threshold
    assert _champions(tmp_path / "s") == [c for c in candidates if c[1] <= solved_at]


class LosingIslands(LocalIslands):
    """Loses island ``victim`` (its state is dropped) when it returns the batch ending at ``at``."""

    def __init__(self, experiment, count, victim, at):
        super().__init__(experiment, count)
        self.victim, self.at, self.lost = victim, at, 0

    def wait(self):
        island, batch = super().wait()
        if island == self.victim and batch.individuals == self.at and not self.lost:
            self.lost += 1
            self.islands[island] = None  # gone, like a killed process
            return island, IslandLost("killed for the test")
        return island, batch


def test_a_lost_island_is_rebuilt_from_its_snapshot_and_the_run_does_not_change(tmp_path):
    exp = islands(checkpoint_seconds=1e-9)  # a checkpoint (all snapshots) after every batch
    run(exp, tmp_path / "clean")
    pool = LosingIslands(exp, 2, victim=1, at=2500)
    outcome = run(exp, tmp_path / "lost", pool=pool)
    assert pool.lost == 1 and outcome.stopped == STOP_INDIVIDUALS
    assert _outcome(tmp_path / "lost") == _outcome(tmp_path / "clean")
    assert _champions(tmp_path / "lost") == _champions(tmp_path / "clean")  # nothing logged twice or lost
    final = RunDir(tmp_path / "lost").read_final()
    assert final["workers_lost"] == 1 and [i["lost"] for i in final["islands"]] == [0, 1]


def test_an_island_lost_with_no_snapshot_restarts_from_scratch_with_the_same_result(tmp_path):
    exp = islands(checkpoint_seconds=1e6)  # no checkpoint but the first: the island replays from 0
    run(exp, tmp_path / "clean")
    run(exp, tmp_path / "lost", pool=LosingIslands(exp, 2, victim=0, at=3000))
    assert _outcome(tmp_path / "lost") == _outcome(tmp_path / "clean")


def test_a_resumed_multi_island_run_equals_an_uninterrupted_one(tmp_path):
    exp = islands(checkpoint_seconds=1e-9)
    run(exp, tmp_path / "whole")
    run(exp.with_overrides(**{"stop.max_individuals": 5000}), tmp_path / "split")
    run(exp, tmp_path / "split", resume=True)
    assert _outcome(tmp_path / "split") == _outcome(tmp_path / "whole")
    assert _champions(tmp_path / "split") == _champions(tmp_path / "whole")


def test_islands_config_errors_name_the_key():
    with pytest.raises(ConfigError, match=r"islands\.migrate_every.*multiple of report_every"):
        islands(islands={"migrate_every": 750})
    with pytest.raises(ConfigError, match=r"islands\.count"):
        islands(islands={"count": 0})
    with pytest.raises(ConfigError, match=r"islands\.replace"):
        islands(islands={"replace": "random"})


def test_receive_while_refilling_takes_free_slots():
    exp = islands()
    island = Island(exp, 0)
    island.advance(40)  # 40 of 100 initial individuals
    sent = Migrants(*(a[:5].copy() for a in (island.evolution.state.code, island.evolution.state.data,
                                              island.evolution.state.bounds, island.evolution.state.fitness)))  # fmt: skip
    island.evolution.receive(sent)
    assert int(island.evolution.state.counters[K.FILLED]) == 45


def test_a_resumed_run_keeps_its_islands(tmp_path, capsys):
    from zero.cli import main

    exp_file = tmp_path / "exp.yaml"
    exp_file.write_text(json.dumps(islands(count=1).to_dict()))
    out = str(tmp_path / "run")
    assert main(["run", str(exp_file), "--out", out, "--max-individuals", "1000", "--quiet"]) == 0
    capsys.readouterr()
    assert main(["run", "--resume", "--out", out, "--workers", "2"]) == 2
    err = capsys.readouterr().err
    assert "--workers 2" in err and "has 1 island;" in err


def give_the_writer_turns(monkeypatch) -> None:
    """The islands' compiled loop holds the GIL, so in one process the writer thread rarely runs
    while they evolve: a short sleep before each batch gives it turns (and the loop its commits)."""
    import time

    wait = LocalIslands.wait

    def unhurried(self):
        time.sleep(0.002)
        return wait(self)

    monkeypatch.setattr(LocalIslands, "wait", unhurried)


def test_snapshot_parts_are_written_off_the_loop_thread_and_resume_exactly(tmp_path, monkeypatch):
    """Island parts and the loop's commits (migrants and manifest) go through the writer thread;
    only the first and the final checkpoint commit on the loop's thread. A commit comes after the
    round's parts, so what is committed resumes the run exactly."""
    import threading

    writers = []
    write_part = RunDir.write_part

    def recording(self, name, arrays):
        writers.append((name.startswith("island"), threading.current_thread() is threading.main_thread()))
        return write_part(self, name, arrays)

    monkeypatch.setattr(RunDir, "write_part", recording)
    give_the_writer_turns(monkeypatch)
    exp = islands(checkpoint_seconds=1e-9)  # a checkpoint after every batch
    run(exp.with_overrides(**{"stop.max_individuals": 5000}), tmp_path / "split")
    run(exp, tmp_path / "split", resume=True)
    # island parts off the main thread; the migrants part on it (first and final checkpoints) and off it (the loop's)
    assert {(True, False), (False, True), (False, False)} == set(writers)
    assert not any(t.name.startswith("zero-checkpoint") for t in threading.enumerate())  # none left behind
    run(exp, tmp_path / "whole")
    assert _outcome(tmp_path / "split") == _outcome(tmp_path / "whole")
    assert _champions(tmp_path / "split") == _champions(tmp_path / "whole")


def test_a_part_that_cannot_be_written_stops_the_run_with_the_store_error(tmp_path, monkeypatch):
    from zero.errors import StoreError

    write_part = RunDir.write_part

    def failing(self, name, arrays):
        if name == "island1":
            raise StoreError(self.path / "checkpoint", "cannot write (No space left on device)")
        return write_part(self, name, arrays)

    monkeypatch.setattr(RunDir, "write_part", failing)
    exp = islands(checkpoint_seconds=1e-9)
    with pytest.raises(StoreError, match="No space left on device"):
        run(exp, tmp_path / "r")
    manifest = RunDir(tmp_path / "r").checkpoint_manifest()
    assert manifest is not None  # the last commit before the failure is still the run's checkpoint


def test_a_commit_that_fails_on_the_writer_thread_stops_the_run_with_the_store_error(tmp_path, monkeypatch):
    """A loop's commit runs on the writer thread; its failure is raised in the loop, and the last
    commit before it is still the run's checkpoint."""
    import threading

    from zero.errors import StoreError

    write_part, failed = RunDir.write_part, []

    def failing(self, name, arrays):
        if name == "migrants" and threading.current_thread() is not threading.main_thread():
            failed.append(name)
            raise StoreError(self.path / "checkpoint", "cannot write (No space left on device)")
        return write_part(self, name, arrays)

    monkeypatch.setattr(RunDir, "write_part", failing)
    give_the_writer_turns(monkeypatch)
    with pytest.raises(StoreError, match="No space left on device"):
        run(islands(checkpoint_seconds=1e-9), tmp_path / "r")
    assert failed == ["migrants"]  # raised at the first failure, in the loop
    assert RunDir(tmp_path / "r").checkpoint_manifest() is not None


def test_progress_totals_are_the_figures_over_every_island_reported():
    """The running totals of the progress record equal the figures taken afresh over each island's
    latest batch, whatever order the batches come back in."""
    from zero.search.driver import _Totals
    from zero.search.island import Batch

    rng = np.random.default_rng(0)
    count = 7
    totals, latest = _Totals(count), {}
    for _ in range(300):
        island = int(rng.integers(count))
        figures = {"best_fitness": float(rng.random()), "fec_hit_rate": float(rng.random()),
                   "mean_fitness": None if rng.random() < 0.2 else float(rng.random()),
                   "evaluations": int(rng.integers(1000)), "hurdle_stops": int(rng.integers(100))}  # fmt: skip
        batch = Batch(island=island, individuals=0, seconds=1.0, restarted=False, immigrants=0, **figures)
        rate = float(rng.random() * 1e5)
        totals.update(island, rate, batch)
        latest[island] = (rate, figures)
        got = totals.figures()
        means = [f["mean_fitness"] for _, f in latest.values() if f["mean_fitness"] is not None]
        assert got["individuals_per_second"] == pytest.approx(sum(r for r, _ in latest.values()), rel=1e-12)
        assert got["best_fitness"] == max(f["best_fitness"] for _, f in latest.values())
        assert got["mean_fitness"] == (pytest.approx(np.mean(means), rel=1e-9) if means else None)
        assert got["fec_hit_rate"] == pytest.approx(np.mean([f["fec_hit_rate"] for _, f in latest.values()]), rel=1e-9)
        assert got["evaluations"] == sum(f["evaluations"] for _, f in latest.values())
        assert got["hurdle_stops"] == sum(f["hurdle_stops"] for _, f in latest.values())


def test_snapshots_waiting_for_the_writer_are_bounded(tmp_path, monkeypatch):
    """A disk slower than the snapshots arrive makes the loop wait, not the driver's memory grow:
    at most MAX_PENDING_PARTS snapshots are held for the writer thread; the run is unchanged."""
    import time

    from zero.search import driver

    write_part, submit = RunDir.write_part, Run._write_part
    held = []

    def slow(self, name, arrays):
        time.sleep(0.02)
        return write_part(self, name, arrays)

    def counting(self, island, snapshot):
        future = submit(self, island, snapshot)
        held.append(sum(not f.done() for f in self._pending_writes))
        return future

    exp = islands(count=4, checkpoint_seconds=1e-9)
    run(exp, tmp_path / "fast")
    monkeypatch.setattr(driver, "MAX_PENDING_PARTS", 2)
    monkeypatch.setattr(RunDir, "write_part", slow)
    monkeypatch.setattr(Run, "_write_part", counting)
    run(exp, tmp_path / "slow")
    assert max(held) == 2  # the bound was reached, and held
    assert _outcome(tmp_path / "slow") == _outcome(tmp_path / "fast")


def test_a_slow_disk_stretches_the_round_not_the_search(tmp_path, monkeypatch):
    """While MAX_PENDING_PARTS parts wait for the writer, an island that comes back in the search
    loop is sent on and gives its snapshot at a later return: the loop never waits on the disk (only
    the final checkpoint may), and the run and its resume are unchanged."""
    import time

    from zero.search import driver

    write_part, write, snapshot = RunDir.write_part, Run._write_part, Run._snapshot
    waits, deferred, stopping = [], [], []

    def slow(self, name, arrays):
        time.sleep(0.005)
        return write_part(self, name, arrays)

    def watched_write(self, island, snap):
        waits.append((bool(stopping), self._writer_full()))  # full on entry: _write_part would wait
        return write(self, island, snap)

    def watched_snapshot(self, island, defer=False):
        owed = self.views[island].wants_snapshot
        snapshot(self, island, defer)
        deferred.append(owed and self.views[island].wants_snapshot)

    def final_checkpoint(self):
        stopping.append(True)
        return checkpoint(self)

    exp = islands(count=4, checkpoint_seconds=1e-9)  # a round after every batch
    exp = exp.with_overrides(**{"stop.max_individuals": 24000})
    run(exp, tmp_path / "fast")
    checkpoint = Run.checkpoint
    monkeypatch.setattr(driver, "MAX_PENDING_PARTS", 1)
    monkeypatch.setattr(RunDir, "write_part", slow)
    monkeypatch.setattr(Run, "_write_part", watched_write)
    monkeypatch.setattr(Run, "_snapshot", watched_snapshot)
    monkeypatch.setattr(Run, "checkpoint", final_checkpoint)
    run(exp.with_overrides(**{"stop.max_individuals": 16000}), tmp_path / "slow")
    loop_waits = [full for final, full in waits if not final]
    assert loop_waits and not any(loop_waits)  # parts were written in the loop, never by waiting
    assert any(deferred)  # and some islands were sent on owing their snapshot
    run(exp, tmp_path / "slow", resume=True)
    assert _outcome(tmp_path / "slow") == _outcome(tmp_path / "fast")
    assert _champions(tmp_path / "slow") == _champions(tmp_path / "fast")


def test_a_snapshot_deferred_from_an_island_at_its_limit_is_taken_when_the_writer_has_room(tmp_path, monkeypatch):
    """An island at its limit is never submitted again, so a snapshot deferred from it is owed
    until the writer has room (else the round could not commit before the run ends)."""
    r = Run(islands(count=3), tmp_path / "r")
    r.pool.start(r._snapshot_of, "")
    limit = r._limit(0)
    r._set_individuals(0, limit)
    full = [True]
    monkeypatch.setattr(Run, "_writer_full", lambda self: full[0])
    r._want_snapshots(defer=True)  # every island idle and owing one, the writer full
    assert r._owed == [0] and all(v.wants_snapshot for v in r.views)  # islands 1, 2 give it when back
    r.views[1].busy = True
    r._owed.append(1)  # one resubmitted meanwhile (a lost island rebuilt) is not asked while busy
    full[0] = False
    r._snapshots_owed()
    assert r._owed == [] and not r.views[0].wants_snapshot and r.views[1].wants_snapshot
    assert r._part(0) is not None and r._wanting == 2
    r.views[1].busy = False
    r.checkpoint()  # the final checkpoint waits for the rest
    assert not any(v.wants_snapshot for v in r.views)
