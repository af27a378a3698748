"""Finite C4 ⋉ Z² group CNNs and their empirical NNGP and NTK (Equivariant NTKs,
arXiv 2406.06504, Sec. 3 and Fig. 1; docs/theory.md#group-cnn-kernels).

The network is the one :class:`~ntkviz.kernels.group_convolutional.GCNN` describes, layer by
layer (``tests/reference/README.md`` conventions, NTK parameterisation, every parameter drawn
i.i.d. N(0, 1)), with ``n`` channels per rotation:

* lifting ``Z2ConvP4``: ``h¹[r, p, k] = W/√(f²C) Σ_{u, c} w¹[u, c, k] x[p + ρ^r u, c] + b·b¹[k]``;
* ``depth − 1`` group convolutions ``P4ConvP4``:
  ``h[r, p, k] = W/√(4f²n) Σ_{s, u, c} w[s, u, c, k] φ(h⁻)[r + s, p + ρ^r u, c] + b·bias[k]``;
* group pooling, the mean over ``r`` and ``p``: ``g[k] = mean_{r, p} φ(h)[r, p, k]``;
* the width-one readout ``f(x) = W/√n Σ_k v[k] g[k] + b·β``.

Offsets ``u`` run over the f × f window, ``ρ(a, c) = (c, −a)`` turns an offset (row, column) a
quarter turn, pixel indices wrap around (circular padding), rotation indices are taken mod 4.
Each rotated filter is built once and all four rotations run as one ordinary convolution.
This is the network ``kernels.empirical_ntk`` builds for a ``gcnn`` kernel (``finite_width``,
im2col over stacked rotations); the tests check the two agree to round-off on the same weights.

Kernels of one network (parameters θ):

* empirical NTK ``Θ̂(x, x') = Σ_θ ∂f(x)/∂θ · ∂f(x')/∂θ = (J Jᵀ)(x, x')``
  (docs/theory.md#the-empirical-ntk-and-width);
* empirical NNGP ``Σ̂(x, x') = E_{v, β}[f(x) f(x')] = W²/n · g(x)·g(x') + b²``: the mean of
  ``f(x) f(x')`` over random draws of the readout, taken in closed form, given the hidden
  layers. It is also exactly the readout layer's share of ``J Jᵀ``. Averaging it over random
  initialisations of the hidden layers (``mc_nngp``) is the Monte-Carlo NNGP.

As the width grows both tend to the analytic ``kernels.gcnn`` kernels, with relative errors
``∝ n^(−1/2)``. Group pooling makes ``f`` exactly invariant to quarter turns (and cyclic
shifts) of its input, at every width: the lifting layer turns a rotated input into rotated,
cyclically re-indexed features, each group convolution keeps that form, the pooled mean
forgets it.
"""

from __future__ import annotations

import dataclasses
import functools

import jax
import jax.numpy as jnp
import numpy as np

from .._validate import as_finite_array, check_allocation, check_int, check_sequence
from ._network import image_inputs
from ._pairwise import chunk_size
from ._x64 import float64, to_numpy
from .group_convolutional import GCNN
from .layers import offsets, rotate_offset

__all__ = [
    "init_params",
    "apply",
    "pooled_features",
    "outputs",
    "empirical_kernels",
    "mc_nngp",
    "rot90_invariance_gap",
    "FiniteNetwork",
    "finite_network",
    "MAX_WIDTH",
]

#: Largest number of channels accepted (P4 → P4 weights grow as 36 · width²).
MAX_WIDTH = 1024
#: Largest number of input channels accepted (the lifting weights are f² · in_channels · width;
#: an unbounded count let in_channels = 10**9 try to allocate them).
MAX_IN_CHANNELS = 256


def _check_arch(arch) -> GCNN:
    if not isinstance(arch, GCNN):
        raise TypeError("arch must be an ntkviz.kernels.gcnn(...) kernel, "
                        f"got {type(arch).__name__}")
    return arch


def _check_width(width) -> int:
    return check_int("width", width, minimum=1, maximum=MAX_WIDTH)


def _check_forward(arch, params, x):
    """``apply``'s arguments: shapes only under a JAX transformation, values as well outside."""
    arch = _check_arch(arch)
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
    arch = _check_arch(arch)
    in_channels = check_int("in_channels", in_channels, minimum=1, maximum=MAX_IN_CHANNELS)
    width = _check_width(width)
    seed = check_int("seed", seed, minimum=0)
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
    f, phi = arch.filter_size, _phi(arch.activation)
    h = phi(_lifting(x, *params["lifting"], f, arch.W_std, arch.b_std))
    for w, b in params["group"]:
        h = phi(_group_conv(h, w, b, f, arch.W_std, arch.b_std))
    return h.mean(axis=(1, 2, 3))


def apply(arch, params: dict, x):
    """Scalar outputs ``f(x)`` (B,) of the finite group CNN on images ``x`` (B, H, W, C): a pure
    JAX function of the parameter pytree (``init_params``)."""
    g = pooled_features(arch, params, x)
    v, beta = params["readout"]
    return (arch.W_std / np.sqrt(g.shape[-1]) * g @ v + arch.b_std * beta)[:, 0]


# --- kernels --------------------------------------------------------------------------------
@functools.partial(jax.jit, static_argnums=0)
def _forward(arch, params, x):
    return apply(arch, params, x)


@functools.partial(jax.jit, static_argnums=0)
def _gradients(arch, params, x):
    """Per-input gradients ``∂f(x_i)/∂θ``: a pytree of (B, *parameter shape) leaves."""

    def one(xi):
        return jax.grad(lambda p: apply(arch, p, xi[None])[0])(params)

    return jax.vmap(one)(x)


_jitted_gradients = jax.jit(_gradients, static_argnums=0)


def _chunked_gradients(name: str, arch, params, x: np.ndarray, width: int):
    """``_gradients`` of the images ``x`` in chunks whose intermediates fit the kernels' memory
    budget; the gradients themselves (one per parameter and image) are refused, naming
    ``name``, beyond ``MAX_ARRAY_BYTES``."""
    count = sum(leaf.size for leaf in jax.tree.leaves(params))
    check_allocation(name, (len(x), count),
                     what=f"the Jacobian of its images ({count:,} parameters each)")
    n, H, W, C = x.shape
    # the backward pass keeps, per image, every layer's rotated feature maps per filter offset
    per_image = 8 * (count + 4 * H * W * max(width, C) * arch.filter_size**2 * (arch.depth + 1))
    size = chunk_size(n, per_image)
    padded = np.concatenate([x, np.repeat(x[-1:], -n % size, axis=0)])
    parts = [_jitted_gradients(arch, params, jnp.asarray(padded[i:i + size]))
             for i in range(0, len(padded), size)]
    return jax.tree.map(lambda *leaves: jnp.concatenate(leaves)[:n], *parts)


@jax.jit
def _gram(ga, gb):
    """``(Σ̂, Θ̂)`` from two gradient pytrees: the readout's share and the sum over all layers."""

    def block(a, b):
        return a.reshape(a.shape[0], -1) @ b.reshape(b.shape[0], -1).T

    blocks = jax.tree_util.tree_map(block, ga, gb)
    nngp = sum(jax.tree_util.tree_leaves(blocks["readout"]))
    return nngp, sum(jax.tree_util.tree_leaves(blocks))


def _inputs(arch, x1, x2):
    arch = _check_arch(arch)
    return image_inputs(x1, x2, arch.filter_size)


@float64
def outputs(arch, x, width: int = 64, seed: int = 0) -> np.ndarray:
    """Outputs ``f(x)`` (n,) of the finite group CNN of ``width`` channels and ``seed``.

    ``arch`` a ``kernels.gcnn(...)`` kernel; ``x`` (n, H, W) or (n, H, W, C) images. float64.
    """
    a, _ = _inputs(arch, x, None)
    params = init_params(arch, a.shape[-1], width, seed)
    return to_numpy(_forward(arch, params, jnp.asarray(a)))


@float64
def empirical_kernels(arch, x1, x2=None, width: int = 64,
                      seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Empirical ``(Σ̂, Θ̂)`` (n1, n2) each of one finite group CNN (``width`` channels, ``seed``).

    Parameters
    ----------
    arch : a ``kernels.gcnn(...)`` kernel (depth, filter size, W_std, b_std, activation)
    x1 : (n1, H, W) or (n1, H, W, C) images;  x2 : (n2, …) images or None (then x2 = x1 and
        both matrices are exactly symmetric)
    width : channels per rotation (1…``MAX_WIDTH``);  seed : the initialisation

    Returns
    -------
    nngp : ``Σ̂ = E_readout[f(x) f(x')] = W²/n · g(x)·g(x') + b²``, the NNGP of the readout
        given this network's hidden layers (arXiv 2406.06504, Sec. 3; its mean over seeds is the
        Monte-Carlo NNGP, ``mc_nngp``)
    ntk : ``Θ̂ = J Jᵀ``, ``J[i] = ∂f(x_i)/∂θ`` over all parameters
        (docs/theory.md#the-empirical-ntk-and-width)

    Both tend to ``arch.nngp`` / ``arch.ntk`` as ``width → ∞``; Θ̂ equals
    ``kernels.empirical_ntk``'s Θ̂ of the same weights to round-off (tested).
    """
    a, b = _inputs(arch, x1, x2)
    width = _check_width(width)
    seed = check_int("seed", seed, minimum=0)
    params = init_params(arch, a.shape[-1], width, seed)
    ga = _chunked_gradients("x1", arch, params, a, width)
    gb = ga if b is None else _chunked_gradients("x2", arch, params, b, width)
    nngp, ntk = (to_numpy(K) for K in _gram(ga, gb))
    if b is None:
        nngp, ntk = 0.5 * (nngp + nngp.T), 0.5 * (ntk + ntk.T)
    return nngp, ntk


def _check_seeds(seeds) -> tuple[int, ...]:
    return check_sequence("seeds", seeds, lambda s: check_int("seeds", s, minimum=0))


@float64
def mc_nngp(arch, x1, x2=None, width: int = 64, seeds=range(8)) -> np.ndarray:
    """Monte-Carlo NNGP (n1, n2): ``E[f(x) f(x')]`` over random initialisations.

    The mean over ``seeds`` (hidden layers drawn at random) of ``W²/n · g(x)·g(x') + b²``, the
    exact mean over the readout's draws given those hidden layers (``empirical_kernels``).
    Without the closed form, ``f(x) f(x')`` of one draw is O(1) noise at any width.
    """
    a, b = _inputs(arch, x1, x2)
    width = _check_width(width)
    seeds = _check_seeds(seeds)
    total = 0.0
    for seed in seeds:
        params = init_params(arch, a.shape[-1], width, seed)
        ga = _chunked_gradients("x1", arch, params, a, width)
        gb = ga if b is None else _chunked_gradients("x2", arch, params, b, width)
        total = total + to_numpy(_gram(ga, gb)[0])
    nngp = total / len(seeds)
    return 0.5 * (nngp + nngp.T) if b is None else nngp


@float64
def rot90_invariance_gap(arch, x, width: int = 64, seed: int = 0) -> float:
    """``max_{k=1,2,3} max_i |f(rot90^k x_i) − f(x_i)|``: zero up to round-off (group pooling).

    ``x`` (n, H, H) or (n, H, H, C) square images; the network of ``width`` and ``seed``.
    """
    a, _ = _inputs(arch, x, None)
    if a.shape[1] != a.shape[2]:
        raise ValueError(f"x must hold square images for quarter turns, got shape {a.shape[1:3]}")
    params = init_params(arch, a.shape[-1], width, seed)
    turned = np.concatenate([np.rot90(a, k, axes=(1, 2)) for k in range(4)])
    out = to_numpy(_forward(arch, params, jnp.asarray(turned))).reshape(4, -1)
    return float(np.max(np.abs(out[1:] - out[0])))


@functools.partial(jax.jit, static_argnums=0)
def _summary(arch, params, x):
    """``(Σ̂, Θ̂)`` on ``x`` and ``f`` on its four quarter turns, as one compiled program."""
    g = _gradients(arch, params, x)
    nngp, ntk = _gram(g, g)
    turned = jnp.concatenate([jnp.rot90(x, k, axes=(1, 2)) for k in range(4)])
    return nngp, ntk, apply(arch, params, turned).reshape(4, x.shape[0])


@dataclasses.dataclass(frozen=True)
class FiniteNetwork:
    """One finite group CNN on one batch of images; arrays are read-only float64.

    Attributes
    ----------
    width, seed : channels per rotation and initialisation
    nngp, ntk : (n, n) empirical ``Σ̂`` and ``Θ̂`` (as ``empirical_kernels``, exactly symmetric)
    outputs : (4, n) ``f(rot90^k x_i)`` for k = 0, 1, 2, 3 (``np.rot90`` over the image axes)
    """

    width: int
    seed: int
    nngp: np.ndarray
    ntk: np.ndarray
    outputs: np.ndarray

    @property
    def invariance_gap(self) -> float:
        """``max_{k, i} |f(rot90^k x_i) − f(x_i)|``: round-off for a group-pooled network."""
        return float(np.max(np.abs(self.outputs[1:] - self.outputs[0])))


def _readonly(array) -> np.ndarray:
    array = to_numpy(array)
    array.setflags(write=False)
    return array


@float64
def finite_network(arch, x, width: int = 64, seed: int = 0) -> FiniteNetwork:
    """Empirical NNGP and NTK of one network on ``x`` and its outputs on quarter turns of ``x``.

    ``arch`` a ``kernels.gcnn(...)`` kernel; ``x`` (n, H, H) or (n, H, H, C) square images;
    ``width`` channels per rotation; ``seed`` the initialisation. One compiled program per
    (architecture, width, input shape): what the width experiment needs of each network.
    """
    a, _ = _inputs(arch, x, None)
    if a.shape[1] != a.shape[2]:
        raise ValueError(f"x must hold square images for quarter turns, got shape {a.shape[1:3]}")
    width = _check_width(width)
    seed = check_int("seed", seed, minimum=0)
    params = init_params(arch, a.shape[-1], width, seed)
    nngp, ntk, out = (to_numpy(v) for v in _summary(arch, params, jnp.asarray(a)))
    return FiniteNetwork(width, seed, _readonly(0.5 * (nngp + nngp.T)),
                         _readonly(0.5 * (ntk + ntk.T)), _readonly(out))
