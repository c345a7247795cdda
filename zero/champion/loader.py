"""A champion and where it came from: loaded from a run directory or a champion/program JSON file.

``zero inspect``, ``zero replay`` and ``zero export`` accept either

- a run directory (``config.yaml`` + ``final.json``, or ``champions.jsonl`` when the run never got
  to write ``final.json``): the champion, its recorded fitness and the experiment that made it; or
- a JSON file: a run's ``final.json`` (``{"champion": {...}}``, tasks unknown unless it sits in a run
  directory), one line of ``champions.jsonl`` saved alone, or a bare program (format ``zero.program``).

Every problem is a :class:`~zero.errors.ZeroError` naming the file.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from zero.errors import ProgramError, ZeroError
from zero.lang.program import Program
from zero.search.candidates import choose_champion, read_candidates, solving_count
from zero.search.experiment import Experiment
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
    experiment = Experiment.of_run(path.parent) if (path.parent / RunDir.CONFIG).is_file() else None
    return _from_json(data, str(path), experiment, path.parent if experiment else None)


def _from_run_dir(run_dir: Path) -> Champion:
    store = RunDir(run_dir)
    if not store.exists():
        raise ZeroError(f"{run_dir}: not a run directory (no {RunDir.CONFIG})")
    experiment = Experiment.of_run(run_dir)
    final = store.read_final()
    if final is not None:
        if final.get("champion") is None:
            raise ZeroError(f"{run_dir / RunDir.FINAL}: the run has no champion yet")
        return _from_json(final, str(run_dir / RunDir.FINAL), experiment, run_dir)
    candidates = read_candidates(store)
    if not candidates:
        raise ZeroError(f"{run_dir}: the run has no final.json and no champions yet")
    # the run stopped before writing final.json: its champion by the driver's own rule
    champion = choose_champion(candidates, solving_count(candidates, experiment.config["stop"]["select_fitness"]))
    return _from_json(champion.to_record(), str(run_dir / RunDir.CHAMPIONS), experiment, run_dir)


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
