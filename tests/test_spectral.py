"""Spectral analysis (docs/theory.md#the-spectral-error): reference numbers, and Eq. 7 against dense
solves."""

from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from property_budget import examples

from ntkviz import datasets, gp, spectral

REFERENCE = np.load(Path(__file__).parent / "reference" / "spectral_visible.npz")


def random_circulant_spd(rng: np.random.Generator, N: int) -> np.ndarray:
    """A symmetric positive-definite circulant matrix of size 2N from random positive λ_f."""
    n = 2 * N
    lam = rng.uniform(0.05, 3.0, size=n)
    lam = 0.5 * (lam + np.roll(lam[::-1], 1))  # λ_f = λ_{n−f} makes the first row real
    row = np.fft.ifft(lam).real
    return spectral.circulant(row)


def dense_loo_error(K: np.ndarray, y: np.ndarray, i: int) -> float:
    """``ŷ_i`` from the other rows by a plain dense solve, returned as ε = 1 − ŷ_i / y_i."""
    train = np.delete(np.arange(len(y)), i)
    prediction = K[i, train] @ np.linalg.solve(K[np.ix_(train, train)], y[train])
    return 1.0 - prediction / y[i]


# --------------------------------------------------------------------- reference numbers


@pytest.mark.parametrize("N", [4, 8, 16])
def test_reference_circularisation_spectrum_and_error(N):
    K = REFERENCE[f"N{N}__K"]
    for p in range(K.shape[0]):
        row = spectral.circulant_row(K[p])
        np.testing.assert_allclose(row, REFERENCE[f"N{N}__kc_row"][p], rtol=1e-13, atol=0)
        Kc = spectral.circularize(K[p])
        lam = spectral.spectrum(Kc)
        np.testing.assert_allclose(lam, REFERENCE[f"N{N}__lam"][p], rtol=0, atol=1e-13 * lam.max())
        eps = spectral.spectral_error(Kc)
        assert eps == pytest.approx(REFERENCE[f"N{N}__err_spectral"][p], rel=1e-10)
        # the reference's circulant leave-one-out equals ε (their 5e-13)
        assert eps == pytest.approx(REFERENCE[f"N{N}__err_circ_loo"][p], abs=1e-11)


@pytest.mark.parametrize("N", [4, 8, 16])
def test_reference_correlation_of_spectral_and_exact(N):
    eps = [spectral.spectral_error(spectral.circularize(K)) for K in REFERENCE[f"N{N}__K"]]
    exact = [gp.symmetrized_error(K, REFERENCE[f"N{N}__y"]) for K in REFERENCE[f"N{N}__K"]]
    pearson = np.corrcoef(eps, exact)[0, 1]
    assert pearson == pytest.approx(float(REFERENCE[f"N{N}__pearson_spectral_vs_exact"]), abs=1e-10)


# ------------------------------------------------------------ independent computations


@settings(max_examples=examples(60), deadline=None)
@given(seed=st.integers(0, 2**32 - 1), N=st.integers(1, 40))
def test_spectral_error_equals_dense_leave_one_out(seed, N):
    K = random_circulant_spd(np.random.default_rng(seed), N)
    y = np.tile([1.0, -1.0], N)
    eps = spectral.spectral_error(K)
    for i in (0, 1, 2 * N - 1):
        assert eps == pytest.approx(dense_loo_error(K, y, i), rel=1e-8, abs=1e-10)
    assert eps == pytest.approx(1 - gp.loo_prediction(K, y, 0, ridge=0.0), rel=1e-8, abs=1e-10)


@settings(max_examples=examples(60), deadline=None)
@given(seed=st.integers(0, 2**32 - 1), N=st.integers(2, 24), data=st.data())
def test_several_missing_points_equal_dense_solve(seed, N, data):
    n = 2 * N
    K = random_circulant_spd(np.random.default_rng(seed), N)
    y = np.tile([1.0, -1.0], N)
    S = data.draw(st.lists(st.integers(0, n - 1), min_size=1, max_size=n - 1, unique=True))
    eps_S = spectral.spectral_error(K, missing=S)
    train = np.setdiff1d(np.arange(n), S)
    prediction = K[np.ix_(S, train)] @ np.linalg.solve(K[np.ix_(train, train)], y[train])
    np.testing.assert_allclose(y[S] * (1 - eps_S), prediction, rtol=1e-7, atol=1e-9)


@settings(max_examples=examples(40), deadline=None)
@given(seed=st.integers(0, 2**32 - 1), N=st.integers(1, 30))
def test_single_missing_point_reduces_to_eq7(seed, N):
    K = random_circulant_spd(np.random.default_rng(seed), N)
    assert spectral.spectral_error(K, missing=[0])[0] == pytest.approx(spectral.spectral_error(K), rel=1e-10)


@settings(max_examples=examples(40), deadline=None)
@given(seed=st.integers(0, 2**32 - 1), N=st.integers(1, 30))
def test_circularising_a_circulant_matrix_changes_nothing(seed, N):
    K = random_circulant_spd(np.random.default_rng(seed), N)
    np.testing.assert_allclose(spectral.circularize(K), K, rtol=0, atol=1e-14 * np.abs(K).max())
    assert spectral.is_circulant(K)


@settings(max_examples=examples(30), deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(2, 40))
def test_circularisation_of_any_psd_matrix_is_circulant_and_psd(seed, n):
    rng = np.random.default_rng(seed)
    A = rng.normal(size=(n, n))
    Kc = spectral.circularize(A @ A.T)
    assert spectral.is_circulant(Kc)
    assert np.linalg.eigvalsh(Kc).min() >= -1e-10 * np.abs(Kc).max()


@settings(max_examples=examples(40), deadline=None)
@given(seed=st.integers(0, 2**32 - 1), N=st.integers(1, 40), ridge=st.sampled_from([0.0, 1e-6, 0.5]),
       deficient=st.booleans())
def test_analysis_from_the_row_is_the_dense_analysis(seed, N, ridge, deficient):
    """``analyze_row`` (one FFT of the row) gives ``analyze`` of the full circulant exactly,
    rank-deficient kernels (some λ_f = 0) and ridges included."""
    rng = np.random.default_rng(seed)
    Kc = random_circulant_spd(rng, N)
    if deficient:   # zero out the eigenvalues of a symmetric pair of frequencies
        lam = np.fft.fft(Kc[0]).real
        f = int(rng.integers(0, N + 1))
        lam[f] = lam[(2 * N - f) % (2 * N)] = 0.0
        Kc = spectral.circulant(np.fft.ifft(lam).real)
        Kc = 0.5 * (Kc + Kc.T)
    row = Kc[0]
    dense, fast = spectral.analyze(spectral.circulant(row), ridge), spectral.analyze_row(row, ridge)
    assert fast.lam.tolist() == dense.lam.tolist()
    for field in ("lam_N", "mean_inverse", "error", "rank_deficient", "note", "status", "condition"):
        assert getattr(fast, field) == getattr(dense, field), field


def test_analysis_from_the_row_refuses_rows_that_are_not_kernels():
    with pytest.raises(ValueError, match="row must be symmetric"):
        spectral.analyze_row([3.0, 1.0, 0.0, 0.5])
    with pytest.raises(ValueError, match="even size"):
        spectral.analyze_row([3.0, 1.0, 1.0])
    with pytest.raises(ValueError, match="positive semi-definite"):
        spectral.analyze_row([1.0, 2.0, 0.0, 2.0])
    with pytest.raises(ValueError, match="row"):
        spectral.analyze_row([[1.0, 0.0], [0.0, 1.0]])


def test_spectrum_matches_dense_eigenvalues():
    K = random_circulant_spd(np.random.default_rng(0), 7)
    np.testing.assert_allclose(np.sort(spectral.spectrum(K)), np.linalg.eigvalsh(K), rtol=1e-12)


def test_ridge_adds_to_every_eigenvalue():
    K = random_circulant_spd(np.random.default_rng(1), 5)
    ridge = 0.3
    lam = spectral.spectrum(K) + ridge
    expected = (1 / lam[5]) / np.mean(1 / lam)
    assert spectral.spectral_error(K, ridge=ridge) == pytest.approx(expected, rel=1e-12)
    y = np.tile([1.0, -1.0], 5)
    assert spectral.spectral_error(K, ridge=ridge) == pytest.approx(
        dense_loo_error(K + ridge * np.eye(10), y, 0), rel=1e-9
    )


# ------------------------------------------------------------ rank-deficient kernels


def constant_orbit_kernel(N: int, a: float, c: float) -> np.ndarray:
    """Two orbits on which the kernel is constant (a within, c across): GAP CNN on shifts."""
    row = np.tile([a, c], N)
    return spectral.circulant(row)


def test_rank_deficient_kernel_gives_zero_error_with_a_note():
    K = constant_orbit_kernel(6, a=1.0, c=0.4)
    analysis = spectral.analyze(K)
    assert analysis.error == 0.0
    assert analysis.rank_deficient and "rank-deficient" in analysis.note
    assert np.isinf(analysis.mean_inverse)
    # the min-norm interpolant (vanishing ridge) really predicts the left-out label exactly
    y = np.tile([1.0, -1.0], 6)
    train = np.arange(1, 12)
    prediction = K[0, train] @ np.linalg.pinv(K[np.ix_(train, train)]) @ y[train]
    assert prediction == pytest.approx(1.0, abs=1e-10)
    np.testing.assert_allclose(spectral.spectral_error(K, missing=[0, 3]), 0.0, atol=1e-10)


def test_kernel_blind_to_labels_gives_limit_error():
    N = 5
    K = constant_orbit_kernel(N, a=1.0, c=1.0)
    analysis = spectral.analyze(K)
    assert analysis.error == pytest.approx(2 * N / (2 * N - 1))
    assert np.isfinite(analysis.error) and "λ_N = 0" in analysis.note


def test_nearly_singular_kernel_is_finite():
    from ntkviz.datasets import circle_pair

    X, _ = circle_pair(N=64, delta=0.0)
    K = np.exp(-np.sum((X[:, None] - X[None]) ** 2, -1) / (2 * 3.0**2))
    eps = spectral.spectral_error(spectral.circularize(K))
    assert np.isfinite(eps) and eps >= 0


# ------------------------------------------------------------------------ bad input


@pytest.mark.parametrize(
    "bad, match",
    [
        (np.ones((3, 4)), "Kc must be a square"),
        (np.array([[1.0, np.nan], [np.nan, 1.0]]), "Kc must be finite"),
        (np.array([[2.0, 1.0, 0.0], [0.5, 2.0, 1.0], [0.0, 0.3, 2.0]]), "Kc must be circulant"),
        (spectral.circulant(np.array([1.0, 0.5, 0.5])), "even size"),
        (spectral.circulant(np.array([1.0, 2.0, 1.0, 2.0])), "positive semi-definite"),
        ("abc", "Kc must hold real numbers"),
    ],
)
def test_spectral_error_rejects_bad_input(bad, match):
    with pytest.raises((ValueError, TypeError), match=match):
        spectral.spectral_error(bad)


def test_spectrum_rejects_non_circulant_and_suggests_circularize():
    K = np.array([[2.0, 1.0], [1.0, 3.0]])
    with pytest.raises(ValueError, match="circularize"):
        spectral.spectrum(K)


@pytest.mark.parametrize(
    "missing, match",
    [([], "non-empty"), ([0, 0], "distinct"), ([12], r"\[0, 11\]"), ([0.5], "integer"), (list(range(12)), "training")],
)
def test_missing_is_checked(missing, match):
    K = random_circulant_spd(np.random.default_rng(2), 6)
    with pytest.raises(ValueError, match=match):
        spectral.spectral_error(K, missing=missing)


def test_negative_ridge_is_rejected():
    K = random_circulant_spd(np.random.default_rng(3), 3)
    with pytest.raises(ValueError, match="ridge must be >= 0"):
        spectral.spectral_error(K, ridge=-1.0)


def test_ridge_keeps_tiny_eigenvalues_and_matches_a_dense_ridge_solve():
    # An RBF kernel with a wide length scale has eigenvalues below 1e-11 · max; with a ridge
    # they must not be rounded to zero first (that shifted ε by ~1% before).
    X, y = datasets.circle_pair(N=8, delta=0.0)
    from ntkviz import kernels

    Kc = spectral.circularize(kernels.rbf(2.0)(X))
    ridge = 1e-10 * np.trace(Kc)
    expected = dense_loo_error(Kc + ridge * np.eye(16), y, 0)
    assert spectral.spectral_error(Kc, ridge=ridge) == pytest.approx(expected, rel=1e-6)
