"""Tests of zero.tasks: shapes, determinism, family semantics, strict spec validation."""

from __future__ import annotations

import itertools
import random

import numpy as np
import pytest

from zero.errors import ConfigError
from zero.tasks import FAMILIES, HELD_OUT_PAIRS, TaskSet, TaskSpec, make_tasks

SRC = "experiments/x.yaml:tasks.search"
ARRAYS = ("x_train", "y_train", "x_valid", "y_valid", "x_test", "y_test", "orders", "rng_seeds")


def spec_for(family: str, **kw) -> TaskSpec:
    base = dict(family=family, feature_size=1 if family == "sinusoid" else 4,
                num_train=60, num_valid=20, num_test=10, epochs=3)
    base.update(kw)
    return TaskSpec(**base)


def assert_same(a: TaskSet, b: TaskSet) -> None:
    for name in ARRAYS:
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name), err_msg=name)
        assert getattr(a, name).dtype == getattr(b, name).dtype
    assert a.descriptions == b.descriptions


@pytest.mark.parametrize("family", sorted(FAMILIES))
def test_shapes_dtypes_layout(family):
    spec = spec_for(family)
    ts = make_tasks(spec, 5, seed=3)
    F = spec.feature_size
    expect = {"x_train": (5, 60, F), "y_train": (5, 60), "x_valid": (5, 20, F),
              "y_valid": (5, 20), "x_test": (5, 10, F), "y_test": (5, 10)}
    for name, shape in expect.items():
        a = getattr(ts, name)
        assert a.shape == shape and a.dtype == np.float64, name
        assert a.flags.c_contiguous and a.flags.writeable, name
        assert np.all(np.isfinite(a)), name
    assert ts.orders.shape == (5, 3, 60) and ts.orders.dtype == np.int64
    assert ts.rng_seeds.shape == (5,) and ts.rng_seeds.dtype == np.int64
    assert np.all((ts.rng_seeds >= 0) & (ts.rng_seeds < 2**62))
    assert len(set(ts.rng_seeds.tolist())) == 5
    assert ts.orders.flags.c_contiguous and ts.orders.flags.writeable
    assert (ts.num_tasks, ts.num_train, ts.num_valid, ts.feature_size, ts.epochs) == (5, 60, 20, F, 3)
    assert len(ts.descriptions) == 5 and all(isinstance(d, str) and d for d in ts.descriptions)
    assert ts.classification == FAMILIES[family].classification
    assert ts.spec == spec and ts.seed == 3


@pytest.mark.parametrize("family", sorted(FAMILIES))
def test_determinism_and_seed_sensitivity(family):
    spec = spec_for(family)
    a = make_tasks(spec, 4, seed=11)
    np.random.seed(12345)
    np.random.standard_normal(7)
    random.seed(99)
    b = make_tasks(spec, 4, seed=11)
    assert_same(a, b)
    c = make_tasks(spec, 4, seed=12)
    assert not np.array_equal(a.x_train, c.x_train)
    assert not np.array_equal(a.rng_seeds, c.rng_seeds)
    h = make_tasks(spec, 4, seed=11, held_out=True)
    assert not np.array_equal(a.x_train, h.x_train)


@pytest.mark.parametrize("family", sorted(FAMILIES))
def test_prefix_property_and_subset(family):
    spec = spec_for(family)
    big = make_tasks(spec, 12, seed=5)
    small = make_tasks(spec, 4, seed=5)
    assert_same(small, big.subset(range(4)))
    sub = big.subset([7, 2])
    np.testing.assert_array_equal(sub.x_valid[0], big.x_valid[7])
    np.testing.assert_array_equal(sub.orders[1], big.orders[2])
    assert sub.descriptions == (big.descriptions[7], big.descriptions[2])
    assert sub.x_train.flags.c_contiguous and sub.x_train.flags.writeable
    sub.x_train[0, 0, 0] += 1.0  # a copy: the parent is untouched
    assert sub.x_train[0, 0, 0] != big.x_train[7, 0, 0]
    with pytest.raises(IndexError):
        big.subset([12])


@pytest.mark.parametrize("family", sorted(FAMILIES))
def test_orders_are_permutations_epoch0_identity(family):
    ts = make_tasks(spec_for(family, epochs=4), 3, seed=0)
    for t in range(3):
        np.testing.assert_array_equal(ts.orders[t, 0], np.arange(60))
        for e in range(4):
            np.testing.assert_array_equal(np.sort(ts.orders[t, e]), np.arange(60))
        assert not np.array_equal(ts.orders[t, 1], ts.orders[t, 2])
    assert not np.array_equal(ts.orders[0, 1], ts.orders[1, 1])
    # Epochs only add orders: the data does not depend on them.
    one = make_tasks(spec_for(family, epochs=1), 3, seed=0)
    np.testing.assert_array_equal(one.x_train, ts.x_train)
    np.testing.assert_array_equal(one.orders[:, 0], ts.orders[:, 0])


CLASSIFICATION = sorted(f for f, fam in FAMILIES.items() if fam.classification)
REGRESSION = sorted(f for f, fam in FAMILIES.items() if not fam.classification)


def test_registry_split():
    assert set(CLASSIFICATION) == {"digits_binary", "mnist1d_binary"}
    assert set(REGRESSION) == {"linear", "affine", "teacher_nn", "sinusoid"}


@pytest.mark.parametrize("family", CLASSIFICATION)
def test_binary_labels_and_standardisation(family):
    ts = make_tasks(spec_for(family, feature_size=6), 6, seed=1)
    for ys in (ts.y_train, ts.y_valid, ts.y_test):
        assert set(np.unique(ys).tolist()) <= {0.0, 1.0}
    for t in range(6):
        assert set(np.unique(ts.y_train[t]).tolist()) == {0.0, 1.0}
    np.testing.assert_allclose(ts.x_train.mean(axis=1), 0.0, atol=1e-9)
    np.testing.assert_allclose(ts.x_train.std(axis=1), 1.0, atol=1e-9)
    # The valid split is transformed with the train statistics, so it is not exactly standard.
    assert not np.allclose(ts.x_valid.mean(axis=1), 0.0, atol=1e-9)


@pytest.mark.parametrize("family", CLASSIFICATION)
def test_binary_pairs_held_out(family):
    search = make_tasks(spec_for(family), 60, seed=2)
    final = make_tasks(spec_for(family), 60, seed=2, held_out=True)

    def pairs(ts):
        out = set()
        for d in ts.descriptions:
            a, b = d.split("pair (")[1].split(")")[0].split(", ")
            out.add(frozenset((int(a), int(b))))
        return out

    held = {frozenset(p) for p in HELD_OUT_PAIRS}
    assert len(held) == 9
    assert pairs(final) <= held and len(pairs(final)) > 3
    assert not pairs(search) & held and len(pairs(search)) > 10
    # An explicit pair list is honoured, with label 1 for the first class.
    one = make_tasks(spec_for(family, params={"pairs": [[7, 1]]}), 3, seed=0)
    assert all("pair (7, 1)" in d for d in one.descriptions)


def test_default_pairs_are_the_other_36():
    spec = TaskSpec.from_dict({"family": "digits_binary", "feature_size": 4, "num_train": 10,
                               "num_valid": 10}, SRC)
    params = spec.validate(SRC)
    all_pairs = {frozenset(p) for p in itertools.combinations(range(10), 2)}
    default = {frozenset(p) for p in params["pairs"]}
    assert len(params["pairs"]) == 36 and default == all_pairs - {frozenset(p) for p in HELD_OUT_PAIRS}


def test_binary_label_one_is_first_class():
    """Use every example of the pair: the count of label 1 must be the size of class a."""
    from sklearn.datasets import load_digits
    counts = np.bincount(load_digits(return_X_y=True)[1])
    assert counts[0] != counts[1]
    for a, b in ((0, 1), (1, 0)):
        spec = spec_for("digits_binary", num_train=300, num_valid=50,
                        num_test=int(counts[0] + counts[1]) - 350,
                        params={"pairs": [[a, b]], "held_out_pairs": [[4, 6]]})
        ts = make_tasks(spec, 2, seed=0)
        for t in range(2):
            total = ts.y_train[t].sum() + ts.y_valid[t].sum() + ts.y_test[t].sum()
            assert total == counts[a]
    # And the classes are separable in the projected space (the projection keeps the signal).
    from sklearn.linear_model import LogisticRegression
    ts = make_tasks(spec_for("digits_binary", feature_size=8, num_train=200, num_valid=100), 2, 0)
    for t in range(2):
        clf = LogisticRegression(max_iter=1000).fit(ts.x_train[t], ts.y_train[t])
        assert clf.score(ts.x_valid[t], ts.y_valid[t]) >= 0.8


def _lstsq_residual(x, y):
    coef, *_ = np.linalg.lstsq(x, y, rcond=None)
    return np.max(np.abs(x @ coef - y))


def test_linear_is_exactly_linear():
    ts = make_tasks(spec_for("linear", feature_size=5), 4, seed=0)
    for t in range(4):
        x = np.concatenate([ts.x_train[t], ts.x_valid[t], ts.x_test[t]])
        y = np.concatenate([ts.y_train[t], ts.y_valid[t], ts.y_test[t]])
        assert _lstsq_residual(x, y) < 1e-9
        # No intercept: adding one does not help, and the weights are shared across splits.
        coef, *_ = np.linalg.lstsq(ts.x_train[t], ts.y_train[t], rcond=None)
        np.testing.assert_allclose(ts.x_test[t] @ coef, ts.y_test[t], atol=1e-9)
    # Different tasks have different weights.
    w0, *_ = np.linalg.lstsq(ts.x_train[0], ts.y_train[0], rcond=None)
    w1, *_ = np.linalg.lstsq(ts.x_train[1], ts.y_train[1], rcond=None)
    assert not np.allclose(w0, w1)


def test_affine_has_intercept():
    ts = make_tasks(spec_for("affine", feature_size=5), 4, seed=0)
    for t in range(4):
        x, y = ts.x_train[t], ts.y_train[t]
        x1 = np.hstack([x, np.ones((len(x), 1))])
        assert _lstsq_residual(x1, y) < 1e-9
        assert _lstsq_residual(x, y) > 1e-3  # a ~ N(0,1) is almost surely not ~0


def test_teacher_nn_is_a_relu_network():
    # F = 1: y = u * max(m x, 0) is zero on one half-line and linear through 0 on the other.
    ts = make_tasks(spec_for("teacher_nn", feature_size=1), 5, seed=0)
    for t in range(5):
        x, y = ts.x_train[t, :, 0], ts.y_train[t]
        pos, neg = x > 0, x < 0
        zero_side = pos if np.all(y[pos] == 0) else neg
        live_side = neg if zero_side is pos else pos
        assert np.all(y[zero_side] == 0.0)
        slope = y[live_side] / x[live_side]
        np.testing.assert_allclose(slope, slope[0], rtol=1e-9)
    # F = 4: not linear, but positively homogeneous pieces make it piecewise linear; check that
    # a linear fit fails (so the hidden layer matters).
    ts4 = make_tasks(spec_for("teacher_nn", feature_size=4), 3, seed=0)
    for t in range(3):
        assert _lstsq_residual(ts4.x_train[t], ts4.y_train[t]) > 1e-3


def test_sinusoid_bounds_and_form():
    ts = make_tasks(spec_for("sinusoid", num_train=5, num_valid=10), 50, seed=0)
    assert np.all(np.abs(ts.x_train) <= 5.0) and np.all(np.abs(ts.x_test) <= 5.0)
    amps = []
    for t in range(50):
        x = np.concatenate([ts.x_train[t, :, 0], ts.x_valid[t, :, 0], ts.x_test[t, :, 0]])
        y = np.concatenate([ts.y_train[t], ts.y_valid[t], ts.y_test[t]])
        assert np.all(np.abs(y) <= 5.0)
        # A sin(x - phi) = (A cos phi) sin x - (A sin phi) cos x: exactly linear in [sin, cos].
        basis = np.stack([np.sin(x), np.cos(x)], axis=1)
        (c, s), *_ = np.linalg.lstsq(basis, y, rcond=None)
        assert _lstsq_residual(basis, y) < 1e-9
        amp, phase = np.hypot(c, s), np.arctan2(-s, c)
        assert 0.1 - 1e-9 <= amp <= 5.0 + 1e-9
        assert -1e-9 <= phase <= np.pi + 1e-9
        amps.append(amp)
    assert max(amps) - min(amps) > 2.0  # amplitudes actually vary across tasks


def test_from_dict_roundtrip():
    d = {"family": "sinusoid", "feature_size": 1, "num_train": 10, "num_valid": 5,
         "num_test": 7, "epochs": 2, "params": {"amplitude": [1, 2]}}
    spec = TaskSpec.from_dict(d, SRC)
    assert spec == TaskSpec("sinusoid", 1, 10, 5, 7, 2, {"amplitude": [1, 2]})
    assert TaskSpec.from_dict(spec.to_dict(), SRC) == spec
    assert hash(TaskSpec.from_dict(d, SRC)) == hash(spec)  # usable as a dict key
    ts = make_tasks(spec, 20, seed=0)
    assert np.all(np.abs(ts.y_train) <= 2.0)
    assert TaskSpec.from_dict({"family": "linear", "feature_size": 3, "num_train": 1,
                               "num_valid": 1}, SRC).num_test == 100


BASE = {"family": "linear", "feature_size": 4, "num_train": 10, "num_valid": 10}
BAD_SPECS = [
    ({"family": "linaer"}, "family"),
    ({"family": 3}, "family"),
    ({"feature_size": 0}, "feature_size"),
    ({"feature_size": 2.0}, "feature_size"),
    ({"feature_size": True}, "feature_size"),
    ({"num_train": 0}, "num_train"),
    ({"num_valid": -1}, "num_valid"),
    ({"num_test": 0}, "num_test"),
    ({"epochs": 0}, "epochs"),
    ({"epochs": "2"}, "epochs"),
    ({"bogus": 1}, "bogus"),
    ({"params": [1]}, "params"),
    ({"params": {"noise": 0.1}}, "params.noise"),
    ({"family": "sinusoid", "feature_size": 2}, "feature_size"),
    ({"family": "sinusoid", "feature_size": 1, "params": {"amplitude": [5, 1]}},
     "params.amplitude"),
    ({"family": "sinusoid", "feature_size": 1, "params": {"phase": "pi"}}, "params.phase"),
    ({"family": "digits_binary", "params": {"pairs": [[1, 1]]}}, "params.pairs"),
    ({"family": "digits_binary", "params": {"pairs": [[1, 10]]}}, "params.pairs"),
    ({"family": "digits_binary", "params": {"pairs": []}}, "params.pairs"),
    ({"family": "digits_binary", "params": {"pairs": [[6, 4]]}}, "params.pairs"),
    ({"family": "digits_binary", "params": {"held_out_pairs": [[0, "1"]]}},
     "params.held_out_pairs"),
    ({"family": "digits_binary", "params": {"colour": 1}}, "params.colour"),
    ({"family": "digits_binary", "num_train": 300, "num_valid": 100}, "num_train"),
    ({"family": "mnist1d_binary", "num_train": 1990, "num_valid": 10}, "num_train"),
]


@pytest.mark.parametrize("override,key", BAD_SPECS, ids=[k for _, k in BAD_SPECS])
def test_bad_specs_raise_config_error(override, key):
    with pytest.raises(ConfigError) as err:
        TaskSpec.from_dict({**BASE, **override}, SRC)
    assert err.value.key == key and err.value.source == SRC
    assert SRC in str(err.value) and f"'{key}'" in str(err.value)


@pytest.mark.parametrize("missing", ["family", "feature_size", "num_train", "num_valid"])
def test_missing_required_key(missing):
    d = {k: v for k, v in BASE.items() if k != missing}
    with pytest.raises(ConfigError, match=missing) as err:
        TaskSpec.from_dict(d, SRC)
    assert SRC in str(err.value)


def test_from_dict_rejects_non_mapping():
    with pytest.raises(ConfigError, match="mapping"):
        TaskSpec.from_dict([1, 2], SRC)


def test_make_tasks_validates_spec_and_arguments():
    with pytest.raises(ConfigError, match="feature_size") as err:
        make_tasks(TaskSpec("sinusoid", 3, 5, 5), 2, 0, source=SRC)
    assert SRC in str(err.value)
    with pytest.raises(ConfigError, match="num_tasks"):
        make_tasks(TaskSpec("linear", 3, 5, 5), 0, 0)
    with pytest.raises(ConfigError, match="seed"):
        make_tasks(TaskSpec("linear", 3, 5, 5), 2, -1)


def test_mnist1d_generation_leaves_global_rng_alone():
    from zero import tasks
    tasks._mnist1d.cache_clear()
    np.random.seed(7)
    random.seed(7)
    expect_np, expect_py = np.random.random(), random.random()
    np.random.seed(7)
    random.seed(7)
    make_tasks(spec_for("mnist1d_binary"), 1, seed=0)
    assert np.random.random() == expect_np and random.random() == expect_py


def test_linear_input_scale_multiplies_each_tasks_inputs():
    plain = make_tasks(TaskSpec("linear", 4, 50, 10), 6, seed=3)
    same = make_tasks(TaskSpec("linear", 4, 50, 10, params={"input_scale": [1, 1]}), 6, seed=3)
    assert np.array_equal(plain.x_train, same.x_train) and plain.descriptions == same.descriptions  # default: unchanged
    scaled = make_tasks(TaskSpec("linear", 4, 50, 10, params={"input_scale": [0.1, 10]}), 6, seed=3)
    factors = scaled.x_train[:, 0, 0] / plain.x_train[:, 0, 0]
    assert np.allclose(scaled.x_train, factors[:, None, None] * plain.x_train)  # one factor per task
    assert np.all((0.1 <= factors) & (factors <= 10)) and factors.max() / factors.min() > 5
    assert np.allclose(scaled.y_train, factors[:, None] * plain.y_train)  # y = w . (scale x): the same w
    for bad in ([10, 0.1], [0, 1], [1], "big"):
        with pytest.raises(ConfigError) as e:
            make_tasks(TaskSpec("linear", 4, 50, 10, params={"input_scale": bad}), 2, seed=3)
        assert e.value.key == "params.input_scale"
