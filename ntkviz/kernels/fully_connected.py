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
            return _mlp_numpy(a, b, **settings)
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


def _mlp_numpy(a, b, *, depth, W_std, b_std, activation):
    """``(Σ, Θ)`` of ``depth × [Dense, φ], Dense`` in numpy, for small Gram matrices where the
    cost is the number of numpy calls rather than their size: the recursion of
    :func:`layers.dense`, :func:`layers.relu` and :func:`layers.erf` (docs/theory.md#relu-and-erf)
    with numpy's ``arccos`` / ``arcsin``, in place. ``b=None`` gives an exactly symmetric
    result: the variances are the diagonal (for ReLU read off it, for erf carried through the
    operations the diagonal goes through), so cos t = 1 exactly there, and products of the two
    sides are outer products of equal vectors. Multiplications by ``w² = 1`` and additions of
    ``b² = 0`` are skipped (they change no bit).
    """
    symmetric = b is None
    if symmetric:
        nngp = _input_covariance(a)
        var_a = var_b = np.diag(nngp).copy()
    else:
        d = a.shape[1]
        nngp = product(a, b) / d
        var_a, var_b = np.einsum("ij,ij->i", a, a) / d, np.einsum("ij,ij->i", b, b) / d
    w2, b2s = W_std**2, tuple(s**2 for s in b_std)
    ntk = np.zeros_like(nngp)
    buffers = np.empty_like(nngp), np.empty_like(nngp), np.empty(nngp.shape, dtype=bool)
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
        if activation == "relu":
            root_a = np.sqrt(nngp.diagonal() if symmetric else w2 * var_a + b2)
            root_b = root_a if symmetric else np.sqrt(w2 * var_b + b2)
            nngp = _relu_step(nngp, ntk, root_a, root_b, *buffers)
            if not symmetric:  # t = 0: the operations of the diagonal
                var_a = math.pi * ((root_a * root_a) * layers.INV_2PI)
                var_b = math.pi * ((root_b * root_b) * layers.INV_2PI)
        else:
            var_a = w2 * var_a + b2
            var_b = var_a if symmetric else w2 * var_b + b2
            nngp, var_a, var_b = _erf_step(nngp, ntk, var_a, var_b, symmetric)


def _relu_step(nngp, ntk, root_a, root_b, gap, tmp, snap):
    """One ReLU layer, in place (``nngp`` becomes the returned Σ): ``cos t = Σ / √(q q')``
    snapped to ±1 within a few ulps, ``Θ ← Θ (π − t) / 2π``,
    ``Σ ← √(q q') (sin t + (π − t) cos t) / 2π`` with ``π − t`` as ``arccos(−cos t)`` and
    ``sin t`` as ``√(1 − cos² t)`` (numpy's ``sin`` is 4× slower than the three calls)."""
    outer = np.multiply.outer(root_a, root_b)
    cos = np.divide(nngp, outer, out=nngp)
    np.greater_equal(np.abs(cos, out=tmp), 1.0 - layers.SNAP, out=snap)
    np.copysign(1.0, cos, out=cos, where=snap)
    np.arccos(np.negative(cos, out=gap), out=gap)  # π − t
    ntk *= gap
    ntk *= layers.INV_2PI
    np.multiply(cos, cos, out=tmp)
    np.subtract(1.0, tmp, out=tmp)
    np.sqrt(tmp, out=tmp)  # sin t
    cos *= gap
    cos += tmp
    outer *= layers.INV_2PI
    cos *= outer
    return cos


def _erf_step(nngp, ntk, var_a, var_b, symmetric):
    """One erf layer: ``Σ ← (2/π) asin(2Σ/√((1+2q)(1+2q')))``,
    ``Θ ← Θ (4/π) / √((1+2q)(1+2q') − 4Σ²)``."""
    ca, cb = 1.0 + 2.0 * var_a, 1.0 + 2.0 * var_b
    prod = np.multiply.outer(ca, cb)
    new = (2 / math.pi) * np.arcsin(np.clip(2.0 * nngp / np.sqrt(prod), -1.0, 1.0))
    ntk *= (4 / math.pi) / np.sqrt(np.maximum(prod - 4.0 * nngp**2, 1e-300))
    var_a = (2 / math.pi) * np.arcsin(np.clip(2.0 * var_a / ca, -1.0, 1.0))
    return new, var_a, var_a if symmetric else (2 / math.pi) * np.arcsin(
        np.clip(2.0 * var_b / cb, -1.0, 1.0))


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

    Examples
    --------
    >>> X, y = nv.datasets.circle_pair(N=8, delta=1.0)
    >>> k = nv.kernels.mlp(depth=2, activation="relu")
    >>> K = k(X)                                  # calling the kernel gives the NTK
    >>> print(f"NTK {K[0, 0]:.4f}, NNGP {k.nngp(X)[0, 0]:.4f}")
    NTK 3.0625, NNGP 1.8542
    >>> nv.spectral.is_circulant(K)               # a dot-product kernel on the circle pair
    True
    >>> print(f"{nv.spectral.spectral_error(K):.4f}")
    0.1362
    """
    return MLP(depth, W_std, b_std, activation)
