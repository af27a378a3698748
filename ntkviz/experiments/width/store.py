"""The shipped width results (``data/results/width.npz``, a ``results.ResultsFile``): the
analytic Θ, every network's curve and its relative error for each shipped (depth,
activation), and ``precompute``, which computes and writes them."""

from __future__ import annotations

import dataclasses
import functools
import json
from pathlib import Path

import numpy as np

from ...results import ResultsFile
from .._common import check_progress, frozen
from . import networks as nets
from .networks import ACTIVATIONS, B_STD, GAMMAS, PARAMS, PRECOMPUTED_DEPTHS, SEEDS, W_STD, WIDTHS

__all__ = ["RESULTS", "SHIPPED", "QUICK", "WidthResults", "load_results", "load_precomputed", "save_results",
           "precomputed_path", "shipped_source", "precompute"]

#: Configuration ``{gammas, widths, seeds, W_std, b_std, depths, activations}``; arrays
#: ``theta`` (D, A, G), ``thetas`` (D, A, W, S, G), ``errors`` (D, A, W, S).
RESULTS = ResultsFile("width", 2)
#: What ``precompute()`` computes (the shipped file); ``QUICK``: a tiny grid, never read back.
SHIPPED = dict(depths=PRECOMPUTED_DEPTHS, activations=ACTIVATIONS, widths=WIDTHS, seeds=SEEDS)
QUICK = dict(depths=(1,), activations=ACTIVATIONS, widths=(16, 32), seeds=(0, 1))


@dataclasses.dataclass(frozen=True, eq=False)
class WidthResults:
    """Precomputed sweeps and curves, one entry per (depth, activation); arrays read-only.

    Compared by identity (a file read once is one object), so it can key the caches.

    Attributes
    ----------
    gammas : ndarray of shape (G,)
        The angles.
    widths, seeds : tuple
        The sweep's widths and seeds.
    W_std, b_std : float
        The weight and bias scales.
    depths, activations : tuple
        The networks held.
    theta : ndarray of shape (D, A, G)
        Analytic ``Θ(x0, x(γ))``.
    thetas : ndarray of shape (D, A, W, S, G)
        Empirical ``Θ̂_s(x0, x(γ))`` per width and seed.
    errors : ndarray of shape (D, A, W, S)
        Relative errors ``‖Θ̂_s − Θ‖/‖Θ‖``, as ``relative_errors`` computes them.
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

    @property
    def config(self) -> dict:
        """The configuration as the results file stores it (JSON data)."""
        return json.loads(json.dumps({
            "gammas": np.asarray(self.gammas).tolist(), "widths": self.widths,
            "seeds": self.seeds, "W_std": self.W_std, "b_std": self.b_std,
            "depths": self.depths, "activations": self.activations}))

    def entry(self, depth: int, activation: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``(theta (G,), thetas (W, S, G), errors (W, S))`` of a network held here (views)."""
        d, a = self.depths.index(depth), self.activations.index(activation)
        return self.theta[d, a], self.thetas[d, a], self.errors[d, a]

    def is_default(self) -> bool:
        """Whether this is the shipped configuration (``SHIPPED`` on ``GAMMAS``, ``W_STD``,
        ``B_STD``)."""
        return self.config == _SHIPPED_CONFIG

    def covers(self, gammas: tuple, depth, activation, W_std, b_std) -> bool:
        """Whether this holds exactly the network (depth, activation, W_std, b_std) on
        ``gammas``."""
        return (depth in self.depths and activation in self.activations
                and (W_std, b_std) == (self.W_std, self.b_std)
                and gammas == tuple(np.asarray(self.gammas).tolist()))


_SHIPPED_CONFIG = WidthResults(GAMMAS, W_std=W_STD, b_std=B_STD, theta=None, thetas=None,
                               errors=None, **SHIPPED).config


def precomputed_path() -> Path:
    """The bundled results file (``data/results/width.npz``).

    Examples
    --------
    >>> from ntkviz.experiments import width
    >>> width.precomputed_path().name
    'width.npz'
    """
    return RESULTS.path


def save_results(results: WidthResults, path=None) -> Path:
    """Write ``results`` through ``RESULTS`` to ``path`` (default: the bundled file).

    Examples
    --------
    >>> import pathlib, tempfile
    >>> from ntkviz.experiments import width
    >>> shipped = width.load_precomputed()
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     path = width.save_results(shipped, pathlib.Path(tmp) / "width.npz")
    ...     copy = width.load_results(path)
    >>> copy.is_default(), bool(np.array_equal(copy.errors, shipped.errors))
    (True, True)
    """
    if not isinstance(results, WidthResults):
        raise TypeError(f"results must be a width.WidthResults, got {type(results).__name__}")
    return RESULTS.save(results.config, {"theta": results.theta, "thetas": results.thetas,
                                         "errors": results.errors}, path)


@functools.lru_cache(maxsize=4)
def _view(stored) -> WidthResults:
    c = stored.config
    return WidthResults(frozen(c["gammas"]), tuple(c["widths"]), tuple(c["seeds"]), c["W_std"],
                        c["b_std"], tuple(c["depths"]), tuple(c["activations"]), **stored.arrays)


def load_results(path=None) -> WidthResults:
    """The width results file at ``path`` (default: the bundled one), of any configuration, read
    once per file version; ``ValueError`` naming the path if it is missing or unreadable.

    Examples
    --------
    >>> from ntkviz.experiments import width
    >>> results = width.load_results()  # the bundled file
    >>> results.depths, results.activations, results.thetas.shape
    ((1, 2, 3, 4), ('relu', 'erf'), (4, 2, 8, 10, 101))
    >>> theta, thetas, errors = results.entry(4, "relu")
    >>> theta.shape, thetas.shape, errors.shape
    ((101,), (8, 10, 101), (8, 10))
    """
    return _view(RESULTS.load(path))


def load_precomputed(path=None) -> WidthResults:
    """``load_results``, refused (``ValueError``) unless it holds the shipped configuration:
    another one is never used.

    Examples
    --------
    >>> from ntkviz.experiments import width
    >>> results = width.load_precomputed()
    >>> results.is_default(), results.widths
    (True, (16, 32, 64, 125, 250, 500, 1000, 2000))
    """
    results = load_results(path)
    if not results.is_default():
        raise ValueError(f"width results not precomputed: {str(path or RESULTS.path)!r} holds "
                         "another configuration; run `ntkviz precompute --only width`")
    return results


def shipped_source(gammas: tuple, depth, activation, W_std, b_std) -> WidthResults | None:
    """The shipped results if they hold exactly this network on this γ grid, else None."""
    try:
        results = load_precomputed()
    except ValueError:
        return None
    return results if results.covers(gammas, depth, activation, W_std, b_std) else None


def _compute(progress, depths, activations, widths, seeds) -> WidthResults:
    """Θ, the curves and the errors of every (depth, activation) on ``GAMMAS``, always computed;
    ``progress(done, total, label)`` before each network and at the end."""
    gammas, shape = nets.DEFAULT_GAMMAS, (len(depths), len(activations))
    total, done = len(depths) * len(activations) * len(widths) * len(seeds), 0
    theta = np.zeros(shape + (len(gammas),))
    thetas = np.zeros(shape + (len(widths), len(seeds), len(gammas)))
    errors = np.zeros(shape + (len(widths), len(seeds)))
    for i, depth in enumerate(depths):
        for j, activation in enumerate(activations):
            theta[i, j] = nets.analytic_row(gammas, depth, activation, W_STD, B_STD)
            for k, width in enumerate(widths):
                for m, seed in enumerate(seeds):
                    if progress is not None:
                        progress(done, total, f"depth {depth}, {activation}, width {width}")
                    thetas[i, j, k, m] = nets.empirical_row(gammas, depth, width, activation,
                                                            W_STD, B_STD, seed)
                    done += 1
                errors[i, j, k] = nets.relative(thetas[i, j, k], theta[i, j])
    if progress is not None:
        progress(total, total, "done")
    return WidthResults(GAMMAS, widths, seeds, W_STD, B_STD, depths, activations, frozen(theta),
                        frozen(thetas), frozen(errors))


@PARAMS.validated
def precompute(progress=None, *, quick: bool = False, path=None) -> tuple[Path, list[str]]:
    """Compute ``SHIPPED`` (``quick``: the tiny ``QUICK``) and save it through ``RESULTS`` to
    ``path`` (default the bundled file); ``progress(done, total, label)`` before each network
    and at the end. Returns the path and, per (depth, activation), its mean relative error at
    each width.

    Examples
    --------
    The tiny ``QUICK`` grid (depth 1, both activations, widths 16 and 32, two seeds), written
    to a temporary file; it is not the shipped configuration, so ``load_precomputed`` would
    refuse it:

    >>> import pathlib, tempfile
    >>> from ntkviz.experiments import width
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     path, lines = width.precompute(quick=True, path=pathlib.Path(tmp) / "width.npz")
    ...     results = width.load_results(path)
    >>> results.thetas.shape, results.is_default()
    ((1, 2, 2, 2, 101), False)
    >>> print(lines[0].strip())
    depth 1, relu, mean relative error: n=16: 0.284, n=32: 0.401
    """
    check_progress(progress, allow_bar=False)
    results = _compute(progress, **(QUICK if quick else SHIPPED))
    lines = [f"  depth {depth}, {activation}, mean relative error: " + ", ".join(
        f"n={n}: {e:.3f}" for n, e in zip(results.widths, results.entry(depth, activation)[2]
                                          .mean(axis=1)))
        for depth in results.depths for activation in results.activations]
    return save_results(results, path), lines
