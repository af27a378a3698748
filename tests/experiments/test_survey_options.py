"""Options of the pair survey used by the reproduction of arXiv 2412.11521 (Fig. 4, 5): cubic
rotations (``order``), the paper code's ridge on Eq. 7 (``spectral_ridge``) and the ridge-free
spectral quantities; each against a computation written here from the kernel matrix."""

import numpy as np
import pytest

from ntkviz import datasets, gp, kernels
from ntkviz.experiments import digits, orbits, survey


@pytest.fixture(scope="module")
def cubic():
    return survey.pair_survey("mlp1", "rotate", 8, n_pairs=6, seed=5, order=3, spectral_ridge=1e-5)


def _kernel(pair, N, order):
    (la, sa), (lb, sb) = pair
    A = datasets.orbit(digits.digit(la, sa), N, "rotate", order=order)
    B = datasets.orbit(digits.digit(lb, sb), N, "rotate", order=order)
    X, y = datasets.interleave(A, B)
    return kernels.mlp(depth=1).ntk(X), y, A, B


def test_cubic_orbits_and_the_papers_spectral_ridge(cubic):
    for i, pair in enumerate(digits.random_pairs(6, 5)):
        K, y, A, B = _kernel(pair, 8, 3)
        n = K.shape[0]
        # circularisation (Eq. 12) and its DFT spectrum, by hand
        row = np.array([np.mean([K[a, (a + d) % n] for a in range(n)]) for d in range(n)])
        lam = np.fft.fft(row).real
        ridged = lam + 1e-5 * n * row[0]  # 1e-5·tr(K̃)
        assert cubic.eps_spectral[i] == pytest.approx((1 / ridged[n // 2]) / np.mean(1 / ridged), rel=1e-9)
        assert cubic.lam_N_bare[i] == pytest.approx(lam[n // 2], rel=1e-9)
        assert cubic.mean_inverse_bare[i] == pytest.approx(np.mean(1 / lam), rel=1e-8)
        train = np.arange(1, n)
        A_ = K[np.ix_(train, train)]
        pred = K[0, train] @ np.linalg.solve(A_ + 1e-10 * np.trace(A_) * np.eye(n - 1), y[train])
        assert cubic.prediction_a[i] == pytest.approx(pred, rel=1e-7)
        assert cubic.eps_exact[i] == pytest.approx(gp.symmetrized_error(K, y), rel=1e-12)
        assert cubic.separation_sq[i] == pytest.approx(np.sum((A.mean(0) - B.mean(0)) ** 2), rel=1e-12)
        radius = 0.5 * (np.linalg.norm(A[0] - A.mean(0)) + np.linalg.norm(B[0] - B.mean(0)))
        assert cubic.radius[i] == pytest.approx(radius, rel=1e-12)
    assert cubic.order == 3 and cubic.spectral_ridge == 1e-5


def test_defaults_are_unchanged_and_the_options_are_part_of_the_cache_key(cubic):
    plain = survey.pair_survey("mlp1", "rotate", 8, n_pairs=6, seed=5)
    assert plain.order == 1 and plain.spectral_ridge is None
    assert not np.array_equal(plain.eps_spectral, cubic.eps_spectral)
    state = orbits.orbit_pair_state(*digits.random_pairs(6, 5)[0], "rotate", 8, "mlp1")
    assert plain.eps_spectral[0] == state.eps_spectral and plain.lam_N[0] == state.lam_N
    assert state.lam_N_bare == pytest.approx(state.lam_N - state.sigma2, rel=1e-9)


def test_rank_deficient_kernel_keeps_the_papers_ridge():
    # GAP CNN on shift orbits: K̃ is rank-deficient; the code's ridge 1e-5·tr(K̃) is still
    # added (no vanishing-ridge limit), so ε is the ridged formula, not 0
    r = survey.pair_survey("cnn_gap", "shift", 7, n_pairs=2, seed=0, spectral_ridge=1e-5)
    for i, (a, b) in enumerate(digits.random_pairs(2, 0)):
        A = datasets.orbit(datasets.pool2(digits.digit(*a)[None])[0], 7, "shift")
        B = datasets.orbit(datasets.pool2(digits.digit(*b)[None])[0], 7, "shift")
        X, _ = datasets.interleave(A, B)
        row = np.fft.fft(np.mean([np.roll(k, -j) for j, k in enumerate(kernels.cnn(readout="gap").ntk(X))],
                                 axis=0)).real
        ridged = row + 1e-5 * row.sum()  # tr(K̃) = n·c_0 = Σ_f λ_f
        assert r.eps_spectral[i] == pytest.approx((1 / ridged[7]) / np.mean(1 / ridged), rel=1e-8)
    assert np.all(r.eps_spectral > 0) and np.all(np.isinf(r.mean_inverse_bare))


def test_bad_options_are_refused():
    with pytest.raises(ValueError, match="order"):
        survey.pair_survey(n_pairs=2, order=2)
    with pytest.raises(ValueError, match="spectral_ridge"):
        survey.pair_survey(n_pairs=2, spectral_ridge=-1.0)
