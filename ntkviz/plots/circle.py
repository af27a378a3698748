"""Figures of the circle toy model: the two orbits in R³ (in a fixed oblique view) and the GP
posterior on the ring."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from .style import (
    CLASS_DASHES,
    CLASS_SYMBOLS,
    COLORS,
    apply_update,
    check_index,
    check_number,
    check_values,
    class_mask,
    layout,
)


def _check_points(X, y, missing):
    X = check_values("X", X, ndim=2)
    if X.shape[1] != 3:
        raise ValueError(f"X must have 3 columns (points in R^3), got shape {X.shape}")
    y = check_values("y", y, ndim=1, length=len(X), like="X")
    return X, y, check_index("missing", missing, len(X), "X")


def _check_ring(angles, mean_A, mean_B, prediction):
    angles = check_values("angles", angles, ndim=1)
    mean_A = check_values("mean_A", mean_A, ndim=1, length=len(angles), like="angles")
    mean_B = check_values("mean_B", mean_B, ndim=1, length=len(angles), like="angles")
    return angles, mean_A, mean_B, check_number("prediction", prediction)

__all__ = ["orbits_3d", "orbits_3d_update", "project", "posterior_ring", "posterior_ring_update"]


#: The fixed view of ``orbits_3d``: azimuth φ about the x₃ axis and elevation e of the eye.
VIEW_AZIMUTH, VIEW_ELEVATION = np.radians(-30.0), np.radians(22.0)
_CIRCLE_POINTS = 121  # points drawing each ring


def project(X) -> tuple[np.ndarray, np.ndarray]:
    """Screen coordinates ``(u, v)`` of points of R³ in the fixed oblique view of ``orbits_3d``:
    ``u = x₁ cos φ − x₂ sin φ``, ``v = x₃ cos e + (x₁ sin φ + x₂ cos φ) sin e``."""
    X = np.asarray(X, dtype=float).reshape(-1, 3)
    c, s = np.cos(VIEW_AZIMUTH), np.sin(VIEW_AZIMUTH)
    depth = X[:, 0] * s + X[:, 1] * c
    return X[:, 0] * c - X[:, 1] * s, X[:, 2] * np.cos(VIEW_ELEVATION) + depth * np.sin(VIEW_ELEVATION)


def orbits_3d_update(X, y, missing: int = 0) -> dict:
    """The data of ``orbits_3d``: each class's points and ring, and the left-out point, in the
    fixed view (``project``); the hover shows the points' coordinates in R³."""
    X, y, missing = _check_points(X, y, missing)
    is_a, is_b = class_mask(y)
    rows = np.arange(len(X))[:, None].astype(float)
    hover = np.hstack([rows, X])  # (row, x₁, x₂, x₃) per point
    data = []
    for mask in (is_a, is_b):
        u, v = project(X[mask])
        data.append(dict(x=u, y=v, customdata=hover[mask]))
    u, v = project(X[[missing]])
    data.append(dict(x=u, y=v, customdata=hover[[missing]], name=f"left out (row {missing})"))
    circle = np.linspace(0.0, 2 * np.pi, _CIRCLE_POINTS)
    for mask in (is_a, is_b):  # the circle each orbit lies on, at the orbit's height
        height = float(X[mask, 2].mean()) if mask.any() else 0.0
        u, v = project(np.stack([np.cos(circle), np.sin(circle), np.full_like(circle, height)], 1))
        data.append(dict(x=u, y=v))
    top = max(1.0, float(np.max(np.abs(X[:, 2]))) + 0.2) if len(X) else 1.0
    reach = top * np.cos(VIEW_ELEVATION) + 1.1 * np.sin(VIEW_ELEVATION)
    N = len(X) // 2
    return {"data": data, "layout": {"yaxis_range": [-reach, reach],
                                     "title_text": f"Two interleaved orbits of C<sub>{N}</sub> (2N = {2 * N} points)"}}


def orbits_3d(X, y, missing: int = 0) -> go.Figure:
    """The two orbits in R³ (docs/theory.md#the-circle-pair), each on its circle at height ±δ/2,
    with the left-out point ``missing`` marked, seen from a fixed oblique view (``project``).

    Drawn on plain 2-D axes, not in a WebGL 3-D scene: a scene costs a browser without a GPU
    about a second to draw first and 30 ms more at every redraw (measured in Chromium on the
    circle explorer), and the rings need no turning to be read.

    Traces: 0 orbit A, 1 orbit B, 2 the left-out point, 3 and 4 the circles of A and B.
    """
    X, y, missing = _check_points(X, y, missing)
    coordinates = "x = (%{customdata[1]:.6f}, %{customdata[2]:.6f}, %{customdata[3]:.6f})"
    fig = go.Figure()
    for name, label in (("A", "+1"), ("B", "−1")):
        fig.add_trace(go.Scatter(
            mode="markers", name=f"orbit {name} (y = {label})",
            marker=dict(size=9, color=COLORS[name], symbol=CLASS_SYMBOLS[name]),
            hovertemplate=f"row %{{customdata[0]}}<br>{coordinates}<br>y = {label}<extra>orbit {name}</extra>"))
    fig.add_trace(go.Scatter(
        mode="markers", marker=dict(size=17, color=COLORS["missing"], symbol="diamond-open",
                                    line=dict(width=2)),
        hovertemplate=f"left-out point<br>{coordinates}<extra></extra>"))
    for name in ("A", "B"):
        fig.add_trace(go.Scatter(
            mode="lines", name=f"circle of orbit {name}", hoverinfo="skip", showlegend=False,
            line=dict(color=COLORS[name], width=1, dash=CLASS_DASHES[name])))
    layout(fig, "", uirevision="orbits",
           xaxis=dict(visible=False, range=[-1.3, 1.3]), yaxis=dict(visible=False))
    return apply_update(fig, orbits_3d_update(X, y, missing))


def _angles(X) -> np.ndarray:
    X = np.asarray(X, dtype=float)
    return np.degrees(np.mod(np.arctan2(X[:, 1], X[:, 0]), 2 * np.pi))


def posterior_ring_update(angles, mean_A, mean_B, X, y, prediction: float, missing: int = 0) -> dict:
    """The data of ``posterior_ring``."""
    angles, mean_A, mean_B, prediction = _check_ring(angles, mean_A, mean_B, prediction)
    X, y, missing = _check_points(X, y, missing)
    theta = np.degrees(np.asarray(angles, dtype=float))
    y = np.asarray(y, dtype=float)
    point_angle = _angles(X)
    is_a, is_b = class_mask(y)
    train = np.ones(len(y), dtype=bool)
    train[missing] = False
    data = [dict(x=theta, y=np.asarray(mean, dtype=float)) for mean in (mean_A, mean_B)]
    data += [dict(x=point_angle[mask], y=y[mask]) for mask in (is_a & train, is_b & train)]
    data += [dict(x=[point_angle[missing]], y=[float(y[missing])]),
             dict(x=[point_angle[missing]], y=[float(prediction)])]
    title = f"GP posterior mean around the orbit — ŷ = {prediction:.4g}, y = {y[missing]:+g}"
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
    _check_ring(angles, mean_A, mean_B, prediction)
    _check_points(X, y, missing)
    fig = go.Figure()
    for name in ("A", "B"):
        fig.add_trace(
            go.Scatter(
                mode="lines", name=f"mean on ring {name}", line=dict(color=COLORS[name], width=2, dash=CLASS_DASHES[name]),
                hovertemplate="θ = %{x:.2f}°<br>mean = %{y:.10g}<extra>ring " + name + "</extra>",
            )
        )
    for name in ("A", "B"):
        fig.add_trace(
            go.Scatter(
                mode="markers", name=f"training labels {name}",
                marker=dict(size=7, color=COLORS[name], symbol=CLASS_SYMBOLS[name],
                            line=dict(width=1, color="#fff")),
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
    layout(
        fig,
        "",
        xaxis=dict(title="angle θ (degrees)", range=[0, 360], dtick=45),
        yaxis=dict(title="posterior mean", zeroline=True),
    )
    return apply_update(fig, posterior_ring_update(angles, mean_A, mean_B, X, y, prediction, missing))


