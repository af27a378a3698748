"""The classes target (Fig. 6B, App. F of arXiv 2412.11521): the spectral and exact predictions
against explicit per-pair and dense computations, the trained runs against a direct call, the
claims on constructed results, and the figure."""

import dataclasses

import numpy as np
import pytest

from ntkviz import datasets, kernels, reproduction, spectral
from ntkviz.experiments import ten_classes
from ntkviz.reproduction.targets import classes, fig1


@pytest.fixture(scope="module")
def quick(quick_results):
    return quick_results["classes"]


@pytest.fixture(scope="module")
def points():
    cfg = classes.TARGET.quick
    N = cfg.Ns[-1]
    X, labels, samples = ten_classes.class_points(cfg.seeds_per_class, N, cfg.seed, cfg.order)
    return N, X, labels, samples, ten_classes.gram(X)


def test_points_and_gram(points, quick):
    N, X, labels, samples, K = points
    S = classes.TARGET.quick.seeds_per_class
    assert X.shape == (10 * S * N, 28, 28) and np.all(labels == np.repeat(np.arange(10), S * N))
    assert samples.tolist() == next(k for k in quick["kernel"] if k["N"] == N)["samples"]
    # the orbit of digit (c, samples[c, i]) at rows (c·S + i)·N + k, cubic, centred, unit norm
    from ntkviz.experiments import digits
    c, i = 7, 1
    rows = slice((c * S + i) * N, (c * S + i + 1) * N)
    np.testing.assert_allclose(X[rows], datasets.orbit(digits.digit(c, int(samples[c, i])), N,
                                                       order=3), atol=1e-12)
    k = kernels.mlp(depth=3, b_std=(1, 1, 0, 1))
    np.testing.assert_allclose(K, k.ntk(X), rtol=1e-12)
    assert np.array_equal(K, K.T)


def test_spectral_predictions_equal_explicit_pair_circularisations(points, quick):
    N, X, _, _, K = points
    cfg = classes.TARGET.quick
    S = cfg.seeds_per_class
    stored = np.array(next(k for k in quick["kernel"] if k["N"] == N)["spectral"], dtype=float)
    for c, i, d in ((0, 0, 1), (3, 2, 9), (9, 1, 4)):
        values = []
        for j in range(S):
            a, b = c * S + i, d * S + j
            rows = np.stack([a * N + np.arange(N), b * N + np.arange(N)], axis=1).ravel()
            Kc = spectral.circularize(K[np.ix_(rows, rows)])
            lam = np.linalg.eigvalsh(Kc)           # the circulant's eigenvalues, any order
            lam_N = np.fft.fft(Kc[0]).real[N]      # the alternating (label) eigenvalue
            isp = 1 / np.abs(lam + cfg.spectral_ridge)
            values.append(1 - (1 / abs(lam_N + cfg.spectral_ridge)) / isp.mean())
        assert stored[c, i, d] == pytest.approx(np.mean(values), rel=1e-9, abs=1e-12)
    assert np.all(np.isnan(stored[np.arange(10), :, np.arange(10)]))


def test_exact_predictions_equal_a_dense_solve_without_the_left_out_images(points, quick):
    N, X, labels, _, K = points
    cfg = classes.TARGET.quick
    S = cfg.seeds_per_class
    stored = np.array(next(k for k in quick["kernel"] if k["N"] == N)["exact"], dtype=float)
    for c in (2, 8):
        test = (c * S + np.arange(S)) * N
        train = np.setdiff1d(np.arange(len(X)), test)
        y = np.where(labels == c, 1.0, -1.0)
        A = K[np.ix_(train, train)] + cfg.exact_ridge * np.eye(train.size)
        direct = K[np.ix_(test, train)] @ np.linalg.solve(A, y[train])
        np.testing.assert_allclose(stored[c], direct, rtol=1e-5, atol=1e-6)


def test_a_trained_run_equals_a_direct_call(points, quick):
    N, X, labels, _, _ = points
    cfg = classes.TARGET.quick
    run = next(r for r in quick["trained"] if r["N"] == N and r["leave_out"] == 4)
    direct = ten_classes.train_leave_out(
        X, labels, 4, cfg.seeds_per_class, N, max_steps=cfg.max_steps, seed=cfg.seed,
        batch_size=cfg.batch_size, learning_rate=1e-3, b1=0.7, b2=0.9, dropout=0.5,
        init="torch", input_scale=28.0, stop_accuracy=1.0)
    assert run["predicted"] == direct["predicted"].tolist()
    assert run["train_accuracy"] == direct["train_accuracy"] and run["steps"] == direct["steps"]
    assert len(run["predicted"]) == cfg.seeds_per_class


def _results(spectral_acc, trained_acc, exact_acc, train=1.0, Ns=(2, 8, 64)):
    """Constructed classes results with these accuracies (per N) for every leave-out class."""
    cfg = dataclasses.asdict(dataclasses.replace(classes.TARGET.full, Ns=Ns, seeds_per_class=4))
    rng = np.random.default_rng(0)
    kernel, trained = [], []
    for n, N in enumerate(Ns):
        good = rng.random((10, 4)) < spectral_acc[n]
        pred = np.where(good[:, :, None], 0.5, -0.5) * np.ones((10, 4, 10))
        pred[np.arange(10), :, np.arange(10)] = np.nan
        exact = np.where(rng.random((10, 4)) < exact_acc[n], 0.4, -0.4)
        kernel.append({"N": N, "samples": [[0] * 4] * 10, "spectral": pred.tolist(),
                       "exact": exact.tolist()})
        for c in range(10):
            hit = rng.random(4) < trained_acc[n]
            trained.append({"N": N, "leave_out": c, "predicted": np.where(hit, c, (c + 1) % 10),
                            "train_accuracy": train, "epochs": 3, "steps": 30, "loss": [1, 1, 1]})
    return {"config": cfg, "kernel": kernel, "trained": trained, "quick": False}


def _fig1(out_acc, train=1.0, Ns=(2, 8, 64)):
    cfg = dataclasses.asdict(dataclasses.replace(fig1.TARGET.full, Ns=Ns))
    runs = [{"network": net, "N": N, "leave_out": c,
             "train_accuracy": train if net != "vit" else 0.3,
             "in_accuracy": 0.9, "out_accuracy": acc + 0.01 * (c % 3), "steps": 10,
             "image_passes": 100, "seconds": 1.0 if net != "vit" else 10.0}
            for net in ("mlp", "cnn", "vit") for N, acc in zip(Ns, out_acc)
            if net != "vit" or N == 8 for c in range(10)]
    return {"config": cfg, "runs": runs, "quick": False}


def _outcomes(results, fig1_results):
    return {c.key: c.evaluate({"classes": results, "fig1": fig1_results})
            for c in classes.TARGET.claims}


def test_claims_on_rising_and_flat_curves():
    rising = _outcomes(_results((0.0, 0.3, 1.0), (0.1, 0.3, 0.95), (0.0, 0.2, 1.0)),
                       _fig1((0.1, 0.3, 0.9)))
    assert {k: o.verdict for k, o in rising.items()} == {
        "classes-fig6b": "holds", "classes-appF-exact": "holds", "classes-fig1-mlp": "holds",
        "classes-fig1-cnn": "holds", "classes-fig1-vit": "cannot be tested here"}
    assert "r across N" in rising["classes-fig6b"].ours
    flat = _outcomes(_results((0.5, 0.5, 0.5), (0.1, 0.3, 0.95), (0.9, 0.5, 0.1)),
                     _fig1((0.5, 0.5, 0.5)))
    assert flat["classes-fig6b"].verdict == "does not hold"
    assert flat["classes-appF-exact"].verdict == "does not hold"
    assert flat["classes-fig1-mlp"].verdict == "does not hold"


def test_unconverged_networks_make_the_claims_untestable():
    outcomes = _outcomes(_results((0.0, 0.3, 1.0), (0.1, 0.3, 0.95), (0.0, 0.2, 1.0), train=0.5),
                         _fig1((0.1, 0.3, 0.9), train=0.5))
    assert outcomes["classes-fig6b"].verdict == "cannot be tested here"
    assert "30 of 30 trained networks below 0.95" in outcomes["classes-fig6b"].note
    assert outcomes["classes-fig1-mlp"].verdict == "cannot be tested here"
    assert outcomes["classes-appF-exact"].verdict == "holds"   # no trained network involved


def test_the_quick_run_evaluates_and_draws(quick):
    fig1_results = _fig1((0.1, 0.3, 0.9), Ns=quick["config"]["Ns"])
    for outcome in _outcomes(quick, fig1_results).values():
        assert outcome.verdict in reproduction.VERDICTS
    acc = classes.accuracies(quick)
    assert acc["spectral"].shape == acc["exact"].shape == acc["trained"].shape == (2, 10)
    fig = reproduction.figure("classes", quick)
    assert "quick run" in fig.layout.title.text and len(fig.data) == 2 * 2 + 3 * 2 + 1
