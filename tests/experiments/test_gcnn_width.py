"""Finite C4 group CNNs against their infinite-width kernels: kernels.finite_gcnn,
experiments.gcnn_width, plots.gcnn_width."""

import jax
import numpy as np
import plotly.graph_objects as go
import pytest
from jax.flatten_util import ravel_pytree

from ntkviz import kernels
from ntkviz.experiments import gcnn_width as gw
from ntkviz.kernels import finite_gcnn as fg
from ntkviz.kernels._x64 import enable_x64
from ntkviz.kernels.finite_width import apply as reference_apply
from ntkviz.plots import apply_update, gcnn_error_vs_width, gcnn_error_vs_width_update

RNG = np.random.default_rng(11)
SMALL = RNG.normal(size=(3, 5, 5, 1))  # odd side: rotation about a pixel centre
EVEN = RNG.normal(size=(3, 6, 6, 2))  # even side, two channels
ARCHS = [kernels.gcnn(depth=1), kernels.gcnn(depth=2, W_std=1.3, b_std=0.4, activation="erf")]
DEEP = ARCHS[1]  # lifting + group conv; shapes shared between tests (one compilation each)


def _rot(x, k=1):
    return np.rot90(x, k, axes=(1, 2)).copy()


# --- the finite network -------------------------------------------------------------------------
@pytest.mark.slow
def test_empirical_ntk_equals_brute_force_jacobian():
    arch = DEEP
    params = fg.init_params(arch, 1, 3, seed=2)
    with enable_x64(True):
        flat, unravel = ravel_pytree(params)
        J = np.asarray(jax.jit(jax.jacfwd(lambda p: fg.apply(arch, unravel(p), SMALL)))(flat))  # (n, P)
        readout_flag, _ = ravel_pytree({**jax.tree_util.tree_map(np.zeros_like, params),
                                         "readout": jax.tree_util.tree_map(np.ones_like, params["readout"])})
    nngp, ntk = fg.empirical_kernels(arch, SMALL, width=3, seed=2)
    assert flat.dtype == np.float64 and ntk.dtype == np.float64 and ntk.shape == (3, 3)
    np.testing.assert_allclose(ntk, J @ J.T, rtol=1e-12, atol=1e-12)
    readout = np.asarray(readout_flag) == 1  # Σ̂ is the readout layer's share of J Jᵀ
    np.testing.assert_allclose(nngp, J[:, readout] @ J[:, readout].T, rtol=1e-12, atol=1e-12)
    cross_nngp, cross_ntk = fg.empirical_kernels(arch, SMALL, SMALL[:2], width=3, seed=2)
    np.testing.assert_allclose(cross_ntk, ntk[:, :2], rtol=1e-12)
    np.testing.assert_allclose(cross_nngp, nngp[:, :2], rtol=1e-12)


@pytest.mark.slow
@pytest.mark.parametrize("arch", ARCHS, ids=lambda k: k.name)
def test_network_equals_the_im2col_network_of_finite_width(arch):
    # kernels.finite_width builds the same network another way (stacked-rotation im2col).
    params = fg.init_params(arch, 2, 4, seed=5)
    f = arch.filter_size
    as_list = [(params["lifting"][0].reshape(f * f * 2, 4), params["lifting"][1])]
    as_list += [(w.reshape(4, f * f * 4, 4), b) for w, b in params["group"]]
    as_list += [params["readout"]]
    with enable_x64(True):
        expected = np.asarray(reference_apply(arch, as_list, EVEN))
        got = np.asarray(fg.apply(arch, params, EVEN))
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-13)
    np.testing.assert_allclose(fg.outputs(arch, EVEN, width=4, seed=5), expected, rtol=1e-12)


@pytest.mark.slow
def test_readout_nngp_is_the_mean_of_f_f_over_readout_draws():
    arch = DEEP
    params = fg.init_params(arch, 1, 3, seed=2)
    with enable_x64(True):
        g = np.asarray(jax.jit(fg.pooled_features, static_argnums=0)(arch, params, SMALL))  # (n, 3)
    draws = np.random.default_rng(0).standard_normal((400_000, 4))  # readout v (3) and β
    f = arch.W_std / np.sqrt(3) * draws[:, :3] @ g.T + arch.b_std * draws[:, 3:]
    sampled = f.T @ f / len(draws)
    nngp, _ = fg.empirical_kernels(arch, SMALL, width=3, seed=2)
    np.testing.assert_allclose(sampled, nngp, rtol=0.02)


@pytest.mark.slow
@pytest.mark.parametrize("arch, x", [(ARCHS[0], EVEN), (DEEP, SMALL)],
                         ids=["depth 1, 6x6x2", "depth 2 erf, 5x5"])
def test_output_and_kernels_are_invariant_to_quarter_turns(arch, x):
    out = fg.outputs(arch, x, width=3, seed=2)
    for k in (1, 2, 3):
        np.testing.assert_allclose(fg.outputs(arch, _rot(x, k), width=3, seed=2), out, rtol=0, atol=1e-10)
    np.testing.assert_allclose(fg.outputs(arch, np.roll(x, (2, 1), axis=(1, 2)), width=3, seed=2), out,
                               rtol=0, atol=1e-10)
    assert fg.rot90_invariance_gap(arch, x, width=3, seed=2) < 1e-10
    network = fg.finite_network(arch, x, width=3, seed=2)
    assert network.invariance_gap < 1e-10
    np.testing.assert_allclose(network.outputs[0], out, rtol=1e-12)
    nngp, ntk = fg.empirical_kernels(arch, x, x, width=3, seed=2)
    np.testing.assert_allclose(network.ntk, ntk, rtol=1e-12)
    np.testing.assert_allclose(network.nngp, nngp, rtol=1e-12)
    for first, second in ((_rot(x), x), (x, _rot(x, 3)), (_rot(x, 2), _rot(x, 1))):
        turned_nngp, turned_ntk = fg.empirical_kernels(arch, first, second, width=3, seed=2)
        np.testing.assert_allclose(turned_ntk, ntk, rtol=1e-10)
        np.testing.assert_allclose(turned_nngp, nngp, rtol=1e-10)


@pytest.mark.slow
def test_mc_nngp_is_the_mean_over_seeds():
    arch = kernels.gcnn(depth=1)
    mean = np.mean([fg.empirical_kernels(arch, SMALL, width=4, seed=s)[0] for s in (3, 4, 9)], axis=0)
    np.testing.assert_allclose(fg.mc_nngp(arch, SMALL, width=4, seeds=(3, 4, 9)), mean, rtol=1e-12)
    np.testing.assert_allclose(fg.mc_nngp(arch, SMALL, SMALL[:1], width=4, seeds=(3, 4, 9)), mean[:, :1],
                               rtol=1e-12)


def test_finite_gcnn_rejects_bad_input():
    arch = kernels.gcnn()
    with pytest.raises(TypeError, match="arch"):
        fg.empirical_kernels(kernels.cnn(readout="gap"), SMALL)
    with pytest.raises(ValueError, match="width"):
        fg.empirical_kernels(arch, SMALL, width=0)
    with pytest.raises(ValueError, match="width"):
        fg.outputs(arch, SMALL, width=fg.MAX_WIDTH + 1)
    with pytest.raises(ValueError, match="seed"):
        fg.finite_network(arch, SMALL, seed=-1)
    with pytest.raises(ValueError, match="seeds"):
        fg.mc_nngp(arch, SMALL, seeds=())
    with pytest.raises(TypeError, match="seeds"):
        fg.mc_nngp(arch, SMALL, seeds=3)
    with pytest.raises(ValueError, match="square"):
        fg.rot90_invariance_gap(arch, np.ones((2, 5, 6)))
    with pytest.raises(ValueError, match="x1 and x2"):
        fg.empirical_kernels(arch, SMALL, EVEN)
    with pytest.raises(ValueError, match="filter_size"):
        fg.outputs(kernels.gcnn(filter_size=7), SMALL)
    with pytest.raises(ValueError, match="finite"):
        fg.outputs(arch, np.full((1, 5, 5), np.nan))


# --- the width experiment ---------------------------------------------------------------------
@pytest.fixture(scope="module")
def sweep():
    return gw.relative_errors(depth=1, widths=(4, 32, 256), seeds=range(8), resolution=7)


def test_images_are_digits_and_their_quarter_turns():
    x = gw.gcnn_images(n_digits=2, resolution=7)
    assert x.shape == (4, 7, 7) and not x.flags.writeable
    np.testing.assert_array_equal(x[1], np.rot90(x[0]))
    np.testing.assert_allclose(np.mean(x**2, axis=(1, 2)), 1.0, rtol=1e-12)  # scaled inputs
    np.testing.assert_allclose(x.mean(axis=(1, 2)), 0.0, atol=1e-12)
    assert gw.gcnn_images().shape == (6, 14, 14)


@pytest.mark.slow
def test_errors_fall_with_width(sweep):
    assert sweep.ntk_errors.shape == sweep.nngp_errors.shape == (3, 8)
    assert sweep.ntk_hat.shape == (3, 8, 6, 6) and sweep.nngp.shape == (6, 6)
    assert sweep.ntk_mean[0] > sweep.ntk_mean[1] > sweep.ntk_mean[2], sweep.ntk_mean
    assert sweep.nngp_mean[0] > sweep.nngp_mean[1] > sweep.nngp_mean[2], sweep.nngp_mean
    # 64× the width: ~1/8 the error (1/√width); a loose band for eight seeds
    assert -0.8 < sweep.ntk_slope < -0.3 and -0.8 < sweep.nngp_slope < -0.3
    np.testing.assert_allclose(sweep.fitted("ntk", sweep.widths[[0, -1]]),
                               np.exp(sweep.ntk_intercept) * np.array([4, 256.0]) ** sweep.ntk_slope)


@pytest.mark.slow
def test_errors_are_the_relative_frobenius_errors_of_each_network(sweep):
    x = gw.gcnn_images(resolution=7)
    arch = kernels.gcnn(depth=1)
    nngp, ntk = fg.empirical_kernels(arch, x, width=32, seed=5)
    np.testing.assert_allclose(sweep.ntk_hat[1, 5], ntk, rtol=1e-12)
    np.testing.assert_allclose(sweep.ntk, arch.ntk(x), rtol=1e-12)
    assert sweep.ntk_errors[1, 5] == pytest.approx(gw.relative_error(ntk, arch.ntk(x)), rel=1e-10)
    assert sweep.nngp_errors[1, 5] == pytest.approx(gw.relative_error(nngp, arch.nngp(x)), rel=1e-10)
    assert sweep.max_invariance_gap < 1e-10
    assert gw.relative_errors(depth=1, widths=(256, 4, 32, 4), seeds=range(8), resolution=7) is sweep


@pytest.mark.slow
def test_wide_networks_match_the_analytic_kernels(sweep):
    # Largest width (256 channels per rotation): each network within ~15 %, the mean over
    # eight seeds (Monte-Carlo NNGP and NTK) within a few per cent of kernels.gcnn.
    assert np.all(sweep.ntk_errors[-1] < 0.15) and np.all(sweep.nngp_errors[-1] < 0.15)
    assert sweep.mc_nngp_errors[-1] < 0.05
    assert gw.relative_error(sweep.ntk_hat[-1].mean(axis=0), sweep.ntk) < 0.05


@pytest.mark.slow
def test_two_layer_network_approaches_the_group_conv_kernel():
    # Smoke test of the depth-2 limit (lifting + group conv); the layer conventions themselves
    # are pinned by the equality with finite_width's network above.
    x = gw.gcnn_images(n_digits=2, resolution=7)
    arch = kernels.gcnn(depth=2)
    nets = [fg.finite_network(arch, x, width=32, seed=s) for s in range(4)]
    for kind in ("nngp", "ntk"):
        mean = np.mean([getattr(n, kind) for n in nets], axis=0)
        assert gw.relative_error(mean, getattr(arch, kind)(x)) < 0.15, kind
    assert max(n.invariance_gap for n in nets) < 1e-10


def test_experiment_rejects_bad_input():
    with pytest.raises(ValueError, match="depth"):
        gw.relative_errors(depth=gw.MAX_DEPTH + 1)
    with pytest.raises(ValueError, match="widths"):
        gw.relative_errors(widths=(0, 4))
    with pytest.raises(TypeError, match="widths"):
        gw.relative_errors(widths=8)
    with pytest.raises(ValueError, match="seeds"):
        gw.relative_errors(seeds=(1, 1))
    with pytest.raises(ValueError, match="resolution"):
        gw.relative_errors(resolution=9)
    with pytest.raises(ValueError, match="activation"):
        gw.relative_errors(activation="tanh")
    with pytest.raises(ValueError, match="W_std"):
        gw.relative_errors(W_std=0.0)
    with pytest.raises(ValueError, match="n_digits"):
        gw.gcnn_images(n_digits=11)
    with pytest.raises(TypeError, match="progress"):
        gw.relative_errors(progress="yes")
    with pytest.raises(ValueError, match="same shape"):
        gw.relative_error(np.ones((2, 2)), np.ones((3, 3)))


def test_progress_reports_every_network(sweep):
    calls = []
    gw.relative_errors(depth=1, widths=(4, 32, 256), seeds=range(8), resolution=7,
                       progress=lambda done, total: calls.append((done, total)))
    assert calls == [(i, 24) for i in range(1, 25)]


# --- the figure -------------------------------------------------------------------------------
def test_figure_shows_both_kernels_on_log_axes(sweep):
    args = (sweep.widths, sweep.ntk_errors, sweep.nngp_errors, sweep.ntk_slope, sweep.ntk_intercept,
            sweep.nngp_slope, sweep.nngp_intercept)
    fig = gcnn_error_vs_width(*args, depth=1, seeds=sweep.seeds)
    assert isinstance(fig, go.Figure) and len(fig.data) == 7
    assert fig.layout.xaxis.type == "log" and fig.layout.yaxis.type == "log"
    assert fig.layout.xaxis.title.text and fig.layout.yaxis.title.text and "depth 1" in fig.layout.title.text
    assert f"{sweep.ntk_slope:.3f}" in fig.data[2].name and f"{sweep.nngp_slope:.3f}" in fig.data[5].name
    np.testing.assert_allclose(fig.data[0].y, sweep.ntk_errors.ravel())
    np.testing.assert_allclose(fig.data[1].y, sweep.ntk_mean)
    np.testing.assert_allclose(fig.data[4].y, sweep.nngp_mean)
    np.testing.assert_allclose(fig.data[2].y, sweep.fitted("ntk", [4, 256]))
    assert list(fig.data[3].customdata[:8]) == list(range(8))
    assert all(t.hovertemplate for t in fig.data)
    # the update twin writes the same data into a figure built from other numbers
    other = gcnn_error_vs_width(sweep.widths, sweep.ntk_errors * 2, sweep.nngp_errors * 3, -0.1, 0.0,
                                float("nan"), float("nan"))
    assert other.data[5].name.endswith("no slope fitted") and other.data[5].y == (None, None)
    apply_update(other, gcnn_error_vs_width_update(*args, depth=1, seeds=sweep.seeds))
    for a, b in zip(other.data, fig.data):
        assert a.name == b.name
        np.testing.assert_allclose(np.array(a.y, dtype=float), np.array(b.y, dtype=float))
    assert other.layout.title.text == fig.layout.title.text
