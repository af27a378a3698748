"""The seed digits of the orbit experiments: the bundled MNIST test set by class, one digit as
``(label, sample)`` (the ``sample``-th of its class, in file order), and reproducible random
pairs of digits of two different classes."""

from __future__ import annotations

import functools

import numpy as np

from .. import datasets
from .._validate import check_int
from ..params import Param, Params
from ._common import frozen

__all__ = ["class_indices", "class_size", "digit", "check_digit", "random_pairs", "random_pair",
           "MAX_PAIRS", "PARAMS"]

#: The most digit pairs ``random_pairs`` draws (a survey of 10^5 pairs already takes hours).
MAX_PAIRS = 100_000

#: The digits' parameters (part of ``experiments.orbits.PARAMS``).
PARAMS = Params(
    Param("label", "int", 0, 9),
    Param("sample", "int", 0),
    Param("n_pairs", "int", 1, MAX_PAIRS),
    Param("seed", "int", 0),
)


@functools.lru_cache(maxsize=1)
def class_indices() -> tuple[np.ndarray, ...]:
    """Row numbers of each class 0..9 in the bundled MNIST test set, in file order."""
    _, labels = datasets.mnist_test_set()
    return tuple(frozen(np.flatnonzero(labels == c), np.int64) for c in range(10))


@PARAMS.validated
def class_size(label: int) -> int:
    """How many digits of class ``label`` (0..9) the bundled MNIST test set holds.

    Examples
    --------
    >>> from ntkviz.experiments import digits
    >>> [digits.class_size(label) for label in range(10)]
    [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]
    """
    return int(class_indices()[label].size)


@PARAMS.validated
def digit(label: int, sample: int = 0) -> np.ndarray:
    """The ``sample``-th image of class ``label`` in the bundled MNIST test set (file order).

    Parameters
    ----------
    label : int
        Digit class, 0..9.
    sample : int
        Index within that class, ``0 ≤ sample < class_size(label)``.

    Returns
    -------
    (28, 28) float64
        The image, in [0, 1] (a copy).

    Examples
    --------
    >>> from ntkviz.experiments import digits
    >>> image = digits.digit(3, 0)  # the first 3 of the test set
    >>> image.shape, float(image.min()), float(image.max())
    ((28, 28), 0.0, 1.0)
    """
    indices = class_indices()[label]
    check_int("sample", sample, maximum=indices.size - 1)
    images, _ = datasets.mnist_test_set()
    return images[indices[sample]].copy()


def check_digit(name: str, value) -> tuple[int, int]:
    """``value`` as a digit ``(label, sample)`` of two ints, or the error naming ``name``.

    Examples
    --------
    >>> from ntkviz.experiments import digits
    >>> digits.check_digit("a", (3, 0))
    (3, 0)
    >>> digits.check_digit("a", (3, 5000))  # class 3 has 1010 digits
    Traceback (most recent call last):
    ...
    ValueError: a sample must be <= 1009, got 5000
    """
    try:
        label, sample = value
    except (TypeError, ValueError):
        raise TypeError(f"{name} must be a (label, sample) pair, got {value!r}") from None
    label = check_int(f"{name} label", label, minimum=0, maximum=9)
    return label, check_int(f"{name} sample", sample, minimum=0, maximum=class_size(label) - 1)


@PARAMS.validated
def random_pairs(n_pairs: int, seed: int = 0) -> tuple[tuple[tuple[int, int], tuple[int, int]], ...]:
    """``n_pairs`` random digit pairs ``((label_a, sample_a), (label_b, sample_b))``.

    The two classes of a pair always differ; classes and samples are uniform. Reproducible:
    the same ``(n_pairs, seed)`` gives the same pairs, and a longer list starts with the shorter.

    Examples
    --------
    >>> from ntkviz.experiments import digits
    >>> pairs = digits.random_pairs(3, seed=0)
    >>> pairs
    (((7, 277), (6, 294)), ((9, 176), (0, 797)), ((5, 541), (9, 979)))
    >>> digits.random_pairs(5, seed=0)[:3] == pairs
    True
    """
    rng = np.random.default_rng(seed)
    sizes = np.array([index.size for index in class_indices()])
    pairs = []
    for _ in range(n_pairs):
        label_a, label_b = (int(c) for c in rng.choice(10, size=2, replace=False))
        sample_a, sample_b = (int(rng.integers(sizes[c])) for c in (label_a, label_b))
        pairs.append(((label_a, sample_a), (label_b, sample_b)))
    return tuple(pairs)


@PARAMS.validated
def random_pair(seed: int = 0) -> tuple[tuple[int, int], tuple[int, int]]:
    """One random pair of digits of two different classes (the first of ``random_pairs(1, seed)``).

    Examples
    --------
    >>> from ntkviz.experiments import digits, orbits
    >>> a, b = digits.random_pair(seed=0)
    >>> a, b
    ((7, 277), (6, 294))
    >>> orbits.orbit_pair_state(a, b, N=4).K.shape
    (8, 8)
    """
    return random_pairs.unchecked(1, seed)[0]
