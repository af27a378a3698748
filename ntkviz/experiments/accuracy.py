"""Equivariant against plain kernels on a class whose upright digits were never seen (Neural
kernel theory of symmetry learning, arXiv 2412.11521, Fig. 1 and Fig. 6B;
docs/theory.md#unseen-upright-digits).

The training set is the orbits of a few MNIST digits per class under a group action (rotation by
360°/N, exact quarter turns ``rot90``, cyclic x-shifts), all at 14×14 (``datasets.pool2``) so
every architecture sees the same data. For the *leave-out* class L the upright (identity) copy
of each of its training digits is removed. Kernel regression — the GP posterior mean
``ŷ = K_*ᵀ (K_train + ρ·tr(K_train) I)⁻¹ Y`` with one-hot targets ``Y`` and the package ridge
``ρ = gp.DEFAULT_RIDGE`` — then classifies fresh upright test digits by the largest output.

Three numbers per (architecture, N, L):

* ``accuracy``: fraction of class L's test digits classified as L (the "out" test of Fig. 1);
* ``in_accuracy``: the same for the test digits of every other class (seen upright: "in" test);
* ``full_accuracy``: class L's test digits when nothing is left out (the same kernel's ceiling).

An architecture whose kernel is invariant to a group element present in the orbit (the group CNN
and a half or quarter turn; GAP and a shift; the orbit-averaged MLP and any element of the
data's own group) cannot tell the removed upright copy from the rotated copies it still has, so
its ``accuracy`` equals its ``full_accuracy``.

Kernel work is shared: per (architecture, action) one Gram matrix over the union of every image
any N of the grid needs (the images of N are the rows whose group element is a multiple of 1/N
of a full turn or width), plus the test digits; it is sliced per N and per leave-out class. The
orbit-averaged kernel depends on N, so it gets one Gram per N. NTK and NNGP come from the same
kernel call, so both are cached together.
"""

from __future__ import annotations

import dataclasses
import functools
import json
from collections.abc import Mapping
from fractions import Fraction
from pathlib import Path
from typing import Callable

import numpy as np

from .. import datasets, gp
from .._validate import check_choice, check_int, check_path, check_real
from ._common import ConfigRecord, open_npz
from .architectures import ARCHITECTURES, KINDS, architecture

__all__ = [
    "Config",
    "QUICK",
    "DEFAULT_ARCHITECTURES",
    "RESOLUTION",
    "AccuracyResult",
    "select_digits",
    "accuracy_curves",
    "precompute",
    "save_results",
    "load_results",
    "load_precomputed",
    "precomputed_path",
]

#: Side of the digits every architecture sees here (28×28 MNIST, 2×2 mean pooled once).
RESOLUTION = 14
#: Plain (mlp1, cnn_flatten), shift-invariant (cnn_gap) and equivariant (gcnn, orbit_mlp) kernels.
DEFAULT_ARCHITECTURES = ("mlp1", "cnn_flatten", "cnn_gap", "gcnn", "orbit_mlp")
#: Version of the layout of the results file.
FILE_FORMAT = 1


def _grid(name: str, values, action: str) -> tuple[int, ...]:
    if isinstance(values, (str, bytes)) or not hasattr(values, "__iter__"):
        raise TypeError(f"{name} must be a sequence of orbit sizes N, got {values!r}")
    values = tuple(check_int(name, v, minimum=2) for v in values)
    if not values:
        raise ValueError(f"{name} must hold at least one orbit size N, got an empty sequence")
    if list(values) != sorted(set(values)):
        raise ValueError(f"{name} must be increasing without repeats, got {values}")
    if action == "rot90" and any(4 % N for N in values):
        raise ValueError(f"{name} (action 'rot90') allows N in (2, 4), got {values}")
    if action == "shift" and any(RESOLUTION % N for N in values):
        raise ValueError(f"{name} (action 'shift') needs N to divide the width {RESOLUTION}, got {values}")
    if action == "rotate" and max(values) > 360:
        raise ValueError(f"{name} (action 'rotate') allows N <= 360, got {values}")
    return values


@dataclasses.dataclass(frozen=True)
class Config(ConfigRecord):
    """Which digits and orbit sizes an accuracy experiment uses (hashable: a cache key).

    Attributes
    ----------
    classes : the digit classes 0..classes−1 take part (2..10); each is the leave-out class once
    n_train : training digits per class (each contributes its whole orbit)
    n_test : fresh upright test digits per class
    seed : which digits: a ``numpy`` generator with this seed permutes each class of the bundled
        MNIST test set; the first ``n_train`` are training digits, the next ``n_test`` test digits
    rotate, rot90, shift : the orbit sizes N of the curve for each action
    ridge : relative ridge ρ (``K_train + ρ·tr(K_train)·I``), the package default
    """

    classes: int = 10
    n_train: int = 2
    n_test: int = 32
    seed: int = 0
    rotate: tuple[int, ...] = (2, 3, 4, 6, 8, 12, 16, 24, 32)
    rot90: tuple[int, ...] = (2, 4)
    shift: tuple[int, ...] = (2, 7, 14)
    ridge: float = gp.DEFAULT_RIDGE

    def __post_init__(self):
        set_ = functools.partial(object.__setattr__, self)
        set_("classes", check_int("classes", self.classes, minimum=2, maximum=10))
        set_("n_train", check_int("n_train", self.n_train, minimum=1, maximum=50))
        set_("n_test", check_int("n_test", self.n_test, minimum=1, maximum=500))
        set_("seed", check_int("seed", self.seed, minimum=0))
        for action in datasets.ACTIONS:
            set_(action, _grid(action, getattr(self, action), action))
        set_("ridge", check_real("ridge", self.ridge, minimum=0.0))

    def grid(self, action: str) -> tuple[int, ...]:
        """The orbit sizes N of the curve for ``action``."""
        check_choice("action", action, datasets.ACTIONS)
        return getattr(self, action)


#: A tiny configuration for smoke tests and live demonstrations (seconds, not minutes).
QUICK = Config(classes=3, n_train=1, n_test=4, rotate=(2, 3, 4), rot90=(2, 4), shift=(2, 7))


# --------------------------------------------------------------------------- data

def _selection(classes: int, n_train: int, n_test: int, seed: int):
    """Per class, the first ``n_train`` digits of ``datasets.digits_per_class`` train, the next
    ``n_test`` are the test digits."""
    rows = datasets.digits_per_class(n_train + n_test, seed, classes)
    return rows[:, :n_train], rows[:, n_train:]


def select_digits(config: Config) -> tuple[np.ndarray, np.ndarray]:
    """Indices into the bundled MNIST test set: ``(train (classes, n_train), test (classes, n_test))``.

    Depends only on ``classes``, ``n_train``, ``n_test`` and ``seed`` (never on the N grids).
    """
    if not isinstance(config, Config):
        raise TypeError(f"config must be an accuracy.Config, got {type(config).__name__}")
    return _selection(config.classes, config.n_train, config.n_test, config.seed)


@functools.lru_cache(maxsize=16)
def _pooled(classes: int, n_train: int, n_test: int, seed: int):
    images, _ = datasets._bundled_test_set()
    train, test = _selection(classes, n_train, n_test, seed)
    return datasets.pool2(images[train.ravel()]), datasets.pool2(images[test.ravel()])


def test_images(config: Config) -> np.ndarray:
    """The raw 14×14 test digits ``(classes·n_test, 14, 14)`` in [0, 1], class-major."""
    return _pooled(config.classes, config.n_train, config.n_test, config.seed)[1]


test_images.__test__ = False  # not a pytest test


def _fractions(grid: tuple[int, ...]) -> tuple[Fraction, ...]:
    """Every group element any N of ``grid`` needs, as a fraction of the full turn / width."""
    return tuple(sorted({Fraction(k, N) for N in grid for k in range(N)}))


@functools.lru_cache(maxsize=8)
def _union(config: Config, action: str):
    """The shared image set: ``(train images (D·F, 14, 14), digit (D·F,), fraction (D·F,),
    test images (classes·n_test, 14, 14))``, centred and unit norm, digit-major."""
    raw_train, raw_test = _pooled(config.classes, config.n_train, config.n_test, config.seed)
    fractions = _fractions(config.grid(action))
    images = [datasets.transform(img, f.numerator, f.denominator, action)
              for img in raw_train for f in fractions]
    digit = np.repeat(np.arange(len(raw_train)), len(fractions))
    frac = np.tile(np.array(fractions, dtype=object), len(raw_train))
    return datasets.normalize(np.stack(images)), digit, frac, datasets.normalize(raw_test)


def _rows(config: Config, action: str, N: int) -> np.ndarray:
    """Rows of the union that form the orbits of size N (digit-major, group element k/N)."""
    _, _, frac, _ = _union(config, action)
    return np.flatnonzero([(f * N).denominator == 1 for f in frac])


# --------------------------------------------------------------------------- kernels

@functools.lru_cache(maxsize=64)
def _gram(config: Config, key: str, action: str, N: int | None):
    """``(K_train_train, K_train_test)`` for NNGP and NTK: ``{kind: (K_tt, K_tx)}``.

    ``N=None``: over the whole union (kernels that do not depend on N); else over the rows of N.
    """
    X, _, _, T = _union(config, action)
    rows = np.arange(len(X)) if N is None else _rows(config, action, N)
    kernel = architecture(key).kernel(action, N or 1)
    A = X[rows]
    tt = kernel.nngp_ntk(A)
    tx = kernel.nngp_ntk(A, T)
    out = {kind: (np.asarray(tt[i], dtype=np.float64), np.asarray(tx[i], dtype=np.float64))
           for i, kind in enumerate(KINDS[::-1])}  # nngp_ntk returns (nngp, ntk)
    for K_tt, K_tx in out.values():
        K_tt.setflags(write=False)
        K_tx.setflags(write=False)
    return out


def _depends_on_N(key: str) -> bool:
    return key == "orbit_mlp"


def _kernel_blocks(config: Config, key: str, action: str, N: int, kind: str):
    """``(K_tt, K_tx, digit)`` over exactly the rows of N."""
    _, digit, _, _ = _union(config, action)
    rows = _rows(config, action, N)
    if _depends_on_N(key):
        K_tt, K_tx = _gram(config, key, action, N)[kind]
    else:
        K_tt, K_tx = _gram(config, key, action, None)[kind]
        K_tt, K_tx = K_tt[np.ix_(rows, rows)], K_tx[rows]
    return K_tt, K_tx, digit[rows]


def _classify(K_tt, K_tx, labels, keep, classes: int, ridge: float) -> np.ndarray:
    """argmax of the GP posterior mean with one-hot targets, trained on rows ``keep``."""
    Y = np.eye(classes)[labels[keep]]
    alpha = gp.dual_weights(K_tt[np.ix_(keep, keep)], Y, ridge=ridge)
    return np.argmax(K_tx[keep].T @ alpha, axis=1)


# --------------------------------------------------------------------------- results

@dataclasses.dataclass(frozen=True, eq=False)
class AccuracyResult:
    """Accuracies over architectures × N × leave-out class; arrays are read-only.

    Attributes
    ----------
    config, action, kind : what was computed (kind ``"ntk"`` or ``"nngp"``)
    architectures : keys of ``ARCHITECTURES`` (axis 0);  Ns : orbit sizes (axis 1)
    accuracy : (A, len(Ns), classes) fraction of the leave-out class's upright test digits
        classified correctly when its upright training copies are removed
    in_accuracy : (A, len(Ns), classes) the same run on the test digits of all other classes
    full_accuracy : (A, len(Ns), classes) the leave-out class's test digits with nothing removed
    predictions : (A, len(Ns), classes, classes·n_test) int8 predicted labels of every test digit
        in the run with class L (axis 2) left out
    full_predictions : (A, len(Ns), classes·n_test) int8, nothing left out
    test_labels : (classes·n_test,) true labels;  train_index, test_index : MNIST indices
    """

    config: Config
    action: str
    kind: str
    architectures: tuple[str, ...]
    Ns: tuple[int, ...]
    accuracy: np.ndarray
    in_accuracy: np.ndarray
    full_accuracy: np.ndarray
    predictions: np.ndarray
    full_predictions: np.ndarray
    test_labels: np.ndarray
    train_index: np.ndarray
    test_index: np.ndarray

    def _a(self, key: str) -> int:
        check_choice("architecture", key, self.architectures)
        return self.architectures.index(key)

    def _n(self, N: int) -> int:
        check_choice("N", N, self.Ns)
        return self.Ns.index(N)

    def curve(self, key: str, leave_out="all", which: str = "accuracy") -> np.ndarray:
        """Accuracy against N for one architecture: the mean over leave-out classes (``"all"``)
        or one class; ``which`` is ``"accuracy"``, ``"in_accuracy"`` or ``"full_accuracy"``."""
        check_choice("which", which, ("accuracy", "in_accuracy", "full_accuracy"))
        values = getattr(self, which)[self._a(key)]
        if leave_out == "all":
            return values.mean(axis=1)
        return values[:, self._class(leave_out)]

    def at(self, key: str, N: int, leave_out="all", which: str = "accuracy") -> float:
        """One number of ``curve``."""
        return float(self.curve(key, leave_out, which)[self._n(N)])

    def _class(self, leave_out) -> int:
        return check_int("leave_out", leave_out, minimum=0, maximum=self.config.classes - 1)

    def leave_out_predictions(self, key: str, N: int, leave_out) -> np.ndarray:
        """Predicted labels of the leave-out class's test digits, ``(n_test,)``, when it is
        left out; ``leave_out="all"`` gives ``(classes, n_test)`` (each class left out in turn)."""
        a, n, m = self._a(key), self._n(N), self.config.n_test
        if leave_out == "all":
            return np.stack([self.predictions[a, n, c, c * m:(c + 1) * m]
                             for c in range(self.config.classes)])
        c = self._class(leave_out)
        return self.predictions[a, n, c, c * m:(c + 1) * m]


def _frozen(array, dtype=np.float64) -> np.ndarray:
    array = np.array(array, dtype=dtype)
    array.setflags(write=False)
    return array


def _check_architectures(architectures) -> tuple[str, ...]:
    if isinstance(architectures, str):
        architectures = (architectures,)
    if not hasattr(architectures, "__iter__") or isinstance(architectures, (bytes, Mapping)):
        raise TypeError(f"architectures must be a sequence of architecture keys, got "
                        f"{type(architectures).__name__}")
    architectures = tuple(architectures)
    if not architectures:
        raise ValueError("architectures must name at least one architecture, got none")
    for key in architectures:
        check_choice("architectures", key, tuple(ARCHITECTURES))
    if len(set(architectures)) != len(architectures):
        raise ValueError(f"architectures must not repeat, got {architectures}")
    return architectures


@functools.lru_cache(maxsize=256)
def _one_architecture(config: Config, key: str, action: str, kind: str):
    """Accuracy arrays of one architecture over the N grid × leave-out classes."""
    C, m = config.classes, config.n_test
    labels_test = np.repeat(np.arange(C), m)
    Ns = config.grid(action)
    acc, acc_in, acc_full = (np.zeros((len(Ns), C)) for _ in range(3))
    pred = np.zeros((len(Ns), C, C * m), dtype=np.int8)
    pred_full = np.zeros((len(Ns), C * m), dtype=np.int8)
    _, _, frac, _ = _union(config, action)
    for n, N in enumerate(Ns):
        K_tt, K_tx, digit = _kernel_blocks(config, key, action, N, kind)
        labels = digit // config.n_train
        upright = np.array([f == 0 for f in frac[_rows(config, action, N)]])
        everything = np.arange(len(digit))
        pred_full[n] = _classify(K_tt, K_tx, labels, everything, C, config.ridge)
        for c in range(C):
            keep = np.flatnonzero(~(upright & (labels == c)))
            p = _classify(K_tt, K_tx, labels, keep, C, config.ridge)
            pred[n, c] = p
            mine = labels_test == c
            acc[n, c] = np.mean(p[mine] == c)
            acc_in[n, c] = np.mean(p[~mine] == labels_test[~mine])
            acc_full[n, c] = np.mean(pred_full[n][mine] == c)
    return acc, acc_in, acc_full, pred, pred_full


def _steps(config: Config, architectures, action: str) -> list[tuple[str, int | None]]:
    """The kernel computations needed, in order: (architecture, N or None for the union)."""
    steps = []
    for key in architectures:
        if _depends_on_N(key):
            steps.extend((key, N) for N in config.grid(action))
        else:
            steps.append((key, None))
    return steps


def accuracy_curves(config: Config, architectures=DEFAULT_ARCHITECTURES, action: str = "rotate",
                    kind: str = "ntk", progress: Callable[[int, int, str], None] | None = None
                    ) -> AccuracyResult:
    """Accuracy on the unseen upright digits of each leave-out class, against N (Fig. 1, 6B).

    Parameters
    ----------
    config : a ``Config`` (digits, orbit sizes, ridge)
    architectures : keys of ``ARCHITECTURES`` (default: mlp1, cnn_flatten, cnn_gap, gcnn, orbit_mlp)
    action : ``"rotate"`` | ``"rot90"`` | ``"shift"``;  kind : ``"ntk"`` | ``"nngp"``
    progress : optional ``progress(done, total, label)``, called before each kernel computation
        and once at the end (``done == total``)

    Kernels and per-architecture results are cached, so a repeated or extended call is instant.
    """
    if not isinstance(config, Config):
        raise TypeError(f"config must be an accuracy.Config, got {type(config).__name__}")
    architectures = _check_architectures(architectures)
    check_choice("action", action, datasets.ACTIONS)
    check_choice("kind", kind, KINDS)
    steps = _steps(config, architectures, action)
    for done, (key, N) in enumerate(steps):
        if progress is not None:
            progress(done, len(steps), f"{key}, {action}" + ("" if N is None else f", N = {N}"))
        _gram(config, key, action, N)
    parts = [_one_architecture(config, key, action, kind) for key in architectures]
    if progress is not None:
        progress(len(steps), len(steps), "done")
    train_index, test_index = select_digits(config)
    return AccuracyResult(
        config=config, action=action, kind=kind, architectures=architectures,
        Ns=config.grid(action),
        accuracy=_frozen([p[0] for p in parts]),
        in_accuracy=_frozen([p[1] for p in parts]),
        full_accuracy=_frozen([p[2] for p in parts]),
        predictions=_frozen([p[3] for p in parts], np.int8),
        full_predictions=_frozen([p[4] for p in parts], np.int8),
        test_labels=_frozen(np.repeat(np.arange(config.classes), config.n_test), np.int64),
        train_index=_frozen(train_index, np.int64),
        test_index=_frozen(test_index, np.int64),
    )


# --------------------------------------------------------------------------- files

_ARRAYS = ("accuracy", "in_accuracy", "full_accuracy", "predictions", "full_predictions")


def precompute(config: Config = Config(), architectures=DEFAULT_ARCHITECTURES,
               actions=datasets.ACTIONS, progress=None) -> dict[tuple[str, str], AccuracyResult]:
    """Every (action, kind) of ``config``: ``{(action, kind): AccuracyResult}``.

    ``progress(done, total, label)`` counts kernel computations over all actions.
    """
    if not isinstance(config, Config):
        raise TypeError(f"config must be an accuracy.Config, got {type(config).__name__}")
    architectures = _check_architectures(architectures)
    if isinstance(actions, str):
        actions = (actions,)
    if isinstance(actions, (bytes, Mapping)) or not hasattr(actions, "__iter__"):
        raise TypeError(f"actions must be a sequence of {datasets.ACTIONS}, got {actions!r:.60}")
    actions = tuple(check_choice("actions", a, datasets.ACTIONS) for a in actions)
    if not actions:
        raise ValueError("actions must name at least one action, got none")
    if not (progress is None or callable(progress)):
        raise TypeError(f"progress must be None or a callable(done, total, label), got {progress!r}")
    plan = [(action, step) for action in actions for step in _steps(config, architectures, action)]
    results = {}
    done = 0
    for action in actions:
        def local(i, total, label, offset=done):
            if progress is not None and i < total:
                progress(offset + i, len(plan), label)
        for kind in KINDS:  # the second kind reuses the cached kernels
            results[(action, kind)] = accuracy_curves(config, architectures, action, kind,
                                                      local if kind == KINDS[0] else None)
        done += len(_steps(config, architectures, action))
    if progress is not None:
        progress(len(plan), len(plan), "done")
    return results


def save_results(results: dict[tuple[str, str], AccuracyResult], path) -> Path:
    """Write results (one config and architecture list) to an ``.npz``; returns the path."""
    if not isinstance(results, Mapping):
        raise TypeError(f"results must be a dict {{(action, kind): AccuracyResult}}, "
                        f"got {type(results).__name__}")
    if not all(isinstance(r, AccuracyResult) for r in results.values()):
        raise TypeError("results must map (action, kind) to AccuracyResult values")
    results = dict(results)
    if not results:
        raise ValueError("results must hold at least one AccuracyResult, got none")
    first = next(iter(results.values()))
    arrays = {}
    for (action, kind), r in results.items():
        if r.config != first.config or r.architectures != first.architectures:
            raise ValueError("results must share one config and one list of architectures")
        for name in _ARRAYS:
            arrays[f"{action}/{kind}/{name}"] = getattr(r, name)
    meta = {"format": FILE_FORMAT, "config": first.config.to_dict(),
            "architectures": list(first.architectures),
            "entries": [list(k) for k in results]}
    arrays["meta"] = np.array(json.dumps(meta))
    arrays["train_index"] = first.train_index
    arrays["test_index"] = first.test_index
    path = check_path("path", path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as handle:
        np.savez_compressed(handle, **arrays)
    return path


def load_results(path) -> dict[tuple[str, str], AccuracyResult]:
    """Read a file written by ``save_results``: ``{(action, kind): AccuracyResult}``."""
    path = check_path("path", path)
    if not path.exists():
        raise ValueError(f"path {str(path)!r} does not exist")
    with open_npz(path) as archive:
        meta = json.loads(str(archive["meta"]))
        if meta.get("format") != FILE_FORMAT:
            raise ValueError(f"{path} has results format {meta.get('format')}, expected {FILE_FORMAT}")
        config = Config.from_dict(meta["config"])
        architectures = tuple(meta["architectures"])
        results = {}
        for action, kind in meta["entries"]:
            fields = {name: _frozen(archive[f"{action}/{kind}/{name}"],
                                    np.int8 if "predictions" in name else np.float64) for name in _ARRAYS}
            results[(action, kind)] = AccuracyResult(
                config=config, action=action, kind=kind, architectures=architectures,
                Ns=config.grid(action), test_labels=_frozen(
                    np.repeat(np.arange(config.classes), config.n_test), np.int64),
                train_index=_frozen(archive["train_index"], np.int64),
                test_index=_frozen(archive["test_index"], np.int64), **fields)
    return results


def precomputed_path() -> Path:
    """The bundled results file (``data/results/accuracy.npz``, or ``ntkviz/_data/…`` in a wheel)."""
    return datasets.bundled_data_dir() / "results" / "accuracy.npz"


@functools.lru_cache(maxsize=4)
def _load_cached(path: str, mtime: float):
    return load_results(path)


def load_precomputed(path=None) -> dict[tuple[str, str], AccuracyResult]:
    """The shipped results of ``ntkviz precompute`` (default ``Config()``, every action and kind),
    or a file written by ``save_results`` at ``path``; read once per process."""
    path = precomputed_path() if path is None else check_path("path", path)
    if not path.exists():
        raise ValueError(f"no precomputed accuracy results at {str(path)!r}; run `ntkviz precompute`")
    return dict(_load_cached(str(path), path.stat().st_mtime))
