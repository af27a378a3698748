"""Equivariant NTKs (equivariant_ntk target): kernel error against width, NTK regression accuracy
of the group CNN against the GAP CNN, and augmented against group-CNN kernel-flow predictions."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from .common import SERIES_COLORS, diagonal, finish, finite_or_none

__all__ = ["figure"]

_DASH = {"rot90": "solid", "rotate": "dash"}


def _width(fig, d):
    widths = np.asarray(d["widths"], dtype=float)
    for i, kind in enumerate(("ntk", "nngp")):
        errors = np.asarray(d[f"{kind}_errors"], dtype=float)  # (seeds, widths)
        mean = errors.mean(axis=0)
        spread = errors.std(axis=0, ddof=1) if errors.shape[0] > 1 else np.zeros_like(mean)
        fig.add_trace(go.Scatter(
            x=widths, y=finite_or_none(mean), mode="lines+markers", name=f"{kind.upper()} error",
            line=dict(color=SERIES_COLORS[i]),
            error_y=dict(type="data", array=finite_or_none(spread), visible=True),
            hovertemplate="width %{x}: %{y:.3g}<extra>" + kind.upper() + "</extra>"),
            row=1, col=1)
    reference = errors.mean(axis=0)[0] * (widths / widths[0]) ** -0.5
    fig.add_trace(go.Scatter(x=widths, y=reference, mode="lines", name="∝ width^−1/2",
                             line=dict(color="#999999", dash="dot"), hoverinfo="skip"),
                  row=1, col=1)


def _accuracy(fig, data):
    n_train = np.asarray(data["config"]["n_train"], dtype=float)
    for mode, entry in data["accuracy"].items():
        for i, (key, label) in enumerate((("gcnn", "group CNN"), ("cnn_gap", "GAP CNN"))):
            acc = np.asarray(entry["ntk"][key], dtype=float)
            fig.add_trace(go.Scatter(
                x=n_train, y=100 * acc.mean(axis=0), mode="lines+markers",
                name=f"{label}, {mode}",
                line=dict(color=SERIES_COLORS[3 + i], dash=_DASH.get(mode)),
                hovertemplate="n = %{x}: %{y:.1f} %<extra>" + f"{label}, {mode}</extra>"),
                row=1, col=2)


def _augmentation(fig, d):
    mu_eq = np.asarray(d["mu_eq_last"], dtype=float)
    mu_aug = np.asarray(d["mu_aug_last"], dtype=float)
    low, high = float(min(mu_eq.min(), mu_aug.min())), float(max(mu_eq.max(), mu_aug.max()))
    diagonal(fig, low, high, 2, 1)
    fig.add_trace(go.Scatter(x=mu_eq, y=mu_aug, mode="markers", name="test outputs (last time)",
                             marker=dict(color=SERIES_COLORS[2], size=5),
                             hovertemplate="%{x:.4g} / %{y:.4g}<extra></extra>"), row=2, col=1)
    relative = np.asarray(d["max_difference"], dtype=float) / np.asarray(d["max_abs"], dtype=float)
    times = np.asarray(d["times"], dtype=float) * float(d["lam_max"])
    fig.add_trace(go.Scatter(x=times, y=finite_or_none(np.maximum(relative, 1e-18)),
                             mode="lines+markers", name="max relative difference",
                             line=dict(color=SERIES_COLORS[5]),
                             hovertemplate="ηtλ_max %{x:g}: %{y:.2g}<extra></extra>"),
                  row=2, col=2)


def figure(data: dict) -> go.Figure:
    fig = make_subplots(rows=2, cols=2, vertical_spacing=0.17, horizontal_spacing=0.1,
                        subplot_titles=("relative kernel error against width (mean ± sd)",
                                        "NTK regression accuracy on rotated digits",
                                        "augmented GAP CNN against group CNN (kernel flow)",
                                        "their difference at each training time"))
    _width(fig, data["width"])
    _accuracy(fig, data)
    _augmentation(fig, data["augmentation"])
    fig.update_xaxes(type="log", title_text="channels per rotation", row=1, col=1)
    fig.update_yaxes(type="log", title_text="‖K̂ − K‖_F / ‖K‖_F", row=1, col=1)
    fig.update_xaxes(title_text="training digits", row=1, col=2)
    fig.update_yaxes(title_text="test accuracy (%)", row=1, col=2)
    fig.update_xaxes(title_text="group CNN, original digits", row=2, col=1)
    fig.update_yaxes(title_text="GAP CNN, augmented digits", row=2, col=1)
    fig.update_xaxes(type="log", title_text="training time ηt·λ_max", row=2, col=2)
    fig.update_yaxes(type="log", title_text="max |Δμ| / max |μ|", row=2, col=2)
    return finish(fig, "Equivariant NTKs — group CNN kernels (arXiv 2406.06504)", data["quick"],
                  height=760)
