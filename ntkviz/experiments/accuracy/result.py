"""The result of an accuracy experiment and how the explorer reads it: curves against N, one
number, the predictions of the leave-out class."""

from __future__ import annotations

import dataclasses

import numpy as np

from ..._validate import check_choice, check_int
from .config import PARAMS, Config

__all__ = ["AccuracyResult"]


@dataclasses.dataclass(frozen=True, eq=False)
class AccuracyResult:
    """Accuracies over architectures × N × leave-out class; arrays are read-only.

    Attributes
    ----------
    config : Config
        What was computed.
    action, kind : str
        What was computed (kind ``"ntk"`` or ``"nngp"``).
    architectures : tuple of str
        Keys of ``ARCHITECTURES`` (axis 0).
    Ns : tuple of int
        Orbit sizes (axis 1).
    accuracy : ndarray of shape (A, len(Ns), classes)
        Fraction of the leave-out class's upright test digits classified correctly when its
        upright training copies are removed.
    in_accuracy : ndarray of shape (A, len(Ns), classes)
        The same run on the test digits of all other classes.
    full_accuracy : ndarray of shape (A, len(Ns), classes)
        The leave-out class's test digits with nothing removed.
    predictions : int8 ndarray of shape (A, len(Ns), classes, classes·n_test)
        Predicted labels of every test digit in the run with class L (axis 2) left out.
    full_predictions : int8 ndarray of shape (A, len(Ns), classes·n_test)
        Predicted labels, nothing left out.
    test_labels : ndarray of shape (classes·n_test,)
        True labels.
    train_index, test_index : ndarray
        MNIST indices.
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
        values = getattr(self, PARAMS["which"].check(which))[self._a(key)]
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

