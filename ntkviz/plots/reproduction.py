"""Figures of ``ntkviz reproduce``: one multi-panel figure per paper figure, made from the JSON
numbers of ``reproduction.targets`` alone (no computation here)."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from .style import COLORS, finite_or_none

__all__ = ["fig1", "fig4", "fig6", "FIGURES"]

NETWORK_COLORS = {"mlp": "#1f77b4", "cnn": "#2ca02c", "vit": "#9467bd"}
NETWORK_LABELS = {"mlp": "MLP", "cnn": "CNN", "vit": "ViT"}
SPECTRAL_COLOR = "#111111"
_FONT = dict(size=12)


def _finish(fig: go.Figure, title: str, quick: bool, height: int, width: int) -> go.Figure:
    if quick:
        title += " — quick run"
    fig.update_layout(title=dict(text=title, x=0.01, xanchor="left"), template="plotly_white",
                      height=height, width=width, font=_FONT,
                      margin=dict(l=60, r=20, t=80, b=60),
                      legend=dict(orientation="h", yanchor="top", y=-0.12, x=0.0))
    return fig


def _diagonal(fig, low, high, row, col):
    fig.add_trace(go.Scatter(x=[low, high], y=[low, high], mode="lines", showlegend=False,
                             line=dict(color="#999999", dash="dot"), hoverinfo="skip"),
                  row=row, col=col)


def fig1(data: dict) -> go.Figure:
    """Fig. 1: in-test against out-test accuracy of trained networks (B at N = 8), and both
    against N (C) with the spectral one-versus-many accuracy of the MLP NTK."""
    Ns = data["config"]["Ns"]
    networks = data["networks"]
    main_N = 8 if 8 in Ns else Ns[0]
    n = Ns.index(main_N)
    fig = make_subplots(rows=1, cols=2, column_widths=[0.35, 0.65], horizontal_spacing=0.1,
                        subplot_titles=(f"B  accuracy at N = {main_N}",
                                        "C  accuracy against the number of angles N"))
    names = list(networks)
    labels = [NETWORK_LABELS.get(k, k) for k in names]
    for split, opacity in (("in", 1.0), ("out", 0.55)):
        fig.add_trace(go.Bar(
            x=labels, y=[networks[k][f"{split}_accuracy"][n] for k in names],
            marker=dict(color=[NETWORK_COLORS.get(k, "#777") for k in names], opacity=opacity,
                        pattern=dict(shape="" if split == "in" else "/")),
            name=f"{split}-test", legendgroup=split, showlegend=False,
            hovertemplate=f"%{{x}} {split}-test: %{{y:.3f}}<extra></extra>"), row=1, col=1)
    for k in names:
        color = NETWORK_COLORS.get(k, "#777")
        for split, dash in (("in", "solid"), ("out", "dash")):
            fig.add_trace(go.Scatter(
                x=Ns, y=networks[k][f"{split}_accuracy"], mode="lines+markers",
                line=dict(color=color, dash=dash), name=f"{NETWORK_LABELS.get(k, k)} {split}-test",
                hovertemplate="N=%{x}: %{y:.3f}<extra></extra>"), row=1, col=2)
    spectral = data["spectral"]
    fig.add_trace(go.Scatter(
        x=Ns, y=spectral["accuracy"], mode="lines+markers",
        line=dict(color=SPECTRAL_COLOR, dash="dot", width=3), marker=dict(symbol="diamond"),
        name=f"spectral accuracy ({spectral['architecture']} NTK, "
             f"{spectral['seeds_per_class']} seeds/class)",
        hovertemplate="N=%{x}: %{y:.3f}<extra></extra>"), row=1, col=2)
    fig.update_yaxes(range=[0, 1.02], title_text="accuracy", row=1, col=1)
    fig.update_yaxes(range=[0, 1.02], title_text="accuracy", row=1, col=2)
    fig.update_xaxes(type="log", tickvals=Ns, ticktext=[str(v) for v in Ns],
                     title_text="N (rotation angles)", row=1, col=2)
    cfg = data["config"]
    fig = _finish(fig, "Fig. 1 — trained networks on rotated MNIST, upright digits of the "
                  "leave-out class unseen<br><sup>leave-out classes "
                  f"{', '.join(map(str, cfg['leave_out_classes']))} (mean), "
                  f"{cfg['n_per_class']} digits per class, {cfg['steps']} Adam steps per run"
                  "</sup>", data["quick"], 480, 1200)
    fig.update_layout(legend=dict(orientation="v", x=1.02, y=1.0, yanchor="top"),
                      margin=dict(r=260))
    return fig


def fig4(data: dict) -> go.Figure:
    """Fig. 4B–E and the architecture checks: spectral vs exact error, agreement against N,
    ``λ_N`` against ``Δ²``, ``⟨λ⁻¹⟩`` against ``1/r``, GAP CNN and group CNN errors."""
    surveys = data["surveys"]
    main = surveys[str(data["config"]["main_N"])]
    fig = make_subplots(rows=2, cols=3, horizontal_spacing=0.08, vertical_spacing=0.17,
                        subplot_titles=(
                            f"B  spectral vs exact error, N = {main['N']}",
                            "C  agreement against N",
                            "D  λ_N against orbit separation Δ²",
                            "E  ⟨λ⁻¹⟩ against inverse radius 1/r",
                            "GAP CNN on cyclic shifts",
                            "C4 group CNN on quarter turns"))
    hover = [f"{a}/{sa} vs {b}/{sb}" for a, sa, b, sb in main["pairs"]]
    wrong = np.asarray(main["misclassified"], bool)
    fig.add_trace(go.Scatter(
        x=finite_or_none(main["eps_exact"]), y=finite_or_none(main["eps_spectral"]),
        mode="markers", text=hover, name="digit pairs",
        marker=dict(color=np.where(wrong, COLORS["B"], COLORS["A"]).tolist(), size=5, opacity=0.7),
        hovertemplate="%{text}<br>exact %{x:.4f}<br>spectral %{y:.4f}<extra></extra>"), row=1, col=1)
    high = float(np.nanmax(np.r_[main["eps_exact"], main["eps_spectral"]].astype(float)))
    _diagonal(fig, 0.0, high, 1, 1)
    Ns = [int(k) for k in surveys]
    fig.add_trace(go.Scatter(x=Ns, y=[surveys[str(N)]["correlation"] for N in Ns],
                             mode="lines+markers", name="correlation",
                             line=dict(color=COLORS["A"]),
                             hovertemplate="N=%{x}: r = %{y:.4f}<extra></extra>"), row=1, col=2)
    fig.add_trace(go.Scatter(x=Ns, y=[surveys[str(N)]["mean_abs_difference"] for N in Ns],
                             mode="lines+markers", name="mean |spectral − exact|",
                             line=dict(color=COLORS["accent"], dash="dash"),
                             hovertemplate="N=%{x}: %{y:.4f}<extra></extra>"), row=1, col=2)
    fig.add_trace(go.Scatter(x=main["separation_sq"], y=main["lam_N"], mode="markers",
                             text=hover, showlegend=False,
                             marker=dict(color=COLORS["A"], size=5, opacity=0.6),
                             hovertemplate="%{text}<br>Δ² %{x:.4f}<br>λ_N %{y:.4g}<extra></extra>"),
                  row=1, col=3)
    radius = np.asarray(main["radius"], float)
    inverse = np.array([np.nan if v is None else v for v in main["mean_inverse"]], float)
    ok = np.isfinite(inverse) & (radius > 0)
    fig.add_trace(go.Scatter(x=(1.0 / radius[ok]).tolist(), y=inverse[ok].tolist(), mode="markers",
                             showlegend=False, marker=dict(color=COLORS["A"], size=5, opacity=0.6),
                             hovertemplate="1/r %{x:.4f}<br>⟨λ⁻¹⟩ %{y:.4g}<extra></extra>"),
                  row=2, col=1)
    for col, key in ((2, "gap_shift"), (3, "gcnn_rot90")):
        s = data[key]
        fig.add_trace(go.Histogram(x=finite_or_none(s["eps_exact"]), name=f"exact ε ({key})",
                                   marker=dict(color=COLORS["A"]), opacity=0.75, nbinsx=30,
                                   showlegend=False),
                      row=2, col=col)
        fig.add_annotation(text=(f"{s['n_pairs']} pairs, N = {s['N']}<br>"
                                 f"max exact ε = {np.nanmax(np.asarray(s['eps_exact'], float)):.2e}"
                                 f"<br>misclassified: {s['fraction_misclassified']:.0%}"),
                           xref=f"x{3 + col} domain", yref=f"y{3 + col} domain", x=0.98, y=0.95,
                           showarrow=False, align="right", font=dict(size=11))
    fig.update_xaxes(title_text="exact symmetrised error", row=1, col=1)
    fig.update_yaxes(title_text="spectral error ε (Eq. 7)", row=1, col=1)
    fig.update_xaxes(type="log", tickvals=Ns, ticktext=[str(v) for v in Ns], title_text="N",
                     row=1, col=2)
    fig.update_xaxes(title_text="Δ²", row=1, col=3)
    fig.update_yaxes(title_text="λ_N", row=1, col=3)
    fig.update_xaxes(title_text="1/r", row=2, col=1)
    fig.update_yaxes(title_text="⟨λ⁻¹⟩", row=2, col=1)
    for col in (2, 3):
        fig.update_xaxes(title_text="exact error on the left-out point", row=2, col=col)
        fig.update_yaxes(title_text="pairs", row=2, col=col)
    return _finish(fig, f"Fig. 4 — pairs of digit orbits, {main['architecture']} NTK on rotations; "
                   "invariant architectures", data["quick"], 820, 1250)


def fig6(data: dict) -> go.Figure:
    """Fig. 6A (pair-averaged spectral vs exact error per N) and 6B (ten-class accuracy against N:
    spectral, exact GP, trained MLP; exact GP on shifts at many seeds, block-circulant)."""
    cfg = data["config"]
    Ns = cfg["Ns"]
    agreement = data["agreement"]
    fig = make_subplots(rows=1, cols=3, horizontal_spacing=0.08,
                        subplot_titles=(f"A  {cfg['trial_seeds']} seeds per class, "
                                        f"{cfg['trials']} class pairs",
                                        f"B  ten classes, {cfg['seeds_per_class']} seeds/class, "
                                        "rotations",
                                        f"exact GP on cyclic shifts, "
                                        f"{cfg['block_seeds_per_class']} seeds/class"))
    palette = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b"]
    high = 0.0
    for n, N in enumerate(Ns):
        exact = np.asarray(agreement["eps_exact"][n], float)
        spectral = np.asarray(agreement["eps_spectral"][n], float)
        high = max(high, float(np.nanmax(exact)), float(np.nanmax(spectral)))
        fig.add_trace(go.Scatter(
            x=exact, y=spectral, mode="markers", marker=dict(color=palette[n % 6], size=6),
            name=f"N = {N} (r = {agreement['correlation'][n]:.2f})",
            hovertemplate="exact %{x:.4f}<br>spectral %{y:.4f}<extra></extra>"), row=1, col=1)
    _diagonal(fig, 0.0, high, 1, 1)
    curves = (("spectral", data["spectral"]["accuracy"], SPECTRAL_COLOR, "dot",
               "spectral accuracy (Eq. 7, one vs many)"),
              ("exact", data["exact"]["accuracy"], COLORS["accent"], "solid",
               "exact GP (NTK regression)"),
              ("trained", data["trained"]["out_accuracy"], NETWORK_COLORS["mlp"], "dash",
               "trained MLP, out-test"))
    for _, values, color, dash, label in curves:
        fig.add_trace(go.Scatter(x=Ns, y=values, mode="lines+markers", name=label,
                                 line=dict(color=color, dash=dash),
                                 hovertemplate="N=%{x}: %{y:.3f}<extra></extra>"), row=1, col=2)
    block = data["block"]
    fig.add_trace(go.Scatter(
        x=[b["N"] for b in block], y=[b["accuracy"] for b in block], mode="lines+markers",
        name="exact GP, block-circulant solver", line=dict(color=COLORS["B"]),
        text=[f"{b['points']} points, {b['wall_time']:.1f} s" for b in block],
        hovertemplate="N=%{x}: %{y:.3f}<br>%{text}<extra></extra>"), row=1, col=3)
    fig.update_xaxes(title_text="exact multi-seed error", row=1, col=1)
    fig.update_yaxes(title_text="pair-averaged spectral error", row=1, col=1)
    for col, values in ((2, Ns), (3, [b["N"] for b in block])):
        fig.update_xaxes(type="log", tickvals=values, ticktext=[str(v) for v in values],
                         title_text="N", row=1, col=col)
        fig.update_yaxes(range=[0, 1.02], title_text="accuracy on the unseen upright digits",
                         row=1, col=col)
    return _finish(fig, f"Fig. 6 — more seeds, more classes ({cfg['architecture']} NTK)",
                   data["quick"], 520, 1300)


FIGURES = {"fig1": fig1, "fig4": fig4, "fig6": fig6}
