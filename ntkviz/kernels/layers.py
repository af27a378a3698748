"""Kernel-space layers: each maps a :class:`KernelState` to a new one.

A state holds the NNGP ``Σ`` and NTK ``Θ`` between two batches and the variances ``Σ(x, x)``,
``Σ(x', x')`` needed by the activations, already shaped to broadcast against ``Σ``. The
recursions are those of ``tests/reference/README.md`` (NTK parameterisation):

* Dense / Conv:  ``Σ ← W² A(Σ) + b²``, ``Θ ← W² A(Θ) + Σ_new`` (``A`` = identity or the
  filter average);
* ReLU:  ``Σ ← √(q q') (sin t + (π − t) cos t) / 2π``, ``Θ ← Θ (π − t) / 2π``, ``cos t = Σ/√(q q')``;
* Erf:   ``Σ ← (2/π) asin(2Σ/√((1+2q)(1+2q')))``, ``Θ ← Θ (4/π) / √((1+2q)(1+2q') − 4Σ²)``;
* readouts average over pixels (pairs), then a Dense layer of width one.

Layouts of ``Σ`` (``B`` = batch of input pairs or the ``n1 × n2`` grid):

* ``vector``: ``(n1, n2)``;
* ``diagonal``: ``(H, W, n1, n2)``, the pixel diagonal ``Σ[p, p]`` of a tile of the Gram
  matrix, pixel-major (enough for flatten readouts);
* ``pixel_pairs``: ``(B, H, W, H, W)``;
* ``group``: ``(B, 4, H, W, H, W)``, indexed by the rotation difference ``d = r' − r``.
"""

from __future__ import annotations

import dataclasses
import math

import jax
import jax.numpy as jnp

from . import _fastmath

__all__ = ["KernelState", "Layout", "dense", "relu", "erf", "conv", "box_filter", "window",
           "subsample", "readout", "dense_readout", "ACTIVATIONS", "SNAP", "INV_2PI"]

ACTIVATIONS = ("relu", "erf")
#: |cos t| within this of 1 is snapped to ±1 (the angle is round-off there; see ``relu``).
SNAP = 8 * 2.0**-52
INV_2PI = 0.5 / math.pi


@dataclasses.dataclass(frozen=True)
class Layout:
    """Where the two pixel indices ``p`` (first input) and ``p'`` (second) live in ``Σ``."""

    name: str
    axes_a: tuple[int, ...] = ()
    axes_b: tuple[int, ...] = ()
    group_axis: int | None = None


VECTOR = Layout("vector")
DIAGONAL = Layout("diagonal", (0, 1), (0, 1))
PIXEL_PAIRS = Layout("pixel_pairs", (1, 2), (3, 4))
GROUP = Layout("group", (2, 3), (4, 5), group_axis=1)


@dataclasses.dataclass(frozen=True)
class KernelState:
    """NNGP, NTK and the two variances (broadcastable against ``nngp``)."""

    nngp: jax.Array
    ntk: jax.Array
    var_a: jax.Array
    var_b: jax.Array


# Fields named explicitly: JAX 0.4.30 (the neural-tangents extra) requires them.
jax.tree_util.register_dataclass(
    KernelState, data_fields=["nngp", "ntk", "var_a", "var_b"], meta_fields=[]
)


def dense(state: KernelState, W_std: float, b_std: float) -> KernelState:
    """Fully connected layer (NTK parameterisation)."""
    w2, b2 = W_std**2, b_std**2
    nngp = w2 * state.nngp + b2
    return KernelState(nngp, w2 * state.ntk + nngp, w2 * state.var_a + b2, w2 * state.var_b + b2)


def relu(state: KernelState) -> KernelState:
    """The arc-cosine map of order 1 (Cho & Saul) and its derivative kernel."""
    # Square roots only of the (small) variance arrays; per pixel pair the map costs one
    # polynomial arccos, one square root and a handful of products (the cost that matters).
    inv_a, inv_b = 1.0 / jnp.sqrt(state.var_a), 1.0 / jnp.sqrt(state.var_b)
    root_a, root_b = state.var_a * inv_a, state.var_b * inv_b
    cos = state.nngp * inv_a * inv_b
    # Within a few ulps of ±1 the angle is pure round-off (t ≈ √(2 δcos) ≈ 1e-8, whichever
    # summation order produced Σ): snap to t = 0 or π so K(X) = K(X, X) and diagonals are
    # exact. This also clips |cos| ≤ 1.
    cos = jnp.where(jnp.abs(cos) >= 1.0 - SNAP, jnp.sign(cos), cos)
    angle = _fastmath.acos(cos)
    sin = jnp.sqrt(1.0 - cos * cos)

    def arc_cosine(root, other_root, sin, angle, cos):
        return (sin + (math.pi - angle) * cos) * ((root * INV_2PI) * other_root)

    nngp = arc_cosine(root_a, root_b, sin, angle, cos)
    ntk = state.ntk * (math.pi - angle) * INV_2PI
    # The variances (t = 0) go through the very same operations, so for x = x' the next
    # layer sees exactly the value the pair tensor holds.
    var_a = arc_cosine(root_a, root_a, 0.0, 0.0, 1.0)
    var_b = arc_cosine(root_b, root_b, 0.0, 0.0, 1.0)
    return KernelState(nngp, ntk, var_a, var_b)


def erf(state: KernelState) -> KernelState:
    """The erf arc-sine kernel (Williams 1997) and its derivative kernel."""
    ca, cb = 1.0 + 2.0 * state.var_a, 1.0 + 2.0 * state.var_b
    prod = ca * cb
    nngp = (2 / math.pi) * _fastmath.asin(jnp.clip(2.0 * state.nngp / jnp.sqrt(prod), -1.0, 1.0))
    ntk = state.ntk * (4 / math.pi) / jnp.sqrt(jnp.maximum(prod - 4.0 * state.nngp**2, 1e-300))

    def var(v, c):
        return (2 / math.pi) * _fastmath.asin(jnp.clip(2.0 * v / c, -1.0, 1.0))

    return KernelState(nngp, ntk, var(state.var_a, ca), var(state.var_b, cb))


def activation(state: KernelState, name: str) -> KernelState:
    """Apply the activation called ``name`` (one of :data:`ACTIVATIONS`)."""
    return relu(state) if name == "relu" else erf(state)


def offsets(filter_size: int) -> range:
    """Filter offsets along one axis, ``−(f−1)/2 … (f−1)/2``."""
    half = (filter_size - 1) // 2
    return range(-half, half + 1)


def window(size: int, filter_size: int, stride: int = 1) -> tuple[int, int]:
    """``(first, out)`` of a circular convolution along an axis of ``size`` pixels: output pixel
    ``i < out`` reads input pixels ``stride·i + first + (0 … f−1)`` modulo ``size``.

    neural-tangents' ``CIRCULAR`` padding: the wrapped padding of ``SAME``, ``out = ⌈size/s⌉``
    and ``pad_lo = ⌊max((out−1)s + f − size, 0)/2⌋`` pixels before, ``first = −pad_lo``. With
    stride 1 and an odd filter the window is centred (``first = −(f−1)/2``, see ``offsets``);
    with stride = filter size dividing ``size`` the windows tile the image from pixel 0.
    """
    out = -(-size // stride)
    pad = max((out - 1) * stride + filter_size - size, 0)
    return -(pad // 2), out


def subsample(x, axes: tuple[int, ...], filter_size: int, stride: int):
    """The output pixels of a stride-``s`` circular conv from the centred stride-1 result ``x``
    (``box_filter``'s): window ``i`` of ``window`` has its centre at ``s·i + first + (f−1)/2``."""
    if stride == 1:
        return x
    half = (filter_size - 1) // 2
    for axis in axes:
        first, _ = window(x.shape[axis], filter_size, stride)
        x = jnp.roll(x, -(first + half), axis) if first + half else x
        x = jax.lax.slice_in_dim(x, 0, x.shape[axis], stride, axis)
    return x


def rotate_offset(a: int, c: int, d: int) -> tuple[int, int]:
    """``ρ^d(a, c)`` with ``ρ(a, c) = (c, −a)``: the filter offset seen by rotation ``d``."""
    for _ in range(d % 4):
        a, c = c, -a
    return a, c


def box_filter(x, axes_a, axes_b, filter_size: int, d: int = 0):
    """``(1/f²) Σ_u x[p + u, p' + ρ^d u]`` with circular wrap (separable over u's two axes)."""
    out = x
    for component in (0, 1):
        total = 0
        for s in offsets(filter_size):
            u = (s, 0) if component == 0 else (0, s)
            ub = rotate_offset(*u, d)
            shifts, axes = [], []
            for axis, shift in zip(axes_a, u):
                if shift:
                    shifts.append(shift)
                    axes.append(axis)
            for axis, shift in zip(axes_b, ub):
                if shift and axes_b != axes_a:
                    shifts.append(shift)
                    axes.append(axis)
            total = total + (jnp.roll(out, shifts, axes) if shifts else out)
        out = total
    return out / filter_size**2


def _box_kernel(x, layout: Layout, filter_size: int):
    if layout.group_axis is None:
        return box_filter(x, layout.axes_a, layout.axes_b, filter_size)
    # Group layout: Σ depends on (r, r') only through d = r' − r; the P4→P4 layer's sum over
    # the input rotation s then reduces to 4 equal terms (README formula, 1/36 = 4/36 · 1/4).
    blocks = [
        box_filter(jnp.take(x, d, axis=layout.group_axis), _drop(layout.axes_a), _drop(layout.axes_b), filter_size, d)
        for d in range(4)
    ]
    return jnp.stack(blocks, axis=layout.group_axis)


def _drop(axes):
    return tuple(a - 1 for a in axes)


def conv(state: KernelState, layout: Layout, filter_size: int, W_std: float, b_std: float,
         stride: int = 1) -> KernelState:
    """A circular ``f × f`` (group) convolution after the first layer, with ``stride`` (the
    output pixels of ``window``; only 1 for the group layout)."""
    if stride != 1 and layout.group_axis is not None:
        raise ValueError(f"group convolutions have stride 1, got stride={stride}")
    w2, b2 = W_std**2, b_std**2
    pixel_axes = tuple(dict.fromkeys(layout.axes_a + layout.axes_b))

    def strided(x, axes):
        return subsample(x, axes, filter_size, stride)

    nngp = w2 * strided(_box_kernel(state.nngp, layout, filter_size), pixel_axes) + b2
    ntk = w2 * strided(_box_kernel(state.ntk, layout, filter_size), pixel_axes) + nngp
    var_a = w2 * strided(box_filter(state.var_a, layout.axes_a, layout.axes_a, filter_size), layout.axes_a) + b2
    var_b = w2 * strided(box_filter(state.var_b, layout.axes_b, layout.axes_b, filter_size), layout.axes_b) + b2
    return KernelState(nngp, ntk, var_a, var_b)


def readout(state: KernelState, axes: tuple[int, ...], W_std: float, b_std: float):
    """Average over ``axes`` (flatten: pixel diagonal; GAP: pixel pairs; group pooling: also
    ``d``), then the width-one Dense readout. Returns ``(Σ, Θ)``."""
    return dense_readout(jnp.mean(state.nngp, axis=axes), jnp.mean(state.ntk, axis=axes), W_std, b_std)


def dense_readout(mean_nngp, mean_ntk, W_std: float, b_std: float):
    """The width-one Dense readout of already averaged kernels: ``(Σ, Θ)``."""
    nngp = W_std**2 * mean_nngp + b_std**2
    return nngp, W_std**2 * mean_ntk + nngp
