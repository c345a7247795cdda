"""A champion and where it came from: loaded from a run directory or a champion/program JSON file.

``zero inspect``, ``zero replay`` and ``zero export`` accept either

- a run directory (``config.yaml`` + ``final.json``, or ``champions.jsonl`` when the run never got
  to write ``final.json``): the champion, its recorded fitness and the experiment that made it; or
- a JSON file: a run's ``final.json`` (``{"champion": {...}}``, tasks unknown unless it sits in a run
  directory), one line of ``champions.jsonl`` saved alone, or a bare program (``zero.program``).

Every problem is a :class:`~zero.errors.ZeroError` naming the file.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from zero.errors import ProgramError, ZeroError
from zero.experiment import Experiment
from zero.program import Program
from zero.store import RunDir

PHASES = ("search", "select", "final")


@dataclass(frozen=True)
class Champion:
    program: Program
    source: str  # the directory or file it was read from
    experiment: Experiment | None = None  # None for a bare file: no tasks are known
    recorded: dict[str, float] = field(default_factory=dict)  # phase -> fitness as recorded
    record: dict[str, Any] = field(default_factory=dict)  # the champion's record (when, how good)
    run: dict[str, Any] = field(default_factory=dict)  # final.json's run figures, if any
    run_dir: Path | None = None


def load(path: str | Path) -> Champion:
    """The champion at ``path`` (see the module docstring)."""
    path = Path(path)
    if path.is_dir():
        return _from_run_dir(path)
    if not path.is_file():
        raise ZeroError(f"{path}: no such run directory or champion file")
    try:
        data = json.loads(path.read_text())
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
        raise ZeroError(f"{path}: not a champion or program JSON file ({e})") from None
    if not isinstance(data, dict):
        raise ZeroError(f"{path}: not a champion or program JSON file (expected an object)")
    experiment = _experiment(path.parent) if (path.parent / RunDir.CONFIG).is_file() else None
    return _from_json(data, str(path), experiment, path.parent if experiment else None)


def _experiment(run_dir: Path) -> Experiment:
    store = RunDir(run_dir)
    return Experiment.from_dict(store.read_config(), str(run_dir / RunDir.CONFIG), name=run_dir.name)


def _from_run_dir(run_dir: Path) -> Champion:
    store = RunDir(run_dir)
    if not store.exists():
        raise ZeroError(f"{run_dir}: not a run directory (no {RunDir.CONFIG})")
    experiment = _experiment(run_dir)
    final = store.read_final()
    if final is not None:
        if final.get("champion") is None:
            raise ZeroError(f"{run_dir / RunDir.FINAL}: the run has no champion yet")
        return _from_json(final, str(run_dir / RunDir.FINAL), experiment, run_dir)
    candidates = store.read_champions()
    if not candidates:
        raise ZeroError(f"{run_dir}: the run has no final.json and no champions yet")
    best = max(candidates, key=lambda c: c["select_fitness"])  # the runner's rule: first best kept
    best = next(c for c in candidates if c["select_fitness"] == best["select_fitness"])
    return _from_json(best, str(run_dir / RunDir.CHAMPIONS), experiment, run_dir)


def _from_json(data: dict, source: str, experiment: Experiment | None, run_dir: Path | None) -> Champion:
    try:
        if data.get("format") == "zero.program":  # a bare program
            return Champion(Program.from_dict(data, source), source, experiment, run_dir=run_dir)
        run = {}
        if "champion" in data:  # final.json
            run = {k: v for k, v in data.items() if k != "champion"}
            record = data["champion"]
            if not isinstance(record, dict):
                raise ZeroError(f"{source}: 'champion' is {record!r}, not a champion record")
        else:
            record = data
        if "program" not in record:
            raise ZeroError(f"{source}: neither a program (format zero.program) nor a champion record (no 'program')")
        program = Program.from_dict(record["program"], source)
    except ProgramError as e:
        raise ZeroError(str(e)) from None
    recorded = {phase: float(run.get(f"{phase}_fitness", record.get(f"{phase}_fitness")))
                for phase in PHASES if run.get(f"{phase}_fitness", record.get(f"{phase}_fitness")) is not None}  # fmt: skip
    info = {k: v for k, v in record.items() if k != "program"}
    return Champion(program, source, experiment, recorded, info, run, run_dir)
