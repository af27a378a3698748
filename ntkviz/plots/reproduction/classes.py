"""Fig. 6B and App. F / Fig. 13 (classes target): accuracy on the unseen upright digits against
N — trained network and spectral prediction (Fig. 6B), with the exact NTK regression (Fig. 13) —
mean over the leave-out classes with the paper's 95% band, and the trained networks' training
accuracy."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from .common import SERIES_COLORS, finish, finite_or_none

__all__ = ["figure"]

_N_CLASSES = 10
_SERIES = (("trained", "trained MLP"), ("spectral", "spectral (NTK)"), ("exact", "exact (NTK)"))


def _per_class(data: dict) -> dict[str, np.ndarray]:
    """(len(Ns), 10) accuracies of each leave-out class (as the target's claims read them)."""
    out = {"spectral": [], "exact": [], "trained": []}
    off = ~np.eye(_N_CLASSES, dtype=bool)[:, None, :]
    for N in data["config"]["Ns"]:
        k = next(p for p in data["kernel"] if p["N"] == N)
        pred = np.array([[[np.nan if v is None else v for v in row] for row in seed]
                         for seed in k["spectral"]], dtype=float)
        out["spectral"].append(np.all((pred > 0) | ~off, axis=2).mean(axis=1))
        out["exact"].append((np.array(k["exact"], dtype=float) > 0).mean(axis=1))
        runs = sorted((r for r in data["trained"] if r["N"] == N), key=lambda r: r["leave_out"])
        out["trained"].append([np.mean(np.array(r["predicted"]) == r["leave_out"]) for r in runs])
    return {k: np.array(v, dtype=float) for k, v in out.items()}


def _curve(fig, Ns, values, name, color, col, legend, dash="solid"):
    mean = values.mean(axis=1)
    half = 1.96 * values.std(axis=1) / np.sqrt(values.shape[1])
    fig.add_trace(go.Scatter(x=list(Ns) + list(Ns)[::-1],
                             y=finite_or_none(np.concatenate([mean + half, (mean - half)[::-1]])),
                             mode="lines", fill="toself", fillcolor=color, opacity=0.2,
                             line=dict(width=0), hoverinfo="skip", showlegend=False),
                  row=1, col=col)
    fig.add_trace(go.Scatter(x=Ns, y=finite_or_none(mean), mode="lines+markers", name=name,
                             legendgroup=name, showlegend=legend,
                             line=dict(color=color, dash=dash), marker=dict(size=7),
                             hovertemplate="N = %{x}: %{y:.3f}<extra>" + name + "</extra>"),
                  row=1, col=col)


def figure(data: dict) -> go.Figure:
    Ns = list(data["config"]["Ns"])
    acc = _per_class(data)
    fig = make_subplots(rows=1, cols=3, horizontal_spacing=0.07, subplot_titles=(
        "Fig. 6B  trained and spectral accuracy", "Fig. 13  trained, exact and spectral",
        "training accuracy of the trained networks"))
    for i, (key, name) in enumerate(_SERIES):
        if key != "exact":
            _curve(fig, Ns, acc[key], name, SERIES_COLORS[i], 1, True)
        _curve(fig, Ns, acc[key], name, SERIES_COLORS[i], 2, key == "exact",
               dash="dot" if key == "exact" else "solid")
    runs = data["trained"]
    fig.add_trace(go.Scatter(
        x=[r["N"] * 2 ** (0.15 * (r["leave_out"] / 9 - 0.5)) for r in runs],
        y=finite_or_none(np.array([r["train_accuracy"] for r in runs], dtype=float)),
        mode="markers", name="final training accuracy", marker=dict(color=SERIES_COLORS[0],
                                                                     symbol="circle-open"),
        customdata=[r["steps"] for r in runs], text=[f"leave-out {r['leave_out']}" for r in runs],
        hovertemplate="N = %{x:.0f}, %{text}: %{y:.3f} after %{customdata} steps<extra></extra>"),
        row=1, col=3)
    fig.add_hline(y=data["config"]["precondition"], line=dict(color="#999999", dash="dot"),
                  row=1, col=3)
    for col in (1, 2, 3):
        fig.update_xaxes(type="log", tickvals=Ns, ticktext=[str(N) for N in Ns],
                         title_text="N (number of angles)", row=1, col=col)
        fig.update_yaxes(range=[0, 1.05], row=1, col=col)
    fig.update_yaxes(title_text="accuracy on the unseen upright digits", row=1, col=1)
    return finish(fig, "Fig. 6B, App. F — ten classes, one versus many (arXiv 2412.11521)",
                  data["quick"], height=440)
