"""The functional-equivalence cache (zero.search.fec): an exact LRU map with forget-after-N-hits, checked
against a plain OrderedDict model on random operation sequences; and the fingerprint's hashing."""

from __future__ import annotations

from collections import OrderedDict

import numpy as np
import pytest

from zero.search import evolution_oracle, fec


class Model:
    """The contract in plain Python."""

    def __init__(self, capacity: int, forget_every: int):
        self.capacity, self.forget_every = capacity, forget_every
        self.entries: OrderedDict[int, list] = OrderedDict()  # key -> [value, hits]; last = most recent
        self.lookups = self.hits = 0

    def lookup(self, key):
        self.lookups += 1
        if key not in self.entries:
            return None
        entry = self.entries[key]
        entry[1] += 1
        if entry[1] >= self.forget_every:
            del self.entries[key]
            return None
        self.entries.move_to_end(key)
        self.hits += 1
        return entry[0]

    def insert(self, key, value):
        if key in self.entries:
            self.entries[key] = [value, 0]
            self.entries.move_to_end(key)
            return
        if len(self.entries) >= self.capacity:
            self.entries.popitem(last=False)
        self.entries[key] = [value, 0]


def _recency(cache: fec.FecArrays) -> list[int]:
    """Keys from least to most recently used, walking the linked list."""
    keys, n = [], cache.meta[fec.TAIL]
    while n != fec.NONE:
        keys.append(int(cache.keys[n]))
        n = cache.newer[n]
    return keys


@pytest.mark.parametrize("capacity,forget_every,key_range", [(1, 3, 4), (8, 100, 20), (16, 2, 40), (50, 5, 60)])
def test_cache_matches_the_lru_model(capacity, forget_every, key_range):
    rng = np.random.default_rng(capacity * 1000 + forget_every)
    cache, model = fec.new_cache(capacity, forget_every), Model(capacity, forget_every)
    found = np.zeros(1, dtype=np.bool_)
    for step in range(3000):
        key = int(rng.integers(key_range)) * 0x9E3779B97F4A7C15 % 2**64  # spread over buckets
        if rng.random() < 0.6:
            value = fec.lookup(cache, np.uint64(key), found)
            expected = model.lookup(key)
            assert bool(found[0]) == (expected is not None), step
            if expected is not None:
                assert value == expected
        else:
            value = float(rng.random())
            fec.insert(cache, np.uint64(key), value)
            model.insert(key, value)
        assert int(cache.meta[fec.SIZE]) == len(model.entries)
    assert _recency(cache) == list(model.entries)
    assert (int(cache.meta[fec.LOOKUPS]), int(cache.meta[fec.HITS])) == (model.lookups, model.hits)
    assert fec.hit_rate(cache) == pytest.approx(model.hits / model.lookups)


def test_forgotten_entry_misses_once_then_is_stored_again():
    cache = fec.new_cache(4, forget_every=3)
    found = np.zeros(1, dtype=np.bool_)
    key = np.uint64(12345)
    fec.insert(cache, key, 0.5)
    outcomes = []
    for _ in range(3):
        fec.lookup(cache, key, found)
        outcomes.append(bool(found[0]))
    assert outcomes == [True, True, False]  # the third hit forgets it
    fec.insert(cache, key, 0.7)
    assert fec.lookup(cache, key, found) == 0.7 and found[0]


def test_least_recently_used_is_evicted():
    cache = fec.new_cache(2, forget_every=100)
    found = np.zeros(1, dtype=np.bool_)
    a, b, c = (np.uint64(k) for k in (1, 2, 3))
    fec.insert(cache, a, 1.0)
    fec.insert(cache, b, 2.0)
    fec.lookup(cache, a, found)  # a is now more recent than b
    fec.insert(cache, c, 3.0)  # evicts b
    assert fec.lookup(cache, b, found) == 0.0 and not found[0]
    assert fec.lookup(cache, a, found) == 1.0 and found[0]
    assert fec.lookup(cache, c, found) == 3.0 and found[0]


def test_prediction_words_truncate_canonicalize_and_carry_their_position():
    word = fec.prediction_word
    assert word(0.0, 3) == word(-0.0, 3)
    assert word(np.nan, 3) == word(-np.nan, 3)
    x = 0.123456789
    assert word(x, 0) == word(x * (1 + 1e-15), 0)  # rounding-level
    assert word(x, 0) != word(x * (1 + 1e-6), 0)
    assert word(1.0, 0) != word(-1.0, 0)
    assert len({int(word(x, k)) for k in range(100)}) == 100  # each position its own word
    last = int(word(x, fec.MAX_ROW - 1))  # the tag fits below the prediction's bits
    assert last & ~(fec.MAX_ROW - 1) == int(word(x, 0)) and last & (fec.MAX_ROW - 1) == fec.MAX_ROW - 1


def test_row_hash_depends_on_every_prediction_and_its_place():
    h0 = np.uint64(7)
    row = np.array([0.5, -1.25, np.nan, 3.0, 0.0])
    key = fec.fold_row(h0, row, 5)
    assert fec.fold_row(h0, row.copy(), 5) == key
    assert fec.fold_row(h0, row[[1, 0, 2, 3, 4]], 5) != key  # two predictions swapped
    assert fec.fold_row(h0, row[[0, 1, 2, 4, 3]], 5) != key
    for k in range(5):
        changed = row.copy()
        changed[k] = 2.0
        assert fec.fold_row(h0, changed, 5) != key, k
    assert fec.fold_row(h0, row, 4) != key  # the width counts
    assert fec.fold_row(np.uint64(8), row, 5) != key
    assert fec.fold(fec.fold(h0, 1), 2) != fec.fold(fec.fold(h0, 2), 1)  # order matters


def test_row_hash_is_the_oracles():
    rng = np.random.default_rng(3)
    for width in (1, 7, 20):
        for _ in range(50):
            row = rng.normal(size=width) * 10.0 ** rng.integers(-5, 5, size=width)
            row[rng.random(width) < 0.2] = np.nan
            row[rng.random(width) < 0.1] = -0.0
            h = int(rng.integers(0, 2**63))
            assert int(fec.fold_row(np.uint64(h), row, width)) == evolution_oracle.fold_row(h, row.tolist())


def test_bad_sizes_are_rejected():
    with pytest.raises(ValueError):
        fec.new_cache(0, 1)
    with pytest.raises(ValueError):
        fec.new_cache(1, 0)


def _filled(capacity: int, forget_every: int, steps: int, seed: int) -> fec.FecArrays:
    """A cache after random lookups and inserts (some entries forgotten, maybe full)."""
    rng, found = np.random.default_rng(seed), np.zeros(1, dtype=np.bool_)
    cache = fec.new_cache(capacity, forget_every)
    for _ in range(steps):
        key = np.uint64(int(rng.integers(3 * capacity)) * 0x9E3779B97F4A7C15 % 2**64)
        fec.lookup(cache, key, found)
        if not found[0]:
            fec.insert(cache, key, float(rng.random()))
    return cache


@pytest.mark.parametrize("capacity,forget_every,steps", [(8, 3, 0), (8, 3, 5), (16, 4, 500), (50, 1000, 3000)])
def test_a_cache_rebuilt_from_its_entries_behaves_identically(capacity, forget_every, steps):
    """Checkpoints keep the contents only: the rebuilt cache answers every later lookup and
    insert as the original does (values, hits, evictions, forgetting, counters)."""
    original = _filled(capacity, forget_every, steps, seed=capacity + steps)
    saved = fec.entries(original)
    assert saved["keys"].shape == (int(original.meta[fec.SIZE]),)
    rebuilt = fec.from_entries(capacity, **saved)
    assert _recency(rebuilt) == _recency(original)
    rng, found_a, found_b = np.random.default_rng(7), np.zeros(1, dtype=np.bool_), np.zeros(1, dtype=np.bool_)
    for _ in range(2000):
        key = np.uint64(int(rng.integers(3 * capacity)) * 0x9E3779B97F4A7C15 % 2**64)
        a, b = fec.lookup(original, key, found_a), fec.lookup(rebuilt, key, found_b)
        assert (a, found_a[0]) == (b, found_b[0])
        if not found_a[0]:
            value = float(rng.random())
            fec.insert(original, key, value)
            fec.insert(rebuilt, key, value)
    for name, array in fec.entries(original).items():
        np.testing.assert_array_equal(fec.entries(rebuilt)[name], array)


def test_entries_that_cannot_be_a_cache_are_rejected():
    saved = fec.entries(_filled(8, 3, 200, seed=1))
    assert saved["keys"].shape[0] >= 3
    with pytest.raises(ValueError, match="do not fit"):
        fec.from_entries(2, **saved)
    twice = {**saved, "keys": saved["keys"].copy()}
    twice["keys"][1] = twice["keys"][0]
    with pytest.raises(ValueError, match="twice"):
        fec.from_entries(8, **twice)
    hits = {**saved, "hits": saved["hits"].copy()}
    hits["hits"][0] = 3  # forget_every: it would have been forgotten
    with pytest.raises(ValueError, match="hit counts"):
        fec.from_entries(8, **hits)
    with pytest.raises(ValueError, match="counters"):
        fec.from_entries(8, **{**saved, "counters": np.array([1, 2, 3], np.int64)})
    with pytest.raises(ValueError, match="shape"):
        fec.from_entries(8, **{**saved, "values": saved["values"][:-1]})
