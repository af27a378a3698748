"""Orbit geometry that tracks the spectrum (arXiv 2412.11521, Fig. 4D–E;
docs/theory.md#orbit-geometry).

The separation ``Δ² = ‖mean_k A_k − mean_k B_k‖²`` tracks ``λ_N``; the radius
``r = ‖X_0 − centroid‖`` (averaged over the orbits given) tracks ``1/⟨λ⁻¹⟩``.
"""

from __future__ import annotations

import numpy as np

from ._validate import as_finite_array

__all__ = ["orbit_separation_sq", "orbit_radius", "split_interleaved"]


def _points(name: str, orbit) -> np.ndarray:
    orbit = as_finite_array(name, orbit)
    if orbit.ndim < 2:
        raise ValueError(f"{name} must be a stack of orbit points (N, ...), got shape {orbit.shape}")
    return orbit.reshape(orbit.shape[0], -1)


def orbit_separation_sq(A, B) -> float:
    """Squared distance between the orbit centroids, ``Δ² = ‖mean_k A_k − mean_k B_k‖²``.

    Examples
    --------
    >>> X, y = nv.datasets.circle_pair(N=8, delta=0.5)
    >>> A, B = nv.geometry.split_interleaved(X)
    >>> print(f"{nv.geometry.orbit_separation_sq(A, B):.4f}")   # centroids (0, 0, ±δ/2)
    0.2500
    """
    A, B = _points("A", A), _points("B", B)
    if A.shape[1] != B.shape[1]:
        raise ValueError(f"A and B must have points of the same size, got {A.shape[1]} and {B.shape[1]}")
    return float(np.sum((A.mean(axis=0) - B.mean(axis=0)) ** 2))


def orbit_radius(A, B=None) -> float:
    """Distance of the first orbit point from the centroid, ``‖A_0 − mean_k A_k‖``.

    With ``B`` given, the mean of the two orbits' radii (the paper's ``r``).

    Examples
    --------
    >>> X, y = nv.datasets.circle_pair(N=8, delta=0.5)
    >>> A, B = nv.geometry.split_interleaved(X)
    >>> print(f"{nv.geometry.orbit_radius(A):.4f}, {nv.geometry.orbit_radius(A, B):.4f}")
    1.0000, 1.0000
    >>> digit = nv.datasets.mnist_test_set()[0][0]
    >>> A = nv.datasets.orbit(digit, N=4, action="rot90")   # unit norm: r² = 1 − ‖mean‖²
    >>> print(f"{nv.geometry.orbit_radius(A):.4f}, {np.sqrt(1 - np.sum(A.mean(axis=0) ** 2)):.4f}")
    0.8003, 0.8003
    """
    A = _points("A", A)
    radius = float(np.linalg.norm(A[0] - A.mean(axis=0)))
    if B is None:
        return radius
    B = _points("B", B)
    return 0.5 * (radius + float(np.linalg.norm(B[0] - B.mean(axis=0))))


def split_interleaved(X) -> tuple[np.ndarray, np.ndarray]:
    """Undo ``datasets.interleave``: rows ``0, 2, 4, …`` are orbit A, rows ``1, 3, …`` orbit B.

    Examples
    --------
    >>> X, y = nv.datasets.circle_pair(N=4)
    >>> A, B = nv.geometry.split_interleaved(X)
    >>> A.shape, B.shape
    ((4, 3), (4, 3))
    >>> bool(np.array_equal(nv.datasets.interleave(A, B)[0], X))   # interleave undoes it
    True
    """
    X = as_finite_array("X", X)
    if X.ndim < 1 or X.shape[0] % 2:
        raise ValueError(f"X must have an even number of rows (two interleaved orbits), got {X.shape}")
    return X[0::2], X[1::2]
