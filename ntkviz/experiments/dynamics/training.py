"""Finite networks trained by full-batch gradient descent (JAX, float64): one jitted
``lax.scan`` per chunk of ``CHUNK`` steps, compiled once per width and depth, the outputs kept
at the checkpoints ``TIMES``; the shipped runs read instead where they exist; the distance of
each network to its linearised kernel prediction; and ``precompute``, which trains and saves the
shipped runs."""

from __future__ import annotations

import functools
from collections.abc import Iterator, Mapping
from pathlib import Path

import numpy as np

from ...kernels import mlp
from ...kernels._x64 import enable_x64
from .._common import check_progress, frozen
from .config import (
    B_STD,
    CHUNK,
    DATASETS,
    DEFAULTS,
    MAX_DEPTH,
    PARAMS,
    SEEDS,
    T_MAX,
    TIMES,
    W_STD,
    WIDTHS,
    Run,
    Setup,
)
from .maths import compute_kernels, linear, setup
from .store import DynamicsResults, save_results, shipped_results

__all__ = ["train_chunks", "train_network", "finite_runs", "distances", "check_runs",
           "distance", "distance_table", "precompute"]

#: What ``precompute`` trains: every width and seed at ``DEFAULTS`` (``QUICK``: a tiny grid).
SHIPPED = dict(widths=WIDTHS, seeds=SEEDS)
QUICK = dict(widths=(16, 64), seeds=(0,))


@functools.cache
def _chunk_fn():
    import jax
    import jax.numpy as jnp

    from ...kernels.finite_width import apply

    @functools.partial(jax.jit, static_argnums=(0, 5))
    def run_chunk(arch, params, x_all, y, eta, steps):
        n = y.shape[0]

        def step(p, _):
            f, pullback = jax.vjp(lambda q: apply(arch, q, x_all), p)
            residual = jnp.concatenate([f[:n] - y, jnp.zeros(f.shape[0] - n, f.dtype)])
            (grad,) = pullback(residual)
            return jax.tree_util.tree_map(lambda a, b: a - eta * b, p, grad), f

        return jax.lax.scan(step, params, None, length=steps)

    @functools.partial(jax.jit, static_argnums=0)
    def forward(arch, params, x_all):
        return apply(arch, params, x_all)

    return run_chunk, forward


@PARAMS.validated
def train_chunks(dataset: str = "circle", depth: int = 1, width: int = 256, seed: int = 0,
                 lr_factor: float = 0.5, noise: float = 1.0) -> Iterator[Run]:
    """Train one finite MLP by full-batch GD, yielding the partial ``Run`` after every chunk of
    ``CHUNK`` steps (checkpoints not reached yet are NaN); the last one is complete.

    Same η = lr_factor/λ_max as the closed form; float64; the network of ``seed`` is the one
    ``kernels.empirical_ntk(..., seed=seed)`` uses.

    Examples
    --------
    A narrow network, chunk by chunk: after the first chunk of 50 steps, the checkpoints up to
    step 49 are filled in; the last partial run is the complete one:

    >>> from ntkviz.experiments import dynamics
    >>> chunks = list(dynamics.train_chunks("circle", width=16, seed=0))
    >>> len(chunks), int(np.sum(~np.isnan(chunks[0].f_train[:, 0]))), chunks[-1].diverged
    (20, 16, False)
    >>> int(dynamics.TIMES[15]), bool(np.all(np.isfinite(chunks[-1].f_train)))
    (43, True)
    """
    import jax.numpy as jnp

    from ...kernels.finite_width import init_params

    s = setup.unchecked(dataset, depth, noise)
    arch = mlp(depth=depth, W_std=W_STD, b_std=B_STD, activation="relu")
    n, m = len(s.y_train), len(s.y_test)
    eta = s.eta(lr_factor)
    outputs = np.full((T_MAX + 1, n + m), np.nan)
    run_chunk, forward = _chunk_fn()
    diverged = False

    def partial():
        picked = outputs[TIMES]
        return Run(dataset, depth, width, seed, lr_factor, noise, TIMES,
                   frozen(picked[:, :n]), frozen(picked[:, n:]), diverged)

    with enable_x64(True):
        params = init_params(arch, s.x_train.shape[1], 1, width, seed)
        x_all = jnp.asarray(np.concatenate([s.x_train, s.x_test]))
        y = jnp.asarray(s.y_train)
        for start in range(0, T_MAX, CHUNK):
            steps = min(CHUNK, T_MAX - start)
            if not diverged:
                params, f = run_chunk(arch, params, x_all, y, eta, CHUNK)
                f = np.asarray(f, dtype=np.float64)[:steps]
                outputs[start:start + steps] = f
                if not np.all(np.isfinite(f)):
                    diverged = True
            if start + steps == T_MAX and not diverged:
                outputs[T_MAX] = np.asarray(forward(arch, params, x_all), dtype=np.float64)
                diverged = not np.all(np.isfinite(outputs[T_MAX]))
            if diverged:
                bad = ~np.all(np.isfinite(outputs), axis=1)
                outputs[np.argmax(bad):] = np.nan
            yield partial()


@PARAMS.validated
@functools.lru_cache(maxsize=512)
def train_network(dataset: str = "circle", depth: int = 1, width: int = 256, seed: int = 0,
                  lr_factor: float = 0.5, noise: float = 1.0) -> Run:
    """The complete ``Run`` of ``train_chunks`` (cached per argument set).

    Examples
    --------
    One network of width 16 trained for ``T_MAX`` steps, its outputs kept at the checkpoints
    ``TIMES``; its training error falls:

    >>> from ntkviz.experiments import dynamics
    >>> s = dynamics.setup("circle")
    >>> run = dynamics.train_network("circle", width=16, seed=0)
    >>> run.f_train.shape, run.f_test.shape, int(run.times[-1]), run.diverged
    ((31, 16), (31, 101), 1000, False)
    >>> print(np.round(np.mean((run.f_train[[0, -1]] - s.y_train) ** 2, axis=1), 3))
    [0.524 0.287]
    """
    run = None
    for run in train_chunks.unchecked(dataset, depth, width, seed, lr_factor, noise):
        pass
    return run


@PARAMS.validated
def finite_runs(dataset: str = "circle", depth: int = 1, widths=WIDTHS, seeds=SEEDS,
                lr_factor: float = 0.5, noise: float = 1.0, progress=None) -> dict:
    """``{(width, seed): Run}`` for every width and seed: read from the shipped results when
    they hold exactly this setting, else trained (cached per network).

    ``progress(done, total)`` is called after each network.

    Examples
    --------
    The default setting is shipped, so these networks are read, not trained:

    >>> from ntkviz.experiments import dynamics
    >>> runs = dynamics.finite_runs("circle", widths=(16, 1024), seeds=(0, 1))
    >>> sorted(runs)
    [(16, 0), (16, 1), (1024, 0), (1024, 1)]
    >>> runs[1024, 0].f_test.shape
    (31, 101)
    """
    check_progress(progress, allow_bar=False)
    shipped = shipped_results(dataset, depth, lr_factor, noise)
    plan, runs = [(w, seed) for w in sorted(set(widths)) for seed in seeds], {}
    for done, (width, seed) in enumerate(plan, start=1):
        if shipped is not None and width in shipped.widths and seed in shipped.seeds:
            runs[width, seed] = shipped.run(dataset, width, seed)
        else:
            runs[width, seed] = train_network.unchecked(dataset, depth, width, seed, lr_factor,
                                                        noise)
        if progress is not None:
            progress(done, len(plan))
    return runs


def check_runs(runs) -> Mapping:
    """``runs`` if it is a ``{(width, seed): Run}`` dict (``finite_runs``), else a TypeError."""
    if not isinstance(runs, Mapping) or not all(
            isinstance(key, tuple) and len(key) == 2 and isinstance(run, Run)
            for key, run in runs.items()):
        raise TypeError(f"runs must be a dict {{(width, seed): Run}} (finite_runs), got "
                        f"{type(runs).__name__}")
    return runs


def distance(s: Setup, eta: float, run: Run, kind: str = "gd") -> float:
    """‖f_net − f_lin‖/‖f_lin‖ of one run over all checkpoints and points (clean arguments;
    NaN for a diverged run)."""
    lin_train, lin_test = linear(s, eta, run.times, run.f_train[0], run.f_test[0], kind)
    lin = np.concatenate([lin_train, lin_test], axis=1)
    net = np.concatenate([run.f_train, run.f_test], axis=1)
    if not np.all(np.isfinite(net)):
        return float("nan")
    return float(np.linalg.norm(net - lin) / np.linalg.norm(lin))


@PARAMS.validated
def distances(runs: dict, s: Setup, lr_factor: float) -> tuple[tuple, tuple, np.ndarray]:
    """``(widths, seeds, D (W, S))``: relative distance ‖f_net − f_lin‖/‖f_lin‖ of every run to
    its linearised kernel prediction (same f_0), over all checkpoints and points.

    Examples
    --------
    Wider networks follow the kernel prediction more closely:

    >>> from ntkviz.experiments import dynamics
    >>> s = dynamics.setup("circle")
    >>> runs = dynamics.finite_runs("circle", widths=(16, 1024), seeds=(0, 1))
    >>> widths, seeds, D = dynamics.distances(runs, s, lr_factor=0.5)
    >>> widths, seeds, D.shape
    ((16, 1024), (0, 1), (2, 2))
    >>> print(np.round(D.mean(axis=1), 2))
    [0.56 0.18]
    """
    return distance_table(check_runs(runs), s, lr_factor)


def distance_table(runs, s, lr_factor):
    """``distances`` for clean arguments."""
    widths = tuple(sorted({w for w, _ in runs}))
    seeds = tuple(sorted({seed for _, seed in runs}))
    D = np.full((len(widths), len(seeds)), np.nan)
    for (w, seed), run in runs.items():
        D[widths.index(w), seeds.index(seed)] = distance(s, s.eta(lr_factor), run)
    return widths, seeds, frozen(D)


@PARAMS.validated
def precompute(progress=None, *, quick: bool = False, path=None) -> tuple[Path, list[str]]:
    """Train ``SHIPPED`` widths × seeds (``quick``: the tiny ``QUICK``) on every dataset at
    ``DEFAULTS`` and save them, with the analytic Θ of every dataset and depth, through
    ``RESULTS`` to ``path`` (default the bundled file); ``progress(done, total, label)`` before
    each network and at the end. Returns the path and, per dataset, the mean distance of the
    networks to the kernel prediction at each width.

    Examples
    --------
    The tiny ``quick`` grid (widths 16 and 64, one seed), written to a temporary file:

    >>> import tempfile
    >>> from ntkviz.experiments import dynamics
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     path, lines = dynamics.precompute(quick=True, path=f"{tmp}/dynamics.npz")
    ...     print(path.name, dynamics.load_results(path).widths)
    dynamics.npz (16, 64)
    >>> print(lines[0])
      circle: distance to the kernel prediction, mean over seeds: n=16: 0.701, n=64: 0.297
    """
    check_progress(progress, allow_bar=False)
    grid = QUICK if quick else SHIPPED
    depth, lr_factor, noise = DEFAULTS["depth"], DEFAULTS["lr_factor"], DEFAULTS["noise"]
    plan = [(name, w, seed) for name in DATASETS for w in grid["widths"] for seed in grid["seeds"]]
    runs = {}
    for done, (name, w, seed) in enumerate(plan):
        if progress is not None:
            progress(done, len(plan), f"{name}, width {w}, seed {seed}")
        runs[name, w, seed] = train_network.unchecked(name, depth, w, seed, lr_factor, noise)
    if progress is not None:
        progress(len(plan), len(plan), "done")
    outputs = {part: {name: np.array([[getattr(runs[name, w, seed], part) for seed in
                                       grid["seeds"]] for w in grid["widths"]])
                      for name in DATASETS} for part in ("f_train", "f_test")}
    thetas = {(name, k): compute_kernels(name, k) for name in DATASETS
              for k in range(1, MAX_DEPTH + 1)}
    results = DynamicsResults(grid["widths"], grid["seeds"], depth, lr_factor, noise, TIMES,
                              outputs["f_train"], outputs["f_test"], thetas)
    lines = []
    for name in DATASETS:
        widths, _, D = distance_table({(w, seed): runs[name, w, seed] for w in grid["widths"]
                                   for seed in grid["seeds"]}, setup.unchecked(name, depth, noise),
                                  lr_factor)
        lines.append(f"  {name}: distance to the kernel prediction, mean over seeds: " + ", ".join(
            f"n={w}: {d:.3f}" for w, d in zip(widths, np.nanmean(D, axis=1))))
    return save_results(results, path), lines
