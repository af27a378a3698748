"""The circle toy model of seed 001 (THEORY §1–2): everything the first explorer shows.

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

from .. import datasets, gp, spectral
from .._validate import as_finite_array, check_int, check_real
from ..kernels import rbf

__all__ = ["CircleState", "circle_state", "error_vs_delta", "error_vs_N", "RING_POINTS"]

#: Number of angles on each dense ring of the posterior-mean curve.
RING_POINTS = 121


@dataclasses.dataclass(frozen=True)
class CircleState:
    """The toy model at one setting ``(N, δ, ℓ, ρ)``; arrays are read-only.

    Attributes
    ----------
    X : (2N, 3) points, rows ``A_0, B_0, A_1, …``;  y : (2N,) labels ``(+1, −1, …)``
    K : (2N, 2N) RBF Gram matrix (circulant in this order);  Kc : its circularisation (Eq. 12)
    sigma2 : absolute ridge ``σ² = ρ·tr(K_train)`` added to every eigenvalue
    lam : (2N,) eigenvalues ``λ_f + σ²`` in DFT order;  inverse : ``1/(λ_f + σ²)``
    lam_N, mean_inverse : ``λ_N`` and ``⟨λ⁻¹⟩`` (ridge included)
    eps_spectral : ``ε = λ_N⁻¹/⟨λ⁻¹⟩`` (Eq. 7);  note : explanation for a rank-deficient kernel
    loo_prediction, loo_error : exact GP prediction ``ŷ_0`` at ``A_0`` from the other 2N−1
        points and ``|ŷ_0 − 1|``; Eq. 7 says ``ŷ_0 = 1 − ε``
    ring_angles : (RING_POINTS,) angles θ in [0, 2π];  ring_mean_A, ring_mean_B : posterior mean
        (trained without ``A_0``) at ``(cos θ, sin θ, ±δ/2)``, the heights of orbits A and B
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

    @property
    def prediction_spectral(self) -> float:
        """``ŷ_0 = y_0 (1 − ε)`` (Eq. 7)."""
        return float(self.y[0] * (1.0 - self.eps_spectral))


def _check(N, delta, length_scale, ridge) -> tuple[int, float, float, float]:
    return (
        check_int("N", N, minimum=2),
        check_real("delta", delta, minimum=0.0),
        check_real("length_scale", length_scale, minimum=0.0, strict_minimum=True),
        check_real("ridge", ridge, minimum=0.0),
    )


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
    return sigma2, spectral.analyze(Kc + sigma2 * np.eye(Kc.shape[0]))


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


@functools.lru_cache(maxsize=256)
def _circle_state(N: int, delta: float, length_scale: float, ridge: float) -> CircleState:
    X, y = datasets.circle_pair(N, delta)
    K = rbf(length_scale)(X)
    Kc = spectral.circularize(K)
    sigma2, analysis = _spectral(Kc, ridge)
    prediction = gp.loo_prediction(K, y, 0, ridge=ridge)
    angles = np.linspace(0.0, 2.0 * np.pi, RING_POINTS)
    mean_A, mean_B = _ring_posterior(X, y, K, length_scale, ridge, delta, angles)
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
        note=analysis.note,
        loo_prediction=prediction,
        loo_error=abs(prediction - float(y[0])),
        ring_angles=_frozen(angles),
        ring_mean_A=_frozen(mean_A),
        ring_mean_B=_frozen(mean_B),
    )


def circle_state(
    N: int = 8, delta: float = 1.0, length_scale: float = 1.0, ridge: float = gp.DEFAULT_RIDGE
) -> CircleState:
    """The toy model at ``(N, δ, ℓ)``: kernel, spectrum, ε (Eq. 7) and the exact LOO check.

    Parameters
    ----------
    N : orbit size ≥ 2 (n = 2N points);  delta : orbit separation δ ≥ 0
    length_scale : RBF length scale ℓ > 0
    ridge : relative ridge ρ ≥ 0 (default ``gp.DEFAULT_RIDGE`` = 1e-10, the paper's setting);
        see the module docstring for how both sides use it

    Results are cached on the (validated) arguments.
    """
    return _circle_state(*_check(N, delta, length_scale, ridge))


def _sweep_values(name: str, values) -> tuple:
    array = as_finite_array(name, values, ndim=1)
    if array.size == 0:
        raise ValueError(f"{name} must hold at least one value, got an empty sequence")
    return tuple(float(v) for v in array)


@functools.lru_cache(maxsize=8192)
def _eps(N: int, delta: float, length_scale: float, ridge: float) -> float:
    """Eq. 7 from the first kernel row only (K is exactly circulant for the circle pair).

    Cached per point, so a sweep that gains one new value (the current setting) costs one ε.
    """
    X, _ = datasets.circle_pair(N, delta)
    row = rbf(length_scale)(X[:1], X)[0]
    # A stationary kernel gives c_j = c_{n−j} up to round-off; symmetrise it exactly.
    row = 0.5 * (row + np.roll(row[::-1], 1))
    return float(_spectral(spectral.circulant(row), ridge)[1].error)


def _error_vs_delta(N, length_scale, deltas, ridge) -> np.ndarray:
    return _frozen([_eps(N, d, length_scale, ridge) for d in deltas])


def _error_vs_N(delta, length_scale, Ns, ridge) -> np.ndarray:
    return _frozen([_eps(N, delta, length_scale, ridge) for N in Ns])


def error_vs_delta(N: int, length_scale: float, deltas, ridge: float = gp.DEFAULT_RIDGE) -> np.ndarray:
    """Spectral error ε (Eq. 7) at each δ in ``deltas`` (≥ 0) for fixed N, ℓ; cached."""
    N, _, length_scale, ridge = _check(N, 0.0, length_scale, ridge)
    deltas = _sweep_values("deltas", deltas)
    if min(deltas) < 0:
        raise ValueError(f"deltas must all be >= 0, got minimum {min(deltas)}")
    return _error_vs_delta(N, length_scale, deltas, ridge)


def error_vs_N(delta: float, length_scale: float, Ns, ridge: float = gp.DEFAULT_RIDGE) -> np.ndarray:
    """Spectral error ε (Eq. 7) at each orbit size N in ``Ns`` (integers ≥ 2) for fixed δ, ℓ; cached."""
    _, delta, length_scale, ridge = _check(2, delta, length_scale, ridge)
    Ns = tuple(check_int("Ns", v, minimum=2) for v in np.asarray(Ns).ravel().tolist())
    if not Ns:
        raise ValueError("Ns must hold at least one orbit size, got an empty sequence")
    return _error_vs_N(delta, length_scale, Ns, ridge)
