"""Infinite-width fully connected networks: NNGP and NTK of ``depth × [Dense, φ], Dense``."""

from __future__ import annotations

import dataclasses
import functools

import jax
import jax.numpy as jnp
import numpy as np

from . import layers
from ._network import bucket, validate_network
from ._x64 import float64, to_numpy
from .base import NeuralKernel, as_vectors, check_same_features

__all__ = ["MLP", "mlp"]


@functools.partial(jax.jit, static_argnames=("depth", "W_std", "b_std", "activation"))
def _mlp_kernels(sigma, var1, var2, *, depth, W_std, b_std, activation):
    state = layers.KernelState(sigma, jnp.zeros_like(sigma), var1[:, None], var2[None, :])
    for _ in range(depth):
        state = layers.activation(layers.dense(state, W_std, b_std), activation)
    state = layers.dense(state, W_std, b_std)
    return state.nngp, state.ntk


@dataclasses.dataclass(frozen=True)
class MLP(NeuralKernel):
    """``depth`` hidden layers ``[Dense(W_std, b_std), φ]`` and a Dense readout.

    Input covariance ``Σ⁰(x, x') = x·x'/d``; images are flattened.
    """

    depth: int = 1
    W_std: float = 1.0
    b_std: float = 1.0
    activation: str = "relu"

    def __post_init__(self):
        validate_network(self)

    @property
    def name(self) -> str:
        return f"MLP (depth {self.depth}, {self.activation})"

    @float64
    def nngp_ntk(self, x1, x2=None):
        a = as_vectors("x1", x1)
        b = a if x2 is None else as_vectors("x2", x2)
        check_same_features(a, b)
        d = a.shape[1]
        sigma = a @ b.T / d
        if x2 is None:
            sigma = 0.5 * (sigma + sigma.T)
        if x2 is None:
            var1 = var2 = np.diag(sigma).copy()  # bitwise equal to Σ(x, x): cos t = 1 exactly
        else:
            var1, var2 = np.einsum("ij,ij->i", a, a) / d, np.einsum("ij,ij->i", b, b) / d
        n1, n2 = sigma.shape
        m1, m2 = bucket(n1), bucket(n2)
        # Padding rows are harmless unit-variance inputs, cut off below.
        padded = np.zeros((m1, m2))
        padded[:n1, :n2] = sigma
        v1 = np.ones(m1)
        v1[:n1] = var1
        v2 = np.ones(m2)
        v2[:n2] = var2
        nngp, ntk = _mlp_kernels(
            jnp.asarray(padded), jnp.asarray(v1), jnp.asarray(v2),
            depth=self.depth, W_std=self.W_std, b_std=self.b_std, activation=self.activation,
        )
        nngp, ntk = to_numpy(nngp)[:n1, :n2], to_numpy(ntk)[:n1, :n2]
        if x2 is None:
            nngp, ntk = 0.5 * (nngp + nngp.T), 0.5 * (ntk + ntk.T)
        return nngp, ntk


def mlp(depth: int = 1, W_std: float = 1.0, b_std: float = 1.0, activation: str = "relu") -> MLP:
    """NNGP/NTK of an infinite-width MLP with ``depth`` hidden layers (ReLU or erf)."""
    return MLP(depth, W_std, b_std, activation)
