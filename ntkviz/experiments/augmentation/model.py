"""The network and the data of the augmentation experiment: the MLP's initialisations and
forward pass, and the digits of a run (docs/theory.md#augmentation-and-equivariance)."""

from __future__ import annotations

import dataclasses
import functools

import numpy as np

from ... import datasets
from ..._jax_compat import enable_x64, stable_random
from ..._validate import as_finite_array
from .config import PERTURBATION, RUN_PARAMS, SIZE, AugmentConfig
from .group import (
    array_module,
    checked_layers,
    is_jax,
    layer_permutations,
    pixel_permutations,
    projected_params,
)

__all__ = ["init_params", "forward", "network", "TaskData", "task_data"]

@RUN_PARAMS.validated
@stable_random()
def init_params(config: AugmentConfig, init: str | None = None) -> tuple:
    """Initial ``((A_1, b_1), …, (A_{L+1}, b_{L+1}))`` as float64 numpy arrays of the
    initialisation ``init`` (default ``config.init``; the package docstring); deterministic in
    ``config.seed``.

    Examples
    --------
    One hidden layer of 2 blocks of C4 (width 8), three classes:

    >>> from ntkviz.experiments import augmentation as aug
    >>> config = aug.AugmentConfig(depth=1, blocks=2, classes=3)
    >>> params = aug.init_params(config)                   # config.init: "equivariant"
    >>> [(A.shape, b.shape) for A, b in params]
    [((8, 196), (8,)), ((3, 8), (3,))]
    >>> generic = aug.init_params(config, "generic")
    >>> bool(np.array_equal(generic[0][0], aug.init_params(config, "generic")[0][0]))
    True
    """
    import jax

    init = config.init if init is None else init
    dims = (SIZE * SIZE,) + (config.width,) * config.depth + (config.classes,)
    with enable_x64(True):
        keys = jax.random.split(jax.random.key(config.seed), len(dims) - 1)
        params = []
        for i, key in enumerate(keys):
            gain = 2.0 if i < len(dims) - 2 else 1.0
            A = np.sqrt(gain / dims[i]) * np.asarray(
                jax.random.normal(key, (dims[i + 1], dims[i]), dtype=np.float64))
            params.append((A, np.zeros(dims[i + 1])))
    params = tuple(params)
    if init == "generic":
        return params
    projected = projected_params(params, layer_permutations.unchecked(config))
    equivariant = tuple((np.sqrt(config.N) * A, b) for A, b in projected)
    if init == "equivariant":
        return equivariant
    return tuple((E + PERTURBATION * (A - P), b)
                 for (E, b), (A, _), (P, _) in zip(equivariant, params, projected))


def forward(params, x):
    """Logits ``(n, classes)`` of the MLP for inputs ``x`` (n, 196): ReLU hidden layers,
    linear readout (numpy or JAX arrays; JAX ones, traced under ``jax.grad`` too, are used as
    given, numpy ones are checked first).

    Examples
    --------
    The logits of the four quarter turns of one digit: equal for the equivariant
    initialisation (group pooling in the readout), different for a generic one:

    >>> from ntkviz.experiments import augmentation as aug
    >>> config = aug.AugmentConfig(depth=1, blocks=2, classes=3)
    >>> x = aug.task_data(config).test_orbits[0]            # (4, 196)
    >>> for init in ("equivariant", "generic"):
    ...     logits = aug.forward(aug.init_params(config, init), x)
    ...     print(init, logits.shape, bool(np.allclose(logits, logits[0])))
    equivariant (4, 3) True
    generic (4, 3) False
    """
    if is_jax(x) or is_jax(params):
        return network(params, x)
    params = checked_layers(params)
    x = as_finite_array("x", x, ndim=2)
    if x.shape[1] != params[0][0].shape[1]:
        raise ValueError(f"x must have {params[0][0].shape[1]} columns (the first layer's input), "
                         f"got shape {x.shape}")
    return network(params, x)


def network(params, x):
    """``forward`` on clean values (numpy or JAX)."""
    xp = array_module(x)
    h = x
    for A, b in params[:-1]:
        h = xp.maximum(h @ A.T + b, 0.0)
    A, b = params[-1]
    return h @ A.T + b


@dataclasses.dataclass(frozen=True, eq=False)
class TaskData:
    """Training and test arrays of a config (float64 numpy): ``train_x`` (n, 196), ``train_y``
    (n,), ``train_orbits`` (n, N, 196) every transformed copy, ``test_x`` (m, 196) transformed
    test digits, ``test_y`` (m,), ``test_orbits`` (m, N, 196), ``test_g`` (m,) their group
    elements."""

    train_x: np.ndarray
    train_y: np.ndarray
    train_orbits: np.ndarray
    test_x: np.ndarray
    test_y: np.ndarray
    test_orbits: np.ndarray
    test_g: np.ndarray


@RUN_PARAMS.validated
def task_data(config: AugmentConfig) -> TaskData:
    """The digits of ``config`` (the package docstring, "Data"); cached.

    Examples
    --------
    Five training and four test digits of each of three classes; each test digit is one
    copy of its orbit:

    >>> from ntkviz.experiments import augmentation as aug
    >>> data = aug.task_data(aug.AugmentConfig(classes=3, n_train=5, n_test=4))
    >>> data.train_x.shape, data.train_orbits.shape, data.test_x.shape
    ((15, 196), (15, 4, 196), (12, 196))
    >>> bool(np.array_equal(data.test_x[0], data.test_orbits[0, data.test_g[0]]))
    True
    >>> round(float(np.mean(data.train_x ** 2)), 6)         # mean squared pixel 1
    1.0
    """
    return _task_data(config.action, config.N, config.classes, config.n_train, config.n_test,
                      config.data_seed)


@functools.lru_cache(maxsize=8)
def _task_data(action, N, classes, n_train, n_test, data_seed) -> TaskData:
    images, _ = datasets.load_mnist()
    rows = datasets.digits_per_class(n_train + n_test, data_seed, classes)
    x = SIZE * datasets.normalize(datasets.pool2(images[rows.ravel()].astype(np.float64)))
    x = x.reshape(classes, n_train + n_test, SIZE * SIZE)
    labels = np.repeat(np.arange(classes), n_train + n_test).reshape(classes, -1)
    P = pixel_permutations(action, N)
    train_x = x[:, :n_train].reshape(-1, SIZE * SIZE)
    test_up = x[:, n_train:].reshape(-1, SIZE * SIZE)
    g = np.random.default_rng(data_seed + 1).integers(0, N, size=len(test_up))
    test_orbits = test_up[:, P]                      # (m, N, 196): row g is ρ_0(g) x
    data = TaskData(train_x=train_x, train_y=labels[:, :n_train].ravel(),
                    train_orbits=train_x[:, P], test_x=test_orbits[np.arange(len(g)), g],
                    test_y=labels[:, n_train:].ravel(), test_orbits=test_orbits, test_g=g)
    for array in dataclasses.astuple(data):
        array.setflags(write=False)
    return data
