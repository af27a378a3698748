"""Scatter panels shared by the digit-pair reproduction figures (Figs. 4, 5, App. D, G of arXiv
2412.11521): exact against spectral error coloured by how many of the two left-out points the
exact kernel predicts correctly, spectral quantities coloured by error, geometry against spectrum.
All from a survey's JSON numbers (``reproduction.surveys.survey_numbers``)."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from .common import diagonal, finite_or_none

__all__ = ["CORRECT_COLORS", "values", "counts", "error_scatter", "colored_scatter"]

#: 0, 1, 2 left-out points predicted with the right sign: red, amber, green (the paper's).
CORRECT_COLORS = ("#d62728", "#f0b400", "#2ca02c")


def values(numbers: dict, key: str) -> np.ndarray:
    """One per-pair field as floats (JSON null → NaN)."""
    return np.array([np.nan if v is None else v for v in numbers[key]], dtype=float)


def counts(numbers: dict) -> np.ndarray:
    """Left-out points (0, 1, 2) with the right sign of the exact prediction, per pair."""
    return (values(numbers, "prediction_a") > 0).astype(int) + (values(numbers, "prediction_b") < 0).astype(int)


def _hover(numbers: dict) -> list[str]:
    return [f"{a[0]}#{a[1]} vs {a[2]}#{a[3]}" for a in numbers["pairs"]]


def error_scatter(fig: go.Figure, numbers: dict, row: int, col: int, legend: bool,
                  top: float | None = None) -> None:
    """x = exact error, y = spectral error, one trace per number of correct left-out points,
    and the dotted y = x (up to ``top``, default the data's maximum)."""
    exact, spectral = values(numbers, "eps_exact"), values(numbers, "eps_spectral")
    c, names = counts(numbers), np.array(_hover(numbers))
    for k, color in enumerate(CORRECT_COLORS):
        keep = c == k
        fig.add_trace(go.Scatter(
            x=finite_or_none(exact[keep]), y=finite_or_none(spectral[keep]), mode="markers",
            name=f"{k} of 2 left-out points correct (exact)", legendgroup=f"correct{k}",
            showlegend=legend, marker=dict(color=color, size=5, opacity=0.6), text=names[keep],
            hovertemplate="%{text}<br>exact %{x:.3g}, spectral %{y:.3g}<extra></extra>"),
            row=row, col=col)
    finite = np.concatenate([exact[np.isfinite(exact)], spectral[np.isfinite(spectral)], [1.0]])
    diagonal(fig, 0.0, float(np.max(finite)) if top is None else top, row, col)


def colored_scatter(fig: go.Figure, numbers: dict, x, y, color, row: int, col: int, *,
                    cmin: float, cmax: float, colorbar: dict | None, label: str) -> None:
    """A scatter of x against y coloured by ``color`` on a shared [cmin, cmax] scale."""
    x, y, color = (np.asarray(v, dtype=float) for v in (x, y, color))
    keep = np.isfinite(x) & np.isfinite(y) & np.isfinite(color)
    fig.add_trace(go.Scatter(
        x=x[keep], y=y[keep], mode="markers", showlegend=False,
        text=np.array(_hover(numbers))[keep],
        marker=dict(size=5, color=color[keep], colorscale="Viridis", cmin=cmin, cmax=cmax,
                    showscale=colorbar is not None, colorbar=colorbar, opacity=0.75),
        hovertemplate="%{text}<br>x %{x:.3g}, y %{y:.3g}<br>" + label + " %{marker.color:.3g}"
                      "<extra></extra>"),
        row=row, col=col)
