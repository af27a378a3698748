"""Augmentation against equivariance: NOMINAL, AUGMENTED and EQUIVARIANT training of one small
MLP on MNIST, and the distance of each augmented layer from the equivariant subspace E (Equivariant
and augmented optimisation, arXiv 2303.13458; docs/theory.md#augmentation-and-equivariance).

**Group and representations.** A cyclic group C_N acts on 14×14 digits by a pixel permutation
ρ_0 (``datasets.transform``): ``"rot90"`` — quarter turns, N ∈ {2, 4} (C4 by default; 14 is
even, so no pixel is fixed and every pixel orbit has N elements); ``"shift"`` — cyclic shifts
along x by 14/N pixels, N | 14 (C7, shifts by 2 pixels, by default; N = 14 gives every 1-pixel
shift). Each hidden layer has ``blocks`` blocks of N units (width N·blocks); unit ``c·N + j``
is position j of block c, and C_N acts by the regular representation, ``(ρ(g)h)[c·N + j] =
h[c·N + (j − g) mod N]``, i.e. each block of N is permuted cyclically. The 10 logits carry the
trivial representation. Every ρ_i is a permutation, stored as an index array ``P[g]`` with
``ρ_i(g) v = v[P[g]]``; ReLU acts pointwise, so it commutes with every ρ_i.

**Projection** (docs/theory.md#the-equivariant-subspace). For a layer ``A : ℝ^{d_i} → ℝ^{d_{i+1}}``,
``Π_E(A) = (1/|G|) Σ_g ρ_{i+1}(g) A ρ_i(g)⁻¹``, entrywise ``Π_E(A)[a, b] =
mean_g A[P_{i+1}[g][a], P_i[g][b]]``: no dense |G| matrices. A bias transforms like the layer's
output, so equivariance of ``x ↦ A x + b`` means ``ρ_{i+1}(g) b = b`` for all g and its
projection is ``mean_g b[P_{i+1}[g]]``: a hidden bias becomes constant on each block (the
orbits of the regular representation), the readout bias (trivial representation) is free.
The group acts on the parameters by orthogonal permutations, so Π_E is idempotent and
self-adjoint in the Frobenius inner product (an orthogonal projection).

**Invariant readout (our choice).** The last layer maps the regular representation to the
trivial one. Π_E makes ``A_L[o, c·N + j]`` independent of j: an equivariant readout weighs the
*sum over each block of N units* (group pooling). Hence an EQUIVARIANT model is exactly
invariant, ``f(ρ_0(g) x) = f(x)``.

**Strategies.** NOMINAL: cross-entropy on the upright training digits. AUGMENTED: for each
digit the cross-entropy averaged over its whole orbit (all N transformed copies, every step).
EQUIVARIANT: the nominal loss with every layer kept in E (the gradient is projected, which is
gradient descent on E itself). The optimiser is **plain minibatch gradient descent** (no
momentum, no weight decay) for every claim here: for A ∈ E the augmented gradient equals
Π_E ∇R(A) (Prop. 1 of arXiv 2303.13458, true batch by batch), so E is invariant under augmented
descent from an equivariant start, and AUGMENTED from that start follows the EQUIVARIANT
trajectory up to round-off. (Adam normalises elementwise; that does not commute with Π_E for
general representations. For the permutation representations used here E is the set of
parameters constant on index orbits, which elementwise maps happen to preserve, but the claims
are stated, and tested, for gradient descent only.)

**From a generic start** E is not invariant and the distance is not bound to shrink. For a
linear classifier (``depth=0``) the augmented risk R_aug is convex and invariant under the group
acting on the parameters, so ``R_aug(Π_E A) ≤ mean_g R_aug(g·A) = R_aug(A)`` and convexity gives
``⟨∇R_aug(A), A − Π_E A⟩ ≥ R_aug(A) − R_aug(Π_E A) ≥ 0``: along gradient flow (and small enough
steps) ‖A − Π_E A‖ never increases — the model drifts toward E — but the components of A − Π_E A
that the data never see (orthogonal to every augmented input) do not move, so it does not reach
E. For the MLPs with hidden layers (non-convex) nothing forces this: with these settings the
distance of the hidden layers dips briefly and then *grows* with the weights (the relative
distance ‖A − Π_E A‖/‖A‖ stays near its initial ≈ 0.86) even though the network becomes
nearly invariant on the data. Both are measured (``tests/test_augmentation.py``).

**Invariant, but not attracting.** E is invariant under augmented descent, but it need not be
stable (arXiv 2303.13458, Prop. 3: equivariant points can be unstable for AUGMENTED while
stable for EQUIVARIANT). The ``"perturbed"`` initialisation starts at the equivariant one plus
``PERTURBATION`` (1e-6) times the E⊥ part of the generic draw: for the MLP the distance from E
grows by orders of magnitude during training (the perturbation is amplified), for the linear
classifier it shrinks (the convex argument above).

**Initialisations.** ``"generic"``: He-normal weights (variance 2/d_in, readout 1/d_in), zero
biases. ``"equivariant"``: √|G| · Π_E of the generic draw (every index orbit has exactly |G|
elements, so the √|G| keeps each entry's variance); zero biases are in E. ``"perturbed"``:
``equivariant + PERTURBATION · (generic − Π_E generic)`` (distance from E ≈ 1e-6 · ‖generic‖).
The EQUIVARIANT strategy always starts from the equivariant initialisation.

**Data.** ``n_train`` digits per class (classes 0..classes−1) and ``n_test`` further digits per
class from the bundled test set (``datasets.digits_per_class``, seed ``data_seed``), 2×2
mean-pooled to 14×14 (``datasets.pool2``), centred and unit-normed (``datasets.normalize``) and
multiplied by 14 (mean squared pixel 1). Each test digit is transformed by a random group
element (``default_rng(data_seed + 1)``): *rotated test accuracy* (shifted, for shifts).

**Precision.** Everything runs in float64 under ``jax.enable_x64`` inside these functions (the
user's global JAX configuration is untouched), so "distance stays at round-off" means ~1e-15
relative, not float32's 1e-7. Training is a jitted ``lax.scan`` over the minibatches of one
epoch; after every epoch the loss, the test accuracy and the per-layer distances are recorded
(and streamed to a callback).
"""

from __future__ import annotations

import dataclasses
import functools
import sys
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Callable

import numpy as np

from .. import datasets
from .._jax_compat import stable_random
from .._validate import (
    as_finite_array,
    check_choice,
    check_int,
    check_path,
    check_real,
    check_sequence,
)
from ..kernels._x64 import enable_x64, float64
from ._common import open_npz

__all__ = [
    "ACTIONS",
    "STRATEGIES",
    "INITS",
    "AugmentConfig",
    "AugmentationRun",
    "input_permutations",
    "regular_permutations",
    "layer_permutations",
    "project",
    "project_params",
    "layer_distances",
    "init_params",
    "forward",
    "task_data",
    "train",
    "parameter_path",
    "warm_up",
    "cached_run",
    "default_runs",
    "precompute",
    "save_runs",
    "load_precomputed",
    "precomputed_path",
]

ACTIONS = ("rot90", "shift")
STRATEGIES = ("nominal", "augmented", "equivariant")
INITS = ("equivariant", "generic", "perturbed")
#: Size of the step out of E of the ``"perturbed"`` initialisation (relative to a generic draw).
PERTURBATION = 1e-6
SIZE = 14
#: Default group order per action (C4 quarter turns, C7 shifts by 2 pixels).
DEFAULT_N = {"rot90": 4, "shift": 7}


@dataclasses.dataclass(frozen=True)
class AugmentConfig:
    """One training run (hashable: the cache key; every field is validated on construction).

    ``action``: ``"rot90"`` (N ∈ {2, 4}) | ``"shift"`` (N | 14); ``N``: group order (None: 4 for
    rot90, 7 for shift); ``strategy``: ``"nominal"`` | ``"augmented"`` | ``"equivariant"``;
    ``init``: ``"equivariant"`` | ``"generic"`` | ``"perturbed"`` (ignored by the equivariant
    strategy, which
    always starts in E: stored as ``"equivariant"``); ``learning_rate``: GD step > 0;
    ``epochs``: passes over the training digits; ``blocks``: regular-representation blocks per
    hidden layer (width N·blocks); ``depth``: hidden layers; ``classes``: digit classes 0..;
    ``n_train``/``n_test``: digits per class; ``batch_size``: digits per step (clipped to the
    training set; the incomplete last batch is dropped); ``seed``: initialisation and batch
    order; ``data_seed``: which digits and the test transformations.
    """

    action: str = "rot90"
    N: int | None = None
    strategy: str = "augmented"
    init: str = "equivariant"
    learning_rate: float = 0.1
    epochs: int = 60
    blocks: int = 12
    depth: int = 2
    classes: int = 10
    n_train: int = 50
    n_test: int = 30
    batch_size: int = 100
    seed: int = 0
    data_seed: int = 0

    def __post_init__(self):
        set_ = functools.partial(object.__setattr__, self)
        check_choice("action", self.action, ACTIONS)
        N = DEFAULT_N[self.action] if self.N is None else check_int("N", self.N, minimum=2)
        if self.action == "rot90" and N not in (2, 4):
            raise ValueError(f"N must be 2 or 4 for action 'rot90' (quarter turns), got {N}")
        if self.action == "shift" and SIZE % N:
            raise ValueError(f"N must divide the image width {SIZE} for action 'shift' "
                             f"(allowed: 2, 7, 14), got {N}")
        set_("N", N)
        check_choice("strategy", self.strategy, STRATEGIES)
        check_choice("init", self.init, INITS)
        if self.strategy == "equivariant":
            set_("init", "equivariant")
        set_("learning_rate", check_real("learning_rate", self.learning_rate, minimum=0.0,
                                         maximum=100.0, strict_minimum=True))
        set_("epochs", check_int("epochs", self.epochs, minimum=1, maximum=10_000))
        set_("blocks", check_int("blocks", self.blocks, minimum=1, maximum=256))
        set_("depth", check_int("depth", self.depth, minimum=0, maximum=6))
        set_("classes", check_int("classes", self.classes, minimum=2, maximum=10))
        set_("n_train", check_int("n_train", self.n_train, minimum=1))
        set_("n_test", check_int("n_test", self.n_test, minimum=1))
        if self.n_train + self.n_test > 892:  # the smallest class of the bundled test set (5)
            raise ValueError(f"n_train + n_test must be at most 892 (the smallest class), got "
                             f"{self.n_train + self.n_test}")
        set_("batch_size", min(check_int("batch_size", self.batch_size, minimum=1),
                               self.classes * self.n_train))
        set_("seed", check_int("seed", self.seed, minimum=0))
        set_("data_seed", check_int("data_seed", self.data_seed, minimum=0))

    @property
    def width(self) -> int:
        """Hidden width N·blocks."""
        return self.N * self.blocks

    @property
    def steps_per_epoch(self) -> int:
        return (self.classes * self.n_train) // self.batch_size

    def replace(self, **changes) -> "AugmentConfig":
        if "action" in changes and "N" not in changes:
            changes["N"] = None
        return dataclasses.replace(self, **changes)


@dataclasses.dataclass(frozen=True, eq=False)
class AugmentationRun:
    """The record of one run, one row per checkpoint (epoch 0 = initialisation).

    ``epochs``: (T,) epoch of each checkpoint; ``loss``: (T,) the strategy's own objective on
    the whole training set (nominal cross-entropy, or orbit-averaged for AUGMENTED);
    ``orbit_loss``: (T,) orbit-averaged cross-entropy for every strategy (comparable across
    strategies); ``accuracy``: (T,) accuracy on the transformed test digits; ``distance``:
    (T, L) ‖(A_i, b_i) − Π_E(A_i, b_i)‖ per layer (Frobenius over weights and bias);
    ``norm``: (T, L) ‖(A_i, b_i)‖; ``invariance``: (T,) max over test digits and group
    elements of |f(ρ_0(g)x) − f(x)| (logits); ``complete``: all epochs done.
    """

    config: AugmentConfig
    epochs: np.ndarray
    loss: np.ndarray
    orbit_loss: np.ndarray
    accuracy: np.ndarray
    distance: np.ndarray
    norm: np.ndarray
    invariance: np.ndarray
    complete: bool = True

    @property
    def relative_distance(self) -> np.ndarray:
        """(T, L) ‖A − Π_E A‖ / ‖A‖ per layer."""
        return self.distance / np.where(self.norm > 0, self.norm, 1.0)

    @property
    def final_accuracy(self) -> float:
        return float(self.accuracy[-1])

    @property
    def final_loss(self) -> float:
        return float(self.loss[-1])

    @property
    def final_distance(self) -> float:
        """Largest per-layer distance from E at the last checkpoint."""
        return float(self.distance[-1].max())


# --------------------------------------------------------------------------- representations

@functools.lru_cache(maxsize=16)
def _input_permutations(action: str, N: int) -> np.ndarray:
    index = np.arange(SIZE * SIZE, dtype=np.float64).reshape(SIZE, SIZE)
    perms = np.stack([datasets.transform(index, g, N, action).ravel() for g in range(N)])
    perms = perms.astype(np.int64)
    perms.setflags(write=False)
    return perms


def input_permutations(action: str = "rot90", N: int | None = None) -> np.ndarray:
    """ρ_0 as index arrays: ``(N, 196)`` ints with ``(ρ_0(g) x).ravel() = x.ravel()[P[g]]``.

    Row g is ``datasets.transform`` of the pixel-index image by the g-th group element, so the
    representation is exactly the package's group action on 14×14 images.
    """
    config = AugmentConfig(action=action, N=N)
    return _input_permutations(config.action, config.N)


#: The most blocks of a regular representation (``(N, N·blocks)`` indices): far above any
#: network here (12 blocks), low enough that a mistyped count is refused before allocating.
MAX_BLOCKS = 4096


def _check_names(name: str, values, allowed: tuple) -> tuple:
    """A non-empty sequence (or one string) of entries of ``allowed``."""
    values = (values,) if isinstance(values, str) else values
    return check_sequence(name, values, lambda v: check_choice(name, v, allowed))


def _check_config(config) -> "AugmentConfig":
    if not isinstance(config, AugmentConfig):
        raise TypeError(f"config must be an AugmentConfig, got {type(config).__name__}")
    return config


def regular_permutations(N: int, blocks: int) -> np.ndarray:
    """The regular representation of C_N on ``blocks`` blocks: ``(N, N·blocks)`` ints,
    ``P[g][c·N + j] = c·N + (j − g) mod N`` (each block of N units permuted cyclically)."""
    N = check_int("N", N, minimum=1, maximum=MAX_BLOCKS)
    blocks = check_int("blocks", blocks, minimum=1, maximum=MAX_BLOCKS)
    return _regular_permutations(N, blocks)


@functools.lru_cache(maxsize=64)
def _regular_permutations(N: int, blocks: int) -> np.ndarray:
    """``regular_permutations`` on checked ints (cached after validation, so unhashable
    arguments get the named error, not lru_cache's)."""
    j = np.arange(N)
    perms = np.stack([(np.arange(blocks)[:, None] * N + (j[None, :] - g) % N).ravel()
                      for g in range(N)]).astype(np.int64)
    perms.setflags(write=False)
    return perms


def layer_permutations(config: AugmentConfig) -> tuple[np.ndarray, ...]:
    """ρ_0, ρ_1, …, ρ_L of the network of ``config`` as index arrays ``(N, d_i)``: the pixel
    permutation, ``depth`` regular representations, the trivial one on the classes."""
    config = _check_config(config)
    hidden = regular_permutations(config.N, config.blocks)
    trivial = np.tile(np.arange(config.classes), (config.N, 1))
    return (input_permutations(config.action, config.N),) + (hidden,) * config.depth + (trivial,)


def project(A, P_out, P_in=None):
    """Π_E of one weight matrix (or of a bias when ``P_in`` is None),
    docs/theory.md#the-equivariant-subspace.

    ``A``: (d_out, d_in) [or (d_out,)]; ``P_out``: (|G|, d_out), ``P_in``: (|G|, d_in) index
    arrays of ρ_{i+1} and ρ_i. Returns ``(1/|G|) Σ_g ρ_{i+1}(g) A ρ_i(g)⁻¹``, computed as
    ``mean_g A[P_out[g]][:, P_in[g]]`` (numpy or JAX arrays alike).
    """
    if _is_jax(A):  # traced or device arrays: used as given
        return _project(A, P_out, P_in)
    A = as_finite_array("A", A, ndim=(1, 2))
    P_out = _check_perm("P_out", P_out, A.shape[0])
    if P_in is not None:
        if A.ndim != 2:
            raise ValueError(f"A must be a (d_out, d_in) matrix when P_in is given, got shape {A.shape}")
        P_in = _check_perm("P_in", P_in, A.shape[1], len(P_out))
    elif A.ndim != 1:
        raise ValueError(f"A must be a bias (d_out,) without P_in, got shape {A.shape}")
    return _project(A, P_out, P_in)


def _is_jax(value) -> bool:
    """Whether ``value`` (or the first array of a nested params sequence) is a JAX array."""
    jax = sys.modules.get("jax")
    while isinstance(value, (list, tuple)) and value:
        value = value[0]
    return jax is not None and isinstance(value, jax.Array)


def _check_perm(name: str, P, size: int, group: int | None = None) -> np.ndarray:
    """An index array (|G|, size) of permutations of range(size)."""
    try:
        P = np.asarray(P)
    except Exception as error:  # ragged lists
        raise TypeError(f"{name} must be an integer array (|G|, {size}), got {P!r:.60}") from error
    if P.dtype.kind not in "iu":
        raise TypeError(f"{name} must be an integer array (|G|, {size}), got dtype {P.dtype}")
    if P.ndim != 2 or P.shape[1] != size or not len(P) or (group is not None and len(P) != group):
        want = f"({group or '|G|'}, {size})"
        raise ValueError(f"{name} must have shape {want} to match A, got {P.shape}")
    if not np.array_equal(np.sort(P, axis=1), np.broadcast_to(np.arange(size), P.shape)):
        raise ValueError(f"{name} must hold permutations of range({size}) in each row")
    return P


_NO_PERMS = object()


def _check_layers(params, perms=_NO_PERMS) -> tuple:
    """``params`` as numpy ``((A_i, b_i), …)`` (chained shapes), checked against ``perms``."""
    if isinstance(params, (str, bytes, np.ndarray)) or not hasattr(params, "__iter__"):
        raise TypeError(f"params must be a sequence of (A, b) pairs, got {type(params).__name__}")
    layers = []
    for i, pair in enumerate(params):
        if isinstance(pair, (str, bytes)) or not hasattr(pair, "__len__") or len(pair) != 2:
            raise TypeError(f"params[{i}] must be a pair (A, b), got {type(pair).__name__}")
        A = as_finite_array(f"params[{i}] A", pair[0], ndim=2)
        b = as_finite_array(f"params[{i}] b", pair[1], ndim=1)
        if b.shape[0] != A.shape[0] or (layers and layers[-1][0].shape[0] != A.shape[1]):
            raise ValueError(f"params[{i}] has shapes {A.shape}, {b.shape}: not a layer of the chain")
        layers.append((A, b))
    if not layers:
        raise ValueError("params must hold at least one layer, got none")
    if perms is not _NO_PERMS:
        if isinstance(perms, (str, bytes, np.ndarray)) or not hasattr(perms, "__len__") or \
                len(perms) != len(layers) + 1:
            raise TypeError(f"perms must be the {len(layers) + 1} index arrays of "
                            f"layer_permutations for the {len(layers)} layers of params, got "
                            f"{type(perms).__name__} of length {len(perms) if hasattr(perms, '__len__') else '?'}")
        sizes = [layers[0][0].shape[1]] + [A.shape[0] for A, _ in layers]
        group = None
        for i, (P, size) in enumerate(zip(perms, sizes)):
            group = len(_check_perm(f"perms[{i}]", P, size, group))
    return tuple(layers)


def _project(A, P_out, P_in=None):
    # one gather of shape (|G|, d_out, d_in), then the mean: a single op for XLA to compile
    P_out = np.asarray(P_out)
    if P_in is None:
        return A[P_out].mean(axis=0)
    return A[P_out[:, :, None], np.asarray(P_in)[:, None, :]].mean(axis=0)


def _array_module(A):
    if isinstance(A, np.ndarray):
        return np
    import jax.numpy as jnp

    return jnp


def project_params(params, perms):
    """Π_E of every layer: ``params`` is a sequence of ``(A_i, b_i)``, ``perms`` from
    ``layer_permutations``."""
    return _project_params(_check_layers(params, perms), perms)


def _project_params(params, perms):
    return tuple((_project(A, perms[i + 1], perms[i]), _project(b, perms[i + 1]))
                 for i, (A, b) in enumerate(params))


def layer_distances(params, perms) -> np.ndarray:
    """(L,) ‖(A_i, b_i) − Π_E(A_i, b_i)‖_F per layer, in float64."""
    return _layer_distances(_check_layers(params, perms), perms)


def _layer_distances(params, perms) -> np.ndarray:
    with _x64():
        out = [_layer_distance(np.asarray(A, np.float64), np.asarray(b, np.float64), perms[i + 1],
                               perms[i]) for i, (A, b) in enumerate(params)]
    return np.asarray(out, dtype=np.float64)


def _layer_distance(A, b, P_out, P_in):
    xp = _array_module(A)
    dA = A - _project(A, P_out, P_in)
    db = b - _project(b, P_out)
    return xp.sqrt(xp.sum(dA * dA) + xp.sum(db * db))


def _x64():
    return enable_x64(True)


# --------------------------------------------------------------------------- the network

@stable_random()
@float64
def init_params(config: AugmentConfig, init: str | None = None) -> tuple:
    """Initial ``((A_1, b_1), …, (A_{L+1}, b_{L+1}))`` as float64 numpy arrays (see the module
    docstring: He-normal; √|G|·Π_E of it for ``"equivariant"``; that plus ``PERTURBATION``
    times the generic draw's E⊥ part for ``"perturbed"``). Deterministic in ``config.seed``."""
    import jax

    config = _check_config(config)
    init = config.init if init is None else check_choice("init", init, INITS)
    dims = (SIZE * SIZE,) + (config.width,) * config.depth + (config.classes,)
    keys = jax.random.split(jax.random.key(config.seed), len(dims) - 1)
    params = []
    for i, key in enumerate(keys):
        fan_in = dims[i]
        gain = 2.0 if i < len(dims) - 2 else 1.0
        A = np.sqrt(gain / fan_in) * np.asarray(
            jax.random.normal(key, (dims[i + 1], fan_in), dtype=np.float64))
        params.append((A, np.zeros(dims[i + 1])))
    params = tuple(params)
    if init != "generic":
        perms = layer_permutations(config)
        projected = _project_params(params, perms)
        equivariant = tuple((np.sqrt(config.N) * A, b) for A, b in projected)
        if init == "perturbed":
            return tuple((E + PERTURBATION * (A - P), b)
                         for (E, b), (A, _), (P, _) in zip(equivariant, params, projected))
        params = equivariant
    return params


def forward(params, x):
    """Logits ``(n, classes)`` of the MLP for inputs ``x`` (n, 196): ReLU hidden layers,
    linear readout (numpy or JAX arrays; JAX ones, traced under ``jax.grad`` too, are used as
    given, numpy ones are checked first)."""
    if _is_jax(x) or _is_jax(params):
        return _forward(params, x)
    params = _check_layers(params)
    x = as_finite_array("x", x, ndim=2)
    if x.shape[1] != params[0][0].shape[1]:
        raise ValueError(f"x must have {params[0][0].shape[1]} columns (the first layer's input), "
                         f"got shape {x.shape}")
    return _forward(params, x)


def _forward(params, x):
    xp = _array_module(x)
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


def task_data(config: AugmentConfig) -> TaskData:
    """The digits of ``config`` (see the module docstring, "Data"); cached."""
    config = _check_config(config)
    return _task_data(config.action, config.N, config.classes, config.n_train, config.n_test,
                      config.data_seed)


@functools.lru_cache(maxsize=8)
def _task_data(action, N, classes, n_train, n_test, data_seed) -> TaskData:
    images, _ = datasets.load_mnist()
    rows = datasets.digits_per_class(n_train + n_test, data_seed, classes)
    x = SIZE * datasets.normalize(datasets.pool2(images[rows.ravel()].astype(np.float64)))
    x = x.reshape(classes, n_train + n_test, SIZE * SIZE)
    labels = np.repeat(np.arange(classes), n_train + n_test).reshape(classes, -1)
    P = _input_permutations(action, N)
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


# --------------------------------------------------------------------------- training

def _cross_entropy(logits, y):
    import jax
    import jax.numpy as jnp

    return -jnp.mean(jnp.take_along_axis(jax.nn.log_softmax(logits), y[:, None], axis=1))


@functools.lru_cache(maxsize=32)
def _compiled(strategy: str, action: str, N: int, blocks: int, depth: int, classes: int,
              n_train: int, batch_size: int):
    """(epoch, metrics): jitted functions for one strategy and shape (learning rate traced)."""
    import jax
    import jax.numpy as jnp

    config = AugmentConfig(action=action, N=N, blocks=blocks, depth=depth, classes=classes,
                           batch_size=batch_size)
    perms = tuple(jnp.asarray(p) for p in layer_permutations(config))
    steps = (classes * n_train) // batch_size

    def nominal(params, x, y):
        return _cross_entropy(_forward(params, x), y)

    def augmented(params, orbits, y):
        n, N_, d = orbits.shape
        return _cross_entropy(_forward(params, orbits.reshape(n * N_, d)), jnp.repeat(y, N_))

    def gradient(params, x, orbits, y):
        if strategy == "augmented":
            return jax.grad(augmented)(params, orbits, y)
        grads = jax.grad(nominal)(params, x, y)
        if strategy == "equivariant":
            grads = _project_params(grads, perms)
        return grads

    def epoch(params, key, lr, x, orbits, y):
        order = jax.random.permutation(key, x.shape[0])[: steps * batch_size].reshape(steps, -1)

        def step(params, idx):
            grads = gradient(params, x[idx], orbits[idx], y[idx])
            return jax.tree_util.tree_map(lambda p, g: p - lr * g, params, grads), None

        params, _ = jax.lax.scan(step, params, order)
        return params

    def metrics(params, x, orbits, y, test_x, test_orbits, test_y):
        loss = augmented(params, orbits, y) if strategy == "augmented" else nominal(params, x, y)
        hits = jnp.argmax(_forward(params, test_x), axis=1) == test_y
        accuracy = jnp.mean(hits.astype(jnp.float64))
        m, N_, d = test_orbits.shape
        logits = _forward(params, test_orbits.reshape(m * N_, d)).reshape(m, N_, -1)
        invariance = jnp.max(jnp.abs(logits - logits[:, :1]))
        distance = jnp.stack([_layer_distance(A, b, perms[i + 1], perms[i])
                              for i, (A, b) in enumerate(params)])
        norm = jnp.stack([jnp.sqrt(jnp.sum(A * A) + jnp.sum(b * b)) for A, b in params])
        return loss, augmented(params, orbits, y), accuracy, distance, norm, invariance

    return jax.jit(epoch), jax.jit(metrics)


_RUNS: dict[AugmentConfig, AugmentationRun] = {}
_RUNS_LOCK = threading.Lock()
_MAX_RUNS = 256


def cached_run(config: AugmentConfig) -> AugmentationRun | None:
    """The finished run of ``config`` if it was trained (or shipped) in this process, else None."""
    config = _check_config(config)
    with _RUNS_LOCK:
        run = _RUNS.get(config)
    if run is None and config in _precomputed_configs():
        run = load_precomputed().get(config)
    return run


def _remember(run: AugmentationRun) -> None:
    with _RUNS_LOCK:
        if len(_RUNS) >= _MAX_RUNS:
            _RUNS.pop(next(iter(_RUNS)))
        _RUNS[run.config] = run


def train(config: AugmentConfig | None = None, *,
          callback: Callable[[AugmentationRun], object] | None = None,
          stop: Callable[[], bool] | None = None, progress: bool = False,
          **changes) -> AugmentationRun:
    """Train one run and record it after every epoch (float64, plain minibatch GD).

    ``config`` (default ``AugmentConfig()``), updated by ``changes``. ``callback(run)`` gets the
    partial record (``complete=False``) after every epoch, so an explorer can draw as it goes;
    ``stop()`` returning True ends the run early (the partial run is returned, not cached);
    ``progress=True`` shows a ``tqdm.auto`` bar over the epochs.
    Finished runs are cached by config (a dict, not ``lru_cache``, because of the callback):
    a second call returns at once (and calls ``callback`` once with the whole run).
    """
    config = AugmentConfig() if config is None else config
    if not isinstance(config, AugmentConfig):
        raise TypeError(f"config must be an AugmentConfig, got {type(config).__name__}")
    for name, value in (("callback", callback), ("stop", stop)):
        if value is not None and not callable(value):
            raise TypeError(f"{name} must be None or a callable, got {type(value).__name__}")
    if changes:
        config = config.replace(**changes)
    run = cached_run(config)
    if run is None and progress:
        from tqdm.auto import tqdm

        with tqdm(total=config.epochs, desc=f"{config.strategy}, {config.init} init") as bar:
            def report(partial):
                bar.update(int(partial.epochs[-1]) - bar.n)
                if callback is not None:
                    callback(partial)

            run = _train(config, report, stop)
        if run.complete:
            _remember(run)
    elif run is None:
        run = _train(config, callback, stop)
        if run.complete:
            _remember(run)
    elif callback is not None:
        callback(run)
    return run


def _prepare(config):
    """The compiled functions, initial parameters and device arrays of a run (under x64)."""
    import jax
    import jax.numpy as jnp

    data = task_data(config)
    epoch, metrics = _compiled(config.strategy, config.action, config.N, config.blocks,
                               config.depth, config.classes, config.n_train, config.batch_size)
    params = jax.tree_util.tree_map(jnp.asarray, init_params(config))
    arrays = [jnp.asarray(a) for a in (data.train_x, data.train_orbits, data.train_y)]
    tests = [jnp.asarray(a) for a in (data.test_x, data.test_orbits, data.test_y)]
    return epoch, metrics, params, arrays, tests


def warm_up(config: AugmentConfig | None = None, strategies=STRATEGIES) -> None:
    """Compile the jitted epoch and metrics of ``config``'s network shape for each strategy
    (one epoch with learning rate 0, results discarded), so a later ``train`` of that shape
    starts at once. Explorers call this in a background thread."""
    config = AugmentConfig() if config is None else _check_config(config)
    strategies = check_sequence("strategies", (strategies,) if isinstance(strategies, str)
                                else strategies, lambda v: check_choice("strategy", v, STRATEGIES))
    for strategy in strategies:
        _warm(config.replace(strategy=strategy))


@stable_random()
@float64
def _warm(config) -> None:
    import jax

    epoch, metrics, params, arrays, tests = _prepare(config)
    # the same argument types as ``_train`` (a float64 array learning rate), or jit recompiles
    zero = jax.numpy.asarray(0.0, dtype=jax.numpy.float64)
    params = epoch(params, jax.random.split(jax.random.key(0), 1)[0], zero, *arrays)
    jax.block_until_ready(metrics(params, *arrays, *tests))


@stable_random()
@float64
def _train(config, callback, stop) -> AugmentationRun:
    import jax.numpy as jnp

    epoch, metrics, params, arrays, tests = _prepare(config)
    lr = jnp.asarray(config.learning_rate, dtype=jnp.float64)
    keys = _epoch_keys(config)
    rows = [metrics(params, *arrays, *tests)]
    done = 0
    for e in range(config.epochs):
        if stop is not None and stop():
            break
        params = epoch(params, keys[e], lr, *arrays)
        rows.append(metrics(params, *arrays, *tests))
        done = e + 1
        if callback is not None:
            callback(_record(config, rows, done == config.epochs))
    return _record(config, rows, done == config.epochs)


def _epoch_keys(config):
    """The batch-order key of every epoch (``train`` and ``parameter_path`` share them)."""
    import jax

    return jax.random.split(jax.random.key(config.seed + 1_000_003), config.epochs)


def parameter_path(config: AugmentConfig, start=None) -> list[tuple]:
    """The parameters ``((A_1, b_1), …)`` (numpy float64) at the start and after every epoch of
    ``config``'s run: the same steps as ``train`` (same batches, same arithmetic), from
    ``init_params(config)`` or, if given, from ``start`` (parameters of the same shapes, e.g. a
    point reached by another run plus a perturbation). Not cached."""
    config = _check_config(config)
    if start is not None:
        layers = _check_layers(start)
        if len(layers) != config.depth + 1:
            raise ValueError(f"start must hold the {config.depth + 1} layers of config's network, "
                             f"got {len(layers)}")
        start = _check_layers(layers, layer_permutations(config))
    return _parameter_path(config, start)


@stable_random()
@float64
def _parameter_path(config, start) -> list[tuple]:
    import jax
    import jax.numpy as jnp

    epoch, _, params, arrays, _ = _prepare(config)
    if start is not None:
        params = jax.tree_util.tree_map(jnp.asarray, start)
    lr = jnp.asarray(config.learning_rate, dtype=jnp.float64)
    path = [params]
    for key in _epoch_keys(config):
        params = epoch(params, key, lr, *arrays)
        path.append(params)
    return [tuple((np.asarray(A, dtype=np.float64), np.asarray(b, dtype=np.float64))
                  for A, b in p) for p in path]


def _record(config, rows, complete) -> AugmentationRun:
    columns = [np.asarray([np.asarray(r[k]) for r in rows], dtype=np.float64) for k in range(6)]
    return AugmentationRun(config=config, epochs=np.arange(len(rows), dtype=np.float64),
                           loss=columns[0], orbit_loss=columns[1], accuracy=columns[2],
                           distance=columns[3], norm=columns[4], invariance=columns[5],
                           complete=complete)


# --------------------------------------------------------------------------- shipped runs

def default_runs(action: str = "rot90", **changes) -> tuple[AugmentConfig, ...]:
    """The seven runs an explorer compares: NOMINAL and AUGMENTED from each initialisation
    (generic, equivariant, perturbed) and EQUIVARIANT, all with the same seeds and settings."""
    base = AugmentConfig(action=action)
    base = base.replace(**changes) if changes else base
    return tuple(base.replace(strategy=s, init=i)
                 for s, i in (("nominal", "generic"), ("nominal", "equivariant"),
                              ("nominal", "perturbed"), ("augmented", "generic"),
                              ("augmented", "equivariant"), ("augmented", "perturbed"),
                              ("equivariant", "equivariant")))


#: Depths whose default runs are shipped (the linear classifier and the default MLP).
PRECOMPUTED_DEPTHS = (0, 2)


def precompute(actions=ACTIONS, depths=PRECOMPUTED_DEPTHS,
               progress: Callable[[int, int], object] | None = None) -> tuple[AugmentationRun, ...]:
    """Train the ``default_runs`` of every action and depth (``data/results/augmentation.npz``)."""
    actions = _check_names("actions", actions, ACTIONS)
    depths = check_sequence("depths", depths, lambda d: check_int("depths", d, minimum=0, maximum=6))  # AugmentConfig.depth
    if not (progress is None or callable(progress)):
        raise TypeError(f"progress must be None or a callable(done, total), got {progress!r}")
    configs = [c for a in actions for d in depths for c in default_runs(a, depth=d)]
    runs = []
    for i, config in enumerate(configs):
        runs.append(train(config))
        if progress is not None:
            progress(i + 1, len(configs))
    return tuple(runs)


_FIELDS = ("epochs", "loss", "orbit_loss", "accuracy", "distance", "norm", "invariance")


def save_runs(runs, path) -> Path:
    """Write finished runs (with their configurations) to an ``.npz``; returns the path."""
    if isinstance(runs, (str, bytes, Mapping)) or not hasattr(runs, "__iter__"):
        raise TypeError(f"runs must be a sequence of AugmentationRun, got {type(runs).__name__}")
    runs = list(runs)
    if not all(isinstance(run, AugmentationRun) for run in runs):
        raise TypeError("runs must hold AugmentationRun values only")
    if not runs:
        raise ValueError("runs must hold at least one AugmentationRun, got an empty sequence "
                         "(an empty results file could not be told from a failed run)")
    path = check_path("path", path)
    path.parent.mkdir(parents=True, exist_ok=True)
    arrays = {}
    for i, run in enumerate(runs):
        for key, value in dataclasses.asdict(run.config).items():
            arrays[f"{i}/config/{key}"] = np.asarray(value)
        for field in _FIELDS:
            arrays[f"{i}/{field}"] = getattr(run, field)
    np.savez_compressed(path, count=len(runs), **arrays)
    return path


def precomputed_path() -> Path:
    """The bundled results file (``data/results/augmentation.npz``)."""
    return datasets.bundled_data_dir() / "results" / "augmentation.npz"


@functools.lru_cache(maxsize=4)
def _load(path: str) -> dict:
    runs = {}
    with open_npz(path) as f:
        for i in range(int(f["count"])):
            values = {}
            for field in dataclasses.fields(AugmentConfig):
                value = f[f"{i}/config/{field.name}"].item()
                values[field.name] = value
            config = AugmentConfig(**values)
            fields = {k: np.array(f[f"{i}/{k}"], dtype=np.float64) for k in _FIELDS}
            runs[config] = AugmentationRun(config=config, complete=True, **fields)
    return runs


def load_precomputed(path=None) -> dict[AugmentConfig, AugmentationRun]:
    """The shipped runs by config (empty when the file is missing)."""
    path = precomputed_path() if path is None else check_path("path", path)
    if not path.exists():
        return {}
    return _load(str(path))


@functools.lru_cache(maxsize=1)
def _precomputed_configs() -> frozenset:
    try:
        return frozenset(load_precomputed())
    except Exception:  # noqa: BLE001 - a damaged file means "compute", never a crash
        return frozenset()
