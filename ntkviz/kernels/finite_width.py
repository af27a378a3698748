"""Empirical NTKs of finite networks (NTK parameterisation), via JAX autodiff
(docs/theory.md#the-empirical-ntk-and-width).

``Θ̂(x, x') = Σ_θ ∂f(x)/∂θ · ∂f(x')/∂θ`` for the finite-width network that an analytic kernel
object (:class:`MLP`, :class:`CNN`, :class:`GCNN`) describes, with all parameters drawn
i.i.d. N(0, 1) and layers ``W_std/√fan_in · W h + b_std · b``. As the width grows, Θ̂ tends to
the analytic NTK (relative Frobenius error ~ 1/√width).
"""

from __future__ import annotations

import functools

import jax
import jax.numpy as jnp
import numpy as np

from .._jax_compat import stable_random
from .._validate import check_int
from . import layers
from ._network import image_inputs
from ._pairwise import patches
from ._x64 import float64, to_numpy
from .base import as_vectors, check_same_features
from .convolutional import CNN
from .fully_connected import MLP
from .group_convolutional import GCNN

__all__ = ["empirical_ntk", "ntk_row", "init_params", "apply", "readout_pixels"]


def _phi(name: str):
    return jax.nn.relu if name == "relu" else jax.scipy.special.erf


def _layer_shapes(arch, in_channels: int, pixels: int, width: int) -> list[tuple[int, ...]]:
    """Weight shapes of the hidden layers and the readout (biases have the last axis)."""
    if isinstance(arch, MLP):
        dims = [in_channels] + [width] * arch.depth
        return [(a, b) for a, b in zip(dims[:-1], dims[1:])] + [(width, 1)]
    f2 = arch.filter_size**2
    if isinstance(arch, GCNN):
        shapes = [(f2 * in_channels, width)] + [(4, f2 * width, width)] * (arch.depth - 1)
        return shapes + [(width, 1)]
    shapes = [(f2 * in_channels, width)] + [(f2 * width, width)] * (arch.depth - 1)
    readout_in = pixels * width if arch.readout == "flatten" else width
    return shapes + [(readout_in, 1)]


@stable_random()
def init_params(arch, in_channels: int, pixels: int, width: int, seed: int):
    """Standard-normal weights and biases, one ``(W, b)`` per layer; ``pixels``: the pixels the
    readout sees (``readout_pixels``; used by flatten readouts)."""
    key = jax.random.PRNGKey(seed)
    params = []
    for shape in _layer_shapes(arch, in_channels, pixels, width):
        key, kw, kb = jax.random.split(key, 3)
        params.append((jax.random.normal(kw, shape), jax.random.normal(kb, (shape[-1],))))
    return params


def _dense(h, W, b, W_std, b_std):
    return W_std / np.sqrt(W.shape[0]) * h @ W + b_std * b


def _conv_columns(h, f, d=0, stride=1):
    """Filter patches of every output pixel, (n, P', f²·C) ordered (u, c), and the output grid
    (H', W') of a circular conv with ``stride`` (``layers.window``)."""
    n, H, Wd, C = h.shape
    out_h, out_w = layers.window(H, f, stride)[1], layers.window(Wd, f, stride)[1]
    cols = patches(h, f, d, stride)  # (n, P', C·f²) ordered (c, u)
    cols = cols.reshape(n, out_h * out_w, C, f * f).transpose(0, 1, 3, 2).reshape(n, out_h * out_w, -1)
    return cols, (out_h, out_w)


def _conv(h, W, b, f, W_std, b_std, d=0, stride=1):
    """Circular cross-correlation of (n, H, W, C) features: (n, H', W', C_out)."""
    cols, (out_h, out_w) = _conv_columns(h, f, d, stride)
    return (W_std / np.sqrt(W.shape[0]) * cols @ W + b_std * b).reshape(h.shape[0], out_h, out_w, -1)


def readout_pixels(arch, height: int, width: int) -> int:
    """Pixels the readout of ``arch`` sees on (height × width) inputs (1 for an MLP)."""
    if isinstance(arch, MLP):
        return 1
    for _ in range(arch.depth):
        stride = getattr(arch, "stride", 1)
        height = layers.window(height, arch.filter_size, stride)[1]
        width = layers.window(width, arch.filter_size, stride)[1]
    return height * width


def _group_conv(h, W, b, f, W_std, b_std):
    """P4 → P4 group convolution of (n, 4, H, W, C): output rotation ``r`` reads input
    rotations ``r + s`` (stacked as channels) at offsets ``ρ^r u``; fan-in ``4 f² C``."""
    s_count, _, c_out = W.shape
    # W[s, (u, c)] → one filter over the stacked channels (s, c), rows ordered (u, s, c).
    stacked = W.reshape(s_count, f * f, -1, c_out).transpose(1, 0, 2, 3).reshape(-1, c_out)
    out = []
    for r in range(4):
        channels = jnp.concatenate([h[:, (r + s) % 4] for s in range(4)], axis=-1)
        out.append(_conv(channels, stacked, b, f, W_std, b_std, d=r))
    return jnp.stack(out, axis=1)


def _layer_b_std(arch, n_layers: int) -> tuple[float, ...]:
    """The bias scale of each of the ``n_layers`` layers (an MLP may set one per layer)."""
    return arch.layer_b_std if isinstance(arch, MLP) else (arch.b_std,) * n_layers


def apply(arch, params, x):
    """Scalar outputs (n,) of the finite network ``arch`` with ``params`` on inputs ``x``."""
    phi = _phi(arch.activation)
    W_std, b_std = arch.W_std, arch.b_std
    if isinstance(arch, MLP):
        b_stds = arch.layer_b_std
        h = x.reshape(x.shape[0], -1)
        for (W, b), b_s in zip(params[:-1], b_stds):
            h = phi(_dense(h, W, b, W_std, b_s))
        return _dense(h, *params[-1], W_std, b_stds[-1])[:, 0]
    f = arch.filter_size
    if isinstance(arch, GCNN):
        (W0, b0), *group_layers, readout = params
        h = phi(jnp.stack([_conv(x, W0, b0, f, W_std, b_std, d=r) for r in range(4)], axis=1))
        for W, b in group_layers:
            h = phi(_group_conv(h, W, b, f, W_std, b_std))
        pooled = h.mean(axis=(1, 2, 3))
        return _dense(pooled, *readout, W_std, b_std)[:, 0]
    h = x
    for W, b in params[:-1]:
        h = phi(_conv(h, W, b, f, W_std, b_std, stride=arch.stride))
    features = h.reshape(h.shape[0], -1) if arch.readout == "flatten" else h.mean(axis=(1, 2))
    return _dense(features, *params[-1], W_std, b_std)[:, 0]


@float64
def empirical_ntk(arch, x1, x2=None, width: int = 512, seed: int = 0) -> np.ndarray:
    """Finite-width NTK ``Θ̂(x1, x2)`` (n1, n2) of the network described by ``arch``.

    ``arch`` is an ``ntkviz.kernels.mlp/cnn/gcnn`` kernel; ``width`` the number of hidden
    units or channels (per rotation for the group CNN); ``seed`` picks the initialisation.

    Examples
    --------
    The relative distance to the infinite-width NTK shrinks as the network widens:

    >>> X, y = nv.datasets.circle_pair(N=4)
    >>> arch = nv.kernels.mlp(depth=1)            # one hidden ReLU layer
    >>> exact = arch(X)                           # the analytic NTK
    >>> for width in (64, 4096):
    ...     finite = nv.kernels.empirical_ntk(arch, X, width=width, seed=0)
    ...     print(width, f"{np.linalg.norm(finite - exact) / np.linalg.norm(exact):.2f}")
    64 0.13
    4096 0.01
    """
    if not isinstance(arch, (MLP, CNN, GCNN)):
        raise TypeError(f"arch must be an mlp, cnn or gcnn kernel, got {type(arch).__name__}")
    width = check_int("width", width, minimum=1, maximum=1 << 16)
    seed = check_int("seed", seed, minimum=0, maximum=2**32 - 1)  # a jax.random.PRNGKey seed
    if isinstance(arch, MLP):
        a = as_vectors("x1", x1)
        b = None if x2 is None else as_vectors("x2", x2)
        check_same_features(a, a if b is None else b)
        channels, pixels = a.shape[1], 1
    else:
        a, b = image_inputs(x1, x2, arch.filter_size)
        channels, pixels = a.shape[-1], readout_pixels(arch, a.shape[1], a.shape[2])
    params = _recent_params(arch, channels, pixels, width, seed)
    if isinstance(arch, GCNN):
        ntk = _jacobian_ntk(arch, params, jnp.asarray(a), None if b is None else jnp.asarray(b))
    else:
        ntk = _layerwise_ntk(arch, params, a, b)
    ntk = to_numpy(ntk)
    return 0.5 * (ntk + ntk.T) if b is None else ntk


@functools.lru_cache(maxsize=2)
def _recent_params(arch, in_channels: int, pixels: int, width: int, seed: int):
    """:func:`init_params` (float64: only called under ``float64``), remembered for the last
    two networks: repeated kernels of one network (sliders, sweeps over inputs) draw once.
    JAX arrays are immutable, so sharing them is safe."""
    return init_params(arch, in_channels, pixels, width, seed)


def _jacobian_ntk(arch, params, a, b=None):
    """``Σ_θ J(a) J(b)ᵀ`` from the full parameter Jacobians (the plain definition)."""

    def jacobian(x):
        return jax.jacrev(lambda p: apply(arch, p, x))(params)

    J1 = jax.tree_util.tree_leaves(jacobian(a))
    J2 = J1 if b is None else jax.tree_util.tree_leaves(jacobian(b))
    n1, n2 = a.shape[0], (a if b is None else b).shape[0]
    return sum(j1.reshape(n1, -1) @ j2.reshape(n2, -1).T for j1, j2 in zip(J1, J2))


def _layer_factors(arch, params, x):
    """Per layer ``l``: its inputs ``F_l`` and the output's gradient ``D_l = ∂f/∂z_l`` with
    respect to its pre-activations (one forward and one backward pass over the batch).

    A layer ``z = c F W + b_std b`` (``c = W_std/√fan_in``; for convolutions ``F`` holds the
    filter patches of every pixel, (n, P, K)) has ``∂f_i/∂W = c Σ_p F_ip ⊗ D_ip`` and
    ``∂f_i/∂b = b_std Σ_p D_ip``. Returns a list of ``(F, D, c)``; dense layers have 2-D F, D.
    """
    phi = _phi(arch.activation)
    W_std = arch.W_std
    b_stds = _layer_b_std(arch, len(params))

    def forward(eps):
        inputs = []

        def layer(h, W, b, e):
            b_std = b_stds[len(inputs)]
            inputs.append(h)
            return W_std / np.sqrt(W.shape[0]) * h @ W + b_std * b + e

        if isinstance(arch, MLP):
            h = x.reshape(x.shape[0], -1)
            for (W, b), e in zip(params[:-1], eps[:-1]):
                h = phi(layer(h, W, b, e))
        else:
            f, h = arch.filter_size, x
            for (W, b), e in zip(params[:-1], eps[:-1]):
                cols, (out_h, out_w) = _conv_columns(h, f, stride=arch.stride)
                h = phi(layer(cols, W, b, e)).reshape(h.shape[0], out_h, out_w, -1)
            h = h.reshape(h.shape[0], -1) if arch.readout == "flatten" else h.mean(axis=(1, 2))
        return jnp.sum(layer(h, *params[-1], eps[-1])), inputs

    n = x.shape[0]
    shapes = []
    if isinstance(arch, MLP):
        shapes = [(n, W.shape[1]) for W, _ in params]
    else:
        height, width = x.shape[1], x.shape[2]
        for W, _ in params[:-1]:
            height = layers.window(height, arch.filter_size, arch.stride)[1]
            width = layers.window(width, arch.filter_size, arch.stride)[1]
            shapes.append((n, height * width, W.shape[1]))
        shapes.append((n, 1))
    eps = [jnp.zeros(s, x.dtype) for s in shapes]
    _, pullback, inputs = jax.vjp(forward, eps, has_aux=True)
    (grads,) = pullback(jnp.ones((), x.dtype))
    return [(F, D, W_std / np.sqrt(W.shape[0])) for F, D, (W, _) in zip(inputs, grads, params)]


@functools.partial(jax.jit, static_argnums=0)
def _layerwise_ntk(arch, params, a, b=None):
    """``Σ_θ J(a) J(b)ᵀ`` without materialising the Jacobians (MLP and CNN).

    Per dense layer ``(D_a D_bᵀ) ∘ (c² F_a F_bᵀ + b_std²)``; per convolution the weight
    gradients ``c F_iᵀ D_i`` (fan-in × channels per input) are formed and contracted, plus
    ``b_std² (Σ_p D_a)(Σ_p D_b)ᵀ`` (``b_std`` of that layer). Equal to :func:`_jacobian_ntk` up
    to round-off.
    """
    factors_a = _layer_factors(arch, params, a)
    factors_b = factors_a if b is None else _layer_factors(arch, params, b)
    total = 0.0
    for (Fa, Da, c), (Fb, Db, _), b_std in zip(factors_a, factors_b,
                                               _layer_b_std(arch, len(params))):
        b_std2 = b_std**2
        if Fa.ndim == 2:
            total = total + (Da @ Db.T) * (c**2 * (Fa @ Fb.T) + b_std2)
            continue
        Ga = c * jnp.einsum("npk,npc->nkc", Fa, Da)
        Gb = Ga if b is None else c * jnp.einsum("npk,npc->nkc", Fb, Db)
        sa, sb = Da.sum(1), Db.sum(1)
        total = total + jnp.einsum("ikc,jkc->ij", Ga, Gb) + b_std2 * (sa @ sb.T)
    return total


@functools.partial(jax.jit, static_argnums=0)
def _ntk_row(arch, params, x0, x):
    # ∇θ f(x0) once, then Θ̂(x0, x_j) = J(x_j)·∇θ f(x0) as one forward-mode product over the
    # batch: O(forward passes) instead of the O(n · parameters) memory of full Jacobians.
    # (Drawing the parameters inside this compiled function made each new width compile about
    # twice as long: XLA compiles every float64 normal draw separately, eager draws per shape.)
    grad = jax.grad(lambda p: apply(arch, p, x0)[0])(params)
    return jax.jvp(lambda p: apply(arch, p, x), (params,), (grad,))[1]


@float64
def ntk_row(arch, x0, x, width: int = 512, seed: int = 0) -> np.ndarray:
    """Finite-width NTK ``Θ̂(x0, x_j)`` (n,) of one point ``x0`` against every row of ``x``.

    Same network, parameters and conventions as :func:`empirical_ntk` (so it equals row 0 of
    ``empirical_ntk(arch, x0[None], x, width, seed)``), computed from one gradient at ``x0``
    and one Jacobian-vector product over the batch: ``Θ̂(x0, x) = J(x) · ∇θ f(x0)``.

    Parameters
    ----------
    arch : NeuralKernel
        An ``ntkviz.kernels.mlp/cnn/gcnn`` kernel describing the network.
    x0 : ndarray
        One input (a vector (d,), or an image (H, W) / (H, W, C)).
    x : ndarray of shape (n, d) or (n, H, W[, C])
        Vectors or images.
    width, seed : int
        Hidden width (channels) and the initialisation, as in ``empirical_ntk``.
    """
    if not isinstance(arch, (MLP, CNN, GCNN)):
        raise TypeError(f"arch must be an mlp, cnn or gcnn kernel, got {type(arch).__name__}")
    width = check_int("width", width, minimum=1, maximum=1 << 16)
    seed = check_int("seed", seed, minimum=0, maximum=2**32 - 1)  # a jax.random.PRNGKey seed
    if isinstance(arch, MLP):
        a = as_vectors("x0", np.asarray(x0, dtype=float).reshape(1, -1))
        b = as_vectors("x", x)
        check_same_features(a, b)
        channels, pixels = a.shape[1], 1
    else:
        x0 = np.asarray(x0, dtype=float)
        a, b = image_inputs(x0[None], x, arch.filter_size)
        channels, pixels = a.shape[-1], readout_pixels(arch, a.shape[1], a.shape[2])
    params = init_params(arch, channels, pixels, width, seed)
    return to_numpy(_ntk_row(arch, params, jnp.asarray(a), jnp.asarray(b)))
