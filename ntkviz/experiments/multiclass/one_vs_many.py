"""Ten classes, one versus many, by the spectral error (Fig. 6B of arXiv 2412.11521;
docs/theory.md#ten-classes-one-versus-many)."""

from __future__ import annotations

import dataclasses
import functools
from typing import Callable

import numpy as np

from ..._validate import check_choice
from .._common import check_progress, frozen
from .data import PARAMS, checked_classes, checked_N, checked_Ns, gram, pair_error, samples

__all__ = ["SpectralAccuracy", "SpectralAccuracyCurve", "spectral_accuracy",
           "spectral_accuracy_vs_N"]


@dataclasses.dataclass(frozen=True)
class SpectralAccuracy:
    """One-versus-many spectral classification of every orbit of every class (Fig. 6B).

    Arrays are read-only; C = ``len(classes)``, S = ``seeds_per_class``.

    Attributes
    ----------
    classes : tuple of int
        The setting.
    seeds_per_class, N, seed : int
        The setting.
    action, architecture, kind : str
        The setting.
    samples : ndarray of shape (C, S)
        Sample indices of the digits (``digits.digit(classes[c], samples[c, i])``).
    eps : ndarray of shape (C, S, C, S)
        ``ε`` of ``K̃`` for the pair (orbit i of class c first, orbit j of class d); NaN where
        c = d.
    prediction : ndarray of shape (C, S, C)
        Mean of ``1 − ε`` over the orbits j of class d; NaN where c = d.
    correct : bool ndarray of shape (C, S)
        ``prediction[c, i, d] > 0`` for every d ≠ c.
    per_class : ndarray of shape (C,)
        Fraction of the orbits of each leave-out class classified correctly.
    accuracy : float
        Mean of ``per_class``.
    """

    classes: tuple[int, ...]
    seeds_per_class: int
    N: int
    action: str
    architecture: str
    kind: str
    seed: int
    samples: np.ndarray
    eps: np.ndarray
    prediction: np.ndarray
    correct: np.ndarray
    per_class: np.ndarray
    accuracy: float

    def of_class(self, label: int) -> float:
        """The accuracy of leave-out class ``label`` (a digit in ``classes``)."""
        return float(self.per_class[self.classes.index(check_choice("label", label,
                                                                    self.classes))])


@functools.lru_cache(maxsize=64)
def _spectral_accuracy(classes, S, N, action, key, kind, seed) -> SpectralAccuracy:
    C = len(classes)
    digit_samples = samples(S, seed)[list(classes)]
    digits = tuple((c, int(s)) for c, row in zip(classes, digit_samples) for s in row)
    G = gram(digits, N, action, key, kind)
    eps = np.full((C, S, C, S), np.nan)
    for c in range(C):
        for d in range(C):
            if c != d:
                for i in range(S):
                    for j in range(S):
                        eps[c, i, d, j] = pair_error(G, c * S + i, d * S + j, N)
    prediction = np.mean(1.0 - eps, axis=3)  # NaN on c = d
    others = ~np.eye(C, dtype=bool)
    correct = np.all((prediction > 0) | ~others[:, None, :], axis=2)
    per_class = correct.mean(axis=1)
    return SpectralAccuracy(
        classes=classes, seeds_per_class=S, N=N, action=action, architecture=key, kind=kind,
        seed=seed, samples=frozen(digit_samples, np.int64), eps=frozen(eps),
        prediction=frozen(prediction), correct=frozen(correct, bool),
        per_class=frozen(per_class), accuracy=float(per_class.mean()))


@PARAMS.validated
def spectral_accuracy(seeds_per_class: int = 3, N: int = 8, action: str = "rotate",
                      architecture: str = "mlp1", kind: str = "ntk", classes=range(10),
                      seed: int = 0) -> SpectralAccuracy:
    """Spectral one-versus-many accuracy of each leave-out class and on average (Fig. 6B;
    docs/theory.md#ten-classes-one-versus-many).

    One kernel call over all C·S·N images; cached on the validated arguments.

    Parameters
    ----------
    seeds_per_class : int
        S ≥ 1 orbits per class (``class_samples(S, seed)``).
    N : int
        As in ``seeds_trial``.
    action, architecture, kind : str
        As in ``seeds_trial``.
    classes : sequence of int
        At least two different digit classes (default all ten).
    seed : int
        Which digits (≥ 0).

    Examples
    --------
    Ten classes, two digits each, under quarter turns: the plain MLP against the MLP averaged
    over the quarter turns (invariant to them):

    >>> from ntkviz.experiments import multiclass
    >>> plain = multiclass.spectral_accuracy(seeds_per_class=2, N=4, action="rot90")
    >>> plain.eps.shape, plain.per_class.shape
    ((10, 2, 10, 2), (10,))
    >>> invariant = multiclass.spectral_accuracy(seeds_per_class=2, N=4, action="rot90",
    ...                                          architecture="orbit_mlp")
    >>> plain.accuracy, invariant.accuracy
    (0.1, 1.0)
    """
    return _spectral_accuracy(checked_classes(classes), seeds_per_class,
                              checked_N(N, action, architecture), action, architecture, kind,
                              seed)


@dataclasses.dataclass(frozen=True)
class SpectralAccuracyCurve:
    """``spectral_accuracy`` against N.

    Attributes
    ----------
    Ns : tuple of int
        The orbit sizes.
    classes : tuple of int
        The digit classes.
    per_class : ndarray of shape (len(Ns), C)
        Accuracy of each leave-out class.
    accuracy : ndarray of shape (len(Ns),)
        Mean of ``per_class`` over the classes.
    results : tuple of SpectralAccuracy
        The ``SpectralAccuracy`` of each N.
    """

    Ns: tuple[int, ...]
    classes: tuple[int, ...]
    per_class: np.ndarray
    accuracy: np.ndarray
    results: tuple[SpectralAccuracy, ...] = dataclasses.field(repr=False)


@PARAMS.validated
def spectral_accuracy_vs_N(Ns=(4, 8, 16, 32), seeds_per_class: int = 3, action: str = "rotate",
                           architecture: str = "mlp1", kind: str = "ntk", classes=range(10),
                           seed: int = 0, progress: Callable[[int, int], None] | None = None
                           ) -> SpectralAccuracyCurve:
    """``spectral_accuracy`` for each N of ``Ns`` (the same digits at every N); ``progress(done,
    total)`` is called after each N.

    Examples
    --------
    The plain MLP on ten classes, two digits each, under 4, 8 and 16 rotations:

    >>> from ntkviz.experiments import multiclass
    >>> curve = multiclass.spectral_accuracy_vs_N(Ns=(4, 8, 16), seeds_per_class=2)
    >>> curve.per_class.shape, curve.accuracy.tolist()
    ((3, 10), [0.1, 0.15, 0.6])
    """
    classes = checked_classes(classes)
    Ns = checked_Ns(Ns, action, architecture)
    progress = check_progress(progress, allow_bar=False)
    results = []
    for n, N in enumerate(Ns):
        results.append(_spectral_accuracy(classes, seeds_per_class, N, action, architecture,
                                          kind, seed))
        if progress is not None:
            progress(n + 1, len(Ns))
    return SpectralAccuracyCurve(
        Ns=Ns, classes=classes, per_class=frozen([r.per_class for r in results]),
        accuracy=frozen([r.accuracy for r in results]), results=tuple(results))
