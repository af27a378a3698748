"""Fig. 3 (circle target): ε against δ and N, spectral line over exact markers, and the
normalised inverse spectra of three settings of each sweep."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from .common import COLORS, SERIES_COLORS, finish, finite_or_none

__all__ = ["figure"]


def _errors(fig, x, sweep, col, positive_only):
    x = np.asarray(x, dtype=float)
    keep = x > 0 if positive_only else np.ones_like(x, bool)  # δ = 0 has no place on a log axis
    for key, name, mode, style in (
            ("eps_spectral", "spectral ε (Eq. 7)", "lines", dict(color=COLORS["A"])),
            ("eps_exact", "exact GP error", "markers", dict(color=COLORS["B"], symbol="x", size=8))):
        y = np.asarray(sweep[key], dtype=float)[keep]
        fig.add_trace(go.Scatter(x=x[keep], y=finite_or_none(y), mode=mode, name=name,
                                 legendgroup=key, showlegend=col == 1,
                                 line=style if mode == "lines" else None,
                                 marker=style if mode == "markers" else None,
                                 hovertemplate="%{x:.3g}: %{y:.4g}<extra>" + name + "</extra>"),
                      row=1, col=col)


def _spectra(fig, x, label, sweep, col):
    picks = sorted({0, len(x) // 2, len(x) - 1})
    for i, pick in enumerate(picks):
        inverse = np.asarray(sweep["inverse_spectrum"][pick], dtype=float)
        fig.add_trace(go.Scatter(
            x=np.arange(inverse.size), y=inverse / inverse.max(), mode="lines+markers",
            name=f"{label} = {x[pick]:.3g}", line=dict(color=SERIES_COLORS[i], dash=("solid", "dash", "dot")[i]),
            hovertemplate="f = %{x}: %{y:.3g}<extra></extra>"), row=2, col=col)


def figure(data: dict) -> go.Figure:
    cfg = data["config"]
    fig = make_subplots(rows=2, cols=2, vertical_spacing=0.16, horizontal_spacing=0.1,
                        subplot_titles=(f"B  error against δ (N = {cfg['delta_N']})",
                                        f"E  error against N (δ = {cfg['N_delta']:g})",
                                        "C  inverse spectrum 1/λ_f (normalised), three δ",
                                        "F  inverse spectrum 1/λ_f (normalised), three N"))
    _errors(fig, cfg["deltas"], data["delta_sweep"], 1, positive_only=True)
    _errors(fig, cfg["Ns"], data["N_sweep"], 2, positive_only=False)
    _spectra(fig, cfg["deltas"], "δ", data["delta_sweep"], 1)
    _spectra(fig, cfg["Ns"], "N", data["N_sweep"], 2)
    fig.update_xaxes(type="log", title_text="δ", row=1, col=1)
    fig.update_xaxes(title_text="N", row=1, col=2)
    fig.update_yaxes(type="log", title_text="error", row=1, col=1)
    fig.update_yaxes(type="log", row=1, col=2)
    for col in (1, 2):
        fig.update_xaxes(title_text="frequency f (0 … N)", row=2, col=col)
        fig.update_yaxes(type="log", row=2, col=col)
    return finish(fig, "Fig. 3 — RBF kernel on two interleaved circles (arXiv 2412.11521)",
                  data["quick"], height=720)
