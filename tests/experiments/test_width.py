"""Finite width against infinite width on the unit circle: ntk_row, experiments.width, plots.width."""

import numpy as np
import pytest

from ntkviz import kernels, results
from ntkviz.experiments import width as wd
from ntkviz.kernels.finite_width import ntk_row
from ntkviz.plots import apply_update
from ntkviz.plots.width import error_vs_width, error_vs_width_update, ntk_curves, ntk_curves_update

GAMMAS = np.linspace(-np.pi, np.pi, 13)
X = np.stack([np.cos(GAMMAS), np.sin(GAMMAS)], axis=1)
X0 = np.array([1.0, 0.0])


# --- ntk_row: one gradient and one jvp, against full Jacobians --------------------------------
@pytest.mark.slow
@pytest.mark.parametrize("arch", [kernels.mlp(depth=2, b_std=0.1), kernels.mlp(depth=1, activation="erf")],
                         ids=lambda k: k.name)
def test_ntk_row_equals_full_empirical_ntk(arch):
    for seed in (0, 7):
        row = ntk_row(arch, X0, X, width=48, seed=seed)
        full = kernels.empirical_ntk(arch, X0[None], X, width=48, seed=seed)[0]
        assert row.dtype == np.float64 and row.shape == (len(X),)
        np.testing.assert_allclose(row, full, rtol=0, atol=1e-10 * np.abs(full).max())


def test_ntk_row_rejects_bad_input():
    with pytest.raises(TypeError, match="arch"):
        ntk_row(kernels.rbf(), X0, X)
    with pytest.raises(ValueError, match="width"):
        ntk_row(kernels.mlp(), X0, X, width=0)
    with pytest.raises(ValueError, match="features|shape"):
        ntk_row(kernels.mlp(), np.ones(3), X)


# --- analytic Θ: against kernels.mlp and an independent numpy recursion ------------------------
def _numpy_ntk_row(gammas, depth, activation, W_std, b_std):
    """The recursions of docs/theory.md#neural-kernels written out in numpy for x0 = (1, 0) against
    x(γ) (d = 2)."""
    s12 = np.cos(gammas) / 2  # Σ⁰ = x·x'/d, ‖x‖ = 1
    s11 = s22 = 0.5
    t12 = np.zeros_like(s12)
    for _ in range(depth):
        s12, s11, s22 = (W_std**2 * s + b_std**2 for s in (s12, s11, s22))
        t12 = W_std**2 * t12 + s12
        if activation == "relu":
            c = np.clip(s12 / np.sqrt(s11 * s22), -1, 1)
            t = np.arccos(c)
            s12_new = np.sqrt(s11 * s22) * (np.sin(t) + (np.pi - t) * c) / (2 * np.pi)
            t12 = t12 * (np.pi - t) / (2 * np.pi)
            s11, s22, s12 = s11 / 2, s22 / 2, s12_new
        else:
            det = (1 + 2 * s11) * (1 + 2 * s22)
            t12 = t12 * (4 / np.pi) / np.sqrt(det - 4 * s12**2)
            s12_new = (2 / np.pi) * np.arcsin(2 * s12 / np.sqrt(det))
            s11 = (2 / np.pi) * np.arcsin(2 * s11 / (1 + 2 * s11))
            s22 = (2 / np.pi) * np.arcsin(2 * s22 / (1 + 2 * s22))
            s12 = s12_new
    s12 = W_std**2 * s12 + b_std**2
    return W_std**2 * t12 + s12


@pytest.mark.parametrize("depth, activation, W_std, b_std",
                         [(4, "relu", 1.0, 0.1), (1, "relu", 1.3, 0.5), (2, "erf", 1.0, 0.1)])
def test_analytic_theta_matches_kernels_mlp_and_numpy(depth, activation, W_std, b_std):
    theta = wd.analytic_theta(GAMMAS, depth, activation, W_std, b_std)
    direct = kernels.mlp(depth, W_std, b_std, activation).ntk(X0[None], X)[0]
    np.testing.assert_allclose(theta, direct, rtol=1e-13)
    np.testing.assert_allclose(theta, _numpy_ntk_row(GAMMAS, depth, activation, W_std, b_std), rtol=1e-7)
    assert theta[len(GAMMAS) // 2] == pytest.approx(theta.max())  # γ = 0: x = x0, the peak


def test_default_grid_and_circle_points():
    assert wd.GAMMAS[0] == -np.pi and wd.GAMMAS[-1] == np.pi and 0.0 in wd.GAMMAS
    np.testing.assert_allclose(np.linalg.norm(wd.circle_points(wd.GAMMAS), axis=1), 1.0)
    np.testing.assert_allclose(wd.circle_points([0.0])[0], wd.X0)
    assert wd.SEEDS == tuple(range(10)) and list(wd.WIDTHS) == sorted(wd.WIDTHS)


# --- empirical Θ̂ ---------------------------------------------------------------------------
@pytest.mark.slow
def test_empirical_thetas_are_the_networks_of_empirical_ntk():
    thetas = wd.empirical_thetas(GAMMAS, depth=2, width=48, seeds=(0, 1, 7))
    assert thetas.shape == (3, len(GAMMAS)) and thetas.dtype == np.float64
    arch = kernels.mlp(depth=2, b_std=0.1)
    full = kernels.empirical_ntk(arch, X0[None], X, width=48, seed=7)[0]
    np.testing.assert_allclose(thetas[2], full, rtol=0, atol=1e-10 * np.abs(full).max())
    for row, seed in zip(thetas, (0, 1, 7)):
        np.testing.assert_array_equal(row, ntk_row(arch, X0, X, width=48, seed=seed))
    np.testing.assert_array_equal(wd.empirical_thetas(GAMMAS, 2, 48, (7,))[0], thetas[2])  # deterministic
    assert not np.allclose(thetas[0], thetas[1])  # different seeds, different networks
    assert not thetas.flags.writeable


# --- relative error against width ------------------------------------------------------------
@pytest.fixture(scope="module")
def sweep():
    return wd.relative_errors(depth=1, widths=(64, 256, 1024), seeds=wd.SEEDS)


@pytest.mark.slow
def test_relative_error_falls_with_width_like_inverse_sqrt(sweep):
    assert sweep.errors.shape == (3, 10)
    assert sweep.mean[0] > sweep.mean[1] > sweep.mean[2], sweep.mean
    assert sweep.mean[2] < 0.5 * sweep.mean[0]  # 16× the width: ~¼ the error
    assert np.median(sweep.errors[2]) < np.median(sweep.errors[0])  # the trend holds over seeds
    assert -0.8 < sweep.slope < -0.3, sweep.slope
    np.testing.assert_allclose(sweep.fitted(sweep.widths), np.exp(np.polyval(
        np.polyfit(np.log(sweep.widths), np.log(sweep.mean), 1), np.log(sweep.widths))), rtol=1e-12)


@pytest.mark.slow
def test_relative_errors_recomputed_independently(sweep):
    theta = kernels.mlp(depth=1, b_std=0.1).ntk(wd.X0[None], wd.circle_points(wd.GAMMAS))[0]
    for i, width in enumerate((64, 256, 1024)):
        thetas = wd.empirical_thetas(wd.GAMMAS, 1, width, wd.SEEDS)
        expected = [np.linalg.norm(t - theta) / np.linalg.norm(theta) for t in thetas]
        np.testing.assert_allclose(sweep.errors[i], expected, rtol=1e-10)
        assert sweep.mean[i] == pytest.approx(np.mean(expected), rel=1e-12)
        assert sweep.spread[i] == pytest.approx(np.std(expected, ddof=1), rel=1e-10)


def test_relative_errors_are_cached_and_report_progress(sweep):
    calls = []
    again = wd.relative_errors(1, (1024, 64, 256, 64), wd.SEEDS, progress=lambda d, t: calls.append((d, t)))
    assert again is sweep  # widths sorted and deduplicated: the same cached result
    assert calls == [(k, 30) for k in range(1, 31)]


@pytest.mark.slow
def test_width_state_holds_what_the_explorer_shows(sweep):
    s = wd.width_state(1, 256, "relu", widths=(64, 256, 1024))
    assert s is wd.width_state(1, 256, widths=(64, 256, 1024))
    assert s.sweep is sweep
    np.testing.assert_array_equal(s.thetas, wd.empirical_thetas(wd.GAMMAS, 1, 256))
    np.testing.assert_array_equal(s.theta, wd.analytic_theta(wd.GAMMAS, 1))
    np.testing.assert_array_equal(s.errors, sweep.errors[1])
    assert s.mean_error == pytest.approx(sweep.mean[1], rel=1e-14) and s.spread == pytest.approx(sweep.spread[1])
    assert s.slope == sweep.slope
    off_grid = wd.width_state(1, 100, widths=(64, 256, 1024), seeds=(0, 1))
    assert off_grid.thetas.shape == (2, len(wd.GAMMAS)) and off_grid.width == 100


@pytest.mark.parametrize("kwargs, name, error", [
    (dict(width=0), "width", ValueError),
    (dict(depth=0), "depth", ValueError),
    (dict(activation="tanh"), "activation", ValueError),
    (dict(seeds=()), "seeds", ValueError),
    (dict(seeds=(-1,)), "seeds", ValueError),
    (dict(W_std=0.0), "W_std", ValueError),
    (dict(widths=(16, 1.5)), "widths", TypeError),
    (dict(progress="yes"), "progress", TypeError),
])
def test_bad_input_names_the_argument(kwargs, name, error):
    with pytest.raises(error, match=name):
        wd.width_state(**{"depth": 1, "width": 16, "widths": (16,), **kwargs})


def test_bad_angles_name_the_argument():
    with pytest.raises(ValueError, match="gammas"):
        wd.analytic_theta([0.0, np.nan], 1)
    with pytest.raises(ValueError, match="gammas"):
        wd.empirical_thetas([], 1, 16)


# --- figures ---------------------------------------------------------------------------------
def test_ntk_curves_show_the_analytic_and_every_seed():
    theta = np.cos(GAMMAS)
    thetas = np.stack([theta + 0.1 * k for k in range(3)])
    fig = ntk_curves(GAMMAS, theta, thetas, width=500, depth=4, activation="relu", seeds=(3, 4, 5))
    assert len(fig.data) == 2
    np.testing.assert_array_equal(fig.data[0].y, theta)
    ys = np.array([np.nan if v is None else v for v in fig.data[1].y], dtype=float)
    assert ys.size == 3 * (len(GAMMAS) + 1) and np.isnan(ys).sum() == 3  # one gap after each seed
    np.testing.assert_array_equal(ys[~np.isnan(ys)], thetas.ravel())
    assert set(fig.data[1].customdata) == {3, 4, 5}
    assert "width 500" in fig.layout.title.text and "depth 4" in fig.layout.title.text
    assert fig.layout.xaxis.range == (-np.pi, np.pi) and "γ" in fig.layout.xaxis.title.text
    assert "Θ" in fig.data[0].hovertemplate and "seed" in fig.data[1].hovertemplate


def test_error_vs_width_has_seeds_mean_fit_and_reference():
    widths = np.array([16, 64, 256])
    errors = np.array([[0.4, 0.6], [0.2, 0.3], [0.1, 0.15]])
    fig = error_vs_width(widths, errors, slope=-0.5, intercept=np.log(2.0), current_width=64)
    assert len(fig.data) == 5 and fig.layout.xaxis.type == "log" and fig.layout.yaxis.type == "log"
    np.testing.assert_array_equal(fig.data[0].y, errors.ravel())
    np.testing.assert_array_equal(fig.data[0].x, [16, 16, 64, 64, 256, 256])
    np.testing.assert_allclose(fig.data[1].y, [0.5, 0.25, 0.125])
    np.testing.assert_allclose(fig.data[2].y, 2.0 * np.array([16.0, 256.0]) ** -0.5)
    x, y = np.asarray(fig.data[3].x, float), np.asarray(fig.data[3].y, float)
    assert np.log(y[1] / y[0]) / np.log(x[1] / x[0]) == pytest.approx(-0.5)
    assert y[0] == pytest.approx(0.5)  # through the first mean
    assert fig.data[4].x == (64.0,) and fig.data[4].y == (0.25,)
    assert "-0.500" in fig.layout.title.text


def test_updates_turn_one_figure_into_another():
    widths, errors = [16, 64], np.array([[0.4, 0.6], [0.2, 0.3]])
    fig = error_vs_width(widths, errors, -0.5, 0.0, 16)
    apply_update(fig, error_vs_width_update(widths, errors / 2, -0.6, 0.1, 64, depth=2, activation="erf"))
    fresh = error_vs_width(widths, errors / 2, -0.6, 0.1, 64, depth=2, activation="erf")
    assert fig.to_plotly_json() == fresh.to_plotly_json()
    theta = np.sin(GAMMAS)
    curves = ntk_curves(GAMMAS, theta, theta[None], 16)
    apply_update(curves, ntk_curves_update(GAMMAS, 2 * theta, np.stack([theta, -theta]), 32, 1, "relu"))
    assert curves.to_plotly_json() == ntk_curves(GAMMAS, 2 * theta, np.stack([theta, -theta]), 32, 1,
                                                 "relu").to_plotly_json()


# --- the shipped results file ----------------------------------------------------------------
@pytest.fixture(scope="module")
def shipped():
    return wd.load_precomputed()


def _no_computation(monkeypatch):
    """Make every kernel computation of experiments.width raise."""
    def boom(*args, **kwargs):
        raise AssertionError("a kernel was computed")

    for name in ("empirical_row", "analytic_row", "ntk_row", "mlp"):
        monkeypatch.setattr(wd.networks, name, boom)


def test_shipped_file_holds_the_default_configuration(shipped):
    import inspect

    from ntkviz.widgets.width import DEPTHS

    path = wd.precomputed_path()
    assert path.name == "width.npz" and path.is_file() and path.stat().st_size < 2_000_000
    np.testing.assert_array_equal(shipped.gammas, wd.GAMMAS)
    assert shipped.widths == wd.WIDTHS and shipped.seeds == wd.SEEDS
    assert (shipped.W_std, shipped.b_std) == (wd.W_STD, wd.B_STD) == (1.0, 0.1) and shipped.is_default()
    for function in (wd.analytic_theta, wd.empirical_thetas, wd.relative_errors, wd.width_state):
        parameters = inspect.signature(function).parameters
        assert (parameters["W_std"].default, parameters["b_std"].default) == (wd.W_STD, wd.B_STD)
    assert shipped.depths == wd.PRECOMPUTED_DEPTHS == tuple(range(DEPTHS[0], DEPTHS[1] + 1))
    assert shipped.activations == wd.ACTIVATIONS
    D, A, W, S, G = 4, len(wd.ACTIVATIONS), len(wd.WIDTHS), len(wd.SEEDS), len(wd.GAMMAS)
    assert shipped.theta.shape == (D, A, G) and shipped.thetas.shape == (D, A, W, S, G)
    assert shipped.errors.shape == (D, A, W, S)
    assert all(a.dtype == np.float64 and not a.flags.writeable
               for a in (shipped.gammas, shipped.theta, shipped.thetas, shipped.errors))
    # the errors are those of the curves, as relative_errors computes them
    for d in range(D):
        for a in range(A):
            for w in range(W):
                np.testing.assert_allclose(shipped.errors[d, a, w],
                                           wd.networks.relative(shipped.thetas[d, a, w], shipped.theta[d, a]),
                                           rtol=1e-12)


@pytest.mark.parametrize("depth, activation", [(1, "relu"), (4, "erf")])
def test_shipped_analytic_theta_is_recomputed(shipped, depth, activation):
    direct = kernels.mlp(depth, 1.0, 0.1, activation).ntk(wd.X0[None], wd.circle_points(wd.GAMMAS))[0]
    np.testing.assert_allclose(shipped.entry(depth, activation)[0], direct, rtol=1e-12)


@pytest.mark.slow
def test_shipped_curves_and_errors_are_recomputed(shipped):
    """Depth 1, ReLU, two widths, all seeds, and one deep erf network, from scratch with ntk_row."""
    points = wd.circle_points(wd.GAMMAS)
    theta, thetas, errors = shipped.entry(1, "relu")
    direct_theta = kernels.mlp(depth=1, b_std=0.1).ntk(wd.X0[None], points)[0]
    for width in (16, 250):
        w = wd.WIDTHS.index(width)
        for s, seed in enumerate(wd.SEEDS):
            row = ntk_row(kernels.mlp(depth=1, b_std=0.1), wd.X0, points, width=width, seed=seed)
            np.testing.assert_allclose(thetas[w, s], row, rtol=0, atol=1e-12 * np.abs(row).max())
            error = np.linalg.norm(row - direct_theta) / np.linalg.norm(direct_theta)
            assert errors[w, s] == pytest.approx(error, rel=1e-12, abs=1e-12)
    row = ntk_row(kernels.mlp(depth=4, b_std=0.1, activation="erf"), wd.X0, points, width=32, seed=3)
    np.testing.assert_allclose(shipped.entry(4, "erf")[1][wd.WIDTHS.index(32), 3], row, rtol=0,
                               atol=1e-12 * np.abs(row).max())


def test_default_configuration_is_read_not_computed(shipped, monkeypatch):
    _no_computation(monkeypatch)
    calls = []
    sweep = wd.relative_errors(4, progress=lambda done, total: calls.append((done, total)))
    assert calls == [(80, 80)]  # the shipped networks count at once
    theta, thetas, errors = shipped.entry(4, "relu")
    np.testing.assert_array_equal(sweep.errors, errors)
    np.testing.assert_array_equal(sweep.mean, errors.mean(axis=1))
    assert wd.relative_errors(4) is sweep and wd.is_precomputed(4)
    s = wd.width_state(3, 125, "erf")
    t3, ts3, e3 = shipped.entry(3, "erf")
    np.testing.assert_array_equal(s.theta, t3)
    np.testing.assert_array_equal(s.thetas, ts3[wd.WIDTHS.index(125)])
    np.testing.assert_array_equal(s.errors, e3[wd.WIDTHS.index(125)])
    np.testing.assert_array_equal(s.sweep.errors, e3)
    np.testing.assert_array_equal(wd.empirical_thetas(wd.GAMMAS, 2, 64), shipped.entry(2, "relu")[1][2])
    np.testing.assert_array_equal(wd.analytic_theta(wd.GAMMAS, 1, "erf"), shipped.entry(1, "erf")[0])
    for kwargs in (dict(width=100), dict(seeds=(0, 1))):  # a width or seeds not shipped: computed
        with pytest.raises(AssertionError, match="kernel was computed"):
            wd.empirical_thetas(wd.GAMMAS, 2, **{"width": 64, **kwargs})


@pytest.mark.slow
def test_other_configurations_are_computed_not_read(shipped, tmp_path, monkeypatch):
    """A file with doctored curves shows what is read: only the exact shipped configuration."""
    import dataclasses

    doctored = dataclasses.replace(shipped, thetas=shipped.thetas + 1.0, errors=shipped.errors + 1.0)
    monkeypatch.setattr(results, "results_dir", lambda: tmp_path)
    wd.save_results(doctored, tmp_path / "width.npz")
    real = wd.empirical_thetas(wd.GAMMAS, 1, 16, seeds=(0, 1))  # not all seeds: computed
    arch = kernels.mlp(depth=1, b_std=0.1)
    for row, seed in zip(real, (0, 1)):
        np.testing.assert_array_equal(row, ntk_row(arch, wd.X0, wd.circle_points(wd.GAMMAS), 16, seed=seed))
    # recomputed to round-off (bit equality would tie the test to one XLA version), then read
    np.testing.assert_allclose(real, shipped.thetas[0, 0, 0, :2], rtol=1e-12)
    np.testing.assert_array_equal(wd.empirical_thetas(wd.GAMMAS, 1, 16)[:2],
                                  doctored.thetas[0, 0, 0, :2])  # read
    assert wd.relative_errors(1).errors[0, 0] == shipped.errors[0, 0, 0, 0] + 1.0  # read
    small = wd.relative_errors(1, widths=(16,), seeds=(0, 1))  # other widths and seeds: computed
    np.testing.assert_allclose(small.errors[0], shipped.errors[0, 0, 0, :2], rtol=1e-12)
    assert not wd.is_precomputed(1, widths=(16,), seeds=(0, 1))
    for kwargs in (dict(b_std=0.2), dict(W_std=1.5), dict(gammas=wd.GAMMAS[::2])):
        other = wd.empirical_thetas(**{"gammas": wd.GAMMAS, "depth": 1, "width": 16, **kwargs})
        assert np.all(other[:2] != shipped.thetas[0, 0, 0, :2, ::2 if "gammas" in kwargs else 1] + 1.0)
    # another configuration in the file: nothing is read from it at all
    moved = dataclasses.replace(doctored, widths=(16, 32, 64, 125, 250, 500, 1000, 2048))
    wd.save_results(moved, tmp_path / "width.npz")
    with pytest.raises(ValueError, match="not precomputed"):
        wd.load_precomputed()
    assert not wd.is_precomputed(1)
    np.testing.assert_array_equal(wd.empirical_thetas(wd.GAMMAS, 1, 16, wd.SEEDS)[:2], real)
    (tmp_path / "width.npz").unlink()
    with pytest.raises(ValueError, match="does not exist"):
        wd.load_precomputed()
    np.testing.assert_array_equal(wd.empirical_thetas(wd.GAMMAS, 1, 16, wd.SEEDS)[:2], real)


def test_precompute_save_and_load_round_trip(tmp_path):
    calls = []
    path, lines = wd.precompute(lambda done, total, label: calls.append((done, total)),
                                quick=True, path=tmp_path / "sub" / "w.npz")
    assert calls == [(k, 8) for k in range(9)] and path == tmp_path / "sub" / "w.npz"
    assert len(lines) == 2 and "depth 1, relu" in lines[0] and "n=32" in lines[0]
    with pytest.raises(ValueError, match="not precomputed"):
        wd.load_precomputed(path)  # another configuration
    results = wd.load_results(path)
    assert not results.is_default()
    np.testing.assert_array_equal(results.thetas[0, 0, 1], wd.empirical_thetas(wd.GAMMAS, 1, 32, (0, 1)))
    # relative_errors takes the analytic Θ from the shipped file (same network, same γ grid),
    # precompute recomputes it: equal to round-off, not bit for bit across kernel code paths.
    np.testing.assert_allclose(results.errors[0, 0], wd.relative_errors(1, (16, 32), (0, 1)).errors,
                               rtol=1e-13, atol=0)
    back = wd.load_results(wd.save_results(results, tmp_path / "again.npz"))
    assert (back.widths, back.seeds, back.depths, back.activations) == ((16, 32), (0, 1), (1,), wd.ACTIVATIONS)
    assert (back.W_std, back.b_std) == (1.0, 0.1)
    for name in ("gammas", "theta", "thetas", "errors"):
        np.testing.assert_array_equal(getattr(back, name), getattr(results, name))
        assert getattr(back, name).dtype == np.float64
    with pytest.raises(ValueError, match="does not exist"):
        wd.load_results(tmp_path / "missing.npz")
    (tmp_path / "junk.npz").write_bytes(b"not a zip file")
    with pytest.raises(ValueError, match="junk"):
        wd.load_results(tmp_path / "junk.npz")
    with pytest.raises(TypeError, match="results"):
        wd.save_results({}, tmp_path / "x.npz")
    with pytest.raises(TypeError, match="quick"):
        wd.precompute(quick="yes")
    with pytest.raises(TypeError, match="progress"):
        wd.precompute(progress="yes")
