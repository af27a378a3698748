"""The block-circulant solver: exact GP regression on whole orbits in ``N`` solves of size
``M×M`` (docs/theory.md#the-block-circulant-solver), and exact leave-out predictions."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import numpy as np
import scipy.linalg

from .._validate import as_finite_array, check_real
from ..gp import DEFAULT_RIDGE
from .layout import as_columns, block_row_average, dense, first_block_row, from_gram, matvec

__all__ = ["BlockCirculantKernel", "leave_out_predictions"]


@dataclasses.dataclass(frozen=True)
class _Factor:
    """``(K̂_f + λI)`` factorised for f = 0..⌊N/2⌋: Cholesky, or an eigen pseudo-inverse."""

    shift: float
    cholesky: tuple  # per frequency: (c, lower) or None
    pinv: tuple  # per frequency: Hermitian pseudo-inverse or None


@dataclasses.dataclass(frozen=True, eq=False)
class BlockCirculantKernel:
    """A symmetric block-circulant kernel matrix given by its first block row ``C`` ``(N, M, M)``.

    ``K[(g,m),(g',m')] = C_{(g'−g) mod N}[m, m']`` over element-major points ``g·M + m``. The
    blocks are symmetrised on construction, ``C_d ← (C_d + C_{−d}ᵀ)/2`` (removing round-off of
    a kernel evaluated on two different batches), so every ``K̂_f`` is exactly Hermitian.
    Factorisations are cached per absolute ridge, so repeated solves and leave-outs are cheap.
    """

    C: np.ndarray

    def __post_init__(self):
        C = as_finite_array("C", self.C, ndim=3)
        if C.shape[1] != C.shape[2] or C.shape[0] < 1 or C.shape[1] < 1:
            raise ValueError(f"C must have shape (N, M, M) with N, M >= 1, got {C.shape}")
        minus = (-np.arange(C.shape[0])) % C.shape[0]
        C = 0.5 * (C + C[minus].transpose(0, 2, 1))
        C.setflags(write=False)
        object.__setattr__(self, "C", C)
        object.__setattr__(self, "_cache", {})

    # ----------------------------------------------------------- constructors
    @classmethod
    def from_kernel(cls, kernel: Callable, orbits) -> BlockCirculantKernel:
        """From a jointly invariant kernel and ``(M, N, ...)`` orbits (one kernel call)."""
        return cls(first_block_row(kernel, orbits))

    @classmethod
    def from_gram(
        cls, K, M: int, N: int, *, exact: bool = True, rtol: float = 1e-10
    ) -> BlockCirculantKernel:
        """From a dense element-major Gram matrix; ``exact=False`` block-circularises it first."""
        if exact:
            return cls(from_gram(K, M, N, rtol=rtol))
        return cls(block_row_average(K, M, N))

    # ----------------------------------------------------------- shape and structure
    @property
    def N(self) -> int:
        """Number of group elements."""
        return self.C.shape[0]

    @property
    def M(self) -> int:
        """Number of orbits."""
        return self.C.shape[1]

    @property
    def size(self) -> int:
        """Number of points ``M·N``."""
        return self.M * self.N

    @property
    def trace(self) -> float:
        """``tr(K) = N · tr(C_0)``."""
        return float(self.N * np.trace(self.C[0]))

    def frequency_blocks(self) -> np.ndarray:
        """All N Hermitian blocks ``K̂_f = Σ_d C_d e^{+2πi f d/N}``, complex ``(N, M, M)``."""
        return np.conj(np.fft.fft(self.C, axis=0))

    def _half_blocks(self) -> np.ndarray:
        return np.conj(np.fft.rfft(self.C, axis=0))

    def dense(self) -> np.ndarray:
        """The dense ``(MN)×(MN)`` matrix (for tests and small cases)."""
        return dense(self.C)

    def matvec(self, V) -> np.ndarray:
        """``K V`` for ``V`` of shape ``(MN,)`` or ``(MN, T)`` in O(N M² T)."""
        V, vector = as_columns("V", V, self.size)
        out = matvec(self.C, V)
        return out[:, 0] if vector else out

    def eigenvalues_by_frequency(self) -> np.ndarray:
        """Eigenvalues of each ``K̂_f``, ``(N, M)``, ascending within each frequency f."""
        half = np.linalg.eigvalsh(self._half_blocks())
        N = self.N
        full = np.empty((N, self.M))
        full[: half.shape[0]] = half
        for f in range(half.shape[0], N):  # K̂_{N−f} = conj(K̂_f): same eigenvalues
            full[f] = half[N - f]
        return full

    def eigenvalues(self) -> np.ndarray:
        """All ``MN`` eigenvalues of K, ascending (the union of the spectra of the ``K̂_f``)."""
        return np.sort(self.eigenvalues_by_frequency().ravel())

    # ----------------------------------------------------------- linear algebra
    def ridge_shift(self, ridge: float = DEFAULT_RIDGE, relative: bool = True) -> float:
        """The absolute ridge λ added to K: ``ρ·tr(K)`` if ``relative`` else ``ρ`` (as gp)."""
        ridge = check_real("ridge", ridge, minimum=0.0)
        shift = ridge * self.trace if relative else ridge
        if not np.isfinite(shift) or shift * self.size >= np.finfo(float).max:
            raise ValueError(f"ridge={ridge:g} is too large: the shift ρ·tr(K) overflows float64")
        return shift

    def factorization(self, shift: float) -> _Factor:
        """``K̂_f + shift·I`` factorised for f = 0..⌊N/2⌋ (cached per absolute ``shift``, as the
        solves use it): per frequency a Cholesky factor ``(c, lower)`` in ``.cholesky``, or None
        and the Hermitian pseudo-inverse in ``.pinv`` for a singular block."""
        return self._factor(shift)

    def _factor(self, shift: float) -> _Factor:
        cached = self._cache.get(shift)
        if cached is not None:
            return cached
        blocks = self._half_blocks()
        eye = np.eye(self.M)
        chol, pinv = [], []
        largest = None
        for f, block in enumerate(blocks):
            A = block + shift * eye
            try:
                factor = scipy.linalg.cho_factor(A, lower=True, check_finite=False)
                if np.all(np.isfinite(factor[0])) and np.all(np.diag(factor[0]).real > 0):
                    chol.append(factor)
                    pinv.append(None)
                    continue
            except np.linalg.LinAlgError:
                pass
            if largest is None:  # global scale, as a dense pseudo-inverse would use
                largest = max(np.abs(np.linalg.eigvalsh(b + shift * eye)).max() for b in blocks)
            w, U = np.linalg.eigh(A)
            keep = np.abs(w) > largest * max(self.size, 1) * np.finfo(float).eps
            inv_w = np.where(keep, 1.0 / np.where(keep, w, 1.0), 0.0)
            chol.append(None)
            pinv.append((U * inv_w) @ U.conj().T)
        factor = _Factor(shift, tuple(chol), tuple(pinv))
        self._cache[shift] = factor
        return factor

    def _solve_hat(self, factor: _Factor, V_hat: np.ndarray) -> np.ndarray:
        out = np.empty_like(V_hat)
        for f in range(V_hat.shape[0]):
            if factor.cholesky[f] is not None:
                out[f] = scipy.linalg.cho_solve(factor.cholesky[f], V_hat[f], check_finite=False)
            else:
                out[f] = factor.pinv[f] @ V_hat[f]
        return out

    def solve(self, Y, ridge: float = DEFAULT_RIDGE, relative: bool = True) -> np.ndarray:
        """``(K + λI)⁻¹ Y`` for ``Y`` of shape ``(MN,)`` or ``(MN, T)`` (the GP dual weights α).

        λ follows :func:`ntkviz.gp.dual_weights`: ``ρ·tr(K)`` (relative) or ``ρ``. Each block
        ``K̂_f + λI`` is solved by Cholesky, or by its pseudo-inverse if it is singular.
        """
        Y, vector = as_columns("Y", Y, self.size)
        out = self._solve_columns(Y, self.ridge_shift(ridge, relative))
        return out[:, 0] if vector else out

    def _solve_columns(self, Y: np.ndarray, shift: float) -> np.ndarray:
        """``(K + shift·I)⁻¹ Y`` for clean columns ``Y`` ``(MN, T)``."""
        N, M, T = self.N, self.M, Y.shape[1]
        V_hat = np.fft.rfft(Y.reshape(N, M, T), axis=0)
        solved = self._solve_hat(self._factor(shift), V_hat)
        return np.fft.irfft(solved, n=N, axis=0).reshape(N * M, T)

    def inverse_blocks(self, ridge: float = DEFAULT_RIDGE, relative: bool = True) -> np.ndarray:
        """First block row ``D`` ``(N, M, M)`` of ``(K + λI)⁻¹`` (itself block-circulant).

        ``D_d = (1/N) Σ_f (K̂_f + λI)⁻¹ e^{−2πi f d/N}``; memory O(N M²).
        """
        factor = self._factor(self.ridge_shift(ridge, relative))
        frequencies = len(factor.cholesky)
        eye = np.broadcast_to(np.eye(self.M), (frequencies, self.M, self.M)).astype(complex)
        inverse_hat = self._solve_hat(factor, eye)
        # (K⁻¹)^_f = conj(rfft(D))_f  ⇔  D = irfft(conj(.))
        return np.fft.irfft(np.conj(inverse_hat), n=self.N, axis=0)

    def inverse_diagonal_block(
        self, ridge: float = DEFAULT_RIDGE, relative: bool = True
    ) -> np.ndarray:
        """``D_0``: the ``M×M`` diagonal block ``[(K + λI)⁻¹]_{(g,·),(g,·)}``, equal for every g."""
        return self.inverse_blocks(ridge, relative)[0]

    def inverse_entries(
        self, rows, cols, ridge: float = DEFAULT_RIDGE, relative: bool = True
    ) -> np.ndarray:
        """The submatrix ``[(K + λI)⁻¹]_{rows, cols}`` for element-major index arrays.

        Computed as ``(K + λI)⁻¹ E_cols`` restricted to ``rows`` (one right-hand side per entry
        of ``cols``), never forming the dense inverse.
        """
        rows = _index_array("rows", rows, self.size)
        cols = _index_array("cols", cols, self.size)
        E = np.zeros((self.size, cols.size))
        E[cols, np.arange(cols.size)] = 1.0
        return self._solve_columns(E, self.ridge_shift(ridge, relative))[rows]

    def posterior_mean(
        self, K_test_train, Y, ridge: float = DEFAULT_RIDGE, relative: bool = True
    ) -> np.ndarray:
        """GP posterior mean ``K_* (K + λI)⁻¹ Y`` at arbitrary test points.

        ``K_test_train`` is the ``(n_test, MN)`` cross kernel (columns element-major); ``Y`` is
        ``(MN,)`` or ``(MN, T)``. Same λ as :func:`ntkviz.gp.posterior` with ``train`` = all points.
        """
        K_cross = as_finite_array("K_test_train", K_test_train, ndim=2)
        if K_cross.shape[1] != self.size:
            raise ValueError(
                f"K_test_train must have {self.size} columns (one per training point), "
                f"got shape {K_cross.shape}"
            )
        return K_cross @ self.solve(Y, ridge, relative)

    def posterior_mean_orbits(
        self, C_cross, Y, ridge: float = DEFAULT_RIDGE, relative: bool = True
    ) -> np.ndarray:
        """Posterior mean at test points that are whole orbits, using the structure.

        ``C_cross`` ``(N, P, M)`` is the first block row of the cross kernel,
        ``C_cross[d] = K(T_0, X_d)`` for P test orbits ``T`` (e.g. ``first_block_row`` of a kernel
        called on ``test_orbits[:, 0]`` and the training points); the prediction at test point
        ``(g, p)`` (row ``g·P + p``) is ``Σ_{g',m} C_cross[g'−g][p, m] α_{g',m}`` in O(N P M T).
        """
        C_cross = as_finite_array("C_cross", C_cross, ndim=3)
        if C_cross.shape[0] != self.N or C_cross.shape[2] != self.M:
            raise ValueError(
                f"C_cross must have shape (N={self.N}, P, M={self.M}), got {C_cross.shape}"
            )
        alpha = self.solve(Y, ridge, relative)
        out = matvec(C_cross, alpha.reshape(self.size, -1))
        return out[:, 0] if alpha.ndim == 1 else out


def _index_array(name: str, index, n: int) -> np.ndarray:
    index = np.atleast_1d(np.asarray(index))
    if index.ndim != 1 or index.size == 0 or not np.issubdtype(index.dtype, np.integer):
        raise ValueError(f"{name} must be a non-empty 1-D array of integer indices, got {index!r}")
    if np.any(index < 0) or np.any(index >= n):
        raise ValueError(f"{name} must hold indices in [0, {n - 1}], got {index.tolist()}")
    return index.astype(int)


def leave_out_predictions(
    bc: BlockCirculantKernel,
    Y,
    left_out_indices,
    ridge: float = DEFAULT_RIDGE,
    *,
    relative: bool = True,
) -> np.ndarray:
    """Exact predictions at a left-out set S by the model trained on all other points.

    ``ŷ_S = Y_S − ([A⁻¹]_SS)⁻¹ [A⁻¹ Y]_S`` with ``A = K + λI`` and λ from the **full** matrix
    (``ρ·tr(K)`` if ``relative``, else ``ρ``): identical to
    ``gp.posterior(K, Y_R, R, S, ridge=λ, relative=False).mean`` with R the complement of S.
    One block-circulant solve with ``T + |S|`` right-hand sides. The identity needs ``A``
    invertible: with ``ridge=0`` and a singular K (e.g. a GAP CNN on shifts, where each orbit
    collapses to a point) use a positive ridge.

    Typical S: "leave out an angle", ``point_index(g0, orbits_of_class, M)``; or one point.

    Parameters
    ----------
    bc : BlockCirculantKernel
        The kernel over all MN points.
    Y : ndarray of shape (MN,) or (MN, T)
        Targets (e.g. several one-hot columns); Y_S does not affect ŷ_S.
    left_out_indices : sequence of int
        Element-major indices of S (distinct, fewer than MN).

    Returns
    -------
    ndarray of shape (|S|,) or (|S|, T)
        Predictions, rows in the order of ``left_out_indices``.

    Examples
    --------
    >>> X, y = nv.datasets.circle_pair(N=8)
    >>> orbits = np.stack([X[0::2], X[1::2]])     # M = 2 orbits of N = 8 points
    >>> bc = nv.block_circulant.BlockCirculantKernel.from_kernel(nv.kernels.rbf(), orbits)
    >>> S = nv.block_circulant.point_index(0, [0, 1], M=2)     # angle 0 of both orbits
    >>> np.round(nv.block_circulant.leave_out_predictions(bc, y, S), 4).tolist()
    [0.9593, -0.9593]
    >>> one = nv.block_circulant.leave_out_predictions(bc, y, [0])   # one point: y_0 (1 − ε)
    >>> bool(np.isclose(one[0], 1 - nv.spectral.spectral_error(bc.dense())))
    True
    """
    if not isinstance(bc, BlockCirculantKernel):
        raise TypeError(f"bc must be a BlockCirculantKernel, got {type(bc).__name__}")
    Y, vector = as_columns("Y", Y, bc.size)
    S = _index_array("left_out_indices", left_out_indices, bc.size)
    if np.unique(S).size != S.size:
        raise ValueError(f"left_out_indices must be distinct, got {S.tolist()}")
    if S.size >= bc.size:
        raise ValueError(
            f"left_out_indices must leave at least one training point, got all {bc.size}"
        )
    T = Y.shape[1]
    E = np.zeros((bc.size, S.size))
    E[S, np.arange(S.size)] = 1.0
    solved = bc._solve_columns(np.hstack([Y, E]), bc.ridge_shift(ridge, relative))
    inv_Y = solved[S, :T]
    inv_SS = solved[S, T:]
    inv_SS = 0.5 * (inv_SS + inv_SS.T)
    try:
        correction = scipy.linalg.solve(inv_SS, inv_Y, assume_a="pos", check_finite=False)
    except (np.linalg.LinAlgError, scipy.linalg.LinAlgError):
        correction = np.linalg.pinv(inv_SS, hermitian=True) @ inv_Y
    out = Y[S] - correction
    return out[:, 0] if vector else out
