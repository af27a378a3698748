"""Infinite-width fully connected networks: NNGP and NTK of ``depth × [Dense, φ], Dense``.

``b_std`` is one bias scale for every Dense layer or one per layer (the readout last; 0 is a layer
without bias), e.g. ``mlp(depth=3, b_std=(1, 1, 0, 1))`` for Dense(b=1)-ReLU-Dense(b=1)-ReLU-
Dense(no bias)-ReLU-Dense(b=1), the network of Neural kernel theory of symmetry learning
(arXiv 2412.11521, App. B.3).
"""

from __future__ import annotations

import dataclasses
import functools
import math

import jax
import jax.numpy as jnp
import numpy as np

from .._blas import product
from . import layers
from ._network import bucket, validate_network
from ._x64 import enable_x64, to_numpy
from .base import NeuralKernel, as_vectors, check_same_features

__all__ = ["MLP", "mlp"]


@functools.partial(jax.jit, static_argnames=("depth", "W_std", "b_std", "activation"))
def _mlp_kernels(sigma, var1, var2, *, depth, W_std, b_std, activation):
    """``b_std``: one value per Dense layer (a tuple of ``depth + 1``)."""
    state = layers.KernelState(sigma, jnp.zeros_like(sigma), var1[:, None], var2[None, :])
    for layer in range(depth):
        state = layers.activation(layers.dense(state, W_std, b_std[layer]), activation)
    state = layers.dense(state, W_std, b_std[depth])
    return state.nngp, state.ntk


@dataclasses.dataclass(frozen=True)
class MLP(NeuralKernel):
    """``depth`` hidden layers ``[Dense(W_std, b_std), φ]`` and a Dense readout.

    Input covariance ``Σ⁰(x, x') = x·x'/d``; images are flattened. ``b_std`` is a number (every
    layer) or a tuple of ``depth + 1`` numbers, one per Dense layer, the readout last.
    """

    depth: int = 1
    W_std: float = 1.0
    b_std: float | tuple[float, ...] = 1.0
    activation: str = "relu"

    def __post_init__(self):
        validate_network(self, per_layer_b_std=True)

    @property
    def layer_b_std(self) -> tuple[float, ...]:
        """The bias scale of each Dense layer (``depth + 1`` values, the readout last)."""
        if isinstance(self.b_std, tuple):
            return self.b_std
        return (self.b_std,) * (self.depth + 1)

    @property
    def name(self) -> str:
        return f"MLP (depth {self.depth}, {self.activation})"

    def nngp_ntk(self, x1, x2=None):
        a = as_vectors("x1", x1)
        b = None if x2 is None else as_vectors("x2", x2)
        if b is not None:
            check_same_features(a, b)
        settings = dict(depth=self.depth, W_std=self.W_std, b_std=self.layer_b_std,
                        activation=self.activation)
        n1 = a.shape[0]
        if _numpy_path(n1 * (n1 if b is None else b.shape[0])):
            if b is None and self.activation == "relu":
                return _relu_symmetric(_input_covariance(a), self.depth, self.W_std**2,
                                       tuple(b**2 for b in self.layer_b_std))
            return _mlp_small(a, b, **settings)
        # One compiled call on numpy inputs (padded to a size bucket): for small Gram matrices
        # the cost is per-call overhead, and handing JAX numpy arrays directly is the cheapest.
        with enable_x64(True):
            if b is None:
                nngp, ntk = _mlp_symmetric(_pad_to_bucket(a), np.int32(n1), **settings)
                return to_numpy(nngp)[:n1, :n1], to_numpy(ntk)[:n1, :n1]
            n2 = b.shape[0]
            nngp, ntk = _mlp_cross(_pad_to_bucket(a), _pad_to_bucket(b), np.int32(n1), np.int32(n2),
                                   **settings)
            return to_numpy(nngp)[:n1, :n2], to_numpy(ntk)[:n1, :n2]


#: Gram matrices up to this many entries are computed in numpy, at every depth: a compiled XLA
#: call costs tens of µs of dispatch, and numpy's arc-cosine and single-threaded BLAS product
#: are faster than XLA's float64 ones at every size measured (784 features, load ~2:
#: 256² entries depth 1 / 5: 3.1 / 5.4 ms against 4.6 / 57 ms; 2048²: 235 / 440 ms against
#: 604 / 6964 ms). Larger Grams go through the compiled recursion.
NUMPY_ENTRIES = 2048 * 2048


def _numpy_path(entries: int) -> bool:
    """Whether a Gram of ``entries`` entries is computed in numpy (else one compiled call)."""
    return entries <= NUMPY_ENTRIES


def _input_covariance(a: np.ndarray) -> np.ndarray:
    """``Σ⁰ = a aᵀ / d``, made exactly symmetric."""
    sigma = product(a, a)
    sigma += sigma.T  # numpy buffers the overlapping transpose
    sigma *= 0.5 / a.shape[1]
    return sigma


def _relu_symmetric(sigma: np.ndarray, depth: int, w2: float, b2s: tuple[float, ...]):
    """``(Σ, Θ)`` of ``depth × [Dense, ReLU], Dense`` for ``x2 = None`` from ``Σ⁰`` (overwritten);
    ``b2s``: the squared bias scale of each Dense layer.

    The recursion of :func:`layers.dense` / :func:`layers.relu` (arc-cosine map of order 1,
    docs/theory.md#relu-and-erf) for small Gram matrices, where the cost is the number of numpy
    calls rather than their size: the variances Σ(x, x) are read off the diagonal instead of being
    carried alongside, buffers are reused, ``sin t`` is ``√(1 − cos² t)`` (numpy's ``sin`` is 4×
    slower than the three calls), and multiplications by ``w² = 1`` / additions of ``b² = 0`` are
    skipped (they change no bit). Every step maps a symmetric matrix to a symmetric one, bitwise.
    """
    nngp, ntk = sigma, np.zeros_like(sigma)
    gap, tmp = np.empty_like(sigma), np.empty_like(sigma)
    snap = np.empty(sigma.shape, dtype=bool)
    threshold = 1.0 - layers._SNAP
    for layer in range(depth + 1):
        # Dense: Σ ← w²Σ + b², Θ ← w²Θ + Σ
        b2 = b2s[layer]
        if w2 != 1.0:
            nngp *= w2
            ntk *= w2
        if b2 != 0.0:
            nngp += b2
        ntk += nngp
        if layer == depth:
            return nngp, ntk
        # ReLU: cos t = Σ / √(Σ(x, x) Σ(x', x')), snapped to ±1 within a few ulps (exact diagonal)
        root = np.sqrt(nngp.diagonal())
        outer = root[:, None] * root
        cos = np.divide(nngp, outer, out=nngp)
        np.greater_equal(np.abs(cos, out=tmp), threshold, out=snap)
        np.copysign(1.0, cos, out=cos, where=snap)
        np.arccos(np.negative(cos, out=gap), out=gap)  # π − t
        ntk *= gap
        ntk *= layers._INV_2PI  # Θ ← Θ (π − t) / 2π
        np.multiply(cos, cos, out=tmp)
        np.subtract(1.0, tmp, out=tmp)
        np.sqrt(tmp, out=tmp)  # sin t
        cos *= gap
        cos += tmp
        outer *= layers._INV_2PI
        cos *= outer  # Σ ← √(Σ(x,x) Σ(x',x')) (sin t + (π − t) cos t) / 2π
        nngp = cos


def _mlp_small(a, b, *, depth, W_std, b_std, activation):
    """The recursion of :func:`_mlp_kernels` (the same operations, numpy's ``arccos`` /
    ``arcsin``) for small Gram matrices; ``b=None`` gives an exactly symmetric result."""
    d = a.shape[1]
    if b is None:
        sigma = _input_covariance(a)
        var1 = var2 = np.diag(sigma).copy()  # bitwise equal to Σ(x, x): cos t = 1 exactly
    else:
        sigma = product(a, b) / d
        var1, var2 = np.einsum("ij,ij->i", a, a) / d, np.einsum("ij,ij->i", b, b) / d
    w2, b2s = W_std**2, tuple(s**2 for s in b_std)
    # In-place updates (few allocations: at these sizes each numpy call costs ~1 µs). Products
    # of the two sides are formed as outer products first, so for b=None every step maps a
    # symmetric matrix to a symmetric one, bitwise.
    nngp, ntk, va, vb = sigma.copy(), np.zeros_like(sigma), var1, var2
    for layer in range(depth):
        b2 = b2s[layer]
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
    nngp += b2s[depth]
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


def mlp(depth: int = 1, W_std: float = 1.0, b_std=1.0, activation: str = "relu") -> MLP:
    """NNGP/NTK of an infinite-width MLP with ``depth`` hidden layers (ReLU or erf).

    ``b_std``: one bias scale for every Dense layer, or a sequence of ``depth + 1`` (one per
    Dense layer, the readout last; 0 for a layer without bias).
    """
    return MLP(depth, W_std, b_std, activation)
