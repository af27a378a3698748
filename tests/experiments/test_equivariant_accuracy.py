"""experiments.equivariant_accuracy: invariance of the group-CNN and augmented kernels, accuracy
against an independent dense GP solve, the rotated data, the shipped results, bad input."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from ntkviz import datasets, gp, kernels
from ntkviz.experiments import equivariant_accuracy as eq
from ntkviz.experiments.architectures import architecture

#: Small: 20 training digits, 20 test digits, one seed; invariance on 3 digits.
SMALL = eq.Config(n_train=(10, 20), n_test=20, seeds=(0,), augment_N=8, angles=(45.0, 90.0),
                  invariance_digits=3)


def _digits(count: int, offset: int = 0) -> np.ndarray:
    images, _ = datasets.load_mnist()
    index = datasets.digits_per_class(2, 3).T.ravel()[offset:offset + count]
    return images[index].astype(np.float64) / 255.0


def _pooled(raw):
    return datasets.normalize(datasets.pool2(raw))


# --------------------------------------------------------------------------- invariance

def test_group_cnn_and_augmented_kernels_are_exactly_invariant_to_quarter_turns():
    x, y = _pooled(_digits(3)), _pooled(_digits(3, 3))
    turned = np.rot90(x, 1, axes=(1, 2))
    for key in ("gcnn", "augmented_cnn"):
        k = eq.kernel(key, "rot90")
        for K0, K1 in zip(k.nngp_ntk(x, y), k.nngp_ntk(turned, y)):
            assert np.max(np.abs(np.asarray(K1) - K0)) / np.max(np.abs(K0)) <= 1e-10, key
    for kind in ("ntk", "nngp"):
        assert eq.invariance(SMALL, "gcnn", "rot90", kind)[1] <= 1e-10
        assert eq.invariance(SMALL, "augmented_cnn", "rot90", kind)[1] <= 1e-10


@pytest.mark.slow
def test_interpolated_rotations_are_only_approximate_symmetries():
    # 45°: no kernel on the pixel grid is exactly invariant (the NTK numbers, > 1e-6)
    for key in ("gcnn", "augmented_cnn", "cnn_gap", "cnn_flatten"):
        assert eq.invariance(SMALL, key, "rot90", "ntk")[0] > 1e-6, key
    # the augmented kernel of "rotate" data averages over 8 interpolated rotations: 45° is one
    # of them, still not exact
    assert eq.invariance(SMALL, "augmented_cnn", "rotate", "ntk")[0] > 1e-8
    # and the plain CNNs are not invariant to a quarter turn either
    for key in ("cnn_gap", "cnn_flatten"):
        assert eq.invariance(SMALL, key, "rot90", "ntk")[1] > 1e-6, key


def test_invariance_number_equals_a_direct_computation():
    # the digits the function uses: the first of classes 0…5 in digits_per_class(1, seed 0)
    images, _ = datasets.load_mnist()
    chosen = datasets.digits_per_class(1, 0).T.ravel()[:6]
    raw = images[chosen].astype(np.float64) / 255.0
    x, y = _pooled(raw[:3]), _pooled(raw[3:])
    turned = datasets.normalize(datasets.pool2(np.stack([
        datasets.transform(a, 45, 360, "rotate") for a in raw[:3]])))
    k = kernels.cnn(depth=1, filter_size=3, readout="gap")
    K0, K1 = k.ntk(x, y), k.ntk(turned, y)
    expected = np.max(np.abs(K1 - K0)) / np.max(np.abs(K0))
    assert eq.invariance(SMALL, "cnn_gap", "rotate", "ntk")[0] == pytest.approx(expected, rel=1e-9)


def test_group_cnn_is_the_c4_orbit_average_of_the_gap_cnn():
    """The matching stated in the module docstring: group pooling = GAP averaged over C4."""
    x = _pooled(_digits(4))
    g = architecture("gcnn").kernel().nngp_ntk(x)
    o = kernels.orbit_average(architecture("cnn_gap").kernel(), "rot90", 4).nngp_ntk(x)
    for A, B in zip(g, o):
        np.testing.assert_allclose(A, B, rtol=1e-12, atol=1e-14)


# --------------------------------------------------------------------------- data and accuracy

def test_rotated_pool_is_balanced_and_rotated_as_drawn():
    pool = eq.rotated_pool(SMALL, "rot90", 0)
    X, labels, turns, index = pool["images"], pool["labels"], pool["rotation"], pool["index"]
    assert X.shape == (SMALL.pool_size, 14, 14)
    assert np.array_equal(labels[:10], np.arange(10)) and np.array_equal(labels[10:20], np.arange(10))
    assert np.array_equal(np.bincount(labels[20:]), np.full(10, 2))
    images, mnist_labels = datasets.load_mnist()
    assert np.array_equal(mnist_labels[index], labels)
    assert set(np.unique(turns)) <= {0, 1, 2, 3} and len(np.unique(turns)) > 1
    for i in (0, 7, 33):
        upright = _pooled(images[index[i]][None].astype(np.float64) / 255.0)[0]
        np.testing.assert_allclose(X[i], np.rot90(upright, turns[i]), atol=1e-15)
    # continuous angles: whole degrees, bilinear at 28×28, then pooled and normalised
    pool = eq.rotated_pool(SMALL, "rotate", 0)
    i = 5
    raw = images[pool["index"][i]].astype(np.float64) / 255.0
    from scipy import ndimage
    turned = ndimage.rotate(raw, float(pool["rotation"][i]), axes=(1, 0), reshape=False, order=1)
    np.testing.assert_allclose(pool["images"][i], _pooled(turned[None])[0], atol=1e-12)
    # a larger grid extends the training digits without changing the first ones
    bigger = dataclasses.replace(SMALL, n_train=(10, 20, 30))
    assert np.array_equal(eq.rotated_pool(bigger, "rot90", 0)["index"][:20], eq.rotated_pool(SMALL, "rot90", 0)["index"][:20])


def test_accuracy_equals_an_independent_dense_solve():
    for mode, kind in (("rot90", "ntk"), ("rotate", "nngp")):
        pool = eq.rotated_pool(SMALL, mode, 0)
        X, labels = pool["images"], pool["labels"]
        k = kernels.cnn(depth=1, filter_size=3, readout="flatten")
        K = k.ntk(X) if kind == "ntk" else k.nngp(X)
        got = eq.accuracy_curves(SMALL, "cnn_flatten", mode, 0, kind)
        for j, n in enumerate(SMALL.n_train):
            A = K[:n, :n] + gp.DEFAULT_RIDGE * np.trace(K[:n, :n]) * np.eye(n)
            out = K[20:, :n] @ np.linalg.solve(A, np.eye(10)[labels[:n]])
            assert got[j] == pytest.approx(np.mean(out.argmax(axis=1) == labels[20:]), abs=1e-15)


# --------------------------------------------------------------------------- results files

def test_shipped_results_recompute():
    shipped = eq.load_precomputed()
    config = shipped.config
    assert config == eq.Config()
    assert shipped.accuracy.shape == (2, 2, 4, len(config.seeds), len(config.n_train))
    assert np.all((shipped.accuracy >= 0) & (shipped.accuracy <= 1))
    for mode in eq.MODES:
        for kind in ("ntk", "nngp"):
            np.testing.assert_array_equal(
                shipped.accuracy[eq.MODES.index(mode), shipped.kinds.index(kind),
                                 shipped.kernels.index("cnn_flatten"), 0],
                eq.accuracy_curves(config, "cnn_flatten", mode, 0, kind))
    np.testing.assert_allclose(shipped.invariance[0, 0, shipped.kernels.index("cnn_flatten")],
                               eq.invariance(config, "cnn_flatten", "rot90", "ntk"), rtol=1e-9)
    # what the explorer shows: the group CNN exactly invariant at 90°, approximately elsewhere
    g = shipped.kernels.index("gcnn")
    angles = list(config.angles)
    assert np.all(shipped.invariance[:, :, g, angles.index(90.0)] <= 1e-10)
    assert np.all(shipped.invariance[:, :, g, angles.index(45.0)] > 1e-8)
    width = shipped.companions["width"]
    assert width["ntk_slope"] < -0.2 and width["nngp_slope"] < -0.2
    assert width["max_invariance_gap"] < 1e-10
    assert all(all(t["agrees"]) for t in shipped.companions["propositions"].values())


def test_save_and_load_round_trip(tmp_path):
    r = eq.compute(SMALL, kernels=("cnn_flatten",))
    path = eq.save_results(r, tmp_path / "r.npz")
    back = eq.load_results(path)
    assert back.config == SMALL and back.kernels == ("cnn_flatten",) and back.companions is None
    np.testing.assert_array_equal(back.accuracy, r.accuracy)
    np.testing.assert_array_equal(back.invariance, r.invariance)
    mean, std = back.curve("rot90", "ntk", "cnn_flatten")
    assert mean.shape == std.shape == (2,)
    assert back.at("rot90", "ntk", "cnn_flatten", 20) == pytest.approx(mean[1])


@pytest.mark.slow
def test_precompute_quick_writes_the_quick_configuration(tmp_path):
    calls = []
    path, lines = eq.precompute(lambda done, total, label: calls.append((done, total)), quick=True,
                                path=tmp_path / "eq.npz")
    back = eq.load_results(path)
    assert back.config == eq.QUICK and back.companions is None and back.kernels == eq.KERNELS
    assert calls[-1] == (8, 8) and len(lines) == 4 and "rot90, NTK" in lines[0]
    np.testing.assert_array_equal(back.accuracy[1, 0, 2, 0],
                                  eq.accuracy_curves(eq.QUICK, "cnn_flatten", "rotate", 0, "ntk"))


# --------------------------------------------------------------------------- bad input

@pytest.mark.parametrize("kwargs, match", [
    (dict(n_train=(15,)), "n_train must be a multiple of 10"),
    (dict(n_train=(20, 10)), "n_train must be increasing"),
    (dict(n_train=()), "n_train must hold at least one"),
    (dict(n_test=0), "n_test"),
    (dict(seeds=(-1,)), "seeds"),
    (dict(angles=(0.0,)), "angles must lie strictly between"),
    (dict(augment_N=1), "augment_N"),
])
def test_bad_config(kwargs, match):
    with pytest.raises(ValueError, match=match):
        eq.Config(**kwargs)


def test_bad_arguments():
    with pytest.raises(TypeError, match="config"):
        eq.compute("small")
    with pytest.raises(TypeError, match="n_train must be a sequence"):
        eq.Config(n_train=10)
    with pytest.raises(ValueError, match="key"):
        eq.gram(SMALL, "mlp1", "rot90", 0)
    with pytest.raises(ValueError, match="mode"):
        eq.rotated_pool(SMALL, "shift", 0)
    with pytest.raises(ValueError, match="kind"):
        eq.invariance(SMALL, "gcnn", "rot90", "both")
    with pytest.raises(ValueError, match="kernels"):
        eq.compute(SMALL, kernels=())
    with pytest.raises(ValueError, match="does not exist"):
        eq.load_results("/nonexistent/results.npz")
    with pytest.raises(TypeError, match="result"):
        eq.save_results({}, "/tmp/x.npz")
    shipped = eq.load_precomputed()
    with pytest.raises(ValueError, match="n_train"):
        shipped.at("rot90", "ntk", "gcnn", 7)
    with pytest.raises(ValueError, match="angle"):
        shipped.deviation("rot90", "ntk", "gcnn", 10.0)
