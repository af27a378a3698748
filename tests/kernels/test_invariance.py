"""Kernels invariant in each argument are computed on one image per orbit (kernels/_invariance)."""

import functools

import numpy as np
import pytest

import ntkviz as nv
from ntkviz.kernels import _invariance
from ntkviz.kernels._pairwise import gram_by_pairs
from ntkviz.kernels._x64 import float64
from ntkviz.kernels.convolutional import _gap_pairs, pooled_chunking
from ntkviz.kernels.group_convolutional import _group_pairs


@pytest.fixture(scope="module")
def digits():
    images, _ = nv.datasets.load_mnist()
    return nv.datasets.pool2(images[:3].astype(float))  # (3, 14, 14)


def _orbit_dataset(digits):
    """Quarter turns of rotated digits, shifts, a duplicate and two unrelated digits, shuffled."""
    a = nv.datasets.orbit(digits[0], 8, "rotate")            # 45° steps: pairs of quarter turns
    b = nv.datasets.orbit(digits[1], 7, "shift")             # all shifts of one digit
    c = digits[2:3] / np.linalg.norm(digits[2])
    x = np.concatenate([a, b, c, c, np.roll(np.rot90(c, 1, axes=(1, 2)), 3, axis=1)])
    order = np.random.default_rng(0).permutation(len(x))
    return x[order][..., None]


def test_representatives_group_orbits(digits):
    x = _orbit_dataset(digits)
    reps, inverse = _invariance.representatives(x, "p4")
    # rotate-8 orbit → 2 classes mod quarter turns; shift orbit → 1; c, c, turned+shifted c → 1
    assert len(reps) == 4
    assert np.all(np.diff(reps) > 0)
    for i, r in enumerate(inverse):
        orbit = _invariance._group_orbit(x[reps[r]], "p4")
        assert np.min(np.max(np.abs(orbit - x[i].ravel()), axis=1)) <= 1e-12
    reps_shift, _ = _invariance.representatives(x, "shifts")
    assert len(reps_shift) == 8 + 1 + 2  # no quarter turns under shifts alone


def test_nearly_equal_images_are_not_merged(digits):
    x = np.stack([digits[0], digits[0] + 1e-6, np.roll(digits[0], 2, axis=0)])[..., None]
    reps, inverse = _invariance.representatives(x, "shifts")
    assert list(reps) == [0, 1] and list(inverse) == [0, 1, 0]


@float64
def _direct(kernel_pairs, blocks, x1, x2, **settings):
    per_pair, max_pairs = pooled_chunking(1, x1.shape, blocks=blocks)
    return gram_by_pairs(functools.partial(kernel_pairs, **settings), x1, x2, per_pair, max_pairs)


@pytest.mark.parametrize("kind", ["gcnn", "gap"])
def test_reduced_gram_equals_the_direct_one(digits, kind):
    x = _orbit_dataset(digits)
    settings = dict(depth=1, filter_size=3, W_std=1.0, b_std=1.0, activation="relu")
    if kind == "gcnn":
        kernel, pairs, blocks = nv.kernels.gcnn(), _group_pairs, 4
    else:
        kernel, pairs, blocks = nv.kernels.cnn(readout="gap"), _gap_pairs, 1
    nngp, ntk = kernel.nngp_ntk(x)
    direct_nngp, direct_ntk = _direct(pairs, blocks, x, None, **settings)
    np.testing.assert_allclose(ntk, direct_ntk, rtol=1e-12)
    np.testing.assert_allclose(nngp, direct_nngp, rtol=1e-12)
    np.testing.assert_array_equal(ntk, ntk.T)
    cross = kernel.ntk(x[:5], x[3:])
    np.testing.assert_allclose(cross, _direct(pairs, blocks, x[:5], x[3:], **settings)[1], rtol=1e-12)
