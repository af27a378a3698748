"""The shipped dynamics results (``data/results/dynamics.npz``, a ``results.ResultsFile``): the
finite networks trained at ``DEFAULTS`` on both datasets, and the analytic Θ of every dataset
and depth (read instead of compiling ``kernels.mlp``)."""

from __future__ import annotations

import dataclasses
import functools
from pathlib import Path

import numpy as np

from ...results import ResultsFile
from .config import B_STD, PARAMS, SEEDS, TIMES, W_STD, WIDTHS, Run

__all__ = ["RESULTS", "DynamicsResults", "save_results", "load_results", "load_precomputed",
           "precomputed_path", "shipped_results", "shipped_kernels", "is_precomputed"]

#: Configuration ``{widths, seeds, depth, lr_factor, noise, datasets, W_std, b_std}``; arrays
#: ``times``, ``f_train_<dataset>`` (W, S, T, n), ``f_test_<dataset>`` (W, S, T, m),
#: ``theta_<dataset>_<depth>`` (n, n) and ``thetatest_<dataset>_<depth>`` (m, n).
RESULTS = ResultsFile("dynamics", 2)


@dataclasses.dataclass(frozen=True, eq=False)
class DynamicsResults:
    """Finite-network runs of ``precompute``: outputs ``f_train[dataset]`` (W, S, T, n),
    ``f_test[dataset]`` (W, S, T, m) at the checkpoints ``times``."""

    widths: tuple
    seeds: tuple
    depth: int
    lr_factor: float
    noise: float
    times: np.ndarray
    f_train: dict
    f_test: dict
    #: (dataset, depth) → (Θ(X, X), Θ(x_test, X)) for every dataset and depth 1..MAX_DEPTH
    thetas: dict = dataclasses.field(default_factory=dict)

    def covers(self, dataset, depth, lr_factor, noise) -> bool:
        """Whether this holds the networks of that setting (at the checkpoints ``TIMES``)."""
        return (dataset in self.f_train and depth == self.depth and lr_factor == self.lr_factor
                and noise == self.noise and np.array_equal(self.times, TIMES))

    def run(self, dataset, width, seed) -> Run:
        """The stored run of one network (a width and seed held here)."""
        i, j = self.widths.index(width), self.seeds.index(seed)
        f_train, f_test = self.f_train[dataset][i, j], self.f_test[dataset][i, j]
        diverged = not (np.all(np.isfinite(f_train)) and np.all(np.isfinite(f_test)))
        return Run(dataset, self.depth, width, seed, self.lr_factor, self.noise, self.times,
                   f_train, f_test, diverged)


def precomputed_path() -> Path:
    """The bundled results file ``data/results/dynamics.npz``.

    Examples
    --------
    >>> from ntkviz.experiments import dynamics
    >>> path = dynamics.precomputed_path()
    >>> path.name, path.parent.name, path.exists()
    ('dynamics.npz', 'results', True)
    """
    return RESULTS.path


def save_results(results: DynamicsResults, path=None) -> Path:
    """Write ``results`` through ``RESULTS`` to ``path`` (default: the bundled file).

    Examples
    --------
    A copy of the shipped results, written to a temporary file and read back:

    >>> import tempfile
    >>> from ntkviz.experiments import dynamics
    >>> results = dynamics.load_results()
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     path = dynamics.save_results(results, f"{tmp}/dynamics.npz")
    ...     copy = dynamics.load_results(path)
    ...     bool(np.array_equal(copy.f_test["mnist"], results.f_test["mnist"]))
    True
    """
    if not isinstance(results, DynamicsResults):
        raise TypeError(f"results must be a dynamics.DynamicsResults, got {type(results).__name__}")
    config = {"widths": list(results.widths), "seeds": list(results.seeds),
              "depth": results.depth, "lr_factor": results.lr_factor, "noise": results.noise,
              "datasets": list(results.f_train), "W_std": W_STD, "b_std": B_STD}
    arrays = {"times": np.asarray(results.times, dtype=np.int64)}
    for name in results.f_train:
        arrays[f"f_train_{name}"], arrays[f"f_test_{name}"] = (results.f_train[name],
                                                                results.f_test[name])
    for (name, depth), (theta, theta_test) in results.thetas.items():
        arrays[f"theta_{name}_{depth}"], arrays[f"thetatest_{name}_{depth}"] = theta, theta_test
    return RESULTS.save(config, arrays, path)


@functools.lru_cache(maxsize=4)
def _view(stored) -> DynamicsResults:
    c, a = stored.config, stored.arrays
    thetas = {(name, int(depth)): (a[key], a[f"thetatest_{name}_{depth}"])
              for key in a if key.startswith("theta_")
              for name, depth in [key[len("theta_"):].rsplit("_", 1)]}
    return DynamicsResults(tuple(c["widths"]), tuple(c["seeds"]), c["depth"], c["lr_factor"],
                           c["noise"], a["times"], {k: a[f"f_train_{k}"] for k in c["datasets"]},
                           {k: a[f"f_test_{k}"] for k in c["datasets"]}, thetas)


def load_results(path=None) -> DynamicsResults:
    """The results file at ``path`` (default: the shipped one), read once per file version;
    ``ValueError`` naming the path if it is missing, unreadable or of other networks (another
    ``W_std``/``b_std``).

    Examples
    --------
    The shipped runs: 4 widths × 3 seeds, outputs on the 16 training points at 31 checkpoints:

    >>> from ntkviz.experiments import dynamics
    >>> results = dynamics.load_results()
    >>> results.widths, results.seeds, results.f_train["circle"].shape
    ((16, 64, 256, 1024), (0, 1, 2), (4, 3, 31, 16))
    >>> results.depth, results.lr_factor, results.noise
    (1, 0.5, 1.0)
    """
    stored = RESULTS.load(path)
    if (stored.config["W_std"], stored.config["b_std"]) != (W_STD, B_STD):
        raise ValueError(f"path {str(path or RESULTS.path)!r} is not a dynamics results file of "
                         f"these networks: another W_std/b_std")
    return _view(stored)


load_precomputed = load_results


def shipped_results(dataset, depth, lr_factor, noise) -> DynamicsResults | None:
    """The shipped results if they hold the networks of this setting, else None."""
    try:
        results = load_results()
    except ValueError:
        return None
    return results if results.covers(dataset, depth, lr_factor, noise) else None


def shipped_kernels(dataset: str, depth: int) -> tuple[np.ndarray, np.ndarray] | None:
    """The shipped ``(Θ(X, X), Θ(x_test, X))`` of a dataset and depth, or None."""
    try:
        return load_results().thetas.get((dataset, depth))
    except ValueError:
        return None



@PARAMS.validated
def is_precomputed(dataset: str = "circle", depth: int = 1, lr_factor: float = 0.5,
                   noise: float = 1.0, widths=WIDTHS, seeds=SEEDS) -> bool:
    """Whether ``finite_runs`` with these arguments reads every run from the shipped file.

    Examples
    --------
    >>> from ntkviz.experiments import dynamics
    >>> dynamics.is_precomputed("circle")                  # the default setting is shipped
    True
    >>> dynamics.is_precomputed("circle", lr_factor=1.0)   # another one is trained on demand
    False
    """
    shipped = shipped_results(dataset, depth, lr_factor, noise)
    return (shipped is not None and set(widths) <= set(shipped.widths)
            and set(seeds) <= set(shipped.seeds))
