"""Equivariant against plain accuracy: the shared-Gram computation against a direct one, the
invariance facts it must show, the shipped results file, argument checks."""

import dataclasses

import numpy as np
import pytest

from ntkviz import datasets, gp
from ntkviz.experiments import accuracy as acc
from ntkviz.experiments.architectures import kernel_matrix

TINY = acc.Config(classes=3, n_train=1, n_test=5, rotate=(2, 3, 4), rot90=(2, 4), shift=(2, 7))


def _direct_predictions(config, key, action, N, leave_out, kind):
    """Predicted labels of every test digit, built without the shared union: the orbits from
    ``datasets.orbit``, one kernel call, one ``gp.posterior`` per one-hot column."""
    images, _ = datasets.load_mnist()
    train_index, test_index = acc.select_digits(config)
    train, labels = [], []
    for c in range(config.classes):
        for i in train_index[c]:
            O = datasets.orbit(datasets.pool2(images[[i]])[0], N, action)
            keep = slice(1, None) if c == leave_out else slice(None)  # row 0 is the upright copy
            train.append(O[keep])
            labels += [c] * len(O[keep])
    train = np.concatenate(train)
    test = datasets.normalize(datasets.pool2(images[test_index.ravel()]))
    X = np.concatenate([train, test])
    K = kernel_matrix(key, X, kind=kind, action=action, N=N)
    tr, te = np.arange(len(train)), np.arange(len(train), len(X))
    Y = np.eye(config.classes)[labels]
    means = np.column_stack([gp.posterior(K, Y[:, c], tr, te).mean for c in range(config.classes)])
    return np.argmax(means, axis=1)


@pytest.mark.parametrize("key, action, N, leave_out, kind", [
    ("mlp1", "rotate", 3, 1, "ntk"),
    ("mlp1", "shift", 7, 0, "nngp"),
    ("orbit_mlp", "rotate", 4, 2, "ntk"),
    ("cnn_flatten", "rot90", 2, 1, "ntk"),
    ("gcnn", "rotate", 3, 0, "ntk"),
])
@pytest.mark.slow
def test_shared_gram_equals_a_direct_computation(key, action, N, leave_out, kind):
    r = acc.accuracy_curves(TINY, (key,), action, kind)
    n = r.Ns.index(N)
    expected = _direct_predictions(TINY, key, action, N, leave_out, kind)
    np.testing.assert_array_equal(r.predictions[0, n, leave_out], expected)
    mine = r.test_labels == leave_out
    assert r.accuracy[0, n, leave_out] == np.mean(expected[mine] == leave_out)
    assert r.in_accuracy[0, n, leave_out] == np.mean(expected[~mine] == r.test_labels[~mine])
    np.testing.assert_array_equal(r.leave_out_predictions(key, N, leave_out), expected[mine])


def test_nothing_left_out_is_the_ceiling():
    r = acc.accuracy_curves(TINY, ("mlp1",), "rotate")
    full = _direct_predictions(TINY, "mlp1", "rotate", 4, leave_out=-1, kind="ntk")
    np.testing.assert_array_equal(r.full_predictions[0, r.Ns.index(4)], full)
    mine = r.test_labels == 2
    assert r.full_accuracy[0, r.Ns.index(4), 2] == np.mean(full[mine] == 2)


@pytest.mark.parametrize("key, action, Ns", [
    ("gcnn", "rot90", (2, 4)),        # quarter turns: the group CNN cannot miss the upright copy
    ("gcnn", "rotate", (2, 4)),       # a half or quarter turn of the upright digit is in the orbit
    ("gcnn", "shift", (2, 7)),        # group pooling also averages over cyclic shifts
    ("cnn_gap", "shift", (2, 7)),     # global average pooling: invariant to cyclic shifts
    ("orbit_mlp", "rot90", (2, 4)),   # averaged over the data's own (exact) group
    ("orbit_mlp", "shift", (2, 7)),
])
@pytest.mark.slow
def test_an_invariant_kernel_loses_nothing(key, action, Ns):
    """If the kernel is invariant to an element of the orbit, removing the upright copy removes
    a duplicate: the predictions equal those with nothing removed."""
    r = acc.accuracy_curves(TINY, (key,), action)
    for N in Ns:
        n = r.Ns.index(N)
        np.testing.assert_array_equal(r.accuracy[0, n], r.full_accuracy[0, n])
        for c in range(TINY.classes):
            np.testing.assert_array_equal(r.predictions[0, n, c], r.full_predictions[0, n])


def test_plain_mlp_fails_on_a_half_turn():
    """With N = 2 the MLP only saw the leave-out class upside down: it misses most upright ones
    while its ceiling (upright seen) is far higher."""
    r = acc.accuracy_curves(TINY, ("mlp1",), "rotate")
    assert r.at("mlp1", 2) < r.at("mlp1", 2, which="full_accuracy") - 0.2


def test_result_shapes_and_accessors():
    r = acc.accuracy_curves(TINY, ("mlp1", "gcnn"), "rot90", "nngp")
    C, m = TINY.classes, TINY.n_test
    assert r.accuracy.shape == r.in_accuracy.shape == r.full_accuracy.shape == (2, 2, C)
    assert r.predictions.shape == (2, 2, C, C * m) and r.predictions.dtype == np.int8
    assert r.full_predictions.shape == (2, 2, C * m)
    assert not r.accuracy.flags.writeable
    np.testing.assert_allclose(r.curve("gcnn"), r.accuracy[1].mean(axis=1))
    assert r.at("mlp1", 4, 1) == r.accuracy[0, 1, 1]
    assert r.leave_out_predictions("mlp1", 2, "all").shape == (C, m)
    assert set(np.unique(r.predictions)) <= set(range(C))
    with pytest.raises(ValueError, match="N must be one of"):
        r.at("mlp1", 3)
    with pytest.raises(ValueError, match="leave_out must be <= 2"):
        r.curve("mlp1", 5)


def test_digit_selection_is_fixed_and_disjoint():
    train, test = acc.select_digits(acc.Config())
    _, labels = datasets.load_mnist()
    assert train.shape == (10, 2) and test.shape == (10, 32)
    assert all((labels[train[c]] == c).all() and (labels[test[c]] == c).all() for c in range(10))
    assert not set(train.ravel()) & set(test.ravel())
    other, _ = acc.select_digits(dataclasses.replace(acc.Config(), rotate=(5,)))
    np.testing.assert_array_equal(train, other)  # the N grid never changes the digits
    assert not np.array_equal(acc.select_digits(acc.Config(seed=1))[0], train)


def test_progress_reports_every_kernel():
    calls = []
    acc.accuracy_curves(TINY, ("mlp1", "orbit_mlp"), "rot90", progress=lambda *a: calls.append(a))
    assert [c[0] for c in calls] == [0, 1, 2, 3] and all(c[1] == 3 for c in calls)
    assert calls[1][2] == "orbit_mlp, rot90, N = 2"


@pytest.mark.parametrize("kwargs, name", [
    (dict(rot90=(3,)), "rot90"), (dict(shift=(4,)), "shift"), (dict(rotate=(4, 2)), "rotate"),
    (dict(rotate=()), "rotate"), (dict(classes=11), "classes"), (dict(n_train=0), "n_train"),
    (dict(ridge=-1.0), "ridge"), (dict(rotate=(1,)), "rotate"),
])
def test_bad_config_names_the_argument(kwargs, name):
    with pytest.raises(ValueError, match=name):
        acc.Config(**kwargs)


def test_bad_arguments_name_themselves():
    with pytest.raises(TypeError, match="config"):
        acc.accuracy_curves({"classes": 3})
    with pytest.raises(ValueError, match="architecture"):
        acc.accuracy_curves(TINY, ("resnet",))
    with pytest.raises(ValueError, match="action"):
        acc.accuracy_curves(TINY, ("mlp1",), "flip")
    with pytest.raises(ValueError, match="kind"):
        acc.accuracy_curves(TINY, ("mlp1",), kind="ntkk")
    with pytest.raises(TypeError, match="n_test"):
        acc.Config(n_test=2.5)


def test_save_and_load_round_trip(tmp_path):
    results = {("rot90", kind): acc.accuracy_curves(TINY, ("mlp1", "gcnn"), "rot90", kind) for kind in ("ntk", "nngp")}
    path = acc.save_results(results, tmp_path / "r.npz")
    back = acc.load_results(path)
    assert set(back) == set(results)
    for k, r in results.items():
        b = back[k]
        assert b.config == TINY and b.architectures == r.architectures and b.Ns == r.Ns
        for name in ("accuracy", "in_accuracy", "full_accuracy", "predictions", "full_predictions",
                     "test_index", "train_index", "test_labels"):
            np.testing.assert_array_equal(getattr(b, name), getattr(r, name))
    with pytest.raises(ValueError, match="does not exist"):
        acc.load_results(tmp_path / "missing.npz")


# --------------------------------------------------------------------------- the shipped file

@pytest.fixture(scope="module")
def shipped():
    return acc.load_precomputed()


def test_shipped_file_holds_the_default_configuration(shipped):
    assert acc.precomputed_path().is_file()
    assert set(shipped) == {(a, k) for a in datasets.ACTIONS for k in ("ntk", "nngp")}
    for (action, kind), r in shipped.items():
        assert r.config == acc.Config()
        assert r.architectures == acc.DEFAULT_ARCHITECTURES
        assert r.Ns == acc.Config().grid(action)
        np.testing.assert_array_equal(r.test_index, acc.select_digits(acc.Config())[1])


@pytest.mark.parametrize("action, N", [("rotate", 2), ("shift", 7)])
def test_shipped_numbers_are_recomputed(shipped, action, N):
    """An entry of the file recomputed from scratch (one N only, so only that orbit is built)."""
    config = dataclasses.replace(acc.Config(), **{action: (N,)})
    r = acc.accuracy_curves(config, ("mlp1",), action)
    s = shipped[(action, "ntk")]
    a, n = s.architectures.index("mlp1"), s.Ns.index(N)
    np.testing.assert_array_equal(r.accuracy[0, 0], s.accuracy[a, n])
    np.testing.assert_array_equal(r.predictions[0, 0], s.predictions[a, n])
    np.testing.assert_array_equal(r.full_accuracy[0, 0], s.full_accuracy[a, n])


def test_shipped_physics(shipped):
    """What the notebook says: the group CNN loses nothing on quarter turns and shifts and on
    rotations by an even N; GAP loses nothing on shifts; the plain MLP is far below its ceiling
    on half turns and on shifts."""
    def gap(action, key, kind="ntk"):
        r = shipped[(action, kind)]
        a = r.architectures.index(key)
        return r.full_accuracy[a] - r.accuracy[a]

    assert np.all(gap("rot90", "gcnn") == 0) and np.all(gap("shift", "gcnn") == 0)
    assert np.all(gap("shift", "cnn_gap") == 0)
    even = [i for i, N in enumerate(shipped[("rotate", "ntk")].Ns) if N % 2 == 0]
    assert np.all(gap("rotate", "gcnn")[even] == 0)
    r = shipped[("rotate", "ntk")]
    assert r.at("mlp1", 2) < r.at("mlp1", 2, which="full_accuracy") - 0.3
