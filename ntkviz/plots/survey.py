"""Figures of the pair survey (seed 001 Fig. 4B, D, E and Fig. 5): spectral against exact error,
and the two geometric scatters (``λ_N`` against ``Δ²``, ``⟨λ⁻¹⟩`` against ``1/r``).

Every scatter has the same traces: 0 correctly classified pairs, 1 misclassified pairs (an exact
left-out prediction has the wrong sign), 2 a reference line (the diagonal, or nothing), 3 the
selected pair. ``customdata`` of traces 0 and 1 holds ``[index, label_a, sample_a, label_b,
sample_b]`` per point, so a click handler can find the pair.
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from .style import COLORS, apply_update, finite_or_none, layout

__all__ = ["error_scatter", "error_scatter_update", "separation_scatter", "separation_scatter_update",
           "density_scatter", "density_scatter_update"]

_CORRECT = "#444444"

_HOVER_PAIR = ("pair %{customdata[0]}: A = %{customdata[1]} (#%{customdata[2]}), "
               "B = %{customdata[3]} (#%{customdata[4]})<br>")


def _customdata(pairs) -> np.ndarray:
    pairs = np.asarray(pairs, dtype=np.int64).reshape(-1, 4)
    return np.column_stack([np.arange(len(pairs)), pairs])


def _split(x, y, pairs, misclassified, selected):
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    custom = _customdata(pairs)
    wrong = np.zeros(len(x), dtype=bool) if misclassified is None else np.asarray(misclassified, dtype=bool)
    data = [dict(x=finite_or_none(x[mask]), y=finite_or_none(y[mask]), customdata=custom[mask])
            for mask in (~wrong, wrong)]
    return data, _selected(x, y, selected)


def _selected(x, y, selected) -> dict:
    if selected is None or not 0 <= int(selected) < len(x):
        return dict(x=[], y=[])
    i = int(selected)
    return dict(x=finite_or_none([x[i]]), y=finite_or_none([y[i]]))


def _fmt(value: float) -> str:
    return "undefined" if not np.isfinite(value) else f"{value:.4f}"


def _scatter(xlabel: str, ylabel: str, hover_x: str, hover_y: str) -> go.Figure:
    fig = go.Figure()
    hover = _HOVER_PAIR + f"{hover_x} = %{{x:.10g}}<br>{hover_y} = %{{y:.10g}}"
    fig.add_trace(go.Scatter(mode="markers", name="correct sign", marker=dict(size=7, color=_CORRECT, opacity=0.75),
                               hovertemplate=hover + "<extra>correct</extra>"))
    fig.add_trace(go.Scatter(mode="markers", name="misclassified (wrong sign)",
                               marker=dict(size=9, color=COLORS["accent"], symbol="x", line=dict(width=1)),
                               hovertemplate=hover + "<extra>misclassified</extra>"))
    fig.add_trace(go.Scatter(mode="lines", name="y = x", line=dict(color="#999", dash="dash", width=1),
                             hoverinfo="skip"))
    fig.add_trace(go.Scatter(mode="markers", name="selected pair",
                             marker=dict(size=16, color="rgba(0,0,0,0)", symbol="circle",
                                         line=dict(width=3, color=COLORS["missing"])),
                             hoverinfo="skip"))
    layout(fig, "", xaxis=dict(title=xlabel), yaxis=dict(title=ylabel))
    fig.update_layout(width=520)
    return fig


def error_scatter_update(eps_spectral, eps_exact, pairs, correlation: float, misclassified=None,
                         selected: int | None = None) -> dict:
    """The data of ``error_scatter``."""
    data, chosen = _split(eps_spectral, eps_exact, pairs, misclassified, selected)
    values = np.concatenate([np.asarray(eps_spectral, float), np.asarray(eps_exact, float), [0.0]])
    top = float(np.nanmax(values[np.isfinite(values)])) * 1.05 or 1.0
    return {
        "data": data + [dict(x=[0.0, top], y=[0.0, top]), chosen],
        "layout": {"title_text": f"Spectral vs exact error ({len(data[0]['x']) + len(data[1]['x'])} pairs): "
                                 f"corr = {_fmt(correlation)}"},
    }


def error_scatter(eps_spectral, eps_exact, pairs, correlation: float, misclassified=None,
                  selected: int | None = None) -> go.Figure:
    """Spectral error of ``K̃`` (Eq. 7) against the symmetrised exact error of K, one point per
    digit pair, with the diagonal and the Pearson correlation in the title (Fig. 4B).

    Parameters
    ----------
    eps_spectral, eps_exact : (n,) errors;  pairs : (n, 4) ints label_a, sample_a, label_b, sample_b
    correlation : Pearson correlation shown in the title as "corr" (NaN: undefined);  misclassified : (n,) bool or None
    selected : index of a pair to ring, or None
    """
    fig = _scatter("spectral error ε (K̃, Eq. 7)", "exact symmetrised error (K)", "ε", "exact")
    return apply_update(fig, error_scatter_update(eps_spectral, eps_exact, pairs, correlation,
                                                  misclassified, selected))


def separation_scatter_update(separation_sq, lam_N, pairs, correlation: float, misclassified=None,
                              selected: int | None = None) -> dict:
    """The data of ``separation_scatter``."""
    data, chosen = _split(separation_sq, lam_N, pairs, misclassified, selected)
    return {"data": data + [dict(x=[], y=[]), chosen],
            "layout": {"title_text": f"λ<sub>N</sub> vs separation Δ²: corr = {_fmt(correlation)}"}}


def separation_scatter(separation_sq, lam_N, pairs, correlation: float, misclassified=None,
                       selected: int | None = None) -> go.Figure:
    """The label eigenvalue ``λ_N`` against ``Δ² = ‖mean A − mean B‖²`` (Fig. 4D): the spectral
    analogue of the separation δ of the circle model. Arguments as in ``error_scatter``."""
    fig = _scatter("orbit separation Δ² = ‖Ā − B̄‖²", "λ<sub>N</sub> (label frequency)", "Δ²", "λ_N")
    return apply_update(fig, separation_scatter_update(separation_sq, lam_N, pairs, correlation,
                                                       misclassified, selected))


def density_scatter_update(radius, mean_inverse, pairs, correlation: float, misclassified=None,
                           selected: int | None = None) -> dict:
    """The data of ``density_scatter``."""
    radius = np.asarray(radius, dtype=float)
    with np.errstate(divide="ignore"):
        density = np.where(radius > 0, 1.0 / np.where(radius > 0, radius, 1.0), np.inf)
    data, chosen = _split(density, mean_inverse, pairs, misclassified, selected)
    return {"data": data + [dict(x=[], y=[]), chosen],
            "layout": {"title_text": f"⟨λ⁻¹⟩ vs orbit density 1/r: corr = {_fmt(correlation)}"}}


def density_scatter(radius, mean_inverse, pairs, correlation: float, misclassified=None,
                    selected: int | None = None) -> go.Figure:
    """``⟨λ⁻¹⟩`` against the orbit density ``1/r`` (Fig. 4E); pairs with ``⟨λ⁻¹⟩ = ∞``
    (rank-deficient ``K̃``) are left out of the picture. Arguments as in ``error_scatter``."""
    fig = _scatter("orbit density 1/r", "⟨λ⁻¹⟩ (mean inverse eigenvalue)", "1/r", "⟨λ⁻¹⟩")
    return apply_update(fig, density_scatter_update(radius, mean_inverse, pairs, correlation,
                                                    misclassified, selected))
