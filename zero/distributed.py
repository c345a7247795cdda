"""A run's islands as Ray actors, on this machine or a cluster: the only module that imports Ray.

:class:`RayIslands` is the island pool of :class:`zero.runner.Run` (see its docstring for the
driver): one actor per island, each holding a population (:class:`zero.island.Island`) and its
compiled search loop, running one batch per call (``report_every`` individuals: ~0.25 s in the demo,
far above Ray's ~2 ms per call). The search and select tasks go to the object store once and every
actor copies them (Ray hands out read-only arrays, for which numba would compile a second
specialization).

Ray is started here with :func:`connect`: on this machine (``address=None``: a private Ray instance
with one CPU per island, its dashboard, if any, on 127.0.0.1 only) or joining a running cluster
(``auto``, ``HOST:PORT`` or ``ray://HOST:PORT``; token authentication, when the cluster uses it,
comes from ``RAY_AUTH_TOKEN`` / ``~/.ray/auth_token`` as Ray reads it). Ray's start-up is paid once
per run.

A lost actor (killed, its process or node gone) is reported as :class:`zero.runner.IslandLost`; the
driver rebuilds it with :meth:`RayIslands.rebuild`. Actors are not restarted by Ray itself
(``max_restarts=0``): a restart would come back without the population, so the driver, which holds
each island's latest snapshot, does it.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import sys
import time
from typing import Any

import numpy as np
import ray
from ray import exceptions as ray_errors

from zero.errors import ZeroError
from zero.experiment import Experiment
from zero.island import Batch, Island, Migrants
from zero.runner import IslandLost
from zero.tasks import TaskSet

DASHBOARD_HOST = "127.0.0.1"  # never on a public interface unless the user starts Ray so
OBJECT_STORE_BYTES = 256 * 2**20  # a private instance holds only tasks and migrants
_started_here = False


def connect(address: str | None = None, workers: int | None = None, dashboard: bool = False) -> int:
    """Start or join Ray (once per process); returns the CPUs it offers. ``dashboard``: a Ray
    instance started here serves its dashboard, on 127.0.0.1 only."""
    global _started_here
    if not ray.is_initialized():
        os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
        quiet = {"logging_level": logging.WARNING, "log_to_driver": True}
        try:
            if address is None:
                # Ray runs workers at niceness 15, so any other load on the machine would starve the
                # islands; a search the user started here runs at the user's priority.
                os.environ.setdefault("RAY_worker_niceness", "0")
                cpus = max(workers or 0, os.cpu_count() or 1)
                context = ray.init(address="local", num_cpus=cpus, include_dashboard=dashboard, dashboard_host=DASHBOARD_HOST,
                                   object_store_memory=OBJECT_STORE_BYTES, **quiet)  # fmt: skip
                if dashboard and context.dashboard_url:
                    print(f"Ray dashboard: http://{context.dashboard_url}", file=sys.stderr)
                _started_here = True
            else:
                ray.init(address=address, **quiet)
        except (ConnectionError, RuntimeError, ValueError) as e:
            where = "a local Ray instance" if address is None else f"the Ray cluster at {address}"
            raise ZeroError(f"cannot start or reach {where}: {e}") from None
    cpus = int(ray.cluster_resources().get("CPU", 0))
    if workers is not None and workers > cpus:
        raise ZeroError(f"--workers {workers}: the Ray cluster offers {cpus} CPUs (one island needs one)")
    return cpus


def disconnect() -> None:
    """Stop the Ray instance this process started (a cluster joined is only left)."""
    global _started_here
    if ray.is_initialized():
        ray.shutdown()
    _started_here = False


def writable(tasks: TaskSet) -> TaskSet:
    """``tasks`` with its arrays copied: those from the object store are read-only."""
    arrays = {f.name: np.array(getattr(tasks, f.name)) for f in dataclasses.fields(tasks)
              if isinstance(getattr(tasks, f.name), np.ndarray)}  # fmt: skip
    return dataclasses.replace(tasks, **arrays)


@ray.remote(num_cpus=1, max_restarts=0, max_task_retries=0)
class IslandActor:
    """One island in a Ray worker process."""

    def __init__(self, experiment: Experiment, index: int, tasks: tuple[TaskSet, TaskSet],
                 snapshot: dict[str, np.ndarray] | None, source: str):  # fmt: skip
        search, select = (writable(t) for t in tasks)
        self.island = Island(experiment, index, search, select)
        if snapshot is not None:
            self.island.restore(snapshot, source)

    def warm_up(self) -> str:
        pid = self.island.warm_up()
        return f"node {ray.util.get_node_ip_address()} ({ray.get_runtime_context().get_node_id()[:8]}) pid {pid}"

    def advance(self, budget: int, immigrants: Migrants | None) -> Batch:
        return self.island.advance(budget, immigrants)

    def call(self, method: str, *args: Any) -> Any:
        return getattr(self.island, method)(*args)

    def pid(self) -> int:
        return os.getpid()


def _unwrap(error: ray_errors.RayTaskError) -> Exception:
    """A ZeroError raised inside an actor (a corrupt snapshot, say) is shown as itself."""
    cause = getattr(error, "cause", None)
    return cause if isinstance(cause, ZeroError) else error


class RayIslands:
    """The island pool on Ray (see :class:`zero.runner.IslandPool`)."""

    min_batch_seconds = 0.05  # a call costs ~2 ms; a batch should carry ~100 ms of work

    def __init__(self, experiment: Experiment, count: int):
        self.experiment, self.count = experiment, count
        self.actors: list[Any] = []
        self.places: list[str] = [""] * count
        self._pending: dict[Any, int] = {}  # in-flight ObjectRef -> island
        self._tasks = None

    def _actor(self, island: int, snapshot: dict[str, np.ndarray] | None, source: str):
        return IslandActor.remote(self.experiment, island, self._tasks, snapshot, source)

    def _ready(self, islands: list[int]) -> None:
        refs = [self.actors[i].warm_up.remote() for i in islands]
        try:
            for i, place in zip(islands, ray.get(refs)):
                self.places[i] = place
        except ray_errors.RayTaskError as e:
            raise _unwrap(e) from None

    def start(self, snapshots, source):
        # task data into the object store once; the driver keeps the reference alive
        self._tasks = ray.put((self.experiment.tasks("search"), self.experiment.tasks("select")))
        self.actors = [self._actor(i, s, source) for i, s in enumerate(snapshots)]
        self._ready(list(range(self.count)))

    def submit(self, island, budget, immigrants):
        self._pending[self.actors[island].advance.remote(budget, immigrants)] = island

    def wait(self) -> tuple[int, Batch | IslandLost]:
        [ref], _ = ray.wait(list(self._pending), num_returns=1)
        island = self._pending.pop(ref)
        try:
            return island, ray.get(ref)
        except ray_errors.RayActorError as e:
            return island, IslandLost(f"{type(e).__name__} on {self.places[island]}")
        except ray_errors.RayTaskError as e:
            raise _unwrap(e) from None

    def call(self, island, method, *args):
        try:
            return ray.get(self.actors[island].call.remote(method, *args))
        except ray_errors.RayActorError as e:
            raise IslandLost(f"{type(e).__name__} on {self.places[island]}") from None
        except ray_errors.RayTaskError as e:
            raise _unwrap(e) from None

    def rebuild(self, island, snapshot, source):
        self.actors[island] = self._actor(island, snapshot, source)
        self._ready([island])

    def where(self):
        return list(self.places)

    def release(self) -> None:
        """Kill the actors (Ray stays up)."""
        for actor in self.actors:
            ray.kill(actor)
        self.actors, self._pending = [], {}

    def close(self):
        self.release()
        if _started_here:
            disconnect()


def scaling(worker_counts: list[int], seconds: float, experiment: str = "linear_regression") -> list[dict]:
    """Search individuals/s of a real run (the driver, migration and candidates included) for each
    island count, on a private Ray instance; the experiment never stops by fitness here."""
    import tempfile

    from zero.experiment import load
    from zero.runner import Run

    base = load(experiment).with_overrides(**{"stop.select_fitness": None, "stop.max_seconds": seconds})
    connect(None, max(worker_counts))
    rows = []
    try:
        for count in worker_counts:
            exp = base.with_overrides(**{"islands.count": count})
            with tempfile.TemporaryDirectory() as tmp:
                run = Run(exp, tmp + "/run", pool=RayIslands(exp, count))
                started = time.perf_counter()
                run.search()
                wall = time.perf_counter() - started
                rows.append({"workers": count, "individuals": run.individuals, "seconds": run.seconds, "wall": wall,
                             "individuals_per_second": run.individuals / run.seconds})  # fmt: skip
                run.pool.release()
    finally:
        disconnect()
    return rows
