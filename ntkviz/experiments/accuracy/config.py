"""What an accuracy experiment computes: its configuration (which digits, which orbit sizes, the
ridge), the digits it selects and the architectures it compares."""

from __future__ import annotations

import dataclasses
import functools

import numpy as np

from ... import datasets, gp
from ...params import Param, Params
from .._common import ConfigRecord
from ..architectures import ARCHITECTURES
from ..architectures import PARAMS as ARCHITECTURE_PARAMS

__all__ = ["Config", "QUICK", "DEFAULT_ARCHITECTURES", "RESOLUTION", "PARAMS", "FIELDS",
           "select_digits", "test_images"]

#: Side of the digits every architecture sees here (28×28 MNIST, 2×2 mean pooled once).
RESOLUTION = 14
#: Plain (mlp1, cnn_flatten), shift-invariant (cnn_gap) and equivariant (gcnn, orbit_mlp) kernels.
DEFAULT_ARCHITECTURES = ("mlp1", "cnn_flatten", "cnn_gap", "gcnn", "orbit_mlp")

#: The fields of a ``Config``: its digits, ridge and the orbit sizes of each action (any angle
#: down to 1°, quarter turns, divisors of the width).
FIELDS = Params(
    Param("classes", "int", 2, 10),
    Param("n_train", "int", 1, 50),
    Param("n_test", "int", 1, 500),
    Param("seed", "int", 0),
    Param("ridge", "real", 0.0),
    Param("rotate", "ints", 2, 360),
    Param("rot90", "ints", 2, 4),
    Param("shift", "ints", 2, RESOLUTION),
)


@dataclasses.dataclass(frozen=True)
class Config(ConfigRecord):
    """Which digits and orbit sizes an accuracy experiment uses (hashable: a cache key).

    Attributes
    ----------
    classes : int
        The digit classes 0..classes−1 take part (2..10); each is the leave-out class once.
    n_train : int
        Training digits per class (each contributes its whole orbit).
    n_test : int
        Fresh upright test digits per class.
    seed : int
        Which digits: a ``numpy`` generator with this seed permutes each class of the bundled
        MNIST test set; the first ``n_train`` are training digits, the next ``n_test`` test
        digits.
    rotate, rot90, shift : tuple of int
        The orbit sizes N of the curve for each action (increasing; for ``rot90`` and
        ``shift`` divisors of 4 and of the width 14).
    ridge : float
        Relative ridge ρ (``K_train + ρ·tr(K_train)·I``), the package default.
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
        fields = FIELDS.check(**{f.name: getattr(self, f.name) for f in dataclasses.fields(self)})
        for action in datasets.ACTIONS:
            grid, width = fields[action], {"rot90": 4, "shift": RESOLUTION}.get(action)
            if list(grid) != sorted(set(grid)):
                raise ValueError(f"{action} must be increasing without repeats, got {grid}")
            if width is not None and any(width % N for N in grid):
                raise ValueError(f"{action} (action {action!r}) needs N to divide {width}, "
                                 f"got {grid}")
        for name, value in fields.items():
            object.__setattr__(self, name, value)

    def grid(self, action: str) -> tuple[int, ...]:
        """The orbit sizes N of the curve for ``action``."""
        return getattr(self, ARCHITECTURE_PARAMS["action"].check(action))


#: A tiny configuration for smoke tests and live demonstrations (seconds, not minutes).
QUICK = Config(classes=3, n_train=1, n_test=4, rotate=(2, 3, 4), rot90=(2, 4), shift=(2, 7))


#: The experiment's parameters.
PARAMS = Params(
    Param("config", "object", choices=(Config,)),
    Param("architectures", "choices", choices=ARCHITECTURES.keys()),
    Param("actions", "choices", choices=datasets.ACTIONS),
    ARCHITECTURE_PARAMS["action"], ARCHITECTURE_PARAMS["kind"],
    Param("which", "choice", choices=("accuracy", "in_accuracy", "full_accuracy")),
)


def _selection(classes: int, n_train: int, n_test: int, seed: int):
    """Per class, the first ``n_train`` digits of ``datasets.digits_per_class`` train, the next
    ``n_test`` are the test digits."""
    rows = datasets.digits_per_class(n_train + n_test, seed, classes)
    return rows[:, :n_train], rows[:, n_train:]


@PARAMS.validated
def select_digits(config: Config) -> tuple[np.ndarray, np.ndarray]:
    """Indices into the bundled MNIST test set: ``(train (classes, n_train), test (classes, n_test))``.

    Depends only on ``classes``, ``n_train``, ``n_test`` and ``seed`` (never on the N grids).

    Examples
    --------
    ``QUICK`` takes one training digit and four test digits of each of the classes 0, 1, 2:

    >>> from ntkviz.experiments import accuracy
    >>> train, test = accuracy.select_digits(accuracy.QUICK)
    >>> train.shape, test.shape
    ((3, 1), (3, 4))
    >>> _, labels = nv.datasets.mnist_test_set()
    >>> labels[train].ravel().tolist(), labels[test].tolist()
    ([0, 1, 2], [[0, 0, 0, 0], [1, 1, 1, 1], [2, 2, 2, 2]])
    """
    return _selection(config.classes, config.n_train, config.n_test, config.seed)


@functools.lru_cache(maxsize=16)
def pooled_digits(classes: int, n_train: int, n_test: int, seed: int):
    """The raw 14×14 training and test digits ``(classes·n, 14, 14)`` of a selection."""
    images, _ = datasets.mnist_test_set()
    train, test = _selection(classes, n_train, n_test, seed)
    return datasets.pool2(images[train.ravel()]), datasets.pool2(images[test.ravel()])


@PARAMS.validated
def test_images(config: Config) -> np.ndarray:
    """The raw 14×14 test digits ``(classes·n_test, 14, 14)`` in [0, 1], class-major.

    Examples
    --------
    >>> from ntkviz.experiments import accuracy
    >>> images = accuracy.test_images(accuracy.QUICK)  # 3 classes × 4 test digits
    >>> images.shape, bool(images.min() >= 0.0 and images.max() <= 1.0)
    ((12, 14, 14), True)
    """
    return pooled_digits(config.classes, config.n_train, config.n_test, config.seed)[1]


test_images.__test__ = False  # not a pytest test
