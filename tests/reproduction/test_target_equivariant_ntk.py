"""The equivariant_ntk target (arXiv 2406.06504): its numbers against independent computations,
its claims, and its figure."""

import numpy as np
import pytest
import scipy.linalg

from ntkviz import kernels, reproduction
from ntkviz.experiments import equivariant_accuracy as ea
from ntkviz.experiments import gcnn_width
from ntkviz.experiments.architectures import architecture
from ntkviz.reproduction.targets import equivariant_ntk as target

CFG = target.TARGET.quick


@pytest.fixture(scope="module")
def quick(quick_results):
    return quick_results["equivariant_ntk"]


def test_kernel_flow_equals_the_matrix_exponential_solution():
    rng = np.random.default_rng(0)
    F = rng.standard_normal((12, 7))
    K = F @ F.T  # rank 7: zero eigenvalues take the λ → 0 limit
    K_test = rng.standard_normal((5, 7)) @ F.T
    Y = rng.standard_normal((12, 3))
    times = (0.0, 0.3, 4.0)
    flow = target.kernel_flow(K, K_test, Y, times)
    for t, mu in zip(times, flow):
        # dμ/dt = −K_test·(μ_train − Y) ⇒ μ_test(t) = K_test ∫_0^t e^{−K s} ds Y
        integral = scipy.linalg.expm(np.block([[-K, np.eye(12)], [np.zeros((12, 12)),
                                                                   np.zeros((12, 12))]]) * t)
        np.testing.assert_allclose(mu, K_test @ integral[:12, 12:] @ Y, atol=1e-10)


def test_width_errors_match_an_independent_finite_network(quick):
    # kernels.empirical_ntk builds its networks separately (im2col, jax.random draws):
    # its errors must be of the same size as the sweep's at the same width
    x = gcnn_width.gcnn_images(CFG.n_digits, 0, CFG.resolution)
    arch = kernels.gcnn(depth=CFG.depth)
    exact = arch.ntk(x)
    width = CFG.widths[-1]
    independent = [np.linalg.norm(kernels.empirical_ntk(arch, x, width=width, seed=s) - exact)
                   / np.linalg.norm(exact) for s in range(6)]
    ours = np.asarray(quick["width"]["ntk_errors"])[:, -1]
    assert 0.33 < np.mean(independent) / np.mean(ours) < 3.0
    assert quick["width"]["max_invariance_gap"] < 1e-10


def test_accuracies_equal_a_dense_ridge_solve(quick):
    config = target.accuracy_config(CFG)
    K = ea.gram(config, "gcnn", "rot90", CFG.accuracy_seeds[0], "ntk")
    labels = ea.rotated_pool(config, "rot90", CFG.accuracy_seeds[0])["labels"]
    n, n_max = CFG.n_train[-1], CFG.n_train[-1]
    test = slice(n_max, n_max + CFG.n_test)
    A = K[:n, :n] + config.ridge * np.trace(K[:n, :n]) * np.eye(n)
    predicted = np.argmax(K[test, :n] @ np.linalg.solve(A, np.eye(10)[labels[:n]]), axis=1)
    stored = quick["accuracy"]["rot90"]["ntk"]["gcnn"][0][-1]
    assert stored == pytest.approx(np.mean(predicted == labels[test]), abs=1e-12)


def test_augmented_prediction_matches_a_direct_solve_on_the_orbit(quick):
    train, labels, test = target.flow_digits(CFG)
    augmented = np.concatenate([np.rot90(train, k, axes=(1, 2)) for k in range(4)])
    gap = architecture("cnn_gap").kernel("rot90", 4)
    K = gap.ntk(augmented)
    K_test = gap.ntk(test, augmented)
    t = quick["augmentation"]["times"][-1]
    Ya = np.tile(np.eye(10)[labels], (4, 1))
    lam, V = np.linalg.eigh(K)
    mu = K_test @ V @ np.diag(-np.expm1(-lam * t) / lam) @ V.T @ Ya
    np.testing.assert_allclose(np.asarray(quick["augmentation"]["mu_aug_last"]), mu.ravel(),
                               atol=1e-9 * np.abs(mu).max())
    assert quick["augmentation"]["kernel_identity"] < 1e-12


def test_claims_evaluate_and_the_figure_draws(quick):
    outcomes = {c.key: c.evaluate({"equivariant_ntk": quick}) for c in target.TARGET.claims}
    assert len(outcomes) == 5
    assert outcomes["entk-augmentation"].verdict == "holds"
    assert outcomes["entk-width-ntk"].verdict == "holds"
    assert all(o.verdict in reproduction.VERDICTS for o in outcomes.values())
    fig = reproduction.figure("equivariant_ntk", quick)
    assert len(fig.data) == 3 + 2 * len(CFG.modes) + 3 and "quick run" in fig.layout.title.text


def test_broken_numbers_are_reported_as_not_holding(quick):
    reversed_errors = np.asarray(quick["width"]["ntk_errors"])[:, ::-1].tolist()
    width = dict(quick["width"], ntk_errors=reversed_errors)
    claim = next(c for c in target.TARGET.claims if c.key == "entk-width-ntk")
    assert claim.evaluate({"equivariant_ntk": {**quick, "width": width}}).verdict == "does not hold"
    flow = dict(quick["augmentation"], max_difference=quick["augmentation"]["max_abs"])
    claim = next(c for c in target.TARGET.claims if c.key == "entk-augmentation")
    assert claim.evaluate({"equivariant_ntk": {**quick, "augmentation": flow}}).verdict == \
        "does not hold"
    acc = {m: {"ntk": {"gcnn": e["ntk"]["cnn_gap"], "cnn_gap": e["ntk"]["gcnn"]},
               "nngp": e["nngp"]} for m, e in quick["accuracy"].items()}
    for k in ("gcnn", "cnn_gap"):  # make the group CNN clearly better, then swap back
        acc["rot90"]["ntk"][k] = [[v + (0.1 * s if k == "gcnn" else 0.0) for v in row]
                                  for s, row in enumerate(acc["rot90"]["ntk"][k], start=1)]
    claim = next(c for c in target.TARGET.claims if c.key == "entk-accuracy-rot90")
    assert claim.evaluate({"equivariant_ntk": {**quick, "accuracy": acc}}).verdict == "holds"
    swapped = {m: {"ntk": {"gcnn": e["ntk"]["cnn_gap"], "cnn_gap": e["ntk"]["gcnn"]}}
               for m, e in acc.items()}
    assert claim.evaluate({"equivariant_ntk": {**quick, "accuracy": swapped}}).verdict == \
        "does not hold"
