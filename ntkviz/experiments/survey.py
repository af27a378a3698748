"""Spectral against exact error over many random digit pairs (arXiv 2412.11521, Fig. 4B–E,
Fig. 5; docs/theory.md#pair-surveys).

For each random pair of digits of two different classes, ``orbits`` builds the two orbits, the
architecture's kernel, its circularisation and Eq. 7; the survey keeps only the numbers (not the
matrices), so hundreds of pairs fit in memory. Across pairs it reports how well the spectral
error ``ε(K̃)`` tracks the symmetrised exact error (Pearson correlation, mean absolute
difference) and how often the exact prediction of a left-out point has the wrong sign.

The survey of the default setting (``SHIPPED``) ships in ``data/results/survey.npz`` (``ntkviz
precompute --only survey``), so the survey tab opens on it without computing.
"""

from __future__ import annotations

import collections
import dataclasses
from pathlib import Path
from typing import Callable

import numpy as np

from .._validate import as_finite_array, check_int, check_real
from ..params import Param, Params
from ..results import ResultsFile
from . import digit_orbits, digits, orbits
from ._common import frozen

__all__ = ["SurveyResult", "pair_survey", "pearson", "SHIPPED", "FILE", "precompute",
           "save_result", "load_result", "shipped_result", "precomputed_path"]


def pearson(x, y) -> float:
    """Pearson correlation of two samples; NaN when either is constant (no linear relation to
    measure, e.g. ε = 0 for every pair of a shift-invariant network on shift orbits).

    Examples
    --------
    >>> from ntkviz.experiments import survey
    >>> print(f"{survey.pearson([1.0, 2.0, 3.0, 4.0], [2.0, 4.0, 6.0, 8.5]):.4f}")
    0.9984
    >>> survey.pearson([0.0, 0.0, 0.0], [1.0, 2.0, 3.0])  # a constant sample
    nan
    """
    x = as_finite_array("x", x, ndim=1, min_rows=0)
    y = as_finite_array("y", y, ndim=1, min_rows=0)
    if x.shape != y.shape:
        raise ValueError(f"x and y must have the same length, got {x.size} and {y.size}")
    return _pearson(x, y)


def _pearson(x: np.ndarray, y: np.ndarray) -> float:
    dx, dy = x - x.mean(), y - y.mean()
    norm = np.sqrt(np.sum(dx * dx) * np.sum(dy * dy))
    if x.size < 2 or not np.isfinite(norm) or norm <= 1e-300:
        return float("nan")
    return float(np.sum(dx * dy) / norm)


@dataclasses.dataclass(frozen=True)
class SurveyResult:
    """One survey: per-pair arrays (length ``n_pairs``, read-only) and their summaries.

    Attributes
    ----------
    architecture, action, kind : str
        The setting.
    N, seed, n_pairs : int
        The setting.
    label_a, sample_a, label_b, sample_b : int ndarray of shape (n_pairs,)
        Digits of each pair (class A, class B).
    eps_spectral : ndarray of shape (n_pairs,)
        ε of ``K̃`` (Eq. 7).
    eps_exact : ndarray of shape (n_pairs,)
        Symmetrised exact LOO error on K.
    prediction_a, prediction_b : ndarray of shape (n_pairs,)
        Exact predictions at ``A_0`` (label +1) and ``B_0`` (label −1).
    lam_N : ndarray of shape (n_pairs,)
        ``λ_N``, with the ridge of Eq. 7.
    mean_inverse : ndarray of shape (n_pairs,)
        ``⟨λ⁻¹⟩`` (``inf`` for a rank-deficient ``K̃``), with the ridge of Eq. 7.
    lam_N_bare, mean_inverse_bare : ndarray of shape (n_pairs,)
        The same without any ridge.
    order : int
        Rotation spline order.
    spectral_ridge : float or None
        Eq. 7's ridge convention (``orbits``).
    separation_sq : ndarray of shape (n_pairs,)
        ``Δ²``.
    radius : ndarray of shape (n_pairs,)
        Mean orbit radius r.
    circulant_deviation : ndarray of shape (n_pairs,)
        ``‖K − K̃‖/‖K‖``.
    misclassified : bool ndarray of shape (n_pairs,)
        An exact left-out prediction has the wrong sign (``ŷ_A0 ≤ 0`` or ``ŷ_B0 ≥ 0``).
    misclassified_spectral : bool ndarray of shape (n_pairs,)
        Eq. 7 says so (``ε ≥ 1``).
    correlation : float
        Pearson correlation of eps_spectral and eps_exact (NaN if either is constant).
    fraction_misclassified : float
        Mean of misclassified.
    mean_abs_difference : float
        Mean ``|ε − exact|``.
    """

    architecture: str
    action: str
    N: int
    kind: str
    seed: int
    n_pairs: int
    order: int
    spectral_ridge: float | None
    label_a: np.ndarray
    sample_a: np.ndarray
    label_b: np.ndarray
    sample_b: np.ndarray
    eps_spectral: np.ndarray
    eps_exact: np.ndarray
    prediction_a: np.ndarray
    prediction_b: np.ndarray
    lam_N: np.ndarray
    mean_inverse: np.ndarray
    lam_N_bare: np.ndarray
    mean_inverse_bare: np.ndarray
    separation_sq: np.ndarray
    radius: np.ndarray
    circulant_deviation: np.ndarray
    misclassified: np.ndarray
    misclassified_spectral: np.ndarray
    correlation: float
    fraction_misclassified: float
    mean_abs_difference: float

    def pair(self, index: int) -> tuple[tuple[int, int], tuple[int, int]]:
        """The digits ``((label_a, sample_a), (label_b, sample_b))`` of pair ``index``."""
        index = check_int("index", index, minimum=0, maximum=self.n_pairs - 1)
        return ((int(self.label_a[index]), int(self.sample_a[index])),
                (int(self.label_b[index]), int(self.sample_b[index])))

    @property
    def correlation_lambda_separation(self) -> float:
        """Pearson correlation of ``λ_N`` and ``Δ²`` (Fig. 4D)."""
        return _pearson(self.separation_sq, self.lam_N)

    @property
    def correlation_inverse_density(self) -> float:
        """Pearson correlation of ``⟨λ⁻¹⟩`` and ``1/r`` (Fig. 4E), over pairs with finite ``⟨λ⁻¹⟩``."""
        finite = np.isfinite(self.mean_inverse) & (self.radius > 0)
        return _pearson(1.0 / self.radius[finite], self.mean_inverse[finite])

    @property
    def pairs(self) -> np.ndarray:
        """(n_pairs, 4) int array: label_a, sample_a, label_b, sample_b."""
        return np.column_stack([self.label_a, self.sample_a, self.label_b, self.sample_b])


_DIGITS = ("label_a", "sample_a", "label_b", "sample_b")
_FIELDS = ("eps_spectral", "eps_exact", "prediction_a", "prediction_b", "lam_N", "mean_inverse",
           "lam_N_bare", "mean_inverse_bare", "separation_sq", "radius", "circulant_deviation")


def _run(architecture, action, N, kind, n_pairs, seed, progress, order, spectral_ridge):
    pairs = digits.random_pairs.unchecked(n_pairs, seed)
    values = {name: np.empty(n_pairs) for name in _FIELDS}
    wrong = np.empty(n_pairs, dtype=bool)
    wrong_spectral = np.empty(n_pairs, dtype=bool)
    for i, (a, b) in enumerate(pairs):
        # not cached: a survey must not flush the explorer's cache, and only these numbers are kept
        state = orbits.orbit_pair_state(a, b, action, N, architecture, kind, order=order,
                                        spectral_ridge=spectral_ridge, cache=False)
        for name in _FIELDS:
            values[name][i] = getattr(state, name)
        wrong[i] = state.misclassified
        wrong_spectral[i] = state.misclassified_spectral
        if progress is not None:
            progress(i + 1, n_pairs)
    chosen = np.array([[a[0], a[1], b[0], b[1]] for a, b in pairs], dtype=np.int64)
    return SurveyResult(
        architecture=architecture, action=action, N=N, kind=kind, seed=seed, n_pairs=n_pairs,
        order=order, spectral_ridge=spectral_ridge,
        **{name: frozen(chosen[:, i], np.int64) for i, name in enumerate(_DIGITS)},
        **{name: frozen(v) for name, v in values.items()},
        misclassified=frozen(wrong, bool), misclassified_spectral=frozen(wrong_spectral, bool),
        correlation=_pearson(values["eps_spectral"], values["eps_exact"]),
        fraction_misclassified=float(wrong.mean()),
        mean_abs_difference=float(np.mean(np.abs(values["eps_spectral"] - values["eps_exact"]))),
    )


#: Finished surveys by setting (a small LRU: each holds only per-pair numbers).
_CACHE: collections.OrderedDict = collections.OrderedDict()
_CACHE_SIZE = 16
_PARAMS = Params(*(orbits.PARAMS[name] for name in ("architecture", "action", "N", "kind", "seed",
                                                    "order")),
                 dataclasses.replace(orbits.PARAMS["n_pairs"], minimum=2))


@_PARAMS.validated
def pair_survey(architecture: str = "mlp1", action: str = "rotate", N: int = 8, n_pairs: int = 128,
                seed: int = 0, kind: str = "ntk",
                progress: Callable[[int, int], None] | None = None, *, order: int = 1,
                spectral_ridge: float | None = None) -> SurveyResult:
    """Spectral and exact errors of ``n_pairs`` random digit pairs (Fig. 4B–E, Fig. 5).

    Results are cached on the setting (a cached result reports ``progress(n, n)`` once);
    ``pair_survey.cached(...)`` says whether a setting is, ``pair_survey.cache_clear()`` empties
    the cache.

    Parameters
    ----------
    architecture : str
        A key of ``architectures.ARCHITECTURES``.
    action : str
        The group action.
    N : int
        Orbit size (``digit_orbits.allowed_N``).
    n_pairs : int
        Number of random pairs (≥ 2), from ``digits.random_pairs(n_pairs, seed)``.
    seed : int
        The pairs are reproducible from it.
    kind : str
        ``"ntk"`` or ``"nngp"``.
    progress : callable or None
        Optional ``callable(done, total)``, called after each pair (a progress bar).
    order : int
        Spline order of ``"rotate"`` (``datasets.ORDERS``: 1 bilinear, 3 the paper's cubic).
    spectral_ridge : float or None
        None (the ridge convention of ``orbits``) or ρ' for ``σ² = ρ'·tr(K̃)`` on
        Eq. 7, the paper's code (``ρ' = 1e-5``).

    Examples
    --------
    Eight random pairs of digits under eight rotations, one-hidden-layer MLP NTK: ε of ``K̃``
    tracks the exact error across pairs, and for a quarter of the pairs a left-out digit is
    predicted with the wrong sign:

    >>> from ntkviz.experiments import survey
    >>> result = survey.pair_survey(n_pairs=8, N=8)
    >>> result.eps_spectral.shape, result.pair(0)
    ((8,), ((7, 277), (6, 294)))
    >>> print(f"correlation {result.correlation:.2f}, wrong sign {result.fraction_misclassified}")
    correlation 0.99, wrong sign 0.25
    >>> survey.pair_survey.cached("mlp1", "rotate", 8, "ntk", 8, 0)
    True
    """
    digit_orbits.check_N.unchecked(N, action, architecture)
    if progress is not None and not callable(progress):
        raise TypeError(f"progress must be a callable(done, total) or None, got {progress!r}")
    if spectral_ridge is not None:
        spectral_ridge = check_real("spectral_ridge", spectral_ridge, minimum=0.0)
    key = (architecture, action, N, kind, n_pairs, seed, order, spectral_ridge)
    if key in _CACHE:
        _CACHE.move_to_end(key)
        if progress is not None:
            progress(n_pairs, n_pairs)
        return _CACHE[key]
    result = _CACHE[key] = _run(*key[:6], progress, order, spectral_ridge)
    while len(_CACHE) > _CACHE_SIZE:
        _CACHE.popitem(last=False)
    return result


def _cached(architecture, action, N, kind, n_pairs, seed, order=1, spectral_ridge=None) -> bool:
    """Whether ``pair_survey`` of this (valid) setting is in the cache."""
    return (architecture, action, N, kind, n_pairs, seed, order, spectral_ridge) in _CACHE


pair_survey.cached = _cached
pair_survey.cache_clear = _CACHE.clear


#: The setting whose survey ships with the package — ``pair_survey``'s defaults.
SHIPPED = dict(architecture="mlp1", action="rotate", N=8, kind="ntk", n_pairs=128, seed=0,
               order=1, spectral_ridge=None)
#: The shipped survey — the per-pair arrays of ``SurveyResult`` and its setting as configuration.
FILE = ResultsFile("survey", version=1)
_FLAGS = ("misclassified", "misclassified_spectral")


def save_result(result: SurveyResult, path=None) -> Path:
    """Write ``result`` through ``FILE`` to ``path`` (default: the bundled file).

    Examples
    --------
    >>> import pathlib, tempfile
    >>> from ntkviz.experiments import survey
    >>> result = survey.pair_survey(n_pairs=4, N=4)
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     path = survey.save_result(result, pathlib.Path(tmp) / "survey.npz")
    ...     print(path.name, survey.load_result(path).n_pairs)
    survey.npz 4
    """
    if not isinstance(result, SurveyResult):
        raise TypeError(f"result must be a SurveyResult, got {type(result).__name__}")
    config = {name: getattr(result, name) for name in SHIPPED}
    arrays = {name: getattr(result, name) for name in (*_DIGITS, *_FIELDS, *_FLAGS)}
    return FILE.save(config, arrays, path)


def load_result(path=None) -> SurveyResult:
    """The survey stored by ``save_result`` at ``path`` (default: the bundled file).

    Examples
    --------
    >>> import pathlib, tempfile
    >>> from ntkviz.experiments import survey
    >>> result = survey.pair_survey(n_pairs=4, N=4)
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     back = survey.load_result(survey.save_result(result, pathlib.Path(tmp) / "s.npz"))
    >>> back.n_pairs, bool(np.array_equal(back.eps_exact, result.eps_exact))
    (4, True)
    >>> survey.load_result().n_pairs  # the bundled survey
    128
    """
    stored = FILE.load(path)
    return _result(stored.config, stored.arrays)


@_PARAMS.validated
def shipped_result(architecture: str = "mlp1", action: str = "rotate", N: int = 8,
                   n_pairs: int = 128, seed: int = 0, kind: str = "ntk") -> SurveyResult | None:
    """The bundled survey if it is ``pair_survey``'s at this setting (the other arguments as
    ``SHIPPED``), else None.

    Examples
    --------
    >>> from ntkviz.experiments import survey
    >>> result = survey.shipped_result()  # read from disk, nothing computed
    >>> result.architecture, result.N, result.n_pairs
    ('mlp1', 8, 128)
    >>> print(f"correlation {result.correlation:.3f}")
    correlation 0.995
    >>> survey.shipped_result(N=4) is None  # not shipped: compute it with pair_survey
    True
    """
    config = SHIPPED | dict(architecture=architecture, action=action, N=N, n_pairs=n_pairs,
                            seed=seed, kind=kind)
    arrays = FILE.shipped(config)
    return None if arrays is None else _result(config, arrays)


def _result(config: dict, a: dict) -> SurveyResult:
    values = {name: frozen(a[name]) for name in _FIELDS}
    return SurveyResult(
        **config, **{name: frozen(a[name], np.int64) for name in _DIGITS}, **values,
        **{name: frozen(a[name], bool) for name in _FLAGS},
        correlation=_pearson(values["eps_spectral"], values["eps_exact"]),
        fraction_misclassified=float(np.mean(a["misclassified"])),
        mean_abs_difference=float(np.mean(np.abs(values["eps_spectral"] - values["eps_exact"]))))


def precomputed_path() -> Path:
    """The bundled survey file (``data/results/survey.npz``).

    Examples
    --------
    >>> from ntkviz.experiments import survey
    >>> survey.precomputed_path().name
    'survey.npz'
    """
    return FILE.path


@Params(Param("quick", "flag")).validated
def precompute(progress=None, *, quick: bool = False, path=None) -> tuple[Path, list[str]]:
    """Run the survey of ``SHIPPED`` (``quick``: of 4 pairs, a file the explorer never reads) and
    save it to ``path`` (default the bundled file); returns the path and a summary line.
    ``progress(done, total, label)`` follows the pairs.

    Examples
    --------
    The quick survey (4 pairs), written to a temporary file:

    >>> import pathlib, tempfile
    >>> from ntkviz.experiments import survey
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     path, lines = survey.precompute(quick=True, path=pathlib.Path(tmp) / "survey.npz")
    ...     print(path.name, survey.load_result(path).n_pairs)
    survey.npz 4
    >>> print(lines[0])
    4 pairs of mlp1, rotate, N = 8: correlation 0.99..., misclassified 0.500
    """
    if progress is not None and not callable(progress):
        raise TypeError(f"progress must be None or a callable(done, total, label), got "
                        f"{progress!r}")
    setting = SHIPPED | (dict(n_pairs=4) if quick else {})
    result = pair_survey(**setting, progress=None if progress is None else (
        lambda done, total: progress(done, total, "pairs")))
    return save_result(result, path), [
        f"{result.n_pairs} pairs of {result.architecture}, {result.action}, N = {result.N}: "
        f"correlation {result.correlation:.4f}, misclassified {result.fraction_misclassified:.3f}"]
