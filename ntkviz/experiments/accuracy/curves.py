"""The computation of an accuracy experiment: the shared image set, one Gram matrix per
(architecture, action) sliced per N and leave-out class, kernel regression with one-hot targets
(module docstring of ``experiments.accuracy``)."""

from __future__ import annotations

import functools
from fractions import Fraction
from typing import Callable

import numpy as np

from ... import datasets, gp
from .._common import frozen
from ..architectures import ARCHITECTURES, KINDS
from .config import DEFAULT_ARCHITECTURES, PARAMS, Config, pooled_digits, select_digits
from .result import AccuracyResult

__all__ = ["accuracy_curves", "kernel_steps"]


def _fractions(grid: tuple[int, ...]) -> tuple[Fraction, ...]:
    """Every group element any N of ``grid`` needs, as a fraction of the full turn / width."""
    return tuple(sorted({Fraction(k, N) for N in grid for k in range(N)}))


@functools.lru_cache(maxsize=8)
def _union(config: Config, action: str):
    """The shared image set: ``(train images (D·F, 14, 14), digit (D·F,), fraction (D·F,),
    test images (classes·n_test, 14, 14))``, centred and unit norm, digit-major."""
    raw_train, raw_test = pooled_digits(config.classes, config.n_train, config.n_test, config.seed)
    fractions = _fractions(getattr(config, action))
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
    kernel = ARCHITECTURES[key].build(action, N or 1)
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


@functools.lru_cache(maxsize=256)
def _one_architecture(config: Config, key: str, action: str, kind: str):
    """Accuracy arrays of one architecture over the N grid × leave-out classes."""
    C, m = config.classes, config.n_test
    labels_test = np.repeat(np.arange(C), m)
    Ns = getattr(config, action)
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


def kernel_steps(config: Config, architectures, action: str) -> list[tuple[str, int | None]]:
    """The kernel computations needed, in order: (architecture, N or None for the union)."""
    steps = []
    for key in architectures:
        if _depends_on_N(key):
            steps.extend((key, N) for N in config.grid(action))
        else:
            steps.append((key, None))
    return steps


@PARAMS.validated
def accuracy_curves(config: Config, architectures=DEFAULT_ARCHITECTURES, action: str = "rotate",
                    kind: str = "ntk", progress: Callable[[int, int, str], None] | None = None
                    ) -> AccuracyResult:
    """Accuracy on the unseen upright digits of each leave-out class, against N (Fig. 1, 6B).

    Kernels and per-architecture results are cached, so a repeated or extended call is instant.

    Parameters
    ----------
    config : Config
        A ``Config`` (digits, orbit sizes, ridge).
    architectures : sequence of str
        Keys of ``ARCHITECTURES`` (default: mlp1, cnn_flatten, cnn_gap, gcnn, orbit_mlp).
    action : str
        ``"rotate"`` | ``"rot90"`` | ``"shift"``.
    kind : str
        ``"ntk"`` | ``"nngp"``.
    progress : callable or None
        Optional ``progress(done, total, label)``, called before each kernel computation
        and once at the end (``done == total``).

    Examples
    --------
    Under cyclic shifts the plain MLP misses the unseen upright digits; the orbit-averaged MLP
    is invariant to the shifts, so removing the upright copies costs it nothing:

    >>> from ntkviz.experiments import accuracy
    >>> result = accuracy.accuracy_curves(accuracy.QUICK, architectures=("mlp1", "orbit_mlp"),
    ...                                   action="shift")
    >>> result.Ns, result.accuracy.shape  # (architectures, Ns, leave-out classes)
    ((2, 7), (2, 2, 3))
    >>> print([f"{a:.2f}" for a in result.curve("mlp1")])
    ['0.00', '0.08']
    >>> print([f"{a:.2f}" for a in result.curve("orbit_mlp")])
    ['0.75', '0.83']
    >>> bool(np.array_equal(result.curve("orbit_mlp"),
    ...                     result.curve("orbit_mlp", which="full_accuracy")))
    True
    """
    steps = kernel_steps(config, architectures, action)
    for done, (key, N) in enumerate(steps):
        if progress is not None:
            progress(done, len(steps), f"{key}, {action}" + ("" if N is None else f", N = {N}"))
        _gram(config, key, action, N)
    parts = [_one_architecture(config, key, action, kind) for key in architectures]
    if progress is not None:
        progress(len(steps), len(steps), "done")
    train_index, test_index = select_digits.unchecked(config)
    return AccuracyResult(
        config=config, action=action, kind=kind, architectures=architectures,
        Ns=getattr(config, action),
        accuracy=frozen([p[0] for p in parts]),
        in_accuracy=frozen([p[1] for p in parts]),
        full_accuracy=frozen([p[2] for p in parts]),
        predictions=frozen([p[3] for p in parts], np.int8),
        full_predictions=frozen([p[4] for p in parts], np.int8),
        test_labels=frozen(np.repeat(np.arange(config.classes), config.n_test), np.int64),
        train_index=frozen(train_index, np.int64),
        test_index=frozen(test_index, np.int64),
    )

