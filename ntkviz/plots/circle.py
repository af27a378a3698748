"""Figures of the circle toy model: the two orbits in R³ and the GP posterior on the ring."""

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

__all__ = ["orbits_3d", "orbits_3d_update", "posterior_ring", "posterior_ring_update"]


def orbits_3d_update(X, y, missing: int = 0) -> dict:
    """The data of ``orbits_3d``: point coordinates per class and the left-out point."""
    X, y, missing = _check_points(X, y, missing)
    is_a, is_b = class_mask(y)
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
    """3D view of the two orbits (docs/theory.md#the-circle-pair) with the left-out point
    ``missing`` marked.

    Traces: 0 orbit A, 1 orbit B, 2 the left-out point.
    """
    X, y, missing = _check_points(X, y, missing)
    fig = go.Figure()
    for name, label in (("A", "+1"), ("B", "−1")):
        fig.add_trace(
            go.Scatter3d(
                mode="markers", name=f"orbit {name} (y = {label})",
                marker=dict(size=5, color=COLORS[name], symbol=CLASS_SYMBOLS[name]),
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
    layout(
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


