"""The circle toy model of Neural kernel theory of symmetry learning, arXiv 2412.11521, Sec. 3.2
(docs/theory.md#the-circle-pair, docs/theory.md#the-spectral-error): everything the first explorer
shows.

Two interleaved C_N orbits (``datasets.circle_pair``), an RBF kernel, its circulant spectrum and
the spectral error ``ε = λ_N⁻¹ / ⟨λ⁻¹⟩`` (Eq. 7), checked against an exact leave-one-out GP
solve at row 0 (point ``A_0``).

Ridge convention (one for both sides, so they agree to round-off): the exact solve uses the
package default relative ridge ``ρ = gp.DEFAULT_RIDGE`` (``K_train + ρ·tr(K_train)·I``); the
spectral side adds the same absolute ``σ² = ρ·tr(K_train)`` to every eigenvalue, because
``K_train + σ²I`` is the training block of the circulant ``K + σ²I``. With ``ρ = 0`` the two
still agree wherever ``K`` is well conditioned.
"""

from __future__ import annotations

import dataclasses
import functools

import numpy as np
from scipy import special

from .. import datasets, gp, spectral
from ..kernels import rbf
from ..params import Param, Params

__all__ = ["CircleState", "circle_state", "error_vs_delta", "error_vs_N", "RING_POINTS",
           "log_spectrum", "vanishing_ridge_error", "PARAMS"]

#: Number of angles on each dense ring of the posterior-mean curve.
RING_POINTS = 121
#: Limits of the toy model's settings (ring radius 1; the widget offers N ≤ 64, δ ≤ 3,
#: 0.05 ≤ ℓ ≤ 5). Beyond them the kernel is the identity or all ones, and the analytic spectrum
#: would need ~12/ℓ Bessel aliases (ℓ = 1e-10: 10^11 terms) or overflow in (δ/ℓ)²; a dense
#: 2N × 2N circulant of N = 4096 is 0.5 GB.
MAX_N = 4096
MAX_DELTA = 1e3
LENGTH_SCALE_RANGE = (1e-3, 1e3)

#: The toy model's parameters (the explorer's sliders offer N ≤ 64, δ ≤ 3, 0.05 ≤ ℓ ≤ 5).
PARAMS = Params(
    Param("N", "int", 2, MAX_N, label="N (orbit size)", control=(2, 64, 1)),
    Param("delta", "real", 0.0, MAX_DELTA, label="δ (separation)", control=(0.0, 3.0, 0.05)),
    Param("length_scale", "real", *LENGTH_SCALE_RANGE, label="ℓ (length scale)",
          control=(-1.3, 0.7, 0.01), log=True),
    Param("ridge", "real", 0.0),
    Param("deltas", "reals", 0.0, MAX_DELTA),
    Param("Ns", "ints", 2, MAX_N),
)


@dataclasses.dataclass(frozen=True)
class CircleState:
    """The toy model at one setting ``(N, δ, ℓ, ρ)``; arrays are read-only.

    Attributes
    ----------
    X : ndarray of shape (2N, 3)
        Points, rows ``A_0, B_0, A_1, …``.
    y : ndarray of shape (2N,)
        Labels ``(+1, −1, …)``.
    K : ndarray of shape (2N, 2N)
        RBF Gram matrix (circulant in this order).
    Kc : ndarray of shape (2N, 2N)
        Circularisation of K (Eq. 12).
    sigma2 : float
        Absolute ridge ``σ² = ρ·tr(K_train)`` added to every eigenvalue.
    lam : ndarray of shape (2N,)
        Eigenvalues ``λ_f + σ²`` in DFT order.
    inverse : ndarray of shape (2N,)
        ``1/(λ_f + σ²)``.
    lam_N, mean_inverse : float
        ``λ_N`` and ``⟨λ⁻¹⟩`` (ridge included).
    eps_spectral : float
        ``ε = λ_N⁻¹/⟨λ⁻¹⟩`` (Eq. 7).
    note : str
        Explanation for a rank-deficient kernel.
    loo_prediction, loo_error : float
        Exact GP prediction ``ŷ_0`` at ``A_0`` from the other 2N−1 points and ``|ŷ_0 − 1|``;
        Eq. 7 says ``ŷ_0 = 1 − ε``.
    ring_angles : ndarray of shape (RING_POINTS,)
        Angles θ in [0, 2π].
    ring_mean_A, ring_mean_B : ndarray of shape (RING_POINTS,)
        Posterior mean (trained without ``A_0``) at ``(cos θ, sin θ, ±δ/2)``, the heights of
        orbits A and B.
    status : str
        ``analysis.status`` of the spectral side (``spectral.STATUSES``).
    eps_limit : float
        ε of the exact kernel without any ridge, from the analytic spectrum
        (``vanishing_ridge_error``): finite even where float64's K cannot resolve ``λ_N``.
    """

    N: int
    delta: float
    length_scale: float
    ridge: float
    X: np.ndarray
    y: np.ndarray
    K: np.ndarray
    Kc: np.ndarray
    sigma2: float
    lam: np.ndarray
    inverse: np.ndarray
    lam_N: float
    mean_inverse: float
    eps_spectral: float
    note: str
    loo_prediction: float
    loo_error: float
    ring_angles: np.ndarray
    ring_mean_A: np.ndarray
    ring_mean_B: np.ndarray
    status: str = "ok"
    eps_limit: float = 0.0

    @property
    def prediction_spectral(self) -> float:
        """``ŷ_0 = y_0 (1 − ε)`` (Eq. 7)."""
        return float(self.y[0] * (1.0 - self.eps_spectral))


def _frozen(array: np.ndarray) -> np.ndarray:
    array = np.asarray(array, dtype=np.float64)
    array.setflags(write=False)
    return array


def _spectral(Kc: np.ndarray, ridge: float) -> tuple[float, spectral.SpectralAnalysis]:
    """``σ² = ρ·tr(K_train)`` (row 0 left out) and Eq. 7 on the circulant ``K̃ + σ²I``.

    ``K_train + σ²I`` is the training block of the circulant ``K̃ + σ²I``, so Eq. 7 on the
    latter is what the exact solve computes (equivalently ``analyze(Kc, ridge=σ²)``).
    """
    sigma2 = ridge * float(np.trace(Kc) - Kc[0, 0])
    return sigma2, spectral.analyze(Kc, ridge=sigma2)


def _ring_posterior(X, y, K, length_scale, ridge, delta, angles):
    """Posterior mean on the rings through A's and B's heights, trained without row 0:
    ``k(z, X_train) · α`` with one solve for the dual weights ``α``."""
    alpha = gp.dual_weights(K[1:, 1:], y[1:], ridge=ridge)
    kernel = rbf(length_scale)
    ring = np.stack([np.cos(angles), np.sin(angles)], axis=1)
    means = []
    for height in (delta / 2, -delta / 2):
        Z = np.column_stack([ring, np.full(len(angles), height)])
        means.append(kernel(Z, X[1:]) @ alpha)
    return means[0], means[1]


def _log_ive(k: np.ndarray, a: float) -> np.ndarray:
    """``log(I_k(a)·e^{−a})`` for integers ``k ≥ 0``: scipy's ``ive`` while it is representable,
    else Debye's uniform expansion with two correction terms (relative error ~1/k³)."""
    k = np.asarray(k, dtype=float)
    with np.errstate(divide="ignore"):
        direct = np.log(special.ive(k, a))
    nu = np.maximum(k, 1.0)
    root = np.sqrt(1.0 + (a / nu) ** 2)
    t = 1.0 / root
    series = 1.0 + (3 * t - 5 * t**3) / (24 * nu) + (81 * t**2 - 462 * t**4 + 385 * t**6) / (1152 * nu**2)
    debye = (nu * (root + np.log((a / nu) / (1.0 + root))) - a - 0.5 * np.log(2 * np.pi * nu)
             - 0.5 * np.log(root) + np.log(series))
    return np.where(direct > -575.0, direct, debye)


@PARAMS.validated
def log_spectrum(N: int, delta: float, length_scale: float) -> np.ndarray:
    """``log λ_f`` of the circle pair's RBF kernel from its analytic spectrum, no Gram matrix.

    With ``a = 1/ℓ²``, ``β = exp(−δ²/2ℓ²)`` and ``e^{a cos φ} = Σ_k I_k(a) e^{ikφ}``, the first
    row ``c_j = e^{−a} e^{a cos(πj/N)} β^{[j odd]}`` has the DFT
    ``λ_f = e^{−a} [β·n·S_n(f) + (1 − β)·N·S_N(f)]``, ``S_p(f) = Σ_{k ≡ f (mod p)} I_|k|(a)``:
    a sum of positive terms, so every ``λ_f > 0`` is resolved far below float64's round-off of
    K (down to ~1e-300 and, in logs, beyond). Returns (2N,) natural logs in DFT order.

    Examples
    --------
    The eigenvalues are the DFT of the Gram matrix's first row, computed without K:

    >>> from ntkviz.experiments import circle
    >>> log_lam = circle.log_spectrum(8, 1.0, 1.0)
    >>> K = circle.circle_state(N=8, delta=1.0, length_scale=1.0).K
    >>> log_lam.shape, bool(np.allclose(np.exp(log_lam), np.fft.fft(K[0]).real))
    ((16,), True)

    Far below float64's round-off (there ``fft(K[0])`` returns noise around 1e-16):

    >>> print(f"{circle.log_spectrum(32, 0.0, 3.0).min():.1f}")
    -169.3
    """
    n, a = 2 * N, 1.0 / length_scale**2
    log_beta = -0.5 * (delta / length_scale) ** 2
    f = np.arange(n)[:, None]

    def log_aliases(p: int) -> np.ndarray:
        # I_k(a) falls like exp(−k²/2a) beyond k ≈ √a: aliases up to |k| ≈ 12√a + n suffice
        T = int(np.ceil((12.0 * np.sqrt(a) + 40 + n) / p)) + 1
        k = np.abs(f + p * np.arange(-T, T + 1)[None, :])
        return np.logaddexp.reduce(_log_ive(k, a), axis=1)

    log_lam = log_beta + np.log(n) + log_aliases(n)
    if log_beta < 0.0:
        log_lam = np.logaddexp(log_lam, np.log(-np.expm1(log_beta)) + np.log(N) + log_aliases(N))
    return log_lam


def vanishing_ridge_error(N: int, delta: float, length_scale: float) -> float:
    """``ε = λ_N⁻¹/⟨λ⁻¹⟩`` (Eq. 7) of the exact circle kernel with no ridge (``ρ → 0``).

    From ``log_spectrum``, so it is finite and accurate where float64 cannot resolve the
    smallest eigenvalues of K (δ = 0 with a long ℓ or a large N): there the whole inverse
    spectrum is dominated by ``1/λ_N`` and ε → n = 2N (``ŷ₀ ≈ 1 − 2N``).

    Examples
    --------
    Where K is well conditioned it is the ε of ``circle_state`` (whose ridge is tiny):

    >>> from ntkviz.experiments import circle
    >>> print(f"{circle.vanishing_ridge_error(8, 1.0, 1.0):.4f}")
    0.0459
    >>> print(f"{circle.circle_state(N=8, delta=1.0, length_scale=1.0).eps_spectral:.4f}")
    0.0459

    Two coinciding orbits (δ = 0) and a long ℓ: float64 only sees the ridge, the exact kernel
    gives ε close to 2N = 64:

    >>> state = circle.circle_state(N=32, delta=0.0, length_scale=3.0)
    >>> print(state.status, f"{state.eps_spectral:.2f}")
    ridge_dominated 1.22
    >>> print(f"{circle.vanishing_ridge_error(32, 0.0, 3.0):.2f}")
    63.56
    """
    log_lam = log_spectrum(N, delta, length_scale)
    N = log_lam.shape[0] // 2
    return float(1.0 / np.mean(np.exp(log_lam[N] - log_lam)))


def _limit_note(analysis: spectral.SpectralAnalysis, eps_limit: float) -> str:
    """The analysis note, plus the exact ridge-free ε where float64's spectrum cannot give it."""
    if analysis.status in ("ridge_dominated", "labels_invisible") or (
            analysis.status == "rank_deficient" and eps_limit > 1e-6):
        return (analysis.note + f" Without a ridge, in exact arithmetic (analytic spectrum), "
                f"ε → {eps_limit:.6g}.")
    return analysis.note


@PARAMS.validated
@functools.lru_cache(maxsize=256)
def circle_state(
    N: int = 8, delta: float = 1.0, length_scale: float = 1.0, ridge: float = gp.DEFAULT_RIDGE
) -> CircleState:
    """The toy model at ``(N, δ, ℓ)``: kernel, spectrum, ε (Eq. 7) and the exact LOO check.

    Results are cached on the (validated) arguments.

    Parameters
    ----------
    N : int
        Orbit size ≥ 2 (n = 2N points).
    delta : float
        Orbit separation δ ≥ 0.
    length_scale : float
        RBF length scale ℓ > 0.
    ridge : float
        Relative ridge ρ ≥ 0 (default ``gp.DEFAULT_RIDGE`` = 1e-10, the paper's setting);
        see the module docstring for how both sides use it.

    Examples
    --------
    Eq. 7 read off the spectrum against the exact leave-one-out GP solve at ``A_0``:

    >>> from ntkviz.experiments import circle
    >>> state = circle.circle_state(N=8, delta=1.0, length_scale=1.0)
    >>> state.X.shape, state.K.shape, state.status
    ((16, 3), (16, 16), 'ok')
    >>> print(f"spectral ε = {state.eps_spectral:.6f}, exact error = {state.loo_error:.6f}")
    spectral ε = 0.045884, exact error = 0.045884
    >>> bool(np.isclose(state.prediction_spectral, state.loo_prediction))
    True
    """
    X, y = datasets.circle_pair(N, delta)
    K = rbf(length_scale)(X)
    Kc = spectral.circularize(K)
    sigma2, analysis = _spectral(Kc, ridge)
    prediction = gp.loo_prediction(K, y, 0, ridge=ridge)
    angles = np.linspace(0.0, 2.0 * np.pi, RING_POINTS)
    mean_A, mean_B = _ring_posterior(X, y, K, length_scale, ridge, delta, angles)
    eps_limit = vanishing_ridge_error(N, delta, length_scale)
    return CircleState(
        N=N,
        delta=delta,
        length_scale=length_scale,
        ridge=ridge,
        X=_frozen(X),
        y=_frozen(y),
        K=_frozen(K),
        Kc=_frozen(Kc),
        sigma2=sigma2,
        lam=_frozen(analysis.lam),
        inverse=_frozen(spectral.inverse_spectrum(analysis.lam)),
        lam_N=analysis.lam_N,
        mean_inverse=analysis.mean_inverse,
        eps_spectral=float(analysis.error),
        note=_limit_note(analysis, eps_limit),
        loo_prediction=prediction,
        loo_error=abs(prediction - float(y[0])),
        ring_angles=_frozen(angles),
        ring_mean_A=_frozen(mean_A),
        ring_mean_B=_frozen(mean_B),
        status=analysis.status,
        eps_limit=eps_limit,
    )


@functools.lru_cache(maxsize=8192)
def _eps(N: int, delta: float, length_scale: float, ridge: float) -> float:
    """Eq. 7 from the first kernel row only (K is exactly circulant for the circle pair).

    Cached per point, so a sweep that gains one new value (the current setting) costs one ε.
    """
    X, _ = datasets.circle_pair(N, delta)
    row = rbf(length_scale)(X[:1], X)[0]
    # A stationary kernel gives c_j = c_{n−j} up to round-off; symmetrise it exactly.
    row = 0.5 * (row + np.roll(row[::-1], 1))
    # σ² as _spectral takes it, ρ·(tr K̃ − K̃₀₀), summed the same way (ε equals circle_state's)
    sigma2 = ridge * float(np.full(len(row), row[0]).sum() - row[0])
    return float(spectral.analyze_row(row, ridge=sigma2).error)


@PARAMS.validated
def error_vs_delta(N: int, length_scale: float, deltas, ridge: float = gp.DEFAULT_RIDGE) -> np.ndarray:
    """Spectral error ε (Eq. 7) at each δ in ``deltas`` (≥ 0) for fixed N, ℓ; cached per point.

    Examples
    --------
    The further apart the two orbits, the smaller the error:

    >>> from ntkviz.experiments import circle
    >>> eps = circle.error_vs_delta(N=8, length_scale=1.0, deltas=[0.25, 0.5, 1.0, 2.0])
    >>> print(np.round(eps, 3))
    [0.153 0.088 0.046 0.025]
    """
    return _frozen([_eps(N, d, length_scale, ridge) for d in deltas])


@PARAMS.validated
def error_vs_N(delta: float, length_scale: float, Ns, ridge: float = gp.DEFAULT_RIDGE) -> np.ndarray:
    """Spectral error ε (Eq. 7) at each orbit size N in ``Ns`` (integers ≥ 2) for fixed δ, ℓ;
    cached per point.

    Examples
    --------
    Larger orbits (more symmetric copies of each point) make the held-out point easier to
    predict; past N ≈ 4 the error falls by orders of magnitude:

    >>> from ntkviz.experiments import circle
    >>> eps = circle.error_vs_N(delta=1.0, length_scale=1.0, Ns=[2, 4, 8, 16])
    >>> print([f"{e:.2g}" for e in eps])
    ['1.3', '0.8', '0.046', '4.5e-06']
    """
    return _frozen([_eps(N, delta, length_scale, ridge) for N in Ns])
