"""Block-circulant matrices over element-major orbits: the point order, the first block row
from a kernel or a Gram matrix, the dense matrix, the nearest block-circulant matrix and the
product with a vector (docs/theory.md#the-block-circulant-solver).

Every public function checks its arguments; the ``_``-prefixed cores take clean arrays.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from .._validate import as_finite_array, check_allocation, check_int, check_real, check_square
from ..kernels.base import MAX_GRAM_ENTRIES

__all__ = ["element_major", "point_index", "first_block_row", "from_gram",
           "block_circulant_deviation", "block_row_average", "block_circularize",
           "block_circulant_dense", "block_circulant_matvec", "as_columns", "dense", "matvec"]


def _check_orbits(orbits) -> np.ndarray:
    orbits = as_finite_array("orbits", orbits)
    if orbits.ndim < 3:
        raise ValueError(
            f"orbits must have shape (M orbits, N elements, features...), got shape {orbits.shape}"
        )
    if orbits.shape[0] < 1 or orbits.shape[1] < 1:
        raise ValueError(
            f"orbits must hold at least one orbit and one element, got shape {orbits.shape}"
        )
    return orbits


def _check_sizes(K, M, N) -> tuple[np.ndarray, int, int]:
    K = check_square("K", K)
    M = check_int("M", M, minimum=1)
    N = check_int("N", N, minimum=1)
    if K.shape[0] != M * N:
        raise ValueError(
            f"K must be (M·N)×(M·N) = {M * N}×{M * N} for M={M}, N={N}, got shape {K.shape}"
        )
    return K, M, N


def as_columns(name: str, Y, n: int) -> tuple[np.ndarray, bool]:
    """``Y`` (``(n,)`` or ``(n, T)``, finite) as columns ``(n, T)``, and whether it was a vector."""
    Y = as_finite_array(name, Y, ndim=(1, 2))
    if Y.shape[0] != n:
        raise ValueError(
            f"{name} must have {n} rows (one per point, element-major), got shape {Y.shape}"
        )
    return (Y[:, None], True) if Y.ndim == 1 else (Y, False)


def element_major(orbits) -> np.ndarray:
    """``(M, N, ...)`` orbits → ``(M·N, ...)`` points with point ``(g, m)`` at row ``g·M + m``.

    Examples
    --------
    >>> orbits = np.arange(6.0).reshape(2, 3, 1)  # M = 2 orbits of N = 3 one-number points
    >>> nv.block_circulant.element_major(orbits)[:, 0].tolist()
    [0.0, 3.0, 1.0, 4.0, 2.0, 5.0]
    >>> X, y = nv.datasets.circle_pair(N=4)       # the circle pair is element-major already
    >>> bool(np.array_equal(nv.block_circulant.element_major(np.stack([X[0::2], X[1::2]])), X))
    True
    """
    return _element_major(_check_orbits(orbits))


def _element_major(orbits: np.ndarray) -> np.ndarray:
    M, N = orbits.shape[:2]
    return np.swapaxes(orbits, 0, 1).reshape((M * N,) + orbits.shape[2:])


def point_index(element, orbit, M: int) -> np.ndarray:
    """Element-major index ``g·M + m`` of element ``g`` of orbit ``m`` (broadcasting).

    Examples
    --------
    >>> nv.block_circulant.point_index(2, 1, M=3).tolist()              # 2·3 + 1
    7
    >>> nv.block_circulant.point_index(0, np.arange(3), M=3).tolist()   # element 0 of each orbit
    [0, 1, 2]
    """
    M = check_int("M", M, minimum=1, maximum=MAX_GRAM_ENTRIES)
    try:
        element = np.asarray(element, dtype=int)
        orbit = np.asarray(orbit, dtype=int)
    except (TypeError, ValueError, OverflowError) as error:
        raise TypeError(f"element and orbit must be integer indices: {error}") from None
    try:
        np.broadcast_shapes(element.shape, orbit.shape)
    except ValueError:
        raise ValueError(f"element and orbit must broadcast together, got shapes "
                         f"{element.shape} and {orbit.shape}") from None
    if np.any(orbit < 0) or np.any(orbit >= M):
        raise ValueError(f"orbit must hold indices in [0, {M - 1}], got {np.ravel(orbit).tolist()}")
    if np.any(element < 0):
        raise ValueError(f"element must be >= 0, got {np.ravel(element).tolist()}")
    return element * M + orbit


def first_block_row(kernel: Callable, orbits) -> np.ndarray:
    """The first block row ``C_d = K(X_0, X_d)``, shape ``(N, M, M)``, from one kernel call.

    ``kernel`` is any callable ``k(x1, x2) -> (n1, n2)`` (an ntkviz kernel or a user's function)
    that is invariant under the action applied to both inputs; ``orbits`` is ``(M, N, ...)``
    with ``orbits[m, g]`` the element g of orbit m. One call ``k(orbits[:, 0], all points)``
    gives the ``M × MN`` entries that determine the whole block-circulant Gram matrix.

    Examples
    --------
    >>> X, y = nv.datasets.circle_pair(N=4)
    >>> orbits = np.stack([X[0::2], X[1::2]])     # (M, N, 3): M = 2 orbits of N = 4 points
    >>> k = nv.kernels.rbf()
    >>> C = nv.block_circulant.first_block_row(k, orbits)
    >>> C.shape
    (4, 2, 2)
    >>> bool(np.allclose(nv.block_circulant.block_circulant_dense(C), k(X)))   # all of K
    True
    """
    if not callable(kernel):
        raise TypeError(
            f"kernel must be a callable k(x1, x2) -> (n1, n2) array, got {type(kernel).__name__}"
        )
    orbits = _check_orbits(orbits)
    M, N = orbits.shape[:2]
    if M * M * N > MAX_GRAM_ENTRIES:
        raise ValueError(f"orbits must give at most MAX_GRAM_ENTRIES = {MAX_GRAM_ENTRIES:,} entries "
                         f"of the first block row (M·MN), got M = {M:,} orbits of N = {N:,}")
    answer = kernel(orbits[:, 0], _element_major(orbits))
    try:
        row = np.asarray(answer, dtype=np.float64)
    except (TypeError, ValueError) as error:  # None, strings, ragged lists
        raise ValueError(f"kernel must return a real (n1, n2) array: {error}") from None
    if row.shape != (M, M * N):
        raise ValueError(
            f"kernel must return an array of shape {(M, M * N)} for these orbits, got {row.shape}"
        )
    if not np.all(np.isfinite(row)):
        raise ValueError("kernel returned NaN or infinite entries")
    return np.ascontiguousarray(row.reshape(M, N, M).transpose(1, 0, 2))


def block_row_average(K, M: int, N: int) -> np.ndarray:
    """Blocks ``C_d = (1/N) Σ_g K[g, g+d]`` averaged along wrapped block diagonals, ``(N, M, M)``.

    The block analogue of Eq. 12: exact for a block-circulant K, the best block-circulant
    approximation (Frobenius) otherwise, e.g. for interpolated rotations.

    Examples
    --------
    >>> digits = nv.datasets.mnist_test_set()[0]
    >>> orbits = np.stack([nv.datasets.orbit(d, N=8, action="rotate") for d in digits[:2]])
    >>> K = nv.kernels.rbf()(nv.block_circulant.element_major(orbits))     # M = 2, N = 8
    >>> C = nv.block_circulant.block_row_average(K, M=2, N=8)
    >>> C.shape
    (8, 2, 2)
    >>> C1 = nv.block_circulant.block_row_average(K, M=1, N=16)   # M = 1: the row of Eq. 12
    >>> bool(np.allclose(C1[:, 0, 0], nv.spectral.circulant_row(K)))
    True
    """
    return _row_average(*_check_sizes(K, M, N))


def _row_average(K: np.ndarray, M: int, N: int) -> np.ndarray:
    blocks = K.reshape(N, M, N, M)
    g = np.arange(N)[:, None]
    shifted = (g + np.arange(N)[None, :]) % N
    # advanced indices on axes 0 and 2 → result (N_g, N_d, M, M)
    return blocks[g, :, shifted, :].mean(axis=0)


def block_circulant_dense(C) -> np.ndarray:
    """The dense ``(MN)×(MN)`` block-circulant ``K[(g,m),(g',m')] = C_{(g'−g) mod N}[m, m']``.

    ``C`` may be rectangular blocks ``(N, P, M)`` (a test-by-train cross kernel).

    Examples
    --------
    >>> C = np.random.default_rng(0).normal(size=(3, 2, 2))   # N = 3 blocks of 2 × 2
    >>> K = nv.block_circulant.block_circulant_dense(C)
    >>> K.shape, bool(np.array_equal(K[2:4, 4:6], C[1]))     # block (g, g') is C_(g'−g)
    ((6, 6), True)
    >>> row = np.array([3.0, 1.0, 0.0, 1.0])                  # M = 1: an ordinary circulant
    >>> bool(np.array_equal(nv.block_circulant.block_circulant_dense(row[:, None, None]),
    ...                     nv.spectral.circulant(row)))
    True
    """
    C = as_finite_array("C", C, ndim=3)
    N, P, M = C.shape
    check_allocation("C", (N * P, N * M), what=f"the dense matrix of C with shape {C.shape}")
    return dense(C)


def dense(C: np.ndarray) -> np.ndarray:
    """:func:`block_circulant_dense` for clean blocks."""
    N, P, M = C.shape
    d = (np.arange(N)[None, :] - np.arange(N)[:, None]) % N  # (g, g')
    return C[d].transpose(0, 2, 1, 3).reshape(N * P, N * M)


def block_circularize(K, M: int, N: int) -> np.ndarray:
    """The block-circulant matrix nearest to K: each wrapped block diagonal replaced by its mean.

    Idempotent; returns K itself (up to round-off) when K is already block-circulant.

    Examples
    --------
    >>> digits = nv.datasets.mnist_test_set()[0]
    >>> orbits = np.stack([nv.datasets.orbit(d, N=8, action="rotate") for d in digits[:2]])
    >>> K = nv.kernels.rbf()(nv.block_circulant.element_major(orbits))     # M = 2, N = 8
    >>> Kb = nv.block_circulant.block_circularize(K, M=2, N=8)
    >>> [round(nv.block_circulant.block_circulant_deviation(A, M=2, N=8), 3) for A in (K, Kb)]
    [0.009, 0.0]
    >>> bool(np.allclose(nv.block_circulant.block_circularize(Kb, M=2, N=8), Kb))   # idempotent
    True
    """
    return dense(_row_average(*_check_sizes(K, M, N)))


def block_circulant_deviation(K, M: int, N: int) -> float:
    """``‖K − block_circularize(K)‖_F / ‖K‖_F``: 0 for a block-circulant K (0 for K = 0).

    Examples
    --------
    >>> digits = nv.datasets.mnist_test_set()[0]
    >>> orbits = np.stack([nv.datasets.orbit(d, N=8, action="rotate") for d in digits[:2]])
    >>> K = nv.kernels.rbf()(nv.block_circulant.element_major(orbits))     # M = 2, N = 8
    >>> print(f"{nv.block_circulant.block_circulant_deviation(K, M=2, N=8):.3f}")  # interpolated
    0.009
    >>> X, y = nv.datasets.circle_pair(N=4)       # an exact rotation: block-circulant
    >>> nv.block_circulant.block_circulant_deviation(nv.kernels.rbf()(X), M=2, N=4) < 1e-12
    True
    """
    return _deviation(*_check_sizes(K, M, N))


def _deviation(K: np.ndarray, M: int, N: int) -> float:
    norm = np.linalg.norm(K)
    if norm == 0:
        return 0.0
    return float(np.linalg.norm(K - dense(_row_average(K, M, N))) / norm)


def from_gram(K, M: int, N: int, *, rtol: float | None = 1e-10) -> np.ndarray:
    """Blocks ``C_d = K[0:M, dM:(d+1)M]`` of a dense element-major Gram matrix, ``(N, M, M)``.

    With ``rtol`` (default 1e-10) raise ValueError if K is not block-circulant, i.e. if
    :func:`block_circulant_deviation` exceeds ``rtol``; ``rtol=None`` skips the check (use
    :func:`block_row_average` for a matrix that is only approximately block-circulant).

    Examples
    --------
    >>> X, y = nv.datasets.circle_pair(N=4)
    >>> K = nv.kernels.rbf()(X)                   # element-major: M = 2 orbits, N = 4
    >>> C = nv.block_circulant.from_gram(K, M=2, N=4)
    >>> C.shape, bool(np.array_equal(C[1], K[0:2, 2:4]))
    ((4, 2, 2), True)
    """
    K, M, N = _check_sizes(K, M, N)
    if rtol is not None:
        rtol = check_real("rtol", rtol, minimum=0.0)
        deviation = _deviation(K, M, N)
        if deviation > rtol:
            raise ValueError(
                f"K is not block-circulant for M={M}, N={N}: relative deviation {deviation:.3g} > "
                f"rtol={rtol:g} (check the element-major order g·M + m, or use block_row_average)"
            )
    return np.ascontiguousarray(K[:M].reshape(M, N, M).transpose(1, 0, 2))


def block_circulant_matvec(C, V) -> np.ndarray:
    """``K V`` for the block-circulant K with (possibly rectangular) blocks ``C`` ``(N, P, M)``.

    ``V`` is ``(N·M,)`` or ``(N·M, T)`` element-major; the result ``(N·P[, T])``. By the DFT over
    the group: ``(KV)^_f = K̂_f V̂_f`` with ``K̂_f = Σ_d C_d e^{+2πi f d/N}``; cost O(N P M T).

    Examples
    --------
    >>> C = np.random.default_rng(0).normal(size=(8, 3, 3))   # N = 8 blocks, M = 3 orbits
    >>> V = np.random.default_rng(1).normal(size=24)
    >>> KV = nv.block_circulant.block_circulant_matvec(C, V)   # no dense matrix is formed
    >>> KV.shape, bool(np.allclose(KV, nv.block_circulant.block_circulant_dense(C) @ V))
    ((24,), True)
    """
    C = as_finite_array("C", C, ndim=3)
    V, vector = as_columns("V", V, C.shape[0] * C.shape[2])
    out = matvec(C, V)
    return out[:, 0] if vector else out


def matvec(C: np.ndarray, V: np.ndarray) -> np.ndarray:
    """:func:`block_circulant_matvec` for clean blocks ``(N, P, M)`` and columns ``(N·M, T)``."""
    N, P, M = C.shape
    T = V.shape[1]
    V_hat = np.fft.rfft(V.reshape(N, M, T), axis=0)
    K_hat = np.conj(np.fft.rfft(C, axis=0))
    return np.fft.irfft(K_hat @ V_hat, n=N, axis=0).reshape(N * P, T)
