"""The data and kernels of the equivariant-accuracy experiment: rotated digits, the four
kernels, their Gram matrices, kernel-regression accuracy and invariance numbers (cached)."""

from __future__ import annotations

import functools

import numpy as np

from ... import datasets, gp
from ... import kernels as kernel_lib
from .._common import frozen
from ..architectures import KINDS, architecture
from .config import CLASSES, MODES, PARAMS, Config

__all__ = ["rotated_pool", "kernel", "gram", "accuracy_curves", "invariance"]


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
    images, labels = datasets.mnist_test_set()
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


@PARAMS.validated
def rotated_pool(config: Config, mode: str, seed: int) -> dict[str, np.ndarray]:
    """The digits of one (mode, seed): training digits first (largest n_train), then the tests.

    Returns ``{"images": (P, 14, 14) centred unit-norm, "labels": (P,), "rotation": (P,) quarter
    turns (``"rot90"``) or degrees (``"rotate"``), "index": (P,) MNIST test-set indices}`` with
    ``P = max(n_train) + n_test``; read-only.

    Examples
    --------
    The tiny ``QUICK`` configuration: 20 training digits (the first ten one per class), then
    20 test digits, each turned by a random number of quarter turns:

    >>> from ntkviz.experiments import equivariant_accuracy as ea
    >>> pool = ea.rotated_pool(ea.QUICK, "rot90", seed=0)
    >>> pool["images"].shape, pool["labels"][:10].tolist()
    ((40, 14, 14), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9])
    >>> sorted(set(pool["rotation"].tolist()))
    [0, 1, 2, 3]
    """
    X, labels, draws, index = _pool(config, mode, seed)
    return {"images": X, "labels": labels, "rotation": draws, "index": index}


@PARAMS.validated
def kernel(key: str, mode: str, augment_N: int = Config.augment_N) -> kernel_lib.NeuralKernel:
    """The kernel object of ``key`` (one of ``KERNELS``) for data rotated the ``mode`` way.

    ``gcnn``, ``cnn_gap``, ``cnn_flatten`` come from ``experiments.architectures``; the augmented
    kernel averages ``cnn_flatten`` over C4 (``"rot90"``) or over ``augment_N`` interpolated
    rotations (``"rotate"``).

    Examples
    --------
    Turning one argument by a quarter turn leaves the group CNN and the augmented kernels
    unchanged, not the plain flatten CNN:

    >>> from ntkviz.experiments import equivariant_accuracy as ea
    >>> x = ea.rotated_pool(ea.QUICK, "rot90", seed=0)["images"][:3]
    >>> turned = np.rot90(x, 1, axes=(1, 2))
    >>> for key in ("gcnn", "augmented_cnn", "cnn_flatten"):
    ...     k = ea.kernel(key, "rot90")
    ...     print(key, bool(np.allclose(k.ntk(x, turned), k.ntk(x, x))))
    gcnn True
    augmented_cnn True
    cnn_flatten False
    """
    if key != "augmented_cnn":
        return architecture(key).kernel(mode, 4)
    base = architecture("cnn_flatten").kernel(mode, 4)
    if mode == "rot90":
        return kernel_lib.orbit_average(base, action="rot90", N=4)
    return kernel_lib.orbit_average(base, action="rotate", N=augment_N)


@functools.lru_cache(maxsize=64)
def _gram(config: Config, key: str, mode: str, seed: int) -> dict[str, np.ndarray]:
    X = _pool(config, mode, seed)[0]
    nngp, ntk = kernel.unchecked(key, mode, config.augment_N).nngp_ntk(X)
    return {"ntk": frozen(ntk), "nngp": frozen(nngp)}


@PARAMS.validated
def gram(config: Config, key: str, mode: str, seed: int, kind: str = "ntk") -> np.ndarray:
    """The ``(P, P)`` Gram matrix of kernel ``key`` over ``rotated_pool(config, mode, seed)``.

    Cached per (config, key, mode, seed); NTK and NNGP come from one computation.

    Examples
    --------
    >>> from ntkviz.experiments import equivariant_accuracy as ea
    >>> K = ea.gram(ea.QUICK, "cnn_flatten", "rot90", seed=0)
    >>> K.shape, bool(np.allclose(K, K.T)), bool(np.all(np.linalg.eigvalsh(K) > 0))
    ((40, 40), True, True)
    """
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


@PARAMS.validated
def accuracy_curves(config: Config, key: str, mode: str, seed: int,
                    kind: str = "ntk") -> np.ndarray:
    """Test accuracy against ``config.n_train`` for one kernel, mode, seed and kind.

    Returns ``(len(n_train),)``.

    GP posterior mean with one-hot targets and ridge ``config.ridge`` (module docstring).

    Examples
    --------
    The augmented flatten CNN on digits turned by quarter turns, 10 and 20 training digits,
    20 test digits:

    >>> from ntkviz.experiments import equivariant_accuracy as ea
    >>> accuracy = ea.accuracy_curves(ea.QUICK, "augmented_cnn", "rot90", seed=0)
    >>> ea.QUICK.n_train, accuracy.shape
    ((10, 20), (2,))
    >>> print(np.round(accuracy, 2))
    [0.25 0.25]
    """
    K = _gram(config, key, mode, seed)[kind]
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
    images, _ = datasets.mnist_test_set()
    d = config.invariance_digits
    chosen = datasets.digits_per_class(-(-2 * d // CLASSES), 0, CLASSES).T.ravel()[:2 * d]
    raw = images[chosen].astype(np.float64) / 255.0
    x, y = raw[:d], raw[d:2 * d]
    k = kernel.unchecked(key, mode, config.augment_N)
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


@PARAMS.validated
def invariance(config: Config, key: str, mode: str, kind: str = "ntk") -> np.ndarray:
    """``max |K(g_θ x, y) − K(x, y)| / max |K(x, y)|`` for each θ of ``config.angles``.

    Returns ``(len(angles),)``.

    Depends on ``mode`` only through the augmented kernel (its averaging group).

    Examples
    --------
    At 30° no kernel is exactly invariant; at 90° the group CNN is, to round-off:

    >>> from ntkviz.experiments import equivariant_accuracy as ea
    >>> ea.QUICK.angles
    (30.0, 45.0, 90.0)
    >>> for key in ("gcnn", "cnn_flatten"):
    ...     deviation = ea.invariance(ea.QUICK, key, "rot90")
    ...     print(key, f"{deviation[0]:.1e}", bool(deviation[-1] < 1e-12))
    gcnn 4.6e-05 True
    cnn_flatten 1.6e-03 False
    """
    return _invariance(config, key, mode)[KINDS.index(kind)]
