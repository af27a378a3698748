"""Orbit datasets and MNIST loading (docs/theory.md#two-orbit-datasets)."""

import gzip
import shutil
from pathlib import Path

import numpy as np
import pytest

from ntkviz import datasets

REFERENCE = np.load(Path(__file__).parent / "reference" / "spectral_visible.npz")
KERNELS = np.load(Path(__file__).parent / "reference" / "kernels_visible.npz")


@pytest.fixture(scope="module")
def mnist():
    return datasets.load_mnist()


def test_bundled_mnist_is_the_real_test_set(mnist):
    images, labels = mnist
    assert images.shape == (10000, 28, 28) and images.dtype == np.float64
    assert labels.shape == (10000,) and labels.dtype == np.int64
    assert labels[:10].tolist() == [7, 2, 1, 0, 4, 1, 4, 9, 5, 9]
    assert np.bincount(labels).tolist() == [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]
    assert images.min() == 0.0 and images.max() == 1.0


def test_corrupt_bundled_file_is_detected(tmp_path):
    source = datasets.bundled_data_dir() / "mnist"
    for f in source.iterdir():
        shutil.copy(f, tmp_path / f.name)
    raw = bytearray((tmp_path / "t10k-labels-idx1-ubyte.gz").read_bytes())
    raw[-3] ^= 0xFF
    (tmp_path / "t10k-labels-idx1-ubyte.gz").write_bytes(bytes(raw))
    with pytest.raises(ValueError, match="checksum mismatch"):
        datasets.load_mnist(tmp_path)


def test_user_idx_folder_and_npz(tmp_path, mnist):
    images, labels = mnist
    source = datasets.bundled_data_dir() / "mnist"
    for name in ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"):  # uncompressed IDX
        (tmp_path / name).write_bytes(gzip.decompress((source / f"{name}.gz").read_bytes()))
    again, again_labels = datasets.load_mnist(tmp_path)
    np.testing.assert_array_equal(again, images)
    np.testing.assert_array_equal(again_labels, labels)
    archive = tmp_path / "mnist.npz"
    np.savez(archive, x_train=(images[:50] * 255).astype(np.uint8), y_train=labels[:50])
    train, train_labels = datasets.load_mnist(archive, split="train")
    np.testing.assert_allclose(train, images[:50], atol=1e-12)
    np.testing.assert_array_equal(train_labels, labels[:50])


def test_load_mnist_rejects_bad_paths(tmp_path):
    with pytest.raises(ValueError, match="path"):
        datasets.load_mnist(tmp_path / "missing")
    with pytest.raises(ValueError, match="no MNIST train IDX files"):
        datasets.load_mnist(tmp_path, split="train")
    with pytest.raises(ValueError, match="split must be one of"):
        datasets.load_mnist(split="validation")


def test_rotation_orbit_reproduces_reference_bitwise(mnist):
    images, _ = mnist
    rows = REFERENCE["N16__X"]
    for p in range(3):
        a = datasets.orbit(images[REFERENCE["pair_index_A"][p]], N=16, action="rotate")
        b = datasets.orbit(images[REFERENCE["pair_index_B"][p]], N=16, action="rotate")
        X, y = datasets.interleave(a, b)
        np.testing.assert_array_equal(X.reshape(32, -1), rows[p])
        np.testing.assert_array_equal(y, REFERENCE["N16__y"])


def test_pool2_and_preprocessing_reproduce_reference_inputs(mnist):
    images, _ = mnist
    x1 = KERNELS["cnn_gap__x1"][..., 0]
    pooled = datasets.pool2(images[KERNELS["cnn_gap__x1_mnist_index"]])
    np.testing.assert_allclose(datasets.normalize(pooled), x1, rtol=0, atol=1e-15)


def test_circle_pair_geometry():
    X, y = datasets.circle_pair(N=6, delta=0.8)
    assert X.shape == (12, 3) and y.tolist() == [1, -1] * 6
    np.testing.assert_allclose(np.linalg.norm(X[:, :2], axis=1), 1.0)
    np.testing.assert_allclose(X[0::2, 2], 0.4)
    np.testing.assert_allclose(X[1::2, 2], -0.4)
    # interleaved order: distances depend only on (j - i) mod 2N, so a stationary kernel is circulant
    D = np.linalg.norm(X[:, None] - X[None], axis=-1)
    for shift in range(1, 12):
        np.testing.assert_allclose(np.roll(np.roll(D, shift, 0), shift, 1), D, atol=1e-14)


@pytest.mark.parametrize("action,N", [("rotate", 8), ("rot90", 4), ("rot90", 2), ("shift", 7), ("shift", 28)])
def test_orbits_are_centred_unit_vectors(mnist, action, N):
    O = datasets.orbit(mnist[0][0], N=N, action=action)
    assert O.shape == (N, 28, 28)
    flat = O.reshape(N, -1)
    np.testing.assert_allclose(flat.mean(axis=1), 0, atol=1e-15)
    np.testing.assert_allclose(np.linalg.norm(flat, axis=1), 1, atol=1e-14)


def test_exact_actions_are_group_actions(mnist):
    image = mnist[0][3]
    O = datasets.orbit(image, N=4, action="rot90")
    same = dict(rtol=0, atol=1e-15)  # normalising a permuted image sums in another order
    np.testing.assert_allclose(O[1], np.rot90(O[0]), **same)
    np.testing.assert_allclose(np.rot90(O[3]), O[0], **same)
    S = datasets.orbit(image, N=4, action="shift")
    np.testing.assert_allclose(S[1], np.roll(S[0], 7, axis=1), **same)
    np.testing.assert_allclose(np.roll(S[3], 7, axis=1), S[0], **same)
    # a positive rotation turns counter-clockwise as displayed, like np.rot90
    np.testing.assert_allclose(datasets.transform(image, 1, 4, "rotate"), np.rot90(image), atol=1e-12)


@pytest.mark.parametrize(
    "call, error, match",
    [
        (lambda: datasets.circle_pair(N=1), ValueError, "N must be >= 2"),
        (lambda: datasets.circle_pair(N=2.5), TypeError, "N must be an integer"),
        (lambda: datasets.circle_pair(N=4, delta=-0.1), ValueError, "delta must be >= 0"),
        (lambda: datasets.circle_pair(N=4, delta=float("nan")), ValueError, "delta must be finite"),
        (lambda: datasets.orbit(np.ones((4, 5)) + np.eye(4, 5), N=4, action="rot90"), ValueError, "square"),
        (lambda: datasets.orbit(np.eye(6), N=3, action="rot90"), ValueError, "N in"),
        (lambda: datasets.orbit(np.eye(28), N=5, action="shift"), ValueError, "divide the image width 28"),
        (lambda: datasets.orbit(np.eye(4), N=4, action="flip"), ValueError, "action must be one of"),
        (lambda: datasets.orbit(np.full((4, 4), np.inf), N=2, action="rot90"), ValueError, "image must be finite"),
        (lambda: datasets.orbit(np.ones(4), N=2), ValueError, "image must have 2 or 3 dimensions"),
        (lambda: datasets.orbit(np.ones((4, 4)), N=2, action="rot90"), ValueError, "constant"),
        (lambda: datasets.interleave(np.ones((3, 2)), np.ones((4, 2))), ValueError, "same shape"),
        (lambda: datasets.pool2(np.ones((2, 5, 4))), ValueError, "even height"),
    ],
)
def test_bad_input_is_named(call, error, match):
    with pytest.raises(error, match=match):
        call()


def test_digits_per_class_is_one_rule_for_every_experiment():
    _, labels = datasets.load_mnist()
    rows = datasets.digits_per_class(5, seed=3)
    assert rows.shape == (10, 5)
    assert all((labels[rows[c]] == c).all() for c in range(10))
    # a larger count extends each row; fewer classes give the first rows
    np.testing.assert_array_equal(datasets.digits_per_class(9, seed=3)[:, :5], rows)
    np.testing.assert_array_equal(datasets.digits_per_class(5, seed=3, classes=4), rows[:4])
    smallest = np.bincount(labels).min()
    with pytest.raises(ValueError, match="count must be at most"):
        datasets.digits_per_class(smallest + 1)
