"""Augmented vs equivariant training (augmentation target): relative distance from E per epoch,
the AUGMENTED − EQUIVARIANT trajectory gap, and the growth of a small step off E under augmented
descent."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from .common import SERIES_COLORS, finish, finite_or_none

__all__ = ["figure"]

_DASH = ("solid", "dash", "dot")
_FLOOR = 1e-18  # zeros (exact equality) drawn at the bottom of a log axis


def _median(values) -> np.ndarray:
    return np.median(np.maximum(np.asarray(values, dtype=float), _FLOOR), axis=0)


def figure(data: dict) -> go.Figure:
    fig = make_subplots(rows=2, cols=2, vertical_spacing=0.18, horizontal_spacing=0.1,
                        subplot_titles=("relative distance from E (median over seeds)",
                                        "‖A_aug − A_eqv‖ / ‖A_eqv‖ (median over seeds)",
                                        "step off E under augmented descent (each seed)",
                                        "amplification of the step off E"))
    for a, (action, runs) in enumerate(data["runs"].items()):
        dash = _DASH[a % len(_DASH)]
        for i, (field, label) in enumerate((("nominal_off_E", "NOMINAL"),
                                            ("augmented_relative", "AUGMENTED"),
                                            ("equivariant_relative", "EQUIVARIANT"))):
            y = _median(runs[field])
            fig.add_trace(go.Scatter(x=np.arange(y.size), y=finite_or_none(y), mode="lines",
                                     name=f"{label}, {action}",
                                     line=dict(color=SERIES_COLORS[i], dash=dash)), row=1, col=1)
        y = _median(runs["trajectory_gap"])
        fig.add_trace(go.Scatter(x=np.arange(y.size), y=finite_or_none(y), mode="lines",
                                 name=f"trajectory gap, {action}",
                                 line=dict(color=SERIES_COLORS[3], dash=dash)), row=1, col=2)
        perturbed = np.asarray(runs["perturbed_relative"], dtype=float)
        for s, curve in enumerate(perturbed):
            fig.add_trace(go.Scatter(x=np.arange(curve.size), y=curve / curve[0], mode="lines",
                                     showlegend=False, line=dict(color=SERIES_COLORS[4 + a],
                                                                 width=1, dash=dash),
                                     hovertemplate=f"{action}, seed {s}: " + "%{y:.3g}"
                                                   "<extra></extra>"), row=2, col=1)
        factor = perturbed[:, -1] / perturbed[:, 0]
        fig.add_trace(go.Scatter(x=[action] * factor.size, y=factor, mode="markers",
                                 name=f"final / initial, {action}",
                                 marker=dict(color=SERIES_COLORS[4 + a], size=8)), row=2, col=2)
    fig.add_hline(y=1.0, line=dict(color="#999999", dash="dot"), row=2, col=2)
    for row, col in ((1, 1), (1, 2), (2, 1), (2, 2)):
        fig.update_yaxes(type="log", row=row, col=col)
    for row, col in ((1, 1), (1, 2), (2, 1)):
        fig.update_xaxes(title_text="epoch", row=row, col=col)
    fig.update_yaxes(title_text="‖A − Π_E A‖ / ‖A‖", row=1, col=1)
    fig.update_yaxes(title_text="relative E⊥ part / its start", row=2, col=1)
    fig.update_yaxes(title_text="factor", row=2, col=2)
    return finish(fig, "Augmented vs equivariant training dynamics (arXiv 2303.13458)",
                  data["quick"], height=760)
