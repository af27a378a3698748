"""Gaussian-process (kernel ridge) regression on a kernel matrix
(docs/theory.md#gaussian-process-regression).

The posterior mean at test points is ``ŷ = K_*ᵀ (K_train + λ I)⁻¹ y_train`` with the paper's
relative ridge ``λ = ρ · tr(K_train)``, ``ρ = 1e-10``. The symmetrised exact error leaves out
row 0 (orbit A at angle 0) and row 1 (orbit B at angle 0) in turn and averages the errors.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import scipy.linalg

from ._validate import as_finite_array, check_int, check_real, check_square

__all__ = [
    "DEFAULT_RIDGE",
    "Posterior",
    "Conditioning",
    "conditioning",
    "dual_weights",
    "posterior",
    "loo_prediction",
    "loo_error",
    "symmetrized_error",
]

#: The paper's relative ridge, λ = DEFAULT_RIDGE · trace(K_train).
DEFAULT_RIDGE = 1e-10


@dataclasses.dataclass(frozen=True)
class Posterior:
    """GP posterior at the test points: ``mean`` and ``variance`` (float64 arrays)."""

    mean: np.ndarray
    variance: np.ndarray


@dataclasses.dataclass(frozen=True)
class Conditioning:
    """How well ``K_train + λI`` determines the GP solve (see ``conditioning``).

    Attributes
    ----------
    condition : float
        ``κ = λ_max/λ_min`` of ``K_train + λI`` (``inf`` when it is singular).
    digits : float
        Significant digits a float64 solve keeps, ``≈ −log10(κ·eps)`` clipped to [0, 15.6].
    shift : float
        The absolute ridge ``λ`` added to the diagonal.
    note : str
        What this means, empty when more than 8 digits survive.
    """

    condition: float
    digits: float
    shift: float
    note: str


def conditioning(K_train, *, ridge: float = DEFAULT_RIDGE, relative: bool = True) -> Conditioning:
    """Condition number of the matrix the GP solve inverts, and the digits it leaves.

    ``K_train`` is ``(n, n)`` symmetric PSD; the ridge is ``ρ·tr(K_train)`` (``relative``) or ρ,
    as in ``posterior``. The relative ridge bounds ``κ ≲ 1/ρ``: with the default ``ρ = 1e-10``
    at least ~6 digits survive. With ``ridge=0`` a singular ``K_train`` (duplicated points,
    an exactly invariant kernel) or one singular to round-off gives ``κ = inf``: the solve
    stays finite (Cholesky, else the pseudo-inverse) but its value is not determined by
    float64 (docs/numerics.md).

    Examples
    --------
    >>> X, y = nv.datasets.circle_pair(N=8)
    >>> c = nv.gp.conditioning(nv.kernels.rbf()(X))
    >>> print(f"κ = {c.condition:.2g}, {c.digits:.0f} digits")
    κ = 3.7e+02, 13 digits
    >>> twice = np.vstack([X, X[:1]])             # one point twice, no ridge: singular
    >>> nv.gp.conditioning(nv.kernels.rbf()(twice), ridge=0.0).condition
    inf
    """
    K_train = check_square("K_train", K_train)
    ridge = check_real("ridge", ridge, minimum=0.0)
    shift = ridge * float(np.trace(K_train)) if relative else ridge
    eigenvalues = np.linalg.eigvalsh(0.5 * (K_train + K_train.T)) + shift
    top, bottom = float(np.max(eigenvalues)), float(np.min(eigenvalues))
    eps = np.finfo(float).eps
    # an eigenvalue within round-off (n·eps·λ_max) of zero makes the matrix singular in float64
    if top <= 0.0 or bottom <= K_train.shape[0] * eps * top:
        return Conditioning(float("inf"), 0.0, shift, (
            f"K_train + λI (λ = {shift:.3g}) is singular to round-off (smallest eigenvalue "
            f"{bottom:.3g}, largest {top:.3g}): the solve stays finite (Cholesky, else the "
            "pseudo-inverse) but round-off decides the GP mean; use a ridge > 0."))
    condition = top / bottom
    digits = float(np.clip(-np.log10(condition * eps), 0.0, 15.65))
    note = "" if digits >= 8 else (
        f"K_train + λI has κ ≈ {condition:.2g} (λ = {shift:.3g}): the GP mean keeps about "
        f"{digits:.0f} significant digits in float64.")
    return Conditioning(condition, digits, shift, note)


def _check_labels(y, n: int, name: str = "y") -> np.ndarray:
    y = as_finite_array(name, y, ndim=1)
    if y.shape[0] != n:
        raise ValueError(f"{name} must have one label per row of K ({n}), got {y.shape[0]}")
    return y


def _indices(name: str, index, n: int) -> np.ndarray:
    index = np.atleast_1d(np.asarray(index))
    if index.ndim != 1 or not np.issubdtype(index.dtype, np.integer):
        raise ValueError(f"{name} must be integer indices, got {index!r}")
    if np.any(index < 0) or np.any(index >= n):
        raise ValueError(f"{name} must hold indices in [0, {n - 1}], got {index.tolist()}")
    return index.astype(int)


def _solve_psd(A: np.ndarray, B: np.ndarray) -> np.ndarray:
    """``A⁻¹ B`` for a symmetric PSD ``A``: Cholesky, else the pseudo-inverse (never NaN)."""
    try:
        factor = scipy.linalg.cho_factor(A, lower=True, check_finite=False)
        solution = scipy.linalg.cho_solve(factor, B, check_finite=False)
        if np.all(np.isfinite(solution)):
            return solution
    except np.linalg.LinAlgError:
        pass
    return np.linalg.pinv(A, hermitian=True) @ B


def dual_weights(K_train, y_train, *, ridge: float = DEFAULT_RIDGE, relative: bool = True) -> np.ndarray:
    """``α = (K_train + λI)⁻¹ y`` with ``λ = ρ·tr(K_train)`` (``relative``) or ``ρ``.

    ``y_train`` is ``(n,)`` or ``(n, T)`` (several targets, e.g. one-hot classes, in one
    solve). The posterior mean anywhere is then ``k(x, X_train) · α``.

    Examples
    --------
    >>> X, y = nv.datasets.circle_pair(N=4)
    >>> k = nv.kernels.rbf()
    >>> alpha = nv.gp.dual_weights(k(X), y)
    >>> bool(np.allclose(k(X) @ alpha, y))        # the mean interpolates the training labels
    True
    >>> x_new = np.array([[1.0, 0.0, 0.4]])       # a new point close to x_A (label +1)
    >>> print(f"{(k(x_new, X) @ alpha)[0]:.4f}")
    0.8372
    """
    K_train = check_square("K_train", K_train)
    y_train = as_finite_array("y_train", y_train, ndim=(1, 2))
    if y_train.shape[0] != K_train.shape[0]:
        raise ValueError(f"y_train must have one row per row of K_train ({K_train.shape[0]}), "
                         f"got {y_train.shape[0]}")
    ridge = check_real("ridge", ridge, minimum=0.0)
    shift = ridge * np.trace(K_train) if relative else ridge
    return _solve_psd(K_train + shift * np.eye(K_train.shape[0]), y_train)


def posterior(
    K,
    y_train,
    train,
    test,
    *,
    ridge: float = DEFAULT_RIDGE,
    relative: bool = True,
) -> Posterior:
    """GP posterior mean and variance at ``test`` given labels at ``train``.

    Parameters
    ----------
    K : ndarray of shape (n, n)
        Kernel matrix over all points.
    y_train : ndarray of shape (len(train),)
        Labels of the training points.
    train, test : ndarray of int
        Integer index arrays into K.
    ridge : float
        ρ ≥ 0; the ridge added to ``K_train`` is ``ρ·tr(K_train)`` if ``relative`` else ρ.

    Returns
    -------
    Posterior
        With ``mean = K_*ᵀ (K_train + λI)⁻¹ y`` and
        ``variance = diag(K_**) − diag(K_*ᵀ (K_train + λI)⁻¹ K_*)`` (clipped at 0).

    Examples
    --------
    >>> X, y = nv.datasets.circle_pair(N=8)
    >>> K = nv.kernels.rbf()(X)
    >>> train, test = np.arange(2, 16), np.array([0, 1])     # hold out A_0 and B_0
    >>> post = nv.gp.posterior(K, y[train], train, test)
    >>> np.round(post.mean, 4).tolist(), np.round(post.variance, 4).tolist()
    ([0.9593, -0.9593], [0.0684, 0.0684])
    """
    K = check_square("K", K)
    n = K.shape[0]
    train = _indices("train", train, n)
    test = _indices("test", test, n)
    y_train = _check_labels(y_train, train.size, "y_train")
    ridge = check_real("ridge", ridge, minimum=0.0)
    K_train = K[np.ix_(train, train)]
    K_cross = K[np.ix_(train, test)]
    shift = ridge * np.trace(K_train) if relative else ridge
    A = K_train + shift * np.eye(train.size)
    solved = _solve_psd(A, np.column_stack([y_train, K_cross]))
    mean = K_cross.T @ solved[:, 0]
    variance = np.diag(K)[test] - np.einsum("ij,ij->j", K_cross, solved[:, 1:])
    return Posterior(mean, np.maximum(variance, 0.0))


def loo_prediction(K, y, index: int = 0, *, ridge: float = DEFAULT_RIDGE) -> float:
    """Prediction at row ``index`` by GP regression on all other rows (relative ridge).

    Examples
    --------
    >>> X, y = nv.datasets.circle_pair(N=8)
    >>> K = nv.kernels.rbf()(X)
    >>> print(f"{nv.gp.loo_prediction(K, y, index=0):.4f}")    # the label is +1
    0.9541
    >>> print(f"{1 - nv.spectral.spectral_error(K):.4f}")       # ŷ = y (1 − ε)
    0.9541
    """
    K = check_square("K", K)
    n = K.shape[0]
    if n < 2:
        raise ValueError(f"K must have at least 2 rows for leave-one-out, got {n}")
    y = _check_labels(y, n)
    index = check_int("index", index, minimum=-n, maximum=n - 1) % n
    train = np.delete(np.arange(n), index)
    return float(posterior(K, y[train], train, [index], ridge=ridge).mean[0])


def loo_error(K, y, index: int = 0, *, ridge: float = DEFAULT_RIDGE) -> float:
    """Leave-one-out error ``|ŷ_index − y_index|`` (docs/theory.md#why-it-is-exact).

    Examples
    --------
    A wider RBF kernel generalises to the left-out point of the circle pair:

    >>> X, y = nv.datasets.circle_pair(N=8, delta=1.0)
    >>> for length_scale in (0.3, 1.0, 2.0):
    ...     K = nv.kernels.rbf(length_scale)(X)
    ...     print(length_scale, f"{nv.gp.loo_error(K, y, index=0):.4f}")
    0.3 0.9284
    1.0 0.0459
    2.0 0.0009
    """
    y_array = as_finite_array("y", y, ndim=1)
    prediction = loo_prediction(K, y_array, index, ridge=ridge)
    return abs(prediction - float(y_array[index]))


def symmetrized_error(K, y, *, ridge: float = DEFAULT_RIDGE) -> float:
    """Mean leave-one-out error at row 0 (A, angle 0) and row 1 (B, angle 0)
    (docs/theory.md#the-symmetrised-exact-error).

    Examples
    --------
    >>> digits = nv.datasets.mnist_test_set()[0]
    >>> A = nv.datasets.orbit(digits[0], N=8, action="rotate")
    >>> B = nv.datasets.orbit(digits[1], N=8, action="rotate")
    >>> X, y = nv.datasets.interleave(A, B)
    >>> K = nv.kernels.rbf()(X)
    >>> print(f"{nv.gp.loo_error(K, y, 0):.4f}, {nv.gp.loo_error(K, y, 1):.4f}")   # A_0, B_0
    0.7990, 0.8009
    >>> print(f"{nv.gp.symmetrized_error(K, y):.4f}")
    0.7999
    """
    return 0.5 * (loo_error(K, y, 0, ridge=ridge) + loo_error(K, y, 1, ridge=ridge))
