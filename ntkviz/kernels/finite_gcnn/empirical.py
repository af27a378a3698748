"""Kernels of one finite group CNN (described in ``kernels.finite_gcnn``): its empirical NNGP
and NTK, its outputs and their invariance to quarter turns, and the Monte-Carlo NNGP."""

from __future__ import annotations

import dataclasses
import functools

import jax
import jax.numpy as jnp
import numpy as np

from ..._validate import check_allocation, check_int, check_sequence
from .._network import image_inputs
from .._pairwise import chunk_size
from .._x64 import float64, to_numpy
from .network import MAX_WIDTH, check_arch, forward, init_params

__all__ = ["outputs", "empirical_kernels", "mc_nngp", "rot90_invariance_gap", "FiniteNetwork",
           "finite_network"]


_forward = jax.jit(forward, static_argnums=0)


@functools.partial(jax.jit, static_argnums=0)
def _gradients(arch, params, x):
    """Per-input gradients ``∂f(x_i)/∂θ``: a pytree of (B, *parameter shape) leaves."""

    def one(xi):
        return jax.grad(lambda p: forward(arch, p, xi[None])[0])(params)

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
    return image_inputs(x1, x2, check_arch(arch).filter_size)


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
    arch : GCNN
        A ``kernels.gcnn(...)`` kernel (depth, filter size, W_std, b_std, activation).
    x1 : ndarray of shape (n1, H, W) or (n1, H, W, C)
        Images.
    x2 : ndarray of shape (n2, …) or None
        Images or None (then x2 = x1 and both matrices are exactly symmetric).
    width : int
        Channels per rotation (1…``MAX_WIDTH``).
    seed : int
        The initialisation.

    Returns
    -------
    nngp : ndarray of shape (n1, n2)
        ``Σ̂ = E_readout[f(x) f(x')] = W²/n · g(x)·g(x') + b²``, the NNGP of the readout
        given this network's hidden layers (arXiv 2406.06504, Sec. 3; its mean over seeds is the
        Monte-Carlo NNGP, ``mc_nngp``).
    ntk : ndarray of shape (n1, n2)
        ``Θ̂ = J Jᵀ``, ``J[i] = ∂f(x_i)/∂θ`` over all parameters
        (docs/theory.md#the-empirical-ntk-and-width).

    Notes
    -----
    Both tend to ``arch.nngp`` / ``arch.ntk`` as ``width → ∞``; Θ̂ equals
    ``kernels.empirical_ntk``'s Θ̂ of the same weights to round-off (tested).
    """
    a, b = _inputs(arch, x1, x2)
    params = init_params(arch, a.shape[-1], width, seed)
    width = params["readout"][0].shape[0]
    ga = _chunked_gradients("x1", arch, params, a, width)
    gb = ga if b is None else _chunked_gradients("x2", arch, params, b, width)
    nngp, ntk = (to_numpy(K) for K in _gram(ga, gb))
    if b is None:
        nngp, ntk = 0.5 * (nngp + nngp.T), 0.5 * (ntk + ntk.T)
    return nngp, ntk


@float64
def mc_nngp(arch, x1, x2=None, width: int = 64, seeds=range(8)) -> np.ndarray:
    """Monte-Carlo NNGP (n1, n2): ``E[f(x) f(x')]`` over random initialisations.

    The mean over ``seeds`` (hidden layers drawn at random) of ``W²/n · g(x)·g(x') + b²``, the
    exact mean over the readout's draws given those hidden layers (``empirical_kernels``).
    Without the closed form, ``f(x) f(x')`` of one draw is O(1) noise at any width.
    """
    a, b = _inputs(arch, x1, x2)
    width = check_int("width", width, minimum=1, maximum=MAX_WIDTH)
    seeds = check_sequence("seeds", seeds, lambda s: check_int("seeds", s, minimum=0))
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
    return nngp, ntk, forward(arch, params, turned).reshape(4, x.shape[0])


@dataclasses.dataclass(frozen=True)
class FiniteNetwork:
    """One finite group CNN on one batch of images; arrays are read-only float64.

    Attributes
    ----------
    width, seed : int
        Channels per rotation and initialisation.
    nngp, ntk : ndarray of shape (n, n)
        Empirical ``Σ̂`` and ``Θ̂`` (as ``empirical_kernels``, exactly symmetric).
    outputs : ndarray of shape (4, n)
        ``f(rot90^k x_i)`` for k = 0, 1, 2, 3 (``np.rot90`` over the image axes).
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
    params = init_params(arch, a.shape[-1], width, seed)
    nngp, ntk, out = (to_numpy(v) for v in _summary(arch, params, jnp.asarray(a)))
    return FiniteNetwork(params["readout"][0].shape[0], int(seed), _readonly(0.5 * (nngp + nngp.T)),
                         _readonly(0.5 * (ntk + ntk.T)), _readonly(out))
