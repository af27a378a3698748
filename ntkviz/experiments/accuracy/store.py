"""The accuracy experiment's shipped results: ``data/results/accuracy.npz`` (a
``results.ResultsFile``) holding every (action, kind) of the default configuration, written by
``ntkviz precompute`` and read by the explorer."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import numpy as np

from ... import datasets
from ..._validate import check_path
from ...params import Param, Params
from ...results import ResultsFile
from .._common import frozen
from ..architectures import KINDS
from .config import DEFAULT_ARCHITECTURES, PARAMS, QUICK, Config
from .curves import accuracy_curves, kernel_steps
from .result import AccuracyResult

__all__ = ["FILE", "compute_results", "precompute", "save_results", "load_results",
           "load_precomputed", "precomputed_path"]

#: The shipped results file: per (action, kind) the arrays ``_ARRAYS`` under
#: ``"{action}/{kind}/{name}"``, and the digits' MNIST indices.
FILE = ResultsFile("accuracy", version=2)
_ARRAYS = ("accuracy", "in_accuracy", "full_accuracy", "predictions", "full_predictions")


@PARAMS.validated
def compute_results(config: Config = Config(), architectures=DEFAULT_ARCHITECTURES,
                    actions=datasets.ACTIONS, progress=None) -> dict[tuple, AccuracyResult]:
    """Every (action, kind) of ``config``: ``{(action, kind): AccuracyResult}``.

    ``progress(done, total, label)`` counts kernel computations over all actions.

    Examples
    --------
    >>> from ntkviz.experiments import accuracy
    >>> results = accuracy.compute_results(accuracy.QUICK, architectures=("mlp1", "orbit_mlp"))
    >>> len(results), sorted(results)[:2]
    (6, [('rot90', 'nngp'), ('rot90', 'ntk')])
    >>> results[("rotate", "ntk")].Ns
    (2, 3, 4)
    """
    if not (progress is None or callable(progress)):
        raise TypeError(f"progress must be None or a callable(done, total, label), got "
                        f"{progress!r}")
    steps = {action: len(kernel_steps(config, architectures, action)) for action in actions}
    total, done, results = sum(steps.values()), 0, {}
    for action in actions:
        def local(i, n, label, offset=done):
            if progress is not None and i < n:
                progress(offset + i, total, label)
        for kind in KINDS:  # the second kind reuses the cached kernels
            results[(action, kind)] = accuracy_curves.unchecked(
                config, architectures, action, kind, local if kind == KINDS[0] else None)
        done += steps[action]
    if progress is not None:
        progress(total, total, "done")
    return results


@Params(Param("quick", "flag")).validated
def precompute(progress=None, *, quick: bool = False, path=None) -> tuple[Path, list[str]]:
    """Compute every (action, kind) of ``Config()`` (``quick``: of ``QUICK``, seconds) and save
    them to ``path`` (default the bundled file); returns the path and the NTK curves under
    rotation as summary lines. ``progress(done, total, label)`` counts kernel computations.

    Examples
    --------
    The quick configuration, written to a temporary file (a few seconds, mostly compiling the
    CNN kernels):

    >>> import pathlib, tempfile
    >>> from ntkviz.experiments import accuracy
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     path, lines = accuracy.precompute(quick=True, path=pathlib.Path(tmp) / "acc.npz")
    ...     print(path.name, len(accuracy.load_results(path)))
    acc.npz 6
    >>> print(lines[0])
    rotate, NTK, mlp1: N=2: 0.417, N=3: 0.000, N=4: 0.417
    """
    path = FILE.path if path is None else check_path("path", path)
    results = compute_results(QUICK if quick else Config(), progress=progress)
    r = results[("rotate", "ntk")]
    return save_results(results, path), [
        f"rotate, NTK, {key}: " + ", ".join(f"N={N}: {a:.3f}" for N, a in zip(r.Ns, r.curve(key)))
        for key in r.architectures]


def save_results(results: dict[tuple[str, str], AccuracyResult], path) -> Path:
    """Write results (one config and architecture list) to an ``.npz``; returns the path.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> from ntkviz.experiments import accuracy
    >>> results = accuracy.compute_results(accuracy.QUICK, ["mlp1"], actions=["rot90"])
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     path = accuracy.save_results(results, pathlib.Path(tmp) / "acc.npz")
    ...     print(path.name, sorted(accuracy.load_results(path)))
    acc.npz [('rot90', 'nngp'), ('rot90', 'ntk')]
    """
    if not isinstance(results, Mapping) or not all(
            isinstance(r, AccuracyResult) for r in results.values()):
        raise TypeError(f"results must be a dict {{(action, kind): AccuracyResult}}, got "
                        f"{type(results).__name__}")
    if not results:
        raise ValueError("results must hold at least one AccuracyResult, got none")
    first = next(iter(results.values()))
    arrays = {"train_index": first.train_index, "test_index": first.test_index}
    for (action, kind), r in results.items():
        if r.config != first.config or r.architectures != first.architectures:
            raise ValueError("results must share one config and one list of architectures")
        arrays.update({f"{action}/{kind}/{name}": getattr(r, name) for name in _ARRAYS})
    config = {"config": first.config.to_dict(), "architectures": list(first.architectures),
              "entries": [list(key) for key in results]}
    return FILE.save(config, arrays, check_path("path", path))


def load_results(path) -> dict[tuple[str, str], AccuracyResult]:
    """Read a file written by ``save_results``: ``{(action, kind): AccuracyResult}``.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> from ntkviz.experiments import accuracy
    >>> results = accuracy.compute_results(accuracy.QUICK, ["mlp1"], actions=["rot90"])
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     path = accuracy.save_results(results, pathlib.Path(tmp) / "acc.npz")
    ...     back = accuracy.load_results(path)
    >>> r, s = back[("rot90", "ntk")], results[("rot90", "ntk")]
    >>> r.config == accuracy.QUICK, bool(np.array_equal(r.accuracy, s.accuracy))
    (True, True)
    """
    stored = FILE.load(check_path("path", path))
    config = Config.from_dict(stored.config["config"])
    common = dict(config=config, architectures=tuple(stored.config["architectures"]),
                  test_labels=frozen(np.repeat(np.arange(config.classes), config.n_test), np.int64),
                  train_index=stored.arrays["train_index"], test_index=stored.arrays["test_index"])
    return {(action, kind): AccuracyResult(
        action=action, kind=kind, Ns=config.grid(action), **common,
        **{name: stored.arrays[f"{action}/{kind}/{name}"] for name in _ARRAYS})
        for action, kind in stored.config["entries"]}


def precomputed_path() -> Path:
    """The bundled results file (``data/results/accuracy.npz``; ``ntkviz/_data/…`` in a wheel).

    Examples
    --------
    >>> from ntkviz.experiments import accuracy
    >>> accuracy.precomputed_path().name
    'accuracy.npz'
    """
    return FILE.path


def load_precomputed(path=None) -> dict[tuple[str, str], AccuracyResult]:
    """The shipped results of ``ntkviz precompute`` (default ``Config()``, every action and kind),
    or a file written by ``save_results`` at ``path``; read once per process.

    Examples
    --------
    The full experiment of ``Config()`` (10 classes, 9 orbit sizes of rotations), read from disk:

    >>> from ntkviz.experiments import accuracy
    >>> result = accuracy.load_precomputed()[("rotate", "ntk")]
    >>> result.config == accuracy.Config(), result.Ns
    (True, (2, 3, 4, 6, 8, 12, 16, 24, 32))
    >>> for key in ("mlp1", "orbit_mlp"):
    ...     print(key, f"{result.at(key, 32):.2f}")
    mlp1 0.47
    orbit_mlp 0.58
    """
    return load_results(FILE.path if path is None else path)
