"""Numerics (docs/numerics.md): near-singular kernels give finite, explained results equal to
independently computed limits; float32 inputs give the float64 answer; and where float32
itself would break, exactly as the document says.

Independent computations used here: a 50-digit ``decimal`` evaluation of the circle kernel
(its DFT and a dense Gaussian-elimination leave-one-out solve with a ridge → 0 sequence), and
plain dense float64 solves with a shrinking ridge.
"""

import decimal
import math
import re

import numpy as np
import pytest

from ntkviz import datasets, gp, spectral
from ntkviz.experiments import circle, digit_orbits, orbits
from ntkviz.kernels import mlp, rbf

EPS32 = float(np.finfo(np.float32).eps)
D = decimal.Decimal


# ------------------------------------------------------------------ 50-digit reference


def _pi() -> decimal.Decimal:
    """π by Machin's formula, π = 16 atan(1/5) − 4 atan(1/239), in the current context."""
    def atan_inv(x: int) -> decimal.Decimal:
        total, power, k, x2 = D(0), D(1) / x, 0, x * x
        while True:
            term = power / (2 * k + 1)
            if term < D(10) ** -(decimal.getcontext().prec + 2):
                return total
            total += -term if k % 2 else term
            power /= x2
            k += 1
    return 16 * atan_inv(5) - 4 * atan_inv(239)


def _cos(x: decimal.Decimal) -> decimal.Decimal:
    total, term, k = D(1), D(1), 0
    while abs(term) > D(10) ** -(decimal.getcontext().prec + 2):
        k += 2
        term *= -x * x / (k * (k - 1))
        total += term
    return total


def circle_row_decimal(N: int, delta: float, length_scale: float) -> list:
    """First row of the circle pair's RBF kernel, ``c_j = exp(−(2 − 2cos(πj/N) + δ²[j odd])/2ℓ²)``."""
    pi, ell2 = _pi(), D(repr(length_scale)) ** 2
    return [(-(2 - 2 * _cos(pi * j / N) + (D(repr(delta)) ** 2 if j % 2 else 0)) / (2 * ell2)).exp()
            for j in range(2 * N)]


def loo_error_decimal(N: int, delta: float, length_scale: float, ridge: decimal.Decimal) -> decimal.Decimal:
    """``1 − ŷ₀`` by Gaussian elimination on ``K_train + ridge·I`` in 50 digits (no FFT, no Eq. 7)."""
    c, n = circle_row_decimal(N, delta, length_scale), 2 * N
    y = [D(1) if i % 2 == 0 else D(-1) for i in range(n)]
    train = list(range(1, n))
    A = [[c[(j - i) % n] + (ridge if i == j else 0) for j in train] + [y[i]] for i in train]
    m = len(train)
    for col in range(m):  # SPD: no pivoting needed
        for row in range(col + 1, m):
            factor = A[row][col] / A[col][col]
            for k in range(col, m + 1):
                A[row][k] -= factor * A[col][k]
    alpha = [D(0)] * m
    for row in reversed(range(m)):
        alpha[row] = (A[row][m] - sum(A[row][k] * alpha[k] for k in range(row + 1, m))) / A[row][row]
    prediction = sum(c[j % n] * alpha[t] for t, j in enumerate(train))
    return 1 - prediction


@pytest.fixture(autouse=True)
def fifty_digits():
    with decimal.localcontext() as context:
        context.prec = 50
        yield


# ------------------------------------------------ (a) near-singular cases and their limits


def test_analytic_circle_spectrum_matches_the_fft_and_a_50_digit_dft():
    for N, delta, ell in [(8, 1.0, 1.0), (8, 0.0, 5.01), (5, 2.0, 0.3), (3, 0.0, 0.05)]:
        X, _ = datasets.circle_pair(N, delta)
        lam_fft = spectral.spectrum(rbf(ell)(X))
        lam = np.exp(circle.log_spectrum(N, delta, ell))
        # agreement to float64 round-off of K, ~1e-15·λ_max ...
        np.testing.assert_allclose(lam, lam_fft, rtol=0, atol=1e-14 * lam_fft.max())
        # ... and far below it, relatively, against a 50-digit DFT
        c, n, pi = circle_row_decimal(N, delta, ell), 2 * N, _pi()
        for f in (0, N // 2, N):
            exact = sum(c[j] * _cos(2 * pi * f * j / n) for j in range(n))
            assert lam[f] == pytest.approx(float(exact), rel=1e-9)


def test_delta_zero_long_length_scale_limit_is_proved_by_a_50_digit_dense_solve():
    # δ = 0, ℓ = 5.01 (the slider maximum), N = 8: λ_N ≈ 2e-17 ≪ float64 round-off of K
    N, delta, ell = 8, 0.0, 10**0.7
    limit = circle.vanishing_ridge_error(N, delta, ell)
    errors = [loo_error_decimal(N, delta, ell, D(10) ** -p) for p in (22, 26, 30)]
    gaps = [abs(float(e) - limit) for e in errors]
    assert gaps[0] > gaps[1] > gaps[2] and gaps[2] < 1e-9 * limit  # ridge → 0 converges to it
    assert limit == pytest.approx(15.8418827183, rel=1e-9)  # close to, not equal to, n = 16
    # float64 cannot resolve it: the state says so, with the limit, and stays finite
    s = circle.circle_state(N, delta, ell)
    assert s.status == "ridge_dominated" and f"ε → {limit:.6g}" in s.note
    assert s.eps_limit == pytest.approx(limit, rel=1e-12)
    assert np.isfinite([s.eps_spectral, s.loo_error, s.lam_N, s.mean_inverse]).all()
    # with the default ridge ε is that of K + σ²I, which the 50-digit solve confirms
    with_ridge = float(loo_error_decimal(N, delta, ell, D(repr(s.sigma2))))
    assert s.eps_spectral == pytest.approx(with_ridge, rel=1e-5)  # ~6 digits, as the note says
    assert "6 significant digits" in s.note


def test_delta_zero_resolvable_case_dense_float64_ridge_sequence_reaches_the_limit():
    N, delta, ell = 8, 0.0, 1.0  # λ_N ≈ 1.2e-6: resolvable in float64
    X, y = datasets.circle_pair(N, delta)
    K = rbf(ell)(X)
    limit = circle.vanishing_ridge_error(N, delta, ell)
    errors = [gp.loo_error(K, y, 0, ridge=r) for r in (1e-6, 1e-8, 1e-10, 1e-12)]
    gaps = np.abs(np.array(errors) - limit)
    assert np.all(np.diff(gaps) < 0) and gaps[-1] < 1e-5 * limit
    assert spectral.analyze(K).error == pytest.approx(limit, rel=1e-9)
    assert 1 < limit < 2 * N  # ŷ₀ = 1 − ε: the alternating labels are extrapolated wrongly


def test_coinciding_orbits_give_n_over_m_proved_by_a_ridge_sequence():
    # orbit B = orbit A: every label has a twin of the other class at the same point
    N = 6
    A = datasets.circle_pair(N, 1.0)[0][0::2]
    X, y = datasets.interleave(A, A)
    K = rbf(1.0)(X)
    Kc = spectral.circularize(K)
    analysis = spectral.analyze(Kc)
    assert analysis.status == "labels_invisible" and analysis.lam_N == 0.0
    # yᵀK̃y = yᵀKy = 0 exactly; the other frequencies of K̃ stay positive here: m = 1
    m = int(np.sum(analysis.lam == 0.0))
    assert m == 1 and analysis.error == 2 * N / m
    assert "n/m" in analysis.note and "coinciding orbits" in analysis.note
    # independent: dense leave-one-out on K̃ + σ²I with σ² → 0 approaches n/m = 2N
    errors = [1.0 - gp.loo_prediction(Kc, y, 0, ridge=r) for r in (1e-3, 1e-5, 1e-7, 1e-9)]
    assert np.all(np.diff(np.abs(np.array(errors) - 2 * N)) < 0)
    assert errors[-1] == pytest.approx(2 * N, rel=1e-6)
    # the raw K is not circulant (deviation ≫ 0): there the twin B₀ (label −1) decides, ŷ₀ → −1
    assert not spectral.is_circulant(K)
    assert gp.loo_prediction(K, y, 0) == pytest.approx(-1.0, abs=1e-6)
    assert gp.loo_prediction(K, y, 0, ridge=0.0) == pytest.approx(-1.0, abs=1e-6)
    cond = gp.conditioning(K[1:, 1:], ridge=0.0)
    assert cond.condition == np.inf and cond.digits == 0.0 and "ridge > 0" in cond.note


@pytest.mark.parametrize("N", [2, 64])
@pytest.mark.parametrize("delta", [0.0, 3.0])
@pytest.mark.parametrize("length_scale", [10**-1.3, 10**0.7])
@pytest.mark.parametrize("ridge", [gp.DEFAULT_RIDGE, 0.0])
def test_circle_at_every_slider_extreme_is_finite_and_explained(N, delta, length_scale, ridge):
    s = circle.circle_state(N, delta, length_scale, ridge)
    values = [s.eps_spectral, s.loo_error, s.loo_prediction, s.lam_N, s.eps_limit, s.sigma2]
    assert np.all(np.isfinite(values)) and np.all(np.isfinite(s.lam))
    assert np.all(np.isfinite(s.ring_mean_A)) and np.all(np.isfinite(s.ring_mean_B))
    assert s.status in spectral.STATUSES and (s.note != "") == (s.status != "ok")
    if s.status == "ok":  # well conditioned: Eq. 7 is the dense solve and the ridge-free limit
        assert s.loo_error == pytest.approx(s.eps_spectral, rel=1e-6, abs=1e-9)
        assert s.eps_limit == pytest.approx(s.eps_spectral, rel=1e-6, abs=1e-9)
    else:
        assert re.search(r"κ|round-off", s.note)
    if ridge > 0:  # the default ridge keeps spectral and exact side in step everywhere
        assert s.loo_error == pytest.approx(s.eps_spectral, rel=1e-4, abs=1e-8)


def test_analytic_limit_stays_finite_far_beyond_the_sliders():
    for N, delta, ell in [(256, 0.0, 50.0), (300, 0.0, 0.01), (2, 0.0, 1e-3), (4, 0.0, 1e3), (64, 1.0, 1.0)]:
        log_lam = circle.log_spectrum(N, delta, ell)
        assert np.all(np.isfinite(log_lam))
        eps = circle.vanishing_ridge_error(N, delta, ell)
        assert np.isfinite(eps) and 0.0 <= eps <= 2 * N
    # dense points / long ℓ at δ = 0: 1/λ_N dominates, ε → n; tiny ℓ: K → I, ε → 1
    assert circle.vanishing_ridge_error(256, 0.0, 50.0) == pytest.approx(512, rel=1e-5)
    assert circle.vanishing_ridge_error(2, 0.0, 1e-3) == pytest.approx(1.0, rel=1e-12)


def test_spectral_status_and_digits_follow_the_condition_number():
    rng = np.random.default_rng(0)
    for low, status in [(1e-3, "ok"), (1e-9, "near_singular")]:
        lam = np.concatenate([[1.0], rng.uniform(low, 1.0, 6), [low]])
        lam = np.concatenate([lam, lam[-2:0:-1]])  # λ_f = λ_{n−f}, n = 14, λ_N = λ_7 = low
        Kc = spectral.circulant(np.fft.ifft(lam).real)
        a = spectral.analyze(Kc)
        assert a.status == status
        assert a.condition == pytest.approx(1.0 / low, rel=1e-5)
        assert a.digits == pytest.approx(-math.log10(a.condition * np.finfo(float).eps), abs=0.01)
        # a ridge above λ_N: ε is the ridge's, and the analysis says so
        r = spectral.analyze(Kc, ridge=10 * low)
        assert r.status == "ridge_dominated" and "below the ridge" in r.note
    # ε cannot overflow for a tiny overall scale (1/λ would be inf)
    tiny = spectral.analyze(1e-300 * Kc)
    assert tiny.error == pytest.approx(a.error, rel=1e-9) and np.isfinite(tiny.error)


def test_orbit_pairs_at_the_largest_N_are_finite():
    for arch in ("mlp1", "orbit_mlp"):
        s = orbits.orbit_pair_state((3, 0), (8, 0), "rotate", digit_orbits.MAX_ROTATE_N, arch)
        assert np.isfinite([s.eps_spectral, s.eps_exact, s.prediction_a, s.prediction_b, s.lam_N]).all()
        assert s.analysis.status in ("ok", "rank_deficient")
        assert s.analysis.status == "ok" or "rank-deficient" in s.note


def test_gp_conditioning_matches_numpy_and_says_when_digits_are_lost():
    X, _ = datasets.circle_pair(8, 1.0)
    K = rbf(1.0)(X)
    c = gp.conditioning(K, ridge=1e-3)
    shifted = K + 1e-3 * np.trace(K) * np.eye(16)
    assert c.condition == pytest.approx(np.linalg.cond(shifted), rel=1e-8) and c.note == ""
    X, _ = datasets.circle_pair(64, 1.0)
    c = gp.conditioning(rbf(1.0)(X))
    assert 1e9 < c.condition < 1e11 and 5 <= c.digits <= 7 and "6 significant digits" in c.note


def test_explorer_shows_the_note_as_a_note_with_finite_readouts():
    from ntkviz.widgets.circle import CircleExplorer

    explorer = CircleExplorer()
    assert explorer.set(delta=0.0, N=64, length_scale=10**0.7)
    assert "ntkviz-message-note" in explorer.message.value
    assert "ntkviz-message-error" not in explorer.message.value
    assert "below the ridge" in explorer.message.value
    values = [float(v) for v in re.findall(r'data-value="([^"]+)"', explorer.readout.value)]
    assert len(values) == 3 and np.all(np.isfinite(values))
    assert explorer.set(delta=1.0, N=8, length_scale=1.0)
    assert "ntkviz-message-note" not in explorer.message.value  # nothing to explain


# ---------------------------------------------------- (b) float32 inputs, float64 answers


def test_float32_inputs_are_upcast_and_give_the_float64_answer():
    X64, y = datasets.circle_pair(8, 1.0)
    X32 = X64.astype(np.float32)
    same = X32.astype(np.float64)
    K = rbf(1.0)(X32)
    assert K.dtype == np.float64
    np.testing.assert_array_equal(K, rbf(1.0)(same))
    # the inputs' own rounding (6e-8) moves ε only by ~κ·6e-8, not by float32 arithmetic
    assert spectral.spectral_error(spectral.circularize(K)) == pytest.approx(
        spectral.spectral_error(rbf(1.0)(X64)), rel=1e-5)
    K32 = K.astype(np.float32)  # not circulant to 1e-8 any more: circularise (in float64)
    Kc32 = spectral.circularize(K32)
    np.testing.assert_array_equal(Kc32, spectral.circularize(K32.astype(np.float64)))
    a32, a64 = spectral.analyze(Kc32.astype(np.float32)), spectral.analyze(Kc32.astype(np.float32).astype(np.float64))
    assert a32.lam.dtype == np.float64 and a32.error == a64.error
    assert gp.loo_prediction(K32, y.astype(np.float32), 0) == gp.loo_prediction(
        K32.astype(np.float64), y, 0)
    images = digit_orbits.prepared_orbit((3, 0), "rotate", 4)
    ntk32 = mlp()(images.astype(np.float32))
    assert ntk32.dtype == np.float64
    np.testing.assert_array_equal(ntk32, mlp()(images.astype(np.float32).astype(np.float64)))


# --------------------------------------- (c) the documented float32 threshold (κ·eps32 ≳ 1)


def float32_eps(K: np.ndarray) -> float:
    """Eq. 7 done entirely in float32 (circularise, FFT, ε), as a float32 port would."""
    K = np.asarray(K, dtype=np.float32)
    n = K.shape[0]
    rows = np.arange(n)[:, None]
    row = K[np.broadcast_to(rows, (n, n)), (rows + np.arange(n)[None, :]) % n].mean(axis=0, dtype=np.float32)
    lam = np.fft.fft(row).real.astype(np.float32)
    with np.errstate(all="ignore"):
        inverse = np.float32(1) / lam
        return float(inverse[n // 2] / inverse.mean(dtype=np.float32))


def rbf_float32(X: np.ndarray, length_scale: float) -> np.ndarray:
    """The RBF formula evaluated in float32 arithmetic."""
    X = X.astype(np.float32)
    sq = ((X[:, None, :] - X[None, :, :]) ** 2).sum(-1)
    return np.exp(-sq / np.float32(2 * length_scale**2))


# (N, ℓ) at δ = 1, ridge 0, with κ·eps32 from 1e-6 to 200 (docs/numerics.md, table 2)
@pytest.mark.parametrize("N, length_scale, holds", [
    (8, 0.5, True), (8, 1.0, True), (16, 0.5, True), (8, 2.0, True),
    (8, 10**0.7, False), (32, 0.5, False), (16, 2.0, False)])
def test_float32_fails_once_kappa_eps32_exceeds_one_and_float64_holds(N, length_scale, holds):
    log_lam = circle.log_spectrum(N, 1.0, length_scale)
    kappa = float(np.exp(log_lam.max() - log_lam.min()))
    exact = circle.vanishing_ridge_error(N, 1.0, length_scale)
    X, _ = datasets.circle_pair(N, 1.0)
    eps64 = spectral.spectral_error(rbf(length_scale)(X))
    rel32 = abs(float32_eps(rbf_float32(X, length_scale)) - exact) / exact
    assert (kappa * EPS32 < 0.1) == holds
    # float64: relative error ≈ κ·eps64; past κ ≈ 1e11 the smallest λ count as zero and ε = 0,
    # off from the exact ~1e-10 by that much only
    assert abs(eps64 - exact) <= 100 * kappa * np.finfo(float).eps * exact + 1e-9
    if holds:
        assert rel32 < max(100 * kappa * EPS32, 1e-6)
    else:
        assert rel32 > 1.0  # not even the order of magnitude (often the wrong sign)


def test_default_ridge_vanishes_in_float32():
    X, _ = datasets.circle_pair(8, 0.0)
    K = rbf_float32(X, 1.0)
    sigma2 = np.float32(gp.DEFAULT_RIDGE * np.trace(K))
    assert np.array_equal(K + sigma2 * np.eye(16, dtype=np.float32), K)  # 1 + 1.6e-9 == 1
    assert not np.array_equal(K.astype(np.float64) + float(sigma2) * np.eye(16), K.astype(np.float64))


def test_float32_ntk_on_a_rotation_orbit_drifts_with_N_and_float64_does_not():
    import jax.numpy as jnp

    from ntkviz.kernels.fully_connected import _mlp_kernels

    def ntk_float32(X):
        a = X.reshape(X.shape[0], -1).astype(np.float32)
        sigma = a @ a.T / np.float32(a.shape[1])
        sigma = (sigma + sigma.T) / np.float32(2)
        v = np.diag(sigma).copy()
        ntk = _mlp_kernels(jnp.asarray(sigma), jnp.asarray(v), jnp.asarray(v), depth=1, W_std=1.0,
                           b_std=(1.0, 1.0), activation="relu")[1]
        assert ntk.dtype == jnp.float32
        return np.asarray(ntk)

    relative = {}
    for N in (4, 64):
        X, _ = datasets.interleave(digit_orbits.prepared_orbit((3, 0), "rotate", N),
                                   digit_orbits.prepared_orbit((8, 0), "rotate", N))
        K64 = mlp()(X)
        eps64 = spectral.spectral_error(spectral.circularize(K64))
        eps32 = float32_eps(ntk_float32(X))
        relative[N] = abs(eps32 - eps64) / eps64
        # float64 against a dense float64 solve on K̃ (independent of Eq. 7)
        Kc = spectral.circularize(K64)
        assert 1.0 - gp.loo_prediction(Kc, np.tile([1.0, -1.0], N), 0, ridge=0.0) == pytest.approx(
            eps64, rel=1e-8)
    assert relative[4] < 1e-3
    # How far float32 drifts depends on XLA's float32 arc-cosine: 3.7e-2 at N = 64 on JAX 0.10.2,
    # 7.9e-4 on JAX 0.4.30 (the neural-tangents stack); both grow with N (docs/numerics.md).
    assert relative[64] > 5e-4
    assert relative[64] > 5 * relative[4]
