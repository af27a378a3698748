"""Figures of finite width against infinite width on the unit circle (arXiv 1806.07572, Fig. 1;
arXiv 2406.06504, Fig. 1; docs/theory.md#the-empirical-ntk-and-width): the NTK curves
``Θ(x0, x(γ))`` and the relative error against width on log-log axes.

Each ``*_update`` checks its arguments (``TypeError``/``ValueError`` naming the argument) and
addresses the traces by name; each figure builds on its update. The only NaN accepted is the
fit (``slope``, ``intercept``), which is NaN with a single width: then no fitted line is drawn
(gaps, never NaN numbers).
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from .._validate import check_int
from .style import (
    COLORS,
    FILLS,
    apply_update,
    check_number,
    check_seeds,
    check_text,
    check_values,
    check_widths,
    finite_or_none,
    layout,
)

__all__ = ["ntk_curves", "ntk_curves_update", "error_vs_width", "error_vs_width_update"]

_EMPIRICAL = FILLS["finite"]  # COLORS["accent"], semi-transparent
_PI_TICKS = dict(tickvals=[-np.pi, -np.pi / 2, 0.0, np.pi / 2, np.pi],
                 ticktext=["−π", "−π/2", "0", "π/2", "π"])


def _net(depth, activation) -> str:
    """``depth d, φ`` of a title ('' without a depth); checks both."""
    depth = None if depth is None else check_int("depth", depth, minimum=0)
    activation = check_text("activation", activation, optional=True)
    return "" if depth is None else f"depth {depth}" + (f", {activation}" if activation else "")


def ntk_curves_update(gammas, theta, thetas, width: int, depth: int | None = None,
                      activation: str | None = None, seeds=None) -> dict:
    """The data of ``ntk_curves``: all empirical curves in one trace, separated by gaps."""
    gammas = check_values("gammas", gammas, ndim=1)
    theta = check_values("theta", theta, ndim=1, length=len(gammas), like="gammas")
    thetas = np.atleast_2d(check_values("thetas", thetas, ndim=(1, 2)))
    if thetas.shape[1] != len(gammas):
        raise ValueError(f"thetas must have one column per angle of gammas ({len(gammas)}), got "
                         f"shape {thetas.shape}")
    net = ", ".join(filter(None, (_net(depth, activation),
                                  f"width {check_int('width', width, minimum=1)}")))
    title = f"NTK Θ(x₀, x(γ)): infinite width and {len(thetas)} random networks ({net})"
    check_seeds(seeds, len(thetas), "the rows of thetas")
    seeds = np.arange(len(thetas)) if seeds is None else np.asarray(seeds)
    gap = np.full((len(thetas), 1), np.nan)
    xs = np.hstack([np.broadcast_to(gammas, thetas.shape), gap]).ravel()
    ys = np.hstack([thetas, gap]).ravel()
    who = np.repeat(seeds, thetas.shape[1] + 1)
    return {
        "data": {"analytic": dict(x=gammas, y=theta),
                 "networks": dict(x=finite_or_none(xs), y=finite_or_none(ys), customdata=who)},
        "layout": {"title_text": title},
    }


def ntk_curves(gammas, theta, thetas, width: int, depth: int | None = None,
               activation: str | None = None, seeds=None) -> go.Figure:
    """Analytic NTK ``Θ(x0, x(γ))`` (bold) and empirical ``Θ̂_s`` of finite networks (thin).

    Parameters
    ----------
    gammas : (G,) angles γ in radians, ``x(γ) = (cos γ, sin γ)``, ``x0 = (1, 0)``
    theta : (G,) infinite-width NTK;  thetas : (S, G) one empirical curve per seed
    width, depth, activation : shown in the title;  seeds : (S,) seed of each row (hover)

    Traces: 0 the analytic curve, 1 all empirical curves (one trace, gaps between seeds).
    """
    update = ntk_curves_update(gammas, theta, thetas, width, depth, activation, seeds)
    fig = go.Figure()
    fig.add_trace(go.Scatter(
        mode="lines", name="infinite width Θ", meta="analytic",
        line=dict(color=COLORS["missing"], width=4),
        hovertemplate="γ = %{x:.6f} rad<br>Θ = %{y:.10g}<extra>infinite width</extra>",
    ))
    fig.add_trace(go.Scatter(
        mode="lines", name="finite width Θ̂ (one line per seed)", meta="networks",
        line=dict(color=_EMPIRICAL, width=1.2),
        connectgaps=False,
        hovertemplate="seed %{customdata}<br>γ = %{x:.6f} rad<br>Θ̂ = %{y:.10g}<extra>finite width</extra>",
    ))
    layout(
        fig, "",
        xaxis=dict(title="angle γ (radians), x(γ) = (cos γ, sin γ)", range=[-np.pi, np.pi], **_PI_TICKS),
        yaxis=dict(title="NTK Θ(x₀, x(γ))"),
    )
    return apply_update(fig, update)


def error_vs_width_update(widths, errors, slope: float, intercept: float, current_width: int,
                          current_errors=None, depth: int | None = None,
                          activation: str | None = None) -> dict:
    """The data of ``error_vs_width``."""
    widths = check_widths(widths)
    errors = np.atleast_2d(check_values("errors", errors, ndim=(1, 2)))
    if len(errors) != len(widths):
        raise ValueError(f"errors must have one row per entry of widths ({len(widths)}), got shape "
                         f"{errors.shape}")
    slope = check_number("slope", slope, allow_nan=True, nan_means="not fitted")
    intercept = check_number("intercept", intercept, allow_nan=True, nan_means="not fitted")
    current_width = check_int("current_width", current_width, minimum=1)
    net = _net(depth, activation)
    if current_errors is not None and len(check_values("current_errors", current_errors,
                                                       ndim=1)) != errors.shape[1]:
        raise ValueError(f"current_errors must have one entry per seed ({errors.shape[1]}, the "
                         f"columns of errors), got {len(current_errors)}")
    fit = f"fitted slope {slope:.3f}" if np.isfinite(slope) else "no slope fitted"
    title = (f"Relative error ‖Θ̂ − Θ‖/‖Θ‖ against width{f' ({net})' if net else ''}: {fit}, "
             "expected −1/2")
    mean = errors.mean(axis=1)
    n_seeds = errors.shape[1]
    if current_errors is None:
        hits = np.flatnonzero(widths == current_width)
        current_errors = errors[hits[0]] if hits.size else np.full(n_seeds, np.nan)
    current_mean = float(np.mean(current_errors))
    span = np.array([widths.min(), widths.max()])
    with np.errstate(over="ignore"):  # an overflowing fit is drawn as a gap
        line = np.exp(intercept) * span**slope if np.isfinite(slope) else np.full(2, np.nan)
    reference = mean[0] * (span / span[0]) ** -0.5  # slope −1/2 through the first mean
    seed_index = np.tile(np.arange(n_seeds), len(widths))
    return {
        "data": {
            "seeds": dict(x=np.repeat(widths, n_seeds), y=finite_or_none(errors.ravel()),
                          customdata=seed_index),
            "mean": dict(x=widths, y=finite_or_none(mean)),
            "fit": dict(x=span, y=finite_or_none(line)),
            "reference": dict(x=span, y=finite_or_none(reference)),
            "current": dict(x=[float(current_width)], y=finite_or_none([current_mean])),
        },
        "layout": {"title_text": title,
                   "xaxis_tickvals": [int(w) if float(w).is_integer() else float(w) for w in widths]},
    }


def error_vs_width(widths, errors, slope: float, intercept: float, current_width: int,
                   current_errors=None, depth: int | None = None,
                   activation: str | None = None) -> go.Figure:
    """Log-log relative error ``‖Θ̂ − Θ‖/‖Θ‖`` against width: seeds, mean, fit and slope −1/2.

    Parameters
    ----------
    widths : (W,) widths;  errors : (W, S) relative error per width and seed
    slope, intercept : fit ``log mean = intercept + slope · log width``; NaN (a single width,
        nothing fitted) draws no fitted line and says "no slope fitted"
    current_width : marked with its mean error (``current_errors`` (S,), default: the row of
        ``errors`` at that width; no marker if it is not one of ``widths``)

    Traces: 0 per-seed errors, 1 mean over seeds, 2 fitted power law, 3 slope −1/2 reference
    (through the first mean), 4 the current width.
    """
    update = error_vs_width_update(widths, errors, slope, intercept, current_width, current_errors,
                                   depth, activation)
    fig = go.Figure()
    fig.add_trace(go.Scatter(
        mode="markers", name="one seed", meta="seeds", marker=dict(size=6, color=_EMPIRICAL),
        hovertemplate="width %{x}<br>seed %{customdata}<br>error = %{y:.10g}<extra>one seed</extra>",
    ))
    fig.add_trace(go.Scatter(
        mode="lines+markers", name="mean over seeds", meta="mean",
        line=dict(color=COLORS["missing"], width=2.5),
        marker=dict(size=7), hovertemplate="width %{x}<br>mean error = %{y:.10g}<extra>mean</extra>",
    ))
    fig.add_trace(go.Scatter(
        mode="lines", name="fitted power law", meta="fit",
        line=dict(color=COLORS["A"], width=2, dash="dash"),
        hovertemplate="width %{x}<br>fit = %{y:.10g}<extra>fitted power law</extra>",
    ))
    fig.add_trace(go.Scatter(
        mode="lines", name="slope −1/2 (∝ 1/√width)", meta="reference",
        line=dict(color="#777777", width=1.5, dash="dot"),
        hovertemplate="width %{x}<br>∝ width^(−1/2): %{y:.10g}<extra>reference</extra>",
    ))
    fig.add_trace(go.Scatter(
        mode="markers", name="current width", meta="current",
        marker=dict(size=14, color=COLORS["accent"], symbol="diamond", line=dict(width=1, color="#000")),
        hovertemplate="width %{x}<br>mean error = %{y:.10g}<extra>current width</extra>",
    ))
    layout(
        fig, "",
        xaxis=dict(title="width n (log scale)", type="log"),
        yaxis=dict(title="relative error ‖Θ̂ − Θ‖/‖Θ‖ (log scale)", type="log", dtick="D2"),
    )
    return apply_update(fig, update)
