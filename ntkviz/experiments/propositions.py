"""Check Props. 1–4 of Neural kernel theory of symmetry learning (arXiv 2412.11521, Sec. 3.5,
App. C; docs/theory.md#circulant-and-constant-orbit-kernels) numerically, for any kernel and group
action.

Over one orbit ``x, g·x, …, g^{N−1}·x`` (rows ordered by group element) a kernel matrix can be

* **circulant** — ``K_ij`` depends only on ``(j − i) mod N`` (the kernel is invariant when both
  inputs are acted on together): then the spectral theory of Eq. 7 applies;
* **constant** — every entry equal (the kernel is invariant in each argument on its own): then
  the two-orbit matrix is blockwise constant, rank-deficient, ``⟨λ⁻¹⟩ = ∞`` and ``ε = 0``;
* **rank-deficient** — some eigenvalue zero to round-off.

The paper proves (App. C): Prop. 1, a CNN with a flatten ("fully connected") readout
on a translation orbit is circulant, in general neither constant nor rank-deficient; Prop. 2, a
CNN with global average pooling (GAP) on a translation orbit is constant; Prop. 3, the flatten
CNN on a rotation (C4) orbit is circulant, not constant, not rank-deficient; Prop. 4, the GAP
CNN on a rotation orbit likewise. An MLP (dot-product kernel) is circulant over any orbit of an
orthogonal action (Sec. 3.3). ``proposition_table`` reproduces these and extends them to the C4
group CNN and the orbit-averaged MLP, with interpolated rotations (not a group action on the
pixel grid) as the "only approximately" column.

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

from .. import datasets, gp, spectral
from .._validate import as_finite_array, check_choice, check_int, check_real
from ..datasets import ACTIONS
from .architectures import KINDS, architecture

__all__ = [
    "EXACT_RTOL",
    "APPROX_RTOL",
    "VERDICTS",
    "OrbitProperties",
    "PairProperties",
    "orbit_properties",
    "pair_properties",
    "Claim",
    "CLAIMS",
    "TABLE_KERNELS",
    "TABLE_ACTIONS",
    "PropositionRow",
    "PropositionTable",
    "proposition_table",
    "default_images",
]

#: Relative deviation at most this counts as exactly circulant / constant.
EXACT_RTOL = 1e-10
#: Relative deviation at most this counts as approximately circulant / constant.
APPROX_RTOL = 1e-3
#: The three verdicts of a property, from the deviation and the two thresholds.
VERDICTS = ("exact", "approximate", "no")


def _frozen(array) -> np.ndarray:
    array = np.array(array, dtype=np.float64)
    array.setflags(write=False)
    return array


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
    K : (2N, 2N) Gram matrix;  y : (2N,) labels ``(+1, −1, …)``
    rank : numerical rank of K (eigenvalues above ``rank_rtol · λ_max``)
    circulant_deviation : ``‖K − K̃‖/‖K‖`` (two orbits are only block-circulant in general)
    lam : (2N,) DFT eigenvalues of the circularised ``K̃`` (Eq. 12), DFT order
    lam_N, mean_inverse, eps_spectral, note : Eq. 7 on ``K̃`` (``spectral.analyze``): ``ε = 0``
        when ``⟨λ⁻¹⟩`` diverges while ``λ_N > 0`` (Prop. 2's perfect generalisation)
    eps_exact : symmetrised exact leave-one-out error on the raw K (ridge 1e-10·tr,
        docs/theory.md#the-symmetrised-exact-error)
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
    K : (N, N) Gram matrix over the orbit, ``K_ij = k(g^i x, g^j x)``
    action : the group action (``None`` for a plain matrix given without one)
    circulant_deviation : ``‖K − K̃‖_F / ‖K‖_F`` with ``K̃`` the circularisation (Eq. 12)
    constant_deviation : ``‖K − K̄‖_F / ‖K‖_F`` with ``K̄`` the mean entry
    noncirculant_share : ``‖K − K̃‖_F / ‖K − K̄‖_F`` in [0, 1]; 0 when K is constant (to rtol)
    rank : numerical rank (eigenvalues above ``rank_rtol · λ_max``);  eigenvalues : (N,) of K,
        ascending
    lam : (N,) DFT eigenvalues ``λ_f`` of ``K̃`` (DFT order, real)
    rtol, approx_rtol, rank_rtol : the thresholds used (module docstring)
    pair : ``PairProperties`` of this orbit interleaved with a second one, or None
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


def _thresholds(rtol, approx_rtol, rank_rtol) -> tuple[float, float, float]:
    rtol = check_real("rtol", rtol, minimum=0.0)
    approx_rtol = check_real("approx_rtol", approx_rtol, minimum=rtol)
    rank_rtol = check_real("rank_rtol", rank_rtol, minimum=0.0, maximum=1.0)
    return rtol, approx_rtol, rank_rtol


def _properties(K, action, rtol, approx_rtol, rank_rtol, pair=None) -> OrbitProperties:
    norm = max(float(np.linalg.norm(K)), np.finfo(float).tiny)
    Kc = spectral.circularize(K)
    off_circulant = float(np.linalg.norm(K - Kc))
    variation = float(np.linalg.norm(K - K.mean()))
    constant_deviation = variation / norm
    share = 0.0 if constant_deviation <= rtol else min(1.0, off_circulant / variation)
    rank, eigenvalues = _numerical_rank(K, rank_rtol)
    return OrbitProperties(
        K=_frozen(K),
        action=action,
        circulant_deviation=off_circulant / norm,
        constant_deviation=constant_deviation,
        noncirculant_share=share,
        rank=rank,
        eigenvalues=_frozen(eigenvalues),
        lam=_frozen(np.fft.fft(Kc[0]).real),
        rtol=rtol,
        approx_rtol=approx_rtol,
        rank_rtol=rank_rtol,
        pair=pair,
    )


def pair_properties(gram, *, rank_rtol: float = spectral.ZERO_RTOL) -> PairProperties:
    """Rank and spectral error of a kernel over two interleaved orbits (Prop. 2's consequence).

    Parameters
    ----------
    gram : (2N, 2N) symmetric Gram matrix, rows ``A_0, B_0, A_1, B_1, …``
    rank_rtol : eigenvalues at most ``rank_rtol · λ_max`` count as zero

    ``ε`` is Eq. 7 on the circularised matrix (Eq. 12); ``eps_exact`` the symmetrised exact
    leave-one-out error on the raw matrix.
    """
    rank_rtol = check_real("rank_rtol", rank_rtol, minimum=0.0, maximum=1.0)
    K = _check_gram("gram", gram, even=True)
    y = datasets.alternating_labels(K.shape[0] // 2)
    Kc = spectral.circularize(K)
    analysis = spectral.analyze(Kc)
    rank, _ = _numerical_rank(K, rank_rtol)
    norm = max(float(np.linalg.norm(K)), np.finfo(float).tiny)
    return PairProperties(
        K=_frozen(K),
        y=_frozen(y),
        rank=rank,
        rank_rtol=rank_rtol,
        circulant_deviation=float(np.linalg.norm(K - Kc)) / norm,
        lam=_frozen(analysis.lam),
        lam_N=analysis.lam_N,
        mean_inverse=analysis.mean_inverse,
        eps_spectral=float(analysis.error),
        eps_exact=gp.symmetrized_error(K, y),
        note=analysis.note,
    )


# --------------------------------------------------------------------------- kernels


class _ArrayKey:
    """A hashable, read-only copy of an array, so orbit Gram matrices can be cached."""

    __slots__ = ("array", "_hash")

    def __init__(self, array: np.ndarray):
        self.array = _frozen(array)
        self._hash = hash((self.array.shape, self.array.tobytes()))

    def __hash__(self) -> int:
        return self._hash

    def __eq__(self, other) -> bool:
        return isinstance(other, _ArrayKey) and np.array_equal(self.array, other.array)


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
def _cached_block(kernel, kind: str, P: _ArrayKey, Q: _ArrayKey, symmetric: bool) -> np.ndarray:
    return _frozen(_block(_evaluator(kernel, kind), P.array, Q.array, symmetric))


def _kernel_block(kernel, kind, P, Q, symmetric) -> np.ndarray:
    try:
        hash(kernel)
    except TypeError:  # an unhashable user kernel: computed, not cached
        return _block(_evaluator(kernel, kind), P, Q, symmetric)
    return _cached_block(kernel, kind, _ArrayKey(P), _ArrayKey(Q), symmetric)


def _default_N(action: str, image) -> int:
    if action == "shift":
        return int(np.shape(image)[1])
    return 4 if action == "rot90" else 8


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
    kernel_or_gram : an ntkviz kernel (anything called as ``k(x1, x2) -> (n1, n2)``; neural
        kernels use ``.ntk`` or ``.nngp`` by ``kind``), or a symmetric ``(N, N)`` Gram matrix
        over an orbit with rows ordered by group element (then ``image`` must be None)
    image : ``(H, W)`` or ``(H, W, C)`` seed image; its orbit is ``datasets.orbit(image, N,
        action)`` (centred, unit norm)
    action : ``"shift"`` | ``"rot90"`` | ``"rotate"`` (for a matrix: a label only)
    N : group elements; default the image width for ``"shift"`` (every cyclic shift along x),
        4 for ``"rot90"``, 8 for ``"rotate"``
    other : a second seed image (kernel only): also report the two interleaved orbits
        (``pair``: rank and ε of Eq. 7, Prop. 2's consequence)
    kind : ``"ntk"`` | ``"nngp"``
    rtol, approx_rtol, rank_rtol : thresholds (module docstring)

    Orbit Gram matrices of hashable kernels are cached on (kernel, kind, orbit pixels).
    arXiv 2412.11521, App. C, Props. 1–4; circularisation Eq. 12.
    """
    rtol, approx_rtol, rank_rtol = _thresholds(rtol, approx_rtol, rank_rtol)
    check_choice("kind", kind, KINDS)
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
        pair = pair_properties(K2, rank_rtol=rank_rtol)
    return _properties(np.array(K), action, rtol, approx_rtol, rank_rtol, pair)


# --------------------------------------------------------------------------- the table


@dataclasses.dataclass(frozen=True)
class Claim:
    """What the paper (or our extension) says about one kernel on one kind of orbit.

    ``circulant`` / ``constant``: ``"exact"`` (holds exactly), ``"approximate"`` (holds to
    ``approx_rtol``), ``"no"`` (does not hold exactly, in general) or None (no claim);
    ``rank_deficient`` (one orbit) and ``eps_zero`` (two orbits: ``ε = 0``): bool or None.
    """

    source: str
    circulant: str | None = None
    constant: str | None = None
    rank_deficient: bool | None = None
    eps_zero: bool | None = None

    def text(self) -> str:
        """The claim in words, e.g. ``"Prop. 2: constant, rank-deficient, ε = 0"``."""
        words = []
        names = {"exact": "{}", "approximate": "≈ {}", "no": "not {}"}
        for prop in ("circulant", "constant"):
            value = getattr(self, prop)
            if value is not None:
                words.append(names[value].format(prop))
        if self.rank_deficient is not None:
            words.append("rank-deficient" if self.rank_deficient else "full rank")
        if self.eps_zero is not None:
            words.append("ε = 0" if self.eps_zero else "ε > 0")
        return f"{self.source}: " + ", ".join(words)

    def mismatches(self, props: OrbitProperties) -> tuple[str, ...]:
        """The parts of the claim that ``props`` contradicts (empty: the numbers agree)."""
        wrong = []
        for prop in ("circulant", "constant"):
            claim, seen = getattr(self, prop), getattr(props, prop)
            ok = {
                None: True,
                "exact": seen == "exact",
                "approximate": seen in ("exact", "approximate"),
                "no": seen != "exact",
            }[claim]
            if not ok:
                wrong.append(f"{prop}: claimed {claim}, measured {seen}")
        if self.rank_deficient is not None and props.is_rank_deficient != self.rank_deficient:
            claimed = "deficient" if self.rank_deficient else "full"
            wrong.append(f"rank: claimed {claimed}, measured {props.rank}/{props.N}")
        if self.eps_zero is not None:
            if props.pair is None:
                wrong.append("ε: claimed for two orbits, but no second orbit was computed")
            elif (props.pair.eps_spectral == 0.0) != self.eps_zero:
                claimed = "0" if self.eps_zero else "> 0"
                wrong.append(f"ε: claimed {claimed}, measured {props.pair.eps_spectral:.3g}")
        return tuple(wrong)


#: Rows of the table: architecture keys (``experiments.architectures``).
TABLE_KERNELS = ("mlp1", "cnn_flatten", "cnn_gap", "gcnn", "orbit_mlp")
#: Columns: (action, N); N = None means the largest divisor of the image width up to 8 (7 for
#: 14×14 and 28×28 digits: shifts by 2 or 4 pixels), so every orbit is small and every entry is
#: its own kernel call. ``"rotate"`` (interpolated) is the "approximately" column.
TABLE_ACTIONS = (("shift", None), ("rot90", 4), ("rotate", 8))


def _shift_N(width: int) -> int:
    return max(d for d in range(1, min(width, 8) + 1) if width % d == 0)

_SEC_MLP = "Sec. 3.3 (dot-product kernel, orthogonal action)"
_NOT_INVARIANT = dict(circulant="exact", constant="no", rank_deficient=False, eps_zero=False)
_INVARIANT = dict(circulant="exact", constant="exact", rank_deficient=True, eps_zero=True)

#: The claim per (architecture key, action).
CLAIMS: dict[tuple[str, str], Claim] = {
    ("mlp1", "shift"): Claim(_SEC_MLP, **_NOT_INVARIANT),
    ("mlp1", "rot90"): Claim(_SEC_MLP, **_NOT_INVARIANT),
    ("mlp1", "rotate"): Claim(_SEC_MLP + ", interpolated", circulant="approximate"),
    ("cnn_flatten", "shift"): Claim("Prop. 1", **_NOT_INVARIANT),
    ("cnn_flatten", "rot90"): Claim("Prop. 3", **_NOT_INVARIANT),
    ("cnn_flatten", "rotate"): Claim("Prop. 3 on 8 interpolated turns (Sec. 3.5.3)", circulant="approximate"),
    ("cnn_gap", "shift"): Claim("Prop. 2", **_INVARIANT),
    ("cnn_gap", "rot90"): Claim("Prop. 4", **_NOT_INVARIANT),
    ("cnn_gap", "rotate"): Claim("Prop. 4 on 8 interpolated turns (Sec. 3.5.3)", circulant="approximate"),
    ("gcnn", "shift"): Claim("extension: group pooling, invariant to cyclic shifts", **_INVARIANT),
    ("gcnn", "rot90"): Claim("extension: group pooling, invariant to quarter turns", **_INVARIANT),
    ("gcnn", "rotate"): Claim("extension: 45° turns are not in C4", circulant="approximate", constant="no"),
    ("orbit_mlp", "shift"): Claim("extension: averaged over the data's group", **_INVARIANT),
    ("orbit_mlp", "rot90"): Claim("extension: averaged over the data's group", **_INVARIANT),
    ("orbit_mlp", "rotate"): Claim("extension: averaged over interpolated turns",
                                   circulant="approximate", constant="approximate"),
}


@dataclasses.dataclass(frozen=True)
class PropositionRow:
    """One cell of the table: a kernel on one kind of orbit, the numbers and the claim."""

    kernel: str
    label: str
    action: str
    properties: OrbitProperties
    claim: Claim
    mismatches: tuple[str, ...]

    @property
    def N(self) -> int:
        return self.properties.N

    @property
    def approximate(self) -> bool:
        """Interpolated rotations: not a group action on the pixel grid."""
        return self.action == "rotate"

    @property
    def agrees(self) -> bool:
        return not self.mismatches


_MARK = {"exact": "yes", "approximate": "≈", "no": "no"}


def _cell(verdict: str, deviation: float) -> str:
    return f"{_MARK[verdict]} ({deviation:.1e})"


@dataclasses.dataclass(frozen=True)
class PropositionTable:
    """Props. 1–4 and their extension: rows (kernel, action) with the numbers and the claims.

    ``kind``: NTK or NNGP; ``resolution``: image side used; ``digits``: indices of the two
    bundled test digits (or None for user images).
    """

    rows: tuple[PropositionRow, ...]
    kind: str
    resolution: int
    digits: tuple[int, int] | None

    HEADER = ("kernel", "orbit", "circulant (‖K−K̃‖/‖K‖)", "constant (‖K−K̄‖/‖K‖)", "rank",
              "two orbits: rank, ε", "paper's claim", "agrees")

    @property
    def agrees(self) -> bool:
        """Whether every row agrees with its claim."""
        return all(row.agrees for row in self.rows)

    def row(self, kernel: str, action: str) -> PropositionRow:
        """The row of architecture ``kernel`` on ``action``."""
        for row in self.rows:
            if row.kernel == kernel and row.action == action:
                return row
        raise ValueError(f"no row for kernel {kernel!r} and action {action!r}; kernels {TABLE_KERNELS}, "
                         f"actions {tuple(a for a, _ in TABLE_ACTIONS)}")

    def cells(self) -> list[list[str]]:
        """The table as text, one list per row, in the order of ``HEADER``."""
        out = []
        for row in self.rows:
            p = row.properties
            orbit = f"{row.action} (N = {row.N}{', interpolated' if row.approximate else ''})"
            pair = "—" if p.pair is None else f"{p.pair.rank}/{2 * p.N}, ε = {p.pair.eps_spectral:.3g}"
            agrees = "yes" if row.agrees else "NO: " + "; ".join(row.mismatches)
            out.append([
                row.label, orbit, _cell(p.circulant, p.circulant_deviation),
                _cell(p.constant, p.constant_deviation), f"{p.rank}/{p.N}", pair, row.claim.text(), agrees,
            ])
        return out

    def to_markdown(self) -> str:
        """A GitHub-flavoured markdown table."""
        lines = ["| " + " | ".join(self.HEADER) + " |", "|" + "---|" * len(self.HEADER)]
        lines += ["| " + " | ".join(cells) + " |" for cells in self.cells()]
        return "\n".join(lines)

    def grams(self) -> list[np.ndarray]:
        """The orbit Gram matrices, row by row (for the heatmaps)."""
        return [row.properties.K for row in self.rows]

    def figure_data(self) -> dict:
        """The keyword arguments of ``plots.propositions_figure``."""
        kernels = list(dict.fromkeys(row.kernel for row in self.rows))
        actions = list(dict.fromkeys(row.action for row in self.rows))
        grid = [[self.row(k, a).properties.K for a in actions] for k in kernels]
        return dict(
            grams=grid,
            row_labels=[self.row(k, actions[0]).label for k in kernels],
            column_labels=[f"{a} (N = {self.row(kernels[0], a).N})" for a in actions],
            header=list(self.HEADER),
            cells=self.cells(),
            agrees=[row.agrees for row in self.rows],
        )


def default_images() -> tuple[np.ndarray, tuple[int, int]]:
    """Two bundled test digits (a 3 and an 8, ``datasets.digits_per_class(1)``), (2, 28, 28),
    and their indices in the test set."""
    images, index = _default_images()
    return images.copy(), index


@functools.lru_cache(maxsize=1)
def _default_images() -> tuple[np.ndarray, tuple[int, int]]:
    rows = datasets.digits_per_class(1)
    index = (int(rows[3, 0]), int(rows[8, 0]))
    images, _ = datasets.load_mnist()
    return _frozen(images[list(index)]), index


@functools.lru_cache(maxsize=16)
def _table(images: _ArrayKey, kind: str, resolution: int, digits) -> PropositionTable:
    pictures = images.array
    while pictures.shape[-1] > resolution:
        pictures = datasets.pool2(pictures)
    rows = []
    for key in TABLE_KERNELS:
        arch = architecture(key)
        for action, N in TABLE_ACTIONS:
            N = _shift_N(pictures.shape[2]) if N is None else N
            props = orbit_properties(arch.kernel(action, N), pictures[0], action, N,
                                     other=pictures[1], kind=kind)
            claim = CLAIMS[(key, action)]
            rows.append(PropositionRow(key, arch.label, action, props, claim, claim.mismatches(props)))
    return PropositionTable(tuple(rows), kind, resolution, digits)


def proposition_table(images=None, kind: str = "ntk", *, resolution: int = 14) -> PropositionTable:
    """Props. 1–4 of arXiv 2412.11521 (App. C) and their extension, checked on two digits.

    Parameters
    ----------
    images : (2, H, W) two seed images (orbit A and orbit B); default two bundled test digits
        (``default_images``)
    kind : ``"ntk"`` | ``"nngp"``
    resolution : image side; images are 2×2 mean pooled down to it (default 14: 14×14 digits,
        so every kernel, including the pixel-pair GAP and group CNN kernels, runs in seconds).
        Shift orbits have N = the largest divisor of the side up to 8 (7 at 14×14).

    Rows: ``TABLE_KERNELS`` × ``TABLE_ACTIONS``, each with ``orbit_properties`` (and the two
    interleaved orbits) and the claim of ``CLAIMS``. Cached on the arguments.
    """
    check_choice("kind", kind, KINDS)
    resolution = check_int("resolution", resolution, minimum=4)
    digits = None
    if images is None:
        images, digits = _default_images()
    images = as_finite_array("images", images, ndim=3)
    if images.shape[0] != 2:
        raise ValueError(f"images must hold two seed images (2, H, W), got shape {images.shape}")
    if images.shape[1] != images.shape[2]:
        raise ValueError(f"images must be square (rot90 needs it), got shape {images.shape}")
    side = images.shape[2]
    while side > resolution and side % 2 == 0:
        side //= 2
    if side != resolution:
        raise ValueError(
            f"resolution must be the image side {images.shape[2]} or reachable from it by halving, "
            f"got {resolution}"
        )
    return _table(_ArrayKey(images), kind, resolution, digits)
