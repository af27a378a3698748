"""The width experiment's sweeps and states: Θ, the networks' curves and their relative errors
at one setting or across widths, read from the shipped results when they hold exactly that
configuration (``store``), else computed (``networks``) and cached."""

from __future__ import annotations

import dataclasses
import functools

import numpy as np

from .._common import check_progress, frozen, progress_callback
from . import networks as nets
from .networks import GAMMAS, PARAMS, SEEDS, WIDTHS
from .store import shipped_source

__all__ = ["WidthSweep", "WidthState", "analytic_theta", "empirical_thetas", "relative_errors",
           "width_state", "is_precomputed"]


def _theta(gammas: tuple, depth, activation, W_std, b_std, source) -> np.ndarray:
    """Θ from the shipped file ``source`` (which covers this network), else computed."""
    if source is not None:
        return source.entry(depth, activation)[0]
    return nets.analytic_row(gammas, depth, activation, W_std, b_std)


def _rows(gammas: tuple, depth, width, activation, W_std, b_std, seeds, source) -> np.ndarray:
    """Θ̂ (S, G) of ``seeds`` at ``width``: shipped when ``source`` holds exactly these seeds at
    this width, else computed (cached per seed)."""
    if source is not None and seeds == source.seeds and width in source.widths:
        return source.entry(depth, activation)[1][source.widths.index(width)]
    return frozen([nets.empirical_row(gammas, depth, width, activation, W_std, b_std, s) for s in seeds])


# --- public functions -----------------------------------------------------------------------
@PARAMS.validated
def analytic_theta(gammas=GAMMAS, depth: int = 4, activation: str = "relu", W_std: float = 1.0,
                   b_std: float = 0.1) -> np.ndarray:
    """Infinite-width NTK ``Θ(x0, x(γ))`` (n,) of an MLP at the angles ``gammas`` (n,).

    ``x0 = (1, 0)``, ``x(γ) = (cos γ, sin γ)``; ``depth`` hidden layers ``[Dense, φ]`` and a
    Dense readout (docs/theory.md#neural-kernels recursions, ``kernels.mlp``). Cached; read from the
    shipped results (``load_precomputed``) when they hold exactly this network on exactly this γ
    grid.

    Examples
    --------
    The depth-4 ReLU curve of the explorer (read from the shipped results): largest at x0,
    symmetric in γ:

    >>> from ntkviz.experiments import width
    >>> theta = width.analytic_theta(width.GAMMAS, depth=4)
    >>> theta.shape, int(theta.argmax()), bool(np.allclose(theta, theta[::-1]))
    ((101,), 50, True)
    >>> print(f"Θ(x0, x0) = {theta[50]:.4f}")
    Θ(x0, x0) = 0.1919
    """
    return _theta(gammas, depth, activation, W_std, b_std,
                  shipped_source(gammas, depth, activation, W_std, b_std))


@PARAMS.validated
def empirical_thetas(gammas=GAMMAS, depth: int = 4, width: int = 500, seeds=SEEDS,
                     activation: str = "relu", W_std: float = 1.0, b_std: float = 0.1) -> np.ndarray:
    """Empirical NTKs ``Θ̂_s(x0, x(γ))`` (n_seeds, n) of finite MLPs of ``width``, one per seed.

    The network of seed s is the one ``kernels.empirical_ntk(arch, …, width, seed=s)`` uses
    (NTK parameterisation, parameters N(0, 1)); rows are computed in float64 with
    ``finite_width.ntk_row`` and cached per seed. Read from the shipped results instead when they
    hold exactly this configuration: the same γ grid, network, seeds (all of them, in order) and
    a width of their sweep.

    Examples
    --------
    Three networks of one hidden layer at two widths: the wider ones scatter less around Θ
    (each new width compiles once, about a second):

    >>> from ntkviz.experiments import width
    >>> theta = width.analytic_theta(depth=1)
    >>> for n in (16, 1024):
    ...     rows = width.empirical_thetas(depth=1, width=n, seeds=(0, 1, 2))
    ...     error = np.linalg.norm(rows - theta, axis=1) / np.linalg.norm(theta)
    ...     print(n, rows.shape, f"mean relative error {error.mean():.2f}")
    16 (3, 101) mean relative error 0.39
    1024 (3, 101) mean relative error 0.07
    """
    return _rows(gammas, depth, width, activation, W_std, b_std, seeds,
                 shipped_source(gammas, depth, activation, W_std, b_std))


@dataclasses.dataclass(frozen=True)
class WidthSweep:
    """Relative error of the empirical NTK against the width; arrays are read-only.

    Attributes
    ----------
    depth : int
        Depth of the network.
    activation : str
        Activation of the network.
    W_std, b_std : float
        Weight and bias scales of the network.
    widths : int ndarray of shape (W,)
        Integer widths.
    seeds : tuple of int
        The seeds.
    errors : ndarray of shape (W, S)
        Relative error ``‖Θ̂_s − Θ‖/‖Θ‖`` on the γ grid ``GAMMAS``, per width and seed.
    mean : ndarray of shape (W,)
        Mean over seeds.
    spread : ndarray of shape (W,)
        Sample standard deviation over seeds.
    slope, intercept : float
        Least-squares fit ``log mean = intercept + slope · log width`` (expected slope
        ≈ −1/2); NaN with a single width.
    """

    depth: int
    activation: str
    W_std: float
    b_std: float
    widths: np.ndarray
    seeds: tuple
    errors: np.ndarray
    mean: np.ndarray
    spread: np.ndarray
    slope: float
    intercept: float

    def fitted(self, widths) -> np.ndarray:
        """The fitted power law ``exp(intercept) · width^slope`` at ``widths``."""
        return np.exp(self.intercept) * np.asarray(widths, dtype=float) ** self.slope


def _spread(errors: np.ndarray) -> np.ndarray:
    return errors.std(axis=-1, ddof=1) if errors.shape[-1] > 1 else np.zeros(errors.shape[:-1])


def _fit(widths, mean) -> tuple[float, float]:
    if len(widths) < 2:
        return float("nan"), float("nan")
    slope, intercept = np.polyfit(np.log(widths), np.log(mean), 1)
    return float(slope), float(intercept)


def _shipped_sweep(source, widths, seeds) -> bool:
    """Whether the shipped ``source`` holds this whole sweep (the same widths and seeds)."""
    return source is not None and widths == source.widths and seeds == source.seeds


@functools.lru_cache(maxsize=64)
def _sweep(depth, widths, seeds, activation, W_std, b_std, source=None) -> WidthSweep:
    """The sweep; ``source`` is the shipped ``WidthResults`` if it covers the network, else None."""
    if _shipped_sweep(source, widths, seeds):
        errors = source.entry(depth, activation)[2]
    else:
        gammas = nets.DEFAULT_GAMMAS
        analytic = _theta(gammas, depth, activation, W_std, b_std, source)
        errors = np.array([
            nets.relative(_rows(gammas, depth, w, activation, W_std, b_std, seeds, None), analytic)
            for w in widths
        ])
    mean = errors.mean(axis=1)
    slope, intercept = _fit(widths, mean)
    return WidthSweep(depth, activation, W_std, b_std, frozen(widths, np.int64), seeds,
                      frozen(errors), frozen(mean), frozen(_spread(errors)), slope, intercept)


def _fill(cells, progress, total: int):
    """Compute the rows ``cells`` in order (cached ones return at once), reporting progress out
    of ``total`` networks; the ``total - len(cells)`` read from the shipped file count at once."""
    report = progress_callback(progress, total, "empirical NTKs")
    shipped = total - len(cells)
    if shipped and not cells:
        report(total)
    for done, cell in enumerate(cells, start=shipped + 1):
        nets.empirical_row(*cell)
        report(done)


@PARAMS.validated
def relative_errors(depth: int = 4, widths=WIDTHS, seeds=SEEDS, activation: str = "relu",
                    W_std: float = 1.0, b_std: float = 0.1, progress=None) -> WidthSweep:
    """Relative error ``‖Θ̂ − Θ‖/‖Θ‖`` on the γ grid ``GAMMAS`` per width and seed, cached.

    Expected (arXiv 2406.06504, Fig. 1; arXiv 1806.07572): ``mean ∝ width^(−1/2)``, i.e.
    ``slope ≈ −0.5``.

    Read from the shipped results (``load_precomputed``, no network computed) when the arguments
    are exactly theirs: ``widths = WIDTHS``, ``seeds = SEEDS``, default ``W_std``/``b_std`` and
    a shipped depth (``PRECOMPUTED_DEPTHS``); any other configuration is computed.

    Parameters
    ----------
    depth : int
        Hidden layers (1..MAX_DEPTH).
    widths : sequence of int
        Widths (1..MAX_WIDTH), sorted, duplicates dropped.
    seeds : sequence of int
        Initialisations.
    activation : str
        ``"relu"`` or ``"erf"``.
    W_std, b_std : float
        Weight and bias scales (σ_w > 0, σ_b ≥ 0).
    progress : bool, callable or None
        None; True for a ``tqdm.auto`` bar; or a callable ``progress(done, total)``
        after each network (cached networks count at once).

    Examples
    --------
    The shipped sweep (depth 4, ReLU, 8 widths × 10 seeds), read from disk:

    >>> from ntkviz.experiments import width
    >>> sweep = width.relative_errors()
    >>> sweep.widths.tolist(), sweep.errors.shape
    ([16, 32, 64, 125, 250, 500, 1000, 2000], (8, 10))
    >>> print(f"{sweep.mean[0]:.2f} at n = 16, {sweep.mean[-1]:.2f} at n = 2000, "
    ...       f"slope {sweep.slope:.2f}")
    0.85 at n = 16, 0.08 at n = 2000, slope -0.50

    A sweep of your own is computed (here 2 widths × 3 seeds, a few seconds):

    >>> small = width.relative_errors(depth=1, widths=(16, 256), seeds=(0, 1, 2))
    >>> small.errors.shape, bool(small.mean[1] < small.mean[0])
    ((2, 3), True)
    """
    check_progress(progress)
    widths = tuple(sorted(set(widths)))
    source = shipped_source(nets.DEFAULT_GAMMAS, depth, activation, W_std, b_std)
    cells = [] if _shipped_sweep(source, widths, seeds) else _cells(
        depth, widths, seeds, activation, W_std, b_std)
    _fill(cells, progress, len(widths) * len(seeds))
    return _sweep(depth, widths, seeds, activation, W_std, b_std, source)


def _cells(depth, widths, seeds, activation, W_std, b_std) -> list[tuple]:
    gammas = nets.DEFAULT_GAMMAS
    return [(gammas, depth, w, activation, W_std, b_std, s) for w in widths for s in seeds]


@dataclasses.dataclass(frozen=True)
class WidthState:
    """Everything the width explorer shows at one setting; arrays are read-only.

    Attributes
    ----------
    depth, width : int
        Depth and width of the network.
    activation : str
        Activation of the network.
    W_std, b_std : float
        Weight and bias scales of the network.
    seeds : tuple of int
        The initialisations.
    gammas : ndarray of shape (G,)
        Angles γ = ``GAMMAS``.
    theta : ndarray of shape (G,)
        Analytic ``Θ(x0, x(γ))``.
    thetas : ndarray of shape (S, G)
        Empirical ``Θ̂_s(x0, x(γ))`` at this width, one row per seed.
    errors : ndarray of shape (S,)
        Relative errors ``‖Θ̂_s − Θ‖/‖Θ‖``.
    mean_error, spread : float
        Mean and sample standard deviation of ``errors``.
    sweep : WidthSweep
        The ``WidthSweep`` over the explorer's widths (same depth, activation, seeds).
    """

    depth: int
    width: int
    activation: str
    W_std: float
    b_std: float
    seeds: tuple
    gammas: np.ndarray
    theta: np.ndarray
    thetas: np.ndarray
    errors: np.ndarray
    mean_error: float
    spread: float
    sweep: WidthSweep

    @property
    def slope(self) -> float:
        """Fitted log-log slope of the mean relative error against width (≈ −1/2 expected)."""
        return self.sweep.slope


@functools.lru_cache(maxsize=256)
def _width_state(depth, width, activation, widths, seeds, W_std, b_std, source=None) -> WidthState:
    gammas = nets.DEFAULT_GAMMAS
    theta = _theta(gammas, depth, activation, W_std, b_std, source)
    # The curves come from where the sweep's come from, so the two always agree exactly.
    shipped = _shipped_sweep(source, widths, seeds)
    thetas = _rows(gammas, depth, width, activation, W_std, b_std, seeds,
                   source if shipped else None)
    if shipped and width in widths:
        errors = source.entry(depth, activation)[2][widths.index(width)]
    else:
        errors = nets.relative(thetas, theta)
    return WidthState(
        depth=depth, width=width, activation=activation, W_std=W_std, b_std=b_std, seeds=seeds,
        gammas=GAMMAS, theta=theta, thetas=thetas, errors=frozen(errors),
        mean_error=float(errors.mean()), spread=float(_spread(errors)),
        sweep=_sweep(depth, widths, seeds, activation, W_std, b_std, source),
    )


@PARAMS.validated
def width_state(depth: int = 4, width: int = 500, activation: str = "relu", *, widths=WIDTHS,
                seeds=SEEDS, W_std: float = 1.0, b_std: float = 0.1, progress=None) -> WidthState:
    """The analytic NTK, the empirical NTKs at ``width`` and the error sweep over ``widths``.

    Arguments as in ``relative_errors``; ``width`` need not be one of ``widths``. Cached: the
    first call at a (depth, activation) computes ``len(widths) · len(seeds)`` networks (the
    sweep), later widths only their own seeds (none if the width is in ``widths``). With the
    shipped configuration (``relative_errors``) the sweep, Θ and, at a width of the sweep, the
    curves are read from the shipped file: no network is computed.

    Examples
    --------
    What the explorer shows at its default setting, read from the shipped results:

    >>> from ntkviz.experiments import width
    >>> state = width.width_state(depth=4, width=500)
    >>> state.theta.shape, state.thetas.shape, state.errors.shape
    ((101,), (10, 101), (10,))
    >>> print(f"mean relative error {state.mean_error:.3f}, slope {state.slope:.2f}")
    mean relative error 0.126, slope -0.50
    """
    check_progress(progress)
    widths = tuple(sorted(set(widths)))
    source = shipped_source(nets.DEFAULT_GAMMAS, depth, activation, W_std, b_std)
    total = len(set(widths) | {width}) * len(seeds)
    if _shipped_sweep(source, widths, seeds):
        cells = [] if width in widths else _cells(depth, (width,), seeds, activation, W_std, b_std)
    else:
        cells = _cells(depth, (width,), seeds, activation, W_std, b_std)
        cells += [c for c in _cells(depth, widths, seeds, activation, W_std, b_std) if c[2] != width]
    _fill(cells, progress, total)
    return _width_state(depth, width, activation, widths, seeds, W_std, b_std, source)


@PARAMS.validated
def is_precomputed(depth: int = 4, activation: str = "relu", widths=WIDTHS, seeds=SEEDS,
                   W_std: float = 1.0, b_std: float = 0.1) -> bool:
    """Whether ``relative_errors`` (and ``width_state`` at a width of ``widths``) with these
    arguments reads the shipped file, i.e. returns at once without computing a network.

    Examples
    --------
    >>> from ntkviz.experiments import width
    >>> width.is_precomputed(depth=4), width.is_precomputed(depth=5)
    (True, False)
    >>> width.is_precomputed(widths=(16, 32))  # not the shipped widths: computed
    False
    """
    source = shipped_source(nets.DEFAULT_GAMMAS, depth, activation, W_std, b_std)
    return _shipped_sweep(source, tuple(sorted(set(widths))), seeds)
