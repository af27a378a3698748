"""Layout shared by the reproduction figures: titles, the y = x diagonal, colours per series."""

from __future__ import annotations

import plotly.graph_objects as go

from ..style import COLORS, finite_or_none

__all__ = ["finish", "diagonal", "COLORS", "SERIES_COLORS", "finite_or_none"]

#: One colour per compared series (networks, kernels, methods), in order of appearance.
SERIES_COLORS = ("#1f77b4", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#17becf",
                 "#7f7f7f")
_FONT = dict(size=12)


def finish(fig: go.Figure, title: str, quick: bool, height: int = 420,
           width: int = 1100) -> go.Figure:
    """Title (marked as a quick run where it is one), white template, legend below."""
    if quick:
        title += " — quick run"
    fig.update_layout(title=dict(text=title, x=0.01, xanchor="left"), template="plotly_white",
                      height=height, width=width, font=_FONT,
                      margin=dict(l=60, r=20, t=80, b=60),
                      legend=dict(orientation="h", yanchor="top", y=-0.15, x=0.0))
    return fig


def diagonal(fig: go.Figure, low: float, high: float, row: int, col: int) -> None:
    """The dotted line y = x from ``low`` to ``high`` in subplot (row, col)."""
    fig.add_trace(go.Scatter(x=[low, high], y=[low, high], mode="lines", showlegend=False,
                             line=dict(color="#999999", dash="dot"), hoverinfo="skip"),
                  row=row, col=col)
