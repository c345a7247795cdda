"""The champion rule (zero.search.candidates): one rule for the driver and for the champion loader."""

from __future__ import annotations

import json

from configs import small

from zero.champion import loader
from zero.lang.handwritten import linear_regression
from zero.search.candidates import Candidate, choose_champion, solving_count
from zero.search.driver import run
from zero.store import RunDir


def candidate(island: int, count: int, select: float) -> Candidate:
    return Candidate(linear_regression(), select, select, 0, 0.0, select, island, count)


def test_highest_select_then_smaller_count_then_lower_island():
    a, b, c = candidate(1, 3000, 0.9), candidate(0, 2000, 0.9), candidate(1, 2000, 0.9)
    assert choose_champion([a, b, c], None) is b
    assert choose_champion([c, a, b], None) is b  # order of logging does not matter
    best = candidate(1, 5000, 0.95)
    assert choose_champion([a, best, b], None) is best
    assert choose_champion([], None) is None


def test_nothing_found_after_the_solving_count_counts():
    early, solving, late = candidate(1, 1000, 0.5), candidate(0, 1500, 0.95), candidate(1, 3000, 0.99)
    also = candidate(0, 2000, 0.96)  # solves too, but later than `solving`
    found = [early, late, also, solving]
    assert solving_count(found, 0.92) == 1500
    assert solving_count(found, None) is None and solving_count(found, 0.999) is None
    assert choose_champion(found, 1500) is solving
    assert choose_champion(found, None) is late


def test_a_run_without_final_json_loads_the_champion_the_driver_chose(tmp_path):
    """Two islands, stopped when solved; final.json is then lost (a driver killed before writing
    it): the loader names the same champion from champions.jsonl alone."""
    exp = small(**{"report_every": 500, "initial": "noop", "stop": {"max_individuals": 8000, "select_fitness": None},
                   "islands": {"count": 2, "migrate_every": 1000, "migrants": 10}})  # fmt: skip
    run(exp, tmp_path / "free")
    records = RunDir(tmp_path / "free").read_champions()
    threshold = max(r["select_fitness"] for r in records if r["island_individuals"] <= 2000)
    run(exp.with_overrides(**{"stop.select_fitness": threshold}), tmp_path / "solved")
    final = json.loads((tmp_path / "solved" / "final.json").read_text())
    assert final["stopped"] == "solved"
    (tmp_path / "solved" / "final.json").unlink()
    found = loader.load(tmp_path / "solved")
    assert found.program.to_dict() == final["champion"]["program"]
    assert (found.record["island"], found.record["island_individuals"]) == (
        final["champion"]["island"], final["champion"]["island_individuals"])  # fmt: skip
    assert found.recorded["select"] == final["select_fitness"]
