"""Whether a kernel over one orbit is circulant, constant or rank-deficient, with the numbers
(Props. 1–4 of arXiv 2412.11521, App. C; docs/theory.md#circulant-and-constant-orbit-kernels).

Thresholds (all relative, Frobenius norms):

* circulant deviation ``‖K − K̃‖/‖K‖`` (``K̃`` the circularisation, Eq. 12) and constant
  deviation ``‖K − K̄‖/‖K‖`` (``K̄`` the mean entry): **exact** at most ``rtol`` (default
  ``EXACT_RTOL`` = 1e-10, far above float64 round-off ~1e-15 and far below every real
  deviation we measured, ≥ 5e-6), **approximate** at most ``approx_rtol`` (default
  ``APPROX_RTOL`` = 1e-3), otherwise **no**;
* numerical rank: eigenvalues of ``K`` above ``rank_rtol · λ_max`` (default
  ``spectral.ZERO_RTOL`` = 1e-11, the threshold at which Eq. 7 treats an eigenvalue as zero).

Neural-network kernels with a bias have a large constant part (``b_std = 1`` dominates the
``x·x'/d`` of unit-norm images), so deviations relative to ``‖K‖`` are small even for kernels
that are far from constant; ``noncirculant_share = ‖K − K̃‖/‖K − K̄‖`` (in [0, 1], because
``K̃`` is the orthogonal projection of ``K`` onto circulant matrices, which contain the
constants) says which part of the kernel's *variation* over the orbit breaks circularity.

Each kernel entry is computed from its own call ``k(x_i[None], x_j[None])``: the invariant
kernels (GAP CNN, group CNN) otherwise copy the rows of group-related images
(``kernels/_invariance.py``), which would make "constant" true by construction instead of
checking it.
"""

from __future__ import annotations

import dataclasses
import functools

import numpy as np

from ... import datasets, gp, spectral
from ..._validate import as_finite_array, check_choice, check_int, check_real
from ...datasets import ACTIONS
from ...params import Param, Params
from .._common import ArrayKey, frozen
from ..architectures import KINDS

__all__ = ["EXACT_RTOL", "APPROX_RTOL", "VERDICTS", "OrbitProperties", "PairProperties",
           "orbit_properties", "pair_properties", "PARAMS"]

#: Relative deviation at most this counts as exactly circulant / constant.
EXACT_RTOL = 1e-10
#: Relative deviation at most this counts as approximately circulant / constant.
APPROX_RTOL = 1e-3
#: The three verdicts of a property, from the deviation and the two thresholds.
VERDICTS = ("exact", "approximate", "no")

#: The checker's parameters (``approx_rtol`` must also be at least ``rtol``).
PARAMS = Params(
    Param("kind", "choice", choices=KINDS),
    Param("rtol", "real", 0.0),
    Param("approx_rtol", "real", 0.0),
    Param("rank_rtol", "real", 0.0, 1.0),
    Param("resolution", "int", 4),
)


def _verdict(deviation: float, rtol: float, approx_rtol: float) -> str:
    if deviation <= rtol:
        return "exact"
    return "approximate" if deviation <= approx_rtol else "no"


def _numerical_rank(K: np.ndarray, rank_rtol: float) -> tuple[int, np.ndarray]:
    eigenvalues = np.linalg.eigvalsh(0.5 * (K + K.T))
    scale = max(float(np.max(np.abs(eigenvalues), initial=0.0)), np.finfo(float).tiny)
    return int(np.count_nonzero(eigenvalues > rank_rtol * scale)), eigenvalues


@dataclasses.dataclass(frozen=True)
class PairProperties:
    """Two interleaved orbits (rows ``A_0, B_0, A_1, …``, labels ``±1``): rank and ε (Eq. 7).

    Attributes
    ----------
    K : ndarray of shape (2N, 2N)
        Gram matrix.
    y : ndarray of shape (2N,)
        Labels ``(+1, −1, …)``.
    rank : int
        Numerical rank of K (eigenvalues above ``rank_rtol · λ_max``).
    circulant_deviation : float
        ``‖K − K̃‖/‖K‖`` (two orbits are only block-circulant in general).
    lam : ndarray of shape (2N,)
        DFT eigenvalues of the circularised ``K̃`` (Eq. 12), DFT order.
    lam_N, mean_inverse, eps_spectral : float
        Eq. 7 on ``K̃`` (``spectral.analyze``): ``ε = 0`` when ``⟨λ⁻¹⟩`` diverges while
        ``λ_N > 0`` (Prop. 2's perfect generalisation).
    note : str
        The note of Eq. 7 on ``K̃`` (``spectral.analyze``).
    eps_exact : float
        Symmetrised exact leave-one-out error on the raw K (ridge 1e-10·tr,
        docs/theory.md#the-symmetrised-exact-error).
    """

    K: np.ndarray
    y: np.ndarray
    rank: int
    rank_rtol: float
    circulant_deviation: float
    lam: np.ndarray
    lam_N: float
    mean_inverse: float
    eps_spectral: float
    eps_exact: float
    note: str

    @property
    def N(self) -> int:
        return self.K.shape[0] // 2

    @property
    def is_rank_deficient(self) -> bool:
        return self.rank < self.K.shape[0]


@dataclasses.dataclass(frozen=True)
class OrbitProperties:
    """What a kernel matrix over one orbit is: circulant, constant, rank-deficient, with numbers.

    Attributes
    ----------
    K : ndarray of shape (N, N)
        Gram matrix over the orbit, ``K_ij = k(g^i x, g^j x)``.
    action : str or None
        The group action (``None`` for a plain matrix given without one).
    circulant_deviation : float
        ``‖K − K̃‖_F / ‖K‖_F`` with ``K̃`` the circularisation (Eq. 12).
    constant_deviation : float
        ``‖K − K̄‖_F / ‖K‖_F`` with ``K̄`` the mean entry.
    noncirculant_share : float
        ``‖K − K̃‖_F / ‖K − K̄‖_F`` in [0, 1]; 0 when K is constant (to rtol).
    rank : int
        Numerical rank (eigenvalues above ``rank_rtol · λ_max``).
    eigenvalues : ndarray of shape (N,)
        Eigenvalues of K, ascending.
    lam : ndarray of shape (N,)
        DFT eigenvalues ``λ_f`` of ``K̃`` (DFT order, real).
    rtol, approx_rtol, rank_rtol : float
        The thresholds used (module docstring).
    pair : PairProperties or None
        ``PairProperties`` of this orbit interleaved with a second one, or None.
    """

    K: np.ndarray
    action: str | None
    circulant_deviation: float
    constant_deviation: float
    noncirculant_share: float
    rank: int
    eigenvalues: np.ndarray
    lam: np.ndarray
    rtol: float
    approx_rtol: float
    rank_rtol: float
    pair: PairProperties | None = None

    @property
    def N(self) -> int:
        return self.K.shape[0]

    @property
    def circulant(self) -> str:
        """``"exact"`` | ``"approximate"`` | ``"no"`` from the circulant deviation."""
        return _verdict(self.circulant_deviation, self.rtol, self.approx_rtol)

    @property
    def constant(self) -> str:
        """``"exact"`` | ``"approximate"`` | ``"no"`` from the constant deviation."""
        return _verdict(self.constant_deviation, self.rtol, self.approx_rtol)

    @property
    def is_circulant(self) -> bool:
        return self.circulant_deviation <= self.rtol

    @property
    def is_constant(self) -> bool:
        return self.constant_deviation <= self.rtol

    @property
    def is_rank_deficient(self) -> bool:
        return self.rank < self.N

    def summary(self) -> str:
        """One line with every verdict and its number."""
        text = (
            f"N = {self.N}: circulant {self.circulant} (deviation {self.circulant_deviation:.2e}), "
            f"constant {self.constant} (deviation {self.constant_deviation:.2e}), "
            f"rank {self.rank}/{self.N}"
        )
        if self.pair is not None:
            text += f"; two orbits: rank {self.pair.rank}/{2 * self.N}, ε = {self.pair.eps_spectral:.3g}"
        return text


# --------------------------------------------------------------------------- matrices


def _check_gram(name: str, gram, *, even: bool = False) -> np.ndarray:
    K = as_finite_array(name, gram, ndim=2)
    n = K.shape[0]
    if K.shape[1] != n:
        raise ValueError(f"{name} must be a square (N, N) matrix over an orbit, got shape {K.shape}")
    if n < 2 or (even and n % 2):
        need = "an even size 2N ≥ 2 (two interleaved orbits)" if even else "at least 2 rows"
        raise ValueError(f"{name} must have {need}, got shape {K.shape}")
    scale = max(float(np.max(np.abs(K))), np.finfo(float).tiny)
    asymmetry = float(np.max(np.abs(K - K.T)))
    if asymmetry > 1e-8 * scale:
        raise ValueError(
            f"{name} must be symmetric (a kernel matrix), but max |K − Kᵀ| = {asymmetry:.3g} "
            f"is more than 1e-8 of max |K| = {scale:.3g}"
        )
    return 0.5 * (K + K.T)


def _properties(K, action, rtol, approx_rtol, rank_rtol, pair=None) -> OrbitProperties:
    norm = max(float(np.linalg.norm(K)), np.finfo(float).tiny)
    Kc = spectral.circularize(K)
    off_circulant = float(np.linalg.norm(K - Kc))
    variation = float(np.linalg.norm(K - K.mean()))
    constant_deviation = variation / norm
    share = 0.0 if constant_deviation <= rtol else min(1.0, off_circulant / variation)
    rank, eigenvalues = _numerical_rank(K, rank_rtol)
    return OrbitProperties(
        K=frozen(K),
        action=action,
        circulant_deviation=off_circulant / norm,
        constant_deviation=constant_deviation,
        noncirculant_share=share,
        rank=rank,
        eigenvalues=frozen(eigenvalues),
        lam=frozen(np.fft.fft(Kc[0]).real),
        rtol=rtol,
        approx_rtol=approx_rtol,
        rank_rtol=rank_rtol,
        pair=pair,
    )




@PARAMS.validated
def pair_properties(gram, *, rank_rtol: float = spectral.ZERO_RTOL) -> PairProperties:
    """Rank and spectral error of a kernel over two interleaved orbits (Prop. 2's consequence).

    Parameters
    ----------
    gram : ndarray of shape (2N, 2N)
        Symmetric Gram matrix, rows ``A_0, B_0, A_1, B_1, …``.
    rank_rtol : float
        Eigenvalues at most ``rank_rtol · λ_max`` count as zero.

    Notes
    -----
    ``ε`` is Eq. 7 on the circularised matrix (Eq. 12); ``eps_exact`` the symmetrised exact
    leave-one-out error on the raw matrix.

    Examples
    --------
    The circle pair is one orbit of 2N points, so its kernel is circulant and the spectral ε
    equals the exact leave-one-out error; a kernel constant on each orbit (an invariant one)
    has rank 2 and ε = 0:

    >>> from ntkviz.experiments import propositions
    >>> X, y = nv.datasets.circle_pair(N=8, delta=1.0)     # rows A_0, B_0, A_1, B_1, …
    >>> pair = propositions.pair_properties(nv.kernels.rbf(length_scale=1.0)(X))
    >>> print(f"{pair.eps_spectral:.4f}", bool(np.isclose(pair.eps_spectral, pair.eps_exact)))
    0.0459 True
    >>> blocks = np.kron(np.ones((4, 4)), [[3.0, 1.0], [1.0, 2.0]])  # constant on each orbit
    >>> invariant = propositions.pair_properties(blocks)
    >>> invariant.rank, invariant.eps_spectral
    (2, 0.0)
    """
    return _pair(_check_gram("gram", gram, even=True), rank_rtol)


def _pair(K: np.ndarray, rank_rtol: float) -> PairProperties:
    y = datasets.alternating_labels(K.shape[0] // 2)
    Kc = spectral.circularize(K)
    analysis = spectral.analyze(Kc)
    rank, _ = _numerical_rank(K, rank_rtol)
    norm = max(float(np.linalg.norm(K)), np.finfo(float).tiny)
    return PairProperties(
        K=frozen(K),
        y=frozen(y),
        rank=rank,
        rank_rtol=rank_rtol,
        circulant_deviation=float(np.linalg.norm(K - Kc)) / norm,
        lam=frozen(analysis.lam),
        lam_N=analysis.lam_N,
        mean_inverse=analysis.mean_inverse,
        eps_spectral=float(analysis.error),
        eps_exact=gp.symmetrized_error(K, y),
        note=analysis.note,
    )


# --------------------------------------------------------------------------- kernels


def _evaluator(kernel, kind: str):
    if kind == "nngp":
        function = getattr(kernel, "nngp", None)
        if not callable(function):
            raise TypeError(
                f"kind='nngp' needs a neural kernel with an .nngp method, got {type(kernel).__name__}"
            )
        return function
    function = getattr(kernel, "ntk", None)
    return function if callable(function) else kernel


def _block(function, P: np.ndarray, Q: np.ndarray, symmetric: bool) -> np.ndarray:
    """``K[i, j] = k(P[i], Q[j])``, every entry from its own call (no shortcut can copy rows)."""
    K = np.empty((len(P), len(Q)))
    for i in range(len(P)):
        for j in range(i if symmetric else 0, len(Q)):
            value = np.asarray(function(P[i][None], Q[j][None]), dtype=np.float64)
            if value.shape != (1, 1):
                raise ValueError(
                    f"kernel must return a (1, 1) Gram matrix for one pair of inputs, got {value.shape}"
                )
            K[i, j] = value[0, 0]
            if symmetric:
                K[j, i] = K[i, j]
    return K


@functools.lru_cache(maxsize=512)
def _cached_block(kernel, kind: str, P: ArrayKey, Q: ArrayKey, symmetric: bool) -> np.ndarray:
    return frozen(_block(_evaluator(kernel, kind), P.array, Q.array, symmetric))


def _kernel_block(kernel, kind, P, Q, symmetric) -> np.ndarray:
    try:
        hash(kernel)
    except TypeError:  # an unhashable user kernel: computed, not cached
        return _block(_evaluator(kernel, kind), P, Q, symmetric)
    return _cached_block(kernel, kind, ArrayKey(P), ArrayKey(Q), symmetric)


def _default_N(action: str, image) -> int:
    if action == "shift":
        return int(np.shape(image)[1])
    return 4 if action == "rot90" else 8


@PARAMS.validated
def orbit_properties(
    kernel_or_gram,
    image=None,
    action: str = "shift",
    N: int | None = None,
    *,
    other=None,
    kind: str = "ntk",
    rtol: float = EXACT_RTOL,
    approx_rtol: float = APPROX_RTOL,
    rank_rtol: float = spectral.ZERO_RTOL,
) -> OrbitProperties:
    """Whether a kernel over one orbit is circulant, constant, rank-deficient — with the numbers.

    Parameters
    ----------
    kernel_or_gram : Kernel or ndarray of shape (N, N)
        An ntkviz kernel (anything called as ``k(x1, x2) -> (n1, n2)``; neural
        kernels use ``.ntk`` or ``.nngp`` by ``kind``), or a symmetric ``(N, N)`` Gram matrix
        over an orbit with rows ordered by group element (then ``image`` must be None).
    image : ndarray of shape (H, W) or (H, W, C), or None
        Seed image; its orbit is ``datasets.orbit(image, N, action)`` (centred, unit norm).
    action : str
        ``"shift"`` | ``"rot90"`` | ``"rotate"`` (for a matrix: a label only).
    N : int or None
        Group elements; default the image width for ``"shift"`` (every cyclic shift along x),
        4 for ``"rot90"``, 8 for ``"rotate"``.
    other : ndarray or None
        A second seed image (kernel only): also report the two interleaved orbits
        (``pair``: rank and ε of Eq. 7, Prop. 2's consequence).
    kind : str
        ``"ntk"`` | ``"nngp"``.
    rtol, approx_rtol, rank_rtol : float
        Thresholds (module docstring).

    Notes
    -----
    Orbit Gram matrices of hashable kernels are cached on (kernel, kind, orbit pixels).
    arXiv 2412.11521, App. C, Props. 1–4; circularisation Eq. 12.

    Examples
    --------
    Props. 1 and 2 on the eight cyclic shifts of an 8×8 image: the CNN with a flatten readout
    is circulant but not constant, the CNN with global average pooling is constant (rank 1):

    >>> from ntkviz.experiments import propositions
    >>> x = np.random.default_rng(0).normal(size=(8, 8))
    >>> flat = propositions.orbit_properties(nv.kernels.cnn(readout="flatten"), x, "shift")
    >>> flat.N, flat.circulant, flat.constant, flat.rank
    (8, 'exact', 'no', 8)
    >>> gap = propositions.orbit_properties(nv.kernels.cnn(readout="gap"), x, "shift")
    >>> gap.circulant, gap.constant, gap.rank
    ('exact', 'exact', 1)
    """
    approx_rtol = check_real("approx_rtol", approx_rtol, minimum=rtol)
    if isinstance(kernel_or_gram, np.ndarray) or not callable(kernel_or_gram):
        if image is not None:
            raise TypeError(
                "image must be None when kernel_or_gram is a Gram matrix (the orbit is already in it)"
            )
        if other is not None:
            raise TypeError("other must be None for a Gram matrix: use pair_properties(gram) for two orbits")
        K = _check_gram("kernel_or_gram", kernel_or_gram)
        if N is not None and check_int("N", N, minimum=2) != K.shape[0]:
            raise ValueError(f"N must equal the Gram matrix size {K.shape[0]}, got N={N}")
        if action is not None:
            check_choice("action", action, ACTIONS)
        return _properties(K, action, rtol, approx_rtol, rank_rtol)
    if image is None:
        raise TypeError("image must be given with a kernel: the seed image whose orbit is checked")
    check_choice("action", action, ACTIONS)
    image = as_finite_array("image", image, ndim=(2, 3))
    N = _default_N(action, image) if N is None else check_int("N", N, minimum=2)
    orbit_a = datasets.orbit(image, N, action)
    K = _kernel_block(kernel_or_gram, kind, orbit_a, orbit_a, True)
    pair = None
    if other is not None:
        other = as_finite_array("other", other, ndim=(2, 3))
        if other.shape != image.shape:
            raise ValueError(f"other must have the shape of image {image.shape}, got {other.shape}")
        orbit_b = datasets.orbit(other, N, action)
        K2 = np.empty((2 * N, 2 * N))
        K2[0::2, 0::2] = K
        K2[1::2, 1::2] = _kernel_block(kernel_or_gram, kind, orbit_b, orbit_b, True)
        cross = _kernel_block(kernel_or_gram, kind, orbit_a, orbit_b, False)
        K2[0::2, 1::2] = cross
        K2[1::2, 0::2] = cross.T
        pair = _pair(K2, rank_rtol)
    return _properties(np.array(K), action, rtol, approx_rtol, rank_rtol, pair)


