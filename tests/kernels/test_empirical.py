"""Empirical NTKs of finite networks against the analytic kernels (independent check)."""

import numpy as np
import pytest

from ntkviz import kernels
from ntkviz.kernels.finite_width import apply, init_params

RNG = np.random.default_rng(3)
# Scaled inputs (mean square pixel 1), so the kernels are not dominated by the b² terms.
IMAGES = RNG.normal(size=(4, 6, 6, 1))
WIDTHS = (64, 256, 1024)
SEEDS = range(4)

ARCHITECTURES = [
    kernels.mlp(depth=1),
    kernels.mlp(depth=2, W_std=1.5, b_std=0.1),
    kernels.mlp(depth=1, activation="erf"),
    kernels.cnn(depth=1, readout="flatten"),
    kernels.cnn(depth=2, readout="flatten"),
    kernels.cnn(depth=1, readout="gap"),
    kernels.cnn(depth=2, readout="gap"),
    kernels.gcnn(depth=1),
]


def mean_relative_error(arch, width, seeds=SEEDS):
    analytic = arch.ntk(IMAGES)
    errors = [
        np.linalg.norm(kernels.empirical_ntk(arch, IMAGES, width=width, seed=seed) - analytic)
        / np.linalg.norm(analytic)
        for seed in seeds
    ]
    return float(np.mean(errors))


@pytest.mark.slow
@pytest.mark.parametrize("arch", ARCHITECTURES, ids=lambda k: k.name)
def test_empirical_ntk_approaches_the_analytic_ntk(arch):
    errors = [mean_relative_error(arch, width) for width in WIDTHS]
    assert errors[0] > errors[1] > errors[2], errors
    assert errors[2] < 0.5 * errors[0], errors  # ~1/√width: 16× the width, ~¼ the error


@pytest.mark.slow
def test_two_layer_group_cnn_approaches_the_analytic_ntk():
    # P4→P4 weights grow as width² (37.7M at 1024 channels, ~6 GB for the Jacobians, ~40 s a
    # seed): this one spans the same 16× in width lower down, 16 to 256 channels.
    arch = kernels.gcnn(depth=2)
    errors = [mean_relative_error(arch, width) for width in (16, 64, 256)]
    assert errors[0] > errors[1] > errors[2], errors
    assert errors[2] < 0.5 * errors[0], errors


@pytest.mark.slow
def test_empirical_ntk_is_symmetric_and_consistent():
    arch = kernels.cnn(readout="gap")
    K = kernels.empirical_ntk(arch, IMAGES, width=32, seed=1)
    np.testing.assert_array_equal(K, K.T)
    cross = kernels.empirical_ntk(arch, IMAGES, IMAGES[:2], width=32, seed=1)
    np.testing.assert_allclose(cross, K[:, :2], rtol=1e-12)


@pytest.mark.slow
def test_finite_group_cnn_is_invariant_to_rot90():
    arch = kernels.gcnn(depth=2)
    params = init_params(arch, 1, 36, 8, seed=0)
    out = np.asarray(apply(arch, params, IMAGES))
    rotated = np.asarray(apply(arch, params, np.rot90(IMAGES, 1, axes=(1, 2)).copy()))
    np.testing.assert_allclose(rotated, out, rtol=1e-5, atol=1e-6)


@pytest.mark.slow
def test_linear_network_ntk_equals_nngp_of_one_layer():
    # With no hidden nonlinearity below the readout, the first-layer NTK equals its NNGP; a
    # one-layer finite CNN's NTK is exactly the readout of that: Θ̂ = analytic in expectation.
    arch = kernels.cnn(depth=1, readout="gap")
    K = np.mean([kernels.empirical_ntk(arch, IMAGES, width=256, seed=s) for s in range(8)], axis=0)
    np.testing.assert_allclose(K, arch.ntk(IMAGES), rtol=0.05)
