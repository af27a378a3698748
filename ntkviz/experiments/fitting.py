"""Training an image classifier with cross-entropy and Adam, with accuracy curves (the loop of
the trained networks of Neural kernel theory of symmetry learning, arXiv 2412.11521, Fig. 1,
Fig. 6B, App. B.1/B.3; docs/theory.md#trained-networks).

:func:`fit` trains an equinox network (``experiments.networks``) for ``epochs`` passes over the
training images, each in a fresh random order, in batches of ``min(batch_size, n)``; the last,
incomplete batch of an epoch is padded with zero-weight images, so one compiled step serves every
batch and every image is used once per epoch (as PyTorch's loader does). The loss of a batch is
the mean cross-entropy of its real images; the optimiser is ``optax.adam`` (learning rate,
betas, ε = 1e-8). Dropout is drawn in training and off in evaluation. Before training and after
every epoch the accuracy (argmax of the logits) of each monitored set is recorded; training
stops early after the first epoch at which a chosen monitored set reaches a chosen accuracy.
float32 throughout; the batch order and dropout come from the ``jax.random`` key alone, so a run
is bit-identical on the same machine.
"""

from __future__ import annotations

import dataclasses
import functools
from typing import Callable

import numpy as np

from .._jax_compat import stable_random
from .._validate import as_finite_array, check_choice, check_real
from ..params import Param, Params
from ._common import check_progress, frozen
from .networks import check_key

__all__ = ["FitResult", "fit", "accuracy", "MAX_EPOCHS", "PARAMS"]

N_CLASSES = 10
#: Most epochs of one run (a cap against runaway requests, far above any use).
MAX_EPOCHS = 100_000
_CHUNK = 512  # most images per evaluation call (padded to a power of 2: few compiled shapes)


@dataclasses.dataclass(frozen=True, eq=False)
class FitResult:
    """What :func:`fit` returns: the trained ``model``; ``losses`` (steps,) the mean
    cross-entropy of every step; ``epoch_losses`` (epochs run,) their mean per epoch; ``curves``:
    for each monitored set, its accuracy before training and after every epoch (epochs run + 1,)."""

    model: object
    losses: np.ndarray
    epoch_losses: np.ndarray
    curves: dict


PARAMS = Params(
    Param("epochs", "int", 1, MAX_EPOCHS),
    Param("batch_size", "int", 1),
    Param("learning_rate", "real", 0.0, 1.0, strict=True),
    Param("b1", "real", 0.0, 1.0),
    Param("b2", "real", 0.0, 1.0),
)


def _check_model(model) -> None:
    import equinox as eqx

    if not isinstance(model, eqx.Module) or not callable(model):
        raise TypeError(f"model must be an equinox network (experiments.networks), got "
                        f"{type(model).__name__}")


def _labelled(x_name: str, images, y_name: str, labels) -> tuple[np.ndarray, np.ndarray]:
    """``(n, S, S)`` finite float32 images (at least one) and their n class labels in 0..9."""
    x = as_finite_array(x_name, images, ndim=3).astype(np.float32)
    if min(x.shape[1:]) < 1:
        raise ValueError(f"{x_name} must be (n, S, S) images, got shape {x.shape}")
    try:
        y = np.asarray(labels)
    except Exception:   # ragged lists
        raise TypeError(f"{y_name} must be integer class labels, got {labels!r}") from None
    if y.shape != (len(x),) or y.dtype.kind not in "iu":
        raise ValueError(f"{y_name} must be {len(x)} integer classes (one per image of "
                         f"{x_name}), got dtype {y.dtype} shape {y.shape}")
    if y.size and (y.min() < 0 or y.max() >= N_CLASSES):
        raise ValueError(f"{y_name} must be classes 0..{N_CLASSES - 1}")
    return x, y.astype(np.int32)


@functools.lru_cache(maxsize=16)
def _compiled(learning_rate: float, b1: float, b2: float):
    """The optimiser and its jitted step (weighted cross-entropy)."""
    import equinox as eqx
    import jax
    import jax.numpy as jnp
    import optax

    optimiser = optax.adam(learning_rate, b1=b1, b2=b2, eps=1e-8)

    def loss_fn(params, static, x, y, weight, key):
        model = eqx.combine(params, static)
        logits = jax.vmap(model)(x, jax.random.split(key, x.shape[0]))
        losses = optax.softmax_cross_entropy_with_integer_labels(logits, y)
        return jnp.sum(weight * losses) / jnp.sum(weight)

    @eqx.filter_jit
    def step(params, static, opt_state, train_x, train_y, order, weights, epoch_key, s):
        index, weight = order[s], weights[s]   # s is an array: one compiled step for all
        loss, grads = jax.value_and_grad(loss_fn)(params, static, train_x[index],
                                                  train_y[index], weight,
                                                  jax.random.fold_in(epoch_key, s))
        updates, opt_state = optimiser.update(grads, opt_state, params)
        return optax.apply_updates(params, updates), opt_state, loss

    return optimiser, step


@functools.lru_cache(maxsize=1)
def _predictor():
    import equinox as eqx
    import jax
    import jax.numpy as jnp

    @eqx.filter_jit
    def predict(model, x):
        return jnp.argmax(jax.vmap(model)(x), axis=-1)

    return predict


def accuracy_of(model, x: np.ndarray, y: np.ndarray) -> float:
    """``accuracy`` on clean values (float32 images, int labels)."""
    if len(x) == 0:
        return float("nan")
    import jax.numpy as jnp

    predict = _predictor()
    chunk = min(_CHUNK, max(32, 1 << (len(x) - 1).bit_length()))   # few compiled shapes
    correct = 0
    for start in range(0, len(x), chunk):
        part = x[start:start + chunk]
        valid = len(part)
        if valid < chunk:
            part = np.concatenate([part, np.zeros((chunk - valid,) + part.shape[1:], part.dtype)])
        pred = np.asarray(predict(model, jnp.asarray(part)))[:valid]
        correct += int(np.sum(pred == y[start:start + valid]))
    return correct / len(x)


def accuracy(model, images, labels) -> float:
    """Fraction of ``images`` (n, S, S) whose argmax logit (evaluation mode) is their label."""
    _check_model(model)
    return accuracy_of(model, *_labelled("images", images, "labels", labels))


@PARAMS.validated
def fit(model, train_x, train_y, *, epochs: int, batch_size: int, key,
        learning_rate: float = 1e-3, b1: float = 0.9, b2: float = 0.999,
        monitor: dict | None = None, stop: tuple[str, float] | None = None,
        progress: Callable | None = None) -> FitResult:
    """Train ``model`` on images ``train_x`` (n, S, S) with labels ``train_y`` (module docstring).

    ``key``: a ``jax.random`` key (batch order and dropout); ``learning_rate``, ``b1``, ``b2``:
    Adam's; ``monitor``: ``{name: (images, labels)}`` sets whose accuracy is recorded before
    training and after every epoch; ``stop = (name, accuracy)``: stop after the first epoch at
    which monitored set ``name`` reaches ``accuracy`` (``epochs`` is then a cap);
    ``progress(epoch, epochs, mean_loss)`` is called after each epoch.
    """
    _check_model(model)
    train_x, train_y = _labelled("train_x", train_x, "train_y", train_y)
    check_key(key)
    if monitor is not None and not isinstance(monitor, dict):
        raise TypeError(f"monitor must be a dict of name → (images, labels), got {monitor!r}")
    checked = {}
    for name, data in (monitor or {}).items():
        if not isinstance(data, (tuple, list)) or len(data) != 2:
            raise TypeError(f"monitor[{name!r}] must be (images, labels), got {data!r}")
        checked[name] = _labelled(f"monitor[{name!r}] images", data[0],
                                  f"monitor[{name!r}] labels", data[1])
    if stop is not None:
        if not isinstance(stop, (tuple, list)) or len(stop) != 2:
            raise TypeError(f"stop must be (monitored set name, accuracy), got {stop!r}")
        stop = (check_choice("stop", stop[0], tuple(checked)),
                check_real("stop", stop[1], minimum=0.0, maximum=1.0))
    progress = check_progress(progress, allow_bar=False)
    return train_network(model, train_x, train_y, epochs=epochs, batch_size=batch_size, key=key,
                         learning_rate=learning_rate, b1=b1, b2=b2, monitor=checked, stop=stop,
                         progress=progress)


@stable_random()
def train_network(model, train_x, train_y, *, epochs, batch_size, key, learning_rate, b1, b2,
                  monitor, stop, progress) -> FitResult:
    """``fit`` on clean values: float32 images, int32 labels, ``monitor`` a dict of such pairs
    (possibly empty), ``stop`` None or ``(name, accuracy)``."""
    import equinox as eqx
    import jax
    import jax.numpy as jnp

    n = len(train_x)
    batch = min(batch_size, n)
    steps = -(-n // batch)
    params, static = eqx.partition(model, eqx.is_inexact_array)
    optimiser, step_fn = _compiled(float(learning_rate), float(b1), float(b2))
    opt_state = optimiser.init(params)
    x, y = jnp.asarray(train_x), jnp.asarray(train_y)
    weights = np.ones(steps * batch, np.float32)
    weights[n:] = 0.0
    weights = jnp.asarray(weights.reshape(steps, batch))
    curves = {name: [accuracy_of(model, *data)] for name, data in monitor.items()}
    losses = []
    for epoch in range(epochs):
        epoch_key = jax.random.fold_in(key, epoch)
        order = np.asarray(jax.random.permutation(jax.random.fold_in(epoch_key, steps), n))
        order = np.concatenate([order, order[: steps * batch - n]])   # pad: zero weight
        order = jnp.asarray(order.reshape(steps, batch))
        for s in range(steps):
            params, opt_state, loss = step_fn(params, static, opt_state, x, y, order, weights,
                                              epoch_key, jnp.int32(s))
            losses.append(loss)
        model = eqx.combine(params, static)
        for name, data in monitor.items():
            curves[name].append(accuracy_of(model, *data))
        if progress is not None:
            progress(epoch + 1, epochs,
                     float(np.mean(np.asarray(jnp.stack(losses[-steps:]), dtype=np.float64))))
        if stop is not None and curves[stop[0]][-1] >= stop[1]:
            break
    losses = np.asarray(jnp.stack(losses), dtype=np.float64)
    return FitResult(model=model, losses=frozen(losses),
                     epoch_losses=frozen(losses.reshape(-1, steps).mean(axis=1)),
                     curves={k: frozen(v) for k, v in curves.items()})
