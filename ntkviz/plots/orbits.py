"""Figures of one MNIST orbit pair (arXiv 2412.11521, Fig. 4A–C): the two orbits as image strips,
the raw kernel K next to its circularisation K̃, and the spectral error next to the exact one."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from .spectra import heatmap_trace
from .style import (
    CLASS_DASHES,
    CLASS_SYMBOLS,
    COLORS,
    apply_update,
    check_number,
    check_text,
    check_values,
    layout,
)

__all__ = ["orbit_strip", "orbit_strip_update", "kernel_pair", "kernel_pair_update",
           "error_bars", "error_bars_update", "kernel_color_range", "kernel_titles"]

#: Blank pixels between two thumbnails.
_GAP = 2


def _strip(A, B) -> tuple[np.ndarray, int, int]:
    """Both orbits as one image: row of A on top, row of B below, NaN gaps between images."""
    N, R = A.shape[0], A.shape[1]
    step = R + _GAP
    z = np.full((2 * R + _GAP, N * step - _GAP), np.nan)
    for k in range(N):
        z[:R, k * step:k * step + R] = A[k]
        z[R + _GAP:, k * step:k * step + R] = B[k]
    return z, R, step


def _box(x0, y0, size) -> tuple[list, list]:
    """A closed square outline around the thumbnail whose top-left pixel is (x0, y0)."""
    lo_x, hi_x, lo_y, hi_y = x0 - 1.0, x0 + size, y0 - 1.0, y0 + size
    return [lo_x, hi_x, hi_x, lo_x, lo_x], [lo_y, lo_y, hi_y, hi_y, lo_y]


def orbit_strip_update(orbit_a, orbit_b, labels=("A", "B"), missing: bool = True) -> dict:
    """The data of ``orbit_strip``."""
    orbit_a = check_values("orbit_a", orbit_a, ndim=3)
    orbit_b = check_values("orbit_b", orbit_b, ndim=3)
    if orbit_a.shape != orbit_b.shape or orbit_a.shape[1] != orbit_a.shape[2]:
        raise ValueError(f"orbit_a and orbit_b must be (N, R, R) orbits of one shape, got "
                         f"{orbit_a.shape} and {orbit_b.shape}")
    if not isinstance(labels, (tuple, list)) or len(labels) != 2 or not all(
            isinstance(label, str) for label in labels):
        raise TypeError(f"labels must be two strings, got {labels!r:.60}")
    z, R, step = _strip(orbit_a, orbit_b)
    N = orbit_a.shape[0]
    limit = float(np.nanmax(np.abs(z)))
    width = z.shape[1]
    frame_a = ([-1.5, width + 0.5, width + 0.5, -1.5, -1.5], [-1.5, -1.5, R + 0.5, R + 0.5, -1.5])
    top_b = R + _GAP
    frame_b = ([-1.5, width + 0.5, width + 0.5, -1.5, -1.5],
               [top_b - 1.5, top_b - 1.5, top_b + R + 0.5, top_b + R + 0.5, top_b - 1.5])
    box_a = _box(0, 0, R) if missing else ([], [])
    box_b = _box(0, top_b, R) if missing else ([], [])
    ticks = [k * step + (R - 1) / 2 for k in range(N)]
    every = max(1, int(np.ceil(N / 16)))  # at most ~16 tick labels
    return {
        "data": [
            dict(z=z, zmin=-limit, zmax=limit),
            dict(x=frame_a[0], y=frame_a[1], name=f"orbit A: {labels[0]}"),
            dict(x=frame_b[0], y=frame_b[1], name=f"orbit B: {labels[1]}"),
            dict(x=box_a[0], y=box_a[1]),
            dict(x=box_b[0], y=box_b[1]),
        ],
        "layout": {
            "title_text": f"Orbits: A = {labels[0]} (top, y = +1), B = {labels[1]} (bottom, y = −1), N = {N}",
            "xaxis_tickvals": ticks[::every],
            "xaxis_ticktext": [f"g<sup>{k}</sup>" for k in range(N)][::every],
            "xaxis_range": [-2.0, width + 1.0],
            "yaxis_tickvals": [(R - 1) / 2, top_b + (R - 1) / 2],
            "yaxis_ticktext": ["A", "B"],
            "yaxis_range": [2 * R + _GAP + 1.0, -2.0],
        },
    }


def orbit_strip(orbit_a, orbit_b, labels=("A", "B"), missing: bool = True) -> go.Figure:
    """The two orbits as one image strip: ``A_0 … A_{N−1}`` on top, ``B_0 … B_{N−1}`` below.

    Parameters
    ----------
    orbit_a, orbit_b : (N, R, R) normalised orbit images (``experiments.orbits``)
    labels : how to name the two seed digits (e.g. ``"3 (#0)"``)
    missing : mark the left-out points ``A_0`` (solid box) and ``B_0`` (dashed box; the
        symmetrised exact error leaves each out in turn)

    Traces: 0 the images (heatmap, pixel values of the centred unit-norm images), 1 frame of
    orbit A, 2 frame of orbit B, 3 box around ``A_0``, 4 box around ``B_0``.
    """
    update = orbit_strip_update(orbit_a, orbit_b, labels, missing)
    fig = go.Figure()
    fig.add_trace(go.Heatmap(
        colorscale="RdBu", reversescale=True, showscale=False, hoverongaps=False,
        hovertemplate="pixel value %{z:.6g}<extra></extra>",
    ))
    for name in ("A", "B"):
        fig.add_trace(go.Scatter(mode="lines", line=dict(color=COLORS[name], width=3, dash=CLASS_DASHES[name]),
                                 hoverinfo="skip", showlegend=True))
    fig.add_trace(go.Scatter(mode="lines", name="left out: A₀", hoverinfo="skip",
                             line=dict(color=COLORS["missing"], width=3)))
    fig.add_trace(go.Scatter(mode="lines", name="left out in turn: B₀", hoverinfo="skip",
                             line=dict(color=COLORS["missing"], width=2, dash="dot")))
    layout(fig, "", xaxis=dict(title="group element g<sup>k</sup> (k = 0 … N−1)", showgrid=False,
                               zeroline=False),
           yaxis=dict(showgrid=False, zeroline=False, scaleanchor="x"))
    fig.update_layout(height=320, width=900, legend_y=-0.5)
    return apply_update(fig, update)


def kernel_color_range(K) -> tuple[float, float]:
    """Colour range for K and K̃: the smallest entry to the largest *off-diagonal* entry.

    Neural kernels on unit-norm images have a constant diagonal well above every other entry;
    excluding it shows the structure the circularisation averages over (the diagonal saturates).
    """
    K = np.asarray(K, dtype=float)
    off = K[~np.eye(K.shape[0], dtype=bool)]
    lo, hi = float(np.min(K)), float(np.max(off)) if off.size else float(np.max(K))
    return (lo, hi) if hi > lo else (lo, float(np.max(K)) if np.max(K) > lo else lo + 1.0)


def kernel_pair_update(K, Kc, deviation: float, name: str = "K") -> dict:
    """The data of ``kernel_pair``."""
    K = check_values("K", K, ndim=2)
    Kc = check_values("Kc", Kc, ndim=2)
    if K.shape != Kc.shape or K.shape[0] != K.shape[1]:
        raise ValueError(f"K and Kc must be square matrices of one shape, got {K.shape} and "
                         f"{Kc.shape}")
    deviation, name = check_number("deviation", deviation), check_text("name", name)
    lo, hi = kernel_color_range(K)
    return {"data": [dict(z=K, zmin=lo, zmax=hi), dict(z=Kc, zmin=lo, zmax=hi)],
            "layout": {"title_text": _pair_title(name, deviation)}}


def _pair_title(name: str, deviation: float) -> str:
    return f"{name} (left) and its circularisation {name}̃ (right), ‖{name} − {name}̃‖/‖{name}‖ = {deviation:.3g}"


def kernel_titles(name: str, deviation: float) -> tuple[str, str]:
    """Titles of the two heatmaps when shown as separate panels."""
    return (f"Raw kernel {name} (not circulant: ‖{name} − {name}̃‖/‖{name}‖ = {deviation:.3g})",
            f"Circularised {name}̃ (Eq. 12: each wrapped diagonal averaged)")


def kernel_pair(K, Kc, deviation: float, name: str = "K") -> go.Figure:
    """The raw kernel K and its circularisation ``K̃`` side by side, on one colour scale.

    Parameters
    ----------
    K, Kc : (2N, 2N) in interleaved order (rows ``A_0, B_0, A_1, …``)
    deviation : ``‖K − K̃‖_F / ‖K‖_F``;  name : the kernel's symbol

    Traces: 0 heatmap of K (left), 1 heatmap of ``K̃`` (right); both copied from
    ``kernel_heatmap``. The colour range stops at the largest off-diagonal entry
    (``kernel_color_range``).
    """
    update = kernel_pair_update(K, Kc, deviation, name)
    fig = make_subplots(rows=1, cols=2, horizontal_spacing=0.12,
                        subplot_titles=kernel_titles(name, deviation))
    for col in (1, 2):
        fig.add_trace(heatmap_trace(), row=1, col=col)
        fig.update_xaxes(title_text="column j", row=1, col=col)
        fig.update_yaxes(title_text="row i", autorange="reversed", row=1, col=col)
    fig.data[0].update(showscale=False)
    layout(fig, "")
    fig.update_layout(width=900, height=470)
    return apply_update(fig, update)


#: Categories of the error bar chart (numeric x, so the line error = 1 spans both bars).
_BAR_LABELS = ("spectral ε (K̃, Eq. 7)", "exact (K, symmetrised)")


def error_bars_update(eps_spectral: float, eps_exact: float, prediction_a: float,
                      prediction_b: float) -> dict:
    """The data of ``error_bars``."""
    eps_spectral, eps_exact, prediction_a, prediction_b = (check_number(n, v) for n, v in (
        ("eps_spectral", eps_spectral), ("eps_exact", eps_exact),
        ("prediction_a", prediction_a), ("prediction_b", prediction_b)))
    error_a = abs(prediction_a - 1.0)
    error_b = abs(prediction_b + 1.0)
    top = max(1.2, 1.15 * max(eps_spectral, eps_exact, error_a, error_b))
    return {
        "data": [
            dict(x=[0, 1], y=[eps_spectral, eps_exact], text=[f"{eps_spectral:.4g}", f"{eps_exact:.4g}"]),
            dict(x=[1.2], y=[error_a], customdata=[prediction_a]),
            dict(x=[1.2], y=[error_b], customdata=[prediction_b]),
            dict(x=[-0.5, 1.5], y=[1.0, 1.0]),
        ],
        "layout": {
            "title_text": f"Spectral ε = {eps_spectral:.4g} vs exact error = {eps_exact:.4g}",
            "yaxis_range": [0.0, top],
        },
    }


def error_bars(eps_spectral: float, eps_exact: float, prediction_a: float, prediction_b: float) -> go.Figure:
    """Spectral error of ``K̃`` against the symmetrised exact error of K (arXiv 2412.11521,
    Fig. 4B, one pair; docs/theory.md#the-symmetrised-exact-error).

    Parameters
    ----------
    eps_spectral : ``ε = λ_N⁻¹/⟨λ⁻¹⟩`` (Eq. 7);  eps_exact : ``(|ŷ_A0 − 1| + |ŷ_B0 + 1|)/2``
    prediction_a, prediction_b : the exact predictions at ``A_0`` (label +1) and ``B_0`` (−1)

    Traces: 0 the two bars (x = 0 spectral, x = 1 exact), 1 the exact error at ``A_0`` (class A
    colour), 2 at ``B_0`` (class B colour), 3 the line error = 1 above which the prediction
    ``ŷ = y(1 − ε)`` has the wrong sign.
    """
    update = error_bars_update(eps_spectral, eps_exact, prediction_a, prediction_b)
    fig = go.Figure()
    fig.add_trace(go.Bar(marker_color=[COLORS["accent"], COLORS["missing"]], textposition="outside",
                         name="error", width=0.6, customdata=list(_BAR_LABELS),
                         hovertemplate="%{customdata}<br>error = %{y:.10g}<extra></extra>"))
    for name, label, sign in (("A", "A₀", "+1"), ("B", "B₀", "−1")):
        fig.add_trace(go.Scatter(
            mode="markers", name=f"exact error at {label} (y = {sign})",
            marker=dict(size=11, color=COLORS[name], symbol=CLASS_SYMBOLS[name],
                        line=dict(width=1, color="#fff")),
            hovertemplate=f"left out {label}: ŷ = %{{customdata:.10g}}<br>|ŷ − y| = %{{y:.10g}}<extra></extra>"))
    fig.add_trace(go.Scatter(mode="lines", name="error = 1: wrong sign above",
                             line=dict(color="#888", dash="dash", width=1), hoverinfo="skip"))
    layout(fig, "", xaxis=dict(title="", tickvals=[0, 1], ticktext=list(_BAR_LABELS), range=[-0.5, 1.5]),
           yaxis=dict(title="error at the left-out point"), showlegend=True)
    fig.update_layout(width=480)
    return apply_update(fig, update)
