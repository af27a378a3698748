"""Fig. 6A and App. F (seeds target): the symmetrised exact error against the pair-averaged
spectral error, one panel per N (Fig. 6A is N = 8), each trial coloured by the fraction of its
left-out images the exact NTK classifies correctly."""

from __future__ import annotations

import plotly.graph_objects as go
from plotly.subplots import make_subplots

from .common import diagonal, finish

__all__ = ["figure"]


def figure(data: dict) -> go.Figure:
    cfg = data["config"]
    trials = data["trials"]
    titles = [("Fig. 6A  " if t["N"] == cfg["main_N"] else "App. F  ") + f"N = {t['N']}"
              for t in trials]
    fig = make_subplots(rows=1, cols=len(trials), subplot_titles=titles, horizontal_spacing=0.04)
    top = max(2.0, *(max(max(t["eps_spectral"]), max(t["eps_exact"])) for t in trials))
    low = min(0.0, *(min(t["eps_exact"]) for t in trials))
    for col, t in enumerate(trials, start=1):
        names = [f"classes {a} and {b}" for a, b in zip(t["class_a"], t["class_b"])]
        fig.add_trace(go.Scatter(
            x=t["eps_exact"], y=t["eps_spectral"], mode="markers", showlegend=False, text=names,
            marker=dict(size=7, color=t["fraction_correct"], colorscale="RdYlGn", cmin=0, cmax=1,
                        showscale=col == len(trials), opacity=0.85,
                        colorbar=dict(title="correct", thickness=10)),
            hovertemplate="%{text}<br>exact %{x:.3g}, spectral %{y:.3g}<br>correct "
                          "%{marker.color:.0%}<extra></extra>"), row=1, col=col)
        diagonal(fig, min(low, 0.0), top, 1, col)
        fig.update_xaxes(title_text="exact error (signed, symmetrised)", range=[low - 0.05, top],
                         row=1, col=col)
        fig.update_yaxes(range=[low - 0.05, top], row=1, col=col)
    fig.update_yaxes(title_text="pair-averaged spectral ε", row=1, col=1)
    n = len(trials[0]["eps_exact"])
    return finish(fig, f"Fig. 6A, App. F — {cfg['seeds']} digits per class, two classes, {n} "
                       "trials per N, MLP-1 NTK (arXiv 2412.11521)", data["quick"],
                  height=430, width=max(1000, 260 * len(trials)))
