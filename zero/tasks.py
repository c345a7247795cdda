"""Seeded task families, materialised as NumPy arrays for the interpreter.

An AutoML-Zero search scores a program on a set of *tasks* (Real et al., ICML 2020, §3 and
supplement S1; reference code ``task.h``/``task_util.h``/``generate_datasets.py``). Each task is a
small supervised problem with a train split the program learns from (``Setup`` once, then
``Predict``+``Learn`` per example, for ``epochs`` passes), a validation split that scores it
(``Predict`` only), and a test split that is reported but never used by the search.

Families (``FAMILIES``, keyed by ``TaskSpec.family``):

* ``linear``     y = w·x, w, x ~ N(0, I_F), no noise (the paper's demo / §4.1 task); with
  ``input_scale: [lo, hi]`` each task's inputs are multiplied by one factor drawn log-uniformly
  from that range (default [1, 1]: none), so that no fixed learning rate suits every task.
* ``affine``     y = w·x + a, a ~ N(0, 1) (paper §4.1).
* ``teacher_nn`` y = u·ReLU(M x), M ~ N(0,1)^{F×F}, u ~ N(0,1)^F (reference "2-layer teacher";
  the reference zeroes some rows of M, zero does not).
* ``digits_binary`` / ``mnist1d_binary``  projected binary classification (paper §4.2): a class
  pair (a, b), a random N(0,1) projection D→F, per-feature standardisation fitted on the task's
  train split, label 1.0 for class a and 0.0 for class b. The paper uses CIFAR-10/MNIST; zero uses
  data that ships with (or is generated offline by) installed packages, so nothing is downloaded.
* ``sinusoid``   few-shot regression with the MAML protocol (Finn et al., ICML 2017):
  y = A sin(x − φ), A ~ U[0.1, 5], φ ~ U[0, π], x ~ U[−5, 5]; F must be 1.

Determinism contract: ``make_tasks(spec, T, seed, held_out=h)`` is a pure function of its
arguments (bit-identical in any process, whatever the global RNG state). Task t is generated from
``np.random.SeedSequence([seed, t, zlib.crc32(family), int(h)])`` alone, spawned into three
independent streams: data, epoch orders, program-RNG seed. Hence the first k tasks of a T-task set
equal a k-task set, ``epochs`` does not change the data, and held-out tasks differ from search
tasks with the same seed.

Mixed feature sizes and families (:func:`make_mixed_tasks`, an experiment's ``feature_size: [2, 8,
32]`` or a phase's ``family: [linear, teacher_nn]``): the T tasks of a phase are split into one
contiguous group per (family, size), families outermost, as even as can be (the first groups take
the remainder), and task t is still drawn from ``SeedSequence([seed, t, ...])`` with t its index in
the whole phase, so no two tasks share a stream. A :class:`MixedTaskSet` holds the
groups; everything that scores a program runs each group with the kernels of its size and reads
the per-task fitness in phase order (:func:`groups_of`).
"""

from __future__ import annotations

import dataclasses
import functools
import itertools
import json
import math
import numbers
import random
import zlib
from dataclasses import dataclass, field, fields
from typing import Any, Callable, Mapping, Sequence

import numpy as np

from zero.errors import ConfigError

# The 9 class pairs the paper holds out of search for final evaluation (paper §4.2, reference
# generate_datasets.py). Label 1 is the first class of a pair.
HELD_OUT_PAIRS: tuple[tuple[int, int], ...] = (
    (4, 6), (3, 5), (8, 9), (3, 8), (0, 9), (2, 9), (1, 8), (3, 6), (0, 5))
MNIST1D_NUM_SAMPLES = 10_000  # 1000 per class, so each pair offers 2000 examples


@dataclass(frozen=True)
class TaskSpec:
    """What tasks to build; ``params`` are family-specific (see each family's docstring)."""

    family: str            # key of FAMILIES
    feature_size: int      # F >= 1
    num_train: int         # examples per task the program learns from (>= 1)
    num_valid: int         # examples per task used to score the program (>= 1)
    num_test: int = 100    # held-out examples per task, reported only (>= 1)
    epochs: int = 1        # passes over the train split; epoch 0 in stored order, later shuffled
    params: Mapping[str, Any] = field(default_factory=dict)

    def __hash__(self) -> int:  # params is a dict: hash a canonical rendering instead
        return hash(json.dumps(self.to_dict(), sort_keys=True, default=repr))

    @property
    def num_examples(self) -> int:
        return self.num_train + self.num_valid + self.num_test

    @staticmethod
    def from_dict(d: Mapping[str, Any], source: str) -> "TaskSpec":
        """Strictly parse a config mapping; any problem -> ConfigError(source, key, value, ...)."""
        if not isinstance(d, Mapping):
            raise ConfigError(source, "(mapping)", d, "a task spec must be a mapping")
        known = [f.name for f in fields(TaskSpec)]
        for k in d:
            if k not in known:
                raise ConfigError(source, str(k), d[k], f"unknown key; known keys: {known}")
        for k in ("family", "feature_size", "num_train", "num_valid"):
            if k not in d:
                raise ConfigError(source, k, None, "is required")
        params = d.get("params", {})
        if params is None:
            params = {}
        if not isinstance(params, Mapping):
            raise ConfigError(source, "params", params, "must be a mapping")
        spec = TaskSpec(**{**dict(d), "params": dict(params)})
        spec.validate(source)
        return spec

    def to_dict(self) -> dict[str, Any]:
        """Inverse of ``from_dict`` (plain Python types, suitable for YAML/JSON)."""
        return {f.name: (dict(self.params) if f.name == "params" else getattr(self, f.name))
                for f in fields(self)}

    def validate(self, source: str = "TaskSpec") -> dict[str, Any]:
        """Check every field and the family's params; return the params with defaults filled in."""
        if not isinstance(self.family, str) or self.family not in FAMILIES:
            raise ConfigError(source, "family", self.family,
                              f"unknown task family; known: {sorted(FAMILIES)}")
        for k in ("feature_size", "num_train", "num_valid", "num_test", "epochs"):
            _check_int(source, k, getattr(self, k), minimum=1)
        if not isinstance(self.params, Mapping):
            raise ConfigError(source, "params", self.params, "must be a mapping")
        return FAMILIES[self.family].check(self, source)


@dataclass(frozen=True, eq=False)
class TaskSet:
    """T tasks as stacked arrays. All float arrays are float64, C-contiguous and writeable."""

    spec: TaskSpec
    seed: int
    classification: bool          # True: y in {0.0, 1.0}, accuracy fitness; False: RMSE fitness
    x_train: np.ndarray           # [T, N, F]
    y_train: np.ndarray           # [T, N]
    x_valid: np.ndarray           # [T, Nv, F]
    y_valid: np.ndarray           # [T, Nv]
    x_test: np.ndarray            # [T, Nt, F]
    y_test: np.ndarray            # [T, Nt]
    orders: np.ndarray            # int64 [T, E, N]; orders[t, 0] = arange(N), others permutations
    rng_seeds: np.ndarray         # int64 [T] in [0, 2**62): seed of program random ops on task t
    descriptions: tuple[str, ...]  # one human-readable line per task

    @property
    def num_tasks(self) -> int:
        return self.x_train.shape[0]

    @property
    def num_train(self) -> int:
        return self.x_train.shape[1]

    @property
    def num_valid(self) -> int:
        return self.x_valid.shape[1]

    @property
    def feature_size(self) -> int:
        return self.x_train.shape[2]

    @property
    def epochs(self) -> int:
        return self.orders.shape[1]

    def subset(self, indices: Sequence[int] | np.ndarray) -> "TaskSet":
        """The tasks at ``indices`` (in that order), as fresh contiguous writeable copies."""
        idx = np.asarray(indices, dtype=np.int64).reshape(-1)
        if idx.size and (idx.min() < -self.num_tasks or idx.max() >= self.num_tasks):
            raise IndexError(f"task indices {idx.tolist()} out of range for {self.num_tasks} tasks")
        take = lambda a: np.ascontiguousarray(a[idx])  # noqa: E731  (fancy indexing copies)
        return TaskSet(self.spec, self.seed, self.classification,
                       take(self.x_train), take(self.y_train), take(self.x_valid),
                       take(self.y_valid), take(self.x_test), take(self.y_test),
                       take(self.orders), take(self.rng_seeds),
                       tuple(self.descriptions[i] for i in idx.tolist()))


# A family turns (spec, filled params, data rng, held_out, seed, t) into
# (x [num_examples, F], y [num_examples], description); rows are train, then valid, then test.
Sampler = Callable[[TaskSpec, dict, np.random.Generator, bool, int, int],
                   "tuple[np.ndarray, np.ndarray, str]"]


@dataclass(frozen=True)
class Family:
    name: str
    classification: bool
    check: Callable[[TaskSpec, str], dict]  # validate spec + params, return params with defaults
    sample: Sampler


def make_tasks(spec: TaskSpec, num_tasks: int, seed: int, *, held_out: bool = False,
               source: str = "TaskSpec", first: int = 0, draw: int = 0) -> TaskSet:
    """Build ``num_tasks`` tasks of ``spec`` from ``seed`` (see the module docstring's contract).

    ``held_out=True`` selects the final-evaluation tasks: the held-out class pairs for the binary
    families, and an independent seed stream for every family. ``first``: the index of the first
    task in its phase (a group of a mixed phase starts after the groups before it). ``draw``: which
    set of the same spec and seed, for search tasks renewed during a run (an experiment's
    ``renew_search_tasks``): draw k > 0 appends k to every task's seed entropy, so its tasks are
    independent of draw 0's and of every other phase's, and draw 0 is the set there always was.
    """
    params = spec.validate(source)
    _check_int(source, "num_tasks", num_tasks, minimum=1)
    _check_int(source, "seed", seed, minimum=0)
    fam = FAMILIES[spec.family]
    T, N, Nv, Nt, F, E = (num_tasks, spec.num_train, spec.num_valid, spec.num_test,
                          spec.feature_size, spec.epochs)
    xs = [np.empty((T, n, F)) for n in (N, Nv, Nt)]
    ys = [np.empty((T, n)) for n in (N, Nv, Nt)]
    orders = np.empty((T, E, N), dtype=np.int64)
    rng_seeds = np.empty(T, dtype=np.int64)
    descriptions = []
    family_key = zlib.crc32(spec.family.encode())
    for row, t in enumerate(range(first, first + T)):
        ss = np.random.SeedSequence([int(seed), t, family_key, int(bool(held_out))] + ([int(draw)] if draw else []))
        data_ss, order_ss, prog_ss = ss.spawn(3)
        x, y, desc = fam.sample(spec, params, np.random.default_rng(data_ss), bool(held_out),
                                int(seed), t)
        assert x.shape == (N + Nv + Nt, F) and y.shape == (N + Nv + Nt,), (x.shape, y.shape)
        for part, (lo, hi) in enumerate(((0, N), (N, N + Nv), (N + Nv, N + Nv + Nt))):
            xs[part][row], ys[part][row] = x[lo:hi], y[lo:hi]
        order_rng = np.random.default_rng(order_ss)
        orders[row, 0] = np.arange(N)
        for e in range(1, E):
            orders[row, e] = order_rng.permutation(N)
        rng_seeds[row] = np.random.default_rng(prog_ss).integers(0, 2**62)
        descriptions.append(desc)
    return TaskSet(spec, int(seed), fam.classification, xs[0], ys[0], xs[1], ys[1], xs[2], ys[2],
                   orders, rng_seeds, tuple(descriptions))


@dataclass(frozen=True, eq=False)
class MixedTaskSet:
    """Tasks of several feature sizes or families: contiguous groups, each a :class:`TaskSet` of one
    family and size, in phase order. It answers what a TaskSet answers except ``feature_size``
    (there is none) and the arrays (each group has its own); ``spec`` is the first group's."""

    groups: tuple[TaskSet, ...]

    def __post_init__(self) -> None:
        first = self.groups[0]
        for g in self.groups[1:]:
            same = (g.classification, g.num_train, g.num_valid, g.epochs) == (first.classification, first.num_train,
                                                                              first.num_valid, first.epochs)
            if not same:
                raise ValueError("the groups of a mixed task set must agree on classification, examples and epochs")

    @property
    def num_tasks(self) -> int:
        return sum(g.num_tasks for g in self.groups)

    @property
    def feature_sizes(self) -> tuple[int, ...]:
        """The feature size of each group, in order (a size may repeat after :meth:`subset`)."""
        return tuple(g.feature_size for g in self.groups)

    @property
    def classification(self) -> bool:
        return self.groups[0].classification

    @property
    def num_train(self) -> int:
        return self.groups[0].num_train

    @property
    def num_valid(self) -> int:
        return self.groups[0].num_valid

    @property
    def epochs(self) -> int:
        return self.groups[0].epochs

    @property
    def descriptions(self) -> tuple[str, ...]:
        return tuple(f"F={g.feature_size}: {d}" for g in self.groups for d in g.descriptions)

    @property
    def spec(self) -> TaskSpec:
        """The first group's spec (family, examples, params; not the feature size)."""
        return self.groups[0].spec

    @property
    def seed(self) -> int:
        return self.groups[0].seed

    def subset(self, indices: Sequence[int] | np.ndarray) -> "MixedTaskSet | TaskSet":
        """The tasks at phase ``indices`` (in that order); runs of one group stay one group, and a
        result that is all one group is a plain TaskSet."""
        idx = np.asarray(indices, dtype=np.int64).reshape(-1)
        n = self.num_tasks
        if idx.size and (idx.min() < -n or idx.max() >= n):
            raise IndexError(f"task indices {idx.tolist()} out of range for {n} tasks")
        starts = np.cumsum([0] + [g.num_tasks for g in self.groups])
        runs: list[tuple[int, list[int]]] = []
        for i in (idx % n).tolist():  # n >= 1: a set has a group, a group a task
            g = int(np.searchsorted(starts, i, side="right") - 1)
            if runs and runs[-1][0] == g:
                runs[-1][1].append(i - int(starts[g]))
            else:
                runs.append((g, [i - int(starts[g])]))
        if not runs:
            return self.groups[0].subset([])
        parts = tuple(self.groups[g].subset(local) for g, local in runs)
        return parts[0] if len(parts) == 1 else MixedTaskSet(parts)


Tasks = TaskSet | MixedTaskSet  # what an experiment's phase, and so every scorer, may hold


def groups_of(tasks: Tasks) -> tuple[TaskSet, ...]:
    """The one-size groups of ``tasks`` in phase order (a TaskSet is its own only group)."""
    return tasks.groups if isinstance(tasks, MixedTaskSet) else (tasks,)


def split_evenly(total: int, parts: int) -> list[int]:
    """``total`` split into ``parts`` counts as even as can be, the first parts taking the rest
    (a phase's tasks between feature sizes; a run's individuals between islands)."""
    return [total // parts + (i < total % parts) for i in range(parts)]


def make_mixed_tasks(spec: TaskSpec, feature_sizes: Sequence[int], num_tasks: int, seed: int, *,
                     families: Sequence[str] | None = None, held_out: bool = False,
                     source: str = "TaskSpec", draw: int = 0) -> Tasks:
    """``num_tasks`` tasks of ``spec`` split into one group per family and feature size (module
    docstring): families in the order given (default: ``spec.family`` alone), each with every size
    in order; ``draw`` as in :func:`make_tasks`. One family and one size give a plain
    :class:`TaskSet` equal to :func:`make_tasks`'s."""
    sizes = [int(f) for f in feature_sizes]
    names = [spec.family] if families is None else list(families)
    if not sizes:
        raise ConfigError(source, "feature_size", list(feature_sizes), "must name at least one size")
    if not names:
        raise ConfigError(source, "family", names, "must name at least one family")
    kinds = [(name, size) for name in names for size in sizes]
    if len(kinds) > num_tasks:
        raise ConfigError(source, "num_tasks", num_tasks, f"must be at least the number of families x feature sizes "
                          f"({len(kinds)}): every group needs a task")
    groups, first = [], 0
    for (name, size), count in zip(kinds, split_evenly(num_tasks, len(kinds))):
        groups.append(make_tasks(dataclasses.replace(spec, family=name, feature_size=size), count, seed,
                                 held_out=held_out, source=source, first=first, draw=draw))
        first += count
    return groups[0] if len(groups) == 1 else MixedTaskSet(tuple(groups))


# ----------------------------------------------------------------------------- validation helpers

def _check_int(source: str, key: str, value: Any, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise ConfigError(source, key, value, "must be an integer")
    if value < minimum:
        raise ConfigError(source, key, value, f"must be >= {minimum}")
    return int(value)


def _check_params(spec: TaskSpec, source: str, allowed: dict[str, tuple[Any, Callable]]) -> dict:
    """``allowed`` maps param name -> (default, parse(value, key) -> normalised value)."""
    out = {}
    for k, v in spec.params.items():
        if k not in allowed:
            raise ConfigError(source, f"params.{k}", v,
                              f"unknown param for family '{spec.family}'; "
                              f"allowed: {sorted(allowed) or 'none'}")
    for k, (default, parse) in allowed.items():
        out[k] = parse(spec.params[k], f"params.{k}") if k in spec.params else default
    return out


def _range_parser(source: str, lo_min: float = -math.inf) -> Callable:
    def parse(v: Any, key: str) -> tuple[float, float]:
        ok = (isinstance(v, (list, tuple)) and len(v) == 2
              and all(isinstance(a, numbers.Real) and not isinstance(a, bool)
                      and math.isfinite(a) for a in v))
        if not ok or not (lo_min <= v[0] <= v[1]):
            raise ConfigError(source, key, v,
                              f"must be [low, high] with finite {lo_min} <= low <= high")
        return float(v[0]), float(v[1])
    return parse


# ----------------------------------------------------------------------------- regression families

def _no_params(spec: TaskSpec, source: str) -> dict:
    return _check_params(spec, source, {})


def _check_linear(spec: TaskSpec, source: str) -> dict:
    return _check_params(spec, source, {"input_scale": ((1.0, 1.0), _range_parser(source, lo_min=1e-6))})


def _sample_linear(spec, params, rng, held_out, seed, t):
    w = rng.standard_normal(spec.feature_size)
    x = rng.standard_normal((spec.num_examples, spec.feature_size))
    lo, hi = params["input_scale"]
    if lo == hi == 1.0:  # the default draws nothing more: tasks stay as they always were
        return x, x @ w, f"linear, seed {seed} task {t}"
    scale = float(np.exp(rng.uniform(np.log(lo), np.log(hi))))  # log-uniform: every decade alike
    x = scale * x
    return x, x @ w, f"linear, inputs x{scale:.3g}, seed {seed} task {t}"


def _sample_affine(spec, params, rng, held_out, seed, t):
    w = rng.standard_normal(spec.feature_size)
    a = rng.standard_normal()
    x = rng.standard_normal((spec.num_examples, spec.feature_size))
    return x, x @ w + a, f"affine (a={a:.3f}), seed {seed} task {t}"


def _sample_teacher(spec, params, rng, held_out, seed, t):
    F = spec.feature_size
    m = rng.standard_normal((F, F))
    u = rng.standard_normal(F)
    x = rng.standard_normal((spec.num_examples, F))
    return x, np.maximum(x @ m.T, 0.0) @ u, f"teacher_nn, seed {seed} task {t}"


def _check_sinusoid(spec: TaskSpec, source: str) -> dict:
    if spec.feature_size != 1:
        raise ConfigError(source, "feature_size", spec.feature_size,
                          "the sinusoid family has scalar inputs: feature_size must be 1")
    return _check_params(spec, source, {
        "amplitude": ((0.1, 5.0), _range_parser(source, 0.0)),
        "phase": ((0.0, math.pi), _range_parser(source)),
        "x_range": ((-5.0, 5.0), _range_parser(source)),
    })


def _sample_sinusoid(spec, params, rng, held_out, seed, t):
    amp = rng.uniform(*params["amplitude"])
    phase = rng.uniform(*params["phase"])
    x = rng.uniform(*params["x_range"], size=(spec.num_examples, 1))
    return x, amp * np.sin(x[:, 0] - phase), f"sinusoid A={amp:.3f} phase={phase:.3f}, seed {seed} task {t}"


# ----------------------------------------------------------------------------- binary families

@functools.lru_cache(maxsize=None)
def _digits() -> tuple[np.ndarray, tuple[np.ndarray, ...]]:
    """scikit-learn's bundled 8x8 digits (1797 x 64, ~180 per class); (X, indices per class)."""
    from sklearn.datasets import load_digits
    x, y = load_digits(return_X_y=True)
    return _freeze(np.asarray(x, dtype=np.float64), y)


@functools.lru_cache(maxsize=None)
def _mnist1d(num_samples: int = MNIST1D_NUM_SAMPLES) -> tuple[np.ndarray, tuple[np.ndarray, ...]]:
    """MNIST-1D (Greydanus 2020; 40-dim) generated offline by ``make_dataset`` with its default
    arguments except ``num_samples``; its train and test parts are pooled (num_samples/10 per
    class). ``make_dataset`` reseeds the global numpy and ``random`` RNGs: their states are saved
    and restored. Never ``get_dataset``, which downloads."""
    from mnist1d.data import get_dataset_args, make_dataset
    args = get_dataset_args()
    args.num_samples = num_samples
    np_state, py_state = np.random.get_state(), random.getstate()
    try:
        d = make_dataset(args)
    finally:
        np.random.set_state(np_state)
        random.setstate(py_state)
    x = np.concatenate([d["x"], d["x_test"]]).astype(np.float64)
    return _freeze(x, np.concatenate([d["y"], d["y_test"]]))


def _freeze(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, tuple[np.ndarray, ...]]:
    x.setflags(write=False)  # cached and shared: never modified in place
    by_class = tuple(np.flatnonzero(y == c) for c in range(10))
    for i in by_class:
        i.setflags(write=False)
    return x, by_class


def _binary_family(name: str, loader: Callable[[], tuple]) -> tuple[Callable, Sampler]:
    all_pairs = tuple(itertools.combinations(range(10), 2))

    def check(spec: TaskSpec, source: str) -> dict:
        def pairs_parser(v: Any, key: str) -> tuple[tuple[int, int], ...]:
            ok = isinstance(v, (list, tuple)) and len(v) > 0 and all(
                isinstance(p, (list, tuple)) and len(p) == 2 and p[0] != p[1]
                and all(isinstance(c, numbers.Integral) and not isinstance(c, bool)
                        and 0 <= c <= 9 for c in p) for p in v)
            if not ok:
                raise ConfigError(source, key, v, "must be a non-empty list of [a, b] class pairs "
                                  "with a != b in 0..9 (label 1 = class a)")
            return tuple((int(a), int(b)) for a, b in v)

        params = _check_params(spec, source, {"pairs": (None, pairs_parser),
                                              "held_out_pairs": (HELD_OUT_PAIRS, pairs_parser)})
        held = {frozenset(p) for p in params["held_out_pairs"]}
        if params["pairs"] is None:
            params["pairs"] = tuple(p for p in all_pairs if frozenset(p) not in held)
        overlap = [p for p in params["pairs"] if frozenset(p) in held]
        if overlap:
            raise ConfigError(source, "params.pairs", [list(p) for p in params["pairs"]],
                              f"pairs {overlap} are also held out (params.held_out_pairs); "
                              "search and final-evaluation pairs must be disjoint")
        _, by_class = loader()
        for p in params["pairs"] + params["held_out_pairs"]:
            have = len(by_class[p[0]]) + len(by_class[p[1]])
            if have < spec.num_examples:
                raise ConfigError(source, "num_train", spec.num_train,
                                  f"num_train + num_valid + num_test = {spec.num_examples} examples"
                                  f" per task, but {name} pair {p} has only {have}")
        return params

    def sample(spec, params, rng, held_out, seed, t):
        x_all, by_class = loader()
        pairs = params["held_out_pairs"] if held_out else params["pairs"]
        a, b = pairs[rng.integers(len(pairs))]
        idx = rng.permutation(np.concatenate([by_class[a], by_class[b]]))[:spec.num_examples]
        proj = rng.standard_normal((x_all.shape[1], spec.feature_size))
        x = x_all[idx] @ proj
        train = x[:spec.num_train]
        mean, std = train.mean(axis=0), train.std(axis=0)
        std[std == 0.0] = 1.0  # constant feature on the train split: centre only
        x = (x - mean) / std
        y = np.isin(idx, by_class[a]).astype(np.float64)
        return x, y, f"{name} pair ({a}, {b}), seed {seed} task {t}"

    return check, sample


FAMILIES: dict[str, Family] = {
    "linear": Family("linear", False, _check_linear, _sample_linear),
    "affine": Family("affine", False, _no_params, _sample_affine),
    "teacher_nn": Family("teacher_nn", False, _no_params, _sample_teacher),
    "digits_binary": Family("digits_binary", True, *_binary_family("digits", _digits)),
    "mnist1d_binary": Family("mnist1d_binary", True, *_binary_family("mnist1d", _mnist1d)),
    "sinusoid": Family("sinusoid", False, _check_sinusoid, _sample_sinusoid),
}
