"""Finite-width networks against their infinite-width NTK on the unit circle (NTK, arXiv
1806.07572, Fig. 1; Equivariant NTKs, arXiv 2406.06504, Fig. 1;
docs/theory.md#the-empirical-ntk-and-width).

Inputs ``x(γ) = (cos γ, sin γ)``, ``γ ∈ [−π, π]``, and the fixed point ``x0 = x(0) = (1, 0)``.
The analytic NTK ``Θ(x0, x(γ))`` of an MLP with ``depth`` hidden layers (``kernels.mlp``) is a
deterministic curve; each random initialisation (seed) of a finite network of width n gives its
own empirical curve ``Θ̂(x0, x(γ))`` (NTK parameterisation, all parameters N(0, 1), same
conventions as ``kernels.empirical_ntk``). The curves scatter around Θ and the scatter shrinks
as the width grows: the relative error ``‖Θ̂ − Θ‖ / ‖Θ‖`` (Euclidean norm over the γ grid)
falls roughly like ``n^(−1/2)``.

Every empirical curve is one gradient at x0 and one Jacobian-vector product over the γ grid
(``finite_width.ntk_row``), in float64 at every width, cached per (depth, width, activation,
W_std, b_std, seed): the explorer's curves at the current width are the same cached rows as the
error-against-width sweep. Each new width compiles the gradient and jvp once (~0.2–0.5 s
here) and, the first time a parameter shape appears, its random draws (~0.3–1 s); float64 is
fast enough at every width (depth 4, width 2000: ~0.5 s a network), so float32 is never used.
Measured (2 shared cores, November 2026): the first depth-4 ReLU sweep, 8 widths × 10 seeds,
18–25 s; another depth or activation afterwards 2–18 s; anything computed once, instant.

The standard settings are shipped precomputed (``precompute``, ``ntkviz precompute --only
width``: every depth in ``PRECOMPUTED_DEPTHS`` and activation at the default ``W_std``/``b_std``
on ``GAMMAS``, ``WIDTHS`` × ``SEEDS``; 640 networks, ~55 s here; ``data/results/width.npz``,
float64, ~0.5 MB, the configuration stored inside). ``relative_errors``, ``width_state`` and
``empirical_thetas`` read it (in milliseconds, no network computed) when their arguments are
exactly that configuration, ``analytic_theta`` when the network and γ grid are; anything else
is computed as above. A missing file or one with another configuration is never read.

Default hyper-parameters: ``W_std = 1`` and ``b_std = β = 0.1`` (Jacot et al.'s bias scale;
with ``b_std = 1`` the bias would dominate ``Σ⁰ = x·x'/2`` and flatten the curve).

**Modules.** ``networks`` (settings, parameters, the cached rows Θ and Θ̂), ``sweeps`` (sweeps
and the explorer's state), ``store`` (the shipped results file and ``precompute``).
"""

from __future__ import annotations

from .networks import (
    ACTIVATIONS,
    B_STD,
    GAMMAS,
    MAX_DEPTH,
    MAX_STD,
    MAX_WIDTH,
    PARAMS,
    PRECOMPUTED_DEPTHS,
    SEEDS,
    W_STD,
    WIDTHS,
    X0,
    circle_points,
)
from .store import (
    RESULTS,
    WidthResults,
    load_precomputed,
    load_results,
    precompute,
    precomputed_path,
    save_results,
)
from .sweeps import (
    WidthState,
    WidthSweep,
    analytic_theta,
    empirical_thetas,
    is_precomputed,
    relative_errors,
    width_state,
)

__all__ = ["ACTIVATIONS", "GAMMAS", "SEEDS", "WIDTHS", "MAX_DEPTH", "MAX_WIDTH", "MAX_STD",
           "W_STD", "B_STD", "PRECOMPUTED_DEPTHS", "X0", "PARAMS", "RESULTS", "WidthSweep",
           "WidthState", "WidthResults", "circle_points", "analytic_theta", "empirical_thetas",
           "relative_errors", "width_state", "is_precomputed", "precompute", "save_results",
           "load_results", "load_precomputed", "precomputed_path"]
