"""Infinite-width CNNs: ``depth × [Conv(f×f, circular, stride s), φ]``, a flatten or GAP readout,
Dense.

Flatten readouts need only the pixel diagonal ``Σ[p, p]`` (the conv recursion maps the diagonal
to itself), so their cost is linear in the number of pixels; they are computed pixel-major on
whole tiles of the Gram matrix. Global average pooling needs the full pixel-pair tensor
``Σ[p, p']`` for every pair of inputs: the first layer is one batched product of filter
patches, later layers a joint circular box filter over both pixels; with one hidden layer the
tensor is only ever summed, so it is built and reduced one image row at a time.

A stride s > 1 keeps the output pixels ``layers.window`` names (neural-tangents' ``CIRCULAR``
padding: wrapped ``SAME``); each layer's grid is then ``⌈H/s⌉ × ⌈W/s⌉``. Such a network is only
invariant to shifts by multiples of s, so the GAP readout then computes every pair of inputs
(no orbit or joint-symmetry shortcuts).
"""

from __future__ import annotations

import dataclasses
import functools

import jax
import jax.numpy as jnp

from .._validate import check_choice, check_int
from . import layers
from ._invariance import invariant_gram, joint_symmetric_gram
from ._network import image_inputs, validate_network
from ._pairwise import MEMORY_BUDGET_BYTES, gram_by_pairs, gram_by_tiles, pair_values, patches
from ._x64 import float64
from .base import NeuralKernel

__all__ = ["CNN", "cnn", "READOUTS"]

READOUTS = ("flatten", "gap")


# Pair-tensor entries per block of the one-layer pooled path: ~1.4 MB, so a block stays in
# cache while it is built, mapped and reduced (measured best on this 2-core CPU, 14² and 28²).
BLOCK_ENTRIES = 175_000


def pooled_chunking(depth: int, shape: tuple[int, ...], blocks: int) -> tuple[int, int | None]:
    """``(bytes per input pair, cap on pairs per chunk)`` for a pooled readout with ``blocks``
    rotation differences (1, or 4 for the group CNN); ``shape`` (B, H, W, C) of the first
    layer's output grid."""
    _, H, W, _ = shape
    pixels = H * W
    if depth > 1:  # several full P×P tensors are alive at once
        return 8 * 6 * blocks * pixels**2, None
    per_pair = blocks * W * pixels
    cap = max(1, BLOCK_ENTRIES // per_pair)
    return 8 * 6 * per_pair, 1 << (cap.bit_length() - 1)


def input_variances(xa, xb, filter_size, W_std, b_std):
    """Pixel variances after the first conv, ``W² box(Σ_c x²/C) + b²``, each (B, H, W)."""
    C = xa.shape[-1]

    def var(x):
        return W_std**2 * layers.box_filter(jnp.sum(x * x, -1) / C, (1, 2), (1, 2), filter_size) + b_std**2

    return var(xa), var(xb)


def strided_first_layer(xa, xb, filter_size, stride, W_std, b_std):
    """``(pa, pb, var_a, var_b)`` of a stride-s first conv: patches of the output pixels and
    their variances ``W² |patch|²/(f²C) + b²`` on the (B, H', W') output grid."""
    (_, H, W, _), taps = xa.shape, filter_size**2 * xa.shape[-1]
    (_, out_h), (_, out_w) = layers.window(H, filter_size, stride), layers.window(W, filter_size, stride)
    pa, pb = patches(xa, filter_size, stride=stride), patches(xb, filter_size, stride=stride)

    def var(p):
        return (W_std**2 / taps * jnp.sum(p * p, -1) + b_std**2).reshape(p.shape[0], out_h, out_w)

    return pa, pb, var(pa), var(pb)


def output_shape(shape: tuple[int, ...], filter_size: int, stride: int, layers_count: int = 1) -> tuple[int, ...]:
    """(B, H', W', C) after ``layers_count`` circular convs of stride ``stride``."""
    B, H, W, C = shape
    for _ in range(layers_count):
        H, W = layers.window(H, filter_size, stride)[1], layers.window(W, filter_size, stride)[1]
    return (B, H, W, C)


# Pair entries per block of the one-layer flatten path (measured best here: ~30k, in cache).
FLATTEN_BLOCK_ENTRIES = 32_768


def _largest_divisor_at_most(n: int, limit: int) -> int:
    return max(d for d in range(1, max(1, min(n, limit)) + 1) if n % d == 0)


@functools.partial(jax.jit, static_argnames=("depth", "filter_size", "W_std", "b_std", "activation",
                                             "stride"))
def _flatten_tile(xa, xb, *, depth, filter_size, W_std, b_std, activation, stride=1):
    """Σ, Θ of a flatten readout for every pair of two tiles, (t1, t2) each.

    Pixel-major layout ``(H, W, t1, t2)`` on the pixel diagonal ``Σ[p, p]``: the first layer is
    one product of filter patches per pixel; a single layer is reduced in pixel blocks.
    """
    t2 = xb.shape[0]
    t1, H, W, _ = output_shape(xa.shape, filter_size, stride)
    pa = patches(xa, filter_size, stride=stride).transpose(1, 0, 2)  # (P, t1, f²C)
    pb = patches(xb, filter_size, stride=stride).transpose(1, 0, 2)
    taps, pixels = pa.shape[-1], H * W
    scale = W_std**2 / taps
    var_a = scale * jnp.sum(pa * pa, -1) + b_std**2  # (P, t1)
    var_b = scale * jnp.sum(pb * pb, -1) + b_std**2

    def first_layer(pa, pb, var_a, var_b):
        sigma = scale * jnp.einsum("pik,pjk->pij", pa, pb) + b_std**2
        state = layers.KernelState(sigma, sigma, var_a[:, :, None], var_b[:, None, :])
        return layers.activation(state, activation)

    if depth == 1:
        rows = _largest_divisor_at_most(pixels, FLATTEN_BLOCK_ENTRIES // (t1 * t2))

        def block(args):
            state = first_layer(*args)
            return jnp.sum(state.nngp, 0), jnp.sum(state.ntk, 0)

        def split(x):
            return x.reshape(pixels // rows, rows, *x.shape[1:])

        nngp, ntk = jax.lax.map(block, (split(pa), split(pb), split(var_a), split(var_b)))
        return layers.dense_readout(nngp.sum(0) / pixels, ntk.sum(0) / pixels, W_std, b_std)
    state = first_layer(pa, pb, var_a, var_b)
    state = jax.tree_util.tree_map(lambda x: x.reshape(H, W, *x.shape[1:]), state)
    for _ in range(depth - 1):
        state = layers.conv(state, layers.DIAGONAL, filter_size, W_std, b_std, stride)
        state = layers.activation(state, activation)
    return layers.readout(state, (0, 1), W_std, b_std)


def flatten_tile_size(shape: tuple[int, ...], depth: int) -> int:
    """Tile side for flatten readouts: 64, smaller when deep layers keep (H, W, t, t) tensors."""
    pixels = shape[1] * shape[2]
    tile = 64
    while depth > 1 and tile > 8 and 8 * 8 * pixels * tile * tile > MEMORY_BUDGET_BYTES:
        tile //= 2
    return tile


def pooled_one_layer(pa, pb, var_a, var_b, *, group, W_std, b_std, activation):
    """``mean φ(Σ)`` and ``mean Θ`` over all pixel pairs (and ``d``) after one (lifting) conv.

    With a single hidden layer the pooled readout needs only sums over the pair tensor, so it
    is built and reduced one image row of ``p`` at a time (``lax.map``): the P×P tensor never
    exists and each block stays in cache. ``pa`` (B, P, K), ``pb`` (B, P, K) or (B, 4, P, K)
    for the group layer (patches rotated by ``ρ^d``); ``var_a``, ``var_b`` (B, H, W).
    """
    B, H, W = var_a.shape
    pixels, taps = H * W, pa.shape[-1]
    scale = W_std**2 / taps  # taps = f² C: the filter average of the first layer
    vb = var_b.reshape(B, pixels)

    def block(args):
        pa_row, va_row = args  # (B, W, K), (B, W)
        if group:
            sigma = scale * jnp.einsum("brk,bdqk->bdrq", pa_row, pb) + b_std**2
            state = layers.KernelState(sigma, sigma, va_row[:, None, :, None], vb[:, None, None, :])
        else:
            sigma = scale * jnp.einsum("brk,bqk->brq", pa_row, pb) + b_std**2
            state = layers.KernelState(sigma, sigma, va_row[:, :, None], vb[:, None, :])
        state = layers.activation(state, activation)
        axes = tuple(range(1, state.nngp.ndim))
        return jnp.sum(state.nngp, axis=axes), jnp.sum(state.ntk, axis=axes)

    rows = (pa.reshape(B, H, W, taps).transpose(1, 0, 2, 3), var_a.transpose(1, 0, 2))
    nngp, ntk = jax.lax.map(block, rows)
    count = pixels**2 * (4 if group else 1)
    return layers.dense_readout(nngp.sum(0) / count, ntk.sum(0) / count, W_std, b_std)


@functools.partial(jax.jit, static_argnames=("depth", "filter_size", "W_std", "b_std", "activation",
                                             "stride"))
def _gap_pairs(xa, xb, *, depth, filter_size, W_std, b_std, activation, stride=1):
    if stride != 1:
        return _strided_gap_pairs(xa, xb, depth=depth, filter_size=filter_size, W_std=W_std,
                                  b_std=b_std, activation=activation, stride=stride)
    B, H, W, C = xa.shape
    if depth == 1:
        var_a, var_b = input_variances(xa, xb, filter_size, W_std, b_std)
        return pooled_one_layer(
            patches(xa, filter_size), patches(xb, filter_size), var_a, var_b, group=False,
            W_std=W_std, b_std=b_std, activation=activation,
        )
    pa, pb = patches(xa, filter_size), patches(xb, filter_size)
    inner = jnp.einsum("bpk,bqk->bpq", pa, pb) / (filter_size**2 * C)
    sigma = (W_std**2 * inner + b_std**2).reshape(B, H, W, H, W)
    var_a, var_b = input_variances(xa, xb, filter_size, W_std, b_std)
    state = layers.KernelState(sigma, sigma, var_a[:, :, :, None, None], var_b[:, None, None, :, :])
    state = layers.activation(state, activation)
    for _ in range(depth - 1):
        state = layers.activation(layers.conv(state, layers.PIXEL_PAIRS, filter_size, W_std, b_std), activation)
    return layers.readout(state, (1, 2, 3, 4), W_std, b_std)


def _strided_gap_pairs(xa, xb, *, depth, filter_size, W_std, b_std, activation, stride):
    """``_gap_pairs`` with a stride-s first conv (``strided_first_layer``) and strided later convs."""
    pa, pb, var_a, var_b = strided_first_layer(xa, xb, filter_size, stride, W_std, b_std)
    if depth == 1:
        return pooled_one_layer(pa, pb, var_a, var_b, group=False, W_std=W_std, b_std=b_std,
                                activation=activation)
    B, H, W = var_a.shape
    inner = jnp.einsum("bpk,bqk->bpq", pa, pb) / pa.shape[-1]
    sigma = (W_std**2 * inner + b_std**2).reshape(B, H, W, H, W)
    state = layers.KernelState(sigma, sigma, var_a[:, :, :, None, None], var_b[:, None, None, :, :])
    state = layers.activation(state, activation)
    for _ in range(depth - 1):
        state = layers.conv(state, layers.PIXEL_PAIRS, filter_size, W_std, b_std, stride)
        state = layers.activation(state, activation)
    return layers.readout(state, (1, 2, 3, 4), W_std, b_std)


@dataclasses.dataclass(frozen=True)
class CNN(NeuralKernel):
    """``depth`` circular ``f × f`` conv layers of stride ``stride`` with activation, then
    ``readout`` and Dense."""

    depth: int = 1
    filter_size: int = 3
    readout: str = "flatten"
    W_std: float = 1.0
    b_std: float = 1.0
    activation: str = "relu"
    stride: int = 1

    def __post_init__(self):
        validate_network(self)
        check_choice("readout", self.readout, READOUTS)
        object.__setattr__(self, "stride", check_int("stride", self.stride, minimum=1))

    @property
    def name(self) -> str:
        strided = f", stride {self.stride}" if self.stride != 1 else ""
        return f"CNN ({self.readout}, depth {self.depth}{strided})"

    @float64
    def nngp_ntk(self, x1, x2=None):
        a, b = image_inputs(x1, x2, self.filter_size)
        settings = dict(depth=self.depth, filter_size=self.filter_size, W_std=self.W_std,
                        b_std=self.b_std, activation=self.activation, stride=self.stride)
        grid = output_shape(a.shape, self.filter_size, self.stride)  # the first layer's output
        if self.readout == "flatten":
            tile = flatten_tile_size(grid, self.depth)
            return gram_by_tiles(functools.partial(_flatten_tile, **settings), a, b, tile)
        per_pair, max_pairs = pooled_chunking(self.depth, grid, blocks=1)
        pairs = functools.partial(_gap_pairs, **settings)
        if self.stride != 1:  # invariant to shifts by multiples of s only: every pair computed
            return gram_by_pairs(pairs, a, b, per_pair, max_pairs)

        def on_pairs(x, rows, cols):
            return pair_values(pairs, x, x, rows, cols, per_pair, max_pairs)

        def compute(x1, x2):
            if x2 is None:  # square filters, circular padding: K(g·x, g·x') = K(x, x')
                return joint_symmetric_gram(on_pairs, x1)
            return gram_by_pairs(pairs, x1, x2, per_pair, max_pairs)

        # Global pooling after circular convs: invariant to cyclic shifts of either input.
        return invariant_gram(compute, a, b, "shifts")


def cnn(depth: int = 1, filter_size: int = 3, readout: str = "flatten", W_std: float = 1.0,
        b_std: float = 1.0, activation: str = "relu", stride: int = 1) -> CNN:
    """NNGP/NTK of an infinite-width circular CNN with a ``"flatten"`` or ``"gap"`` readout.

    ``stride``: every conv layer's stride (``layers.window``: neural-tangents' ``CIRCULAR``
    padding); ``stride = filter_size`` gives non-overlapping filters.

    Examples
    --------
    >>> image = np.random.default_rng(0).random((6, 6))
    >>> X = nv.datasets.orbit(image, N=6, action="shift")     # the 6 cyclic shifts of one image
    >>> K = nv.kernels.cnn(depth=1, filter_size=3, readout="gap")(X)    # the NTK
    >>> K.shape, bool(np.allclose(K, K[0, 0]))     # global pooling: all shifts look the same
    ((6, 6), True)
    """
    return CNN(depth, filter_size, readout, W_std, b_std, activation, stride)
