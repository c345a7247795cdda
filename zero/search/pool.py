"""Where a run's islands live: the pool protocol the driver talks to, and the pool in this process.

The driver (:class:`zero.search.driver.Run`) never touches an island directly: it submits batches,
waits for the next one back, asks an idle island for its snapshot or its current candidate, and
rebuilds an island whose worker died. :class:`IslandPool` is that seam; :class:`LocalIslands`
implements it in this process (one island: no Ray at all) and
:class:`zero.search.ray_pool.RayIslands` as Ray actors. A new place to run islands (a GPU, another
scheduler) is one more class with these methods. See docs/architecture.md, "Seams".
"""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Callable
from typing import Any, Protocol

import numpy as np

from zero.search.evolution import Migrants
from zero.search.experiment import Experiment
from zero.search.island import Batch, Island


class IslandLost(Exception):
    """An island's worker died (its process was killed, its node lost); its state is gone."""


class IslandPool(Protocol):
    """Where a run's islands live. Calls for one island run in the order submitted; every call but
    :meth:`submit`/:meth:`wait` is made only to an island with no batch in flight."""

    count: int
    min_batch_seconds: float  # a call shorter than this costs the driver too much (it warns)

    def start(self, snapshot: Callable[[int], dict[str, np.ndarray] | None], source: str) -> None:
        """Create the islands, each from ``snapshot(i)`` unless that is None, and compile their search
        loops. ``snapshot`` reads a file: call it once per island, when that island is created."""

    def submit(self, island: int, budget: int, immigrants: dict[int, Migrants]) -> None:
        """Queue :meth:`Island.advance` on ``island`` (``immigrants``: its predecessor's migrants by round)."""

    def wait(self) -> tuple[int, Batch | IslandLost]:
        """The next finished batch (or the loss of the island that was running it)."""

    def snapshot(self, island: int) -> dict[str, np.ndarray]:
        """:meth:`Island.snapshot` of an idle island (raises IslandLost)."""

    def candidate(self, island: int) -> dict[str, Any] | None:
        """:meth:`Island.candidate` of an idle island (raises IslandLost)."""

    def rebuild(self, island: int, snapshot: dict[str, np.ndarray] | None, source: str) -> None:
        """Replace a lost island by one continued from ``snapshot`` (None: from the start)."""

    def where(self) -> list[str]:
        """Where each island runs (for final.json)."""

    def close(self) -> None: ...


class LocalIslands:
    """The islands in this process, one batch at a time in submission order."""

    min_batch_seconds = 0.0

    def __init__(self, experiment: Experiment, count: int):
        self.experiment, self.count = experiment, count
        self.islands: list[Island] = []
        self._queue: deque = deque()

    def start(self, snapshot, source):
        self._tasks = self.experiment.tasks("search"), self.experiment.tasks("select")
        self.islands = [Island(self.experiment, i, *self._tasks) for i in range(self.count)]
        for i, island in enumerate(self.islands):
            arrays = snapshot(i)
            if arrays is not None:
                island.restore(arrays, source)
        self.islands[0].warm_up()  # one process: one compile

    def submit(self, island, budget, immigrants):
        self._queue.append((island, budget, immigrants))

    def wait(self):
        island, *args = self._queue.popleft()
        return island, self.islands[island].advance(*args)

    def snapshot(self, island):
        return self.islands[island].snapshot()

    def candidate(self, island):
        return self.islands[island].candidate()

    def rebuild(self, island, snapshot, source):
        fresh = Island(self.experiment, island, *self._tasks)
        if snapshot is not None:
            fresh.restore(snapshot, source)
        self.islands[island] = fresh

    def where(self):
        return [f"pid {os.getpid()}"] * self.count

    def close(self):
        self._queue.clear()
