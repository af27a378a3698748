"""The finite C4 ⋉ Z² group CNN itself: its parameters, its layers and its output, as pure JAX
functions of the parameter pytree (the layers are described in ``kernels.finite_gcnn``)."""

from __future__ import annotations

import functools

import jax
import jax.numpy as jnp
import numpy as np

from ..._validate import as_finite_array, check_int
from ..group_convolutional import GCNN
from ..layers import offsets, rotate_offset

__all__ = ["init_params", "apply", "pooled_features", "check_arch", "draw_params", "forward",
           "MAX_WIDTH", "MAX_IN_CHANNELS"]

#: Largest number of channels accepted (P4 → P4 weights grow as 36 · width²).
MAX_WIDTH = 1024
#: Largest number of input channels accepted (the lifting weights are f² · in_channels · width;
#: an unbounded count let in_channels = 10**9 try to allocate them).
MAX_IN_CHANNELS = 256


def check_arch(arch) -> GCNN:
    """``arch`` if it is a ``kernels.gcnn(...)`` kernel, else the ``TypeError`` naming it."""
    if not isinstance(arch, GCNN):
        raise TypeError("arch must be an ntkviz.kernels.gcnn(...) kernel, "
                        f"got {type(arch).__name__}")
    return arch


def _check_forward(arch, params, x):
    """``apply``'s arguments: shapes only under a JAX transformation, values as well outside."""
    arch = check_arch(arch)
    if not isinstance(params, dict) or not {"lifting", "group", "readout"} <= params.keys():
        raise TypeError("params must be the dict returned by init_params(arch, ...), "
                        f"got {type(params).__name__}")
    if not isinstance(x, jax.core.Tracer):
        x = as_finite_array("x", x, ndim=4)
    channels = np.shape(params["lifting"][0])[2:3]
    if x.ndim != 4 or x.shape[-1:] != channels:
        raise ValueError(f"x must be images (B, H, W, C) with C = {channels} channels of params, "
                         f"got shape {x.shape}")
    return arch, x


# --- parameters ---------------------------------------------------------------------------
def init_params(arch, in_channels: int, width: int, seed: int) -> dict:
    """Standard-normal parameters of the finite group CNN ``arch``: a pytree of numpy float64.

    Returns ``{"lifting": (w (f, f, C, n), b (n,)), "group": [(w (4, f, f, n, n), b (n,)), …]
    (depth − 1 entries), "readout": (v (n, 1), β (1,))}``; axis 0 of a group filter is the
    rotation offset ``s``. Drawn in that order by ``numpy.random.default_rng(seed)`` (numpy,
    not ``jax.random``: an eager float64 JAX draw compiles once per new shape, ~1–4 s a width).
    """
    arch = check_arch(arch)
    in_channels = check_int("in_channels", in_channels, minimum=1, maximum=MAX_IN_CHANNELS)
    width = check_int("width", width, minimum=1, maximum=MAX_WIDTH)
    seed = check_int("seed", seed, minimum=0)
    return draw_params(arch, in_channels, width, seed)


def draw_params(arch: GCNN, in_channels: int, width: int, seed: int) -> dict:
    """:func:`init_params` for clean arguments."""
    f = arch.filter_size
    rng = np.random.default_rng(seed)

    def draw(*shape):
        return rng.standard_normal(shape)

    return {
        "lifting": (draw(f, f, in_channels, width), draw(width)),
        "group": [(draw(4, f, f, width, width), draw(width)) for _ in range(arch.depth - 1)],
        "readout": (draw(width, 1), draw(1)),
    }


# --- layers -------------------------------------------------------------------------------
@functools.lru_cache(maxsize=32)
def _turned_taps(filter_size: int) -> np.ndarray:
    """``idx[r, i, j] = (i', j')`` with ``(i', j') − h = ρ^{−r}((i, j) − h)``: the tap of the
    stored filter that output rotation ``r`` applies at offset ``(i, j) − h``."""
    half = (filter_size - 1) // 2
    idx = np.zeros((4, filter_size, filter_size, 2), dtype=np.int64)
    for r in range(4):
        for a in offsets(filter_size):
            for c in offsets(filter_size):
                ta, tc = rotate_offset(a, c, -r % 4)
                idx[r, a + half, c + half] = (ta + half, tc + half)
    return idx


def _turned(w, filter_size: int, r: int):
    """The filter ``w[..., i, j, :, :]`` (spatial axes −4, −3) as output rotation ``r`` reads
    it: ``w_r[v] = w[ρ^{−r} v]``, so that ``Σ_v w_r[v] x[p + v] = Σ_u w[u] x[p + ρ^r u]``."""
    idx = _turned_taps(filter_size)[r]
    return w[..., idx[..., 0], idx[..., 1], :, :]


def _circular_conv(x, filters, filter_size: int):
    """Circular cross-correlation of (B, H, W, C_in) with (f, f, C_in, C_out) filters.

    As one matrix product of the f² shifted copies of ``x`` with the filters (im2col): for
    float64 on this CPU several times faster than XLA's convolution, forward and backward.
    """
    taps = offsets(filter_size)
    shifted = [jnp.roll(x, (-a, -c), axis=(1, 2)) for a in taps for c in taps]
    cols = jnp.stack(shifted, axis=3)  # (B, H, W, f², C_in), taps in the filters' (i, j) order
    return jnp.einsum("bhwtc,tco->bhwo", cols, filters.reshape(filter_size**2, *filters.shape[2:]))


def _lifting(x, w, b, filter_size: int, W_std: float, b_std: float):
    """``Z2ConvP4``: (B, H, W, C) images → (B, H, W, 4, n) features, rotation axis 3."""
    C, n = w.shape[-2:]
    filters = jnp.stack([_turned(w, filter_size, r) for r in range(4)], axis=-2)  # (f, f, C, 4, n)
    out = _circular_conv(x, filters.reshape(filter_size, filter_size, C, 4 * n), filter_size)
    scale = W_std / np.sqrt(filter_size**2 * C)
    return scale * out.reshape(*out.shape[:3], 4, n) + b_std * b


def _group_conv(h, w, b, filter_size: int, W_std: float, b_std: float):
    """``P4ConvP4``: (B, H, W, 4, C) → (B, H, W, 4, n); output rotation r reads input rotation
    ``t = r + s`` with filter ``w[s]`` turned by r, i.e. weight ``w[t − r, ρ^{−r} v]``."""
    C, n = w.shape[-2:]
    per_rotation = []
    for r in range(4):
        # roll: index t of the result holds w[(t − r) mod 4]
        turned = jnp.roll(_turned(w, filter_size, r), r, axis=0)  # (4 t, f, f, C, n)
        per_rotation.append(jnp.moveaxis(turned, 0, 2).reshape(filter_size, filter_size, 4 * C, n))
    filters = jnp.stack(per_rotation, axis=-2).reshape(filter_size, filter_size, 4 * C, 4 * n)
    B, H, W = h.shape[:3]
    out = _circular_conv(h.reshape(B, H, W, 4 * C), filters, filter_size)
    scale = W_std / np.sqrt(4 * filter_size**2 * C)
    return scale * out.reshape(B, H, W, 4, n) + b_std * b


def _phi(name: str):
    return jax.nn.relu if name == "relu" else jax.scipy.special.erf


def pooled_features(arch, params: dict, x):
    """Group-pooled features ``g`` (B, n) of images ``x`` (B, H, W, C): a pure JAX function.

    ``g[k] = mean_{r, p} φ(h[r, p, k])`` after the lifting layer and ``depth − 1`` group
    convolutions (each followed by the activation φ).
    """
    arch, x = _check_forward(arch, params, x)
    return _pooled(arch, params, x)


def _pooled(arch: GCNN, params: dict, x):
    f, phi = arch.filter_size, _phi(arch.activation)
    h = phi(_lifting(x, *params["lifting"], f, arch.W_std, arch.b_std))
    for w, b in params["group"]:
        h = phi(_group_conv(h, w, b, f, arch.W_std, arch.b_std))
    return h.mean(axis=(1, 2, 3))


def apply(arch, params: dict, x):
    """Scalar outputs ``f(x)`` (B,) of the finite group CNN on images ``x`` (B, H, W, C): a pure
    JAX function of the parameter pytree (``init_params``)."""
    arch, x = _check_forward(arch, params, x)
    return forward(arch, params, x)


def forward(arch: GCNN, params: dict, x):
    """:func:`apply` for clean arguments (a JAX array or tracer of images)."""
    g = _pooled(arch, params, x)
    v, beta = params["readout"]
    return (arch.W_std / np.sqrt(g.shape[-1]) * g @ v + arch.b_std * beta)[:, 0]
