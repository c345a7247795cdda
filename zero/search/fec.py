"""Functional-equivalence cache (FEC): skip evaluating programs that behave like one seen before.

Real et al., "AutoML-Zero" (ICML 2020) §3.2 and the reference ``fec_cache.cc``/``fec_hashing.cc``:
most mutations produce programs that compute the same function as a program already evaluated
(dead code changed, ``a + b`` for ``b + a``, ...). Before a full evaluation each candidate is run on
a short fixed prefix of every search task; the predictions it makes there are hashed into a
*fingerprint*. If the fingerprint is in the cache, the cached fitness is used and the full
evaluation is skipped.

Contracts
- Fingerprint (computed by the search kernel, see :mod:`zero.search.evolution_kernels`): per search task
  ``t``, the program runs exactly as in its real evaluation (memory wiped, program RNG seeded with
  the task's seed) but on the first ``num_train`` training examples, one epoch, then the first
  ``num_valid`` validation examples; the prefix sizes, then per task ``t`` and its row of
  predictions (:func:`fold_row`, NaN where the run stopped early) are folded into one 64-bit hash
  with :func:`fold`. A prediction is truncated to its top 32 mantissa bits (the paper's
  "truncated and hashed"), ``-0.0`` counts as ``0.0`` and every NaN as one NaN, so rounding-level
  differences still hit. Programs computing the same predictions on the prefix share a
  fingerprint (and may differ later: the cache is a heuristic the paper measured to be worth it,
  not an identity).
- The cache is an exact LRU map of ``capacity`` fingerprints → fitness. An entry found
  ``forget_every`` times is dropped on that lookup, which then misses, so the program is
  re-evaluated and stored again (reference ``forget_every``).
- Everything lives in plain NumPy arrays (:class:`FecArrays`), so the compiled loop can use it
  without Python and the search is deterministic given its seed.
- A checkpoint stores the cache's *contents* (:func:`entries`: keys, values and hit counts from the
  most to the least recent, and the counters), not its layout: buckets, chains and node numbers
  only make lookups fast and never change what a lookup answers, so :func:`from_entries` rebuilds
  a cache that behaves identically from a third of the bytes (less while the cache is filling).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from zero.interpreter.jit import compiled
from zero.lang.splitmix import GOLDEN, MIX1, MIX2

# meta slots
SIZE, HEAD, TAIL, FREE_COUNT, LOOKUPS, HITS, FORGET_EVERY, FRESH = range(8)
NONE = -1

_GOLDEN, _MIX1, _MIX2 = np.uint64(GOLDEN), np.uint64(MIX1), np.uint64(MIX2)  # the splitmix64 finalizer
_S27, _S30, _S31 = np.uint64(27), np.uint64(30), np.uint64(31)
_TRUNCATE = np.uint64(0xFFFFFFFFFFF00000)  # keep sign, exponent and the top 32 mantissa bits
_NAN_KEY = np.uint64(0x7FF8000000000000)
MAX_ROW = 1 << 20  # predictions per task in a fingerprint: positions fit in the 20 bits truncation zeroes


class FecArrays(NamedTuple):
    """The cache's state. Node ``n`` holds ``keys[n] → values[n]`` with ``hits[n]`` lookups so far;
    nodes chain per hash bucket (``chain``) and form the recency list (``newer``/``older``)."""

    buckets: np.ndarray  # int64 [B], B a power of two: first node of the bucket's chain, or -1
    keys: np.ndarray  # uint64 [C]
    values: np.ndarray  # float64 [C]
    hits: np.ndarray  # int64 [C]
    chain: np.ndarray  # int64 [C]: next node in the same bucket, or -1
    newer: np.ndarray  # int64 [C]: toward the most recently used node, or -1
    older: np.ndarray  # int64 [C]: toward the least recently used node, or -1
    free: np.ndarray  # int64 [C]: stack of node ids released by forgetting
    meta: np.ndarray  # int64 [8]: SIZE, HEAD (most recent), TAIL (least recent), FREE_COUNT,
    #                   LOOKUPS, HITS, FORGET_EVERY, FRESH (nodes never used yet start here)


def new_cache(capacity: int, forget_every: int) -> FecArrays:
    """An empty cache of ``capacity`` entries (>= 1) whose entries are forgotten after
    ``forget_every`` hits (>= 1)."""
    if capacity < 1 or forget_every < 1:
        raise ValueError(f"capacity and forget_every must be >= 1, got {capacity}, {forget_every}")
    buckets = 1 << max(1, int(2 * capacity - 1).bit_length())
    meta = np.array([0, NONE, NONE, 0, 0, 0, forget_every, 0], dtype=np.int64)
    return FecArrays(
        np.full(buckets, NONE, np.int64), np.zeros(capacity, np.uint64), np.zeros(capacity),
        np.zeros(capacity, np.int64), np.full(capacity, NONE, np.int64), np.full(capacity, NONE, np.int64),
        np.full(capacity, NONE, np.int64), np.zeros(capacity, np.int64), meta,
    )  # fmt: skip


def emptied(cache: FecArrays) -> FecArrays:
    """A cache of the same capacity and ``forget_every`` with no entries, keeping ``cache``'s
    lookup and hit counts (for search tasks that changed: the old keys no longer apply, the run's
    statistics do)."""
    fresh = new_cache(cache.keys.shape[0], int(cache.meta[FORGET_EVERY]))
    fresh.meta[LOOKUPS], fresh.meta[HITS] = cache.meta[LOOKUPS], cache.meta[HITS]
    return fresh


def hit_rate(cache: FecArrays) -> float:
    """Share of lookups answered from the cache (0 when none was made)."""
    lookups = int(cache.meta[LOOKUPS])
    return int(cache.meta[HITS]) / lookups if lookups else 0.0


# ---- hashing ----------------------------------------------------------------------------------


@compiled
def _mix(z):
    """splitmix64's finalizer of ``z`` plus the golden gamma: a bijection of 64-bit words."""
    z = z + _GOLDEN
    z = (z ^ (z >> _S30)) * _MIX1
    z = (z ^ (z >> _S27)) * _MIX2
    return z ^ (z >> _S31)


@compiled
def fold(h, x):
    """``h`` with the 64-bit word ``x`` mixed in."""
    return _mix(h ^ np.uint64(x))


@compiled
def prediction_word(p, position):
    """Prediction ``p``, truncated as the module docstring says, as one 64-bit word tagged with its
    ``position`` in its task's row (< :data:`MAX_ROW`) in the low bits that truncation zeroed."""
    bits = _NAN_KEY if p != p else np.float64(p + 0.0).view(np.uint64) & _TRUNCATE  # + 0.0: -0.0 as 0.0
    return bits | np.uint64(position)


@compiled
def fold_row(h, predictions, width):
    """``h`` with one task's prefix predictions ``predictions[:width]`` mixed in: the wrapping sum of
    the mixes of their :func:`prediction_word`, folded in once. The position tags make the sum depend
    on the order; the words are mixed independently of each other, not chained one into the next, so
    a CPU mixes several at once (8x faster than a chain on a 10 x 20 prefix)."""
    total = np.uint64(0)
    for k in range(width):
        total += _mix(prediction_word(predictions[k], k))
    return fold(h, total)


# ---- the LRU map ------------------------------------------------------------------------------


@compiled
def _bucket(cache, key):
    return np.int64(key & np.uint64(cache.buckets.shape[0] - 1))


@compiled
def _find(cache, key):
    n = cache.buckets[_bucket(cache, key)]
    while n != NONE and cache.keys[n] != key:
        n = cache.chain[n]
    return n


@compiled
def _unlink_recency(cache, n):
    meta = cache.meta
    if cache.newer[n] != NONE:
        cache.older[cache.newer[n]] = cache.older[n]
    else:
        meta[HEAD] = cache.older[n]
    if cache.older[n] != NONE:
        cache.newer[cache.older[n]] = cache.newer[n]
    else:
        meta[TAIL] = cache.newer[n]
    cache.newer[n] = NONE
    cache.older[n] = NONE


@compiled
def _push_recent(cache, n):
    meta = cache.meta
    cache.newer[n] = NONE
    cache.older[n] = meta[HEAD]
    if meta[HEAD] != NONE:
        cache.newer[meta[HEAD]] = n
    meta[HEAD] = n
    if meta[TAIL] == NONE:
        meta[TAIL] = n


@compiled
def _remove(cache, n):
    """Take node ``n`` out of its bucket chain and the recency list; release it."""
    b = _bucket(cache, cache.keys[n])
    if cache.buckets[b] == n:
        cache.buckets[b] = cache.chain[n]
    else:
        p = cache.buckets[b]
        while cache.chain[p] != n:
            p = cache.chain[p]
        cache.chain[p] = cache.chain[n]
    cache.chain[n] = NONE
    _unlink_recency(cache, n)
    cache.meta[SIZE] -= 1


@compiled
def lookup(cache, key, found):
    """The cached fitness of ``key``; ``found[0]`` says whether there was one. A hit makes the
    entry the most recent; its ``forget_every``-th hit removes it and counts as a miss."""
    meta = cache.meta
    meta[LOOKUPS] += 1
    n = _find(cache, key)
    if n == NONE:
        found[0] = False
        return 0.0
    cache.hits[n] += 1
    if cache.hits[n] >= meta[FORGET_EVERY]:
        _remove(cache, n)
        cache.free[meta[FREE_COUNT]] = n
        meta[FREE_COUNT] += 1
        found[0] = False
        return 0.0
    _unlink_recency(cache, n)
    _push_recent(cache, n)
    meta[HITS] += 1
    found[0] = True
    return cache.values[n]


@compiled
def insert(cache, key, value):
    """Store ``key → value`` as the most recent entry (replacing an existing value), evicting the
    least recently used entry when the cache is full."""
    meta = cache.meta
    n = _find(cache, key)
    if n != NONE:
        cache.values[n] = value
        cache.hits[n] = 0
        _unlink_recency(cache, n)
        _push_recent(cache, n)
        return
    if meta[FREE_COUNT] > 0:
        meta[FREE_COUNT] -= 1
        n = cache.free[meta[FREE_COUNT]]
    elif meta[FRESH] < cache.keys.shape[0]:
        n = meta[FRESH]
        meta[FRESH] += 1
    else:
        n = meta[TAIL]
        _remove(cache, n)
    b = _bucket(cache, key)
    cache.keys[n] = key
    cache.values[n] = value
    cache.hits[n] = 0
    cache.chain[n] = cache.buckets[b]
    cache.buckets[b] = n
    _push_recent(cache, n)
    meta[SIZE] += 1


@compiled
def _walk(cache, keys, values, hits):
    n, i = cache.meta[HEAD], 0
    while n != NONE:
        keys[i], values[i], hits[i] = cache.keys[n], cache.values[n], cache.hits[n]
        n, i = cache.older[n], i + 1


@compiled
def _refill(cache, keys, values, hits):
    for i in range(keys.shape[0] - 1, -1, -1):  # the least recent first: the last inserted is the head
        insert(cache, keys[i], values[i])
        cache.hits[cache.meta[HEAD]] = hits[i]


ENTRY_FIELDS = ("keys", "values", "hits", "counters")


def entries(cache: FecArrays) -> dict[str, np.ndarray]:
    """The cache's contents (see the module docstring): ``keys``, ``values``, ``hits`` from the most
    to the least recent entry, and ``counters`` = lookups, hits, forget_every."""
    size = int(cache.meta[SIZE])
    keys, values, hits = np.zeros(size, np.uint64), np.zeros(size), np.zeros(size, np.int64)
    _walk(cache, keys, values, hits)
    counters = np.array([cache.meta[LOOKUPS], cache.meta[HITS], cache.meta[FORGET_EVERY]], np.int64)
    return {"keys": keys, "values": values, "hits": hits, "counters": counters}


def from_entries(capacity: int, keys: np.ndarray, values: np.ndarray, hits: np.ndarray, counters: np.ndarray) -> FecArrays:
    """A cache of ``capacity`` holding :func:`entries`' contents; ValueError if they cannot be one
    (more entries than the capacity, repeated keys, hit counts or counters out of range)."""
    size = keys.shape[0]
    if keys.dtype != np.uint64 or values.dtype != np.float64 or hits.dtype != np.int64 or counters.dtype != np.int64:
        raise ValueError("entries need uint64 keys, float64 values, int64 hits and counters")
    if keys.ndim != 1 or values.shape != (size,) or hits.shape != (size,) or counters.shape != (3,):
        raise ValueError(f"entry arrays disagree in shape: keys {keys.shape}, values {values.shape}, "
                         f"hits {hits.shape}, counters {counters.shape} (need 3)")  # fmt: skip
    lookups, hit_count, forget_every = (int(c) for c in counters)
    if size > capacity:
        raise ValueError(f"{size} entries do not fit a cache of capacity {capacity}")
    if not (forget_every >= 1 and 0 <= hit_count <= lookups):
        raise ValueError(f"counters {counters.tolist()} are out of range (lookups >= hits >= 0, forget_every >= 1)")
    if size and (hits.min() < 0 or hits.max() >= forget_every):
        raise ValueError(f"hit counts must lie in [0, {forget_every}) (forget_every)")
    if np.unique(keys).shape[0] != size:
        raise ValueError("a key appears twice")
    cache = new_cache(capacity, forget_every)
    _refill(cache, keys, values, hits)
    cache.meta[LOOKUPS], cache.meta[HITS] = lookups, hit_count
    return cache
