"""Small experiments for tests: a shipped experiment with some keys replaced (mappings merged)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from zero.search.experiment import Experiment, load
from zero.store import RunDir


def derived(base: str = "linear_regression", **overrides: Any) -> Experiment:
    """``base`` with ``overrides``: a mapping value updates that key's mapping, anything else
    replaces it; validated like a file. One island (in this process) unless ``islands`` says
    otherwise."""
    data = load(base).to_dict()
    data["islands"]["count"] = 1
    for key, value in overrides.items():
        data[key] = {**data[key], **value} if isinstance(value, dict) and isinstance(data.get(key), dict) else value
    return Experiment.from_dict(data, "test-experiment")


# A search that finishes in about a second: the demo with P=100 on 4 small search tasks and 10
# select and final tasks.
SMALL = {
    "population": 100, "report_every": 1000, "restart_every": 0,
    "search": {"num_tasks": 4, "num_train": 40, "num_valid": 40},
    "select": {"num_tasks": 10, "num_train": 200, "num_valid": 50},
    "final": {"num_tasks": 10, "num_train": 200, "num_valid": 50},
}  # fmt: skip


def small(**overrides: Any) -> Experiment:
    """:data:`SMALL` with ``overrides`` (a mapping updates SMALL's mapping of that key), then
    :func:`derived`."""
    merged = {k: {**SMALL[k], **v} if isinstance(v, dict) and isinstance(SMALL.get(k), dict) else v for k, v in overrides.items()}
    return derived(**{**SMALL, **merged})


def run_outcome(path: str | Path) -> dict:
    """What must not depend on where or how often a run was stopped and resumed: its final.json
    without timing, and its candidates."""
    store = RunDir(path)
    final = store.read_final()
    timing = ("seconds", "individuals_per_second", "busy_seconds", "where")  # "where": a process id

    def untimed(record: dict) -> dict:
        return {k: v for k, v in record.items() if k not in timing}

    islands = [untimed(i) for i in final["islands"]]
    return {
        "final": untimed(final) | {"champion": untimed(final["champion"]), "islands": islands},
        "champions": [untimed(c) for c in store.read_champions()],
    }
