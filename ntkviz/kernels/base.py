"""The kernel contract shared by every kernel in ``ntkviz.kernels``.

A kernel is a frozen (hashable) dataclass; calling it on ``(x1, x2=None)`` returns the Gram
matrix as a numpy float64 array of shape ``(n1, n2)`` (``x2=None`` means ``x2 = x1`` and gives
an exactly symmetric matrix). Neural kernels also expose ``ntk`` and ``nngp``; their call is
the NTK.
"""

from __future__ import annotations

import abc
import dataclasses

import numpy as np

from .._validate import as_finite_array

__all__ = ["Kernel", "NeuralKernel", "as_vectors", "as_images"]

#: The most entries ``n1 · n2`` of one Gram matrix (0.8 GB in float64, e.g. 10,000 × 10,000
#: points): more is refused before any work instead of exhausting the memory.
MAX_GRAM_ENTRIES = 10**8


def as_vectors(name: str, x) -> np.ndarray:
    """Inputs as an ``(n, d)`` float64 array; images ``(n, H, W[, C])`` are flattened."""
    x = as_finite_array(name, x, ndim=(2, 3, 4))
    return x.reshape(x.shape[0], -1)


def as_images(name: str, x) -> np.ndarray:
    """Inputs as an ``(n, H, W, C)`` float64 array; ``(n, H, W)`` gains one channel."""
    x = as_finite_array(name, x, ndim=(3, 4))
    if x.ndim == 3:
        x = x[..., None]
    if x.shape[1] < 1 or x.shape[2] < 1 or x.shape[3] < 1:
        raise ValueError(f"{name} must have non-empty image axes, got shape {x.shape}")
    return x


def check_same_features(x1: np.ndarray, x2: np.ndarray) -> None:
    """Raise unless two input batches agree in everything but the batch axis and their Gram
    matrix has at most ``MAX_GRAM_ENTRIES`` entries."""
    if x1.shape[1:] != x2.shape[1:]:
        raise ValueError(
            f"x1 and x2 must have the same shape apart from the first axis, "
            f"got {x1.shape} and {x2.shape}"
        )
    n1, n2 = x1.shape[0], x2.shape[0]
    if n1 * n2 > MAX_GRAM_ENTRIES:
        raise ValueError(
            f"x1 and x2 must give at most MAX_GRAM_ENTRIES = {MAX_GRAM_ENTRIES:,} Gram entries, "
            f"got {n1:,} × {n2:,} points"
        )


@dataclasses.dataclass(frozen=True)
class Kernel(abc.ABC):
    """A positive semi-definite kernel ``k(x, x')`` evaluated on batches of inputs."""

    @abc.abstractmethod
    def __call__(self, x1, x2=None) -> np.ndarray:
        """Gram matrix ``K[i, j] = k(x1[i], x2[j])``, float64 of shape ``(n1, n2)``."""

    @property
    def name(self) -> str:
        """A short human-readable label used in figure legends."""
        return type(self).__name__


@dataclasses.dataclass(frozen=True)
class NeuralKernel(Kernel):
    """An infinite-width network kernel: both the NNGP ``Σ`` and the NTK ``Θ``."""

    @abc.abstractmethod
    def nngp_ntk(self, x1, x2=None) -> tuple[np.ndarray, np.ndarray]:
        """Both kernels at once, ``(Σ, Θ)``, each float64 of shape ``(n1, n2)``."""

    def ntk(self, x1, x2=None) -> np.ndarray:
        """The neural tangent kernel ``Θ(x1, x2)``."""
        return self.nngp_ntk(x1, x2)[1]

    def nngp(self, x1, x2=None) -> np.ndarray:
        """The NNGP kernel ``Σ(x1, x2)`` (output covariance at initialisation)."""
        return self.nngp_ntk(x1, x2)[0]

    def __call__(self, x1, x2=None) -> np.ndarray:
        return self.ntk(x1, x2)
