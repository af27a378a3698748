"""experiments.dynamics: closed-form kernel gradient descent against independent integrations,
its t → ∞ limit against the GP posterior, finite networks against the analytic NTK and the
shipped results, convergence in width, bad input; plots.dynamics figures."""

import numpy as np
import pytest
import scipy.linalg

from ntkviz import gp, kernels
from ntkviz.experiments import dynamics as dyn
from ntkviz.kernels.finite_width import empirical_ntk
from ntkviz.plots import dynamics as P


@pytest.fixture(scope="module", params=dyn.DATASETS)
def s(request):
    return dyn.setup(request.param, depth=1, noise=0.5)


def _f0(s, seed=0):
    rng = np.random.default_rng(seed)
    return rng.standard_normal(len(s.y_train)), rng.standard_normal(len(s.y_test))


def test_setup_kernel_is_the_analytic_ntk(s):
    x_all = np.concatenate([s.x_train, s.x_test])
    K = kernels.mlp(depth=1, W_std=dyn.W_STD, b_std=dyn.B_STD).ntk(x_all)
    n = len(s.y_train)
    np.testing.assert_allclose(s.theta, K[:n, :n], rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(s.theta_test, K[n:, :n], rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(s.vecs @ np.diag(s.lam) @ s.vecs.T, s.theta, atol=1e-10)
    assert np.all(np.diff(s.lam) <= 1e-12) and s.lam_max == s.lam[0]
    assert s.x_train.shape[0] == (16 if s.dataset == "circle" else 20)


def test_flow_closed_form_equals_fine_step_integration(s):
    """Gradient flow df/dt = −ηΘ(f − Y) (train) and −ηΘ(x, X)(f − Y) (test), RK4 with small steps."""
    eta, T = s.eta(0.5), 40.0
    f0_train, f0_test = _f0(s)
    A, B, Y = eta * s.theta, eta * s.theta_test, s.y_train

    def rhs(z):
        r = z[:len(Y)] - Y
        return np.concatenate([-A @ r, -B @ r])

    z, steps = np.concatenate([f0_train, f0_test]), 4000
    h = T / steps
    for _ in range(steps):
        k1 = rhs(z)
        k2 = rhs(z + h / 2 * k1)
        k3 = rhs(z + h / 2 * k2)
        k4 = rhs(z + h * k3)
        z = z + h / 6 * (k1 + 2 * k2 + 2 * k3 + k4)
    train, test = dyn.closed_form(s, eta, T, f0_train, f0_test, kind="flow")
    np.testing.assert_allclose(train, z[:len(Y)], atol=1e-8)
    np.testing.assert_allclose(test, z[len(Y):], atol=1e-8)
    # and the train part against a matrix exponential
    expm = scipy.linalg.expm(-A * T)
    np.testing.assert_allclose(train, Y + expm @ (f0_train - Y), atol=1e-10)


def test_gd_closed_form_equals_explicit_gd_steps(s):
    eta = s.eta(0.5)
    f0_train, f0_test = _f0(s, 1)
    f, g = f0_train.copy(), f0_test.copy()
    times = np.arange(0, 61)
    want_train, want_test = [], []
    for _ in times:
        want_train.append(f.copy())
        want_test.append(g.copy())
        r = f - s.y_train
        f, g = f - eta * s.theta @ r, g - eta * s.theta_test @ r
    train, test = dyn.closed_form(s, eta, times, f0_train, f0_test, kind="gd")
    np.testing.assert_allclose(train, want_train, atol=1e-10)
    np.testing.assert_allclose(test, want_test, atol=1e-10)


@pytest.mark.parametrize("kind", ["gd", "flow"])
def test_long_time_limit_is_the_gp_posterior_mean(s, kind):
    x_all = np.concatenate([s.x_train, s.x_test])
    K = kernels.mlp(depth=1, W_std=dyn.W_STD, b_std=dyn.B_STD).ntk(x_all)
    n = len(s.y_train)
    post = gp.posterior(K, s.y_train, np.arange(n), np.arange(n, len(x_all)), ridge=0.0)
    train, test = dyn.mean_prediction(s, s.eta(0.5), 2e5, kind=kind)
    np.testing.assert_allclose(test, post.mean, atol=1e-7)
    np.testing.assert_allclose(train, s.y_train, atol=1e-8)
    state = dyn.dynamics_state(s.dataset, 1, 0.5, s.noise, 256, 10.0, kind=kind)
    assert state.test_error_inf == pytest.approx(np.mean((post.mean - s.y_test) ** 2), rel=1e-8)


@pytest.mark.parametrize("kind", ["gd", "flow"])
def test_per_mode_decay_is_exact(s, kind):
    eta, times = s.eta(0.5), np.array([0.0, 1.0, 3.0, 10.0, 57.0, 400.0])
    f0_train, _ = _f0(s, 2)
    train, _ = dyn.closed_form(s, eta, times, f0_train, None, kind=kind)
    p = dyn.mode_residuals(s, train)
    rate = np.exp(-eta * np.outer(times, s.lam)) if kind == "flow" else (1 - eta * s.lam) ** times[:, None]
    np.testing.assert_allclose(p, rate * p[0], atol=1e-10)
    np.testing.assert_allclose(dyn.decay(s.lam, eta, times, kind), rate, rtol=1e-12, atol=1e-300)
    # the top mode is learnt first
    assert np.all(np.diff(rate[-1]) >= -1e-15)


def test_early_stopping_with_label_noise():
    for name in dyn.DATASETS:
        st = dyn.dynamics_state(name, 1, 0.5, 1.0, 256, 100.0)
        assert 0 < st.t_stop < dyn.T_MAX
        assert st.test_error_stop < 0.9 * st.test_error_inf
        assert np.all(np.diff(st.train_error) <= 1e-12)  # training error only falls
        assert st.test_error_stop == st.test_error.min()


@pytest.mark.slow
def test_first_gd_step_of_a_wide_network_follows_the_analytic_ntk():
    s = dyn.setup("circle", 1, 1.0)
    eta = s.eta(0.5)
    arch = kernels.mlp(depth=1, W_std=dyn.W_STD, b_std=dyn.B_STD)
    emp = np.mean([empirical_ntk(arch, s.x_train, width=2048, seed=k) for k in range(3)], axis=0)
    assert np.linalg.norm(emp - s.theta) / np.linalg.norm(s.theta) < 0.05
    run = dyn.train_network("circle", 1, 1024, 0, 0.5, 1.0)
    step = run.f_train[1] - run.f_train[0]
    predicted = -eta * s.theta @ (run.f_train[0] - s.y_train)
    assert np.linalg.norm(step - predicted) / np.linalg.norm(predicted) < 0.15
    # the same network's empirical NTK gives the first step to second order in η
    own = empirical_ntk(arch, s.x_train, width=1024, seed=0)
    own_step = -eta * own @ (run.f_train[0] - s.y_train)
    assert np.linalg.norm(step - own_step) < 0.2 * np.linalg.norm(step - predicted) + 1e-3


@pytest.mark.slow
def test_distance_to_kernel_prediction_falls_with_width():
    widths, seeds = (16, 128, 1024), (0, 1, 2)
    runs = dyn.finite_runs("circle", 1, widths, seeds, lr_factor=0.5, noise=0.5)
    s = dyn.setup("circle", 1, 0.5)
    got_widths, got_seeds, D = dyn.distances(runs, s, 0.5)
    assert got_widths == widths and got_seeds == seeds and np.all(np.isfinite(D))
    mean = D.mean(axis=1)
    assert np.all(np.diff(mean) < 0), mean
    slope = np.polyfit(np.log(widths), np.log(mean), 1)[0]
    assert slope < -0.2, slope
    assert mean[-1] < 0.15


def test_train_chunks_stream_and_end_with_the_full_run():
    parts = list(dyn.train_chunks("mnist", 1, 16, 3, 0.5, 1.0))
    assert len(parts) == dyn.T_MAX // dyn.CHUNK
    first, last = parts[0], parts[-1]
    assert np.isnan(first.f_train[-1]).all() and np.isfinite(first.f_train[0]).all()
    np.testing.assert_array_equal(last.f_train, dyn.train_network("mnist", 1, 16, 3, 0.5, 1.0).f_train)
    assert not last.diverged


def test_large_learning_rate_makes_the_top_mode_oscillate():
    """At η λ_max = 1.99 the top mode's factor is 1 − 1.99 = −0.99: the residual along v_1
    flips sign every step and barely shrinks; the networks (width 16) stay finite here."""
    s = dyn.setup("circle", 1, 1.0)
    eta = s.eta(1.99)
    assert eta * s.lam_max == pytest.approx(1.99)
    run = dyn.train_network("circle", 1, 16, 0, 1.99, 1.0)
    assert not run.diverged and np.all(np.isfinite(run.f_train))
    train, _ = dyn.closed_form(s, eta, np.arange(6), run.f_train[0], run.f_test[0])
    p = dyn.mode_residuals(s, train)[:, 0]
    np.testing.assert_allclose(p / p[0], (-0.99) ** np.arange(6), rtol=1e-9)
    st = dyn.dynamics_state("circle", 1, 1.99, 1.0, 16, 10, runs={(16, 0): run})
    assert np.all(np.isfinite(st.test_error)) and np.isfinite(st.distance)


@pytest.mark.slow
def test_shipped_results_recompute():
    shipped = dyn.load_precomputed()
    assert shipped.widths == dyn.WIDTHS and shipped.seeds == dyn.SEEDS
    assert (shipped.depth, shipped.lr_factor, shipped.noise) == tuple(dyn.DEFAULTS.values())
    assert dyn.is_precomputed("mnist", **dyn.DEFAULTS)
    assert not dyn.is_precomputed("mnist", 1, 0.5, 0.0)
    dyn.train_network.unchecked.cache_clear()
    fresh = dyn.train_network("mnist", 1, 64, 1, 0.5, 1.0)
    stored = shipped.run("mnist", 64, 1)
    np.testing.assert_allclose(stored.f_train, fresh.f_train, rtol=1e-9, atol=1e-10)
    np.testing.assert_allclose(stored.f_test, fresh.f_test, rtol=1e-9, atol=1e-10)
    theta, theta_test = shipped.thetas["circle", 3]
    want = dyn.maths.compute_kernels("circle", 3)
    np.testing.assert_allclose(theta, want[0], rtol=1e-12)
    np.testing.assert_allclose(theta_test, want[1], rtol=1e-12)


def test_save_and_load_round_trip(tmp_path):
    shipped = dyn.load_precomputed()
    path = dyn.save_results(shipped, tmp_path / "d.npz")
    again = dyn.load_results(path)
    np.testing.assert_array_equal(again.f_test["circle"], shipped.f_test["circle"])
    assert set(again.thetas) == set(shipped.thetas)
    with pytest.raises(ValueError, match="does not exist"):
        dyn.load_results(tmp_path / "missing.npz")
    (tmp_path / "bad.npz").write_bytes(b"nope")
    with pytest.raises(ValueError, match="not an ntkviz results file"):
        dyn.load_results(tmp_path / "bad.npz")


@pytest.mark.slow
def test_precompute_quick_round_trip(tmp_path):
    calls = []
    path, lines = dyn.precompute(lambda done, total, label: calls.append((done, total)),
                                 quick=True, path=tmp_path / "d.npz")
    back = dyn.load_results(path)
    assert (back.widths, back.seeds, calls[-1]) == ((16, 64), (0,), (4, 4))
    assert set(back.thetas) == {(name, k) for name in dyn.DATASETS for k in range(1, 4)}
    run = dyn.train_network("mnist", 1, 64, 0, 0.5, 1.0)
    np.testing.assert_array_equal(back.run("mnist", 64, 0).f_test, run.f_test)
    assert len(lines) == 2 and "mnist" in lines[1] and "n=64" in lines[1]


@pytest.mark.parametrize("call, name", [
    (lambda: dyn.setup("square"), "dataset"),
    (lambda: dyn.setup("circle", depth=0), "depth"),
    (lambda: dyn.setup("circle", noise=-1.0), "noise"),
    (lambda: dyn.train_network("circle", 1, 0), "width"),
    (lambda: dyn.train_network("circle", 1, 16, 0, lr_factor=2.5), "lr_factor"),
    (lambda: dyn.train_network("circle", 1, 16, -1), "seed"),
    (lambda: dyn.dynamics_state("circle", t=-1.0), "t"),
    (lambda: dyn.dynamics_state("circle", kind="euler"), "kind"),
    (lambda: dyn.finite_runs("circle", seeds=[]), "seeds"),
    (lambda: dyn.finite_runs("circle", widths="16"), "widths"),
    (lambda: dyn.closed_form(dyn.setup("circle"), 0.1, 1.0, f0_train=np.zeros(3)), "f0_train"),
    (lambda: dyn.closed_form("setup", 0.1, 1.0), "s"),
    (lambda: dyn.decay([1.0, 2.0], -0.1, 1.0), "eta"),
    (lambda: dyn.decay([1.0, 2.0], 1.5, 1.0), "eta"),  # η λ_max = 3 > 2: unstable GD
    (lambda: dyn.decay([1.0, 2.0], 1e200, [1.0, 1e120], kind="flow"), "eta · t"),
])
def test_bad_input_names_the_argument(call, name):
    with pytest.raises((ValueError, TypeError), match=name):
        call()


def test_figures_show_the_state():
    runs = dyn.finite_runs("circle", **dyn.DEFAULTS)
    st = dyn.dynamics_state("circle", **dyn.DEFAULTS, width=64, t=43, runs=runs)
    out = P.outputs_figure(st)
    assert len(out.data) == 6
    np.testing.assert_allclose(out.data[2].y, st.mu_test)
    assert "t = 43" in out.layout.title.text and "width 64" in out.layout.title.text
    from ntkviz.plots.style import COLORS

    assert out.data[1].marker.color[0] in (COLORS["A"], COLORS["B"])   # the class colours
    modes = P.mode_decay(st)
    K = len(st.modes)
    assert len(modes.data) == 2 * K + 1 and modes.layout.yaxis.type == "log"
    err = P.error_vs_time(st)
    assert err.data[3].x[0] == st.t_stop and err.data[3].y[0] == st.test_error_stop
    dist = P.distance_vs_width(st)
    assert list(dist.data[1].x) == list(dyn.WIDTHS) and dist.data[3].y[0] == pytest.approx(st.distance)
    assert dist.layout.xaxis.type == "log" and dist.layout.yaxis.type == "log"
    # the update twins carry the same data
    assert P.outputs_figure_update(st)["data"][2]["y"] is st.mu_test
    empty = dyn.dynamics_state("mnist", 2, 0.5, 0.0, 64, 10)
    assert "no finite networks" in P.outputs_figure(empty).layout.title.text
    assert "digit index" in P.outputs_figure(empty).layout.xaxis.title.text


def test_gradient_flow_takes_any_learning_rate():
    # the flow decays at every η > 0 (η only rescales time); GD's limit η λ_max ≤ 2 is not applied
    lam = np.array([2.0, 0.5, 0.0])
    d = dyn.decay(lam, 10.0, [0.0, 1.0], kind="flow")
    np.testing.assert_allclose(d, [[1.0, 1.0, 1.0], np.exp([-20.0, -5.0, 0.0])], rtol=1e-15)
    s = dyn.setup("circle", depth=1, noise=0.5)
    train, test = dyn.mean_prediction(s, 50.0 / s.lam_max, 1e3, kind="flow")
    assert np.all(np.isfinite(train)) and np.all(np.isfinite(test))
    with pytest.raises(ValueError, match="stability limit"):
        dyn.mean_prediction(s, 50.0 / s.lam_max, 1e3, kind="gd")
