"""Orbit-averaged kernels: the infinite-width limit of full data augmentation
(docs/theory.md#orbit-averaged-kernels)."""

from __future__ import annotations

import dataclasses

import numpy as np

from .._validate import check_choice, check_int
from ..datasets import ACTIONS, transform
from .base import Kernel, NeuralKernel, as_finite_array, check_same_features

__all__ = ["OrbitAverage", "orbit_average"]


@dataclasses.dataclass(frozen=True)
class OrbitAverage(NeuralKernel):
    """``k_G(x, x') = (1/|G|) Σ_g k(x, g·x')`` over the N-element ``action``
    (docs/theory.md#orbit-averaged-kernels).

    ``g`` is the raw group action of :func:`ntkviz.datasets.transform` (no re-normalisation).
    For an exact action (``"rot90"``, ``"shift"``) and a kernel invariant under acting on both
    inputs (every built-in kernel), this is the kernel of ``x ↦ mean_g f(g·x)``, symmetric and
    exactly invariant in each argument. Interpolated rotations are not a group action on the
    pixel grid, so the formula is evaluated symmetrised,
    ``½ (1/|G|) Σ_g [k(x, g·x') + k(g·x, x')]``, which keeps ``K(x1, x2) = K(x2, x1)ᵀ``.
    """

    base: Kernel
    action: str = "rot90"
    N: int = 4

    def __post_init__(self):
        if not isinstance(self.base, Kernel):
            raise TypeError(f"base_kernel must be an ntkviz kernel, got {type(self.base).__name__}")
        check_choice("action", self.action, ACTIONS)
        object.__setattr__(self, "N", check_int("N", self.N, minimum=1, maximum=4096))

    @property
    def name(self) -> str:
        return f"orbit-averaged {self.base.name} ({self.action}, N = {self.N})"

    def _orbit_of(self, x: np.ndarray) -> np.ndarray:
        """(N·n, ...) with rows ordered (g, image)."""
        return np.concatenate([np.stack([transform(img, k, self.N, self.action) for img in x]) for k in range(self.N)])

    def _average(self, evaluate, x1, x2):
        a = as_finite_array("x1", x1, ndim=(3, 4))
        b = a if x2 is None else as_finite_array("x2", x2, ndim=(3, 4))
        check_same_features(a, b)
        try:
            transform(a[0], 0, self.N, self.action)  # checks the action's needs on this shape
        except ValueError as error:  # e.g. non-square images for rot90: say which input
            raise ValueError(f"x1 and x2 do not fit the orbit average: {error}") from None
        n1, n2 = a.shape[0], b.shape[0]
        forward = [K.reshape(n1, self.N, n2).mean(axis=1) for K in evaluate(a, self._orbit_of(b))]
        if x2 is None:
            return [0.5 * (K + K.T) for K in forward]
        backward = [K.reshape(n2, self.N, n1).mean(axis=1).T for K in evaluate(b, self._orbit_of(a))]
        return [0.5 * (F + G) for F, G in zip(forward, backward)]

    def nngp_ntk(self, x1, x2=None):
        if not isinstance(self.base, NeuralKernel):
            raise TypeError(f"{self.base.name} has no NNGP/NTK pair; call the kernel instead")
        nngp, ntk = self._average(lambda a, b: self.base.nngp_ntk(a, b), x1, x2)
        return nngp, ntk

    def __call__(self, x1, x2=None) -> np.ndarray:
        (K,) = self._average(lambda a, b: (self.base(a, b),), x1, x2)
        return K


def orbit_average(base_kernel: Kernel, action: str = "rot90", N: int = 4) -> OrbitAverage:
    """Average ``base_kernel`` over the orbit of its second argument (augmentation limit).

    Examples
    --------
    >>> image = np.random.default_rng(0).random((6, 6))
    >>> X = nv.datasets.orbit(image, N=4, action="rot90")     # turned by 0°, 90°, 180°, 270°
    >>> base = nv.kernels.mlp(depth=1)
    >>> k = nv.kernels.orbit_average(base, action="rot90", N=4)
    >>> bool(np.allclose(base(X), base(X)[0, 0])), bool(np.allclose(k(X), k(X)[0, 0]))
    (False, True)

    The plain MLP tells the four turns apart; its orbit average, the kernel of a network trained
    with every turn of every image, does not.
    """
    return OrbitAverage(base_kernel, action, N)
