"""Two MNIST digits, their orbits under a group action and the spectral analysis of an
architecture's kernel on them (arXiv 2412.11521, Sec. 3.3 and 3.5, Fig. 4;
docs/theory.md#circularisation, docs/theory.md#the-symmetrised-exact-error).

The two seed digits (``experiments.digits``) are taken at the architecture's resolution (28×28, or 14×14 for the
pixel-pair kernels), each is turned into its orbit of N images (``datasets.orbit``: centred,
unit norm) and the orbits are interleaved (rows ``A_0, B_0, A_1, …``). The kernel matrix K over
the 2N points is in general *not* circulant; its circularisation ``K̃`` (Eq. 12) is, and Eq. 7
on ``K̃`` gives the spectral error ``ε = λ_N⁻¹/⟨λ⁻¹⟩``. The exact check is the symmetrised
leave-one-out error on the raw K (``gp.symmetrized_error``: leave out ``A_0``, then ``B_0``).

Ridge convention (as in ``experiments.circle``): the exact solves use the relative ridge
``ρ = gp.DEFAULT_RIDGE``; the spectral side adds the same absolute ``σ² = ρ·tr(K̃_train)`` to
every eigenvalue, so the two agree to round-off whenever K is circulant. ``spectral_ridge=ρ'``
instead adds ``σ² = ρ'·tr(K̃)`` to every eigenvalue, rank-deficient or not (the paper's code,
``ρ' = 1e-5``). When ``K̃`` itself is rank-deficient (the kernel is constant over each orbit:
a GAP CNN on shifts, the C4 group CNN on quarter turns) the vanishing-ridge limit ``ε = 0`` is
reported with a note; the exact solve then gives an error of the ridge's size.
"""

from __future__ import annotations

import dataclasses
import functools

import numpy as np

from .. import datasets, geometry, gp, spectral
from .._validate import check_int, check_real, check_square
from ..params import Param, Params
from . import architectures, digit_orbits, grams
from ._common import frozen
from .digit_orbits import allowed_N, check_N
from .digits import check_digit

__all__ = ["OrbitPairState", "orbit_pair_state", "pair_state_from_orbits", "spectral_part", "warm_up",
           "PARAMS"]

#: The orbit pair's parameters (the explorer's controls are built from them): a seed digit's
#: orbit (``digit_orbits.PARAMS``: architecture, digits, action, N, order) and the rest.
PARAMS = Params(
    *digit_orbits.PARAMS.values(),
    Param("Ns", "ints", 2),
    Param("ridge", "real", 0.0),
)


# --------------------------------------------------------------------------- the state


@dataclasses.dataclass(frozen=True)
class OrbitPairState:
    """Two digit orbits, an architecture's kernel on them and Eq. 7 against the exact error.

    Arrays are read-only.

    Attributes
    ----------
    a, b : tuple of int
        The seed digits ``(label, sample)``.
    action, architecture, kind : str
        The setting.
    N : int
        The setting (orbit size).
    resolution : int
        Side of the images the kernel sees (28 or 14).
    orbit_a, orbit_b : ndarray of shape (N, R, R)
        Normalised orbits (``datasets.orbit``) at that resolution.
    X : ndarray of shape (2N, R, R)
        Interleaved points ``A_0, B_0, A_1, …``.
    y : ndarray of shape (2N,)
        Labels ``(+1, −1, …)``.
    K : ndarray of shape (2N, 2N)
        Kernel matrix (NTK or NNGP).
    Kc : ndarray of shape (2N, 2N)
        Circularisation ``K̃`` of K (Eq. 12).
    circulant_deviation : float
        ``‖K − K̃‖_F / ‖K‖_F`` (0 when K is already circulant).
    sigma2 : float
        Absolute ridge ``σ² = ρ·tr(K̃_train)`` added to every eigenvalue (0 when ``K̃`` is
        rank-deficient: the vanishing-ridge limit is reported then).
    analysis : spectral.SpectralAnalysis
        ``spectral.SpectralAnalysis`` of ``K̃`` (ridge included).
    lam : ndarray of shape (2N,)
        Eigenvalues of ``K̃`` in DFT order (ridge included).
    lam_N, mean_inverse : float
        ``λ_N`` and ``⟨λ⁻¹⟩``.
    rectangle, area : float
        ``n/λ_N`` and ``Σ_f 1/λ_f = n⟨λ⁻¹⟩`` (Eq. 7 is their ratio).
    eps_spectral : float
        ``ε = λ_N⁻¹/⟨λ⁻¹⟩`` of ``K̃`` (Eq. 7).
    prediction_a, prediction_b : float
        Exact GP predictions at ``A_0`` (row 0) and ``B_0`` (row 1), each from the other
        2N − 1 points of the raw K.
    eps_exact : float
        Symmetrised exact error ``(|ŷ_A0 − 1| + |ŷ_B0 + 1|)/2`` (``gp.symmetrized_error``).
    separation_sq, radius : float
        ``Δ² = ‖mean A − mean B‖²`` and the mean orbit radius r (Fig. 4D, E).
    note : str
        What is special about this setting (rank-deficient kernel, exact circulant), or "".
    """

    a: tuple[int, int]
    b: tuple[int, int]
    action: str
    N: int
    architecture: str
    kind: str
    resolution: int
    orbit_a: np.ndarray
    orbit_b: np.ndarray
    X: np.ndarray
    y: np.ndarray
    K: np.ndarray
    Kc: np.ndarray
    circulant_deviation: float
    sigma2: float
    analysis: spectral.SpectralAnalysis = dataclasses.field(repr=False)
    lam: np.ndarray
    lam_N: float
    mean_inverse: float
    rectangle: float
    area: float
    eps_spectral: float
    prediction_a: float
    prediction_b: float
    eps_exact: float
    separation_sq: float
    radius: float
    note: str

    @property
    def prediction_spectral(self) -> float:
        """``ŷ_A0 = 1 − ε`` (Eq. 7 on ``K̃``)."""
        return 1.0 - self.eps_spectral

    @property
    def misclassified(self) -> bool:
        """Whether an exact left-out prediction has the wrong sign (``ŷ_A0 ≤ 0`` or ``ŷ_B0 ≥ 0``)."""
        return bool(self.prediction_a <= 0.0 or self.prediction_b >= 0.0)

    @property
    def misclassified_spectral(self) -> bool:
        """Whether Eq. 7 predicts the wrong sign, ``1 − ε ≤ 0``."""
        return bool(self.eps_spectral >= 1.0)

    @property
    def bare_analysis(self) -> spectral.SpectralAnalysis:
        """``spectral.analyze(K̃)`` without any ridge (the kernel's own spectrum)."""
        return spectral.analyze(self.Kc)

    @property
    def lam_N_bare(self) -> float:
        """``λ_N`` of ``K̃`` without ridge (Fig. 4D's numerator)."""
        return self.bare_analysis.lam_N

    @property
    def mean_inverse_bare(self) -> float:
        """``⟨λ⁻¹⟩`` of ``K̃`` without ridge (Fig. 4E's denominator; ``inf`` when rank-deficient)."""
        return self.bare_analysis.mean_inverse


@PARAMS.validated
def spectral_part(Kc: np.ndarray, ridge: float = gp.DEFAULT_RIDGE, *,
                  full_trace: bool = False) -> tuple[float, spectral.SpectralAnalysis]:
    """``(σ², analysis)``: Eq. 7 on ``K̃ + σ²I`` with ``σ² = ρ·tr(K̃_train)``, or the
    vanishing-ridge limit (``σ² = 0``) when ``K̃`` is rank-deficient (see the module docstring).

    ``full_trace=True``: ``σ² = ρ·tr(K̃)`` added in every case (the paper's code, ``ρ = 1e-5``).

    Examples
    --------
    >>> from ntkviz.experiments import orbits
    >>> Kc = orbits.orbit_pair_state((3, 0), (8, 0), "rotate", 8).Kc
    >>> sigma2, analysis = orbits.spectral_part(Kc)
    >>> print(f"σ² = {sigma2:.1e}, ε = {analysis.error:.3f}")
    σ² = 3.0e-09, ε = 1.338
    >>> sigma2, analysis = orbits.spectral_part(Kc, 1e-5, full_trace=True)  # the paper's code
    >>> print(f"σ² = {sigma2:.1e}, ε = {analysis.error:.3f}")
    σ² = 3.2e-04, ε = 1.329

    An orbit-averaged kernel is constant over each orbit: ``K̃`` is rank-deficient and the
    vanishing-ridge limit ε = 0 is reported, with no ridge added:

    >>> Kc = orbits.orbit_pair_state((3, 0), (8, 0), "rot90", 4, "orbit_mlp").Kc
    >>> sigma2, analysis = orbits.spectral_part(Kc)
    >>> sigma2, analysis.rank_deficient, float(analysis.error)
    (0.0, True, 0.0)
    """
    Kc = check_square("Kc", Kc)
    if full_trace:
        sigma2 = ridge * float(np.trace(Kc))
        return sigma2, spectral.analyze(Kc, ridge=sigma2)
    bare = spectral.analyze(Kc)
    if bare.rank_deficient:
        return 0.0, bare
    sigma2 = ridge * float(np.trace(Kc) - Kc[0, 0])
    return sigma2, spectral.analyze(Kc, ridge=sigma2)


def _note(analysis: spectral.SpectralAnalysis, deviation: float, eps_exact: float) -> str:
    if analysis.rank_deficient:
        return (analysis.note + f" The exact solve on K gives {eps_exact:.3g}, "
                "an error caused only by its tiny ridge 1e-10·tr K (it vanishes with the ridge).")
    if analysis.status != "ok":  # near-singular or ridge-dominated: say how many digits hold
        return analysis.note
    if deviation <= 1e-12:
        return "K is circulant (to 1e-12): Eq. 7 is exact here, ε equals the exact error."
    return ""


@Params(PARAMS["action"], PARAMS["architecture"], PARAMS["kind"]).validated
def pair_state_from_orbits(orbit_a, orbit_b, *, action: str = "rotate", N: int | None = None,
                           architecture: str = "mlp1", kind: str = "ntk", a=None, b=None,
                           spectral_ridge: float | None = None) -> OrbitPairState:
    """The analysis of ``orbit_pair_state`` for any two orbits given as arrays (not cached).

    ``orbit_a``, ``orbit_b``: (N, R, R) points at the architecture's resolution R (normalise them
    with ``datasets.orbit``); ``action`` and ``N`` only matter for the orbit-averaged kernel;
    ``a``, ``b`` are stored as given (labels for people). Use it for constructed orbits, e.g. an
    exactly interleaved pair whose kernel is circulant. ``spectral_ridge``: None for the module's
    ridge convention, or ρ' for ``σ² = ρ'·tr(K̃)`` on Eq. 7 (``spectral_part(full_trace=True)``).

    Examples
    --------
    Split the 14 shifts of one digit into its even and odd shifts: the two "orbits" interleave
    exactly, so K is circulant and Eq. 7 gives the exact error:

    >>> from ntkviz.experiments import digits, orbits
    >>> ring = nv.datasets.orbit(digits.digit(3, 0), 14, "shift")
    >>> state = orbits.pair_state_from_orbits(ring[0::2], ring[1::2], action="shift")
    >>> state.N, bool(state.circulant_deviation < 1e-12)
    (7, True)
    >>> print(f"{state.eps_spectral:.6f} {state.eps_exact:.6f}")
    1.747397 1.747397
    """
    X, y = datasets.interleave(orbit_a, orbit_b)
    N = X.shape[0] // 2 if N is None else check_int("N", N, minimum=1)
    if spectral_ridge is not None:
        spectral_ridge = check_real("spectral_ridge", spectral_ridge, minimum=0.0)
    K = architectures.kernel_matrix(architecture, X, kind=kind, action=action, N=N)
    return _analysed(X, y, K, action=action, architecture=architecture, kind=kind, a=a, b=b,
                     spectral_ridge=spectral_ridge)


def _analysed(X, y, K, *, action, architecture, kind, a, b, spectral_ridge) -> OrbitPairState:
    """The state of interleaved orbits ``X`` (labels ``y``) with kernel matrix ``K``."""
    Kc = spectral.circularize(K)
    deviation = float(np.linalg.norm(K - Kc) / max(np.linalg.norm(K), np.finfo(float).tiny))
    if spectral_ridge is None:
        sigma2, analysis = spectral_part.unchecked(Kc)
    else:
        sigma2, analysis = spectral_part.unchecked(Kc, spectral_ridge, full_trace=True)
    prediction_a = gp.loo_prediction(K, y, 0)
    prediction_b = gp.loo_prediction(K, y, 1)
    # the same number as gp.symmetrized_error(K, y), from the two solves already done
    eps_exact = 0.5 * (abs(prediction_a - 1.0) + abs(prediction_b + 1.0))
    n = X.shape[0]
    orbit_a, orbit_b = frozen(X[0::2]), frozen(X[1::2])
    return OrbitPairState(
        a=a, b=b, action=action, N=n // 2, architecture=architecture, kind=kind,
        resolution=int(X.shape[-1]), orbit_a=orbit_a, orbit_b=orbit_b, X=frozen(X), y=frozen(y),
        K=frozen(K), Kc=frozen(Kc), circulant_deviation=deviation, sigma2=sigma2,
        analysis=analysis, lam=frozen(analysis.lam), lam_N=analysis.lam_N,
        mean_inverse=analysis.mean_inverse, rectangle=n * analysis.rectangle,
        area=n * analysis.mean_inverse, eps_spectral=float(analysis.error),
        prediction_a=prediction_a, prediction_b=prediction_b, eps_exact=eps_exact,
        separation_sq=geometry.orbit_separation_sq(orbit_a, orbit_b),
        radius=geometry.orbit_radius(orbit_a, orbit_b),
        note=_note(analysis, deviation, eps_exact),
    )


def _state(a, b, action, N, architecture, kind, order, spectral_ridge, cache,
           share=False) -> OrbitPairState:
    """With ``cache``, the kernel matrix comes from the server's shared ones when it is there
    (``grams.load``); ``share`` computes it and files it there (the warm-up)."""
    orbit = functools.partial(digit_orbits.prepared_orbit.unchecked, action=action, N=N,
                              architecture=architecture, order=order, cache=cache)
    X, y = datasets.interleave(orbit(a), orbit(b))
    K = grams.load(architecture, kind, action, N, X) if cache and not share else None
    if K is None:
        K = architectures.kernel_matrix(architecture, X, kind=kind, action=action, N=N)
        if share:
            grams.save(architecture, kind, action, N, X, K)
    return _analysed(X, y, K, action=action, architecture=architecture, kind=kind, a=a, b=b,
                     spectral_ridge=spectral_ridge)


# A state at N = 64 holds ~2 MB (orbits, X, K): keep the cache small (Voila kernels share memory).
_cached_state = functools.lru_cache(maxsize=64)(_state)


@PARAMS.validated
def orbit_pair_state(a=(3, 0), b=(8, 0), action: str = "rotate", N: int = 8,
                     architecture: str = "mlp1", kind: str = "ntk", *, order: int = 1,
                     spectral_ridge: float | None = None, cache: bool = True) -> OrbitPairState:
    """Orbits of digits a and b, the kernel, ``K̃``, Eq. 7 and the exact error (Fig. 4A–C).

    Results are cached on the validated arguments. A bad action/N combination raises a
    ``ValueError`` naming N and listing the allowed values.

    Parameters
    ----------
    a, b : tuple of int
        ``(label, sample)`` of the two seed digits (``digit(label, sample)``); class A is a.
    action : str
        ``"rotate"`` | ``"rot90"`` | ``"shift"``.
    N : int
        Orbit size (``allowed_N``).
    architecture : str
        A key of ``architectures.ARCHITECTURES``.
    kind : str
        ``"ntk"`` or ``"nngp"``.
    order : int
        Spline order of ``"rotate"`` (``datasets.ORDERS``: 1 bilinear, 3 the paper's cubic).
    spectral_ridge : float or None
        None (the module's ridge convention) or ρ' for ``σ² = ρ'·tr(K̃)`` on Eq. 7.
    cache : bool
        Keep the state and its orbits in this module's caches (False: a survey over many
        pairs, which must not push the explorer's states out).

    Examples
    --------
    Eight rotations of a 3 against eight of an 8 under the one-hidden-layer MLP's NTK: K is
    nearly circulant, ε of ``K̃`` tracks the exact error, and ε > 1 means the left-out upright
    digits are classified wrongly:

    >>> from ntkviz.experiments import orbits
    >>> state = orbits.orbit_pair_state((3, 0), (8, 0), action="rotate", N=8)
    >>> state.X.shape, state.K.shape, bool(state.circulant_deviation < 1e-3)
    ((16, 28, 28), (16, 16), True)
    >>> print(f"spectral ε = {state.eps_spectral:.3f}, exact error = {state.eps_exact:.3f}")
    spectral ε = 1.338, exact error = 1.312
    >>> state.misclassified, state.misclassified_spectral
    (True, True)
    """
    a, b = check_digit("a", a), check_digit("b", b)
    if a == b:
        raise ValueError(f"a and b must be two different digits, got a = b = {a}")
    check_N.unchecked(N, action, architecture)
    if spectral_ridge is not None:
        spectral_ridge = check_real("spectral_ridge", spectral_ridge, minimum=0.0)
    if not isinstance(cache, bool):
        raise TypeError(f"cache must be True or False, got {cache!r}")
    return (_cached_state if cache else _state)(a, b, action, N, architecture, kind, order,
                                                spectral_ridge, cache)


orbit_pair_state.cache_info = _cached_state.cache_info
orbit_pair_state.cache_clear = _cached_state.cache_clear


@PARAMS.validated
def warm_up(architecture: str = "mlp1", Ns=(4, 8, 16, 32, 64), action: str = "rotate",
            kind: str = "ntk") -> None:
    """Compile the kernel once per JAX shape bucket (2N padded to 8, 16, 32, …) so that later
    states at these orbit sizes come back in milliseconds; takes ~0.3–1.5 s per bucket.

    It computes ``orbit_pair_state``'s (and the orbit explorer's) opening pair, 3 against 8, at
    each N; where ``NTKVIZ_GRAM_DIR`` names a folder, their kernel matrices are filed there and
    every process using that folder takes them from it (``grams``).

    Examples
    --------
    Before a live session with the GAP CNN at N = 4:

    >>> from ntkviz.experiments import orbits
    >>> orbits.warm_up("cnn_gap", Ns=(4,))  # compiles once, returns None
    >>> orbits.orbit_pair_state((3, 0), (8, 0), "rotate", 4, "cnn_gap").K.shape
    (8, 8)
    """
    for N in Ns:
        if N in allowed_N.unchecked(action, architecture):
            _state((3, 0), (8, 0), action, N, architecture, kind, 1, None, True, share=True)
