"""Regularized evolution a batch of children at a time, evaluated on a GPU (or this CPU).

:class:`BatchedEvolution` is :class:`~zero.search.evolution.Evolution` with ``run(n)`` taken in
steps of ``batch_size`` children: draw them (tournaments, mutations, dead-code removal, on the CPU
in compiled code), form the FEC keys of those whose fingerprint is not already known from the
parent, from prefix predictions the device makes for the whole batch in one launch, ask the cache,
evaluate the misses on every search task in a second launch, and write the batch into the
population in order. The steps are the compiled functions at the end of
:mod:`zero.search.evolution_kernels`, which describes the semantics: with ``batch_size: 1`` this is
exactly the sequential loop; with B > 1 each child's parents come from the population before its
batch, as with the paper's many asynchronous workers, but deterministically.

What stays as on the CPU loop: the state (so checkpoints, resume, migration and restarts work
unchanged), the fitness rules (compute limit, FEC, hurdles: a child below the hurdle keeps the
fitness of the hurdle tasks), the random stream, and so a run for a seed *and batch size*, on
either device (for programs without transcendental ops; with them, the device libm's last bit can
change a fingerprint or a tournament, see :mod:`zero.interpreter.gpu`). What changes: every child
that is evaluated runs on all search tasks, a batch being one launch, so hurdles save no time, and
a batched search on the CPU is slower than the sequential loop (it exists to replay a GPU run and
to test the batch logic). A batch never straddles the filling
of the population, and ``run`` ends exactly at ``n`` (the island's batch ends are fixed counts), so
a resumed run replays the same batches. See docs/architecture.md.
"""

from __future__ import annotations

import numpy as np

from zero.interpreter.batch import batch_evaluator
from zero.search import evolution_kernels as _K
from zero.search.evolution import Evolution, FingerprintMemo, State
from zero.search import fec as fec_
from zero.search.experiment import Experiment
from zero.tasks import Tasks, groups_of


class BatchedEvolution(Evolution):
    """One population evolved ``batch_size`` children at a time on ``device`` ("cpu" or "cuda")."""

    def __init__(self, experiment: Experiment, seed: int | np.random.SeedSequence, tasks: Tasks | None = None, *,
                 device: str = "cuda", batch_size: int = 1024):  # fmt: skip
        super().__init__(experiment, seed, tasks)
        self.device, self.batch_size = device, int(batch_size)
        groups = groups_of(self.tasks)
        self.evaluators = [batch_evaluator(device, g, experiment.space.memory, max_abs_error=self.settings.max_abs_error)
                           for g in groups]  # fmt: skip
        B, (L, four), three = self.batch_size, self.state.code.shape[1:], self.state.data.shape[2]
        self._kids = (np.zeros((B, L, four), np.int32), np.zeros((B, L, three)), np.zeros((B, 4), np.int64))
        self._live = (np.zeros((B, L, four), np.int32), np.zeros((B, L, three)), np.zeros((B, 4), np.int64))
        self._parents, self._slots = np.zeros(B, np.int64), np.zeros(B, np.int64)
        self._status, self._keys, self._hashes = np.zeros(B, np.int64), np.zeros(B, np.uint64), np.zeros(B, np.uint64)
        self._found, self._cached = np.zeros(B, np.bool_), np.zeros(B)
        self._n_tasks = sum(g.num_tasks for g in groups)
        self._fec_train, self._fec_valid = self.kernels.fingerprint_prefix(self.search_tasks, self.settings)

    def run(self, n: int) -> int:
        """Evaluate ``n`` more individuals, in batches of at most ``batch_size`` (the last may be
        smaller; a batch ends where the population becomes full); returns ``n``."""
        if n <= 0:
            return 0
        done = 0
        population = self.settings.population
        while done < n:
            size = min(self.batch_size, n - done)
            filled = int(self.state.counters[_K.FILLED])
            if filled < population:
                size = min(size, population - filled)
            self._step(size)
            done += size
        return n

    def profile(self, n: int) -> np.ndarray:
        raise NotImplementedError("the profile covers the sequential CPU loop; run `zero bench --profile` with device: cpu")

    def warm_up(self) -> None:
        """Compile the batch steps and the device kernels on a copy of the state (untouched)."""
        kept = self.state, self.cache, self.memo
        self.state = State(*(a.copy() for a in kept[0]))
        self.cache = fec_.FecArrays(*(a.copy() for a in kept[1]))
        self.memo = FingerprintMemo(*(a.copy() for a in kept[2]))
        try:
            self._step(1)
        finally:
            self.state, self.cache, self.memo = kept

    def _step(self, n: int) -> None:
        """One batch of ``n`` children: draw, key, look up, evaluate, accept."""
        kids = tuple(a[:n] for a in self._kids)
        live = tuple(a[:n] for a in self._live)
        status, keys, hashes = self._status[:n], self._keys[:n], self._hashes[:n]
        found, cached = self._found[:n], self._cached[:n]
        k = self.kernels
        k.make_children(self.state, self.memo, self.space, self.settings, n, kids, live, self._parents[:n], self._slots[:n],
                        status, keys, hashes)  # fmt: skip
        found[:] = False
        if self.settings.fec:
            rows = np.flatnonzero(status == _K.KEY_NEEDED)
            if rows.size:
                traces = tuple(ev.run(live[0][rows], live[1][rows], live[2][rows], n_train=self._fec_train, n_valid=self._fec_valid,
                                      n_epochs=1, trace=True)[1] for ev in self.evaluators)  # fmt: skip
                k.keys_from_traces(traces, np.int64(self._fec_train), np.int64(self._fec_valid), rows, keys)
            k.lookup_batch(self.cache, n, status, keys, found, cached)
        per_task = np.zeros((n, self._n_tasks))
        todo = np.flatnonzero((status != _K.OVER_BUDGET) & ~found)
        if todo.size:
            per_task[todo] = np.concatenate([ev.run(live[0][todo], live[1][todo], live[2][todo])[0] for ev in self.evaluators], axis=1)
        k.accept_children(self.state, self.cache, self.memo, self.settings, n, kids, live, self._slots[:n], status, keys, hashes,
                          found, cached, per_task)  # fmt: skip


def evolution_for(experiment: Experiment, seed: int | np.random.SeedSequence, tasks: Tasks | None = None) -> Evolution:
    """The population an island evolves: the sequential CPU loop, or the batched one when the
    experiment asks for a device or a batch size (:meth:`Experiment.batch_size`)."""
    batch_size = experiment.batch_size()
    if batch_size is None:
        return Evolution(experiment, seed, tasks)
    return BatchedEvolution(experiment, seed, tasks, device=experiment.config["device"], batch_size=batch_size)
