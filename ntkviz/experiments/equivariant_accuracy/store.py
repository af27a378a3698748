"""The equivariant-accuracy results: every mode × kind × kernel of a ``Config`` (``compute``),
the other part-1 results an explorer shows next to them (``companions``), and the shipped file
``data/results/equivariant_accuracy.npz`` (a ``results.ResultsFile``) that ``precompute``
writes."""

from __future__ import annotations

import dataclasses
import functools
import inspect
from collections.abc import Mapping
from pathlib import Path

import numpy as np

from ..._validate import check_choice
from ...results import ResultsFile
from .._common import check_progress, frozen
from ..architectures import KINDS
from .config import KERNELS, MODES, PARAMS, QUICK, Config
from .kernels import accuracy_curves, gram, invariance

__all__ = ["EquivariantResult", "compute", "companions", "WIDTH_SWEEP", "RESULTS", "precompute",
           "save_results", "load_results", "load_precomputed", "precomputed_path"]

#: Configuration ``{config, modes, kinds, kernels}``; arrays ``accuracy``, ``invariance`` and,
#: with the companions, ``width/<field>`` and ``propositions/<kind>/{header, cells, agrees}``.
RESULTS = ResultsFile("equivariant_accuracy", 2)
#: The finite group-CNN sweep stored with the results (``gcnn_width.relative_errors`` arguments:
#: its defaults, depth 2, widths 4…128, 8 seeds, three digits and their quarter turns):
#: 30–90 s, so explorers read it from the file.
WIDTH_SWEEP: dict = {}
_WIDTH_SCALARS = {"depth": int, "ntk_slope": float, "ntk_intercept": float, "nngp_slope": float,
                  "nngp_intercept": float, "max_invariance_gap": float}
_WIDTH_ARRAYS = {"widths": np.int64, "seeds": np.int64, "ntk_errors": np.float64,
                 "nngp_errors": np.float64}
_TABLE = ("header", "cells", "agrees")


@dataclasses.dataclass(frozen=True, eq=False)
class EquivariantResult:
    """Accuracies and invariance numbers of every mode × kind × kernel; arrays are read-only.

    Attributes
    ----------
    config : Config
        The ``Config``.
    modes, kinds, kernels : tuple of str
        The axes below (``MODES``, ``KINDS``, ``KERNELS`` order).
    accuracy : ndarray of shape (modes, kinds, kernels, seeds, len(n_train))
        Test accuracy in [0, 1].
    invariance : ndarray of shape (modes, kinds, kernels, len(angles))
        Relative invariance deviation.
    companions : dict or None
        The other part-1 results an explorer shows next to these (``companions()``), or None.
    """

    config: Config
    modes: tuple[str, ...]
    kinds: tuple[str, ...]
    kernels: tuple[str, ...]
    accuracy: np.ndarray
    invariance: np.ndarray
    companions: dict | None = None

    def _index(self, mode: str, kind: str, key: str) -> tuple[int, int, int]:
        return (self.modes.index(check_choice("mode", mode, self.modes)),
                self.kinds.index(check_choice("kind", kind, self.kinds)),
                self.kernels.index(check_choice("kernel", key, self.kernels)))

    def curve(self, mode: str, kind: str, key: str) -> tuple[np.ndarray, np.ndarray]:
        """Mean and standard deviation (over seeds, ddof 0) of the accuracy against n_train."""
        values = self.accuracy[self._index(mode, kind, key)]
        return values.mean(axis=0), values.std(axis=0)

    def at(self, mode: str, kind: str, key: str, n_train: int) -> float:
        """The mean accuracy at one training-set size of the grid."""
        index = self.config.n_train.index(check_choice("n_train", n_train, self.config.n_train))
        return float(self.curve(mode, kind, key)[0][index])

    def deviation(self, mode: str, kind: str, key: str, angle: float) -> float:
        """The invariance deviation at one angle of ``config.angles``."""
        index = self.config.angles.index(check_choice("angle", angle, self.config.angles))
        return float(self.invariance[self._index(mode, kind, key)][index])


@PARAMS.validated
def compute(config: Config = Config(), *, modes=MODES, kernels=KERNELS,
            progress=None) -> EquivariantResult:
    """Accuracy curves and invariance numbers for every (mode, kind, kernel, seed).

    ``progress(done, total, label)`` is called before each Gram matrix and once at the end.
    Everything is cached, so a repeated call is instant.

    Examples
    --------
    Two kernels on quarter turns at the tiny ``QUICK`` configuration:

    >>> from ntkviz.experiments import equivariant_accuracy as ea
    >>> result = ea.compute(ea.QUICK, modes=("rot90",), kernels=("cnn_flatten", "augmented_cnn"))
    >>> result.accuracy.shape                  # (modes, kinds, kernels, seeds, n_train)
    (1, 2, 2, 1, 2)
    >>> print(f"{result.at('rot90', 'ntk', 'augmented_cnn', 20):.2f}")
    0.25
    """
    check_progress(progress, allow_bar=False)
    modes = tuple(m for m in MODES if m in modes)
    keys = tuple(k for k in KERNELS if k in kernels)
    steps = [(mode, key, seed) for mode in modes for seed in config.seeds for key in keys]
    for done, (mode, key, seed) in enumerate(steps):
        if progress is not None:
            progress(done, len(steps), f"{key}, {mode}, seed {seed}")
        gram.unchecked(config, key, mode, seed)
    accuracy = [[[[accuracy_curves.unchecked(config, key, mode, seed, kind)
                   for seed in config.seeds] for key in keys] for kind in KINDS] for mode in modes]
    deviations = [[[invariance.unchecked(config, key, mode, kind) for key in keys]
                   for kind in KINDS] for mode in modes]
    if progress is not None:
        progress(len(steps), len(steps), "done")
    return EquivariantResult(config=config, modes=modes, kinds=KINDS, kernels=keys,
                             accuracy=frozen(accuracy), invariance=frozen(deviations))


def companions(width_sweep: dict | None = None) -> dict:
    """The other part-1 results, in plain arrays and text, for explorers and the results file.

    Returns ``{"width": {widths (W,), seeds (S,), ntk_errors, nngp_errors (W, S), depth,
    ntk_slope, ntk_intercept, nngp_slope, nngp_intercept, max_invariance_gap} (the finite C4
    group-CNN sweep of ``experiments.gcnn_width.relative_errors(**width_sweep)``, default
    ``WIDTH_SWEEP``), "propositions": {kind: {header, cells, agrees}} (the table of
    ``experiments.propositions.proposition_table`` for the NTK and the NNGP)}``.

    Examples
    --------
    With a small width sweep (depth 1, two widths, two seeds, two digits at 7×7):

    >>> from ntkviz.experiments import equivariant_accuracy as ea
    >>> sweep = dict(depth=1, widths=(4, 64), seeds=(0, 1), n_digits=2, resolution=7)
    >>> extra = ea.companions(sweep)
    >>> extra["width"]["ntk_errors"].shape, bool(extra["width"]["max_invariance_gap"] < 1e-12)
    ((2, 2), True)
    >>> len(extra["propositions"]["ntk"]["cells"]), all(extra["propositions"]["nngp"]["agrees"])
    (15, True)
    """
    from .. import gcnn_width, propositions

    allowed = tuple(inspect.signature(gcnn_width.relative_errors).parameters)
    if width_sweep is not None and (not isinstance(width_sweep, Mapping)
                                    or any(k not in allowed for k in width_sweep)):
        raise TypeError(f"width_sweep must be None or a dict of gcnn_width.relative_errors "
                        f"arguments ({', '.join(allowed)}), got {width_sweep!r:.80}")
    sweep = gcnn_width.relative_errors(**(WIDTH_SWEEP if width_sweep is None else width_sweep))
    width = {name: frozen(getattr(sweep, name), dtype) for name, dtype in _WIDTH_ARRAYS.items()}
    width.update({name: kind(getattr(sweep, name)) for name, kind in _WIDTH_SCALARS.items()})
    tables = {}
    for kind in KINDS:
        table = propositions.proposition_table(kind=kind)
        tables[kind] = {"header": list(table.HEADER), "cells": table.cells(),
                        "agrees": [bool(row.agrees) for row in table.rows]}
    return {"width": width, "propositions": tables}


def precomputed_path() -> Path:
    """The bundled results file (``data/results/equivariant_accuracy.npz``).

    Examples
    --------
    >>> from ntkviz.experiments import equivariant_accuracy as ea
    >>> ea.precomputed_path().name, ea.precomputed_path().exists()
    ('equivariant_accuracy.npz', True)
    """
    return RESULTS.path


def save_results(result: EquivariantResult, path=None) -> Path:
    """Write ``result`` through ``RESULTS`` to ``path`` (default: the bundled file).

    Examples
    --------
    A small result, written to a temporary file and read back:

    >>> import tempfile
    >>> from ntkviz.experiments import equivariant_accuracy as ea
    >>> result = ea.compute(ea.QUICK, modes=("rot90",), kernels=("cnn_flatten",))
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     copy = ea.load_results(ea.save_results(result, f"{tmp}/result.npz"))
    ...     copy.kernels, bool(np.array_equal(copy.accuracy, result.accuracy))
    (('cnn_flatten',), True)
    """
    if not isinstance(result, EquivariantResult):
        raise TypeError(f"result must be an EquivariantResult, got {type(result).__name__}")
    config = {"config": result.config.to_dict(), "modes": list(result.modes),
              "kinds": list(result.kinds), "kernels": list(result.kernels)}
    arrays = {"accuracy": result.accuracy, "invariance": result.invariance}
    if result.companions is not None:
        width, tables = result.companions["width"], result.companions["propositions"]
        arrays.update({f"width/{name}": width[name] for name in (*_WIDTH_ARRAYS, *_WIDTH_SCALARS)})
        arrays.update({f"propositions/{kind}/{part}": np.asarray(table[part])
                       for kind, table in tables.items() for part in _TABLE})
    return RESULTS.save(config, arrays, path)


@functools.lru_cache(maxsize=4)
def _view(stored) -> EquivariantResult:
    c, a = stored.config, stored.arrays
    extra = None
    if "width/widths" in a:
        width = {name: a[f"width/{name}"] for name in _WIDTH_ARRAYS}
        width.update({name: kind(a[f"width/{name}"]) for name, kind in _WIDTH_SCALARS.items()})
        tables = {kind: {part: a[f"propositions/{kind}/{part}"].tolist() for part in _TABLE}
                  for kind in c["kinds"]}
        extra = {"width": width, "propositions": tables}
    return EquivariantResult(Config.from_dict(c["config"]), tuple(c["modes"]), tuple(c["kinds"]),
                             tuple(c["kernels"]), a["accuracy"], a["invariance"], extra)


def load_results(path=None) -> EquivariantResult:
    """The result in the results file at ``path`` (default: the shipped one, what
    ``precompute()`` computes), read once per file version; ``ValueError`` naming the path if
    it is missing or unreadable.

    Examples
    --------
    The shipped result: 2 modes × 2 kinds × 4 kernels × 3 seeds × 5 training-set sizes:

    >>> from ntkviz.experiments import equivariant_accuracy as ea
    >>> shipped = ea.load_results()
    >>> shipped.config.n_train, shipped.accuracy.shape
    ((10, 20, 50, 100, 200), (2, 2, 4, 3, 5))
    >>> print(f"{shipped.at('rot90', 'ntk', 'augmented_cnn', 200):.2f}")
    0.74
    """
    return _view(RESULTS.load(path))


load_precomputed = load_results


@PARAMS.validated
def precompute(progress=None, *, quick: bool = False, path=None) -> tuple[Path, list[str]]:
    """Compute every mode, kind and kernel of ``Config()`` with the ``companions()`` (``quick``:
    ``QUICK``, without them) and save it through ``RESULTS`` to ``path`` (default the bundled
    file); ``progress(done, total, label)`` before each Gram matrix and at the end. Returns the
    path and, per mode and kind, each kernel's mean accuracy at the largest n_train.

    Examples
    --------
    The tiny ``QUICK`` configuration, written to a temporary file:

    >>> import tempfile
    >>> from ntkviz.experiments import equivariant_accuracy as ea
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     path, lines = ea.precompute(quick=True, path=f"{tmp}/equivariant_accuracy.npz")
    ...     ea.load_results(path).accuracy.shape
    (2, 2, 4, 1, 2)
    >>> len(lines), lines[0].split(": ")[0].strip()
    (4, 'rot90, NTK, accuracy at n_train = 20')
    >>> print(lines[0].split(": ")[1])
    gcnn 0.300, cnn_gap 0.250, cnn_flatten 0.150, augmented_cnn 0.250
    """
    result = compute.unchecked(QUICK if quick else Config(), modes=MODES, kernels=KERNELS,
                               progress=check_progress(progress, allow_bar=False))
    if not quick:
        result = dataclasses.replace(result, companions=companions())
    n = result.config.n_train[-1]
    lines = [f"  {mode}, {kind.upper()}, accuracy at n_train = {n}: " + ", ".join(
        f"{key} {result.at(mode, kind, key, n):.3f}" for key in result.kernels)
        for mode in result.modes for kind in result.kinds]
    return save_results(result, path), lines
