"""The RBF (squared-exponential) kernel of the circle toy model (docs/theory.md#the-rbf-kernel)."""

from __future__ import annotations

import dataclasses

import numpy as np

from .._validate import check_real
from .base import Kernel, as_vectors, check_same_features

__all__ = ["RBF", "rbf"]


@dataclasses.dataclass(frozen=True)
class RBF(Kernel):
    """``k(x, x') = exp(−‖x − x'‖² / (2ℓ²))``; stationary, so orbit Gram matrices are circulant."""

    length_scale: float = 1.0

    def __post_init__(self):
        object.__setattr__(
            self, "length_scale", check_real("length_scale", self.length_scale, minimum=0.0, strict_minimum=True)
        )

    def __call__(self, x1, x2=None) -> np.ndarray:
        a = as_vectors("x1", x1)
        b = a if x2 is None else as_vectors("x2", x2)
        check_same_features(a, b)
        # ‖a−b‖² from differences, not from norms: exact zeros on the diagonal and no
        # cancellation for nearby points (which decide the small eigenvalues).
        sq = ((a[:, None, :] - b[None, :, :]) ** 2).sum(-1)
        K = np.exp(-sq / (2.0 * np.square(self.length_scale)))  # ℓ > 1e154: ℓ² = inf, K = 1
        if x2 is None:
            K = 0.5 * (K + K.T)
        return K

    @property
    def name(self) -> str:
        return f"RBF (ℓ = {self.length_scale:g})"


def rbf(length_scale: float = 1.0) -> RBF:
    """The RBF kernel with length scale ``ℓ`` > 0 (docs/theory.md#the-rbf-kernel).

    Examples
    --------
    >>> X, y = nv.datasets.circle_pair(N=8, delta=1.0)
    >>> k = nv.kernels.rbf(length_scale=1.0)
    >>> K = k(X)                                  # Gram matrix of the 16 points
    >>> K.shape, float(K[0, 0]), nv.spectral.is_circulant(K)
    ((16, 16), 1.0, True)
    >>> print(f"{K[0, 1]:.4f}")                   # exp(−‖x_A − x_B‖² / 2)
    0.5621
    """
    return RBF(length_scale)
