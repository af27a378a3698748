"""NOMINAL, AUGMENTED and EQUIVARIANT training by plain minibatch gradient descent in float64, one
jitted ``lax.scan`` per epoch, recorded after every epoch (the package docstring), and the
shipped runs."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Callable

import numpy as np

from ..._jax_compat import enable_x64, stable_random
from ..._validate import check_path
from .._common import check_progress
from .config import ACTIONS, RUN_PARAMS, STRATEGIES, AugmentationRun, AugmentConfig
from .group import (
    checked_layers,
    checked_params,
    layer_distance,
    layer_permutations,
    projected_params,
)
from .model import init_params, network, task_data
from .store import cached_run, remember, save_runs

__all__ = ["train", "warm_up", "parameter_path", "default_runs", "PRECOMPUTED_DEPTHS",
           "precompute"]

#: Depths whose default runs are shipped (the linear classifier and the default MLP).
PRECOMPUTED_DEPTHS = (0, 2)


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
        return _cross_entropy(network(params, x), y)

    def augmented(params, orbits, y):
        n, N_, d = orbits.shape
        return _cross_entropy(network(params, orbits.reshape(n * N_, d)), jnp.repeat(y, N_))

    def gradient(params, x, orbits, y):
        if strategy == "augmented":
            return jax.grad(augmented)(params, orbits, y)
        grads = jax.grad(nominal)(params, x, y)
        if strategy == "equivariant":
            grads = projected_params(grads, perms)
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
        hits = jnp.argmax(network(params, test_x), axis=1) == test_y
        accuracy = jnp.mean(hits.astype(jnp.float64))
        m, N_, d = test_orbits.shape
        logits = network(params, test_orbits.reshape(m * N_, d)).reshape(m, N_, -1)
        invariance = jnp.max(jnp.abs(logits - logits[:, :1]))
        distance = jnp.stack([layer_distance(A, b, perms[i + 1], perms[i])
                              for i, (A, b) in enumerate(params)])
        norm = jnp.stack([jnp.sqrt(jnp.sum(A * A) + jnp.sum(b * b)) for A, b in params])
        return loss, augmented(params, orbits, y), accuracy, distance, norm, invariance

    return jax.jit(epoch), jax.jit(metrics)


def _config(config) -> AugmentConfig:
    """``config``, the default run's for None, checked."""
    return RUN_PARAMS["config"].check(AugmentConfig() if config is None else config)


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

    Examples
    --------
    A tiny run (two classes, five digits each, three epochs): AUGMENTED from the equivariant
    initialisation stays in E and invariant to round-off; NOMINAL from a generic one does not:

    >>> from ntkviz.experiments import augmentation as aug
    >>> config = aug.AugmentConfig(depth=1, blocks=2, classes=2, n_train=5, n_test=5, epochs=3,
    ...                            batch_size=10)
    >>> run = aug.train(config)
    >>> run.distance.shape, bool(run.distance.max() < 1e-12), bool(run.invariance.max() < 1e-12)
    ((4, 2), True, True)
    >>> nominal = aug.train(config, strategy="nominal", init="generic")
    >>> bool(nominal.final_distance > 1), bool(nominal.invariance[-1] > 0.1)
    (True, True)
    """
    config = _config(config)
    for name, value in (("callback", callback), ("stop", stop)):
        if value is not None and not callable(value):
            raise TypeError(f"{name} must be None or a callable, got {type(value).__name__}")
    config = config.replace(**changes) if changes else config
    run = cached_run(config)
    if run is not None:
        if callback is not None:
            callback(run)
        return run
    if progress:
        from tqdm.auto import tqdm

        with tqdm(total=config.epochs, desc=f"{config.strategy}, {config.init} init") as bar:
            def report(partial):
                bar.update(int(partial.epochs[-1]) - bar.n)
                if callback is not None:
                    callback(partial)

            run = _train(config, report, stop)
    else:
        run = _train(config, callback, stop)
    if run.complete:
        remember(run)
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


def _in_float64(function):
    """Run ``function`` under the stable random stream and ``jax.enable_x64``."""
    @functools.wraps(function)
    @stable_random()
    def wrapper(*args, **kwargs):
        with enable_x64(True):
            return function(*args, **kwargs)

    return wrapper


def warm_up(config: AugmentConfig | None = None, strategies=STRATEGIES) -> None:
    """Compile the jitted epoch and metrics of ``config``'s network shape for each strategy
    (one epoch with learning rate 0, results discarded), so a later ``train`` of that shape
    starts at once. Explorers call this in a background thread.

    Examples
    --------
    Compiling records no run:

    >>> from ntkviz.experiments import augmentation as aug
    >>> config = aug.AugmentConfig(depth=1, blocks=2, classes=2, n_train=5, n_test=5, epochs=3,
    ...                            batch_size=10, seed=7)
    >>> aug.warm_up(config, strategies=("nominal", "augmented"))
    >>> aug.cached_run(config) is None
    True
    """
    config = _config(config)
    strategies = (strategies,) if isinstance(strategies, str) else strategies
    configs = [config.replace(strategy=s) for s in _names("strategies", strategies)]
    for config in configs:
        _warm(config)


def _names(name: str, values) -> tuple:
    """A non-empty sequence of strategies (each checked by ``AugmentConfig``)."""
    if isinstance(values, (str, bytes, dict)) or not hasattr(values, "__iter__") or not values:
        raise TypeError(f"{name} must be a non-empty sequence of {STRATEGIES}, got {values!r}")
    return tuple(values)


@_in_float64
def _warm(config) -> None:
    import jax

    epoch, metrics, params, arrays, tests = _prepare(config)
    # the same argument types as ``_train`` (a float64 array learning rate), or jit recompiles
    zero = jax.numpy.asarray(0.0, dtype=jax.numpy.float64)
    params = epoch(params, jax.random.split(jax.random.key(0), 1)[0], zero, *arrays)
    jax.block_until_ready(metrics(params, *arrays, *tests))


@_in_float64
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


def _record(config, rows, complete) -> AugmentationRun:
    columns = [np.asarray([np.asarray(r[k]) for r in rows], dtype=np.float64) for k in range(6)]
    return AugmentationRun(config=config, epochs=np.arange(len(rows), dtype=np.float64),
                           loss=columns[0], orbit_loss=columns[1], accuracy=columns[2],
                           distance=columns[3], norm=columns[4], invariance=columns[5],
                           complete=complete)


@RUN_PARAMS.validated
def parameter_path(config: AugmentConfig, start=None) -> list[tuple]:
    """The parameters ``((A_1, b_1), …)`` (numpy float64) at the start and after every epoch of
    ``config``'s run: the same steps as ``train`` (same batches, same arithmetic), from
    ``init_params(config)`` or, if given, from ``start`` (parameters of the same shapes, e.g. a
    point reached by another run plus a perturbation). Not cached.

    Examples
    --------
    The parameters after the last epoch are those of ``train``'s run (same distances from E):

    >>> from ntkviz.experiments import augmentation as aug
    >>> config = aug.AugmentConfig(strategy="nominal", init="generic", depth=1, blocks=2,
    ...                            classes=2, n_train=5, n_test=5, epochs=3, batch_size=10)
    >>> path = aug.parameter_path(config)
    >>> len(path), [A.shape for A, b in path[-1]]
    (4, [(8, 196), (2, 8)])
    >>> distances = aug.layer_distances(path[-1], aug.layer_permutations(config))
    >>> bool(np.allclose(distances, aug.train(config).distance[-1]))
    True
    """
    perms = layer_permutations.unchecked(config)
    if start is not None:
        start = checked_layers(start, "start")
        if len(start) != config.depth + 1:
            raise ValueError(f"start must hold the {config.depth + 1} layers of config's network, "
                             f"got {len(start)}")
        start = checked_params(start, perms, "start")
    return _parameter_path(config, start)


@_in_float64
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


# --------------------------------------------------------------------------- shipped runs

def default_runs(action: str = "rot90", **changes) -> tuple[AugmentConfig, ...]:
    """The seven runs an explorer compares: NOMINAL and AUGMENTED from each initialisation
    (generic, equivariant, perturbed) and EQUIVARIANT, all with the same seeds and settings.

    Examples
    --------
    >>> from ntkviz.experiments import augmentation as aug
    >>> configs = aug.default_runs("rot90", epochs=10)
    >>> len(configs), (configs[0].strategy, configs[0].init), configs[-1].strategy
    (7, ('nominal', 'generic'), 'equivariant')
    >>> {config.epochs for config in configs}
    {10}
    """
    base = AugmentConfig(action=action)
    base = base.replace(**changes) if changes else base
    return tuple(base.replace(strategy=s, init=i)
                 for s, i in (("nominal", "generic"), ("nominal", "equivariant"),
                              ("nominal", "perturbed"), ("augmented", "generic"),
                              ("augmented", "equivariant"), ("augmented", "perturbed"),
                              ("equivariant", "equivariant")))


def precompute(progress=None, *, quick: bool = False, path=None) -> tuple[Path, list[str]]:
    """Train the ``default_runs`` of every action at depths ``PRECOMPUTED_DEPTHS`` (``quick``:
    C4 at depth 0 only) and save them (to ``path``, default ``data/results/augmentation.npz``);
    returns the path and one summary line per action and depth. ``progress(done, total,
    label)`` after each run.

    Examples
    --------
    The ``quick`` set (C4, depth 0: seven runs, read from the shipped file where it holds
    them), written to a temporary file:

    >>> import tempfile
    >>> from ntkviz.experiments import augmentation as aug
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     path, lines = aug.precompute(quick=True, path=f"{tmp}/augmentation.npz")
    ...     len(aug.load_precomputed(path))
    7
    >>> lines[0].split(": ")[0].strip(), "equivariant (equivariant) 0.570" in lines[0]
    ('rot90, depth 0', True)
    """
    progress = check_progress(progress, allow_bar=False)
    if not isinstance(quick, bool):
        raise TypeError(f"quick must be True or False, got {quick!r}")
    path = None if path is None else check_path("path", path)
    actions, depths = (("rot90",), (0,)) if quick else (ACTIONS, PRECOMPUTED_DEPTHS)
    configs = [c for a in actions for d in depths for c in default_runs(a, depth=d)]
    runs, summary = [], []
    for i, config in enumerate(configs):
        runs.append(train(config))
        if progress is not None:
            progress(i + 1, len(configs), f"{config.action}, depth {config.depth}, "
                                          f"{config.strategy}, {config.init} init")
    for k in range(0, len(runs), 7):
        c = runs[k].config
        accuracies = ", ".join(f"{r.config.strategy} ({r.config.init}) {r.final_accuracy:.3f}"
                               for r in runs[k:k + 7])
        summary.append(f"  {c.action}, depth {c.depth}: test accuracy {accuracies}")
    path = save_runs(runs, path, actions=list(actions), depths=list(depths))
    return path, summary
