"""The kernel regime in closed form (NTK, arXiv 1806.07572, Sec. 5;
docs/theory.md#training-in-the-kernel-regime): the datasets with their analytic NTK (``setup``),
the per-mode decay ``d(t)``, the linearised network ``f_t`` from any initial outputs, and the
errors of the kernel mean. Numpy only: no training, no explorer."""

from __future__ import annotations

import functools

import numpy as np

from ... import datasets
from ..._validate import as_finite_array
from ...kernels import mlp
from ...params import Params
from .._common import frozen
from ..width import GAMMAS, circle_points
from .config import (
    B_STD,
    MAX_ETA_LAMBDA,
    MAX_FLOW_TIME,
    MNIST_CLASSES,
    MNIST_TEST,
    MNIST_TRAIN,
    N_CIRCLE,
    NOISE_SEED,
    PARAMS,
    W_STD,
    Run,
    Setup,
)
from .store import shipped_kernels

#: The parameters of the closed forms: those of the package but ``t``, which here are times
#: (a scalar or an array, checked by ``_times``).
CHECKED = Params(*(param for name, param in PARAMS.items() if name != "t"))

__all__ = ["setup", "compute_kernels", "decay", "closed_form", "mean_prediction", "linearized",
           "mode_residuals", "error_curves", "decay_factors", "linear", "residuals"]


def _circle_target(gammas) -> np.ndarray:
    return np.sin(gammas) + 0.5 * np.sin(3 * gammas)


@functools.lru_cache(maxsize=4)
def _inputs(dataset: str):
    """(x_train, y_clean, x_test, y_test, coord_train, coord_test, classes), read-only."""
    if dataset == "circle":
        g_train = -np.pi + 2 * np.pi * np.arange(N_CIRCLE) / N_CIRCLE
        out = (circle_points.unchecked(g_train), _circle_target(g_train),
               circle_points.unchecked(GAMMAS), _circle_target(GAMMAS), g_train, np.array(GAMMAS),
               None)
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
    return tuple(frozen(a) if isinstance(a, np.ndarray) else a for a in out)


@functools.lru_cache(maxsize=16)
def compute_kernels(dataset: str, depth: int) -> tuple[np.ndarray, np.ndarray]:
    """Θ(X, X) (symmetrised) and Θ(x_test, X) from ``kernels.mlp`` (clean arguments)."""
    x_train, _, x_test, *_ = _inputs(dataset)
    kernel = mlp(depth=depth, W_std=W_STD, b_std=B_STD, activation="relu")
    theta = kernel.ntk(x_train)
    return frozen(0.5 * (theta + theta.T)), frozen(kernel.ntk(x_test, x_train))


@CHECKED.validated
@functools.lru_cache(maxsize=32)
def setup(dataset: str = "circle", depth: int = 1, noise: float = 1.0) -> Setup:
    """The data, targets and analytic NTK of ``dataset`` (``"circle"`` or ``"mnist"``), cached.

    ``depth`` hidden ReLU layers (``kernels.mlp(depth, W_STD, B_STD)``; Θ read from the shipped
    file when it holds it, so no JAX compilation), ``noise`` the standard deviation of the
    Gaussian noise added to the training targets (package docstring).

    Examples
    --------
    Sixteen angles on the unit circle and 101 test angles; Θ is eigen-decomposed once:

    >>> from ntkviz.experiments import dynamics
    >>> s = dynamics.setup("circle")
    >>> s.theta.shape, s.x_test.shape
    ((16, 16), (101, 2))
    >>> print(f"{s.lam_max:.4f}", bool(np.allclose(s.theta @ s.vecs, s.vecs * s.lam)))
    2.6603 True
    """
    x_train, y_clean, x_test, y_test, c_train, c_test, classes = _inputs(dataset)
    rng = np.random.default_rng(NOISE_SEED)
    y_train = y_clean + noise * rng.standard_normal(y_clean.shape)
    theta, theta_test = shipped_kernels(dataset, depth) or compute_kernels(dataset, depth)
    lam, vecs = np.linalg.eigh(theta)
    lam, vecs = lam[::-1], vecs[:, ::-1]
    vecs = vecs * np.where(vecs.sum(axis=0) < 0, -1.0, 1.0)  # a reproducible sign per mode
    return Setup(dataset, depth, noise, x_train, x_test, frozen(y_train), y_clean, y_test,
                 c_train, c_test, frozen(theta), frozen(theta_test), frozen(lam), frozen(vecs),
                 float(lam[0]), classes)


# --- checks shared by the public closed forms -------------------------------------------------
def _times(t) -> np.ndarray:
    t = as_finite_array("t", t, ndim=(0, 1))
    if np.any(t < 0):
        raise ValueError(f"t must be >= 0 (training time in steps), got {t.min()}")
    return t


def _check_eta_limit(eta: float, lam_max: float, kind: str, times: np.ndarray) -> None:
    """Gradient descent: η·λ_max ≤ MAX_ETA_LAMBDA (a round-off margin for η = 2/λ_max);
    gradient flow: η·t ≤ MAX_FLOW_TIME."""
    if kind == "gd" and eta * lam_max > MAX_ETA_LAMBDA * (1 + 1e-12):
        raise ValueError(f"eta must be <= {MAX_ETA_LAMBDA:g}/λ_max = {MAX_ETA_LAMBDA / lam_max:.6g} "
                         f"(gradient descent's stability limit), got {eta}")
    if kind == "flow" and eta * float(np.max(times, initial=0.0)) > MAX_FLOW_TIME:
        raise ValueError(f"eta · t must be <= {MAX_FLOW_TIME:g} (the training time of gradient "
                         f"flow), got eta = {eta:g} and t up to {float(np.max(times)):g}")


# --- closed form ----------------------------------------------------------------------------
@CHECKED.validated
def decay(lam, eta: float, t, kind: str = "gd") -> np.ndarray:
    """Per-mode residual factor ``d(t)``: ``(1 − ηλ)^t`` (``"gd"``) or ``e^{−ηλt}`` (``"flow"``).

    For ``"gd"`` with ηλ > 1 (unstable for ηλ > 2) the factor is defined at integer t only.

    ``lam`` (n,), ``t`` scalar or (T,) → (n,) or (T, n).
    docs/theory.md#training-in-the-kernel-regime.

    Examples
    --------
    The mode with the largest eigenvalue is learnt first; gradient flow is close to gradient
    descent when ηλ is small:

    >>> from ntkviz.experiments import dynamics
    >>> lam = np.array([2.0, 1.0, 0.1])
    >>> print(np.round(dynamics.decay(lam, eta=0.25, t=4), 4))
    [0.0625 0.3164 0.9037]
    >>> print(np.round(dynamics.decay(lam, eta=0.25, t=4, kind="flow"), 4))
    [0.1353 0.3679 0.9048]
    """
    lam, t = as_finite_array("lam", lam, ndim=1), _times(t)
    _check_eta_limit(eta, float(np.max(np.abs(lam), initial=0.0)), kind, t)
    return decay_factors(lam, eta, t, kind)


def _log_rate(lam, eta, kind):
    if kind == "flow":
        return -eta * lam
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.log1p(-eta * lam) if np.all(eta * lam < 1) else np.log(np.abs(1 - eta * lam))


def decay_factors(lam, eta, t, kind):
    """``decay`` for clean arguments."""
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
        gain = (1 - decay_factors(lam, eta, t, kind)) / safe
    else:
        gain = -np.expm1(np.multiply.outer(t, _log_rate(safe, eta, kind))) / safe
    return np.where(small, np.multiply.outer(t, np.full(lam.shape, eta)), gain)


def linear(s: Setup, eta: float, t, f0_train, f0_test, kind: str = "gd"):
    """``closed_form`` for clean arguments (``f0_train``, ``f0_test`` arrays)."""
    target = s.vecs.T @ (s.y_train - f0_train)  # (Y − f_0) in the eigenbasis
    d = decay_factors(s.lam, eta, t, kind)
    g = _gain(s.lam, eta, t, kind)
    with np.errstate(invalid="ignore", over="ignore"):  # NaN/inf only for unstable GD
        train = s.y_train - (d * target) @ s.vecs.T
        test = f0_test + (g * target) @ (s.theta_test @ s.vecs).T
    return train, test


@CHECKED.validated
def closed_form(s: Setup, eta: float, t, f0_train=None, f0_test=None, kind: str = "gd"):
    """Linearised network at times ``t``: ``(f_t(X_train), f_t(X_test))``
    (docs/theory.md#training-in-the-kernel-regime).

    ``f0_train`` (n,), ``f0_test`` (m,) are the outputs at initialisation (zero: the mean over
    initialisations μ_t). ``t`` scalar → (n,), (m,); ``t`` (T,) → (T, n), (T, m).

    Examples
    --------
    The kernel mean (``f_0 = 0``) at three times, with η λ_max = 0.5: the training error
    falls to zero; from given initial outputs, t = 0 returns them:

    >>> from ntkviz.experiments import dynamics
    >>> s = dynamics.setup("circle")
    >>> f_train, f_test = dynamics.closed_form(s, s.eta(0.5), [0, 10, 1000])
    >>> f_train.shape, f_test.shape
    ((3, 16), (3, 101))
    >>> print(np.round(np.mean((f_train - s.y_train) ** 2, axis=1), 3))
    [0.495 0.329 0.   ]
    >>> f0 = np.random.default_rng(0).normal(size=16)
    >>> bool(np.allclose(dynamics.closed_form(s, s.eta(0.5), 0, f0, np.zeros(101))[0], f0))
    True
    """
    t = _times(t)
    _check_eta_limit(eta, s.lam_max, kind, t)
    n, m = len(s.y_train), len(s.y_test)
    f0_train = np.zeros(n) if f0_train is None else as_finite_array("f0_train", f0_train, ndim=1)
    f0_test = np.zeros(m) if f0_test is None else as_finite_array("f0_test", f0_test, ndim=1)
    if f0_train.shape != (n,) or f0_test.shape != (m,):
        raise ValueError(f"f0_train and f0_test must have shapes ({n},) and ({m},), got "
                         f"{f0_train.shape} and {f0_test.shape}")
    return linear(s, eta, t, f0_train, f0_test, kind)


def mean_prediction(s: Setup, eta: float, t, kind: str = "gd"):
    """μ_t on training and test points: ``closed_form`` with ``f_0 = 0``
    (docs/theory.md#training-in-the-kernel-regime).

    Examples
    --------
    After a long gradient flow the kernel mean is the GP posterior mean with no ridge,
    ``Θ(x, X) Θ⁻¹ Y``, and interpolates the training targets:

    >>> from ntkviz.experiments import dynamics
    >>> s = dynamics.setup("circle")
    >>> mu_train, mu_test = dynamics.mean_prediction(s, s.eta(0.5), 1e7, kind="flow")
    >>> gp_mean = s.theta_test @ np.linalg.solve(s.theta, s.y_train)
    >>> bool(np.allclose(mu_test, gp_mean)), bool(np.allclose(mu_train, s.y_train))
    (True, True)
    """
    return closed_form(s, eta, t, None, None, kind)


def linearized(s: Setup, eta: float, run: Run, kind: str = "gd"):
    """The linearised prediction (analytic Θ) for the initialisation of ``run`` at its
    checkpoints: ``(T, n)``, ``(T, m)``.

    Examples
    --------
    A shipped network of width 1024 stays much closer to its linearisation than one of
    width 16 (relative distance of the test outputs over all checkpoints):

    >>> from ntkviz.experiments import dynamics
    >>> s = dynamics.setup("circle")
    >>> runs = dynamics.finite_runs("circle", widths=(16, 1024), seeds=(0,))
    >>> for width in (16, 1024):
    ...     lin_train, lin_test = dynamics.linearized(s, s.eta(0.5), runs[width, 0])
    ...     gap = np.linalg.norm(runs[width, 0].f_test - lin_test) / np.linalg.norm(lin_test)
    ...     print(width, lin_test.shape, f"{gap:.2f}")
    16 (31, 101) 0.70
    1024 (31, 101) 0.17
    """
    CHECKED["run"].check(run)
    return closed_form(s, eta, run.times, run.f_train[0], run.f_test[0], kind)


def residuals(s: Setup, f_train) -> np.ndarray:
    """``mode_residuals`` for clean arguments (a diverged run's NaN outputs stay NaN)."""
    return (np.asarray(f_train, dtype=float) - s.y_train) @ s.vecs


@CHECKED.validated
def mode_residuals(s: Setup, f_train) -> np.ndarray:
    """Residual ``f(X) − Y`` projected on Θ's eigenvectors: ``(…, n)`` from ``f_train (…, n)``.

    Examples
    --------
    Along each eigenvector the residual of the kernel mean shrinks by its own factor
    ``d_i(t)``:

    >>> from ntkviz.experiments import dynamics
    >>> s = dynamics.setup("circle")
    >>> eta = s.eta(0.5)
    >>> p0 = dynamics.mode_residuals(s, np.zeros(16))          # f = 0: the residual is −Y
    >>> p100 = dynamics.mode_residuals(s, dynamics.mean_prediction(s, eta, 100)[0])
    >>> bool(np.allclose(p100, dynamics.decay(s.lam, eta, 100) * p0))
    True
    """
    f_train = as_finite_array("f_train", f_train, ndim=(1, 2))
    if f_train.shape[-1] != len(s.y_train):
        raise ValueError(f"f_train must have {len(s.y_train)} entries in its last axis, got shape "
                         f"{f_train.shape}")
    return residuals(s, f_train)


def error_curves(s: Setup, eta: float, times, kind: str = "gd"):
    """Mean squared errors of μ_t: ``(train (T,), test (T,))``, training against the (noisy)
    training targets, test against the clean test targets.

    Examples
    --------
    With noisy training targets the training error falls to zero while the test error is
    least early on (early stopping):

    >>> from ntkviz.experiments import dynamics
    >>> s = dynamics.setup("circle", noise=1.0)
    >>> train, test = dynamics.error_curves(s, s.eta(0.5), [0, 10, 100, 1000, 10000])
    >>> print(np.round(train, 3))
    [0.495 0.329 0.129 0.    0.   ]
    >>> print(np.round(test, 3))
    [0.619 0.505 0.56  0.683 0.689]
    """
    train, test = mean_prediction(s, eta, times, kind)
    return (np.mean((train - s.y_train) ** 2, axis=-1), np.mean((test - s.y_test) ** 2, axis=-1))
