"""Fig. 1 (fig1 target): per network, training / in-test / out-test accuracy against epochs at
N = 8 (Fig. 1B; mean over leave-out classes, the out-test with its 95% band), and the final
out-test accuracy against N (Fig. 1C), with the final training accuracy and steps per run."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from .common import SERIES_COLORS, finish, finite_or_none

__all__ = ["figure"]

_LABELS = {"mlp": "MLP", "cnn": "ConvNet", "vit": "ViT"}


def _runs(data, network, N=None):
    return sorted((r for r in data["runs"] if r["network"] == network
                   and (N is None or r["N"] == N)), key=lambda r: (r["N"], r["leave_out"]))


def _padded(curves) -> np.ndarray:
    """Curves of different lengths (early stopping) as rows, each held at its last value."""
    curves = [np.array([np.nan if v is None else v for v in c], dtype=float) for c in curves]
    length = max(len(c) for c in curves)
    return np.stack([np.concatenate([c, np.full(length - len(c), c[-1])]) for c in curves])


def _band(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mean over rows and the paper's 95% band 1.96·std/√n."""
    mean = np.nanmean(values, axis=0)
    half = 1.96 * np.nanstd(values, axis=0) / np.sqrt(max(values.shape[0], 1))
    return mean, half


def _epochs(fig, data, network, col, color, legend):
    runs = _runs(data, network, data["config"]["main_N"])
    if not runs:
        return
    for key, name, style in (("curve_train", "training", dict(color="black")),
                             ("curve_in", "in-test", dict(color="black", dash="dash")),
                             ("curve_out", "out-test", dict(color=color, dash="dash"))):
        mean, half = _band(_padded([r[key] for r in runs]))
        x = np.arange(mean.size)
        if key == "curve_out":
            band = np.concatenate([mean + half, (mean - half)[::-1]])
            fig.add_trace(go.Scatter(x=np.concatenate([x, x[::-1]]), y=finite_or_none(band),
                                     mode="lines", fill="toself", fillcolor=color, opacity=0.2,
                                     line=dict(width=0), hoverinfo="skip", showlegend=False),
                          row=1, col=col)
        fig.add_trace(go.Scatter(x=x, y=finite_or_none(mean), mode="lines", line=style,
                                 name=f"{name} accuracy", legendgroup=key, showlegend=legend,
                                 hovertemplate="epoch %{x}: %{y:.3f}<extra>" + name + "</extra>"),
                      row=1, col=col)
    fig.add_trace(go.Scatter(x=[0, max(len(r["curve_out"]) for r in runs) - 1], y=[0.1, 0.1],
                             mode="lines", line=dict(color="#999999", dash="dot"), name="chance",
                             legendgroup="chance", showlegend=legend, hoverinfo="skip"),
                  row=1, col=col)


def _versus_N(fig, data, network, color, last_col):
    runs = _runs(data, network)
    Ns = sorted({r["N"] for r in runs})
    if not Ns:
        return
    label = _LABELS.get(network, network)
    for key, dash, name in (("out_accuracy", "solid", "out-test"),
                            ("in_accuracy", "dash", "in-test")):
        per_N = [np.array([r[key] for r in _runs(data, network, N)], dtype=float) for N in Ns]
        mean = np.array([np.mean(v) for v in per_N])
        half = np.array([1.96 * np.std(v) / np.sqrt(v.size) for v in per_N])
        if key == "out_accuracy" and len(Ns) > 1:
            band = np.concatenate([mean + half, (mean - half)[::-1]])
            fig.add_trace(go.Scatter(x=Ns + Ns[::-1], y=finite_or_none(band), mode="lines",
                                     fill="toself", fillcolor=color, opacity=0.2,
                                     line=dict(width=0), hoverinfo="skip", showlegend=False),
                          row=2, col=1)
        fig.add_trace(go.Scatter(
            x=Ns, y=finite_or_none(mean), mode="lines+markers", name=f"{label} {name}",
            line=dict(color=color, dash=dash), marker=dict(size=7),
            hovertemplate="N = %{x}: %{y:.3f}<extra>" + f"{label} {name}" + "</extra>"),
            row=2, col=1)
    train = np.array([r["train_accuracy"] for r in runs], dtype=float)
    steps = np.array([r["steps"] for r in runs], dtype=float)
    fig.add_trace(go.Scatter(
        x=[r["N"] * 2 ** (0.15 * (r["leave_out"] / 9 - 0.5)) for r in runs],
        y=finite_or_none(train), mode="markers", name=f"{label} final training accuracy",
        marker=dict(color=color, size=6, symbol="circle-open"), customdata=steps,
        text=[f"leave-out {r['leave_out']}" for r in runs],
        hovertemplate="N = %{x:.0f}, %{text}: %{y:.3f} after %{customdata:.0f} steps"
                      "<extra></extra>"),
        row=2, col=last_col)


def figure(data: dict) -> go.Figure:
    cfg = data["config"]
    networks = list(dict.fromkeys([*cfg["networks"], *cfg["probe_networks"]]))
    cols = max(len(networks), 2)
    specs = [[{} for _ in range(cols)], [{"colspan": cols - 1}] + [None] * (cols - 2) + [{}]]
    titles = [f"B  {_LABELS.get(n, n)}, N = {cfg['main_N']}" for n in networks]
    titles += [""] * (cols - len(networks))
    titles += ["C  final out-test (solid) and in-test (dashed) accuracy against N",
               "final training accuracy per run"]
    fig = make_subplots(rows=2, cols=cols, specs=specs, subplot_titles=titles,
                        vertical_spacing=0.16, horizontal_spacing=0.07)
    for col, network in enumerate(networks, start=1):
        color = SERIES_COLORS[col - 1]
        _epochs(fig, data, network, col, color, col == 1)
        _versus_N(fig, data, network, color, cols)
        fig.update_xaxes(title_text="epoch", row=1, col=col)
        fig.update_yaxes(range=[0, 1.02], row=1, col=col)
    fig.add_hline(y=cfg["precondition"], line=dict(color="#999999", dash="dot"), row=2, col=cols)
    fig.update_yaxes(title_text="accuracy", row=1, col=1)
    fig.update_yaxes(title_text="accuracy", range=[0, 1.05], row=2, col=1)
    fig.update_yaxes(range=[0, 1.05], row=2, col=cols)
    for col in (1, cols):
        fig.update_xaxes(type="log", title_text="N (number of angles)", tickvals=cfg["Ns"],
                         ticktext=[str(N) for N in cfg["Ns"]], row=2, col=col)
    return finish(fig, "Fig. 1 — networks trained on rotated MNIST without the upright leave-out "
                  "class (arXiv 2412.11521)", data["quick"], height=760)
