"""The group C_N acting on the network's layers by index permutations, and the projection Π_E
onto the equivariant subspace (the package docstring; docs/theory.md#the-equivariant-subspace)."""

from __future__ import annotations

import functools
import sys

import numpy as np

from ... import datasets
from ..._jax_compat import enable_x64
from ..._validate import as_finite_array
from ...params import Param, Params
from .config import RUN_PARAMS, SIZE, AugmentConfig

__all__ = ["MAX_BLOCKS", "input_permutations", "pixel_permutations", "regular_permutations",
           "layer_permutations", "project", "project_params", "projected_params",
           "layer_distances", "layer_distance", "checked_layers", "checked_params", "is_jax",
           "array_module"]

#: The most blocks of a regular representation (``(N, N·blocks)`` indices): far above any
#: network here (12 blocks), low enough that a mistyped count is refused before allocating.
MAX_BLOCKS = 4096

PARAMS = Params(Param("N", "int", 1, MAX_BLOCKS), Param("blocks", "int", 1, MAX_BLOCKS))


@functools.lru_cache(maxsize=16)
def pixel_permutations(action: str, N: int) -> np.ndarray:
    """``input_permutations`` on clean values (cached)."""
    index = np.arange(SIZE * SIZE, dtype=np.float64).reshape(SIZE, SIZE)
    perms = np.stack([datasets.transform(index, g, N, action).ravel() for g in range(N)])
    perms = perms.astype(np.int64)
    perms.setflags(write=False)
    return perms


def input_permutations(action: str = "rot90", N: int | None = None) -> np.ndarray:
    """ρ_0 as index arrays: ``(N, 196)`` ints with ``(ρ_0(g) x).ravel() = x.ravel()[P[g]]``.

    Row g is ``datasets.transform`` of the pixel-index image by the g-th group element, so the
    representation is exactly the package's group action on 14×14 images.

    Examples
    --------
    C4 on 14×14 images: indexing with ``P[1]`` is a quarter turn:

    >>> from ntkviz.experiments import augmentation as aug
    >>> P = aug.input_permutations("rot90")
    >>> P.shape
    (4, 196)
    >>> x = np.arange(196.0).reshape(14, 14)
    >>> bool(np.array_equal(x.ravel()[P[1]].reshape(14, 14), np.rot90(x)))
    True
    """
    config = AugmentConfig(action=action, N=N)
    return pixel_permutations(config.action, config.N)


@PARAMS.validated
@functools.lru_cache(maxsize=64)
def regular_permutations(N: int, blocks: int) -> np.ndarray:
    """The regular representation of C_N on ``blocks`` blocks: ``(N, N·blocks)`` ints,
    ``P[g][c·N + j] = c·N + (j − g) mod N`` (each block of N units permuted cyclically).

    Examples
    --------
    C4 on two blocks of four units: row g shifts each block cyclically by g:

    >>> from ntkviz.experiments import augmentation as aug
    >>> print(aug.regular_permutations(N=4, blocks=2))
    [[0 1 2 3 4 5 6 7]
     [3 0 1 2 7 4 5 6]
     [2 3 0 1 6 7 4 5]
     [1 2 3 0 5 6 7 4]]
    """
    j = np.arange(N)
    perms = np.stack([(np.arange(blocks)[:, None] * N + (j[None, :] - g) % N).ravel()
                      for g in range(N)]).astype(np.int64)
    perms.setflags(write=False)
    return perms


@RUN_PARAMS.validated
def layer_permutations(config: AugmentConfig) -> tuple[np.ndarray, ...]:
    """ρ_0, ρ_1, …, ρ_L of the network of ``config`` as index arrays ``(N, d_i)``: the pixel
    permutation, ``depth`` regular representations, the trivial one on the classes.

    Examples
    --------
    A network on quarter turns (C4) with two hidden layers of 3 blocks and 10 classes:

    >>> from ntkviz.experiments import augmentation as aug
    >>> perms = aug.layer_permutations(aug.AugmentConfig(depth=2, blocks=3))
    >>> [P.shape for P in perms]
    [(4, 196), (4, 12), (4, 12), (4, 10)]
    """
    hidden = regular_permutations.unchecked(config.N, config.blocks)
    trivial = np.tile(np.arange(config.classes), (config.N, 1))
    return (pixel_permutations(config.action, config.N),) + (hidden,) * config.depth + (trivial,)


# --------------------------------------------------------------------------- projection

def project(A, P_out, P_in=None):
    """Π_E of one weight matrix (or of a bias when ``P_in`` is None),
    docs/theory.md#the-equivariant-subspace.

    ``A``: (d_out, d_in) [or (d_out,)]; ``P_out``: ``(|G|, d_out)``, ``P_in``: ``(|G|, d_in)``
    index arrays of ρ_{i+1} and ρ_i. Returns ``(1/|G|) Σ_g ρ_{i+1}(g) A ρ_i(g)⁻¹``, computed as
    ``mean_g A[P_out[g]][:, P_in[g]]`` (numpy or JAX arrays alike; JAX ones unchecked).

    Examples
    --------
    Between two regular representations of C4 the equivariant maps are the circulant
    matrices; projecting twice changes nothing; an equivariant bias is constant on the block:

    >>> from ntkviz.experiments import augmentation as aug
    >>> P = aug.regular_permutations(N=4, blocks=1)
    >>> E = aug.project(np.random.default_rng(0).normal(size=(4, 4)), P, P)
    >>> bool(np.allclose(E, np.roll(E, 1, axis=(0, 1)))), bool(np.allclose(aug.project(E, P, P), E))
    (True, True)
    >>> print(aug.project(np.array([1.0, 2.0, 3.0, 6.0]), P))
    [3. 3. 3. 3.]
    """
    if not is_jax(A):
        A = as_finite_array("A", A, ndim=(1, 2) if P_in is None else 2)
        _check_perm("P_out", P_out, A.shape[0])
        if P_in is None and A.ndim != 1:
            raise ValueError(f"A must be a bias (d_out,) without P_in, got shape {A.shape}")
        if P_in is not None:
            _check_perm("P_in", P_in, A.shape[1], len(P_out))
    return _project(A, P_out, P_in)


def _project(A, P_out, P_in=None):
    # one gather of shape (|G|, d_out, d_in), then the mean: a single op for XLA to compile
    P_out = np.asarray(P_out)
    if P_in is None:
        return A[P_out].mean(axis=0)
    return A[P_out[:, :, None], np.asarray(P_in)[:, None, :]].mean(axis=0)


def project_params(params, perms):
    """Π_E of every layer: ``params`` is a sequence of ``(A_i, b_i)``, ``perms`` from
    ``layer_permutations``.

    Examples
    --------
    A generic draw, projected: every layer is then at distance zero from E (round-off):

    >>> from ntkviz.experiments import augmentation as aug
    >>> config = aug.AugmentConfig(depth=1, blocks=2, classes=3)
    >>> perms = aug.layer_permutations(config)
    >>> projected = aug.project_params(aug.init_params(config, "generic"), perms)
    >>> [A.shape for A, b in projected], bool(np.all(aug.layer_distances(projected, perms) < 1e-12))
    ([(8, 196), (3, 8)], True)
    """
    return projected_params(checked_params(params, perms), perms)


def projected_params(params, perms):
    """``project_params`` on clean values (numpy or JAX, as the training loop holds them)."""
    return tuple((_project(A, perms[i + 1], perms[i]), _project(b, perms[i + 1]))
                 for i, (A, b) in enumerate(params))


def layer_distances(params, perms) -> np.ndarray:
    """(L,) ‖(A_i, b_i) − Π_E(A_i, b_i)‖_F per layer, in float64.

    Examples
    --------
    The three initialisations: in E, far from it, and 1e-6 of the generic distance away:

    >>> from ntkviz.experiments import augmentation as aug
    >>> config = aug.AugmentConfig(depth=1, blocks=2, classes=3)
    >>> perms = aug.layer_permutations(config)
    >>> for init in ("equivariant", "generic", "perturbed"):
    ...     distances = aug.layer_distances(aug.init_params(config, init), perms)
    ...     print(init, [f"{d:.1e}" if d > 1e-12 else "0" for d in distances])
    equivariant ['0', '0']
    generic ['3.4e+00', '1.2e+00']
    perturbed ['3.4e-06', '1.2e-06']
    """
    params = checked_params(params, perms)
    with enable_x64(True):
        out = [layer_distance(np.asarray(A, np.float64), np.asarray(b, np.float64),
                              perms[i + 1], perms[i]) for i, (A, b) in enumerate(params)]
    return np.asarray(out, dtype=np.float64)


def layer_distance(A, b, P_out, P_in):
    """‖(A, b) − Π_E(A, b)‖_F of one layer (numpy or JAX arrays, unchecked)."""
    xp = array_module(A)
    dA = A - _project(A, P_out, P_in)
    db = b - _project(b, P_out)
    return xp.sqrt(xp.sum(dA * dA) + xp.sum(db * db))


# --------------------------------------------------------------------------- the boundary

def is_jax(value) -> bool:
    """Whether ``value`` (or the first array of a nested params sequence) is a JAX array."""
    jax = sys.modules.get("jax")
    while isinstance(value, (list, tuple)) and value:
        value = value[0]
    return jax is not None and isinstance(value, jax.Array)


def array_module(A):
    """numpy for numpy arrays, else ``jax.numpy``."""
    if isinstance(A, np.ndarray):
        return np
    import jax.numpy as jnp

    return jnp


def _check_perm(name: str, P, size: int, group: int | None = None) -> np.ndarray:
    """An index array (|G|, size) of permutations of range(size)."""
    try:
        P = np.asarray(P)
    except Exception as error:  # ragged lists
        raise TypeError(f"{name} must be an integer array (|G|, {size}), got {P!r:.60}") from error
    if P.dtype.kind not in "iu":
        raise TypeError(f"{name} must be an integer array (|G|, {size}), got dtype {P.dtype}")
    if P.ndim != 2 or P.shape[1] != size or not len(P) or (group is not None and len(P) != group):
        raise ValueError(f"{name} must have shape ({group or '|G|'}, {size}) to match A, "
                         f"got {P.shape}")
    if not np.array_equal(np.sort(P, axis=1), np.broadcast_to(np.arange(size), P.shape)):
        raise ValueError(f"{name} must hold permutations of range({size}) in each row")
    return P


def checked_layers(params, name: str = "params") -> tuple:
    """``params`` as numpy ``((A_i, b_i), …)`` with chained shapes, or the error naming it
    (``name``)."""
    if isinstance(params, (str, bytes, np.ndarray)) or not hasattr(params, "__iter__"):
        raise TypeError(f"{name} must be a sequence of (A, b) pairs, got {type(params).__name__}")
    out = []
    for i, pair in enumerate(params):
        if isinstance(pair, (str, bytes)) or not hasattr(pair, "__len__") or len(pair) != 2:
            raise TypeError(f"{name}[{i}] must be a pair (A, b), got {type(pair).__name__}")
        A = as_finite_array(f"{name}[{i}] A", pair[0], ndim=2)
        b = as_finite_array(f"{name}[{i}] b", pair[1], ndim=1)
        if b.shape[0] != A.shape[0] or (out and out[-1][0].shape[0] != A.shape[1]):
            raise ValueError(f"{name}[{i}] has shapes {A.shape}, {b.shape}: not a layer of the "
                             "chain")
        out.append((A, b))
    if not out:
        raise ValueError(f"{name} must hold at least one layer, got none")
    return tuple(out)


def _check_perms(perms, params: tuple) -> None:
    """``perms``: the ``len(params) + 1`` index arrays of the layers' representations."""
    if isinstance(perms, (str, bytes, np.ndarray)) or not hasattr(perms, "__len__") or \
            len(perms) != len(params) + 1:
        raise TypeError(f"perms must be the {len(params) + 1} index arrays of "
                        f"layer_permutations for the {len(params)} layers of params, got "
                        f"{type(perms).__name__}")
    group = None
    for i, size in enumerate([params[0][0].shape[1]] + [A.shape[0] for A, _ in params]):
        group = len(_check_perm(f"perms[{i}]", perms[i], size, group))


def checked_params(params, perms, name: str = "params") -> tuple:
    """``checked_layers(params)``, with ``perms`` checked to be their representations."""
    params = checked_layers(params, name)
    _check_perms(perms, params)
    return params
