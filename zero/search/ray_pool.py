"""A run's islands as Ray actors, on this machine or a cluster: the only module that imports Ray.

:class:`RayIslands` is the island pool of :class:`zero.search.driver.Run` (see its docstring for the
driver): one actor per island, each holding a population (:class:`zero.search.island.Island`) and its
compiled search loop, running one batch per call (``report_every`` individuals: ~0.25 s in the demo,
far above Ray's ~2 ms per call). The search and select tasks go to the object store once and every
actor copies them (Ray hands out read-only arrays, for which numba would compile a second
specialization).

Ray is started here with :func:`connect`: on this machine (``address=None``: a private Ray instance
with one CPU per island, its dashboard, if any, on 127.0.0.1 only) or joining a running cluster
(``auto``, ``HOST:PORT`` or ``ray://HOST:PORT``; token authentication, when the cluster uses it,
comes from ``RAY_AUTH_TOKEN`` / ``~/.ray/auth_token`` as Ray reads it). Ray's start-up is paid once
per run. Before joining, :func:`probe` checks the address (its form, then a TCP connect of at most
:data:`PROBE_SECONDS`): a malformed or dead address is a one-line :class:`ZeroError` in seconds, where
``ray.init`` would retry for minutes.

A lost actor (killed, its process or node gone) is reported as :class:`zero.search.pool.IslandLost`; the
driver rebuilds it with :meth:`RayIslands.rebuild`. Actors are not restarted by Ray itself
(``max_restarts=0``): a restart would come back without the population, so the driver, which holds
each island's latest snapshot, does it.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import socket
import sys
from collections import deque
from typing import Any

import numpy as np
import ray
from ray import exceptions as ray_errors

from zero.errors import ZeroError
from zero.search.evolution import Migrants
from zero.search.experiment import Experiment
from zero.search.island import Batch, Island
from zero.search.pool import IslandLost
from zero.tasks import MixedTaskSet, Tasks

DASHBOARD_HOST = "127.0.0.1"  # never on a public interface unless the user starts Ray so
OBJECT_STORE_BYTES = 256 * 2**20  # a private instance holds only tasks and migrants
_started_here = False
PROBE_SECONDS = 5.0  # a TCP connect to a cluster's address; a live one answers in milliseconds
RAY_CLIENT_SCHEME = "ray://"
GCS_PORT, CLIENT_PORT = 6379, 10001  # what `ray start --head` opens by default


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
                probe(address)  # a dead address fails here in seconds; ray.init would retry for minutes
                ray.init(address=address, **quiet)
        except (ConnectionError, RuntimeError, ValueError) as e:
            where = "a local Ray instance" if address is None else f"the Ray cluster at {address}"
            raise ZeroError(f"cannot start or reach {where}: {' '.join(str(e).split())}") from None
    cpus = int(ray.cluster_resources().get("CPU", 0))
    if workers is not None and workers > cpus:
        raise ZeroError(f"--workers {workers}: the Ray cluster offers {cpus} CPUs (one island needs one)")
    return cpus


def split_address(address: str) -> tuple[str, int]:
    """``(host, port)`` of ``HOST:PORT`` or ``ray://HOST:PORT`` (an IPv6 host in brackets, ``[::1]:6379``);
    anything else raises :class:`ZeroError` naming the address."""
    scheme = RAY_CLIENT_SCHEME if address.startswith(RAY_CLIENT_SCHEME) else ""
    rest = address.removeprefix(scheme)
    expected = f"expected auto, HOST:PORT (a Ray head's GCS port, e.g. 127.0.0.1:{GCS_PORT}) or ray://HOST:PORT " \
               f"(its client server, e.g. ray://127.0.0.1:{CLIENT_PORT})"  # fmt: skip
    if "://" in rest:
        raise ZeroError(f"--address {address}: the only scheme understood is ray://; {expected}")
    host, colon, port = rest.rpartition(":")
    if not colon:
        raise ZeroError(f"--address {address}: no port; {expected}")
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    elif ":" in host:
        raise ZeroError(f"--address {address}: an IPv6 host goes in brackets, {scheme}[{host}]:{port}")
    if not host:
        raise ZeroError(f"--address {address}: no host; {expected}")
    if any(c.isspace() or c in "/[]@" for c in host):
        raise ZeroError(f"--address {address}: {host!r} is not a host name; {expected}")
    if not port.isascii() or not port.isdigit() or not 0 < int(port) < 65536:
        raise ZeroError(f"--address {address}: port {port!r} is not a number from 1 to 65535; {expected}")
    return host, int(port)


def probe(address: str, timeout: float = PROBE_SECONDS) -> None:
    """Raise :class:`ZeroError` unless something accepts TCP connections at ``address`` (``auto``: the
    cluster Ray would find on this machine). Only a TCP connect: whether it is Ray is ``ray.init``'s to say."""
    if address == "auto":
        found = _auto_address()
        if found is None:  # Ray's own lookup failed in a way we do not know: let ray.init report it
            return
        host, port = split_address(found)
        where = f"--address auto (the Ray cluster on record here, {found})"
    else:
        host, port = split_address(address)
        where = f"--address {address}"
    try:
        socket.create_connection((host, port), timeout=timeout).close()
    except socket.gaierror as e:
        raise ZeroError(f"{where} is unreachable: cannot resolve host {host!r} ({e.strerror})") from None
    except TimeoutError:
        raise ZeroError(f"{where} is unreachable: no answer from {host} port {port} within {timeout:g} s "
                        "(a firewall, or no such machine?)") from None  # fmt: skip
    except OSError as e:
        refused = isinstance(e, ConnectionRefusedError)
        why = "connection refused" if refused else (e.strerror or str(e)).lower()
        raise ZeroError(f"{where} is unreachable: {why} ({'nothing listens on ' * refused}{host} port {port}; "
                        "is a Ray head running there? 'ray start --head' starts one)") from None  # fmt: skip


def _auto_address() -> str | None:
    """What ``ray.init(address="auto")`` would join: ``RAY_ADDRESS``, else the cluster ``ray start`` left
    on record on this machine, else a running GCS process. No cluster: :class:`ZeroError`. ``None`` when
    Ray's (private) lookup is not there or fails otherwise."""
    try:
        from ray._private.services import canonicalize_bootstrap_address
    except ImportError:
        return None
    env = os.environ.get("RAY_ADDRESS", "")
    if env and env != "auto":  # ray.init joins it instead ("local" starts an instance; other schemes: Ray's)
        return env if env != "local" and ("://" not in env or env.startswith(RAY_CLIENT_SCHEME)) else None
    try:
        found = canonicalize_bootstrap_address("auto")
    except ConnectionError:
        raise ZeroError("--address auto: no running Ray cluster found on this machine (no RAY_ADDRESS, no "
                        "'ray start' on record); start one with 'ray start --head' or give HOST:PORT") from None
    except Exception:  # noqa: BLE001 - Ray's internals; ray.init will say what is wrong
        return None
    return found or None


def disconnect() -> None:
    """Stop the Ray instance this process started (a cluster joined is only left)."""
    global _started_here
    if ray.is_initialized():
        ray.shutdown()
    _started_here = False


def writable(tasks: Tasks) -> Tasks:
    """``tasks`` with its arrays copied: those from the object store are read-only."""
    if isinstance(tasks, MixedTaskSet):
        return MixedTaskSet(tuple(writable(g) for g in tasks.groups))
    arrays = {f.name: np.array(getattr(tasks, f.name)) for f in dataclasses.fields(tasks)
              if isinstance(getattr(tasks, f.name), np.ndarray)}  # fmt: skip
    return dataclasses.replace(tasks, **arrays)


def cluster_gpus() -> int:
    """GPUs in the connected Ray cluster (an island with device: cuda asks for one; one asking for
    a GPU the cluster lacks would wait forever, so the driver checks this first)."""
    return int(ray.cluster_resources().get("GPU", 0))


@ray.remote(num_cpus=1, max_restarts=0, max_task_retries=0)
class IslandActor:
    """One island in a Ray worker process."""

    def __init__(self, experiment: Experiment, index: int, tasks: tuple[Tasks, Tasks],
                 snapshot: dict[str, np.ndarray] | None, source: str):  # fmt: skip
        search, select = (writable(t) for t in tasks)
        self.island = Island(experiment, index, search, select)
        if snapshot is not None:
            self.island.restore(snapshot, source)

    def warm_up(self) -> str:
        pid = self.island.warm_up()
        return f"node {ray.util.get_node_ip_address()} ({ray.get_runtime_context().get_node_id()[:8]}) pid {pid}"

    def advance(self, budget: int, immigrants: dict[int, Migrants], seconds: float) -> Batch:
        return self.island.advance(budget, immigrants, seconds)

    def snapshot(self) -> dict[str, np.ndarray]:
        return self.island.snapshot()

    def candidate(self) -> dict[str, Any] | None:
        return self.island.candidate()

    def pid(self) -> int:
        return os.getpid()


def _unwrap(error: ray_errors.RayTaskError) -> Exception:
    """A ZeroError raised inside an actor (a corrupt snapshot, say) is shown as itself."""
    cause = getattr(error, "cause", None)
    return cause if isinstance(cause, ZeroError) else error


class RayIslands:
    """The island pool on Ray (see :class:`zero.search.pool.IslandPool`)."""

    max_calls_per_second = 250  # the driver's message budget: 1-2 ms of its CPU each (mostly Ray's)

    @classmethod
    def call_seconds(cls, count: int) -> float:
        """Work per call (whole batches, see :meth:`Island.advance`): a second, longer with more than
        :attr:`max_calls_per_second` islands, so the driver's messages per second stay below that
        however many islands a cluster runs (calls end earlier at a migration count whose migrants
        are not in yet: ``islands.migration_lag`` lets them run on)."""
        return max(1.0, count / cls.max_calls_per_second)

    def __init__(self, experiment: Experiment, count: int):
        self.experiment, self.count = experiment, count
        # shorter calls (batches ending at migration counts) cost the driver more than a call's ~2 ms
        # in its budget of max_calls_per_second messages (and below ~50 ms, more than the call's work)
        self.min_batch_seconds = max(0.05, count / self.max_calls_per_second)
        self.actors: list[Any] = []
        self.places: list[str] = [""] * count
        self._pending: dict[Any, int] = {}  # in-flight ObjectRef -> island
        self._done: deque = deque()  # refs of pending batches known to be back, oldest first
        self._tasks = None

    def _actor(self, island: int, snapshot: dict[str, np.ndarray] | None, source: str):
        # device: cuda asks Ray for one GPU per island: Ray places the actor on a node with a free
        # GPU and sets its CUDA_VISIBLE_DEVICES, so islands never share a device
        gpus = 1 if self.experiment.config["device"] == "cuda" else 0
        return IslandActor.options(num_gpus=gpus).remote(self.experiment, island, self._tasks, snapshot, source)

    def _ready(self, islands: list[int]) -> None:
        refs = [self.actors[i].warm_up.remote() for i in islands]
        try:
            for i, place in zip(islands, ray.get(refs)):
                self.places[i] = place
        except ray_errors.RayTaskError as e:
            raise _unwrap(e) from None

    def start(self, snapshot, source):
        # task data into the object store once; the driver keeps the reference alive
        self._tasks = ray.put((self.experiment.tasks("search"), self.experiment.tasks("select")))
        self.actors = [self._actor(i, snapshot(i), source) for i in range(self.count)]
        self._ready(list(range(self.count)))

    def submit(self, island, budget, immigrants):
        self._pending[self.actors[island].advance.remote(budget, immigrants, self.call_seconds(self.count))] = island

    def wait(self) -> tuple[int, Batch | IslandLost]:
        if not self._done:  # every batch already back, in one call: the list of refs is not rebuilt per message
            done, _ = ray.wait(list(self._pending), num_returns=len(self._pending), timeout=0)
            self._done = deque(done or ray.wait(list(self._pending), num_returns=1)[0])
        ref = self._done.popleft()
        island = self._pending.pop(ref)
        try:
            return island, self._get(island, ref)
        except IslandLost as lost:
            return island, lost

    def snapshot(self, island):
        return self._get(island, self.actors[island].snapshot.remote())

    def candidate(self, island):
        return self._get(island, self.actors[island].candidate.remote())

    def _get(self, island: int, ref: Any) -> Any:
        """The result of a call to ``island``'s actor; its death is :class:`IslandLost`."""
        try:
            return ray.get(ref)
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
        self.actors, self._pending, self._done = [], {}, deque()

    def close(self):
        self.release()
        if _started_here:
            disconnect()
