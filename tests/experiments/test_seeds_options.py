"""Options of ``multiclass.seeds_trial`` for Fig. 6A of arXiv 2412.11521 at the paper's protocol
(cubic rotations, absolute exact ridge, signed error, the code's ridge on Eq. 7), against a
computation written here from hand-built orbits, a closed-form MLP kernel and dense solves."""


import numpy as np
import pytest
from independent import mlp1_kernels, rotated_orbit

from ntkviz.experiments import digits, multiclass


@pytest.mark.parametrize("S, N", [(2, 4), (3, 2)])
def test_papers_protocol_against_a_dense_computation(S, N):
    trial = multiclass.seeds_trial(4, 9, seeds=S, N=N, seed=3, order=3, ridge=1e-10,
                                   relative_ridge=False, spectral_ridge=1e-5)
    samples = multiclass.class_samples(S, 3)
    orbits_ = [rotated_orbit(digits.digit(c, int(s)), N) for c in (4, 9) for s in samples[c]]
    X = np.concatenate(orbits_)
    K = mlp1_kernels(X)[1]
    y = np.repeat([1.0, -1.0], S * N)
    angle0 = np.arange(2 * S) * N
    means = []
    for test in (angle0[:S], angle0[S:]):
        train = np.setdiff1d(np.arange(len(y)), test)
        alpha = np.linalg.solve(K[np.ix_(train, train)] + 1e-10 * np.eye(train.size), y[train])
        means.append(K[np.ix_(test, train)] @ alpha)
    np.testing.assert_allclose(trial.predictions_a, means[0], rtol=1e-6)
    np.testing.assert_allclose(trial.predictions_b, means[1], rtol=1e-6)
    assert trial.signed_error_a == pytest.approx(1 - means[0].mean(), rel=1e-6, abs=1e-9)
    assert trial.signed_error_b == pytest.approx(1 + means[1].mean(), rel=1e-6, abs=1e-9)
    assert trial.eps_exact_signed == pytest.approx(0.5 * (trial.signed_error_a + trial.signed_error_b))
    n = 2 * N
    for i in range(S):
        for j in range(S):
            rows = np.stack([i * N + np.arange(N), (S + j) * N + np.arange(N)], axis=1).ravel()
            P = K[np.ix_(rows, rows)]
            row = np.array([np.mean([P[a, (a + d) % n] for a in range(n)]) for d in range(n)])
            lam = np.fft.fft(row).real + 1e-5 * np.trace(P)
            assert trial.eps_pairs[i, j] == pytest.approx((1 / lam[N]) / np.mean(1 / lam), rel=1e-9)
    assert trial.eps_spectral == pytest.approx(trial.eps_pairs.mean())


def test_defaults_unchanged_and_options_cached_apart():
    plain = multiclass.seeds_trial(1, 7, seeds=2, N=4, seed=5)
    paper = multiclass.seeds_trial(1, 7, seeds=2, N=4, seed=5, order=3, ridge=1e-10,
                                   relative_ridge=False, spectral_ridge=1e-5)
    assert plain.order == 1 and plain.relative_ridge and plain.spectral_ridge is None
    assert plain.eps_spectral != paper.eps_spectral
    assert plain.eps_exact == pytest.approx(0.5 * (plain.error_a + plain.error_b))
    assert multiclass.seeds_trial(1, 7, seeds=2, N=4, seed=5) is plain


@pytest.mark.parametrize("kwargs, error, name", [
    (dict(order=2), ValueError, "order"), (dict(ridge=-1.0), ValueError, "ridge"),
    (dict(relative_ridge="yes"), TypeError, "relative_ridge"),
    (dict(spectral_ridge=float("nan")), ValueError, "spectral_ridge")])
def test_bad_options_are_refused(kwargs, error, name):
    with pytest.raises(error, match=name):
        multiclass.seeds_trial(1, 7, seeds=2, N=4, **kwargs)
