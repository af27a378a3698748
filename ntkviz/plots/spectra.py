"""Figures of the spectral analysis, for any kernel: K, the inverse spectrum with Eq. 7, ε curves."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from .style import (
    COLORS,
    FILLS,
    apply_update,
    check_index,
    check_number,
    check_text,
    check_values,
    finite_or_none,
    layout,
)

__all__ = ["kernel_heatmap", "kernel_heatmap_update", "inverse_spectrum", "inverse_spectrum_update",
           "error_curve", "error_curve_update", "heatmap_trace"]


def kernel_heatmap_update(K, title: str = "Kernel matrix K", *, zrange=None) -> dict:
    """The data of ``kernel_heatmap``."""
    data = dict(z=check_values("K", K, ndim=2))
    if zrange is not None:
        data["zmin"], data["zmax"] = (check_number("zrange", v) for v in zrange)
    return {"data": [data], "layout": {"title_text": check_text("title", title)}}


def heatmap_trace() -> go.Heatmap:
    """The empty heatmap trace of a Gram matrix (its data come from an update)."""
    return go.Heatmap(colorscale="Viridis", colorbar=dict(title="K<sub>ij</sub>", thickness=12),
                      hovertemplate="i = %{y}, j = %{x}<br>K<sub>ij</sub> = %{z:.10g}<extra></extra>")


def kernel_heatmap(K, title: str = "Kernel matrix K", *, zrange=None) -> go.Figure:
    """Heatmap of a Gram matrix; in interleaved order a stationary kernel is circulant.
    ``zrange``: the colour range ``(zmin, zmax)`` (default: the data's).

    Trace 0 is the heatmap, row 0 at the top.
    """
    update = kernel_heatmap_update(K, title, zrange=zrange)
    fig = go.Figure(heatmap_trace())
    layout(
        fig,
        title,
        xaxis=dict(title="column j", constrain="domain"),
        yaxis=dict(title="row i", autorange="reversed", scaleanchor="x", constrain="domain"),
    )
    return apply_update(fig, update)


def inverse_spectrum_update(lam, N: int, eps: float) -> dict:
    """The data of ``inverse_spectrum``."""
    lam = check_values("lam", lam, ndim=1)
    N = check_index("N", N, len(lam), "lam")
    eps = check_number("eps", eps)
    n = lam.size
    with np.errstate(divide="ignore"):
        inverse = np.where(lam > 0, 1.0 / np.where(lam > 0, lam, 1.0), np.inf)
    rect = float(inverse[N]) if np.isfinite(inverse[N]) else None
    return {
        "data": [
            dict(x=np.arange(n), y=finite_or_none(inverse), customdata=lam),
            dict(x=[-0.5, n - 0.5], y=[rect, rect]),
            dict(x=[N], y=[rect]),
        ],
        "layout": {
            "title_text": f"Inverse spectrum — ε = λ<sub>N</sub>⁻¹/⟨λ⁻¹⟩ = {eps:.4g}",
            "xaxis_range": [-0.5, n - 0.5],
        },
    }


def inverse_spectrum(lam, N: int, eps: float, *, log: bool = True) -> go.Figure:
    """The inverse spectrum ``f ↦ 1/λ_f`` and the two terms of Eq. 7.

    ``ε = λ_N⁻¹ / ⟨λ⁻¹⟩`` is the area of the rectangle of height ``1/λ_N`` over all n = 2N
    frequencies divided by the shaded area under the curve (``Σ_f 1/λ_f = n⟨λ⁻¹⟩``).

    Parameters
    ----------
    lam : (2N,) eigenvalues in DFT order (ridge included);  N : orbit size
    eps : the spectral error to print in the title (computed by the caller)

    Traces: 0 area under the curve, 1 the rectangle ``1/λ_N``, 2 the label frequency f = N.
    """
    update = inverse_spectrum_update(lam, N, eps)
    fig = go.Figure()
    fig.add_trace(
        go.Scatter(
            mode="lines+markers", line_shape="hvh",
            fill="tozeroy", fillcolor=FILLS["area"], line=dict(color=COLORS["A"]),
            marker=dict(size=4), name="1/λ<sub>f</sub> (area = n⟨λ⁻¹⟩)",
            hovertemplate="f = %{x}<br>λ<sub>f</sub> = %{customdata:.10g}<br>1/λ<sub>f</sub> = %{y:.10g}"
            "<extra></extra>",
        )
    )
    fig.add_trace(
        go.Scatter(
            mode="lines", fill="tozeroy",
            fillcolor=FILLS["rectangle"], line=dict(color=COLORS["accent"], dash="dash", width=2),
            name="rectangle n × 1/λ<sub>N</sub>",
            hovertemplate="1/λ<sub>N</sub> = %{y:.10g}<extra>rectangle</extra>",
        )
    )
    fig.add_trace(
        go.Scatter(
            mode="markers", name="f = N (the labels y)",
            marker=dict(size=12, color=COLORS["accent"], symbol="star", line=dict(width=1, color="#000")),
            hovertemplate="f = N = %{x}<br>1/λ<sub>N</sub> = %{y:.10g}<extra></extra>",
        )
    )
    layout(
        fig,
        "",
        xaxis=dict(title="frequency f"),
        yaxis=dict(title="1/λ<sub>f</sub>", type="log" if log else "linear", exponentformat="power"),
    )
    return apply_update(fig, update)

def error_curve_update(xs, eps, current_x, xlabel: str, current_eps: float | None = None, *,
                       title: str | None = None, log: bool = True) -> dict:
    """The data of ``error_curve``."""
    xs = check_values("xs", xs, ndim=1)
    eps = check_values("eps", eps, ndim=1, length=len(xs), like="xs")
    current_x, xlabel = check_number("current_x", current_x), check_text("xlabel", xlabel)
    if current_eps is not None:
        current_eps = check_number("current_eps", current_eps)
    title = check_text("title", title, optional=True)
    if current_eps is None:
        hits = np.flatnonzero(np.isclose(xs, current_x))
        current_eps = float(eps[hits[0]]) if hits.size else float(np.interp(current_x, xs, eps))
    shown = np.where(eps > 0, eps, np.nan) if log else eps
    marker = current_eps if (current_eps > 0 or not log) else None
    return {
        "data": [dict(x=xs, y=finite_or_none(shown)), dict(x=[current_x], y=[marker])],
        "layout": {"title_text": title or f"Spectral error ε against {xlabel}"},
    }


def error_curve(xs, eps, current_x, xlabel: str, current_eps: float | None = None, *,
                title: str | None = None, log: bool = True) -> go.Figure:
    """Spectral error ε (Eq. 7) along a sweep, with a marker at the current setting.

    ``current_eps`` defaults to the curve's value at ``current_x`` (interpolated if it is not
    one of ``xs``). Traces: 0 the curve, 1 the marker.
    """
    update = error_curve_update(xs, eps, current_x, xlabel, current_eps, title=title, log=log)
    fig = go.Figure()
    fig.add_trace(
        go.Scatter(
            mode="lines+markers", name="ε", line=dict(color=COLORS["A"]), marker=dict(size=4),
            hovertemplate=xlabel + " = %{x:.6g}<br>ε = %{y:.10g}<extra></extra>",
        )
    )
    fig.add_trace(
        go.Scatter(
            mode="markers", name="current setting",
            marker=dict(size=13, color=COLORS["accent"], symbol="circle", line=dict(width=1, color="#000")),
            hovertemplate=xlabel + " = %{x:.6g}<br>ε = %{y:.10g}<extra>current</extra>",
        )
    )
    layout(
        fig,
        "",
        xaxis=dict(title=xlabel),
        yaxis=dict(title="ε (log scale)" if log else "ε", type="log" if log else "linear",
                   exponentformat="power"),
        showlegend=False,
    )
    return apply_update(fig, update)

