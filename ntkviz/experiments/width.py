"""Finite-width networks against their infinite-width NTK on the unit circle (seed 003, Fig. 1;
seed 000, Fig. 1; THEORY §4 "Empirical NTK").

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

Default hyper-parameters: ``W_std = 1`` and ``b_std = β = 0.1`` (Jacot et al.'s bias scale;
with ``b_std = 1`` the bias would dominate ``Σ⁰ = x·x'/2`` and flatten the curve).
"""

from __future__ import annotations

import dataclasses
import functools
from typing import Callable

import numpy as np

from .._validate import as_finite_array, check_choice, check_int, check_real
from ..kernels import mlp
from ..kernels.finite_width import ntk_row

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
    W_std = check_real("W_std", W_std, minimum=0.0, strict_minimum=True)
    b_std = check_real("b_std", b_std, minimum=0.0)
    return depth, activation, W_std, b_std


def _check_width(width, name: str = "width") -> int:
    return check_int(name, width, minimum=1, maximum=MAX_WIDTH)


def _check_seeds(seeds) -> tuple[int, ...]:
    if isinstance(seeds, (str, bytes)) or not hasattr(seeds, "__iter__"):
        raise TypeError(f"seeds must be a sequence of integers, got {seeds!r}")
    seeds = tuple(check_int("seeds", s, minimum=0) for s in seeds)
    if not seeds:
        raise ValueError("seeds must hold at least one seed, got an empty sequence")
    return seeds


def _check_gammas(gammas) -> tuple[float, ...]:
    array = as_finite_array("gammas", gammas, ndim=1)
    if array.size == 0:
        raise ValueError("gammas must hold at least one angle, got an empty sequence")
    return tuple(float(g) for g in array)


def _check_widths(widths) -> tuple[int, ...]:
    if isinstance(widths, (str, bytes)) or not hasattr(widths, "__iter__"):
        raise TypeError(f"widths must be a sequence of integers, got {widths!r}")
    widths = tuple(_check_width(w, "widths") for w in widths)
    if not widths:
        raise ValueError("widths must hold at least one width, got an empty sequence")
    return tuple(sorted(set(widths)))


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


# --- public functions -----------------------------------------------------------------------
def analytic_theta(gammas=GAMMAS, depth: int = 4, activation: str = "relu", W_std: float = 1.0,
                   b_std: float = 0.1) -> np.ndarray:
    """Infinite-width NTK ``Θ(x0, x(γ))`` (n,) of an MLP at the angles ``gammas`` (n,).

    ``x0 = (1, 0)``, ``x(γ) = (cos γ, sin γ)``; ``depth`` hidden layers ``[Dense, φ]`` and a
    Dense readout (THEORY §4 recursions, ``kernels.mlp``). Cached.
    """
    depth, activation, W_std, b_std = _check_net(depth, activation, W_std, b_std)
    return _analytic(_check_gammas(gammas), depth, activation, W_std, b_std)


def empirical_thetas(gammas=GAMMAS, depth: int = 4, width: int = 500, seeds=SEEDS,
                     activation: str = "relu", W_std: float = 1.0, b_std: float = 0.1) -> np.ndarray:
    """Empirical NTKs ``Θ̂_s(x0, x(γ))`` (n_seeds, n) of finite MLPs of ``width``, one per seed.

    The network of seed s is the one ``kernels.empirical_ntk(arch, …, width, seed=s)`` uses
    (NTK parameterisation, parameters N(0, 1)); rows are computed in float64 with
    ``finite_width.ntk_row`` and cached per seed.
    """
    depth, activation, W_std, b_std = _check_net(depth, activation, W_std, b_std)
    gammas, width, seeds = _check_gammas(gammas), _check_width(width), _check_seeds(seeds)
    return _frozen([_empirical(gammas, depth, width, activation, W_std, b_std, s) for s in seeds])


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


@functools.lru_cache(maxsize=64)
def _sweep(depth, widths, seeds, activation, W_std, b_std) -> WidthSweep:
    gammas = tuple(GAMMAS.tolist())
    analytic = _analytic(gammas, depth, activation, W_std, b_std)
    errors = np.array([
        _relative(np.array([_empirical(gammas, depth, w, activation, W_std, b_std, s) for s in seeds]),
                  analytic)
        for w in widths
    ])
    mean = errors.mean(axis=1)
    slope, intercept = _fit(widths, mean)
    widths_array = np.array(widths, dtype=np.int64)
    widths_array.setflags(write=False)
    return WidthSweep(depth, activation, W_std, b_std, widths_array, seeds, _frozen(errors),
                      _frozen(mean), _frozen(_spread(errors)), slope, intercept)


def _fill(cells, progress):
    """Compute the rows ``cells`` in order (cached ones return at once), reporting progress."""
    report = _progress_callback(progress, len(cells))
    for done, cell in enumerate(cells, start=1):
        _empirical(*cell)
        report(done)


def _check_progress(progress):
    if not (progress is None or isinstance(progress, bool) or callable(progress)):
        raise TypeError(f"progress must be None, a bool or a callable(done, total), got {progress!r}")


def _progress_callback(progress, total: int) -> Callable[[int], None]:
    if progress is None or progress is False:
        return lambda done: None
    if progress is True:
        from tqdm.auto import tqdm

        bar = tqdm(total=total, desc="empirical NTKs")

        def report(done):
            bar.update(done - bar.n)
            if done == total:
                bar.close()

        return report
    return lambda done: progress(done, total)


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

    Expected (seed 000 Fig. 1, seed 003): ``mean ∝ width^(−1/2)``, i.e. ``slope ≈ −0.5``.
    """
    depth, activation, W_std, b_std = _check_net(depth, activation, W_std, b_std)
    widths, seeds = _check_widths(widths), _check_seeds(seeds)
    _check_progress(progress)
    _fill(_cells(depth, widths, seeds, activation, W_std, b_std), progress)
    return _sweep(depth, widths, seeds, activation, W_std, b_std)


def _cells(depth, widths, seeds, activation, W_std, b_std) -> list[tuple]:
    gammas = tuple(GAMMAS.tolist())
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
def _width_state(depth, width, activation, widths, seeds, W_std, b_std) -> WidthState:
    gammas = tuple(GAMMAS.tolist())
    theta = _analytic(gammas, depth, activation, W_std, b_std)
    thetas = _frozen([_empirical(gammas, depth, width, activation, W_std, b_std, s) for s in seeds])
    errors = _relative(thetas, theta)
    return WidthState(
        depth=depth, width=width, activation=activation, W_std=W_std, b_std=b_std, seeds=seeds,
        gammas=GAMMAS, theta=theta, thetas=thetas, errors=_frozen(errors),
        mean_error=float(errors.mean()), spread=float(_spread(errors)),
        sweep=_sweep(depth, widths, seeds, activation, W_std, b_std),
    )


def width_state(depth: int = 4, width: int = 500, activation: str = "relu", *, widths=WIDTHS,
                seeds=SEEDS, W_std: float = 1.0, b_std: float = 0.1, progress=None) -> WidthState:
    """The analytic NTK, the empirical NTKs at ``width`` and the error sweep over ``widths``.

    Arguments as in ``relative_errors``; ``width`` need not be one of ``widths``. Cached: the
    first call at a (depth, activation) computes ``len(widths) · len(seeds)`` networks (the
    sweep), later widths only their own seeds (none if the width is in ``widths``).
    """
    depth, activation, W_std, b_std = _check_net(depth, activation, W_std, b_std)
    width, widths, seeds = _check_width(width), _check_widths(widths), _check_seeds(seeds)
    _check_progress(progress)
    cells = _cells(depth, (width,), seeds, activation, W_std, b_std)
    cells += [c for c in _cells(depth, widths, seeds, activation, W_std, b_std) if c[2] != width]
    _fill(cells, progress)
    return _width_state(depth, width, activation, widths, seeds, W_std, b_std)
