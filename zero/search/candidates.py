"""Candidates and the champion rule: the one place that decides which program a run found.

An island's best program, each time it improves (at a batch end), becomes a *candidate*: it is
scored afresh on the search and the select tasks and logged in ``champions.jsonl``. The run's
*champion* is chosen among the candidates by :func:`choose_champion`, with the run's *solving
count* from :func:`solving_count`. The driver (:mod:`zero.search.driver`) applies the rule while it
runs and when it writes ``final.json``; the champion loader (:mod:`zero.champion.loader`) applies
the same rule to ``champions.jsonl`` when a run has no ``final.json`` (it was killed), so both
always name the same program.

The rule (see docs/architecture.md, "The champion rule"):

- a run is *solved* at the smallest island count at which any candidate's select fitness exceeds
  ``stop.select_fitness``; candidates found at a larger island count do not count (an island that
  had run past it may not change the outcome, so the champion does not depend on timing);
- among the rest, the highest select fitness wins; ties go to the one found at the smaller island
  count, then to the lower island.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable

from zero.errors import StoreError
from zero.lang.program import Program
from zero.store import RunDir


@dataclass
class Candidate:
    """A program scored on the select tasks (one line of ``champions.jsonl``)."""

    program: Program
    search_fitness: float  # evaluated afresh on the search tasks (evolution's own figure may come
    select_fitness: float  # from the FEC or a hurdle: that is ``evolution_fitness``)
    individuals: int  # the run's individuals when it was logged (all islands)
    seconds: float
    evolution_fitness: float  # the fitness evolution ranked it by
    island: int = 0
    island_individuals: int = 0  # its island's count when it was found (a batch end)
    search_draw: int | None = None  # which draw of renewed search tasks search_fitness is on (renew_search_tasks)

    def to_record(self) -> dict[str, Any]:
        record = {
            "individuals": self.individuals, "seconds": round(self.seconds, 3),
            "island": self.island, "island_individuals": self.island_individuals,
            "search_fitness": self.search_fitness, "select_fitness": self.select_fitness,
            "evolution_fitness": self.evolution_fitness, "program": self.program.to_dict(),
        }  # fmt: skip
        if self.search_draw is not None:  # only runs that renew their search tasks record it
            record["search_draw"] = self.search_draw
        return record

    @staticmethod
    def from_record(record: dict[str, Any], source: str) -> Candidate:
        """A candidate from its record (runs from before islands lack ``island*``: island 0)."""
        program = Program.from_dict(record["program"], source)
        return Candidate(program, record["search_fitness"], record["select_fitness"], record["individuals"],
                         record["seconds"], record["evolution_fitness"], record.get("island", 0),
                         record.get("island_individuals", record["individuals"]), record.get("search_draw"))  # fmt: skip

    def beats(self, other: Candidate | None) -> bool:
        """The champion order: higher select fitness, then found at a smaller island count, then
        the lower island."""
        if other is None:
            return True
        return (self.select_fitness, -self.island_individuals, -self.island) > (
            other.select_fitness, -other.island_individuals, -other.island)  # fmt: skip


def read_candidates(store: RunDir) -> list[Candidate]:
    """Every candidate a run directory logged (``champions.jsonl``), in order; a record that cannot
    be read raises :class:`~zero.errors.StoreError` naming the file."""
    log = str(store.path / RunDir.CHAMPIONS)
    try:
        return [Candidate.from_record(r, log) for r in store.read_champions()]
    except (KeyError, TypeError, ValueError) as e:  # ProgramError is a ValueError too
        raise StoreError(log, f"a candidate record is invalid ({type(e).__name__}: {e})") from None


def solving_count(candidates: Iterable[Candidate], threshold: float | None) -> int | None:
    """The smallest island count at which a candidate's select fitness exceeds ``threshold``
    (None: no threshold, or none passed it)."""
    if threshold is None:
        return None
    counts = [c.island_individuals for c in candidates if c.select_fitness > threshold]
    return min(counts) if counts else None


def choose_champion(candidates: Iterable[Candidate], solved_at: int | None) -> Candidate | None:
    """The champion among ``candidates`` (see the module docstring); None if there are none."""
    champion = None
    for candidate in candidates:
        if (solved_at is None or candidate.island_individuals <= solved_at) and candidate.beats(champion):
            champion = candidate
    return champion
