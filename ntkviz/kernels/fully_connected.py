"""Infinite-width fully connected networks: NNGP and NTK of ``depth × [Dense, φ], Dense``."""

from __future__ import annotations

import dataclasses
import functools
import math

import jax
import jax.numpy as jnp
import numpy as np

from . import layers
from ._network import bucket, validate_network
from ._x64 import enable_x64, float64, to_numpy
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
        b = None if x2 is None else as_vectors("x2", x2)
        if b is not None:
            check_same_features(a, b)
        settings = dict(depth=self.depth, W_std=self.W_std, b_std=self.b_std, activation=self.activation)
        n1 = a.shape[0]
        if _numpy_path(n1 * (n1 if b is None else b.shape[0]), self.depth):
            return _mlp_small(a, b, **settings)
        # One compiled call on numpy inputs (padded to a size bucket): for small Gram matrices
        # the cost is per-call overhead, and handing JAX numpy arrays directly is the cheapest.
        if b is None:
            nngp, ntk = _mlp_symmetric(_pad_to_bucket(a), np.int32(n1), **settings)
            return to_numpy(nngp)[:n1, :n1], to_numpy(ntk)[:n1, :n1]
        n2 = b.shape[0]
        nngp, ntk = _mlp_cross(_pad_to_bucket(a), _pad_to_bucket(b), np.int32(n1), np.int32(n2), **settings)
        return to_numpy(nngp)[:n1, :n2], to_numpy(ntk)[:n1, :n2]


#: Gram matrices up to this many entries are computed in numpy: a compiled XLA call costs
#: ~0.1 ms of dispatch here, more than the whole numpy recursion at small sizes, and numpy's
#: arc-cosine is cheaper than XLA's float64 one (measured unloaded, 784 features, one BLAS
#: thread: 128² entries depth 1 0.68 vs 0.85 ms, depth 5 1.1 vs 5.7 ms).
NUMPY_ENTRIES = 256 * 256
#: Deeper networks are dominated by the per-layer arc-cosine, where numpy stays ~5× faster at
#: every size measured (1024² entries, depth 5: 87 vs 440 ms); one layer at 512² and above is
#: dominated by the product, where XLA is faster (8 vs 15 ms).
NUMPY_ENTRIES_DEEP = 2048 * 2048


#: Above this many Gram entries the input product ``a bᵀ`` goes through XLA: numpy's
#: multi-threaded BLAS product stalled on a loaded machine (128 × 784 images: 20–70 ms instead
#: of 0.3 ms, threads waiting for a busy core), XLA's stayed at ~0.3 ms.
BLAS_ENTRIES = 64 * 64


@jax.jit
def _xla_product(a, b):
    return a @ b.T


def _product(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``a bᵀ`` in float64: numpy for small Grams, one compiled XLA product above."""
    if a.shape[0] * b.shape[0] <= BLAS_ENTRIES:
        return a @ b.T
    with enable_x64(True):
        return np.array(_xla_product(a, b), dtype=np.float64)


def _numpy_path(entries: int, depth: int) -> bool:
    """Whether a Gram of ``entries`` entries is computed in numpy (else one compiled call)."""
    return entries <= NUMPY_ENTRIES or (depth > 1 and entries <= NUMPY_ENTRIES_DEEP)


def _mlp_small(a, b, *, depth, W_std, b_std, activation):
    """The recursion of :func:`_mlp_kernels` (the same operations, numpy's ``arccos`` /
    ``arcsin``) for small Gram matrices; ``b=None`` gives an exactly symmetric result."""
    d = a.shape[1]
    if b is None:
        sigma = _product(a, a) / d
        sigma = 0.5 * (sigma + sigma.T)
        var1 = var2 = np.diag(sigma).copy()  # bitwise equal to Σ(x, x): cos t = 1 exactly
    else:
        sigma = _product(a, b) / d
        var1, var2 = np.einsum("ij,ij->i", a, a) / d, np.einsum("ij,ij->i", b, b) / d
    w2, b2 = W_std**2, b_std**2
    # In-place updates (few allocations: at these sizes each numpy call costs ~1 µs). Products
    # of the two sides are formed as outer products first, so for b=None every step maps a
    # symmetric matrix to a symmetric one, bitwise.
    nngp, ntk, va, vb = sigma.copy(), np.zeros_like(sigma), var1, var2
    for _ in range(depth):
        nngp *= w2
        nngp += b2
        ntk *= w2
        ntk += nngp
        va, vb = w2 * va + b2, w2 * vb + b2
        if activation == "relu":
            inv_a, inv_b = 1.0 / np.sqrt(va), 1.0 / np.sqrt(vb)
            root_a, root_b = va * inv_a, vb * inv_b
            cos = nngp * np.multiply.outer(inv_a, inv_b)
            snap = np.abs(cos) >= 1.0 - layers._SNAP  # t = 0 or π to round-off: exact diagonal
            cos[snap] = np.sign(cos[snap])
            gap = math.pi - np.arccos(cos)  # π − t
            nngp = np.sqrt(1.0 - cos * cos)
            cos *= gap
            nngp += cos
            nngp *= np.multiply.outer(root_a, root_b) * layers._INV_2PI
            gap *= layers._INV_2PI
            ntk *= gap
            va = math.pi * ((root_a * root_a) * layers._INV_2PI)  # the same operations at t = 0
            vb = math.pi * ((root_b * root_b) * layers._INV_2PI)
        else:
            ca, cb = 1.0 + 2.0 * va, 1.0 + 2.0 * vb
            prod = np.multiply.outer(ca, cb)
            new = (2 / math.pi) * np.arcsin(np.clip(2.0 * nngp / np.sqrt(prod), -1.0, 1.0))
            ntk *= (4 / math.pi) / np.sqrt(np.maximum(prod - 4.0 * nngp**2, 1e-300))
            nngp = new
            va = (2 / math.pi) * np.arcsin(np.clip(2.0 * va / ca, -1.0, 1.0))
            vb = (2 / math.pi) * np.arcsin(np.clip(2.0 * vb / cb, -1.0, 1.0))
    nngp *= w2
    nngp += b2
    ntk *= w2
    ntk += nngp
    return nngp, ntk


def _pad_to_bucket(x: np.ndarray) -> np.ndarray:
    m = bucket(x.shape[0])
    return x if m == x.shape[0] else np.concatenate([x, np.zeros((m - x.shape[0], x.shape[1]))])


_SETTINGS = ("depth", "W_std", "b_std", "activation")


@functools.partial(jax.jit, static_argnames=_SETTINGS)
def _mlp_symmetric(a, n, *, depth, W_std, b_std, activation):
    """``(Σ, Θ)`` of ``x2=None`` on inputs padded with zero rows beyond ``n``.

    ``Σ⁰`` is symmetrised and the variances are its diagonal, bitwise (so cos t = 1 exactly on
    the diagonal); padding rows get unit variance (harmless, cut off by the caller). The
    outputs are symmetrised as well: the Gram matrix is exactly symmetric.
    """
    sigma = a @ a.T / a.shape[1]
    sigma = 0.5 * (sigma + sigma.T)
    var = jnp.where(jnp.arange(a.shape[0]) < n, jnp.diagonal(sigma), 1.0)
    nngp, ntk = _mlp_kernels(sigma, var, var, depth=depth, W_std=W_std, b_std=b_std, activation=activation)
    return 0.5 * (nngp + nngp.T), 0.5 * (ntk + ntk.T)


@functools.partial(jax.jit, static_argnames=_SETTINGS)
def _mlp_cross(a, b, n1, n2, *, depth, W_std, b_std, activation):
    """``(Σ, Θ)`` between two input batches padded with zero rows beyond ``n1`` / ``n2``."""
    d = a.shape[1]
    var1 = jnp.where(jnp.arange(a.shape[0]) < n1, jnp.einsum("ij,ij->i", a, a) / d, 1.0)
    var2 = jnp.where(jnp.arange(b.shape[0]) < n2, jnp.einsum("ij,ij->i", b, b) / d, 1.0)
    return _mlp_kernels(a @ b.T / d, var1, var2, depth=depth, W_std=W_std, b_std=b_std, activation=activation)


def mlp(depth: int = 1, W_std: float = 1.0, b_std: float = 1.0, activation: str = "relu") -> MLP:
    """NNGP/NTK of an infinite-width MLP with ``depth`` hidden layers (ReLU or erf)."""
    return MLP(depth, W_std, b_std, activation)
