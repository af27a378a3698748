"""Fig. 5C/D, Fig. 7, App. G, App. Fig. 16 and Props. 1–4 (architectures target): exact against
spectral error per network on the same rotation pairs, the FC and GAP CNNs' spectral quantities
against the orbit geometry, both CNNs on translation orbits, and the propositions' numbers."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from .common import finish
from .pair_scatter import colored_scatter, error_scatter, values

__all__ = ["figure"]

_FLOOR = 1e-16

_ROW1 = (("mlp1", "Fig. 4B  MLP-1"), ("mlp5", "Fig. 5C  MLP-5"), ("cnn_fc", "Fig. 5C  FC CNN"),
         ("cnn_gap", "Fig. 5D  GAP CNN"), ("cnn_gap_strided", "Fig. 16  GAP CNN, stride = filter"))


def _geometry(fig, numbers: dict, name: str, col: int, colorbar: bool) -> None:
    log_eps = np.log(np.maximum(values(numbers, "eps_spectral"), 1e-300))
    lo, hi = float(np.nanmin(log_eps)), float(np.nanmax(log_eps))
    x_domain, y_domain = fig.get_subplot(2, col + 1).xaxis.domain, fig.get_subplot(2, col + 1).yaxis.domain
    bar = dict(title=f"ln ε ({name})", x=x_domain[1] + 0.004, xanchor="left", thickness=8,
               y=sum(y_domain) / 2, len=y_domain[1] - y_domain[0]) if colorbar else None
    colored_scatter(fig, numbers, values(numbers, "lam_N_bare"), values(numbers, "separation_sq"),
                    log_eps, 2, col, cmin=lo, cmax=hi, colorbar=None, label="ln ε")
    colored_scatter(fig, numbers, values(numbers, "mean_inverse_bare"), 1.0 / values(numbers, "radius"),
                    log_eps, 2, col + 1, cmin=lo, cmax=hi, colorbar=bar, label="ln ε")
    fig.update_xaxes(title_text="λ_N", row=2, col=col)
    fig.update_yaxes(title_text="Δ²", row=2, col=col)
    fig.update_xaxes(title_text="⟨λ⁻¹⟩", row=2, col=col + 1)
    fig.update_yaxes(title_text="1/ρ", row=2, col=col + 1)


def _zero_errors(fig, data: dict) -> None:
    """Exact errors of the GAP CNN on shift orbits, with our ridge and without (log10)."""
    d = data["shift_gap_rank"]
    limit = 0.5 * (np.abs(np.array(d["prediction_a"]) - 1) + np.abs(np.array(d["prediction_b"]) + 1))
    ridged = values(data["shift"]["cnn_gap"], "eps_exact")
    for errors, name, color in ((ridged, "ridge 1e-10·tr(K_train)", "#1f77b4"),
                                (limit, "vanishing ridge (min-norm)", "#ff7f0e")):
        # float64 resolves ~1e-16 around a prediction of ±1: smaller errors (0 included) drawn there
        fig.add_trace(go.Histogram(x=np.log10(np.maximum(errors, _FLOOR)), name=name,
                                   marker_color=color, opacity=0.65,
                                   xbins=dict(start=-16.5, end=0.5, size=0.25)), row=3, col=2)
    fig.update_layout(barmode="overlay")
    fig.update_xaxes(title_text="log10 exact error (≤ 1e-16 drawn at −16)", range=[-16.6, 0.5],
                     row=3, col=2)
    fig.update_yaxes(title_text="pairs", row=3, col=2)


def _propositions(data: dict) -> go.Table:
    header = ["", "orbit", "paper", "max ‖K−K̃‖/‖K‖", "‖K−K̄‖/‖K‖", "rank", "agrees"]
    cells = []
    for prop, d in data["propositions"].items():
        rows = d["rows"]
        const = [r["constant_deviation"] for r in rows]
        cells.append([prop, f"{d['action']} (N = {rows[0]['N']})", d["claim"].split(": ", 1)[-1],
                      f"{max(r['circulant_deviation'] for r in rows):.1e}",
                      f"{min(const):.1e} – {max(const):.1e}",
                      ", ".join(sorted({f"{r['rank']}/{r['N']}" for r in rows})),
                      "yes" if not any(r["mismatches"] for r in rows) else "NO"])
    columns = [list(c) for c in zip(*cells)]
    return go.Table(header=dict(values=header, fill_color="#eeeeee", align="left"),
                    cells=dict(values=columns, align="left", height=24),
                    columnwidth=[0.6, 1.0, 2.6, 1.0, 1.4, 0.6, 0.6])


def figure(data: dict) -> go.Figure:
    cfg = data["config"]
    labels = data["labels"]
    titles = [f"{title}" for _, title in _ROW1]
    titles += ["Fig. 7  FC CNN: λ_N vs Δ²", "FC CNN: ⟨λ⁻¹⟩ vs 1/ρ", "App. G.1  GAP CNN: λ_N vs Δ²",
               "GAP CNN: ⟨λ⁻¹⟩ vs 1/ρ", f"App. G.2  FC CNN, shifts (N = {cfg['shift_N']})"]
    titles += [f"App. G.2  GAP CNN, shifts (N = {cfg['shift_N']})", "GAP CNN, shifts: exact error",
               "Props. 1–4 (App. C) on test digits", "", ""]
    specs = [[{}] * 5, [{}] * 5, [{}, {}, {"type": "table", "colspan": 3}, None, None]]
    fig = make_subplots(rows=3, cols=5, specs=specs, subplot_titles=titles,
                        horizontal_spacing=0.07, vertical_spacing=0.11)
    for col, (name, _) in enumerate(_ROW1, start=1):
        error_scatter(fig, data["rotate"][name], 1, col, legend=col == 1)
        fig.update_xaxes(title_text="exact error", row=1, col=col)
    fig.update_yaxes(title_text=f"spectral ε (N = {cfg['rotate_N']} rotations)", row=1, col=1)
    _geometry(fig, data["rotate"]["cnn_fc"], "FC", 1, colorbar=True)
    _geometry(fig, data["rotate"]["cnn_gap"], "GAP", 3, colorbar=True)
    error_scatter(fig, data["shift"]["cnn_fc"], 2, 5, legend=False)
    error_scatter(fig, data["shift"]["cnn_gap"], 3, 1, legend=False)
    for row, col in ((2, 5), (3, 1)):
        fig.update_xaxes(title_text="exact error", row=row, col=col)
        fig.update_yaxes(title_text="spectral ε", row=row, col=col)
    _zero_errors(fig, data)
    fig.add_trace(_propositions(data), row=3, col=3)
    strided = labels.get("cnn_gap_strided", "")
    return finish(fig, f"Fig. 5C/D, Fig. 7, App. G, Fig. 16 — deeper MLP and one-layer CNNs on "
                       f"{len(data['rotate']['mlp1']['pairs'])} digit pairs ({strided}) "
                       "(arXiv 2412.11521)", data["quick"], height=1250, width=1600)
