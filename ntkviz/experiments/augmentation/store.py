"""Where runs are kept: the runs trained in this process (by config) and the shipped ones
(``data/results/augmentation.npz``, a ``results.ResultsFile``)."""

from __future__ import annotations

import dataclasses
import functools
import threading
from pathlib import Path

from ...results import ResultsFile
from .config import RUN_PARAMS, AugmentationRun, AugmentConfig, checked_runs

__all__ = ["RESULTS", "cached_run", "remember", "load_precomputed", "save_runs",
           "precomputed_path"]

#: The shipped runs: configuration ``{"runs": [AugmentConfig fields, …], …}``, arrays
#: ``"<i>/<field>"`` for each run i and field of ``AugmentationRun.FIELDS``.
RESULTS = ResultsFile("augmentation", 1)

_RUNS: dict[AugmentConfig, AugmentationRun] = {}
_LOCK = threading.Lock()
_MAX_RUNS = 256


@RUN_PARAMS.validated
def cached_run(config: AugmentConfig) -> AugmentationRun | None:
    """The finished run of ``config`` if it was trained (or shipped) in this process, else None.

    Examples
    --------
    >>> from ntkviz.experiments import augmentation as aug
    >>> config = aug.AugmentConfig(depth=0, strategy="equivariant")     # a shipped run
    >>> run = aug.cached_run(config)
    >>> run.complete, len(run.epochs), f"{run.final_accuracy:.2f}"
    (True, 61, '0.57')
    >>> aug.cached_run(config.replace(seed=5)) is None                   # never trained
    True
    """
    with _LOCK:
        run = _RUNS.get(config)
    if run is None:
        try:
            run = load_precomputed().get(config)
        except ValueError:  # no (readable) shipped file: every run is trained here
            return None
    return run


def remember(run: AugmentationRun) -> None:
    """Keep a finished run for ``cached_run`` (the oldest of ``_MAX_RUNS`` goes first)."""
    with _LOCK:
        if len(_RUNS) >= _MAX_RUNS:
            _RUNS.pop(next(iter(_RUNS)))
        _RUNS[run.config] = run


def precomputed_path() -> Path:
    """The bundled results file (``data/results/augmentation.npz``).

    Examples
    --------
    >>> from ntkviz.experiments import augmentation as aug
    >>> aug.precomputed_path().name, aug.precomputed_path().exists()
    ('augmentation.npz', True)
    """
    return RESULTS.path


def save_runs(runs, path=None, **config) -> Path:
    """Write finished runs (with their configurations, and ``config`` describing how they
    were chosen) to ``path`` (default: the bundled file); returns the path.

    Examples
    --------
    A tiny run, written to a temporary file and read back:

    >>> import tempfile
    >>> from ntkviz.experiments import augmentation as aug
    >>> config = aug.AugmentConfig(depth=1, blocks=2, classes=2, n_train=5, n_test=5, epochs=3,
    ...                            batch_size=10)
    >>> run = aug.train(config)
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     runs = aug.load_precomputed(aug.save_runs([run], f"{tmp}/runs.npz"))
    ...     list(runs) == [config], bool(np.array_equal(runs[config].accuracy, run.accuracy))
    (True, True)
    """
    runs = checked_runs(runs)
    if not runs:
        raise ValueError("runs must hold at least one AugmentationRun, got an empty sequence "
                         "(an empty results file could not be told from a failed run)")
    arrays = {f"{i}/{field}": getattr(run, field)
              for i, run in enumerate(runs) for field in AugmentationRun.FIELDS}
    config = {**config, "runs": [dataclasses.asdict(run.config) for run in runs]}
    return RESULTS.save(config, arrays, path)


def load_precomputed(path=None) -> dict[AugmentConfig, AugmentationRun]:
    """The runs of a results file (default: the shipped ones) by config; a ``ValueError``
    naming the path if it is missing or not such a file.

    Examples
    --------
    The shipped runs: the seven ``default_runs`` of each action at depths 0 and 2:

    >>> from ntkviz.experiments import augmentation as aug
    >>> shipped = aug.load_precomputed()
    >>> len(shipped), sorted({(config.action, config.depth) for config in shipped})
    (28, [('rot90', 0), ('rot90', 2), ('shift', 0), ('shift', 2)])
    """
    return _runs(RESULTS.load(path))


@functools.lru_cache(maxsize=16)
def _runs(stored) -> dict[AugmentConfig, AugmentationRun]:
    """The runs of one file version (so reading a file twice gives the same run objects)."""
    runs = {}
    for i, values in enumerate(stored.config["runs"]):
        config = AugmentConfig(**values)
        runs[config] = AugmentationRun(config=config, **{
            field: stored.arrays[f"{i}/{field}"] for field in AugmentationRun.FIELDS})
    return runs
