"""The seeds target (Fig. 6A, App. F of arXiv 2412.11521): its numbers against a computation
written in the tests (hand-built cubic orbits, a closed-form MLP kernel, dense solves with the absolute
ridge, Eq. 7 by FFT on every cross-class pair), its claims and its figure."""


import numpy as np
import pytest
from independent import mlp1_kernels, rotated_orbit

from ntkviz import reproduction
from ntkviz.experiments import digits, multiclass
from ntkviz.reproduction.targets import seeds


@pytest.fixture(scope="module")
def quick(quick_results):
    return quick_results["seeds"]


def _expected(a, b, digit_seed, S, N):
    samples = multiclass.class_samples(S, digit_seed)
    X = np.concatenate([rotated_orbit(digits.digit(c, int(s)), N) for c in (a, b) for s in samples[c]])
    K = mlp1_kernels(X)[1]
    y = np.repeat([1.0, -1.0], S * N)
    angle0 = np.arange(2 * S) * N
    means = []
    for test in (angle0[:S], angle0[S:]):
        train = np.setdiff1d(np.arange(len(y)), test)
        alpha = np.linalg.solve(K[np.ix_(train, train)] + 1e-10 * np.eye(train.size), y[train])
        means.append(K[np.ix_(test, train)] @ alpha)
    n, eps = 2 * N, []
    for i in range(S):
        for j in range(S):
            rows = np.stack([i * N + np.arange(N), (S + j) * N + np.arange(N)], axis=1).ravel()
            P = K[np.ix_(rows, rows)]
            row = np.array([np.mean([P[u, (u + d) % n] for u in range(n)]) for d in range(n)])
            lam = np.fft.fft(row).real + 1e-5 * np.trace(P)
            eps.append((1 / lam[N]) / np.mean(1 / lam))
    correct = np.concatenate([means[0] > 0, means[1] < 0]).mean()
    return np.mean(eps), 0.5 * ((1 - means[0].mean()) + (1 + means[1].mean())), correct


def test_numbers_equal_an_independent_computation(quick):
    cfg = seeds.TARGET.quick
    for d in quick["trials"]:
        N = d["N"]
        plan = seeds.trial_plan(cfg.n_trials, cfg.seed + N)
        assert list(zip(d["class_a"], d["class_b"], d["digit_seed"])) == plan
        assert all(a < b for a, b, _ in plan)
        for t in (0, cfg.n_trials - 1):
            spectral, exact, correct = _expected(d["class_a"][t], d["class_b"][t], d["digit_seed"][t],
                                                 cfg.seeds, N)
            assert d["eps_spectral"][t] == pytest.approx(spectral, rel=1e-8)
            assert d["eps_exact"][t] == pytest.approx(exact, rel=1e-6, abs=1e-8)
            assert d["fraction_correct"][t] == correct
    assert quick["trials"][0]["digit_seed"] != quick["trials"][1]["digit_seed"]  # new trials per N


def test_signed_error_is_at_most_the_mean_absolute_error():
    # 1 − mean ŷ is signed (the paper's code): |ŷ − 1| ≥ 1 − ŷ for every left-out image
    trial = multiclass.seeds_trial(0, 1, seeds=2, N=16, seed=0, order=3, ridge=1e-10,
                                   relative_ridge=False, spectral_ridge=1e-5)
    assert trial.eps_exact_signed <= trial.eps_exact


def test_claims_hold_on_the_quick_run_and_the_figure_draws(quick):
    outcomes = {c.key: c.evaluate({"seeds": quick}) for c in seeds.TARGET.claims}
    assert {o.verdict for o in outcomes.values()} == {"holds"}
    fig = reproduction.figure("seeds", quick)
    assert "quick run" in fig.layout.title.text
    assert len(fig.data) == 2 * len(quick["trials"])


def test_an_anticorrelated_error_is_reported_as_not_holding(quick):
    broken = {**quick, "trials": [dict(d, eps_spectral=[-e for e in d["eps_exact"]]) if d["N"] == 8 else d
                                  for d in quick["trials"]]}
    outcomes = {c.key: c.evaluate({"seeds": broken}) for c in seeds.TARGET.claims}
    assert outcomes["seeds-fig6a"].verdict == "does not hold"
    assert outcomes["seeds-appF"].verdict == "does not hold" and outcomes["seeds-appF"].note == "fails at N = 8"
