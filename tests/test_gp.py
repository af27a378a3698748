"""GP regression and the symmetrised exact error (docs/theory.md#gaussian-process-regression,
docs/theory.md#the-symmetrised-exact-error)."""

from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from property_budget import examples

from ntkviz import gp

REFERENCE = np.load(Path(__file__).parent / "reference" / "spectral_visible.npz")


@pytest.mark.parametrize("N", [4, 8, 16])
def test_reference_predictions_and_exact_error(N):
    y = REFERENCE[f"N{N}__y"]
    for p, K in enumerate(REFERENCE[f"N{N}__K"]):
        predictions = [gp.loo_prediction(K, y, index) for index in (0, 1)]
        np.testing.assert_allclose(predictions, REFERENCE[f"N{N}__yhat"][p], rtol=1e-9, atol=1e-12)
        assert gp.symmetrized_error(K, y) == pytest.approx(REFERENCE[f"N{N}__err_exact"][p], rel=1e-9)


def random_spd(rng, n):
    A = rng.normal(size=(n, n + 2))
    return A @ A.T / n + 0.1 * np.eye(n)


@settings(max_examples=examples(40), deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(2, 30))
def test_posterior_equals_conditioning_a_gaussian(seed, n):
    rng = np.random.default_rng(seed)
    K = random_spd(rng, n)
    y = rng.normal(size=n)
    test = np.array([0])
    train = np.arange(1, n)
    post = gp.posterior(K, y[train], train, test, ridge=0.0)
    # Schur complement: the conditional variance is 1 / [K⁻¹]_00
    inverse = np.linalg.inv(K)
    assert post.variance[0] == pytest.approx(1 / inverse[0, 0], rel=1e-7)
    # leave-one-out identity: y_0 − ŷ_0 = [K⁻¹ y]_0 / [K⁻¹]_00 for any y_0
    loo = (inverse @ y)[0] / inverse[0, 0]
    assert y[0] - post.mean[0] == pytest.approx(loo, rel=1e-6, abs=1e-9)


def test_singular_kernel_gives_finite_prediction():
    K = np.ones((6, 6))
    y = np.array([1.0, -1, 1, -1, 1, -1])
    prediction = gp.loo_prediction(K, y, 0)
    assert np.isfinite(prediction)
    assert gp.symmetrized_error(K, y) == pytest.approx(1.2, rel=1e-6)


def test_posterior_variance_is_zero_at_training_points():
    K = random_spd(np.random.default_rng(0), 5)
    post = gp.posterior(K, np.ones(5), np.arange(5), np.arange(5), ridge=0.0)
    np.testing.assert_allclose(post.mean, 1.0, atol=1e-10)
    np.testing.assert_allclose(post.variance, 0.0, atol=1e-10)


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda: gp.loo_error(np.eye(3), np.ones(4)), "y must have one label per row"),
        (lambda: gp.loo_error(np.eye(3), np.ones(3), index=3), "index must be <= 2"),
        (lambda: gp.loo_error(np.ones((1, 1)), np.ones(1)), "at least 2 rows"),
        (lambda: gp.loo_error(np.ones((2, 3)), np.ones(2)), "square"),
        (lambda: gp.symmetrized_error(np.eye(2) * np.nan, np.ones(2)), "K must be finite"),
        (lambda: gp.posterior(np.eye(3), np.ones(2), [0, 5], [2]), "train must hold indices"),
        (lambda: gp.posterior(np.eye(3), np.ones(2), [0, 1], [2], ridge=-1), "ridge must be >= 0"),
    ],
)
def test_bad_input_is_named(call, match):
    with pytest.raises((ValueError, TypeError), match=match):
        call()


def test_dual_weights_give_the_posterior_mean():
    rng = np.random.default_rng(5)
    A = rng.normal(size=(9, 9))
    K = A @ A.T + np.eye(9)
    y = rng.normal(size=6)
    train, test = np.arange(6), np.arange(6, 9)
    alpha = gp.dual_weights(K[:6, :6], y, ridge=1e-3)
    np.testing.assert_allclose(K[6:, :6] @ alpha, gp.posterior(K, y, train, test, ridge=1e-3).mean, rtol=1e-12)
    with pytest.raises(ValueError, match="y_train must have one row per row of K_train"):
        gp.dual_weights(K[:6, :6], y[:5])
    # several targets (one-hot classes) in one solve: column by column the same
    Y = np.stack([y, -2 * y, y**2], axis=1)
    together = gp.dual_weights(K[:6, :6], Y, ridge=1e-3)
    for t in range(3):
        np.testing.assert_allclose(together[:, t], gp.dual_weights(K[:6, :6], Y[:, t], ridge=1e-3), rtol=1e-12)
