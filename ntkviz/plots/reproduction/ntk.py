"""The NTK (ntk target): Fig. 1-style curves on the circle, kernel error and change against width,
smallest NTK eigenvalues on the sphere, residual decay along principal components, and the
distance of trained networks from the linearised dynamics."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from .common import COLORS, SERIES_COLORS, finish, finite_or_none

__all__ = ["figure"]


def _curves(fig, d):
    gammas = np.asarray(d["gammas"], dtype=float)
    for i, (width, curves) in enumerate(d["curves"].items()):
        curves = np.asarray(curves, dtype=float)
        mean, sd = curves.mean(axis=0), curves.std(axis=0)
        color = SERIES_COLORS[i]
        band = np.r_[mean + sd, (mean - sd)[::-1]]
        fig.add_trace(go.Scatter(x=np.r_[gammas, gammas[::-1]], y=band,
                                 fill="toself", line=dict(width=0), fillcolor=color, opacity=0.2,
                                 showlegend=False, hoverinfo="skip"), row=1, col=1)
        fig.add_trace(go.Scatter(x=gammas, y=mean, mode="lines", name=f"width {width} (mean ± sd)",
                                 line=dict(color=color)), row=1, col=1)
    fig.add_trace(go.Scatter(x=gammas, y=np.asarray(d["theta"], dtype=float), mode="lines",
                             name="limiting NTK", line=dict(color="#111111", dash="dash")),
                  row=1, col=1)


def _against_width(fig, d, field, name, color, row, col):
    widths = np.asarray(d["widths"], dtype=float)
    values = np.asarray(d[field], dtype=float)  # (seeds, widths)
    fig.add_trace(go.Scatter(
        x=widths, y=finite_or_none(values.mean(axis=0)), mode="lines+markers", name=name,
        line=dict(color=color),
        error_y=dict(type="data", array=finite_or_none(values.std(axis=0)), visible=True),
        hovertemplate="width %{x}: %{y:.3g}<extra>" + name + "</extra>"), row=row, col=col)


def _positivity(fig, d):
    rows = d["rows"]
    labels = sorted({(r["activation"], r["depth"], r["dimension"]) for r in rows})
    values = [min(r["min"] / r["max"] for r in rows
                  if (r["activation"], r["depth"], r["dimension"]) == key) for key in labels]
    fig.add_trace(go.Bar(x=[f"{a}, depth {k}, S^{n - 1}" for a, k, n in labels],
                         y=np.maximum(np.abs(values), 1e-18),
                         marker_color=[COLORS["B"] if v <= 0 else SERIES_COLORS[0] for v in values],
                         name="smallest |λ_min| / λ_max", showlegend=False,
                         hovertemplate="%{x}: %{y:.2e}<extra></extra>"), row=1, col=3)


def _modes(fig, d):
    times = np.asarray(d["times"], dtype=float)
    residuals = np.asarray(d["residuals"], dtype=float)[-1]  # widest width (S, T, modes)
    measured = residuals.sum(axis=0) / residuals[:, :1, :].sum(axis=0)
    predicted = np.asarray(d["predicted"], dtype=float)
    for i in range(measured.shape[1]):
        color = SERIES_COLORS[i % len(SERIES_COLORS)]
        fig.add_trace(go.Scatter(x=times + 1, y=finite_or_none(measured[:, i]), mode="markers",
                                 name=f"mode {i + 1}, width {d['widths'][-1]}",
                                 marker=dict(color=color, size=6)), row=2, col=2)
        fig.add_trace(go.Scatter(x=times + 1, y=predicted[:, i], mode="lines", showlegend=False,
                                 line=dict(color=color), hoverinfo="skip"), row=2, col=2)


def figure(data: dict) -> go.Figure:
    fig = make_subplots(rows=2, cols=3, vertical_spacing=0.2, horizontal_spacing=0.08,
                        subplot_titles=("Θ(x0, x(γ)) on the circle (Fig. 1)",
                                        "NTK error at init and change in training",
                                        "λ_min / λ_max of the limiting NTK",
                                        "distance to the linearised dynamics",
                                        "residual left along principal components",
                                        ""))
    _curves(fig, data["initialisation"])
    _against_width(fig, data["initialisation"], "errors", "error at initialisation",
                   SERIES_COLORS[0], 1, 2)
    _against_width(fig, data["training"], "change", "change during training",
                   SERIES_COLORS[3], 1, 2)
    _positivity(fig, data["positivity"])
    _against_width(fig, data["dynamics"], "distance", "‖f_net − f_lin‖ / ‖f_lin‖",
                   SERIES_COLORS[2], 2, 1)
    _modes(fig, data["dynamics"])
    fig.update_xaxes(title_text="γ", row=1, col=1)
    for col in (2,):
        fig.update_xaxes(type="log", title_text="width", row=1, col=col)
        fig.update_yaxes(type="log", row=1, col=col)
    fig.update_yaxes(type="log", row=1, col=3)
    fig.update_xaxes(type="log", title_text="width", row=2, col=1)
    fig.update_yaxes(type="log", row=2, col=1)
    fig.update_xaxes(type="log", title_text="GD step + 1 (lines: kernel GD)", row=2, col=2)
    fig.update_yaxes(type="log", title_text="|residual| / |residual at 0|", range=[-4, 0.3],
                     row=2, col=2)  # kernel GD falls far below what a network resolves
    return finish(fig, "Neural tangent kernel — Jacot et al. (arXiv 1806.07572)", data["quick"],
                  height=780, width=1250)
