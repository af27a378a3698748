"""The networks of the width experiment and their NTK rows on the unit circle: the settings,
the declared parameters and the cached computations (no storage, no explorer state)."""

from __future__ import annotations

import functools

import numpy as np

from ...kernels import mlp
from ...kernels.finite_width import ntk_row
from ...params import Param, Params
from .._common import frozen

__all__ = ["ACTIVATIONS", "GAMMAS", "SEEDS", "WIDTHS", "MAX_DEPTH", "MAX_WIDTH", "MAX_STD",
           "W_STD", "B_STD", "PRECOMPUTED_DEPTHS", "X0", "PARAMS", "circle_points",
           "analytic_row", "empirical_row", "relative"]

#: Nonlinearities of the MLP (those of ``kernels.mlp``).
ACTIVATIONS = ("relu", "erf")
#: Angles γ (radians) of the curves: 101 points from −π to π (γ = 0, the point x0, included).
GAMMAS = np.linspace(-np.pi, np.pi, 101)
GAMMAS[50] = 0.0  # exactly x0 (linspace leaves round-off there)
GAMMAS.setflags(write=False)
#: ``GAMMAS`` as the tuple the cached functions take.
DEFAULT_GAMMAS = tuple(GAMMAS.tolist())
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
#: The fixed point x0 = (1, 0) = x(γ = 0).
X0 = np.array([1.0, 0.0])
X0.setflags(write=False)

#: The arguments of the public functions (the explorer's depth slider offers 1..4).
PARAMS = Params(
    Param("depth", "int", 1, MAX_DEPTH, label="depth (hidden layers)", control=(1, 4, 1)),
    Param("width", "int", 1, MAX_WIDTH, label="width n"),
    Param("activation", "choice", choices=ACTIVATIONS, label="activation φ"),
    Param("W_std", "real", 0.0, MAX_STD, strict=True),
    Param("b_std", "real", 0.0, MAX_STD),
    Param("widths", "ints", 1, MAX_WIDTH),
    Param("seeds", "ints", 0),
    Param("gammas", "reals"),
    Param("quick", "flag"),
)


@PARAMS.validated
def circle_points(gammas) -> np.ndarray:
    """Points ``x(γ) = (cos γ, sin γ)`` (n, 2) on the unit circle for angles ``gammas`` (n,).

    Examples
    --------
    >>> from ntkviz.experiments import width
    >>> print(width.circle_points([0.0, np.pi / 2, np.pi]).round(6))
    [[ 1.  0.]
     [ 0.  1.]
     [-1.  0.]]
    >>> points = width.circle_points(width.GAMMAS)
    >>> points.shape, bool(np.array_equal(points[50], width.X0))  # γ = 0 is x0
    ((101, 2), True)
    """
    gammas = np.asarray(gammas, dtype=float)
    return np.stack([np.cos(gammas), np.sin(gammas)], axis=1)


@functools.lru_cache(maxsize=64)
def analytic_row(gammas: tuple, depth: int, activation: str, W_std: float,
                 b_std: float) -> np.ndarray:
    """Infinite-width ``Θ(x0, x(γ))`` (G,) (clean arguments; cached)."""
    kernel = mlp(depth=depth, W_std=W_std, b_std=b_std, activation=activation)
    return frozen(kernel.ntk(X0[None], circle_points.unchecked(gammas))[0])


@functools.lru_cache(maxsize=4096)
def empirical_row(gammas: tuple, depth: int, width: int, activation: str, W_std: float,
                  b_std: float, seed: int) -> np.ndarray:
    """``Θ̂(x0, x(γ))`` (G,) of the network of ``seed`` (clean arguments; cached)."""
    arch = mlp(depth=depth, W_std=W_std, b_std=b_std, activation=activation)
    return frozen(ntk_row(arch, X0, circle_points.unchecked(gammas), width=width, seed=seed))


def relative(empirical: np.ndarray, analytic: np.ndarray) -> np.ndarray:
    """``‖Θ̂_s − Θ‖ / ‖Θ‖`` per row s."""
    return np.linalg.norm(empirical - analytic, axis=-1) / np.linalg.norm(analytic)
