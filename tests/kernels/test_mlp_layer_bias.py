"""``kernels.mlp`` with one bias scale per Dense layer (the App. B.3 network of arXiv 2412.11521:
Dense(b=1)-ReLU-Dense(b=1)-ReLU-Dense(no bias)-ReLU-Dense(b=1)): against the ReLU recursion
written out by hand, against finite-width networks (``kernels.empirical_ntk``), and a scalar
``b_std`` unchanged."""

import math

import numpy as np
import pytest

from ntkviz import kernels
from ntkviz.kernels import fully_connected

B3 = (1.0, 1.0, 0.0, 1.0)


def _inputs(n=6, d=20, seed=0):
    x = np.random.default_rng(seed).standard_normal((n, d))
    return x / np.linalg.norm(x, axis=1, keepdims=True)


def _hand_recursion(x1, x2, W_std, b_stds):
    """NNGP and NTK of len(b_stds) − 1 hidden ReLU layers, every formula spelled out."""
    d = x1.shape[1]
    s12 = x1 @ x2.T / d
    s11 = np.sum(x1 * x1, axis=1) / d
    s22 = np.sum(x2 * x2, axis=1) / d
    theta = np.zeros_like(s12)
    for layer, b in enumerate(b_stds):
        s12 = W_std**2 * s12 + b**2             # Dense
        s11 = W_std**2 * s11 + b**2
        s22 = W_std**2 * s22 + b**2
        theta = W_std**2 * theta + s12
        if layer == len(b_stds) - 1:
            return s12, theta
        norm = np.sqrt(np.outer(s11, s22))        # ReLU (arc-cosine kernel of order 1)
        t = np.arccos(np.clip(s12 / norm, -1.0, 1.0))
        theta = theta * (math.pi - t) / (2 * math.pi)
        s12 = norm * (np.sin(t) + (math.pi - t) * np.cos(t)) / (2 * math.pi)
        s11, s22 = s11 / 2, s22 / 2


@pytest.mark.parametrize("W_std, b_stds", [(1.0, B3), (1.3, (0.5, 0.0, 2.0, 0.1)),
                                           (0.9, (0.0, 0.7))])
def test_per_layer_bias_equals_the_hand_written_recursion(W_std, b_stds):
    x1, x2 = _inputs(7, seed=1), _inputs(5, seed=2)
    k = kernels.mlp(depth=len(b_stds) - 1, W_std=W_std, b_std=b_stds)
    for a, b in ((x1, None), (x1, x2)):
        nngp, ntk = k.nngp_ntk(a, b)
        ref_nngp, ref_ntk = _hand_recursion(a, a if b is None else b, W_std, b_stds)
        # rtol 1e-9: at cos t = 1 − ulp (the diagonal) the hand arccos is off by √ulp ≈ 1e-8 in
        # t, which the package avoids by snapping cos t to 1
        np.testing.assert_allclose(nngp, ref_nngp, rtol=1e-9, atol=1e-14)
        np.testing.assert_allclose(ntk, ref_ntk, rtol=1e-9, atol=1e-14)


def test_the_compiled_path_agrees(monkeypatch):
    x1, x2 = _inputs(9, seed=3), _inputs(4, seed=4)
    k = kernels.mlp(depth=3, b_std=B3)
    small = [k.nngp_ntk(x1), k.nngp_ntk(x1, x2)]
    monkeypatch.setattr(fully_connected, "NUMPY_ENTRIES", 0)   # force the jitted recursion
    for (nngp, ntk), (ref_nngp, ref_ntk) in zip([k.nngp_ntk(x1), k.nngp_ntk(x1, x2)], small):
        np.testing.assert_allclose(nngp, ref_nngp, rtol=1e-12)
        np.testing.assert_allclose(ntk, ref_ntk, rtol=1e-12)


def test_a_scalar_and_equal_per_layer_values_give_the_same_bits():
    x1, x2 = _inputs(6, seed=5), _inputs(3, seed=6)
    scalar, listed = kernels.mlp(depth=2, b_std=0.7), kernels.mlp(depth=2, b_std=[0.7] * 3)
    assert listed.b_std == (0.7, 0.7, 0.7) and scalar.b_std == 0.7
    assert scalar.layer_b_std == listed.layer_b_std
    for args in ((x1,), (x1, x2)):
        np.testing.assert_array_equal(scalar.ntk(*args), listed.ntk(*args))
        np.testing.assert_array_equal(scalar.nngp(*args), listed.nngp(*args))


@pytest.mark.slow
def test_finite_networks_converge_to_the_per_layer_kernel():
    """Monte Carlo: the empirical NTK of wide networks with N(0, 1) parameters, averaged over
    initialisations, approaches the analytic NTK (the bias-free layer has no bias gradient)."""
    x = _inputs(5, d=12, seed=7)
    k = kernels.mlp(depth=3, b_std=B3)
    exact = k.ntk(x)
    draws = np.stack([kernels.empirical_ntk(k, x, width=1024, seed=s) for s in range(6)])
    error = np.linalg.norm(draws.mean(axis=0) - exact) / np.linalg.norm(exact)
    assert error < 0.03
    # and a bias-free layer is really bias-free: b_std = 0 in a layer removes its bias gradient,
    # so the finite kernel differs from the all-bias one by more than the sampling noise
    all_bias = kernels.mlp(depth=3, b_std=1.0).ntk(x)
    assert np.linalg.norm(all_bias - exact) / np.linalg.norm(exact) > 5 * error


@pytest.mark.slow
def test_layerwise_and_jacobian_finite_kernels_agree():
    import jax.numpy as jnp

    from ntkviz.kernels import finite_width

    x = _inputs(4, d=10, seed=8)
    k = kernels.mlp(depth=3, b_std=B3)
    with kernels._x64.enable_x64(True):
        params = finite_width.init_params(k, 10, 1, 16, 0)
        a = jnp.asarray(x)
        np.testing.assert_allclose(finite_width._layerwise_ntk(k, params, a),
                                   finite_width._jacobian_ntk(k, params, a), rtol=1e-10)


@pytest.mark.parametrize("b_std, error", [
    ((1.0, 1.0), ValueError), ((1.0, -1.0, 0.0, 1.0), ValueError), (("a", 1, 1, 1), TypeError),
    (-0.5, ValueError)])
def test_bad_per_layer_bias_names_b_std(b_std, error):
    with pytest.raises(error, match="b_std"):
        kernels.mlp(depth=3, b_std=b_std)
