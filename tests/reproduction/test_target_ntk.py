"""The ntk target (arXiv 1806.07572): its numbers against independent computations, its claims,
and its figure."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from ntkviz import kernels, reproduction
from ntkviz.experiments import dynamics, width
from ntkviz.kernels.finite_width import apply, init_params
from ntkviz.reproduction.targets import ntk as target

CFG = target.TARGET.quick


@pytest.fixture(scope="module")
def quick(quick_results):
    return quick_results["ntk"]


def test_initialisation_errors_equal_the_full_jacobian_kernel(quick):
    arch = kernels.mlp(depth=CFG.depth, W_std=target.W_STD, b_std=target.B_STD)
    grid = width.circle_points(width.GAMMAS)
    theta = kernels.mlp(depth=CFG.depth, W_std=target.W_STD, b_std=target.B_STD).ntk(
        width.X0[None], grid)[0]
    w, seed = CFG.init_widths[0], CFG.init_seeds[1]
    row = kernels.empirical_ntk(arch, width.X0[None], grid, width=w, seed=seed)[0]
    stored = quick["initialisation"]["errors"][1][0]
    assert stored == pytest.approx(np.linalg.norm(row - theta) / np.linalg.norm(theta), rel=1e-8)


def _jacobian_row(arch, params, x0, grid):
    J0 = jax.jacrev(lambda p: apply(arch, p, x0))(params)
    J = jax.jacrev(lambda p: apply(arch, p, grid))(params)
    return sum(np.asarray(b).reshape(len(grid), -1) @ np.asarray(a).reshape(1, -1).T
               for a, b in zip(jax.tree_util.tree_leaves(J0), jax.tree_util.tree_leaves(J)))[:, 0]


def test_kernel_change_equals_plain_gradient_steps_and_full_jacobians():
    depth, w, seed, steps = 2, 24, 3, 5
    before, after = target.kernel_change(depth, w, seed, steps, 0.5)
    arch = kernels.mlp(depth=depth, W_std=target.W_STD, b_std=target.B_STD)
    s = dynamics.setup("circle", depth, noise=0.0)
    with jax.enable_x64(True):
        params = init_params(arch, 2, 1, w, seed)
        x0, grid = jnp.asarray(width.X0[None]), jnp.asarray(width.circle_points(width.GAMMAS))
        np.testing.assert_allclose(before, _jacobian_row(arch, params, x0, grid), rtol=1e-10)
        loss = jax.grad(lambda p: 0.5 * jnp.sum((apply(arch, p, jnp.asarray(s.x_train))
                                                 - jnp.asarray(s.y_train)) ** 2))
        for _ in range(steps):
            params = jax.tree_util.tree_map(lambda a, g: a - s.eta(0.5) * g, params, loss(params))
        np.testing.assert_allclose(after, _jacobian_row(arch, params, x0, grid), rtol=1e-9)
    assert np.linalg.norm(after - before) > 0


def test_linear_ntk_matches_a_wide_linear_network_and_has_rank_d_plus_one():
    x = target.sphere_points(3, 10, 0)
    n, W, b = 40000, target.W_STD, target.B_STD
    rng = np.random.default_rng(1)
    A, a, v = rng.standard_normal((n, 3)), rng.standard_normal(n), rng.standard_normal(n)
    h = W / np.sqrt(3) * x @ A.T + b * a                  # hidden pre-activations (identity σ)
    # gradients: readout v and β, first layer A and a (through v)
    empirical = (W**2 / n * h @ h.T + b**2
                 + (W**2 / n * (v @ v)) * (W**2 / 3 * x @ x.T + b**2))
    exact = target.linear_ntk(x, 1)
    np.testing.assert_allclose(empirical, exact, atol=0.02 * np.abs(exact).max())
    lam = np.linalg.eigvalsh(target.linear_ntk(target.sphere_points(3, 12, 0), 3))
    assert lam[-5] / lam[-1] < 1e-13 and lam[-4] / lam[-1] > 1e-6


def test_the_sphere_grams_are_those_of_wide_finite_networks(quick):
    x = target.sphere_points(3, 32, 0)
    for activation in ("relu", "erf"):
        arch = kernels.mlp(depth=1, W_std=target.W_STD, b_std=target.B_STD, activation=activation)
        exact = arch.ntk(x)
        mc = np.mean([kernels.empirical_ntk(arch, x, width=2048, seed=s) for s in range(4)], axis=0)
        assert np.linalg.norm(mc - exact) / np.linalg.norm(exact) < 0.05
        row = next(r for r in quick["positivity"]["rows"] if (r["activation"], r["depth"],
                   r["dimension"], r["draw"]) == (activation, 1, 3, 0))
        assert row["min"] == pytest.approx(np.linalg.eigvalsh(exact)[0], rel=1e-9)


def test_mode_residuals_follow_an_explicit_linear_iteration_at_the_start(quick):
    d = quick["dynamics"]
    s = dynamics.setup("mnist", CFG.dynamics_depth, noise=0.0)
    theta = kernels.mlp(depth=CFG.dynamics_depth, W_std=dynamics.W_STD,
                        b_std=dynamics.B_STD).ntk(s.x_train)
    lam, vecs = np.linalg.eigh(theta)
    np.testing.assert_allclose(lam[::-1][:target.N_MODES], d["lam"], rtol=1e-9)
    # kernel GD on the residual r: r ← (I − ηΘ) r, projected on the top eigenvector
    run = dynamics.train_network("mnist", CFG.dynamics_depth, CFG.dynamics_widths[-1],
                                 CFG.dynamics_seeds[0], CFG.lr_factor, 0.0)
    r = run.f_train[0] - s.y_train
    top = vecs[:, -1]
    assert abs(top @ r) == pytest.approx(d["residuals"][-1][0][0][0], rel=1e-9)
    for _ in range(int(d["times"][3])):
        r = r - d["eta"] * theta @ r
    assert abs(top @ r) / abs(top @ (run.f_train[0] - s.y_train)) == pytest.approx(
        d["predicted"][3][0], rel=1e-8)


def test_claims_evaluate_and_the_figure_draws(quick):
    outcomes = {c.key: c.evaluate({"ntk": quick}) for c in target.TARGET.claims}
    assert len(outcomes) == 5 and all(o.verdict in reproduction.VERDICTS for o in outcomes.values())
    assert outcomes["ntk-init-width"].verdict == "holds"
    assert outcomes["ntk-positive-definite"].verdict == "holds"
    fig = reproduction.figure("ntk", quick)
    assert "quick run" in fig.layout.title.text and len(fig.data) > 10


def test_broken_numbers_are_reported_as_not_holding(quick):
    reversed_change = np.asarray(quick["training"]["change"])[:, ::-1].tolist()
    flipped = dict(quick["training"], change=reversed_change)
    claim = next(c for c in target.TARGET.claims if c.key == "ntk-train-constant")
    assert claim.evaluate({"ntk": {**quick, "training": flipped}}).verdict == "does not hold"
    rows = [dict(r, min=-abs(r["min"])) if r["activation"] == "erf" else r
            for r in quick["positivity"]["rows"]]
    claim = next(c for c in target.TARGET.claims if c.key == "ntk-positive-definite")
    assert claim.evaluate({"ntk": {**quick, "positivity": {"rows": rows}}}).verdict == \
        "does not hold"
    tiny = [dict(r, min=r["max"] * 1e-16) if r["activation"] == "relu" else r
            for r in quick["positivity"]["rows"]]
    assert claim.evaluate({"ntk": {**quick, "positivity": {"rows": tiny}}}).verdict == \
        "cannot be tested here"
    residuals = np.asarray(quick["dynamics"]["residuals"])[..., ::-1]
    claim = next(c for c in target.TARGET.claims if c.key == "ntk-principal-components")
    broken = dict(quick["dynamics"], residuals=residuals.tolist())
    assert claim.evaluate({"ntk": {**quick, "dynamics": broken}}).verdict == "does not hold"
