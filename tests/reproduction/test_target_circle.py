"""The circle target (Fig. 3 of arXiv 2412.11521): its numbers against independent
computations, its claims, and its figure."""

import math

import numpy as np
import pytest

from ntkviz import datasets, gp, kernels, reproduction
from ntkviz.reproduction.targets import circle


@pytest.fixture(scope="module")
def quick(quick_results):
    return quick_results["circle"]


def test_the_papers_kernel_is_our_rbf_with_the_converted_length_scale():
    X, _ = datasets.circle_pair(6, 0.5)
    L = 0.85
    d2 = ((X[:, None, :] - X[None, :, :]) ** 2).sum(-1)
    np.testing.assert_allclose(kernels.rbf(circle._length_scale(L))(X), np.exp(-L**2 * d2),
                               rtol=1e-14)


def test_exact_errors_equal_a_dense_leave_one_out_solve(quick):
    cfg = circle.TARGET.quick
    for delta, exact in zip(cfg.deltas, quick["delta_sweep"]["eps_exact"]):
        X, y = datasets.circle_pair(cfg.delta_N, delta)
        K = kernels.rbf(circle._length_scale(cfg.delta_L))(X)
        train = np.arange(1, len(y))
        A = K[np.ix_(train, train)] + cfg.ridge * np.trace(K[np.ix_(train, train)]) * np.eye(train.size)
        prediction = K[0, train] @ np.linalg.solve(A, y[train])
        assert exact == pytest.approx(abs(prediction - y[0]), abs=1e-10)
        assert exact == pytest.approx(gp.loo_error(K, y, 0, ridge=cfg.ridge), abs=1e-12)


def test_ridge_free_quantities_match_the_float64_spectrum_where_it_is_resolved(quick):
    # at N = 4 every eigenvalue is far above round-off: the analytic spectrum must agree
    sweep, N = quick["N_sweep"], 4
    i = circle.TARGET.quick.Ns.index(N)
    X, _ = datasets.circle_pair(N, circle.TARGET.quick.N_delta)
    lam = np.fft.fft(kernels.rbf(circle._length_scale(circle.TARGET.quick.N_L))(X)[0]).real
    assert math.exp(sweep["log_lam_N"][i]) == pytest.approx(lam[N], rel=1e-10)
    assert math.exp(sweep["log_mean_inverse"][i]) == pytest.approx(np.mean(1 / lam), rel=1e-8)


def test_claims_hold_on_the_quick_run_and_the_figure_draws(quick):
    outcomes = {c.key: c.evaluate({"circle": quick}) for c in circle.TARGET.claims}
    assert {o.verdict for o in outcomes.values()} == {"holds"}
    fig = reproduction.figure("circle", quick)
    assert len(fig.data) == 4 + 2 * 3 and "quick run" in fig.layout.title.text


def test_a_failing_sweep_is_reported_as_not_holding(quick):
    broken = {**quick, "delta_sweep": {**quick["delta_sweep"],
                                       "eps_spectral": quick["delta_sweep"]["eps_spectral"][::-1]}}
    claim = next(c for c in circle.TARGET.claims if c.key == "circle-delta-error")
    assert claim.evaluate({"circle": broken}).verdict == "does not hold"
