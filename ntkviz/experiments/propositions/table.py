"""The table of Props. 1–4 of arXiv 2412.11521 (App. C) and their extension: what the paper
(or our extension to the C4 group CNN and the orbit-averaged MLP) claims for each kernel on each
kind of orbit, checked with ``properties.orbit_properties`` on two digits."""

from __future__ import annotations

import dataclasses
import functools

import numpy as np

from ... import datasets
from ..._validate import as_finite_array
from .._common import ArrayKey, frozen
from ..architectures import architecture
from .properties import PARAMS, OrbitProperties, orbit_properties

__all__ = ["Claim", "CLAIMS", "TABLE_KERNELS", "TABLE_ACTIONS", "PropositionRow",
           "PropositionTable", "proposition_table", "default_images"]


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
        """Interpolated rotations — not a group action on the pixel grid."""
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
    and their indices in the test set.

    Examples
    --------
    >>> from ntkviz.experiments import propositions
    >>> images, index = propositions.default_images()
    >>> images.shape, index
    ((2, 28, 28), (7858, 5129))
    """
    images, index = _default_images()
    return images.copy(), index


@functools.lru_cache(maxsize=1)
def _default_images() -> tuple[np.ndarray, tuple[int, int]]:
    rows = datasets.digits_per_class(1)
    index = (int(rows[3, 0]), int(rows[8, 0]))
    images, _ = datasets.mnist_test_set()
    return frozen(images[list(index)]), index


@functools.lru_cache(maxsize=16)
def _table(images: ArrayKey, kind: str, resolution: int, digits) -> PropositionTable:
    pictures = images.array
    while pictures.shape[-1] > resolution:
        pictures = datasets.pool2(pictures)
    rows = []
    for key in TABLE_KERNELS:
        arch = architecture(key)
        for action, N in TABLE_ACTIONS:
            N = _shift_N(pictures.shape[2]) if N is None else N
            props = orbit_properties.unchecked(arch.kernel(action, N), pictures[0], action, N,
                                     other=pictures[1], kind=kind)
            claim = CLAIMS[(key, action)]
            rows.append(PropositionRow(key, arch.label, action, props, claim, claim.mismatches(props)))
    return PropositionTable(tuple(rows), kind, resolution, digits)


@PARAMS.validated
def proposition_table(images=None, kind: str = "ntk", *, resolution: int = 14) -> PropositionTable:
    """Props. 1–4 of arXiv 2412.11521 (App. C) and their extension, checked on two digits.

    Parameters
    ----------
    images : ndarray of shape (2, H, W) or None
        Two seed images (orbit A and orbit B); default two bundled test digits
        (``default_images``).
    kind : str
        ``"ntk"`` | ``"nngp"``.
    resolution : int
        Image side; images are 2×2 mean pooled down to it (default 14: 14×14 digits,
        so every kernel, including the pixel-pair GAP and group CNN kernels, runs in seconds).
        Shift orbits have N = the largest divisor of the side up to 8 (7 at 14×14).

    Notes
    -----
    Rows: ``TABLE_KERNELS`` × ``TABLE_ACTIONS``, each with ``orbit_properties`` (and the two
    interleaved orbits) and the claim of ``CLAIMS``. Cached on the arguments.

    Examples
    --------
    Every claim holds on the two bundled digits; Prop. 2 is the GAP CNN on a shift orbit:

    >>> from ntkviz.experiments import propositions
    >>> table = propositions.proposition_table()
    >>> len(table.rows), table.agrees
    (15, True)
    >>> row = table.row("cnn_gap", "shift")
    >>> row.claim.text()
    'Prop. 2: circulant, constant, rank-deficient, ε = 0'
    >>> row.N, row.properties.constant, row.properties.rank
    (7, 'exact', 1)
    """
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
    return _table(ArrayKey(images), kind, resolution, digits)
