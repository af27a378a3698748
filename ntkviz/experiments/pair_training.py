"""Finite-width one-hidden-layer MLPs trained on two-orbit datasets, many at once (Neural kernel
theory of symmetry learning, arXiv 2412.11521, Sec. 3.3, Fig. 5B and App. E;
docs/theory.md#the-empirical-ntk-and-width).

**Network.** ``f(x) = W₂·ReLU(W₁x/√d + b₁)/√width + b₂`` (NTK parameterisation, W_std = b_std = 1,
the network whose infinite-width NTK is ``kernels.mlp(depth=1)``), every parameter drawn
``N(0, 1)`` — the initialisation under which that NTK is the network's limit
(``kernels.empirical_ntk`` draws the same way).

**Training.** For each dataset (rows ``X[p]``, labels ``y[p]``) and each left-out row ``r`` of
``left_out``, one network is trained on the other rows: mean squared error to the labels,
``optax.adam(learning_rate)`` (default betas), ``steps`` full-batch steps. The networks of one
dataset start from the same parameters (drawn from ``jax.random.fold_in(key(seed), p)``, p the
dataset's index), so only the left-out row differs between them. All networks of a chunk of
datasets train together: their losses are summed, so each network's gradient is that of its
own loss, and Adam acts element by element, so each network follows its own Adam trajectory.
float32, as the networks of the paper.
"""

from __future__ import annotations

import functools
import math

import numpy as np

from .._jax_compat import stable_random
from .._validate import as_finite_array, check_allocation
from ..params import Param, Params
from ._common import check_progress

__all__ = ["train_pair_networks", "PARAMS"]


def init_params(key, d: int, width: int) -> dict:
    """``N(0, 1)`` parameters of one network (float32): W1 (d, width), b1, W2 (width,), b2."""
    import jax
    import jax.numpy as jnp

    k1, k2, k3, k4 = jax.random.split(key, 4)
    f32 = jnp.float32
    return {"W1": jax.random.normal(k1, (d, width), f32),
            "b1": jax.random.normal(k2, (width,), f32),
            "W2": jax.random.normal(k3, (width,), f32), "b2": jax.random.normal(k4, (), f32)}


def apply(params: dict, x):
    """Outputs ``(n,)`` of one network on rows ``x`` ``(n, d)`` (module docstring)."""
    import jax

    d, width = params["W1"].shape
    h = jax.nn.relu(x @ params["W1"] / math.sqrt(d) + params["b1"])
    return h @ params["W2"] / math.sqrt(width) + params["b2"]


@functools.lru_cache(maxsize=8)
def _trainer(steps: int, learning_rate: float):
    import jax
    import jax.numpy as jnp
    import optax

    optimiser = optax.adam(learning_rate)

    def network_loss(params, x, y, mask):
        return jnp.sum(mask * (apply(params, x) - y) ** 2) / jnp.sum(mask)

    # params (P, L, ...), x (P, n, d), y (P, n), masks (L, n): dataset p, left-out row l
    per_network = jax.vmap(jax.vmap(network_loss, (0, None, None, 0)), (0, 0, 0, None))

    @jax.jit
    def train(params, x, y, masks):
        def total(p):
            return jnp.sum(per_network(p, x, y, masks))

        def step(carry, _):
            p, state = carry
            grads = jax.grad(total)(p)
            updates, state = optimiser.update(grads, state, p)
            return (optax.apply_updates(p, updates), state), None

        (params, _), _ = jax.lax.scan(step, (params, optimiser.init(params)), None, length=steps)
        outputs = jax.vmap(jax.vmap(apply, (0, None)), (0, 0))(params, x)    # (P, L, n)
        return outputs, per_network(params, x, y, masks)

    return train


PARAMS = Params(
    Param("left_out", "ints", 0),
    Param("width", "int", 1, 1 << 14),
    Param("steps", "int", 1, 10**6),
    Param("learning_rate", "real", 0.0, 1.0, strict=True),
    Param("seed", "int", 0),
    Param("chunk", "int", 1),
)


@PARAMS.validated
@stable_random()
def train_pair_networks(X, y, left_out, *, width: int = 512, steps: int = 2000,
                        learning_rate: float = 1e-3, seed: int = 0, chunk: int = 8,
                        progress=None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Train one network per (dataset, left-out row) and predict the left-out rows.

    Parameters
    ----------
    X : (P, n, ...) inputs of P datasets of n rows each (flattened per row)
    y : (P, n) labels
    left_out : the rows left out, one network each (e.g. ``(0, n − 1)``)
    width, steps, learning_rate, seed : the network and its training (module docstring)
    chunk : datasets trained together in one compiled call (at most P; memory ≈ chunk ·
        len(left_out) · 4 · d · width · 4 bytes; 1 is fastest on a CPU, whose cache then holds
        the networks' parameters and Adam moments)
    progress : ``progress(done, total)`` after each chunk, or None

    Returns
    -------
    predictions : (P, L) the output of network (p, l) at its left-out row ``left_out[l]``
    outputs : (P, L, n) every output of every trained network
    train_loss : (P, L) the final training loss (mean squared error on the n − 1 other rows)
    """
    import jax
    import jax.numpy as jnp

    X = as_finite_array("X", X, min_rows=1)
    if X.ndim < 3 or X.shape[1] < 2:
        raise ValueError(f"X must be (datasets, rows ≥ 2, features...), got shape {X.shape}")
    P, n = X.shape[:2]
    X = X.reshape(P, n, -1).astype(np.float32)
    y = as_finite_array("y", y, ndim=2).astype(np.float32)
    if y.shape != (P, n):
        raise ValueError(f"y must have shape {(P, n)} (datasets, rows), got {y.shape}")
    rows = left_out
    if len(set(rows)) != len(rows) or max(rows) >= n:
        raise ValueError(f"left_out must be distinct rows of 0..{n - 1}, got {left_out}")
    chunk = min(chunk, P)
    progress = check_progress(progress, allow_bar=False)
    check_allocation("X", (min(chunk, P), len(rows), 4, X.shape[2], width), itemsize=4)
    masks = np.ones((len(rows), n), np.float32)
    masks[np.arange(len(rows)), rows] = 0.0
    train = _trainer(steps, float(learning_rate))
    key = jax.random.key(seed)
    outputs, losses = [], []
    for start in range(0, P, chunk):
        idx = np.arange(start, min(start + chunk, P))
        pad = np.concatenate([idx, np.full(chunk - idx.size, idx[-1])])   # one compiled shape
        init = jax.vmap(lambda p: init_params(jax.random.fold_in(key, p), X.shape[2], width))(
            jnp.asarray(pad))
        params = jax.tree_util.tree_map(
            lambda a: jnp.broadcast_to(a[:, None], (a.shape[0], len(rows)) + a.shape[1:]), init)
        out, loss = train(params, jnp.asarray(X[pad]), jnp.asarray(y[pad]), jnp.asarray(masks))
        outputs.append(np.asarray(out)[: idx.size])
        losses.append(np.asarray(loss)[: idx.size])
        if progress is not None:
            progress(int(idx[-1]) + 1, P)
    outputs = np.concatenate(outputs).astype(np.float64)
    predictions = outputs[:, np.arange(len(rows)), list(rows)]
    return predictions, outputs, np.concatenate(losses).astype(np.float64)
