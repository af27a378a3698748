"""Pure plotting functions: data in, plotly ``go.Figure`` out (DESIGN "Layout").

No widgets and no kernel computation here: every function takes arrays (usually the fields of
``experiments.circle.CircleState``) and returns a new figure, so scripts can export them and the
explorers can copy their traces into ``FigureWidget``s. Class A is always ``COLORS["A"]``,
class B ``COLORS["B"]``; the left-out point is ``COLORS["missing"]``.

Each figure also has an ``*_update`` function returning only what changes with the data
(``{"data": [per-trace dicts], "layout": {magic-underscore keys}}``); ``apply_update`` writes it
into any figure with the same traces, which is how the explorers update ``FigureWidget``s in
place without rebuilding (and re-validating) whole figures.
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

__all__ = [
    "COLORS",
    "orbits_3d",
    "kernel_heatmap",
    "inverse_spectrum",
    "posterior_ring",
    "error_curve",
    "apply_update",
    "orbits_3d_update",
    "kernel_heatmap_update",
    "inverse_spectrum_update",
    "posterior_ring_update",
    "error_curve_update",
]

#: One colour per class, used by every figure; ``missing`` marks the left-out point.
COLORS = {"A": "#1f77b4", "B": "#d62728", "missing": "#111111", "accent": "#ff7f0e"}

_HEIGHT = 430
_WIDTH = 600
_MARGIN = dict(l=60, r=20, t=50, b=110)


def _layout(fig: go.Figure, title: str, **kwargs) -> go.Figure:
    fig.update_layout(
        title=dict(text=title, x=0.02, xanchor="left"),
        height=_HEIGHT,
        width=_WIDTH,
        margin=_MARGIN,
        template="plotly_white",
        # below the axis title, so it never covers the title or the data
        legend=dict(orientation="h", yanchor="top", y=-0.2, xanchor="left", x=0.0),
        **kwargs,
    )
    return fig


def _finite_or_none(values) -> list:
    """Plotly-friendly list: non-finite entries (1/0 for a zero eigenvalue) become gaps."""
    return [float(v) if np.isfinite(v) else None for v in np.asarray(values, dtype=float)]


def _class_mask(y) -> tuple[np.ndarray, np.ndarray]:
    y = np.asarray(y)
    return y > 0, y < 0


def apply_update(fig, update: dict):
    """Write an ``*_update`` result into ``fig`` (a ``go.Figure`` or ``go.FigureWidget``).

    Wrap the call in ``fig.batch_update()`` for a FigureWidget to send one message.
    """
    for trace, values in zip(fig.data, update["data"]):
        trace.update(values)
    fig.update_layout(update["layout"])
    return fig


def orbits_3d_update(X, y, missing: int = 0) -> dict:
    """The data of ``orbits_3d``: point coordinates per class and the left-out point."""
    X = np.asarray(X, dtype=float)
    is_a, is_b = _class_mask(y)
    index = np.arange(len(X))
    data = [
        dict(x=X[mask, 0], y=X[mask, 1], z=X[mask, 2], customdata=index[mask])
        for mask in (is_a, is_b)
    ]
    data.append(dict(x=X[[missing], 0], y=X[[missing], 1], z=X[[missing], 2],
                     name=f"left out (row {missing})"))
    top = max(1.0, float(np.max(np.abs(X[:, 2]))) + 0.2) if len(X) else 1.0
    N = len(X) // 2
    return {"data": data, "layout": {"scene_zaxis_range": [-top, top],
                                     "title_text": f"Two interleaved orbits of C<sub>{N}</sub> (2N = {2 * N} points)"}}


def orbits_3d(X, y, missing: int = 0) -> go.Figure:
    """3D view of the two orbits (THEORY §1) with the left-out point ``missing`` marked.

    Traces: 0 orbit A, 1 orbit B, 2 the left-out point.
    """
    fig = go.Figure()
    for name, label in (("A", "+1"), ("B", "−1")):
        fig.add_trace(
            go.Scatter3d(
                mode="markers", name=f"orbit {name} (y = {label})",
                marker=dict(size=5, color=COLORS[name]),
                hovertemplate="row %{customdata}<br>x = (%{x:.6f}, %{y:.6f}, %{z:.6f})"
                f"<br>y = {label}<extra>orbit {name}</extra>",
            )
        )
    fig.add_trace(
        go.Scatter3d(
            mode="markers",
            marker=dict(size=11, color=COLORS["missing"], symbol="diamond-open"),
            hovertemplate="left-out point<br>x = (%{x:.6f}, %{y:.6f}, %{z:.6f})<extra></extra>",
        )
    )
    _layout(
        fig,
        "",
        scene=dict(
            xaxis=dict(title="x₁", range=[-1.3, 1.3]),
            yaxis=dict(title="x₂", range=[-1.3, 1.3]),
            zaxis=dict(title="x₃ (height ±δ/2)"),
            aspectmode="manual",
            aspectratio=dict(x=1, y=1, z=0.8),
        ),
        uirevision="orbits",
    )
    return apply_update(fig, orbits_3d_update(X, y, missing))


def kernel_heatmap_update(K, title: str = "Kernel matrix K") -> dict:
    """The data of ``kernel_heatmap``."""
    return {"data": [dict(z=np.asarray(K, dtype=float))], "layout": {"title_text": title}}


def kernel_heatmap(K, title: str = "Kernel matrix K") -> go.Figure:
    """Heatmap of a Gram matrix; in interleaved order a stationary kernel is circulant.

    Trace 0 is the heatmap, row 0 at the top.
    """
    fig = go.Figure(
        go.Heatmap(
            colorscale="Viridis",
            colorbar=dict(title="K<sub>ij</sub>", thickness=12),
            hovertemplate="i = %{y}, j = %{x}<br>K<sub>ij</sub> = %{z:.10g}<extra></extra>",
        )
    )
    _layout(
        fig,
        title,
        xaxis=dict(title="column j", constrain="domain"),
        yaxis=dict(title="row i", autorange="reversed", scaleanchor="x", constrain="domain"),
    )
    return apply_update(fig, kernel_heatmap_update(K, title))


def inverse_spectrum_update(lam, N: int, eps: float) -> dict:
    """The data of ``inverse_spectrum``."""
    lam = np.asarray(lam, dtype=float)
    n = lam.size
    with np.errstate(divide="ignore"):
        inverse = np.where(lam > 0, 1.0 / np.where(lam > 0, lam, 1.0), np.inf)
    rect = float(inverse[N]) if np.isfinite(inverse[N]) else None
    return {
        "data": [
            dict(x=np.arange(n), y=_finite_or_none(inverse), customdata=lam),
            dict(x=[-0.5, n - 0.5], y=[rect, rect]),
            dict(x=[N], y=[rect]),
        ],
        "layout": {
            "title_text": f"Inverse spectrum — ε = λ<sub>N</sub>⁻¹/⟨λ⁻¹⟩ = {eps:.6g}",
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
    fig = go.Figure()
    fig.add_trace(
        go.Scatter(
            mode="lines+markers", line_shape="hvh",
            fill="tozeroy", fillcolor="rgba(31,119,180,0.25)", line=dict(color=COLORS["A"]),
            marker=dict(size=4), name="1/λ<sub>f</sub> (area = n⟨λ⁻¹⟩)",
            hovertemplate="f = %{x}<br>λ<sub>f</sub> = %{customdata:.10g}<br>1/λ<sub>f</sub> = %{y:.10g}"
            "<extra></extra>",
        )
    )
    fig.add_trace(
        go.Scatter(
            mode="lines", fill="tozeroy",
            fillcolor="rgba(255,127,14,0.30)", line=dict(color=COLORS["accent"], dash="dash", width=2),
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
    _layout(
        fig,
        "",
        xaxis=dict(title="frequency f"),
        yaxis=dict(title="1/λ<sub>f</sub>", type="log" if log else "linear", exponentformat="power"),
    )
    return apply_update(fig, inverse_spectrum_update(lam, N, eps))


def _angles(X) -> np.ndarray:
    X = np.asarray(X, dtype=float)
    return np.degrees(np.mod(np.arctan2(X[:, 1], X[:, 0]), 2 * np.pi))


def posterior_ring_update(angles, mean_A, mean_B, X, y, prediction: float, missing: int = 0) -> dict:
    """The data of ``posterior_ring``."""
    theta = np.degrees(np.asarray(angles, dtype=float))
    y = np.asarray(y, dtype=float)
    point_angle = _angles(X)
    is_a, is_b = _class_mask(y)
    train = np.ones(len(y), dtype=bool)
    train[missing] = False
    data = [dict(x=theta, y=np.asarray(mean, dtype=float)) for mean in (mean_A, mean_B)]
    data += [dict(x=point_angle[mask], y=y[mask]) for mask in (is_a & train, is_b & train)]
    data += [dict(x=[point_angle[missing]], y=[float(y[missing])]),
             dict(x=[point_angle[missing]], y=[float(prediction)])]
    title = f"GP posterior mean around the orbit — ŷ = {prediction:.6g}, y = {y[missing]:+g}"
    return {"data": data, "layout": {"title_text": title}}


def posterior_ring(angles, mean_A, mean_B, X, y, prediction: float, missing: int = 0) -> go.Figure:
    """GP posterior mean around the orbit, trained without the left-out point.

    Parameters
    ----------
    angles : (M,) angles θ in radians;  mean_A, mean_B : (M,) posterior mean on the rings at
        the heights of orbits A and B
    X, y : the points and labels;  prediction : ŷ at the left-out row ``missing``

    Traces: 0 mean on ring A, 1 mean on ring B, 2 training points A, 3 training points B,
    4 true label of the left-out point, 5 its prediction ŷ.
    """
    fig = go.Figure()
    for name in ("A", "B"):
        fig.add_trace(
            go.Scatter(
                mode="lines", name=f"mean on ring {name}", line=dict(color=COLORS[name], width=2),
                hovertemplate="θ = %{x:.2f}°<br>mean = %{y:.10g}<extra>ring " + name + "</extra>",
            )
        )
    for name in ("A", "B"):
        fig.add_trace(
            go.Scatter(
                mode="markers", name=f"training labels {name}",
                marker=dict(size=7, color=COLORS[name], line=dict(width=1, color="#fff")),
                hovertemplate="θ = %{x:.2f}°<br>y = %{y:+g}<extra>orbit " + name + "</extra>",
            )
        )
    fig.add_trace(
        go.Scatter(
            mode="markers", name="left out: true label",
            marker=dict(size=14, color="rgba(0,0,0,0)", line=dict(width=2, color=COLORS["missing"])),
            hovertemplate="true label y = %{y:+g}<extra>left out</extra>",
        )
    )
    fig.add_trace(
        go.Scatter(
            mode="markers", name="left out: prediction ŷ",
            marker=dict(size=13, color=COLORS["accent"], symbol="star", line=dict(width=1, color="#000")),
            hovertemplate="ŷ = %{y:.12g}<extra>prediction</extra>",
        )
    )
    _layout(
        fig,
        "",
        xaxis=dict(title="angle θ (degrees)", range=[0, 360], dtick=45),
        yaxis=dict(title="posterior mean", zeroline=True),
    )
    return apply_update(fig, posterior_ring_update(angles, mean_A, mean_B, X, y, prediction, missing))


def error_curve_update(xs, eps, current_x, xlabel: str, current_eps: float | None = None, *,
                       title: str | None = None, log: bool = True) -> dict:
    """The data of ``error_curve``."""
    xs = np.asarray(xs, dtype=float)
    eps = np.asarray(eps, dtype=float)
    if current_eps is None:
        hits = np.flatnonzero(np.isclose(xs, current_x))
        current_eps = float(eps[hits[0]]) if hits.size else float(np.interp(current_x, xs, eps))
    shown = np.where(eps > 0, eps, np.nan) if log else eps
    marker = current_eps if (current_eps > 0 or not log) else None
    return {
        "data": [dict(x=xs, y=_finite_or_none(shown)), dict(x=[current_x], y=[marker])],
        "layout": {"title_text": title or f"Spectral error ε against {xlabel}"},
    }


def error_curve(xs, eps, current_x, xlabel: str, current_eps: float | None = None, *,
                title: str | None = None, log: bool = True) -> go.Figure:
    """Spectral error ε (Eq. 7) along a sweep, with a marker at the current setting.

    ``current_eps`` defaults to the curve's value at ``current_x`` (interpolated if it is not
    one of ``xs``). Traces: 0 the curve, 1 the marker.
    """
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
    _layout(
        fig,
        "",
        xaxis=dict(title=xlabel),
        yaxis=dict(title="ε (log scale)" if log else "ε", type="log" if log else "linear",
                   exponentformat="power"),
        showlegend=False,
    )
    return apply_update(fig, error_curve_update(xs, eps, current_x, xlabel, current_eps, title=title, log=log))
