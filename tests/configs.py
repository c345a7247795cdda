"""Small experiments for tests: a shipped experiment with some keys replaced (mappings merged)."""

from __future__ import annotations

from typing import Any

from zero.experiment import Experiment, load


def derived(base: str = "linear_regression", **overrides: Any) -> Experiment:
    """``base`` with ``overrides``: a mapping value updates that key's mapping, anything else
    replaces it; validated like a file. One island (in this process) unless ``islands`` says
    otherwise."""
    data = load(base).to_dict()
    data["islands"]["count"] = 1
    for key, value in overrides.items():
        data[key] = {**data[key], **value} if isinstance(value, dict) and isinstance(data.get(key), dict) else value
    return Experiment.from_dict(data, "test-experiment")
