"""Circulant kernel matrices and the spectral error of Neural kernel theory of symmetry
learning, arXiv 2412.11521 (docs/theory.md#circulant-matrices, docs/theory.md#the-spectral-error).

For a symmetric circulant ``K`` over ``n = 2N`` interleaved orbit points, the DFT of its first
row gives the eigenvalues ``λ_f``; the label vector is the highest frequency ``f = N`` and the
GP error at a left-out point is exactly ``ε = λ_N⁻¹ / ⟨λ⁻¹⟩`` (Eq. 7).
"""

from __future__ import annotations

import dataclasses

import numpy as np

from ._validate import as_finite_array, check_int, check_real, check_square

__all__ = [
    "circulant",
    "circularize",
    "circulant_row",
    "is_circulant",
    "spectrum",
    "inverse_spectrum",
    "SpectralAnalysis",
    "analyze",
    "analyze_row",
    "spectral_error",
    "spectral_errors",
]

#: Eigenvalues below ``ZERO_RTOL · max λ`` count as zero (rank-deficient kernel).
ZERO_RTOL = 1e-11
#: The largest n of a dense n × n circulant built from a row (3.2 GB in float64): two orbits
#: of ``datasets.MAX_N`` points; a longer row is refused before any allocation.
MAX_SIZE = 20_000
#: Above this condition number ``κ = λ_max/λ_min`` fewer than ~8 of float64's ~16 digits of ε
#: survive (relative error ≈ κ·2.2e-16); ``analyze`` then reports ``status="near_singular"``.
NEAR_SINGULAR_CONDITION = 1e8
#: The values of ``SpectralAnalysis.status`` (see its docstring and docs/numerics.md).
STATUSES = ("ok", "near_singular", "ridge_dominated", "rank_deficient", "labels_invisible")


def _wrapped_diagonal_index(n: int) -> tuple[np.ndarray, np.ndarray]:
    rows = np.arange(n)[:, None]
    return np.broadcast_to(rows, (n, n)), (rows + np.arange(n)[None, :]) % n


def circulant_row(K) -> np.ndarray:
    """First row of the circularised matrix: ``c_d = (1/n) Σ_a K[a, (a+d) mod n]`` (Eq. 12).

    Examples
    --------
    >>> C = nv.spectral.circulant([3.0, 1.0, 0.0, 1.0])
    >>> nv.spectral.circulant_row(C).tolist()     # a circulant gives its own first row back
    [3.0, 1.0, 0.0, 1.0]
    >>> K = np.array([[2.0, 1.0], [0.0, 4.0]])
    >>> nv.spectral.circulant_row(K).tolist()     # mean diagonal, mean of K[0, 1] and K[1, 0]
    [3.0, 0.5]
    """
    K = check_square("K", K)
    rows, cols = _wrapped_diagonal_index(K.shape[0])
    return K[rows, cols].mean(axis=0)


def circulant(row) -> np.ndarray:
    """The circulant matrix with first row ``row``: ``C[i, j] = row[(j − i) mod n]``.

    Examples
    --------
    >>> print(nv.spectral.circulant([3.0, 1.0, 0.0, 1.0]))
    [[3. 1. 0. 1.]
     [1. 3. 1. 0.]
     [0. 1. 3. 1.]
     [1. 0. 1. 3.]]
    """
    row = as_finite_array("row", row, ndim=1)
    n = check_int("len(row)", row.shape[0], maximum=MAX_SIZE)
    return row[(np.arange(n)[None, :] - np.arange(n)[:, None]) % n]


def circularize(K) -> np.ndarray:
    """Average each wrapped diagonal of ``K`` (Eq. 12); the result is circulant.

    ``K̃_ij = (1/n) Σ_a K_{a, (a + j − i) mod n}``. A circulant ``K`` is returned unchanged (up
    to round-off), and a PSD ``K`` stays PSD (it is an average of cyclic conjugates of ``K``).

    Examples
    --------
    Interpolated rotations of two digits give a kernel that is only nearly circulant:

    >>> digits = nv.datasets.mnist_test_set()[0]
    >>> A = nv.datasets.orbit(digits[0], N=8, action="rotate")
    >>> B = nv.datasets.orbit(digits[1], N=8, action="rotate")
    >>> X, y = nv.datasets.interleave(A, B)
    >>> K = nv.kernels.rbf()(X)
    >>> Kc = nv.spectral.circularize(K)
    >>> nv.spectral.is_circulant(K), nv.spectral.is_circulant(Kc)
    (False, True)
    >>> eps, exact = nv.spectral.spectral_error(Kc), nv.gp.symmetrized_error(K, y)
    >>> print(f"spectral {eps:.3f}, exact {exact:.3f}")
    spectral 0.839, exact 0.800
    """
    return circulant(circulant_row(K))


def is_circulant(K, rtol: float = 1e-10) -> bool:
    """Whether ``K`` equals its circularisation to ``rtol`` relative to ``max |K|``.

    Examples
    --------
    >>> X, y = nv.datasets.circle_pair(N=8)
    >>> nv.spectral.is_circulant(nv.kernels.rbf()(X))     # a distance kernel on the circle pair
    True
    >>> nv.spectral.is_circulant(np.diag([1.0, 2.0, 3.0, 4.0]))
    False
    """
    K = check_square("K", K)
    rtol = check_real("rtol", rtol, minimum=0.0)
    scale = np.max(np.abs(K)) if K.size else 0.0
    return bool(np.max(np.abs(K - circularize(K)), initial=0.0) <= rtol * max(scale, np.finfo(float).tiny))


def spectrum(Kc, rtol: float = 1e-8) -> np.ndarray:
    """Real eigenvalues ``λ_f = Σ_j c_j e^{−2πi f j / n}`` of a symmetric circulant matrix, DFT order.

    Raises ``ValueError`` if ``Kc`` is not circulant or not symmetric (to ``rtol``): call
    ``circularize`` first for a kernel over real image orbits.

    Examples
    --------
    >>> C = nv.spectral.circulant([3.0, 1.0, 0.0, 1.0])
    >>> lam = nv.spectral.spectrum(C)             # λ_f = 3 + 2 cos(2πf/4)
    >>> np.round(lam, 10).tolist()
    [5.0, 3.0, 1.0, 3.0]
    >>> bool(np.allclose(np.sort(lam), np.linalg.eigvalsh(C)))
    True
    """
    Kc = check_square("Kc", Kc)
    rtol = check_real("rtol", rtol, minimum=0.0)
    scale = max(np.max(np.abs(Kc)), np.finfo(float).tiny)
    deviation = np.max(np.abs(Kc - circularize(Kc)))
    if deviation > rtol * scale:
        raise ValueError(
            f"Kc must be circulant (deviation {deviation:.3g} relative {deviation / scale:.3g} > "
            f"rtol={rtol:g}); pass circularize(K) for a nearly circulant kernel"
        )
    if np.max(np.abs(Kc - Kc.T)) > rtol * scale:
        raise ValueError("Kc must be symmetric: a kernel matrix has a real spectrum")
    return np.fft.fft(Kc[0]).real


def inverse_spectrum(lam, ridge: float = 0.0) -> np.ndarray:
    """``1 / (λ_f + σ²)`` with ``inf`` where the regularised eigenvalue is zero.

    Examples
    --------
    >>> lam = np.array([4.0, 2.0, 0.0, 2.0])
    >>> nv.spectral.inverse_spectrum(lam).tolist()
    [0.25, 0.5, inf, 0.5]
    >>> np.round(nv.spectral.inverse_spectrum(lam, ridge=1.0), 4).tolist()
    [0.2, 0.3333, 1.0, 0.3333]
    """
    lam = as_finite_array("lam", lam, ndim=1) + check_real("ridge", ridge, minimum=0.0)
    with np.errstate(divide="ignore"):
        inv = 1.0 / np.where(_is_zero(lam), 0.0, lam)
    return inv


def _is_zero(lam: np.ndarray) -> np.ndarray:
    scale = max(np.max(np.abs(lam)), np.finfo(float).tiny)
    return np.abs(lam) <= ZERO_RTOL * scale


@dataclasses.dataclass(frozen=True)
class SpectralAnalysis:
    """Everything Eq. 7 needs, and a sentence on what happened.

    Attributes
    ----------
    lam : ndarray of shape (n,)
        Eigenvalues in DFT order (ridge included).
    lam_N : float
        The highest-frequency eigenvalue ``λ_N`` (the label direction).
    mean_inverse : float
        ``⟨λ⁻¹⟩ = (1/n) Σ_f 1/λ_f`` (``inf`` when rank-deficient).
    error : float
        ``ε = λ_N⁻¹ / ⟨λ⁻¹⟩``; the left-out prediction is ``y (1 − ε)``.
    rank_deficient : bool
        Whether some ``λ_f`` is zero (to ``ZERO_RTOL``).
    note : str
        An explanation, empty when nothing special happened.
    status : str
        One of ``STATUSES``: ``"ok"``; ``"near_singular"`` (``κ > NEAR_SINGULAR_CONDITION``:
        ε keeps only about ``16 − log10 κ`` digits); ``"ridge_dominated"`` (the ridge exceeds
        the kernel's own ``λ_N``: ε measures the ridge); ``"rank_deficient"`` (ε = 0);
        ``"labels_invisible"`` (``λ_N = 0``: ε = n/m).
    condition : float
        ``κ = max λ / min λ`` (ridge included), ``inf`` when some ``λ_f`` is zero.
    """

    lam: np.ndarray
    lam_N: float
    mean_inverse: float
    error: float
    rank_deficient: bool
    note: str = ""
    status: str = "ok"
    condition: float = 1.0

    @property
    def digits(self) -> float:
        """Significant digits of ε that survive float64 round-off, ``≈ −log10(κ·eps)`` in [0, 15.6]."""
        return _digits(self.condition)

    @property
    def rectangle(self) -> float:
        """``1 / λ_N``, the height of the rectangle in the inverse-spectrum picture."""
        return float(np.inf) if self.lam_N == 0 else 1.0 / self.lam_N


def _regularised(lam: np.ndarray, ridge: float, name: str = "Kc") -> np.ndarray:
    """The spectrum ``lam`` of a kernel over two orbits (the argument ``name``), checked, with
    the ridge σ² added."""
    n = lam.shape[0]
    if n < 2 or n % 2:
        raise ValueError(f"{name} must have an even size n = 2N ≥ 2 (two interleaved orbits), got n={n}")
    ridge = check_real("ridge", ridge, minimum=0.0)
    scale = max(np.max(np.abs(lam)), np.finfo(float).tiny)
    if np.min(lam) < -1e-8 * scale:
        raise ValueError(
            f"{name} must be positive semi-definite, but its smallest eigenvalue is {np.min(lam):.3g} "
            f"(largest {scale:.3g})"
        )
    if ridge == 0.0:
        # Round-off eigenvalues of a rank-deficient kernel are exact zeros; with a ridge they
        # are kept as they are (λ_f + σ², negative round-off included), so ε matches a
        # ridge-regularised dense solve of K + σ²I.
        lam = np.maximum(lam, 0.0)
        return np.where(_is_zero(lam), 0.0, lam)
    return np.maximum(lam + ridge, 0.0)


def analyze(Kc, ridge: float = 0.0) -> SpectralAnalysis:
    """Spectral error ``ε = λ_N⁻¹ / ⟨λ⁻¹⟩`` of a circulant kernel, with its ingredients (Eq. 7).

    A ridge ``σ² ≥ 0`` is added to every eigenvalue. A rank-deficient kernel is a result, not a
    failure: ``⟨λ⁻¹⟩ = ∞`` gives ``ε = 0`` when ``λ_N > 0`` (perfect generalisation, e.g. a GAP
    CNN on a translation orbit); when ``λ_N = 0`` too, the vanishing-ridge limit is
    ``ε = n / m`` with m zero eigenvalues (the min-norm interpolant's error).

    Examples
    --------
    >>> X, y = nv.datasets.circle_pair(N=8, delta=1.0)
    >>> result = nv.spectral.analyze(nv.kernels.rbf(length_scale=1.0)(X))
    >>> result.lam.shape                          # the eigenvalues λ_f in DFT order
    (16,)
    >>> print(f"λ_N = {result.lam_N:.4f}, ⟨λ⁻¹⟩ = {result.mean_inverse:.4f}")
    λ_N = 1.4661, ⟨λ⁻¹⟩ = 14.8655
    >>> print(f"ε = {result.error:.4f}, status {result.status!r}")
    ε = 0.0459, status 'ok'
    >>> bool(np.isclose(result.error, result.rectangle / result.mean_inverse))   # Eq. 7
    True
    """
    return _analysis(_regularised(spectrum(Kc), ridge), float(ridge))


def analyze_row(row, ridge: float = 0.0) -> SpectralAnalysis:
    """``analyze`` of the symmetric circulant matrix with first row ``row`` (``row[j] =
    row[n − j]``), from the row alone: one FFT of n values instead of checks on n × n.

    Examples
    --------
    >>> row = [3.0, 1.0, 0.5, 1.0]
    >>> fast, dense = nv.spectral.analyze_row(row), nv.spectral.analyze(nv.spectral.circulant(row))
    >>> fast.error == dense.error and fast.lam.tolist() == dense.lam.tolist()
    True
    """
    row = as_finite_array("row", row, ndim=1)
    scale = max(np.max(np.abs(row), initial=0.0), np.finfo(float).tiny)
    if np.max(np.abs(row - np.roll(row[::-1], 1)), initial=0.0) > 1e-8 * scale:
        raise ValueError("row must be symmetric (row[j] = row[n - j]): a kernel matrix has a real spectrum")
    return _analysis(_regularised(np.fft.fft(row).real, ridge, "row"), float(ridge))


def _analysis(lam: np.ndarray, ridge: float) -> SpectralAnalysis:
    """Eq. 7 and its ingredients from the regularised spectrum ``lam`` (``analyze``)."""
    n = lam.shape[0]
    N = n // 2
    zero = _is_zero(lam)
    lam_N = float(lam[N])
    if not zero.any():
        # ε is scale-free: divide by λ_max first so that 1/λ cannot overflow (λ ≥ ZERO_RTOL·λ_max).
        top = float(np.max(lam))
        scaled = lam / top
        error = float((1.0 / scaled[N]) / np.mean(1.0 / scaled))
        with np.errstate(over="ignore"):
            mean_inverse = float(np.mean(1.0 / scaled) / top)
        condition = top / float(np.min(lam))
        # below ~n·eps·λ_max an FFT eigenvalue is round-off, not a property of the kernel
        resolved = lam_N - ridge > n * np.finfo(float).eps * (top - ridge)
        status, note = _nonsingular_status(lam_N - ridge if resolved else 0.0, ridge, condition, error)
        return SpectralAnalysis(lam, lam_N, mean_inverse, error, False, note, status, condition)
    m = int(zero.sum())
    caveat = (
        f" (Eigenvalues below {ZERO_RTOL:g}·λ_max count as zero; float64 cannot tell an exact "
        "zero from one that is merely below round-off."
    )
    if zero[N]:
        note = (
            f"λ_N = 0 and {m} of {n} eigenvalues vanish: the labels are invisible to the kernel; "
            f"in the vanishing-ridge limit ε = n/m = {n}/{m}."
            + caveat
            + " n/m is exact when they are exact zeros, e.g. coinciding orbits (A = B makes "
            "yᵀKy = nλ_N = 0); for eigenvalues that merely underflow, add a ridge, which then "
            "sets ε.)"
        )
        return SpectralAnalysis(lam, 0.0, float("inf"), n / m, True, note, "labels_invisible", float("inf"))
    note = (
        f"{m} of {n} eigenvalues vanish (rank-deficient kernel): ⟨λ⁻¹⟩ = ∞ while λ_N > 0, "
        "so ε = 0 — the left-out point is predicted exactly."
        + caveat
        + " ε → 0 either way, since 1/λ_f ≫ 1/λ_N.)"
    )
    return SpectralAnalysis(lam, lam_N, float("inf"), 0.0, True, note, "rank_deficient", float("inf"))


def _digits(condition: float) -> float:
    """Significant digits left after float64 round-off amplified by κ: ``−log10(κ·eps)``."""
    if not np.isfinite(condition):
        return 0.0
    return float(np.clip(-np.log10(condition * np.finfo(float).eps), 0.0, 15.65))


def _nonsingular_status(bare_lam_N: float, ridge: float, condition: float, error: float) -> tuple[str, str]:
    """``(status, note)`` of a spectrum without zeros (see ``SpectralAnalysis.status``)."""
    accuracy = (f"κ = λ_max/λ_min ≈ {condition:.2g}, so ε keeps about {_digits(condition):.0f} "
                "significant digits in float64.")
    if ridge > 0 and bare_lam_N <= ridge:
        return "ridge_dominated", (
            f"λ_N = {f'{bare_lam_N:.3g}' if bare_lam_N > 0 else '0 to round-off'} is below the ridge "
            f"σ² = {ridge:.3g}: the kernel barely "
            f"sees the alternating labels, and ε = {error:.4g} measures the ridge more than the "
            f"kernel (a smaller ridge moves it). {accuracy}"
        )
    if condition > NEAR_SINGULAR_CONDITION:
        return "near_singular", f"Near-singular kernel: {accuracy}"
    return "ok", ""


def spectral_error(Kc, missing=None, ridge: float = 0.0):
    """Spectral error of a circulant kernel over two interleaved orbits (Eq. 7, App. A.1).

    Parameters
    ----------
    Kc : ndarray of shape (n, n)
        Symmetric circulant kernel, n = 2N.
    missing : sequence of int or None
        None for one left-out point (returns the float ``ε``), or a sequence of distinct
        indices S (returns an array ``ε_S`` with ``ŷ_S = y_S (1 − ε_S)``, from
        ``e_S = ([K⁻¹]_SS)⁻¹ [K⁻¹ y]_S``, an ``|S|×|S|`` solve).
    ridge : float
        σ² ≥ 0 added to every eigenvalue.

    Examples
    --------
    >>> X, y = nv.datasets.circle_pair(N=8, delta=1.0)
    >>> K = nv.kernels.rbf(length_scale=1.0)(X)
    >>> eps = nv.spectral.spectral_error(K)
    >>> print(f"{eps:.4f}")
    0.0459
    >>> bool(np.isclose(eps, nv.gp.loo_error(K, y, ridge=0.0)))   # the exact leave-one-out error
    True
    >>> np.round(nv.spectral.spectral_error(K, missing=[0, 2]), 4).tolist()   # A_0 and A_1 out
    [0.2126, 0.2126]
    """
    if missing is None:
        return analyze(Kc, ridge).error
    return spectral_errors(Kc, missing, ridge)


def spectral_errors(Kc, missing, ridge: float = 0.0) -> np.ndarray:
    """Errors ``ε_S`` at several left-out indices at once (App. A.1); see ``spectral_error``.

    Examples
    --------
    >>> X, y = nv.datasets.circle_pair(N=8, delta=1.0)
    >>> K = nv.kernels.rbf()(X)
    >>> S = np.array([0, 2])                      # leave out A_0 and A_1 together
    >>> eps_S = nv.spectral.spectral_errors(K, S)
    >>> train = np.setdiff1d(np.arange(16), S)
    >>> mean = nv.gp.posterior(K, y[train], train, S, ridge=0.0).mean
    >>> bool(np.allclose(mean, y[S] * (1 - eps_S)))   # ŷ_S = y_S (1 − ε_S)
    True
    """
    lam = _regularised(spectrum(Kc), ridge)
    n = lam.shape[0]
    S = _check_missing(missing, n)
    y = np.tile([1.0, -1.0], n // 2)
    if _is_zero(lam).any():
        # ⟨λ⁻¹⟩ diverges; the vanishing-ridge limit is the min-norm (pseudo-inverse) interpolant.
        K = circulant(np.fft.ifft(lam).real)
        train = np.setdiff1d(np.arange(n), S)
        prediction = K[np.ix_(S, train)] @ np.linalg.pinv(K[np.ix_(train, train)], hermitian=True) @ y[train]
        return (y[S] - prediction) * y[S]
    frequencies = np.arange(n)
    offsets = S[:, None] - S[None, :]
    inverse_SS = np.cos(2 * np.pi * offsets[..., None] * frequencies / n) @ (1.0 / lam) / n
    inverse_y = y[S] / lam[n // 2]
    return np.linalg.solve(inverse_SS, inverse_y) * y[S]


def _check_missing(missing, n: int) -> np.ndarray:
    S = np.asarray(missing)
    if S.ndim != 1 or S.size == 0 or not np.issubdtype(S.dtype, np.integer):
        raise ValueError(f"missing must be a non-empty sequence of integer indices, got {missing!r}")
    if np.any(S < 0) or np.any(S >= n):
        raise ValueError(f"missing must hold indices in [0, {n - 1}], got {S.tolist()}")
    if np.unique(S).size != S.size:
        raise ValueError(f"missing must hold distinct indices, got {S.tolist()}")
    if S.size >= n:
        raise ValueError(f"missing must leave at least one training point, got all {n}")
    check_int("len(missing)", S.size, minimum=1, maximum=n - 1)
    return S.astype(int)
