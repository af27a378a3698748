"""Training in the kernel regime: closed-form kernel gradient descent against finite networks
trained by gradient descent (NTK, Jacot et al., arXiv 1806.07572, Sec. 5;
docs/theory.md#training-in-the-kernel-regime).

**Convention.** Loss ``L = ½ Σ_i (f(x_i) − y_i)²`` over the n training points, full-batch
gradient descent ``θ_{k+1} = θ_k − η ∇_θ L``, time ``t`` counted in steps. Linearising the
network around its initialisation (constant NTK Θ) gives

    f_{k+1}(X) = f_k(X) − η Θ (f_k(X) − Y)    ⇒    f_t(X) = Y + (I − ηΘ)^t (f_0(X) − Y),

the discrete-step form of the gradient flow ``f_t(X) = Y + e^{−ηΘt}(f_0(X) − Y)``
(``kind="gd"`` and ``kind="flow"`` below; they agree when ``ηλ ≪ 1``, since
``(1 − ηλ)^t = e^{t log(1 − ηλ)} ≈ e^{−ηλt}``). With ``Θ = V diag(λ) Vᵀ`` the residual along
eigenvector ``v_i`` decays by the factor ``d_i(t) = (1 − ηλ_i)^t`` (or ``e^{−ηλ_i t}``), so the
top eigen-directions are learnt first. For a test point x:

    f_t(x) = f_0(x) + Θ(x, X) Θ⁻¹ (I − D_t) (Y − f_0(X)),   D_t = V diag(d(t)) Vᵀ,

and the mean over initialisations (``E f_0 = 0``) is the kernel mean
``μ_t(x) = Θ(x, X) Θ⁻¹ (I − D_t) Y``; as ``t → ∞`` it becomes the GP posterior mean with no
ridge, ``Θ(x, X) Θ⁻¹ Y``. Θ is eigen-decomposed once per setting (cached), so any t costs
O(n·m). ``(1 − d_i)/λ_i`` is evaluated with ``expm1``/``log1p`` (and its limit ``ηt`` for a
numerically zero eigenvalue).

The learning rate is given as ``lr_factor = η λ_max`` (λ_max the largest eigenvalue of the
analytic Θ on the training points): the linearised dynamics is stable for ``lr_factor < 2``,
whatever the dataset or depth. Finite networks with their own Θ̂ may still diverge near 2.

**Networks.** The package's finite MLP (``kernels.finite_width.init_params``/``apply``: NTK
parameterisation, all parameters N(0, 1), layers ``W_std/√fan_in · W h + b_std · b``), i.e.
the network whose infinite-width NTK is ``kernels.mlp(depth, W_std, b_std)``; the network of
seed s is the one ``kernels.empirical_ntk(…, seed=s)`` uses. Trained in float64 by one jitted
``lax.scan`` per chunk of ``CHUNK`` steps (compiled once per width and depth), recording the
outputs on training and test points at every step; the checkpoints ``TIMES`` are kept.
Diverging runs (non-finite outputs) are reported, their later outputs are NaN.

**Distance to the kernel prediction.** For each network, the linearised prediction with the
analytic Θ and the network's own ``f_0`` (the formula above) is what it must follow as the width
grows; ``distance = ‖f_net − f_lin‖ / ‖f_lin‖`` (Frobenius norm over all checkpoints and all
training and test points) falls with the width: like width^(−1/2) over the first steps; over
the whole run more slowly where Θ's smallest eigenvalues are below the finite-width fluctuations
of Θ̂ (the circle: λ_min ≈ 0.014, so the slow modes, which fit the noise late, need much wider
networks; MNIST 4 vs 9, with a less spread spectrum, follows width^(−1/2) throughout).
Measured (default setting, mean over 3 seeds, widths 16/64/256/1024): circle 0.66, 0.29, 0.23,
0.18 (first 20 steps: 0.41, 0.16, 0.10, 0.04); MNIST 0.47, 0.24, 0.13, 0.07.

**Datasets.** ``"circle"``: ``N_CIRCLE`` training angles evenly spaced on the unit circle
(Θ is then circulant and its eigenvectors are Fourier modes), target ``sin γ + ½ sin 3γ``,
test points the 101 angles ``width.GAMMAS``. ``"mnist"``: digits ``MNIST_CLASSES`` = (4, 9)
(class A = 4 → +1, class B = 9 → −1), ``MNIST_TRAIN`` of each for training and ``MNIST_TEST``
of each for testing (``datasets.digits_per_class``), 2×2 mean-pooled to 14×14
(``datasets.pool2``), centred and unit norm (``datasets.normalize``) and multiplied by 14, so
the mean squared pixel is 1 as the layer initialisation expects. ``noise`` adds Gaussian noise
of that standard deviation to the *training* targets (fixed generator ``NOISE_SEED``); test
errors are measured against the clean targets. Early stopping appears with noise: the fast
(large-λ) modes carry the signal, the slow ones mostly fit the noise.

**Precomputed.** ``precompute()`` (writes
``data/results/dynamics.npz``) trains ``WIDTHS`` × ``SEEDS`` for both datasets at ``DEFAULTS``
(depth, learning rate, noise); ``finite_runs`` reads those when the arguments are exactly
theirs, anything else is trained (and cached per network). The file also holds the analytic Θ
of both datasets at every depth 1..MAX_DEPTH (read instead of compiling ``kernels.mlp``).
"""

from __future__ import annotations

import dataclasses
import functools
import json
import warnings
import zipfile
from collections.abc import Mapping
from pathlib import Path
from typing import Callable, Iterator

import numpy as np

from .. import datasets
from .._validate import (
    as_finite_array,
    check_choice,
    check_int,
    check_path,
    check_real,
    check_sequence,
)
from ..kernels import mlp
from ..kernels._x64 import enable_x64
from ._common import open_npz

__all__ = [
    "DATASETS",
    "WIDTHS",
    "SEEDS",
    "TIMES",
    "T_MAX",
    "MAX_DEPTH",
    "MAX_WIDTH",
    "N_MODES",
    "W_STD",
    "B_STD",
    "DEFAULTS",
    "Setup",
    "Run",
    "DynamicsState",
    "setup",
    "decay",
    "closed_form",
    "mean_prediction",
    "linearized",
    "mode_residuals",
    "error_curves",
    "train_network",
    "train_chunks",
    "finite_runs",
    "distances",
    "dynamics_state",
    "precompute",
    "save_results",
    "load_results",
    "load_precomputed",
    "precomputed_path",
    "is_precomputed",
]

DATASETS = ("circle", "mnist")
#: Widths of the finite networks (distance-to-kernel sweep).
WIDTHS = (16, 64, 256, 1024)
#: Initialisations per width.
SEEDS = (0, 1, 2)
#: Last training step and the checkpoints (0 and ~log-spaced integers up to T_MAX).
T_MAX = 1000
TIMES = np.unique(np.r_[0, np.round(np.logspace(0, np.log10(T_MAX), 34))]).astype(np.int64)
TIMES.setflags(write=False)
#: Steps per compiled training chunk (a chunk is one ``lax.scan``; progress is reported after each).
CHUNK = 50
MAX_DEPTH = 3
MAX_WIDTH = 4096
#: Largest η·λ_max accepted by the closed forms for gradient descent (``kind="gd"``): it is
#: stable up to 2 (docs/theory.md#training-in-the-kernel-regime), beyond it the residual grows
#: like |1 − ηλ|^t to inf/NaN (η = 1e16 did). Gradient flow (``kind="flow"``) decays at any
#: η > 0; there only the training time η·t is bounded (MAX_FLOW_TIME), so that it stays a
#: finite float.
MAX_ETA_LAMBDA = 2.0
MAX_FLOW_TIME = 1e300
#: Eigen-directions shown in the per-mode decay.
N_MODES = 4
W_STD = 1.0
B_STD = 0.1
N_CIRCLE = 16
MNIST_CLASSES = (4, 9)
MNIST_TRAIN = 10
MNIST_TEST = 20
NOISE_SEED = 0
#: Default setting (also the precomputed one): depth, lr_factor = η λ_max, training-label noise.
DEFAULTS = {"depth": 1, "lr_factor": 0.5, "noise": 1.0}
FILE_FORMAT = 1


def _frozen(array) -> np.ndarray:
    array = np.array(array, dtype=np.float64)
    array.setflags(write=False)
    return array


# --- argument checks ------------------------------------------------------------------------
def _check_setting(dataset, depth, noise) -> tuple[str, int, float]:
    check_choice("dataset", dataset, DATASETS)
    depth = check_int("depth", depth, minimum=1, maximum=MAX_DEPTH)
    noise = check_real("noise", noise, minimum=0.0, maximum=10.0)
    return dataset, depth, noise


def _check_lr(lr_factor) -> float:
    return check_real("lr_factor", lr_factor, minimum=0.0, maximum=2.0, strict_minimum=True)


def _check_eta(eta, lam_max: float, kind: str, times: np.ndarray) -> float:
    """η > 0; for gradient descent η·λ_max ≤ MAX_ETA_LAMBDA (a round-off margin for η = 2/λ_max),
    for gradient flow η·t ≤ MAX_FLOW_TIME."""
    eta = check_real("eta", eta, minimum=0.0, strict_minimum=True)
    if kind == "gd" and eta * lam_max > MAX_ETA_LAMBDA * (1 + 1e-12):
        raise ValueError(f"eta must be <= {MAX_ETA_LAMBDA:g}/λ_max = {MAX_ETA_LAMBDA / lam_max:.6g} "
                         f"(gradient descent's stability limit), got {eta}")
    if kind == "flow" and eta * float(np.max(times, initial=0.0)) > MAX_FLOW_TIME:
        raise ValueError(f"eta · t must be <= {MAX_FLOW_TIME:g} (the training time of gradient "
                         f"flow), got eta = {eta:g} and t up to {float(np.max(times)):g}")
    return eta


def _check_kind(kind) -> str:
    return check_choice("kind", kind, ("gd", "flow"))


def _check_width(width, name="width") -> int:
    return check_int(name, width, minimum=1, maximum=MAX_WIDTH)


def _check_seeds(seeds) -> tuple[int, ...]:
    return check_sequence("seeds", seeds, lambda s: check_int("seeds", s, minimum=0))


def _check_widths(widths) -> tuple[int, ...]:
    return tuple(sorted(set(check_sequence("widths", widths, lambda w: _check_width(w, "widths")))))


def _check_times(times) -> np.ndarray:
    times = as_finite_array("t", times, ndim=(0, 1))
    if np.any(times < 0):
        raise ValueError(f"t must be >= 0 (training time in steps), got {times.min()}")
    return times


# --- data and kernel ------------------------------------------------------------------------
@dataclasses.dataclass(frozen=True, eq=False)
class Setup:
    """One dataset with its analytic NTK, eigen-decomposed once; arrays are read-only.

    Attributes
    ----------
    dataset, depth, noise : the setting;  x_train (n, d), x_test (m, d) : network inputs
    y_train (n,) : training targets (with noise);  y_clean (n,) : without noise
    y_test (m,) : clean test targets;  coord_train (n,), coord_test (m,) : plot abscissae
        (angle γ for the circle, point index for MNIST)
    theta (n, n) : Θ(X, X);  theta_test (m, n) : Θ(x_test, X)
    lam (n,) : eigenvalues of Θ, descending;  vecs (n, n) : eigenvectors (columns, same order)
    lam_max : largest eigenvalue;  classes : (label of +1, label of −1) or None for the circle
    """

    dataset: str
    depth: int
    noise: float
    x_train: np.ndarray
    x_test: np.ndarray
    y_train: np.ndarray
    y_clean: np.ndarray
    y_test: np.ndarray
    coord_train: np.ndarray
    coord_test: np.ndarray
    theta: np.ndarray
    theta_test: np.ndarray
    lam: np.ndarray
    vecs: np.ndarray
    lam_max: float
    classes: tuple | None

    def eta(self, lr_factor: float) -> float:
        """The learning rate η = lr_factor / λ_max."""
        return float(lr_factor) / self.lam_max


def _circle_target(gammas) -> np.ndarray:
    return np.sin(gammas) + 0.5 * np.sin(3 * gammas)


@functools.lru_cache(maxsize=4)
def _inputs(dataset: str):
    """(x_train, y_clean, x_test, y_test, coord_train, coord_test, classes), read-only."""
    if dataset == "circle":
        from .width import GAMMAS, circle_points

        g_train = -np.pi + 2 * np.pi * np.arange(N_CIRCLE) / N_CIRCLE
        out = (circle_points(g_train), _circle_target(g_train), circle_points(GAMMAS),
               _circle_target(GAMMAS), g_train, np.array(GAMMAS), None)
    else:
        images, _ = datasets.load_mnist()
        rows = datasets.digits_per_class(MNIST_TRAIN + MNIST_TEST, seed=0)[list(MNIST_CLASSES)]
        train = np.concatenate([rows[0, :MNIST_TRAIN], rows[1, :MNIST_TRAIN]])
        test = np.concatenate([rows[0, MNIST_TRAIN:], rows[1, MNIST_TRAIN:]])

        def prepare(index):
            pooled = datasets.pool2(images[index].astype(np.float64))
            return datasets.normalize(pooled).reshape(len(index), -1) * pooled.shape[1]

        def labels(k):  # class A (+1) first, then class B (−1)
            return np.repeat([1.0, -1.0], k)

        out = (prepare(train), labels(MNIST_TRAIN), prepare(test), labels(MNIST_TEST),
               np.arange(2 * MNIST_TRAIN, dtype=float),
               np.arange(2 * MNIST_TRAIN, 2 * (MNIST_TRAIN + MNIST_TEST), dtype=float),
               MNIST_CLASSES)
    return tuple(_frozen(a) if isinstance(a, np.ndarray) else a for a in out)


@functools.lru_cache(maxsize=16)
def _kernels(dataset: str, depth: int) -> tuple[np.ndarray, np.ndarray]:
    """Θ(X, X) and Θ(x_test, X): from the shipped file when it holds them (no JAX compilation,
    so a new dataset or depth answers at once), else ``kernels.mlp``."""
    try:
        shipped = load_precomputed().thetas
    except ValueError:
        shipped = {}
    if (dataset, depth) in shipped:
        return shipped[dataset, depth]
    return _compute_kernels(dataset, depth)


def _compute_kernels(dataset: str, depth: int) -> tuple[np.ndarray, np.ndarray]:
    x_train, _, x_test, *_ = _inputs(dataset)
    kernel = mlp(depth=depth, W_std=W_STD, b_std=B_STD, activation="relu")
    theta = kernel.ntk(x_train)
    return _frozen(0.5 * (theta + theta.T)), _frozen(kernel.ntk(x_test, x_train))


@functools.lru_cache(maxsize=32)
def _setup(dataset: str, depth: int, noise: float) -> Setup:
    x_train, y_clean, x_test, y_test, c_train, c_test, classes = _inputs(dataset)
    rng = np.random.default_rng(NOISE_SEED)
    y_train = y_clean + noise * rng.standard_normal(y_clean.shape)
    theta, theta_test = _kernels(dataset, depth)
    lam, vecs = np.linalg.eigh(theta)
    lam, vecs = lam[::-1], vecs[:, ::-1]
    vecs = vecs * np.where(vecs.sum(axis=0) < 0, -1.0, 1.0)  # a reproducible sign per mode
    return Setup(dataset, depth, noise, x_train, x_test, _frozen(y_train), y_clean, y_test,
                 c_train, c_test, _frozen(theta), _frozen(theta_test), _frozen(lam),
                 _frozen(vecs), float(lam[0]), classes)


def setup(dataset: str = "circle", depth: int = 1, noise: float = 1.0) -> Setup:
    """The data, targets and analytic NTK of ``dataset`` (``"circle"`` or ``"mnist"``), cached.

    ``depth`` hidden ReLU layers (``kernels.mlp(depth, W_STD, B_STD)``), ``noise`` the standard
    deviation of the Gaussian noise added to the training targets (module docstring).
    """
    return _setup(*_check_setting(dataset, depth, noise))


# --- closed form ----------------------------------------------------------------------------
def decay(lam, eta: float, t, kind: str = "gd") -> np.ndarray:
    """Per-mode residual factor ``d(t)``: ``(1 − ηλ)^t`` (``"gd"``) or ``e^{−ηλt}`` (``"flow"``).

    For ``"gd"`` with ηλ > 1 (unstable for ηλ > 2) the factor is defined at integer t only.

    ``lam`` (n,), ``t`` scalar or (T,) → (n,) or (T, n).
    docs/theory.md#training-in-the-kernel-regime.
    """
    lam = as_finite_array("lam", lam, ndim=1)
    t, kind = _check_times(t), _check_kind(kind)
    eta = _check_eta(eta, float(np.max(np.abs(lam), initial=0.0)), kind, t)
    return _decay(lam, eta, t, kind)


def _log_rate(lam, eta, kind):
    if kind == "flow":
        return -eta * lam
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.log1p(-eta * lam) if np.all(eta * lam < 1) else np.log(np.abs(1 - eta * lam))


def _decay(lam, eta, t, kind):
    t = np.asarray(t, dtype=float)
    if kind == "gd" and np.any(eta * lam >= 1):
        # (1 − ηλ)^t for real t needs 1 − ηλ > 0; at integer steps the sign alternates
        # (NaN at non-integer t: GD has no state between steps).
        with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
            return np.power(1 - eta * lam, np.multiply.outer(t, np.ones_like(lam)))
    return np.exp(np.multiply.outer(t, _log_rate(lam, eta, kind)))


def _gain(lam, eta, t, kind):
    """``(1 − d(t)) / λ`` per mode (→ ηt for λ → 0), (T, n) or (n,)."""
    t = np.asarray(t, dtype=float)
    small = lam <= 1e-13 * max(lam.max(), 1e-300)
    safe = np.where(small, 1.0, lam)
    if kind == "gd" and np.any(eta * lam >= 1):
        gain = (1 - _decay(lam, eta, t, kind)) / safe
    else:
        gain = -np.expm1(np.multiply.outer(t, _log_rate(safe, eta, kind))) / safe
    return np.where(small, np.multiply.outer(t, np.full(lam.shape, eta)), gain)


def closed_form(s: Setup, eta: float, t, f0_train=None, f0_test=None, kind: str = "gd"):
    """Linearised network at times ``t``: ``(f_t(X_train), f_t(X_test))``
    (docs/theory.md#training-in-the-kernel-regime).

    ``f0_train`` (n,), ``f0_test`` (m,) are the outputs at initialisation (zero: the mean over
    initialisations μ_t). ``t`` scalar → (n,), (m,); ``t`` (T,) → (T, n), (T, m).
    """
    if not isinstance(s, Setup):
        raise TypeError(f"s must be a dynamics.Setup, got {type(s).__name__}")
    t, kind = _check_times(t), _check_kind(kind)
    eta = _check_eta(eta, s.lam_max, kind, t)
    n, m = len(s.y_train), len(s.y_test)
    f0_train = np.zeros(n) if f0_train is None else as_finite_array("f0_train", f0_train, ndim=1)
    f0_test = np.zeros(m) if f0_test is None else as_finite_array("f0_test", f0_test, ndim=1)
    if f0_train.shape != (n,) or f0_test.shape != (m,):
        raise ValueError(f"f0_train and f0_test must have shapes ({n},) and ({m},), got "
                         f"{f0_train.shape} and {f0_test.shape}")
    target = s.vecs.T @ (s.y_train - f0_train)  # (Y − f_0) in the eigenbasis
    d = _decay(s.lam, eta, t, kind)
    g = _gain(s.lam, eta, t, kind)
    with np.errstate(invalid="ignore", over="ignore"):  # NaN/inf only for unstable GD
        train = s.y_train - (d * target) @ s.vecs.T
        test = f0_test + (g * target) @ (s.theta_test @ s.vecs).T
    return train, test


def mean_prediction(s: Setup, eta: float, t, kind: str = "gd"):
    """μ_t on training and test points: ``closed_form`` with ``f_0 = 0``
    (docs/theory.md#training-in-the-kernel-regime)."""
    return closed_form(s, eta, t, None, None, kind)


def linearized(s: Setup, eta: float, run: Run, kind: str = "gd"):
    """The linearised prediction (analytic Θ) for the initialisation of ``run`` at its
    checkpoints: ``(T, n)``, ``(T, m)``."""
    if not isinstance(run, Run):
        raise TypeError(f"run must be a dynamics.Run, got {type(run).__name__}")
    return closed_form(s, eta, run.times, run.f_train[0], run.f_test[0], kind)


def mode_residuals(s: Setup, f_train) -> np.ndarray:
    """Residual ``f(X) − Y`` projected on Θ's eigenvectors: ``(…, n)`` from ``f_train (…, n)``."""
    if not isinstance(s, Setup):
        raise TypeError(f"s must be a dynamics.Setup, got {type(s).__name__}")
    f_train = as_finite_array("f_train", f_train, ndim=(1, 2))
    if f_train.shape[-1] != len(s.y_train):
        raise ValueError(f"f_train must have {len(s.y_train)} entries in its last axis, got shape "
                         f"{f_train.shape}")
    return _residuals(s, f_train)


def _residuals(s: Setup, f_train) -> np.ndarray:
    """``mode_residuals`` unchecked (a diverged run's NaN outputs stay NaN)."""
    return (np.asarray(f_train, dtype=float) - s.y_train) @ s.vecs


def error_curves(s: Setup, eta: float, times, kind: str = "gd"):
    """Mean squared errors of μ_t: ``(train (T,), test (T,))``, training against the (noisy)
    training targets, test against the clean test targets."""
    train, test = mean_prediction(s, eta, times, kind)
    return (np.mean((train - s.y_train) ** 2, axis=-1), np.mean((test - s.y_test) ** 2, axis=-1))


# --- finite networks ------------------------------------------------------------------------
@dataclasses.dataclass(frozen=True, eq=False)
class Run:
    """One finite network trained by full-batch GD; arrays are read-only.

    ``times`` (T,) checkpoints (steps); ``f_train`` (T, n), ``f_test`` (T, m) outputs there;
    ``diverged`` whether an output became non-finite (later outputs are NaN).
    """

    dataset: str
    depth: int
    width: int
    seed: int
    lr_factor: float
    noise: float
    times: np.ndarray
    f_train: np.ndarray
    f_test: np.ndarray
    diverged: bool


@functools.cache
def _chunk_fn():
    import jax
    import jax.numpy as jnp

    from ..kernels.finite_width import apply

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


def train_chunks(dataset: str = "circle", depth: int = 1, width: int = 256, seed: int = 0,
                 lr_factor: float = 0.5, noise: float = 1.0) -> Iterator[Run]:
    """Train one finite MLP by full-batch GD, yielding the partial ``Run`` after every chunk of
    ``CHUNK`` steps (checkpoints not reached yet are NaN); the last one is complete.

    Same η = lr_factor/λ_max as the closed form; float64; the network of ``seed`` is the one
    ``kernels.empirical_ntk(..., seed=seed)`` uses.
    """
    dataset, depth, noise = _check_setting(dataset, depth, noise)
    width, seed, lr_factor = _check_width(width), check_int("seed", seed, minimum=0), _check_lr(lr_factor)
    return _train_chunks(dataset, depth, width, seed, lr_factor, noise)


def _train_chunks(dataset, depth, width, seed, lr_factor, noise):
    import jax.numpy as jnp

    from ..kernels.finite_width import init_params

    s = _setup(dataset, depth, noise)
    arch = mlp(depth=depth, W_std=W_STD, b_std=B_STD, activation="relu")
    n, m = len(s.y_train), len(s.y_test)
    eta = s.eta(lr_factor)
    outputs = np.full((T_MAX + 1, n + m), np.nan)
    run_chunk, forward = _chunk_fn()
    diverged = False

    def partial(done):
        picked = outputs[TIMES]
        return Run(dataset, depth, width, seed, lr_factor, noise, TIMES,
                   _frozen(picked[:, :n]), _frozen(picked[:, n:]), diverged)

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
            yield partial(start + steps)


@functools.lru_cache(maxsize=512)
def _train(dataset, depth, width, seed, lr_factor, noise) -> Run:
    run = None
    for run in _train_chunks(dataset, depth, width, seed, lr_factor, noise):
        pass
    return run


def train_network(dataset: str = "circle", depth: int = 1, width: int = 256, seed: int = 0,
                  lr_factor: float = 0.5, noise: float = 1.0) -> Run:
    """The complete ``Run`` of ``train_chunks`` (cached per argument set)."""
    dataset, depth, noise = _check_setting(dataset, depth, noise)
    width, seed, lr_factor = _check_width(width), check_int("seed", seed, minimum=0), _check_lr(lr_factor)
    return _train(dataset, depth, width, seed, lr_factor, noise)


def _check_runs(runs) -> Mapping:
    if not isinstance(runs, Mapping) or not all(
            isinstance(key, tuple) and len(key) == 2 and isinstance(run, Run)
            for key, run in runs.items()):
        raise TypeError(f"runs must be a dict {{(width, seed): Run}} (finite_runs), got "
                        f"{type(runs).__name__}")
    return runs


def _check_progress(progress):
    if not (progress is None or callable(progress)):
        raise TypeError(f"progress must be None or a callable(done, total), got {progress!r}")


def finite_runs(dataset: str = "circle", depth: int = 1, widths=WIDTHS, seeds=SEEDS,
                lr_factor: float = 0.5, noise: float = 1.0, progress=None) -> dict:
    """``{(width, seed): Run}`` for every width and seed: read from the shipped results when
    they hold exactly this setting, else trained (cached per network).

    ``progress(done, total)`` is called after each network.
    """
    dataset, depth, noise = _check_setting(dataset, depth, noise)
    widths, seeds, lr_factor = _check_widths(widths), _check_seeds(seeds), _check_lr(lr_factor)
    _check_progress(progress)
    total = len(widths) * len(seeds)
    runs, done = {}, 0
    shipped = _shipped(dataset, depth, lr_factor, noise)
    for width in widths:
        for seed in seeds:
            if shipped is not None and width in shipped.widths and seed in shipped.seeds:
                runs[width, seed] = shipped.run(dataset, width, seed)
            else:
                runs[width, seed] = _train(dataset, depth, width, seed, lr_factor, noise)
            done += 1
            if progress is not None:
                progress(done, total)
    return runs


def _distance(s: Setup, eta: float, run: Run) -> float:
    lin_train, lin_test = linearized(s, eta, run)
    lin = np.concatenate([lin_train, lin_test], axis=1)
    net = np.concatenate([run.f_train, run.f_test], axis=1)
    if not np.all(np.isfinite(net)):
        return float("nan")
    return float(np.linalg.norm(net - lin) / np.linalg.norm(lin))


def distances(runs: dict, s: Setup, lr_factor: float) -> tuple[tuple, tuple, np.ndarray]:
    """``(widths, seeds, D (W, S))``: relative distance ‖f_net − f_lin‖/‖f_lin‖ of every run to
    its linearised kernel prediction (same f_0), over all checkpoints and points."""
    _check_runs(runs)
    if not isinstance(s, Setup):
        raise TypeError(f"s must be a dynamics.Setup, got {type(s).__name__}")
    widths = tuple(sorted({w for w, _ in runs}))
    seeds = tuple(sorted({s_ for _, s_ in runs}))
    eta = s.eta(_check_lr(lr_factor))
    D = np.full((len(widths), len(seeds)), np.nan)
    for (w, seed), run in runs.items():
        D[widths.index(w), seeds.index(seed)] = _distance(s, eta, run)
    return widths, seeds, _frozen(D)


# --- the explorer's state -------------------------------------------------------------------
@dataclasses.dataclass(frozen=True, eq=False)
class DynamicsState:
    """Everything the dynamics explorer shows at one setting and time; arrays read-only.

    Attributes
    ----------
    setup : the ``Setup``;  lr_factor, eta : learning rate (η λ_max and η);  t : time (steps)
    width : the width shown;  seeds : initialisations;  kind : ``"gd"`` or ``"flow"``
    mu_train (n,), mu_test (m,) : kernel mean μ_t
    net_train (S, n), net_test (S, m) : finite networks of ``width`` at the checkpoint nearest t
        (NaN without runs);  lin_test (S, m) : their linearised predictions (same f_0)
    t_net : that checkpoint (steps), or NaN without runs
    times (T,) : dense time grid of the error curves;  train_error, test_error (T,) : MSE of μ_t
    t_stop : time of least test error on the grid;  test_error_stop : that error
    test_error_inf : test error of μ_∞ (the GP posterior mean, ridge 0);  test_error_t : at t
    train_error_t : training MSE at t
    modes : (K,) indices of the top eigen-directions with distinct eigenvalues;  lam_modes (K,) their eigenvalues
    mode_pred (T, K) : predicted |residual| ratio d_i(t) on ``times``
    ckpt (C,) : checkpoints;  mode_measured (C, K) : measured Σ_s|p_i(t)| / Σ_s|p_i(0)| of
        the networks of ``width`` (sums over seeds; NaN without runs);  net_test_error (C,) : their test MSE
        (clean targets), mean over seeds
    widths (W,), D (W, S) : distance to the linearised kernel prediction;  D_mean (W,)
    distance : mean distance at ``width`` (NaN without runs);  diverged : any run diverged
    has_runs : whether finite networks are available for this setting
    """

    setup: Setup
    lr_factor: float
    eta: float
    t: float
    width: int
    seeds: tuple
    kind: str
    mu_train: np.ndarray
    mu_test: np.ndarray
    net_train: np.ndarray
    net_test: np.ndarray
    lin_test: np.ndarray
    t_net: float
    times: np.ndarray
    train_error: np.ndarray
    test_error: np.ndarray
    t_stop: float
    test_error_stop: float
    test_error_inf: float
    test_error_t: float
    train_error_t: float
    modes: np.ndarray
    lam_modes: np.ndarray
    mode_pred: np.ndarray
    ckpt: np.ndarray
    mode_measured: np.ndarray
    net_test_error: np.ndarray
    widths: np.ndarray
    D: np.ndarray
    D_mean: np.ndarray
    distance: float
    diverged: bool
    has_runs: bool


#: Dense time grid of the error and decay curves: 0 and ~log-spaced integers to 10·T_MAX
#: (integers: discrete GD steps, where ``(1 − ηλ)^t`` is defined even for ηλ > 1).
DENSE_TIMES = _frozen(np.unique(np.r_[0, np.round(np.logspace(0, np.log10(10 * T_MAX), 300))]))


@functools.lru_cache(maxsize=64)
def _curves(dataset, depth, noise, lr_factor, kind):
    s = _setup(dataset, depth, noise)
    eta = s.eta(lr_factor)
    train_err, test_err = error_curves(s, eta, DENSE_TIMES, kind)
    # t → ∞: Θ(x, X) Θ⁻¹ Y (ridge 0)
    inf_test = s.theta_test @ np.linalg.solve(s.theta, s.y_train)
    err_inf = float(np.mean((inf_test - s.y_test) ** 2))
    modes = _distinct_modes(s.lam)
    pred = np.abs(_decay(s.lam[modes], eta, DENSE_TIMES, kind))
    return _frozen(train_err), _frozen(test_err), err_inf, modes, _frozen(pred)


def _distinct_modes(lam) -> np.ndarray:
    """The first ``N_MODES`` eigen-directions with distinct eigenvalues (one of each degenerate
    pair, e.g. the cos/sin Fourier modes of the circle: their residuals decay alike)."""
    chosen = [0]
    for i in range(1, len(lam)):
        if len(chosen) == N_MODES:
            break
        if lam[chosen[-1]] - lam[i] > 1e-8 * lam[0]:
            chosen.append(i)
    return np.array(chosen)


def _nearest_checkpoint(t: float) -> int:
    return int(np.argmin(np.abs(np.log1p(TIMES) - np.log1p(t))))


def dynamics_state(dataset: str = "circle", depth: int = 1, lr_factor: float = 0.5,
                   noise: float = 1.0, width: int = 256, t: float = 100.0, *, runs=None,
                   kind: str = "gd") -> DynamicsState:
    """The explorer's state at time ``t`` (steps); ``runs`` the ``{(width, seed): Run}`` of this
    setting (``finite_runs``), or None for the kernel alone. Cheap: the kernel, its
    eigen-decomposition and the curves are cached, the rest is O(n·m) per call."""
    dataset, depth, noise = _check_setting(dataset, depth, noise)
    lr_factor, width, kind = _check_lr(lr_factor), _check_width(width), _check_kind(kind)
    t = float(check_real("t", t, minimum=0.0))
    s = _setup(dataset, depth, noise)
    eta = s.eta(lr_factor)
    mu_train, mu_test = mean_prediction(s, eta, t, kind)
    train_err, test_err, err_inf, modes, pred = _curves(dataset, depth, noise, lr_factor, kind)
    stop = int(np.argmin(test_err))
    n, m, K = len(s.y_train), len(s.y_test), len(modes)
    runs = {} if runs is None else _check_runs(runs)
    seeds = tuple(sorted({seed for w, seed in runs if w == width}))
    here = [runs[width, seed] for seed in seeds]
    c = _nearest_checkpoint(t)
    if here:
        net_train = np.stack([r.f_train[c] for r in here])
        net_test = np.stack([r.f_test[c] for r in here])
        lin_test = np.stack([closed_form(s, eta, TIMES[c], r.f_train[0], r.f_test[0], kind)[1]
                             for r in here])
        proj = np.stack([np.abs(_residuals(s, r.f_train)[:, modes]) for r in here])
        # ratio of seed sums, not mean of ratios: a seed whose p_i(0) is nearly 0 would dominate
        with np.errstate(invalid="ignore", divide="ignore"):
            measured = proj.sum(axis=0) / proj[:, :1].sum(axis=0)
        net_error = np.mean([np.mean((r.f_test - s.y_test) ** 2, axis=1) for r in here], axis=0)
        t_net = float(TIMES[c])
    else:
        net_train, net_test, lin_test = np.zeros((0, n)), np.zeros((0, m)), np.zeros((0, m))
        measured, t_net = np.full((len(TIMES), K), np.nan), float("nan")
        net_error = np.full(len(TIMES), np.nan)
    if runs:
        widths, _, D = distances(runs, s, lr_factor)
    else:
        widths, D = (), np.zeros((0, 0))
    with warnings.catch_warnings():  # a width whose runs all diverged: NaN, no warning
        warnings.simplefilter("ignore", RuntimeWarning)
        D_mean = np.nanmean(D, axis=1) if D.size else np.zeros(0)
    distance = float(D_mean[widths.index(width)]) if width in widths else float("nan")
    return DynamicsState(
        s, lr_factor, eta, t, width, seeds, kind, _frozen(mu_train), _frozen(mu_test),
        _frozen(net_train), _frozen(net_test), _frozen(lin_test), t_net, DENSE_TIMES,
        train_err, test_err, float(DENSE_TIMES[stop]), float(test_err[stop]), err_inf,
        float(np.mean((mu_test - s.y_test) ** 2)), float(np.mean((mu_train - s.y_train) ** 2)),
        modes, _frozen(s.lam[modes]), pred, TIMES, _frozen(measured), _frozen(net_error),
        np.array(widths, dtype=np.int64), _frozen(D), _frozen(D_mean), distance,
        any(r.diverged for r in runs.values()), bool(here))


# --- shipped results ------------------------------------------------------------------------
@dataclasses.dataclass(frozen=True, eq=False)
class DynamicsResults:
    """Finite-network runs of ``precompute``: outputs ``f_train[dataset]`` (W, S, T, n),
    ``f_test[dataset]`` (W, S, T, m) at the checkpoints ``times``."""

    widths: tuple
    seeds: tuple
    depth: int
    lr_factor: float
    noise: float
    times: np.ndarray
    f_train: dict
    f_test: dict
    #: (dataset, depth) → (Θ(X, X), Θ(x_test, X)) for every dataset and depth 1..MAX_DEPTH
    thetas: dict = dataclasses.field(default_factory=dict)

    def covers(self, dataset, depth, lr_factor, noise) -> bool:
        return (dataset in self.f_train and depth == self.depth and lr_factor == self.lr_factor
                and noise == self.noise and np.array_equal(self.times, TIMES))

    def run(self, dataset, width, seed) -> Run:
        i, j = self.widths.index(width), self.seeds.index(seed)
        f_train, f_test = self.f_train[dataset][i, j], self.f_test[dataset][i, j]
        diverged = not (np.all(np.isfinite(f_train)) and np.all(np.isfinite(f_test)))
        return Run(dataset, self.depth, width, seed, self.lr_factor, self.noise, self.times,
                   _frozen(f_train), _frozen(f_test), diverged)


def precompute(path=None, progress: Callable | None = None, *, widths=WIDTHS, seeds=SEEDS,
               datasets_=DATASETS) -> Path:
    """Train ``widths`` × ``seeds`` on every dataset at ``DEFAULTS`` and write them to ``path``
    (default ``precomputed_path()``); ``progress(done, total, label)``. Returns the path."""
    _check_progress(progress)
    widths, seeds = _check_widths(widths), _check_seeds(seeds)
    datasets_ = check_sequence("datasets_", (datasets_,) if isinstance(datasets_, str) else datasets_,
                               lambda name: check_choice("datasets_", name, DATASETS))
    if path is not None:
        check_path("path", path)
    depth, lr_factor, noise = DEFAULTS["depth"], DEFAULTS["lr_factor"], DEFAULTS["noise"]
    total = len(datasets_) * len(widths) * len(seeds)
    done = 0
    f_train, f_test = {}, {}
    for name in datasets_:
        s = _setup(name, depth, noise)
        a = np.zeros((len(widths), len(seeds), len(TIMES), len(s.y_train)))
        b = np.zeros((len(widths), len(seeds), len(TIMES), len(s.y_test)))
        for i, w in enumerate(widths):
            for j, seed in enumerate(seeds):
                if progress is not None:
                    progress(done, total, f"{name}, width {w}, seed {seed}")
                run = _train(name, depth, w, seed, lr_factor, noise)
                a[i, j], b[i, j] = run.f_train, run.f_test
                done += 1
        f_train[name], f_test[name] = a, b
    if progress is not None:
        progress(total, total, "done")
    thetas = {(name, k): _compute_kernels(name, k) for name in DATASETS
              for k in range(1, MAX_DEPTH + 1)}
    results = DynamicsResults(widths, seeds, depth, lr_factor, noise, TIMES, f_train, f_test, thetas)
    return save_results(results, precomputed_path() if path is None else path)


def save_results(results: DynamicsResults, path) -> Path:
    """Write ``results`` (float64, configuration included) to an ``.npz``."""
    if not isinstance(results, DynamicsResults):
        raise TypeError(f"results must be a dynamics.DynamicsResults, got {type(results).__name__}")
    meta = {"format": FILE_FORMAT, "widths": list(results.widths), "seeds": list(results.seeds),
            "depth": results.depth, "lr_factor": results.lr_factor, "noise": results.noise,
            "datasets": list(results.f_train), "W_std": W_STD, "b_std": B_STD}
    arrays = {f"f_train_{k}": v for k, v in results.f_train.items()}
    arrays.update({f"f_test_{k}": v for k, v in results.f_test.items()})
    for (name, depth), (theta, theta_test) in results.thetas.items():
        arrays[f"theta_{name}_{depth}"], arrays[f"thetatest_{name}_{depth}"] = theta, theta_test
    path = check_path("path", path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as handle:
        np.savez_compressed(handle, meta=np.array(json.dumps(meta)),
                            times=np.asarray(results.times, dtype=np.int64), **arrays)
    return path


def load_results(path) -> DynamicsResults:
    """Read a file written by ``save_results``; ValueError if missing or not such a file."""
    path = check_path("path", path)
    if not path.exists():
        raise ValueError(f"path {str(path)!r} does not exist")
    try:
        with open_npz(path) as archive:
            meta = json.loads(str(archive["meta"]))
            if meta.get("format") != FILE_FORMAT:
                raise ValueError(f"format {meta.get('format')}, expected {FILE_FORMAT}")
            if (meta["W_std"], meta["b_std"]) != (W_STD, B_STD):
                raise ValueError("another W_std/b_std")
            names = tuple(meta["datasets"])
            f_train = {k: _frozen(archive[f"f_train_{k}"]) for k in names}
            f_test = {k: _frozen(archive[f"f_test_{k}"]) for k in names}
            times = np.array(archive["times"], dtype=np.int64)
            thetas = {(name, int(depth)): (_frozen(archive[key]),
                                           _frozen(archive[f"thetatest_{name}_{depth}"]))
                      for key in archive.files if key.startswith("theta_")
                      for name, depth in [key[len("theta_"):].rsplit("_", 1)]}
        results = DynamicsResults(tuple(int(w) for w in meta["widths"]),
                                  tuple(int(s) for s in meta["seeds"]), int(meta["depth"]),
                                  float(meta["lr_factor"]), float(meta["noise"]), times,
                                  f_train, f_test, thetas)
    except (OSError, KeyError, TypeError, ValueError, zipfile.BadZipFile) as error:
        raise ValueError(f"{path} is not a dynamics results file: {error}") from error
    for k in results.f_train:
        shape = (len(results.widths), len(results.seeds), len(times))
        if results.f_train[k].shape[:3] != shape or results.f_test[k].shape[:3] != shape:
            raise ValueError(f"{path} has arrays whose shapes do not match its configuration")
    return results


def precomputed_path() -> Path:
    """The bundled results file ``data/results/dynamics.npz``."""
    return datasets.bundled_data_dir() / "results" / "dynamics.npz"


@functools.lru_cache(maxsize=4)
def _load_cached(path: str, mtime_ns: int, size: int) -> DynamicsResults:
    return load_results(path)


def load_precomputed(path=None) -> DynamicsResults:
    """The shipped results, read once per process; ValueError if missing or unreadable."""
    path = precomputed_path() if path is None else check_path("path", path)
    if not path.exists():
        raise ValueError(f"dynamics results not precomputed: no file at {str(path)!r}; "
                         "run ntkviz.experiments.dynamics.precompute()")
    stat = path.stat()
    return _load_cached(str(path), stat.st_mtime_ns, stat.st_size)


def _shipped(dataset, depth, lr_factor, noise) -> DynamicsResults | None:
    try:
        results = load_precomputed()
    except ValueError:
        return None
    return results if results.covers(dataset, depth, lr_factor, noise) else None


def is_precomputed(dataset: str = "circle", depth: int = 1, lr_factor: float = 0.5,
                   noise: float = 1.0, widths=WIDTHS, seeds=SEEDS) -> bool:
    """Whether ``finite_runs`` with these arguments reads every run from the shipped file."""
    dataset, depth, noise = _check_setting(dataset, depth, noise)
    lr_factor, widths, seeds = _check_lr(lr_factor), _check_widths(widths), _check_seeds(seeds)
    shipped = _shipped(dataset, depth, lr_factor, noise)
    return shipped is not None and set(widths) <= set(shipped.widths) and set(seeds) <= set(shipped.seeds)
