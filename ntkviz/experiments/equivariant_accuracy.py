"""Kernel regression with the C4 group-CNN NTK against plain and augmented CNN kernels on rotated
MNIST, as a function of the number of training digits (arXiv 2412.11521, Sec. 3.5 and 4;
Equivariant NTKs, arXiv 2406.06504; docs/theory.md#unseen-upright-digits).

Data. ``n_train`` training digits, balanced over the ten classes (``datasets.digits_per_class``:
the first ``n_train / 10`` of each class), and ``n_test`` test digits of the same selection,
all at 14×14 (``datasets.pool2``; the pixel-pair kernels of GAP and group pooling cost
``O(n²·14⁴)``). Every digit, training and test alike, is rotated at random in one of two ways:

* ``"rot90"`` — by a random multiple of 90° (``np.rot90`` of the 14×14 digit; equal to rotating
  the 28×28 digit first, since a quarter turn maps 2×2 pooling blocks onto blocks): an *exact*
  symmetry of the pixel grid;
* ``"rotate"`` — by a random whole number of degrees in [0°, 360°) (``scipy.ndimage.rotate``
  of the 28×28 digit, bilinear, zero fill, via ``datasets.transform``, then ``pool2``): not a
  symmetry of the pixel grid, so no kernel built from the grid is exactly invariant to it.

Each image is then centred and scaled to unit norm (``datasets.normalize``).

Kernels (``KERNELS``), all one hidden layer of 3×3 circular convolutions (depth 1, filter 3):

* ``gcnn``: the C4 ⋉ Z² group CNN, lifting conv + group pooling (a global mean over rotations
  *and* positions) + dense readout. Invariant to quarter turns and cyclic shifts.
* ``cnn_gap``: the plain CNN with the *matching* readout, global average pooling over positions
  (the same depth, filter size and pooled readout as the group CNN, without the rotated
  filters): the fair plain baseline.
* ``cnn_flatten``: the plain CNN with a flatten readout, for contrast (not even shift invariant).
* ``augmented_cnn``: ``cnn_flatten`` trained with data augmentation in the infinite-width limit,
  the orbit-averaged kernel ``k_G(x, x') = (1/|G|) Σ_g k(x, g·x')``
  (docs/theory.md#orbit-averaged-kernels, ``kernels.orbit_average``). For ``"rot90"`` data G is C4
  (``action="rot90"``, N = 4) and the average is exact; for ``"rotate"`` data G is the rotation
  group discretised to ``Config.augment_N`` angles (``action="rotate"``, interpolated 14×14
  rotations): an approximation of augmenting with every angle.
  We average the *flatten* CNN rather than the GAP CNN because, at depth 1, the orbit average of
  the GAP CNN over C4 *is* the group CNN kernel (the group-pooled network is the mean of the GAP
  network over the four rotated copies of its input, with shared weights; equal to ~1e-15,
  checked in ``tests/test_equivariant_accuracy.py``), so it would only repeat the ``gcnn`` curve;
  and averaging the flatten readout is what augmentation gives a network without any built-in
  invariance.

Each kernel is used as its NTK (the trained network) or its NNGP (the Bayesian network).
Kernel regression is the GP posterior mean ``ŷ = K_*ᵀ (K_train + ρ·tr(K_train) I)⁻¹ Y`` with
one-hot targets ``Y`` (n, 10) and the package ridge ``ρ = gp.DEFAULT_RIDGE`` (``gp.dual_weights``);
the predicted class is the largest output. Accuracy is the fraction of the ``n_test`` test
digits classified correctly, for each ``n_train`` and seed (mean ± standard deviation over seeds).

Invariance numbers. For each kernel and angle θ: ``max |K(g_θ x, y) − K(x, y)| / max |K(x, y)|``
over ``Config.invariance_digits`` upright digits x and as many others y (the upright test digits
of seed 0), with ``g_θ`` the exact quarter turn for θ = 90° and the interpolated rotation of the
28×28 digit (then pooled and normalised, as the data are made) otherwise. The group CNN (and its
augmented relatives on ``"rot90"``) is invariant to round-off at 90°; no kernel is exactly
invariant at 30° or 45°.

Cost. One Gram matrix per (kernel, mode, seed) over the whole train + test pool
(``max(n_train) + n_test`` digits) gives both kinds and every ``n_train`` by slicing, so a whole
curve costs one kernel computation per kernel. Measured on 2 cores shared with other jobs (load
6–7, November 2026), 300 digits: group CNN ~80–100 s, GAP CNN ~20–25 s, flatten and augmented
flatten CNNs 1–5 s; the default ``Config()`` (2 modes × 3 seeds) ~690 s, plus ~60 s for the
``companions``. ``precompute`` ships all of it in ``data/results/equivariant_accuracy.npz``.

Result (shipped file, n_train = 200, mean of 3 seeds): NTK on quarter turns — group CNN 44 %,
GAP CNN 42 %, flatten CNN 54 %, augmented flatten CNN 74 %; NNGP — 64 %, 51 %, 44 %, 73 %. The
group CNN beats its matching GAP CNN, but one-layer pooled kernels only see which 3×3 patches
occur, not where, so the augmented flatten CNN, which keeps positions, is the most accurate.
"""

from __future__ import annotations

import dataclasses
import functools
import inspect
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Callable

import numpy as np

from .. import datasets, gp
from .. import kernels as kernel_lib
from .._validate import check_choice, check_int, check_path, check_real, check_sequence
from ._common import ConfigRecord, open_npz
from .architectures import KINDS, architecture

__all__ = [
    "Config",
    "QUICK",
    "MODES",
    "MODE_LABELS",
    "KERNELS",
    "KERNEL_LABELS",
    "RESOLUTION",
    "EquivariantResult",
    "kernel",
    "rotated_pool",
    "gram",
    "accuracy_curves",
    "invariance",
    "compute",
    "companions",
    "WIDTH_SWEEP",
    "precompute",
    "save_results",
    "load_results",
    "load_precomputed",
    "precomputed_path",
]

#: Side of the digits (28×28 MNIST, 2×2 mean pooled once).
RESOLUTION = 14
#: How the digits are rotated: random multiples of 90° (exact) or random angles (interpolated).
MODES = ("rot90", "rotate")
MODE_LABELS = {"rot90": "random multiples of 90°", "rotate": "random continuous angles"}
#: The kernels compared (see the module docstring for the matching of readouts).
KERNELS = ("gcnn", "cnn_gap", "cnn_flatten", "augmented_cnn")
KERNEL_LABELS = {
    "gcnn": "C4 group CNN (group pooling)",
    "cnn_gap": "CNN, global average pooling",
    "cnn_flatten": "CNN, flatten readout",
    "augmented_cnn": "CNN flatten + augmentation (orbit average)",
}
#: Classes of MNIST; every selection is balanced over them.
CLASSES = 10
#: Version of the layout of the results file.
FILE_FORMAT = 1


def _tuple_of(name: str, values, check) -> tuple:
    values = check_sequence(name, values, check)
    if list(values) != sorted(set(values)):
        raise ValueError(f"{name} must be increasing without repeats, got {values}")
    return values


def _multiple_of_classes(name: str, value) -> int:
    value = check_int(name, value, minimum=CLASSES)
    if value % CLASSES:
        raise ValueError(f"{name} must be a multiple of {CLASSES} (balanced over the classes), got {value}")
    return value


@dataclasses.dataclass(frozen=True)
class Config(ConfigRecord):
    """What an equivariant-accuracy experiment computes (hashable: a cache key).

    Attributes
    ----------
    n_train : increasing training-set sizes, multiples of 10 (balanced over the classes), ≤ 500
    n_test : test digits, a multiple of 10 (n_test / 10 per class), ≤ 500
    seeds : increasing seeds; each picks other digits and other random rotations
    augment_N : number of angles of the discretised rotation group the augmented kernel averages
        over for ``"rotate"`` data (``"rot90"`` data always use C4, N = 4)
    angles : increasing rotation angles θ (degrees, 0 < θ < 360) of the invariance check
    invariance_digits : how many digits x (and as many y) the invariance check uses
    ridge : relative ridge ρ (``K_train + ρ·tr(K_train)·I``), the package default
    """

    n_train: tuple[int, ...] = (10, 20, 50, 100, 200)
    n_test: int = 100
    seeds: tuple[int, ...] = (0, 1, 2)
    augment_N: int = 16
    angles: tuple[float, ...] = (30.0, 45.0, 90.0)
    invariance_digits: int = 6
    ridge: float = gp.DEFAULT_RIDGE

    def __post_init__(self):
        set_ = functools.partial(object.__setattr__, self)
        set_("n_train", _tuple_of("n_train", self.n_train, lambda v: _multiple_of_classes("n_train", v)))
        if self.n_train[-1] > 500:
            raise ValueError(f"n_train allows at most 500 digits, got {self.n_train[-1]}")
        set_("n_test", _multiple_of_classes("n_test", self.n_test))
        if self.n_test > 500:
            raise ValueError(f"n_test allows at most 500 digits, got {self.n_test}")
        set_("seeds", _tuple_of("seeds", self.seeds, lambda v: check_int("seeds", v, minimum=0)))
        set_("augment_N", check_int("augment_N", self.augment_N, minimum=2, maximum=360))
        set_("angles", _tuple_of("angles", self.angles, lambda v: check_real(
            "angles", v, minimum=0.0, maximum=360.0)))
        if self.angles[0] <= 0.0 or self.angles[-1] >= 360.0:
            raise ValueError(f"angles must lie strictly between 0 and 360 degrees, got {self.angles}")
        set_("invariance_digits", check_int("invariance_digits", self.invariance_digits, minimum=1,
                                            maximum=50))
        set_("ridge", check_real("ridge", self.ridge, minimum=0.0))

    @property
    def pool_size(self) -> int:
        """Digits per (mode, seed) whose Gram matrix is computed: largest n_train + n_test."""
        return self.n_train[-1] + self.n_test


#: A tiny configuration for tests and live demonstrations (seconds, not minutes).
QUICK = Config(n_train=(10, 20), n_test=20, seeds=(0,), augment_N=4, invariance_digits=3)


# --------------------------------------------------------------------------- data

def _check_config(config) -> Config:
    if not isinstance(config, Config):
        raise TypeError(f"config must be an equivariant_accuracy.Config, got {type(config).__name__}")
    return config


def _selection(config: Config, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """MNIST indices ``(train (max n_train,), test (n_test,))``.

    Training digits are ordered rank-major (the first digit of every class, then the second…), so
    the first ``n`` of them are balanced for every ``n`` of the grid.
    """
    m_train, m_test = config.n_train[-1] // CLASSES, config.n_test // CLASSES
    rows = datasets.digits_per_class(m_train + m_test, seed, CLASSES)
    return rows[:, :m_train].T.ravel(), rows[:, m_train:].T.ravel()


def _pool2(image: np.ndarray) -> np.ndarray:
    return datasets.pool2(image[None])[0]


def _rotate(raw28: np.ndarray, mode: str, draw: int) -> np.ndarray:
    """One 28×28 digit rotated by ``draw`` (quarter turns or whole degrees), at 14×14."""
    if mode == "rot90":
        return datasets.transform(_pool2(raw28), draw, 4, "rot90")
    return _pool2(datasets.transform(raw28, draw, 360, "rotate"))


@functools.lru_cache(maxsize=32)
def _pool(config: Config, mode: str, seed: int):
    images, labels = datasets._bundled_test_set()
    train, test = _selection(config, seed)
    index = np.concatenate([train, test])
    # One generator per (mode, seed): the rotations do not depend on the n_train grid's order.
    rng = np.random.default_rng([seed, MODES.index(mode)])
    draws = rng.integers(0, 4 if mode == "rot90" else 360, size=len(index))
    X = datasets.normalize(np.stack([_rotate(images[i].astype(np.float64) / 255.0, mode, int(d))
                                     for i, d in zip(index, draws)]))
    for a in (X, draws, index):
        a.setflags(write=False)
    return X, np.asarray(labels[index], dtype=np.int64), draws, index


def rotated_pool(config: Config, mode: str, seed: int) -> dict[str, np.ndarray]:
    """The digits of one (mode, seed): training digits first (largest n_train), then the tests.

    Returns ``{"images": (P, 14, 14) centred unit-norm, "labels": (P,), "rotation": (P,) quarter
    turns (``"rot90"``) or degrees (``"rotate"``), "index": (P,) MNIST test-set indices}`` with
    ``P = max(n_train) + n_test``; read-only.
    """
    _check_config(config)
    check_choice("mode", mode, MODES)
    seed = check_int("seed", seed, minimum=0)
    X, labels, draws, index = _pool(config, mode, seed)
    return {"images": X, "labels": labels, "rotation": draws, "index": index}


# --------------------------------------------------------------------------- kernels

def kernel(key: str, mode: str, augment_N: int = Config.augment_N) -> kernel_lib.NeuralKernel:
    """The kernel object of ``key`` (one of ``KERNELS``) for data rotated the ``mode`` way.

    ``gcnn``, ``cnn_gap``, ``cnn_flatten`` come from ``experiments.architectures``; the augmented
    kernel averages ``cnn_flatten`` over C4 (``"rot90"``) or over ``augment_N`` interpolated
    rotations (``"rotate"``).
    """
    check_choice("kernel", key, KERNELS)
    check_choice("mode", mode, MODES)
    if key != "augmented_cnn":
        return architecture(key).kernel(mode, 4)
    base = architecture("cnn_flatten").kernel(mode, 4)
    if mode == "rot90":
        return kernel_lib.orbit_average(base, action="rot90", N=4)
    augment_N = check_int("augment_N", augment_N, minimum=2)
    return kernel_lib.orbit_average(base, action="rotate", N=augment_N)


@functools.lru_cache(maxsize=64)
def _gram(config: Config, key: str, mode: str, seed: int) -> dict[str, np.ndarray]:
    X = _pool(config, mode, seed)[0]
    nngp, ntk = kernel(key, mode, config.augment_N).nngp_ntk(X)
    out = {"ntk": np.array(ntk, dtype=np.float64), "nngp": np.array(nngp, dtype=np.float64)}
    for K in out.values():
        K.setflags(write=False)
    return out


def gram(config: Config, key: str, mode: str, seed: int, kind: str = "ntk") -> np.ndarray:
    """The ``(P, P)`` Gram matrix of kernel ``key`` over ``rotated_pool(config, mode, seed)``.

    Cached per (config, key, mode, seed); NTK and NNGP come from one computation.
    """
    _check_config(config)
    check_choice("kernel", key, KERNELS)
    check_choice("mode", mode, MODES)
    check_choice("kind", kind, KINDS)
    seed = check_int("seed", seed, minimum=0)
    return _gram(config, key, mode, seed)[kind]


def _accuracies(K: np.ndarray, labels: np.ndarray, config: Config) -> np.ndarray:
    """Test accuracy for every n_train of the grid, from one pool Gram matrix."""
    n_max = config.n_train[-1]
    test = slice(n_max, n_max + config.n_test)
    out = np.empty(len(config.n_train))
    for i, n in enumerate(config.n_train):
        Y = np.eye(CLASSES)[labels[:n]]
        alpha = gp.dual_weights(K[:n, :n], Y, ridge=config.ridge)
        predicted = np.argmax(K[test, :n] @ alpha, axis=1)
        out[i] = np.mean(predicted == labels[test])
    return out


def accuracy_curves(config: Config, key: str, mode: str, seed: int,
                    kind: str = "ntk") -> np.ndarray:
    """Test accuracy against ``config.n_train`` for one kernel, mode, seed and kind.

    Returns ``(len(n_train),)``.

    GP posterior mean with one-hot targets and ridge ``config.ridge`` (module docstring).
    """
    K = gram(config, key, mode, seed, kind)
    return _accuracies(K, _pool(config, mode, seed)[1], config)


def _rotated_digits(raw28: np.ndarray, angle: float) -> np.ndarray:
    """``g_θ x`` for 28×28 digits: an exact quarter turn at 90° multiples, else interpolated; at
    14×14, centred and unit norm."""
    quarter = angle / 90.0
    if quarter == int(quarter):
        return datasets.normalize(np.rot90(datasets.pool2(raw28), int(quarter), axes=(1, 2)))
    return datasets.normalize(datasets.pool2(np.stack([_interpolated(x, angle) for x in raw28])))


def _interpolated(image: np.ndarray, angle: float) -> np.ndarray:
    # datasets.transform takes k/N of a full turn: millidegrees are exact for any angle given
    # with at most three decimals.
    return datasets.transform(image, int(round(angle * 1000)), 360_000, "rotate")


@functools.lru_cache(maxsize=64)
def _invariance(config: Config, key: str, mode: str) -> np.ndarray:
    images, _ = datasets._bundled_test_set()
    d = config.invariance_digits
    chosen = datasets.digits_per_class(-(-2 * d // CLASSES), 0, CLASSES).T.ravel()[:2 * d]
    raw = images[chosen].astype(np.float64) / 255.0
    x, y = raw[:d], raw[d:2 * d]
    k = kernel(key, mode, config.augment_N)
    upright = datasets.normalize(datasets.pool2(x))
    other = datasets.normalize(datasets.pool2(y))
    base = k.nngp_ntk(upright, other)  # (nngp, ntk)
    out = np.empty((len(KINDS), len(config.angles)))
    for j, angle in enumerate(config.angles):
        turned = k.nngp_ntk(_rotated_digits(x, angle), other)
        for i, kind in enumerate(KINDS):
            slot = KINDS[::-1].index(kind)  # nngp_ntk returns (nngp, ntk)
            K0, K1 = np.asarray(base[slot]), np.asarray(turned[slot])
            out[i, j] = np.max(np.abs(K1 - K0)) / np.max(np.abs(K0))
    out.setflags(write=False)
    return out


def invariance(config: Config, key: str, mode: str, kind: str = "ntk") -> np.ndarray:
    """``max |K(g_θ x, y) − K(x, y)| / max |K(x, y)|`` for each θ of ``config.angles``.

    Returns ``(len(angles),)``.

    Depends on ``mode`` only through the augmented kernel (its averaging group).
    """
    _check_config(config)
    check_choice("kernel", key, KERNELS)
    check_choice("mode", mode, MODES)
    check_choice("kind", kind, KINDS)
    return _invariance(config, key, mode)[KINDS.index(kind)]


# --------------------------------------------------------------------------- results

def _frozen(array, dtype=np.float64) -> np.ndarray:
    array = np.array(array, dtype=dtype)
    array.setflags(write=False)
    return array


@dataclasses.dataclass(frozen=True, eq=False)
class EquivariantResult:
    """Accuracies and invariance numbers of every mode × kind × kernel; arrays are read-only.

    Attributes
    ----------
    config : the ``Config``;  modes, kinds, kernels : the axes below (``MODES``, ``KINDS``,
        ``KERNELS`` order)
    accuracy : (modes, kinds, kernels, seeds, len(n_train)) test accuracy in [0, 1]
    invariance : (modes, kinds, kernels, len(angles)) relative invariance deviation
    companions : the other part-1 results an explorer shows next to these (``companions()``),
        or None
    """

    config: Config
    modes: tuple[str, ...]
    kinds: tuple[str, ...]
    kernels: tuple[str, ...]
    accuracy: np.ndarray
    invariance: np.ndarray
    companions: dict | None = None

    def _index(self, mode: str, kind: str, key: str) -> tuple[int, int, int]:
        check_choice("mode", mode, self.modes)
        check_choice("kind", kind, self.kinds)
        check_choice("kernel", key, self.kernels)
        return self.modes.index(mode), self.kinds.index(kind), self.kernels.index(key)

    def curve(self, mode: str, kind: str, key: str) -> tuple[np.ndarray, np.ndarray]:
        """Mean and standard deviation (over seeds, ddof 0) of the accuracy against n_train."""
        values = self.accuracy[self._index(mode, kind, key)]
        return values.mean(axis=0), values.std(axis=0)

    def at(self, mode: str, kind: str, key: str, n_train: int) -> float:
        """The mean accuracy at one training-set size of the grid."""
        check_choice("n_train", n_train, self.config.n_train)
        return float(self.curve(mode, kind, key)[0][self.config.n_train.index(n_train)])

    def deviation(self, mode: str, kind: str, key: str, angle: float) -> float:
        """The invariance deviation at one angle of ``config.angles``."""
        check_choice("angle", angle, self.config.angles)
        return float(self.invariance[self._index(mode, kind, key)][self.config.angles.index(angle)])


def _steps(config: Config, modes, keys) -> list[tuple[str, str, int]]:
    return [(mode, key, seed) for mode in modes for seed in config.seeds for key in keys]


def _check_progress(progress) -> None:
    if not (progress is None or callable(progress)):
        raise TypeError(f"progress must be None or a callable(done, total, label), got {progress!r}")


def _check_subset(name: str, values, allowed: tuple[str, ...]) -> tuple[str, ...]:
    if isinstance(values, str):
        values = (values,)
    if isinstance(values, (bytes, Mapping)) or not hasattr(values, "__iter__"):
        raise TypeError(f"{name} must be a sequence of {allowed}, got {values!r:.60}")
    values = tuple(values)
    if not values:
        raise ValueError(f"{name} must name at least one of {allowed}, got none")
    for v in values:
        check_choice(name, v, allowed)
    if len(set(values)) != len(values):
        raise ValueError(f"{name} must not repeat, got {values}")
    return tuple(v for v in allowed if v in values)


def compute(config: Config = Config(), *, modes=MODES, kernels=KERNELS,
            progress: Callable[[int, int, str], None] | None = None) -> EquivariantResult:
    """Accuracy curves and invariance numbers for every (mode, kind, kernel, seed).

    ``progress(done, total, label)`` is called before each Gram matrix and once at the end.
    Everything is cached, so a repeated call is instant.
    """
    _check_config(config)
    modes = _check_subset("modes", modes, MODES)
    keys = _check_subset("kernels", kernels, KERNELS)
    _check_progress(progress)
    steps = _steps(config, modes, keys)
    for done, (mode, key, seed) in enumerate(steps):
        if progress is not None:
            progress(done, len(steps), f"{key}, {mode}, seed {seed}")
        _gram(config, key, mode, seed)
    accuracy = np.empty((len(modes), len(KINDS), len(keys), len(config.seeds), len(config.n_train)))
    inv = np.empty((len(modes), len(KINDS), len(keys), len(config.angles)))
    for m, mode in enumerate(modes):
        for c, kind in enumerate(KINDS):
            for k, key in enumerate(keys):
                for s, seed in enumerate(config.seeds):
                    accuracy[m, c, k, s] = accuracy_curves(config, key, mode, seed, kind)
                inv[m, c, k] = invariance(config, key, mode, kind)
    if progress is not None:
        progress(len(steps), len(steps), "done")
    return EquivariantResult(config=config, modes=modes, kinds=KINDS, kernels=keys,
                             accuracy=_frozen(accuracy), invariance=_frozen(inv))


#: The finite group-CNN sweep stored with the results (``gcnn_width.relative_errors`` arguments:
#: its defaults, depth 2, widths 4…128, 8 seeds, three digits and their quarter turns):
#: 30–90 s, so explorers read it from the file.
WIDTH_SWEEP: dict = {}
_WIDTH_SCALARS = ("depth", "ntk_slope", "ntk_intercept", "nngp_slope", "nngp_intercept",
                  "max_invariance_gap")
_WIDTH_ARRAYS = ("widths", "seeds", "ntk_errors", "nngp_errors")


def companions(width_sweep: dict | None = None) -> dict:
    """The other part-1 results, in plain arrays and text, for explorers and the results file.

    Returns ``{"width": {widths (W,), seeds (S,), ntk_errors, nngp_errors (W, S), depth,
    ntk_slope, ntk_intercept, nngp_slope, nngp_intercept, max_invariance_gap} (the finite C4
    group-CNN sweep of ``experiments.gcnn_width.relative_errors(**width_sweep)``, default
    ``WIDTH_SWEEP``), "propositions": {kind: {header, cells, agrees}} (the table of
    ``experiments.propositions.proposition_table`` for the NTK and the NNGP)}``.
    """
    from . import gcnn_width, propositions

    if width_sweep is not None:
        allowed = tuple(inspect.signature(gcnn_width.relative_errors).parameters)
        if not isinstance(width_sweep, Mapping) or any(k not in allowed for k in width_sweep):
            raise TypeError(f"width_sweep must be None or a dict of gcnn_width.relative_errors "
                            f"arguments ({', '.join(allowed)}), got {width_sweep!r:.80}")
    sweep = gcnn_width.relative_errors(**(WIDTH_SWEEP if width_sweep is None else width_sweep))
    width = {name: _frozen(getattr(sweep, name),
                           np.int64 if name in ("widths", "seeds") else np.float64)
             for name in _WIDTH_ARRAYS}
    width.update({name: (int if name == "depth" else float)(getattr(sweep, name))
                  for name in _WIDTH_SCALARS})
    tables = {}
    for kind in KINDS:
        table = propositions.proposition_table(kind=kind)
        tables[kind] = {"header": list(table.HEADER), "cells": table.cells(),
                        "agrees": [bool(row.agrees) for row in table.rows]}
    return {"width": width, "propositions": tables}


def precompute(config: Config = Config(), progress=None, *,
               with_companions: bool = True) -> EquivariantResult:
    """Every mode, kind and kernel of ``config`` (what ``data/results/equivariant_accuracy.npz``
    holds for the default ``Config()``), with the ``companions()`` unless told not to."""
    _check_config(config)
    _check_progress(progress)
    if not isinstance(with_companions, bool):
        raise TypeError(f"with_companions must be True or False, got {with_companions!r}")
    result = compute(config, progress=progress)
    if with_companions:
        result = dataclasses.replace(result, companions=companions())
    return result


# --------------------------------------------------------------------------- files

def save_results(result: EquivariantResult, path) -> Path:
    """Write a result to an ``.npz``; returns the path."""
    if not isinstance(result, EquivariantResult):
        raise TypeError(f"result must be an EquivariantResult, got {type(result).__name__}")
    meta = {"format": FILE_FORMAT, "config": result.config.to_dict(), "modes": list(result.modes),
            "kinds": list(result.kinds), "kernels": list(result.kernels)}
    arrays = {"accuracy": result.accuracy, "invariance": result.invariance}
    if result.companions is not None:
        width = result.companions["width"]
        meta["width"] = {name: width[name] for name in _WIDTH_SCALARS}
        meta["propositions"] = result.companions["propositions"]
        arrays.update({f"width/{name}": width[name] for name in _WIDTH_ARRAYS})
    path = check_path("path", path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as handle:
        np.savez_compressed(handle, meta=np.array(json.dumps(meta, ensure_ascii=False)), **arrays)
    return path


def load_results(path) -> EquivariantResult:
    """Read a file written by ``save_results``."""
    path = check_path("path", path)
    if not path.exists():
        raise ValueError(f"path {str(path)!r} does not exist")
    with open_npz(path) as archive:
        meta = json.loads(str(archive["meta"]))
        if meta.get("format") != FILE_FORMAT:
            raise ValueError(f"{path} has results format {meta.get('format')}, expected {FILE_FORMAT}")
        extra = None
        if "width" in meta:
            width = dict(meta["width"])
            width.update({name: _frozen(archive[f"width/{name}"],
                                        np.int64 if name in ("widths", "seeds") else np.float64)
                          for name in _WIDTH_ARRAYS})
            extra = {"width": width, "propositions": meta["propositions"]}
        return EquivariantResult(
            config=Config.from_dict(meta["config"]), modes=tuple(meta["modes"]),
            kinds=tuple(meta["kinds"]), kernels=tuple(meta["kernels"]),
            accuracy=_frozen(archive["accuracy"]), invariance=_frozen(archive["invariance"]),
            companions=extra)


def precomputed_path() -> Path:
    """The bundled results file (``data/results/equivariant_accuracy.npz``)."""
    return datasets.bundled_data_dir() / "results" / "equivariant_accuracy.npz"


@functools.lru_cache(maxsize=4)
def _load_cached(path: str, mtime: float) -> EquivariantResult:
    return load_results(path)


def load_precomputed(path=None) -> EquivariantResult:
    """The shipped result of ``precompute()`` (default ``Config()``), or a file written by
    ``save_results`` at ``path``; read once per process."""
    path = precomputed_path() if path is None else check_path("path", path)
    if not path.exists():
        raise ValueError(f"no precomputed equivariant-accuracy results at {str(path)!r}; "
                         "run equivariant_accuracy.save_results(precompute(), path)")
    return _load_cached(str(path), path.stat().st_mtime)
