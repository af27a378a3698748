"""Finite-width networks against their infinite-width NTK on the unit circle (NTK, arXiv
1806.07572, Fig. 1; Equivariant NTKs, arXiv 2406.06504, Fig. 1;
docs/theory.md#the-empirical-ntk-and-width).

Inputs ``x(γ) = (cos γ, sin γ)``, ``γ ∈ [−π, π]``, and the fixed point ``x0 = x(0) = (1, 0)``.
The analytic NTK ``Θ(x0, x(γ))`` of an MLP with ``depth`` hidden layers (``kernels.mlp``) is a
deterministic curve; each random initialisation (seed) of a finite network of width n gives its
own empirical curve ``Θ̂(x0, x(γ))`` (NTK parameterisation, all parameters N(0, 1), same
conventions as ``kernels.empirical_ntk``). The curves scatter around Θ and the scatter shrinks
as the width grows: the relative error ``‖Θ̂ − Θ‖ / ‖Θ‖`` (Euclidean norm over the γ grid)
falls roughly like ``n^(−1/2)``.

Every empirical curve is one gradient at x0 and one Jacobian-vector product over the γ grid
(``finite_width.ntk_row``), in float64 at every width, cached per (depth, width, activation,
W_std, b_std, seed): the explorer's curves at the current width are the same cached rows as the
error-against-width sweep. Each new width compiles the gradient and jvp once (~0.2–0.5 s
here) and, the first time a parameter shape appears, its random draws (~0.3–1 s); float64 is
fast enough at every width (depth 4, width 2000: ~0.5 s a network), so float32 is never used.
Measured (2 shared cores, November 2026): the first depth-4 ReLU sweep, 8 widths × 10 seeds,
18–25 s; another depth or activation afterwards 2–18 s; anything computed once, instant.

The standard settings are shipped precomputed (``precompute``, ``ntkviz precompute --only
width``: every depth in ``PRECOMPUTED_DEPTHS`` and activation at the default ``W_std``/``b_std``
on ``GAMMAS``, ``WIDTHS`` × ``SEEDS``; 640 networks, ~55 s here; ``data/results/width.npz``,
float64, ~0.5 MB, the configuration stored inside). ``relative_errors``, ``width_state`` and
``empirical_thetas`` read it (in milliseconds, no network computed) when their arguments are
exactly that configuration, ``analytic_theta`` when the network and γ grid are; anything else
is computed as above. A missing file or one with another configuration is never read.

Default hyper-parameters: ``W_std = 1`` and ``b_std = β = 0.1`` (Jacot et al.'s bias scale;
with ``b_std = 1`` the bias would dominate ``Σ⁰ = x·x'/2`` and flatten the curve).
"""

from __future__ import annotations

import dataclasses
import functools
import json
import zipfile
from pathlib import Path

import numpy as np

from .. import datasets
from .._validate import (
    as_finite_array,
    check_choice,
    check_int,
    check_path,
    check_real,
    check_sequence,
)
from ..kernels import mlp
from ..kernels.finite_width import ntk_row
from ._common import check_progress, open_npz, progress_callback

__all__ = [
    "ACTIVATIONS",
    "GAMMAS",
    "SEEDS",
    "WIDTHS",
    "MAX_DEPTH",
    "MAX_WIDTH",
    "WidthSweep",
    "WidthState",
    "circle_points",
    "analytic_theta",
    "empirical_thetas",
    "relative_errors",
    "width_state",
    "W_STD",
    "B_STD",
    "PRECOMPUTED_DEPTHS",
    "WidthResults",
    "precompute",
    "save_results",
    "load_results",
    "load_precomputed",
    "precomputed_path",
    "is_precomputed",
]

#: Nonlinearities of the MLP (those of ``kernels.mlp``).
ACTIVATIONS = ("relu", "erf")
#: Angles γ (radians) of the curves: 101 points from −π to π (γ = 0, the point x0, included).
GAMMAS = np.linspace(-np.pi, np.pi, 101)
GAMMAS[50] = 0.0  # exactly x0 (linspace leaves round-off there)
GAMMAS.setflags(write=False)
#: Random initialisations compared at each width.
SEEDS = tuple(range(10))
#: Widths of the error-against-width sweep: roughly doubling, with Jacot et al.'s n = 500.
WIDTHS = (16, 32, 64, 125, 250, 500, 1000, 2000)
#: Largest depth (hidden layers) and width accepted (time and memory grow as depth · width²).
MAX_DEPTH = 6
MAX_WIDTH = 4096
#: Largest W_std and b_std accepted: Θ grows like W_std**(2·depth), and 1e2 keeps it far from
#: float64 overflow at MAX_DEPTH (1e129 gave NaN).
MAX_STD = 100.0
#: Default weight and bias scales (σ_w, σ_b = β of Jacot et al.).
W_STD = 1.0
B_STD = 0.1
#: Depths shipped precomputed (those of the explorer's depth slider), at every activation.
PRECOMPUTED_DEPTHS = (1, 2, 3, 4)
#: Version of the layout of the results file.
FILE_FORMAT = 1

#: The fixed point x0 = (1, 0) = x(γ = 0).
X0 = np.array([1.0, 0.0])
X0.setflags(write=False)


def _frozen(array) -> np.ndarray:
    array = np.array(array, dtype=np.float64)
    array.setflags(write=False)
    return array


def circle_points(gammas) -> np.ndarray:
    """Points ``x(γ) = (cos γ, sin γ)`` (n, 2) on the unit circle for angles ``gammas`` (n,)."""
    gammas = as_finite_array("gammas", gammas, ndim=1)
    return np.stack([np.cos(gammas), np.sin(gammas)], axis=1)


# --- argument checks ------------------------------------------------------------------------
def _check_net(depth, activation, W_std, b_std) -> tuple[int, str, float, float]:
    depth = check_int("depth", depth, minimum=1, maximum=MAX_DEPTH)
    check_choice("activation", activation, ACTIVATIONS)
    W_std = check_real("W_std", W_std, minimum=0.0, strict_minimum=True, maximum=MAX_STD)
    b_std = check_real("b_std", b_std, minimum=0.0, maximum=MAX_STD)
    return depth, activation, W_std, b_std


def _check_width(width, name: str = "width") -> int:
    return check_int(name, width, minimum=1, maximum=MAX_WIDTH)


def _check_seeds(seeds) -> tuple[int, ...]:
    return check_sequence("seeds", seeds, lambda s: check_int("seeds", s, minimum=0))


def _check_gammas(gammas) -> tuple[float, ...]:
    array = as_finite_array("gammas", gammas, ndim=1)
    if array.size == 0:
        raise ValueError("gammas must hold at least one angle, got an empty sequence")
    return tuple(float(g) for g in array)


def _check_widths(widths) -> tuple[int, ...]:
    return tuple(sorted(set(check_sequence("widths", widths, lambda w: _check_width(w, "widths")))))


# --- cached cores ---------------------------------------------------------------------------
@functools.lru_cache(maxsize=64)
def _analytic(gammas: tuple, depth: int, activation: str, W_std: float, b_std: float) -> np.ndarray:
    kernel = mlp(depth=depth, W_std=W_std, b_std=b_std, activation=activation)
    return _frozen(kernel.ntk(X0[None], circle_points(gammas))[0])


@functools.lru_cache(maxsize=4096)
def _empirical(gammas: tuple, depth: int, width: int, activation: str, W_std: float, b_std: float,
               seed: int) -> np.ndarray:
    arch = mlp(depth=depth, W_std=W_std, b_std=b_std, activation=activation)
    return _frozen(ntk_row(arch, X0, circle_points(gammas), width=width, seed=seed))


def _relative(empirical: np.ndarray, analytic: np.ndarray) -> np.ndarray:
    """``‖Θ̂_s − Θ‖ / ‖Θ‖`` per row s."""
    return np.linalg.norm(empirical - analytic, axis=-1) / np.linalg.norm(analytic)


def _theta(gammas: tuple, depth, activation, W_std, b_std, source) -> np.ndarray:
    """Θ from the shipped file ``source`` (which covers this network), else computed."""
    if source is not None:
        return source.entry(depth, activation)[0]
    return _analytic(gammas, depth, activation, W_std, b_std)


def _rows(gammas: tuple, depth, width, activation, W_std, b_std, seeds, source) -> np.ndarray:
    """Θ̂ (S, G) of ``seeds`` at ``width``: shipped when ``source`` holds exactly these seeds at
    this width, else computed (cached per seed)."""
    if source is not None and seeds == source.seeds and width in source.widths:
        return source.entry(depth, activation)[1][source.widths.index(width)]
    return _frozen([_empirical(gammas, depth, width, activation, W_std, b_std, s) for s in seeds])


# --- public functions -----------------------------------------------------------------------
def analytic_theta(gammas=GAMMAS, depth: int = 4, activation: str = "relu", W_std: float = 1.0,
                   b_std: float = 0.1) -> np.ndarray:
    """Infinite-width NTK ``Θ(x0, x(γ))`` (n,) of an MLP at the angles ``gammas`` (n,).

    ``x0 = (1, 0)``, ``x(γ) = (cos γ, sin γ)``; ``depth`` hidden layers ``[Dense, φ]`` and a
    Dense readout (docs/theory.md#neural-kernels recursions, ``kernels.mlp``). Cached; read from the
    shipped results (``load_precomputed``) when they hold exactly this network on exactly this γ
    grid.
    """
    depth, activation, W_std, b_std = _check_net(depth, activation, W_std, b_std)
    gammas = _check_gammas(gammas)
    return _theta(gammas, depth, activation, W_std, b_std,
                  _source(gammas, depth, activation, W_std, b_std))


def empirical_thetas(gammas=GAMMAS, depth: int = 4, width: int = 500, seeds=SEEDS,
                     activation: str = "relu", W_std: float = 1.0, b_std: float = 0.1) -> np.ndarray:
    """Empirical NTKs ``Θ̂_s(x0, x(γ))`` (n_seeds, n) of finite MLPs of ``width``, one per seed.

    The network of seed s is the one ``kernels.empirical_ntk(arch, …, width, seed=s)`` uses
    (NTK parameterisation, parameters N(0, 1)); rows are computed in float64 with
    ``finite_width.ntk_row`` and cached per seed. Read from the shipped results instead when they
    hold exactly this configuration: the same γ grid, network, seeds (all of them, in order) and
    a width of their sweep.
    """
    depth, activation, W_std, b_std = _check_net(depth, activation, W_std, b_std)
    gammas, width, seeds = _check_gammas(gammas), _check_width(width), _check_seeds(seeds)
    return _rows(gammas, depth, width, activation, W_std, b_std, seeds,
                 _source(gammas, depth, activation, W_std, b_std))


@dataclasses.dataclass(frozen=True)
class WidthSweep:
    """Relative error of the empirical NTK against the width; arrays are read-only.

    Attributes
    ----------
    depth, activation, W_std, b_std : the network;  widths : (W,) integer widths;  seeds : the seeds
    errors : (W, S) relative error ``‖Θ̂_s − Θ‖/‖Θ‖`` on the γ grid ``GAMMAS``, per width and seed
    mean : (W,) mean over seeds;  spread : (W,) sample standard deviation over seeds
    slope, intercept : least-squares fit ``log mean = intercept + slope · log width``
        (expected slope ≈ −1/2); NaN with a single width
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
        gammas = _default_gammas()
        analytic = _theta(gammas, depth, activation, W_std, b_std, source)
        errors = np.array([
            _relative(_rows(gammas, depth, w, activation, W_std, b_std, seeds, None), analytic)
            for w in widths
        ])
    mean = errors.mean(axis=1)
    slope, intercept = _fit(widths, mean)
    widths_array = np.array(widths, dtype=np.int64)
    widths_array.setflags(write=False)
    return WidthSweep(depth, activation, W_std, b_std, widths_array, seeds, _frozen(errors),
                      _frozen(mean), _frozen(_spread(errors)), slope, intercept)


def _fill(cells, progress, total: int):
    """Compute the rows ``cells`` in order (cached ones return at once), reporting progress out
    of ``total`` networks; the ``total - len(cells)`` read from the shipped file count at once."""
    report = progress_callback(progress, total, "empirical NTKs")
    shipped = total - len(cells)
    if shipped and not cells:
        report(total)
    for done, cell in enumerate(cells, start=shipped + 1):
        _empirical(*cell)
        report(done)




def relative_errors(depth: int = 4, widths=WIDTHS, seeds=SEEDS, activation: str = "relu",
                    W_std: float = 1.0, b_std: float = 0.1, progress=None) -> WidthSweep:
    """Relative error ``‖Θ̂ − Θ‖/‖Θ‖`` on the γ grid ``GAMMAS`` per width and seed, cached.

    Parameters
    ----------
    depth : hidden layers (1..MAX_DEPTH);  widths : widths (1..MAX_WIDTH), sorted, duplicates
        dropped;  seeds : initialisations;  activation : ``"relu"`` or ``"erf"``
    W_std, b_std : weight and bias scales (σ_w > 0, σ_b ≥ 0)
    progress : None; True for a ``tqdm.auto`` bar; or a callable ``progress(done, total)``
        after each network (cached networks count at once)

    Expected (arXiv 2406.06504, Fig. 1; arXiv 1806.07572): ``mean ∝ width^(−1/2)``, i.e.
    ``slope ≈ −0.5``.

    Read from the shipped results (``load_precomputed``, no network computed) when the arguments
    are exactly theirs: ``widths = WIDTHS``, ``seeds = SEEDS``, default ``W_std``/``b_std`` and
    a shipped depth (``PRECOMPUTED_DEPTHS``); any other configuration is computed.
    """
    depth, activation, W_std, b_std = _check_net(depth, activation, W_std, b_std)
    widths, seeds = _check_widths(widths), _check_seeds(seeds)
    check_progress(progress)
    source = _source(_default_gammas(), depth, activation, W_std, b_std)
    cells = [] if _shipped_sweep(source, widths, seeds) else _cells(
        depth, widths, seeds, activation, W_std, b_std)
    _fill(cells, progress, len(widths) * len(seeds))
    return _sweep(depth, widths, seeds, activation, W_std, b_std, source)


@functools.lru_cache(maxsize=1)
def _default_gammas() -> tuple:
    return tuple(GAMMAS.tolist())


def _cells(depth, widths, seeds, activation, W_std, b_std) -> list[tuple]:
    gammas = _default_gammas()
    return [(gammas, depth, w, activation, W_std, b_std, s) for w in widths for s in seeds]


@dataclasses.dataclass(frozen=True)
class WidthState:
    """Everything the width explorer shows at one setting; arrays are read-only.

    Attributes
    ----------
    depth, width, activation, W_std, b_std : the network;  seeds : the initialisations
    gammas : (G,) angles γ = ``GAMMAS``;  theta : (G,) analytic ``Θ(x0, x(γ))``
    thetas : (S, G) empirical ``Θ̂_s(x0, x(γ))`` at this width, one row per seed
    errors : (S,) relative errors ``‖Θ̂_s − Θ‖/‖Θ‖``;  mean_error, spread : their mean and
        sample standard deviation
    sweep : the ``WidthSweep`` over the explorer's widths (same depth, activation, seeds)
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
    gammas = _default_gammas()
    theta = _theta(gammas, depth, activation, W_std, b_std, source)
    # The curves come from where the sweep's come from, so the two always agree exactly.
    shipped = _shipped_sweep(source, widths, seeds)
    thetas = _rows(gammas, depth, width, activation, W_std, b_std, seeds,
                   source if shipped else None)
    if shipped and width in widths:
        errors = source.entry(depth, activation)[2][widths.index(width)]
    else:
        errors = _relative(thetas, theta)
    return WidthState(
        depth=depth, width=width, activation=activation, W_std=W_std, b_std=b_std, seeds=seeds,
        gammas=GAMMAS, theta=theta, thetas=thetas, errors=_frozen(errors),
        mean_error=float(errors.mean()), spread=float(_spread(errors)),
        sweep=_sweep(depth, widths, seeds, activation, W_std, b_std, source),
    )


def width_state(depth: int = 4, width: int = 500, activation: str = "relu", *, widths=WIDTHS,
                seeds=SEEDS, W_std: float = 1.0, b_std: float = 0.1, progress=None) -> WidthState:
    """The analytic NTK, the empirical NTKs at ``width`` and the error sweep over ``widths``.

    Arguments as in ``relative_errors``; ``width`` need not be one of ``widths``. Cached: the
    first call at a (depth, activation) computes ``len(widths) · len(seeds)`` networks (the
    sweep), later widths only their own seeds (none if the width is in ``widths``). With the
    shipped configuration (``relative_errors``) the sweep, Θ and, at a width of the sweep, the
    curves are read from the shipped file: no network is computed.
    """
    depth, activation, W_std, b_std = _check_net(depth, activation, W_std, b_std)
    width, widths, seeds = _check_width(width), _check_widths(widths), _check_seeds(seeds)
    check_progress(progress)
    source = _source(_default_gammas(), depth, activation, W_std, b_std)
    total = len(set(widths) | {width}) * len(seeds)
    if _shipped_sweep(source, widths, seeds):
        cells = [] if width in widths else _cells(depth, (width,), seeds, activation, W_std, b_std)
    else:
        cells = _cells(depth, (width,), seeds, activation, W_std, b_std)
        cells += [c for c in _cells(depth, widths, seeds, activation, W_std, b_std) if c[2] != width]
    _fill(cells, progress, total)
    return _width_state(depth, width, activation, widths, seeds, W_std, b_std, source)


# --- shipped results ------------------------------------------------------------------------
@dataclasses.dataclass(frozen=True, eq=False)
class WidthResults:
    """Precomputed sweeps and curves (``precompute``), one entry per (depth, activation).

    Compared by identity (a file read once is one object), so it can key the caches.

    Attributes
    ----------
    gammas : (G,) the angles;  widths, seeds : the sweep's widths and seeds (tuples)
    W_std, b_std : the weight and bias scales;  depths, activations : the networks held
    theta : (D, A, G) analytic ``Θ(x0, x(γ))``
    thetas : (D, A, W, S, G) empirical ``Θ̂_s(x0, x(γ))`` per width and seed
    errors : (D, A, W, S) relative errors ``‖Θ̂_s − Θ‖/‖Θ‖``, as ``relative_errors`` computes them
    """

    gammas: np.ndarray
    widths: tuple
    seeds: tuple
    W_std: float
    b_std: float
    depths: tuple
    activations: tuple
    theta: np.ndarray
    thetas: np.ndarray
    errors: np.ndarray

    def entry(self, depth: int, activation: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``(theta (G,), thetas (W, S, G), errors (W, S))`` of one network (read-only views)."""
        check_choice("depth", depth, self.depths)
        check_choice("activation", activation, self.activations)
        d, a = self.depths.index(depth), self.activations.index(activation)
        return self.theta[d, a], self.thetas[d, a], self.errors[d, a]

    def is_default(self) -> bool:
        """Whether the configuration is the module's: ``GAMMAS``, ``WIDTHS``, ``SEEDS``,
        ``W_STD``, ``B_STD`` (the depths and activations held may be any)."""
        return (self.gammas.shape == GAMMAS.shape and bool(np.all(self.gammas == GAMMAS))
                and self.widths == WIDTHS and self.seeds == SEEDS
                and self.W_std == W_STD and self.b_std == B_STD)

    def covers(self, gammas: tuple, depth, activation, W_std, b_std) -> bool:
        """Whether this holds exactly the network (depth, activation, W_std, b_std) on
        ``gammas``."""
        return (depth in self.depths and activation in self.activations
                and W_std == self.W_std and b_std == self.b_std
                and len(gammas) == len(self.gammas)
                and bool(np.all(np.array(gammas) == self.gammas)))


def precompute(progress=None, *, depths=PRECOMPUTED_DEPTHS, activations=ACTIVATIONS,
               widths=WIDTHS, seeds=SEEDS, W_std: float = W_STD,
               b_std: float = B_STD) -> WidthResults:
    """Compute the sweep, the curves and Θ of every (depth, activation) on ``GAMMAS``.

    Always computes (never reads the shipped file). The defaults are the shipped configuration
    (``ntkviz precompute --only width``); ``progress(done, total, label)`` is called before
    each network and once at the end (``done == total``).
    """
    if not (progress is None or callable(progress)):
        raise TypeError("progress must be None or a callable(done, total, label), "
                        f"got {progress!r}")
    depths = check_sequence("depths", (depths,) if isinstance(depths, int) else depths,
                            lambda d: check_int("depths", d, minimum=1, maximum=MAX_DEPTH))
    activations = check_sequence("activations", (activations,) if isinstance(activations, str)
                                 else activations,
                                 lambda a: check_choice("activations", a, ACTIVATIONS))
    W_std, b_std = _check_net(1, ACTIVATIONS[0], W_std, b_std)[2:]
    if not depths or len(set(depths)) != len(depths):
        raise ValueError(f"depths must hold distinct depths, got {depths}")
    if not activations or len(set(activations)) != len(activations):
        raise ValueError(f"activations must hold distinct activations, got {activations}")
    widths, seeds = _check_widths(widths), _check_seeds(seeds)
    gammas = _default_gammas()
    plan = [(d, a) for d in depths for a in activations]
    total = len(plan) * len(widths) * len(seeds)
    theta = np.zeros((len(depths), len(activations), len(gammas)))
    thetas = np.zeros((len(depths), len(activations), len(widths), len(seeds), len(gammas)))
    errors = np.zeros((len(depths), len(activations), len(widths), len(seeds)))
    done, report = 0, progress is not None
    for depth, activation in plan:
        i, j = depths.index(depth), activations.index(activation)
        theta[i, j] = _analytic(gammas, depth, activation, W_std, b_std)
        for k, width in enumerate(widths):
            for l, seed in enumerate(seeds):
                if report:
                    progress(done, total, f"depth {depth}, {activation}, width {width}")
                thetas[i, j, k, l] = _empirical(gammas, depth, width, activation, W_std, b_std,
                                                seed)
                done += 1
            errors[i, j, k] = _relative(thetas[i, j, k], theta[i, j])
    if report:
        progress(total, total, "done")
    return WidthResults(GAMMAS, widths, seeds, W_std, b_std, depths, activations,
                        _frozen(theta), _frozen(thetas), _frozen(errors))


def save_results(results: WidthResults, path) -> Path:
    """Write ``results`` (float64, configuration included) to an ``.npz``; returns the path."""
    if not isinstance(results, WidthResults):
        raise TypeError(f"results must be a width.WidthResults, got {type(results).__name__}")
    meta = {"format": FILE_FORMAT, "widths": list(results.widths), "seeds": list(results.seeds),
            "W_std": results.W_std, "b_std": results.b_std, "depths": list(results.depths),
            "activations": list(results.activations)}
    path = check_path("path", path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as handle:
        np.savez_compressed(handle, meta=np.array(json.dumps(meta)),
                            gammas=np.asarray(results.gammas, dtype=np.float64),
                            theta=results.theta, thetas=results.thetas, errors=results.errors)
    return path


def load_results(path) -> WidthResults:
    """Read a file written by ``save_results`` (any configuration); ValueError if it is missing
    or not such a file."""
    path = check_path("path", path)
    if not path.exists():
        raise ValueError(f"path {str(path)!r} does not exist")
    try:
        with open_npz(path) as archive:
            meta = json.loads(str(archive["meta"]))
            if meta.get("format") != FILE_FORMAT:
                raise ValueError(f"{path} has width results format {meta.get('format')}, "
                                 f"expected {FILE_FORMAT}")
            arrays = {name: _frozen(archive[name])
                      for name in ("gammas", "theta", "thetas", "errors")}
        results = WidthResults(
            widths=tuple(int(w) for w in meta["widths"]),
            seeds=tuple(int(s) for s in meta["seeds"]),
            W_std=float(meta["W_std"]), b_std=float(meta["b_std"]),
            depths=tuple(int(d) for d in meta["depths"]),
            activations=tuple(str(a) for a in meta["activations"]), **arrays)
    except (OSError, KeyError, TypeError, ValueError, zipfile.BadZipFile) as error:
        raise ValueError(f"{path} is not a width results file: {error}") from error
    D, A, W, S, G = (len(results.depths), len(results.activations), len(results.widths),
                     len(results.seeds), len(results.gammas))
    shapes = (results.theta.shape, results.thetas.shape, results.errors.shape)
    if shapes != ((D, A, G), (D, A, W, S, G), (D, A, W, S)):
        raise ValueError(f"{path} has arrays whose shapes do not match its configuration")
    return results


def precomputed_path() -> Path:
    """The bundled results file (``data/results/width.npz``, or ``ntkviz/_data/…`` in a wheel)."""
    return datasets.bundled_data_dir() / "results" / "width.npz"


@functools.lru_cache(maxsize=4)
def _load_cached(path: str, mtime_ns: int, size: int) -> WidthResults:
    return load_results(path)


def load_precomputed(path=None) -> WidthResults:
    """The shipped results of ``ntkviz precompute --only width``, read once per process.

    ValueError ("not precomputed") if the file is missing or its configuration (γ grid, widths,
    seeds, W_std, b_std) is not the module's: such a file is never used.
    """
    path = precomputed_path() if path is None else check_path("path", path)
    if not path.exists():
        raise ValueError(f"width results not precomputed: no file at {str(path)!r}; "
                         "run `ntkviz precompute --only width`")
    stat = path.stat()
    results = _load_cached(str(path), stat.st_mtime_ns, stat.st_size)
    if not results.is_default():
        raise ValueError(f"width results not precomputed: {str(path)!r} holds another "
                         "configuration than experiments.width's; "
                         "run `ntkviz precompute --only width`")
    return results


def _source(gammas: tuple, depth, activation, W_std, b_std) -> WidthResults | None:
    """The shipped results if they hold exactly this network on this γ grid, else None."""
    try:
        results = load_precomputed()
    except ValueError:
        return None
    return results if results.covers(gammas, depth, activation, W_std, b_std) else None


def is_precomputed(depth: int = 4, activation: str = "relu", widths=WIDTHS, seeds=SEEDS,
                   W_std: float = 1.0, b_std: float = 0.1) -> bool:
    """Whether ``relative_errors`` (and ``width_state`` at a width of ``widths``) with these
    arguments reads the shipped file, i.e. returns at once without computing a network."""
    depth, activation, W_std, b_std = _check_net(depth, activation, W_std, b_std)
    widths, seeds = _check_widths(widths), _check_seeds(seeds)
    source = _source(_default_gammas(), depth, activation, W_std, b_std)
    return _shipped_sweep(source, widths, seeds)
