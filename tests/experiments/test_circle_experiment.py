"""The circle toy model: exact leave-one-out against Eq. 7, sweeps, argument checks."""

import numpy as np
import pytest

from ntkviz import datasets, gp, spectral
from ntkviz.experiments import circle
from ntkviz.kernels import rbf

GRID = [
    (N, delta, ell)
    for N in (2, 3, 8, 17, 32, 64)
    for delta in (0.05, 0.5, 1.0, 3.0)
    for ell in (0.05, 0.3, 1.0, 5.0)
]


@pytest.mark.parametrize("N, delta, ell", GRID)
def test_exact_loo_equals_spectral_error(N, delta, ell):
    """Eq. 7 is exact: a dense LOO solve gives ε to 1e-9 (absolute, or relative when ε > 1).

    δ = 0 is left out: both orbits then lie on one circle and with ℓ ≳ 1 the kernel's condition
    number reaches ~1e10 at the default ridge, so round-off alone reaches ~1e-6.
    """
    s = circle.circle_state(N, delta, ell)
    assert s.loo_error == pytest.approx(s.eps_spectral, rel=1e-9, abs=1e-9)
    assert s.loo_prediction == pytest.approx(s.prediction_spectral, rel=1e-9, abs=1e-9)


@pytest.mark.parametrize("N, delta, ell", [(4, 1.0, 0.5), (8, 0.7, 1.0), (16, 2.0, 0.3)])
def test_no_ridge_agrees_when_well_conditioned(N, delta, ell):
    s = circle.circle_state(N, delta, ell, ridge=0.0)
    assert s.sigma2 == 0.0
    assert s.loo_error == pytest.approx(s.eps_spectral, rel=1e-9)


def test_state_fields_match_the_core():
    s = circle.circle_state(8, 1.0, 1.0)
    X, y = datasets.circle_pair(8, 1.0)
    K = rbf(1.0)(X)
    np.testing.assert_array_equal(s.X, X)
    np.testing.assert_array_equal(s.y, y)
    np.testing.assert_allclose(s.K, K, rtol=0, atol=0)
    assert spectral.is_circulant(s.K)
    assert s.sigma2 == pytest.approx(gp.DEFAULT_RIDGE * (2 * 8 - 1))
    np.testing.assert_allclose(s.lam, spectral.spectrum(spectral.circularize(K)) + s.sigma2, rtol=1e-12)
    np.testing.assert_allclose(s.inverse, 1.0 / s.lam, rtol=1e-12)
    assert s.eps_spectral == pytest.approx(s.inverse[8] / s.inverse.mean(), rel=1e-12)
    assert s.loo_prediction == pytest.approx(gp.loo_prediction(K, y, 0), rel=1e-12)
    assert not s.X.flags.writeable


def test_posterior_ring_passes_through_the_prediction():
    s = circle.circle_state(8, 1.0, 1.0)
    assert s.ring_angles[0] == 0.0
    assert s.ring_mean_A[0] == pytest.approx(s.loo_prediction, rel=1e-9)
    # A_1 sits at 45° on ring A, a training point: the (nearly noise-free) GP interpolates it.
    index = np.argmin(np.abs(s.ring_angles - np.pi / 4))
    assert s.ring_angles[index] == pytest.approx(np.pi / 4, rel=1e-12)
    assert s.ring_mean_A[index] == pytest.approx(1.0, abs=1e-6)
    assert s.ring_mean_B.shape == s.ring_angles.shape == (circle.RING_POINTS,)


def test_sweeps_match_single_states():
    deltas = [0.0, 0.25, 1.0, 2.5]
    eps = circle.error_vs_delta(8, 1.0, deltas)
    for d, e in zip(deltas[1:], eps[1:]):
        assert e == pytest.approx(circle.circle_state(8, d, 1.0).eps_spectral, rel=1e-9)
    Ns = [2, 5, 16, 64]
    eps_N = circle.error_vs_N(1.0, 0.5, Ns)
    for N, e in zip(Ns, eps_N):
        assert e == pytest.approx(circle.circle_state(N, 1.0, 0.5).eps_spectral, rel=1e-9)


def test_what_moves_epsilon():
    """Larger δ lowers ε; larger N lowers ε for a local kernel
    (docs/theory.md#what-moves-the-error)."""
    eps_d = circle.error_vs_delta(8, 1.0, np.linspace(0.2, 3.0, 8))
    assert np.all(np.diff(eps_d) < 0)
    eps_N = circle.error_vs_N(1.0, 0.3, [4, 8, 16, 32])
    assert np.all(np.diff(eps_N) < 0)


@pytest.mark.parametrize(
    "kwargs, name",
    [
        (dict(N=1), "N"),
        (dict(delta=-0.1), "delta"),
        (dict(length_scale=0.0), "length_scale"),
        (dict(length_scale=float("nan")), "length_scale"),
        (dict(ridge=-1.0), "ridge"),
    ],
)
def test_bad_input_names_the_argument(kwargs, name):
    with pytest.raises(ValueError, match=name):
        circle.circle_state(**kwargs)


def test_bad_sweep_input():
    with pytest.raises(ValueError, match="deltas"):
        circle.error_vs_delta(8, 1.0, [0.5, -1.0])
    with pytest.raises(ValueError, match="deltas"):
        circle.error_vs_delta(8, 1.0, [])
    with pytest.raises(ValueError, match="Ns"):
        circle.error_vs_N(1.0, 1.0, [8, 1])
    with pytest.raises(ValueError, match="N"):
        circle.error_vs_delta(1, 1.0, [1.0])
