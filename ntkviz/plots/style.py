"""Shared look of every figure: one colour per class, sizes, layout, in-place updates."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

__all__ = ["COLORS", "apply_update", "layout", "finite_or_none", "class_mask"]

#: One colour per class, used by every figure; ``missing`` marks the left-out point.
COLORS = {"A": "#1f77b4", "B": "#d62728", "missing": "#111111", "accent": "#ff7f0e"}

_HEIGHT = 430
_WIDTH = 600
_MARGIN = dict(l=60, r=20, t=50, b=110)


def layout(fig: go.Figure, title: str, **kwargs) -> go.Figure:
    fig.update_layout(
        title=dict(text=title, x=0.02, xanchor="left"),
        height=_HEIGHT,
        width=_WIDTH,
        margin=_MARGIN,
        template="plotly_white",
        # below the axis title, so it never covers the title or the data
        legend=dict(orientation="h", yanchor="top", y=-0.2, xanchor="left", x=0.0),
        **kwargs,
    )
    return fig


def finite_or_none(values) -> list:
    """Plotly-friendly list: non-finite entries (1/0 for a zero eigenvalue) become gaps."""
    return [float(v) if np.isfinite(v) else None for v in np.asarray(values, dtype=float)]


def class_mask(y) -> tuple[np.ndarray, np.ndarray]:
    y = np.asarray(y)
    return y > 0, y < 0


def apply_update(fig, update: dict):
    """Write an ``*_update`` result into ``fig`` (a ``go.Figure`` or ``go.FigureWidget``).

    Wrap the call in ``fig.batch_update()`` for a FigureWidget to send one message.
    """
    for trace, values in zip(fig.data, update["data"]):
        trace.update(values)
    fig.update_layout(update["layout"])
    return fig

