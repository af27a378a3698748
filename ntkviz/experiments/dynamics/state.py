"""What the dynamics explorer shows at one setting and time (``dynamics_state``): the kernel
mean μ_t, the finite networks at the nearest checkpoint with their linearised predictions, the
error and per-mode decay curves, and the distances to the kernel prediction against width."""

from __future__ import annotations

import dataclasses
import functools
import warnings

import numpy as np

from .._common import frozen
from .config import N_MODES, PARAMS, T_MAX, TIMES, Setup, nearest_checkpoint
from .maths import decay_factors, error_curves, linear, mean_prediction, residuals, setup
from .training import check_runs, distance_table

__all__ = ["DENSE_TIMES", "DynamicsState", "dynamics_state"]


@dataclasses.dataclass(frozen=True, eq=False)
class DynamicsState:
    """Everything the dynamics explorer shows at one setting and time; arrays read-only.

    Attributes
    ----------
    setup : Setup
        The ``Setup``.
    lr_factor, eta : float
        Learning rate (η λ_max and η).
    t : float
        Time (steps).
    width : int
        The width shown.
    seeds : tuple of int
        Initialisations.
    kind : str
        ``"gd"`` or ``"flow"``.
    mu_train : ndarray of shape (n,)
        Kernel mean μ_t on the training points.
    mu_test : ndarray of shape (m,)
        Kernel mean μ_t on the test points.
    net_train : ndarray of shape (S, n)
        Finite networks of ``width`` at the checkpoint nearest t (NaN without runs).
    net_test : ndarray of shape (S, m)
        Finite networks of ``width`` at the checkpoint nearest t (NaN without runs).
    lin_test : ndarray of shape (S, m)
        Linearised predictions of the networks of ``net_test`` (same f_0).
    t_net : float
        The checkpoint nearest t (steps), or NaN without runs.
    times : ndarray of shape (T,)
        Dense time grid of the error curves.
    train_error, test_error : ndarray of shape (T,)
        MSE of μ_t.
    t_stop : float
        Time of least test error on the grid.
    test_error_stop : float
        The least test error on the grid (at ``t_stop``).
    test_error_inf : float
        Test error of μ_∞ (the GP posterior mean, ridge 0).
    test_error_t : float
        Test error at t.
    train_error_t : float
        Training MSE at t.
    modes : ndarray of shape (K,)
        Indices of the top eigen-directions with distinct eigenvalues.
    lam_modes : ndarray of shape (K,)
        Eigenvalues of the directions of ``modes``.
    mode_pred : ndarray of shape (T, K)
        Predicted ``|residual|`` ratio d_i(t) on ``times``.
    ckpt : ndarray of shape (C,)
        Checkpoints.
    mode_measured : ndarray of shape (C, K)
        Measured Σ_s|p_i(t)| / Σ_s|p_i(0)| of the networks of ``width`` (sums over seeds; NaN
        without runs).
    net_test_error : ndarray of shape (C,)
        Test MSE of the networks of ``width`` (clean targets), mean over seeds.
    widths : ndarray of shape (W,)
        Widths (the rows of ``D``).
    D : ndarray of shape (W, S)
        Distance to the linearised kernel prediction.
    D_mean : ndarray of shape (W,)
        Mean of ``D`` over seeds.
    distance : float
        Mean distance at ``width`` (NaN without runs).
    diverged : bool
        Any run diverged.
    has_runs : bool
        Whether finite networks are available for this setting.
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
DENSE_TIMES = frozen(np.unique(np.r_[0, np.round(np.logspace(0, np.log10(10 * T_MAX), 300))]))


@functools.lru_cache(maxsize=64)
def _curves(dataset, depth, noise, lr_factor, kind):
    s = setup.unchecked(dataset, depth, noise)
    eta = s.eta(lr_factor)
    train_err, test_err = error_curves(s, eta, DENSE_TIMES, kind)
    # t → ∞: Θ(x, X) Θ⁻¹ Y (ridge 0)
    inf_test = s.theta_test @ np.linalg.solve(s.theta, s.y_train)
    err_inf = float(np.mean((inf_test - s.y_test) ** 2))
    modes = _distinct_modes(s.lam)
    pred = np.abs(decay_factors(s.lam[modes], eta, DENSE_TIMES, kind))
    return frozen(train_err), frozen(test_err), err_inf, modes, frozen(pred)


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


@PARAMS.validated
def dynamics_state(dataset: str = "circle", depth: int = 1, lr_factor: float = 0.5,
                   noise: float = 1.0, width: int = 256, t: float = 100.0, *, runs=None,
                   kind: str = "gd") -> DynamicsState:
    """The explorer's state at time ``t`` (steps); ``runs`` the ``{(width, seed): Run}`` of this
    setting (``finite_runs``), or None for the kernel alone. Cheap: the kernel, its
    eigen-decomposition and the curves are cached, the rest is O(n·m) per call.

    Examples
    --------
    The kernel alone on the noisy circle: the test error of the kernel mean is least early
    (early stopping) and larger at t → ∞; with the shipped networks of width 1024, their
    distance to the kernel prediction:

    >>> from ntkviz.experiments import dynamics
    >>> state = dynamics.dynamics_state("circle", t=100.0)
    >>> state.mu_test.shape, state.has_runs
    ((101,), False)
    >>> print(f"{state.t_stop:.0f} {state.test_error_stop:.3f} {state.test_error_inf:.3f}")
    8 0.504 0.689
    >>> runs = dynamics.finite_runs("circle", widths=(16, 1024), seeds=(0, 1))
    >>> state = dynamics.dynamics_state("circle", width=1024, t=100.0, runs=runs)
    >>> state.net_test.shape, state.t_net, round(state.distance, 2)
    ((2, 101), 100.0, 0.18)
    """
    s = setup.unchecked(dataset, depth, noise)
    eta = s.eta(lr_factor)
    mu_train, mu_test = mean_prediction(s, eta, t, kind)
    train_err, test_err, err_inf, modes, pred = _curves(dataset, depth, noise, lr_factor, kind)
    stop = int(np.argmin(test_err))
    n, m, K = len(s.y_train), len(s.y_test), len(modes)
    runs = {} if runs is None else check_runs(runs)
    seeds = tuple(sorted({seed for w, seed in runs if w == width}))
    here = [runs[width, seed] for seed in seeds]
    c = nearest_checkpoint.unchecked(t)
    if here:
        net_train = np.stack([r.f_train[c] for r in here])
        net_test = np.stack([r.f_test[c] for r in here])
        lin_test = np.stack([linear(s, eta, TIMES[c], r.f_train[0], r.f_test[0], kind)[1]
                             for r in here])
        proj = np.stack([np.abs(residuals(s, r.f_train)[:, modes]) for r in here])
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
        widths, _, D = distance_table(runs, s, lr_factor)
    else:
        widths, D = (), np.zeros((0, 0))
    with warnings.catch_warnings():  # a width whose runs all diverged: NaN, no warning
        warnings.simplefilter("ignore", RuntimeWarning)
        D_mean = np.nanmean(D, axis=1) if D.size else np.zeros(0)
    distance = float(D_mean[widths.index(width)]) if width in widths else float("nan")
    return DynamicsState(
        s, lr_factor, eta, t, width, seeds, kind, frozen(mu_train), frozen(mu_test),
        frozen(net_train), frozen(net_test), frozen(lin_test), t_net, DENSE_TIMES,
        train_err, test_err, float(DENSE_TIMES[stop]), float(test_err[stop]), err_inf,
        float(np.mean((mu_test - s.y_test) ** 2)), float(np.mean((mu_train - s.y_train) ** 2)),
        modes, frozen(s.lam[modes]), pred, TIMES, frozen(measured), frozen(net_error),
        np.array(widths, dtype=np.int64), frozen(D), frozen(D_mean), distance,
        any(r.diverged for r in runs.values()), bool(here))
