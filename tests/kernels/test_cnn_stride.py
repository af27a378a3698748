"""The stride of ``kernels.cnn``: against a direct pixel-pair computation written here with
neural-tangents' ``CIRCULAR`` convention (wrap-pad as ``SAME`` would, then a ``VALID`` strided
window), against a finite network built on ``jax.lax.conv_general_dilated``, and stride 1
unchanged."""

import math

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from ntkviz import kernels
from ntkviz._jax_compat import enable_x64
from ntkviz.kernels import finite_width

RNG = np.random.default_rng(7)
IMAGES = RNG.normal(size=(4, 7, 7, 1))
SQUARE = RNG.normal(size=(3, 6, 6, 2))


def _same_pads(size, f, s):
    out = -(-size // s)
    pad = max((out - 1) * s + f - size, 0)
    return pad // 2, pad - pad // 2, out


def _windows(size, f, s):
    """Input pixels of each output window along one axis (wrapped ``SAME`` pad + ``VALID``)."""
    lo, hi, out = _same_pads(size, f, s)
    padded = np.pad(np.arange(size), (lo, hi), mode="wrap")
    return np.array([padded[i * s:i * s + f] for i in range(out)])  # (out, f)


def _relu(sigma, var_a, var_b, theta):
    root = np.sqrt(np.multiply.outer(var_a, var_b)) if var_a.ndim else np.sqrt(var_a * var_b)
    cos = np.clip(sigma / root, -1.0, 1.0)
    t = np.arccos(cos)
    nngp = root * (np.sin(t) + (math.pi - t) * cos) / (2 * math.pi)
    return nngp, theta * (math.pi - t) / (2 * math.pi)


def _conv_pairs(tensor, rows, cols):
    """``(1/f²) Σ_u T[w_i + u, w_j + u]`` for a tensor over pixel pairs (H, W, H, W)."""
    f = rows.shape[1]
    out = np.zeros((rows.shape[0], cols.shape[0], rows.shape[0], cols.shape[0]))
    for a in range(f):
        for c in range(f):
            r, q = rows[:, a], cols[:, c]
            out += tensor[np.ix_(r, q, r, q)]
    return out / f**2


def direct_kernel(x1, x2, depth, f, s, readout, W=1.0, b=1.0):
    """NNGP and NTK of ``depth × [Conv(f, stride s, circular), ReLU]``, readout, Dense, for one
    pair of images, from the full pixel-pair tensors (tests/reference/README.md's recursion)."""
    H, Wd, C = x1.shape

    def cov(u, v):  # input covariance Σ⁰[p, p'] = Σ_c u[p, c] v[p', c] / C
        return np.einsum("hwc,klc->hwkl", u, v) / C

    s_ab, s_aa, s_bb = cov(x1, x2), cov(x1, x1), cov(x2, x2)
    t_ab = t_aa = t_bb = None
    h, w = H, Wd
    for _ in range(depth):
        rows, cols = _windows(h, f, s), _windows(w, f, s)
        new = []
        for sig, th in ((s_ab, t_ab), (s_aa, t_aa), (s_bb, t_bb)):
            sig = W**2 * _conv_pairs(sig, rows, cols) + b**2
            th = sig if th is None else W**2 * _conv_pairs(th, rows, cols) + sig
            new.append((sig, th))
        h, w = rows.shape[0], cols.shape[0]
        (s_ab, t_ab), (s_aa, t_aa), (s_bb, t_bb) = new
        var_a = np.einsum("hwhw->hw", s_aa)
        var_b = np.einsum("hwhw->hw", s_bb)
        s_ab, t_ab = _relu(s_ab, var_a, var_b, t_ab)
        s_aa, t_aa = _relu(s_aa, var_a, var_a, t_aa)
        s_bb, t_bb = _relu(s_bb, var_b, var_b, t_bb)
    if readout == "flatten":
        mean_s, mean_t = np.einsum("hwhw->hw", s_ab).mean(), np.einsum("hwhw->hw", t_ab).mean()
    else:
        mean_s, mean_t = s_ab.mean(), t_ab.mean()
    nngp = W**2 * mean_s + b**2
    return nngp, W**2 * mean_t + nngp


@pytest.mark.slow
@pytest.mark.parametrize("readout", ["flatten", "gap"])
@pytest.mark.parametrize("depth, f, s", [(1, 3, 2), (1, 3, 3), (1, 5, 2), (2, 3, 2), (1, 7, 7)])
def test_strided_cnn_equals_the_direct_pixel_pair_formula(readout, depth, f, s):
    x = IMAGES if f < 7 else RNG.normal(size=(3, 14, 14, 1))
    kernel = kernels.cnn(depth=depth, filter_size=f, readout=readout, stride=s, W_std=1.3, b_std=0.4)
    nngp, ntk = kernel.nngp_ntk(x)
    for i in range(len(x)):
        for j in range(len(x)):
            expected = direct_kernel(x[i], x[j], depth, f, s, readout, W=1.3, b=0.4)
            np.testing.assert_allclose((nngp[i, j], ntk[i, j]), expected, rtol=1e-11)


@pytest.mark.slow
def test_non_square_images_and_two_channels():
    x = RNG.normal(size=(3, 6, 9, 2))
    kernel = kernels.cnn(depth=2, filter_size=3, readout="gap", stride=2, b_std=0.0)
    nngp, ntk = kernel.nngp_ntk(x[:2], x[1:])
    for i in range(2):
        for j in range(2):
            expected = direct_kernel(x[i], x[1 + j], 2, 3, 2, "gap", b=0.0)
            np.testing.assert_allclose((nngp[i, j], ntk[i, j]), expected, rtol=1e-11)


@pytest.mark.slow
def test_stride_one_is_the_default_network():
    for readout in ("flatten", "gap"):
        plain = kernels.cnn(depth=2, readout=readout)
        strided = kernels.cnn(depth=2, readout=readout, stride=1)
        assert plain == strided
        np.testing.assert_array_equal(strided(SQUARE), plain(SQUARE))
        nngp, ntk = plain.nngp_ntk(SQUARE[:1], SQUARE[1:2])
        np.testing.assert_allclose((nngp[0, 0], ntk[0, 0]),
                                   direct_kernel(SQUARE[0], SQUARE[1], 2, 3, 1, readout), rtol=1e-11)


def _lax_network(params, x, f, s, readout, W_std, b_std):
    """The finite network written with ``lax.conv_general_dilated`` (wrap pad, strided VALID)."""
    h = x
    for weight, bias in params[:-1]:
        _, _, C = h.shape[1:]
        lo_h, hi_h, _ = _same_pads(h.shape[1], f, s)
        lo_w, hi_w, _ = _same_pads(h.shape[2], f, s)
        padded = jnp.pad(h, ((0, 0), (lo_h, hi_h), (lo_w, hi_w), (0, 0)), mode="wrap")
        filters = weight.reshape(f, f, C, -1)  # rows of W ordered (offset row, offset col, channel)
        z = jax.lax.conv_general_dilated(padded, filters, (s, s), "VALID",
                                         dimension_numbers=("NHWC", "HWIO", "NHWC"))
        h = jax.nn.relu(W_std / math.sqrt(f * f * C) * z + b_std * bias)
    feats = h.reshape(h.shape[0], -1) if readout == "flatten" else h.mean(axis=(1, 2))
    weight, bias = params[-1]
    return (W_std / math.sqrt(weight.shape[0]) * feats @ weight + b_std * bias)[:, 0]


@pytest.mark.slow
@pytest.mark.parametrize("readout", ["flatten", "gap"])
def test_finite_strided_network_matches_an_independent_lax_network(readout):
    with enable_x64(True):
        arch = kernels.cnn(depth=2, filter_size=3, readout=readout, stride=2, W_std=1.1, b_std=0.5)
        width = 16
        pixels = finite_width.readout_pixels(arch, 7, 7)
        assert pixels == 2 * 2  # 7 → 4 → 2 pixels per side
        params = finite_width.init_params(arch, 1, pixels, width, seed=3)
        x = jnp.asarray(IMAGES)
        out = finite_width.apply(arch, params, x)
        ref = _lax_network(params, x, 3, 2, readout, 1.1, 0.5)
        np.testing.assert_allclose(np.asarray(out), np.asarray(ref), rtol=1e-10, atol=1e-12)
        J = jax.jacobian(lambda p: _lax_network(p, x, 3, 2, readout, 1.1, 0.5))(params)
        flat = [j.reshape(len(IMAGES), -1) for j in jax.tree_util.tree_leaves(J)]
        ntk_ref = sum(np.asarray(j @ j.T) for j in flat)
    np.testing.assert_allclose(kernels.empirical_ntk(arch, IMAGES, width=width, seed=3), ntk_ref,
                               rtol=1e-9, atol=1e-12)


@pytest.mark.slow
@pytest.mark.parametrize("readout", ["flatten", "gap"])
def test_empirical_strided_ntk_approaches_the_analytic_ntk(readout):
    # Monte-Carlo check of the infinite-width limit: the finite NTK's relative error is
    # O(1/√width); averaged over 4 initialisations at width 1024 it is a few per cent at most.
    arch = kernels.cnn(depth=1, filter_size=3, readout=readout, stride=2)
    analytic = arch.ntk(IMAGES)
    finite = np.mean([kernels.empirical_ntk(arch, IMAGES, width=1024, seed=s) for s in range(4)], axis=0)
    assert np.linalg.norm(finite - analytic) / np.linalg.norm(analytic) < 0.03


def test_bad_stride_is_refused():
    with pytest.raises(ValueError, match="stride must be >= 1"):
        kernels.cnn(stride=0)
    with pytest.raises(TypeError, match="stride must be an integer"):
        kernels.cnn(stride=1.5)
