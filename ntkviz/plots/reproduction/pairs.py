"""Fig. 4B–E and App. D (pairs target): exact against spectral error at Fig. 4's N, the two
spectral quantities coloured by each error (4C), λ_N against Δ² (4D), ⟨λ⁻¹⟩ against 1/ρ (4E),
and exact against spectral error at every N for the NTK (App. D) and the NNGP."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from .common import finish
from .pair_scatter import colored_scatter, error_scatter, values

__all__ = ["figure"]


def _at(data: dict, kind: str, N: int) -> dict:
    return next(s for s in data[kind] if s["N"] == N)


def _colorbar(fig: go.Figure, title: str, col: int) -> dict:
    """A slim colour bar just right of the first-row panel ``col``."""
    x_domain, y_domain = fig.get_subplot(1, col).xaxis.domain, fig.get_subplot(1, col).yaxis.domain
    return dict(title=title, x=x_domain[1] + 0.004, xanchor="left", thickness=8,
                y=sum(y_domain) / 2, len=y_domain[1] - y_domain[0])


def _top_row(fig: go.Figure, numbers: dict) -> None:
    error_scatter(fig, numbers, 1, 1, legend=True)
    inv_lam_N = 1.0 / values(numbers, "lam_N_bare")
    mean_inverse = values(numbers, "mean_inverse_bare")
    spectral, exact = values(numbers, "eps_spectral"), values(numbers, "eps_exact")
    both = np.concatenate([spectral, exact])
    low, high = float(np.nanmin(both)), float(np.nanmax(both))
    bar = _colorbar(fig, "error", 3)
    for col, color, label in ((2, spectral, "spectral ε"), (3, exact, "exact error")):
        colored_scatter(fig, numbers, inv_lam_N, mean_inverse, color, 1, col, cmin=low, cmax=high,
                        colorbar=bar if col == 3 else None, label=label)
    log_eps = np.log(np.maximum(spectral, 1e-300))
    lo, hi = float(np.nanmin(log_eps)), float(np.nanmax(log_eps))
    bar = _colorbar(fig, "ln ε", 5)
    colored_scatter(fig, numbers, values(numbers, "lam_N_bare"), values(numbers, "separation_sq"),
                    log_eps, 1, 4, cmin=lo, cmax=hi, colorbar=None, label="ln ε")
    colored_scatter(fig, numbers, mean_inverse, 1.0 / values(numbers, "radius"), log_eps, 1, 5,
                    cmin=lo, cmax=hi, colorbar=bar, label="ln ε")


def figure(data: dict) -> go.Figure:
    cfg = data["config"]
    Ns, N0 = cfg["Ns"], cfg["main_N"]
    kinds = [k for k in ("ntk", "nngp") if k in data]
    cols = max(5, len(Ns))
    titles = [f"B  exact vs spectral (NTK, N = {N0})", "C  λ_N⁻¹ vs ⟨λ⁻¹⟩, colour: spectral",
              "C  … colour: exact error", "D  λ_N vs Δ², colour: ln ε", "E  ⟨λ⁻¹⟩ vs 1/ρ, colour: ln ε"]
    titles += [""] * (cols - 5)
    for kind in kinds:
        titles += [f"{kind.upper()}, N = {N}" for N in Ns] + [""] * (cols - len(Ns))
    fig = make_subplots(rows=1 + len(kinds), cols=cols, subplot_titles=titles,
                        horizontal_spacing=0.07, vertical_spacing=0.12)
    _top_row(fig, _at(data, "ntk", N0))
    for r, kind in enumerate(kinds, start=2):
        for c, N in enumerate(Ns, start=1):
            error_scatter(fig, _at(data, kind, N), r, c, legend=False)
            fig.update_xaxes(title_text="exact error", row=r, col=c)
        fig.update_yaxes(title_text=f"spectral ε ({kind.upper()})", row=r, col=1)
    fig.update_xaxes(title_text="exact error", row=1, col=1)
    fig.update_yaxes(title_text="spectral ε", row=1, col=1)
    for col in (2, 3):
        fig.update_xaxes(title_text="λ_N⁻¹", row=1, col=col)
        fig.update_yaxes(title_text="⟨λ⁻¹⟩", row=1, col=col)
    fig.update_xaxes(title_text="λ_N", row=1, col=4)
    fig.update_yaxes(title_text="Δ²", row=1, col=4)
    fig.update_xaxes(title_text="⟨λ⁻¹⟩", row=1, col=5)
    fig.update_yaxes(title_text="1/ρ", row=1, col=5)
    n = len(_at(data, "ntk", N0)["pairs"])
    return finish(fig, f"Fig. 4B–E, App. D — MLP (1 hidden layer) on {n} digit pairs per N, "
                       "NTK and NNGP (arXiv 2412.11521)", data["quick"],
                  height=330 * (1 + len(kinds)) + 120, width=1500)
