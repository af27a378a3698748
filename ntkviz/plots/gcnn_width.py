"""Finite C4 group CNNs against their infinite-width kernels (arXiv 2406.06504, Fig. 1): the
relative error of the empirical NTK and NNGP against the width, on log-log axes.

The ``*_update`` checks the arguments (``TypeError``/``ValueError`` naming the argument) and
addresses the traces by name; the figure builds on it. The only NaN accepted is a fit
(slope/intercept NaN with a single width): then that fit draws no line (gaps, never NaN numbers).
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from .._validate import check_int
from .style import (
    NTK_NNGP_COLORS,
    apply_update,
    check_number,
    check_seeds,
    check_values,
    check_widths,
    finite_or_none,
    layout,
    rgba,
)

__all__ = ["gcnn_error_vs_width", "gcnn_error_vs_width_update"]

# NTK: orange circles, dashed fit; NNGP: blue squares, dash-dot fit (apart in greyscale too).
_NTK = NTK_NNGP_COLORS["ntk"]
_NNGP = NTK_NNGP_COLORS["nngp"]
_NTK_SEED = rgba(_NTK, 0.4)
_NNGP_SEED = rgba(_NNGP, 0.4)


def _fit_name(kind: str, slope: float) -> str:
    fit = f"slope {slope:.3f}" if np.isfinite(slope) else "no slope fitted"
    return f"{kind} fit: {fit}"


def _title(depth: int | None, n_seeds: int) -> str:
    net = "" if depth is None else f"depth {depth}, "
    return f"Finite C4 group CNNs → infinite width ({net}{n_seeds} seeds per width)"


def _points(widths, errors):
    errors = np.atleast_2d(np.asarray(errors, dtype=float))
    n_seeds = errors.shape[1]
    return (np.repeat(widths, n_seeds), finite_or_none(errors.ravel()),
            np.tile(np.arange(n_seeds), len(widths)), errors.mean(axis=1))


def _fit_line(span, slope, intercept):
    if not (np.isfinite(slope) and np.isfinite(intercept)):
        return np.full(2, np.nan)
    with np.errstate(over="ignore"):  # an overflowing fit is drawn as a gap
        return np.exp(intercept) * span**slope


def gcnn_error_vs_width_update(widths, ntk_errors, nngp_errors, ntk_slope: float,
                               ntk_intercept: float, nngp_slope: float, nngp_intercept: float,
                               depth: int | None = None, seeds=None) -> dict:
    """The data of ``gcnn_error_vs_width`` (same arguments)."""
    widths = check_widths(widths)
    ntk = np.atleast_2d(check_values("ntk_errors", ntk_errors, ndim=(1, 2)))
    if len(ntk) != len(widths):
        raise ValueError(f"ntk_errors must have one row per entry of widths ({len(widths)}), got "
                         f"shape {ntk.shape}")
    if np.atleast_2d(check_values("nngp_errors", nngp_errors, ndim=(1, 2))).shape != ntk.shape:
        raise ValueError(f"nngp_errors must have the shape of ntk_errors {ntk.shape} (widths × "
                         f"seeds), got {np.shape(nngp_errors)}")
    for name, value in (("ntk_slope", ntk_slope), ("ntk_intercept", ntk_intercept),
                        ("nngp_slope", nngp_slope), ("nngp_intercept", nngp_intercept)):
        check_number(name, value, allow_nan=True, nan_means="not fitted")
    depth = None if depth is None else check_int("depth", depth, minimum=0)
    check_seeds(seeds, ntk.shape[1], "the columns of ntk_errors")
    x_ntk, y_ntk, s_ntk, mean_ntk = _points(widths, ntk_errors)
    x_nngp, y_nngp, s_nngp, mean_nngp = _points(widths, nngp_errors)
    if seeds is not None:
        seeds = np.asarray(seeds)
        s_ntk, s_nngp = seeds[s_ntk], seeds[s_nngp]
    span = np.array([widths.min(), widths.max()])
    first = np.nanmean([mean_ntk[0], mean_nngp[0]])
    reference = first * (span / span[0]) ** -0.5
    return {
        "data": {
            "ntk_seeds": dict(x=x_ntk, y=y_ntk, customdata=s_ntk),
            "ntk_mean": dict(x=widths, y=finite_or_none(mean_ntk)),
            "ntk_fit": dict(x=span, y=finite_or_none(_fit_line(span, ntk_slope, ntk_intercept)),
                            name=_fit_name("NTK", ntk_slope)),
            "nngp_seeds": dict(x=x_nngp, y=y_nngp, customdata=s_nngp),
            "nngp_mean": dict(x=widths, y=finite_or_none(mean_nngp)),
            "nngp_fit": dict(x=span, y=finite_or_none(_fit_line(span, nngp_slope, nngp_intercept)),
                             name=_fit_name("NNGP", nngp_slope)),
            "reference": dict(x=span, y=finite_or_none(reference)),
        },
        "layout": {"title_text": _title(depth, ntk.shape[1]),
                   "xaxis_tickvals": [int(w) if float(w).is_integer() else float(w)
                                      for w in widths]},
    }


def gcnn_error_vs_width(widths, ntk_errors, nngp_errors, ntk_slope: float, ntk_intercept: float,
                        nngp_slope: float, nngp_intercept: float, depth: int | None = None,
                        seeds=None) -> go.Figure:
    """Log-log relative error of the empirical NTK Θ̂ and NNGP Σ̂ of finite group CNNs.

    Parameters
    ----------
    widths : (W,) channels per rotation
    ntk_errors, nngp_errors : (W, S) ``‖Θ̂ − Θ‖_F/‖Θ‖_F`` and ``‖Σ̂ − Σ‖_F/‖Σ‖_F`` per seed
    ntk_slope, ntk_intercept, nngp_slope, nngp_intercept : fits ``log mean = intercept +
        slope · log width`` (shown in the legend; NaN draws no line)
    depth : shown in the title;  seeds : (S,) seed of each column (hover; default 0…S−1)

    Takes the fields of ``experiments.gcnn_width.relative_errors``. Traces: 0 NTK per seed,
    1 NTK mean, 2 NTK fit, 3 NNGP per seed, 4 NNGP mean, 5 NNGP fit, 6 slope −1/2 reference
    (through the first mean of the two).
    """
    update = gcnn_error_vs_width_update(widths, ntk_errors, nngp_errors, ntk_slope, ntk_intercept,
                                        nngp_slope, nngp_intercept, depth, seeds)
    fig = go.Figure()
    fig.add_trace(go.Scatter(
        mode="markers", name="NTK Θ̂, one seed", meta="ntk_seeds",
        marker=dict(size=6, color=_NTK_SEED),
        hovertemplate=("width %{x}<br>seed %{customdata}<br>‖Θ̂ − Θ‖/‖Θ‖ = %{y:.10g}"
                       "<extra>NTK</extra>"),
    ))
    fig.add_trace(go.Scatter(
        mode="lines+markers", name="NTK, mean over seeds", meta="ntk_mean",
        line=dict(color=_NTK, width=2.5),
        marker=dict(size=8),
        hovertemplate="width %{x}<br>mean ‖Θ̂ − Θ‖/‖Θ‖ = %{y:.10g}<extra>NTK mean</extra>",
    ))
    fig.add_trace(go.Scatter(
        mode="lines", name="NTK fit", meta="ntk_fit",
        line=dict(color=_NTK, width=1.5, dash="dash"),
        hovertemplate="width %{x}<br>fit = %{y:.10g}<extra>NTK fit</extra>",
    ))
    fig.add_trace(go.Scatter(
        mode="markers", name="NNGP Σ̂, one seed", meta="nngp_seeds",
        marker=dict(size=6, color=_NNGP_SEED, symbol="square"),
        hovertemplate=("width %{x}<br>seed %{customdata}<br>‖Σ̂ − Σ‖/‖Σ‖ = %{y:.10g}"
                       "<extra>NNGP</extra>"),
    ))
    fig.add_trace(go.Scatter(
        mode="lines+markers", name="NNGP, mean over seeds", meta="nngp_mean",
        line=dict(color=_NNGP, width=2.5),
        marker=dict(size=8, symbol="square"),
        hovertemplate="width %{x}<br>mean ‖Σ̂ − Σ‖/‖Σ‖ = %{y:.10g}<extra>NNGP mean</extra>",
    ))
    fig.add_trace(go.Scatter(
        mode="lines", name="NNGP fit", meta="nngp_fit",
        line=dict(color=_NNGP, width=1.5, dash="dashdot"),
        hovertemplate="width %{x}<br>fit = %{y:.10g}<extra>NNGP fit</extra>",
    ))
    fig.add_trace(go.Scatter(
        mode="lines", name="slope −1/2 (∝ 1/√width)", meta="reference",
        line=dict(color="#777777", width=1.5, dash="dot"),
        hovertemplate="width %{x}<br>∝ width^(−1/2): %{y:.10g}<extra>reference</extra>",
    ))
    layout(
        fig, "",
        xaxis=dict(title="channels per rotation n (log scale)", type="log"),
        yaxis=dict(title="relative error ‖K̂ − K‖_F/‖K‖_F (log scale)", type="log", dtick="D2"),
    )
    return apply_update(fig, update)
