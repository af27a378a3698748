"""Infinite-width C4 ⋉ Z² group CNNs: a lifting conv, ``depth − 1`` group convs, group pooling.

Features carry a rotation index ``r``, so kernels are tensors over ``(r, r', p, p')``. Because
the filter offsets form a rotation-invariant set, every such tensor depends on ``(r, r')`` only
through ``d = r' − r`` (re-index ``u → ρ^{−r} u``; induction over layers), so 4 blocks are
computed instead of 16. Conventions (ρ(a, c) = (c, −a), NTK of the first layer = its NNGP)
follow ``tests/reference/README.md``; the published layer's ``ntk_lib`` variant is not used.
"""

from __future__ import annotations

import dataclasses
import functools

import jax
import jax.numpy as jnp

from . import layers
from ._invariance import invariant_gram
from ._network import image_inputs, validate_network
from ._pairwise import gram_by_pairs, patches
from ._x64 import float64
from .base import NeuralKernel
from .convolutional import input_variances, pooled_chunking, pooled_one_layer

__all__ = ["GCNN", "gcnn"]


@functools.partial(jax.jit, static_argnames=("depth", "filter_size", "W_std", "b_std", "activation"))
def _group_pairs(xa, xb, *, depth, filter_size, W_std, b_std, activation):
    B, H, W, C = xa.shape
    pa = patches(xa, filter_size)
    pb = jnp.stack([patches(xb, filter_size, d) for d in range(4)], axis=1)
    if depth == 1:
        var_a, var_b = input_variances(xa, xb, filter_size, W_std, b_std)
        return pooled_one_layer(pa, pb, var_a, var_b, group=True, W_std=W_std, b_std=b_std,
                                activation=activation)
    inner = jnp.einsum("bpk,bdqk->bdpq", pa, pb) / (filter_size**2 * C)
    sigma = (W_std**2 * inner + b_std**2).reshape(B, 4, H, W, H, W)
    # Variances sit at r = r' (d = 0) and p = p': the same as for a plain conv layer.
    var_a, var_b = input_variances(xa, xb, filter_size, W_std, b_std)
    state = layers.KernelState(
        sigma, sigma, var_a[:, None, :, :, None, None], var_b[:, None, None, None, :, :]
    )
    state = layers.activation(state, activation)
    for _ in range(depth - 1):
        state = layers.activation(layers.conv(state, layers.GROUP, filter_size, W_std, b_std), activation)
    return layers.readout(state, (1, 2, 3, 4, 5), W_std, b_std)


@dataclasses.dataclass(frozen=True)
class GCNN(NeuralKernel):
    """Lifting ``Z2ConvP4``, ``depth − 1`` × ``P4ConvP4`` (each with activation), GroupPool, Dense.

    Invariant to 90° rotations and cyclic shifts of either input (group pooling).
    """

    depth: int = 1
    filter_size: int = 3
    W_std: float = 1.0
    b_std: float = 1.0
    activation: str = "relu"

    def __post_init__(self):
        validate_network(self)

    @property
    def name(self) -> str:
        return f"C4 group CNN (depth {self.depth})"

    @float64
    def nngp_ntk(self, x1, x2=None):
        a, b = image_inputs(x1, x2, self.filter_size)
        if a.shape[1] != a.shape[2]:  # a quarter turn maps only a square grid onto itself
            raise ValueError(f"x1 must hold square images (H = W) for the C4 group CNN, whose "
                             f"quarter turns map the pixel grid onto itself; got {a.shape[1]}×"
                             f"{a.shape[2]} images")
        compute = functools.partial(
            _group_pairs, depth=self.depth, filter_size=self.filter_size,
            W_std=self.W_std, b_std=self.b_std, activation=self.activation,
        )
        per_pair, max_pairs = pooled_chunking(self.depth, a.shape, blocks=4)
        gram = functools.partial(gram_by_pairs, compute, bytes_per_pair=per_pair, max_pairs=max_pairs)
        return invariant_gram(gram, a, b, "p4")


def gcnn(depth: int = 1, filter_size: int = 3, W_std: float = 1.0, b_std: float = 1.0,
         activation: str = "relu") -> GCNN:
    """NNGP/NTK of an infinite-width C4 ⋉ Z² group CNN with group pooling.

    Examples
    --------
    >>> image = np.random.default_rng(0).random((6, 6))
    >>> X = nv.datasets.orbit(image, N=4, action="rot90")     # turned by 0°, 90°, 180°, 270°
    >>> k = nv.kernels.gcnn(depth=1, filter_size=3)
    >>> K = k(X)                                  # the NTK; k.nngp(X) gives the NNGP
    >>> K.shape, bool(np.allclose(K, K[0, 0]))     # every quarter turn looks the same
    ((4, 4), True)
    """
    return GCNN(depth, filter_size, W_std, b_std, activation)
