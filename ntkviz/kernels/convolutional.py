"""Infinite-width CNNs: ``depth × [Conv(f×f, circular), φ]``, a flatten or GAP readout, Dense.

Flatten readouts need only the pixel diagonal ``Σ[p, p]`` (the conv recursion maps the diagonal
to itself), so their cost is linear in the number of pixels. Global average pooling needs the
full pixel-pair tensor ``Σ[p, p']``: the first layer is one batched product of filter patches,
later layers a joint circular box filter over both pixels.
"""

from __future__ import annotations

import dataclasses
import functools

import jax
import jax.numpy as jnp

from .._validate import check_choice, check_int
from . import layers
from ._pairwise import gram_by_pairs, patches
from ._x64 import float64
from .base import NeuralKernel, as_images, check_same_features
from .fully_connected import check_hyperparameters

__all__ = ["CNN", "cnn", "READOUTS"]

READOUTS = ("flatten", "gap")


def check_filter_size(filter_size, image_shape=None) -> int:
    """An odd filter size ≥ 1 that fits the image (circular padding needs f ≤ H, W)."""
    filter_size = check_int("filter_size", filter_size, minimum=1)
    if filter_size % 2 == 0:
        raise ValueError(f"filter_size must be odd (centred filters), got {filter_size}")
    if image_shape is not None and filter_size > min(image_shape):
        raise ValueError(f"filter_size must be at most the image side {min(image_shape)}, got {filter_size}")
    return filter_size


def input_variances(xa, xb, filter_size, W_std, b_std):
    """Pixel variances after the first conv, ``W² box(Σ_c x²/C) + b²``, each (B, H, W)."""
    C = xa.shape[-1]

    def var(x):
        return W_std**2 * layers._box(jnp.sum(x * x, -1) / C, (1, 2), (1, 2), filter_size) + b_std**2

    return var(xa), var(xb)


@functools.partial(jax.jit, static_argnames=("depth", "filter_size", "W_std", "b_std", "activation"))
def _flatten_pairs(xa, xb, *, depth, filter_size, W_std, b_std, activation):
    C = xa.shape[-1]
    sigma = W_std**2 * layers._box(jnp.sum(xa * xb, -1) / C, (1, 2), (1, 2), filter_size) + b_std**2
    var_a, var_b = input_variances(xa, xb, filter_size, W_std, b_std)
    state = layers.KernelState(sigma, sigma, var_a, var_b)
    state = layers.activation(state, activation)
    for _ in range(depth - 1):
        state = layers.activation(layers.conv(state, layers.DIAGONAL, filter_size, W_std, b_std), activation)
    return layers.readout(state, (1, 2), W_std, b_std)


@functools.partial(jax.jit, static_argnames=("depth", "filter_size", "W_std", "b_std", "activation"))
def _gap_pairs(xa, xb, *, depth, filter_size, W_std, b_std, activation):
    B, H, W, C = xa.shape
    pa, pb = patches(xa, filter_size), patches(xb, filter_size)
    inner = jnp.einsum("bpk,bqk->bpq", pa, pb) / (filter_size**2 * C)
    sigma = (W_std**2 * inner + b_std**2).reshape(B, H, W, H, W)
    var_a, var_b = input_variances(xa, xb, filter_size, W_std, b_std)
    state = layers.KernelState(sigma, sigma, var_a[:, :, :, None, None], var_b[:, None, None, :, :])
    state = layers.activation(state, activation)
    for _ in range(depth - 1):
        state = layers.activation(layers.conv(state, layers.PIXEL_PAIRS, filter_size, W_std, b_std), activation)
    return layers.readout(state, (1, 2, 3, 4), W_std, b_std)


@dataclasses.dataclass(frozen=True)
class CNN(NeuralKernel):
    """``depth`` circular ``f × f`` conv layers with activation, then ``readout`` and Dense."""

    depth: int = 1
    filter_size: int = 3
    readout: str = "flatten"
    W_std: float = 1.0
    b_std: float = 1.0
    activation: str = "relu"

    def __post_init__(self):
        object.__setattr__(self, "depth", check_int("depth", self.depth, minimum=1, maximum=100))
        object.__setattr__(self, "filter_size", check_filter_size(self.filter_size))
        object.__setattr__(self, "readout", check_choice("readout", self.readout, READOUTS))
        W, b, act = check_hyperparameters(self.W_std, self.b_std, self.activation)
        object.__setattr__(self, "W_std", W)
        object.__setattr__(self, "b_std", b)
        object.__setattr__(self, "activation", act)

    @property
    def name(self) -> str:
        return f"CNN ({self.readout}, depth {self.depth})"

    @float64
    def nngp_ntk(self, x1, x2=None):
        a = as_images("x1", x1)
        b = None if x2 is None else as_images("x2", x2)
        if b is not None:
            check_same_features(a, b)
        check_filter_size(self.filter_size, a.shape[1:3])
        pixels = a.shape[1] * a.shape[2]
        if self.readout == "flatten":
            compute, per_pair = _flatten_pairs, 8 * 12 * pixels
        else:
            compute, per_pair = _gap_pairs, 8 * 6 * pixels**2
        compute = functools.partial(
            compute, depth=self.depth, filter_size=self.filter_size,
            W_std=self.W_std, b_std=self.b_std, activation=self.activation,
        )
        return gram_by_pairs(compute, a, b, per_pair)


def cnn(depth: int = 1, filter_size: int = 3, readout: str = "flatten", W_std: float = 1.0,
        b_std: float = 1.0, activation: str = "relu") -> CNN:
    """NNGP/NTK of an infinite-width circular CNN with a ``"flatten"`` or ``"gap"`` readout."""
    return CNN(depth, filter_size, readout, W_std, b_std, activation)
