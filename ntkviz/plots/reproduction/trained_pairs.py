"""Fig. 5B / App. E (trained_pairs target): the trained networks' symmetrised error against the
spectral error of the NTK at each N, coloured by how many left-out points the trained networks
classify correctly, and the trained against the exact NTK error at the main N."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from .common import diagonal, finish, finite_or_none
from .pair_scatter import CORRECT_COLORS

__all__ = ["figure"]


def _values(numbers: dict, key: str) -> np.ndarray:
    return np.array([np.nan if v is None else v for v in numbers[key]], dtype=float)


def _errors(numbers: dict, which: str) -> np.ndarray:
    a, b = _values(numbers, f"{which}_a"), _values(numbers, f"{which}_b")
    return 0.5 * (np.abs(1.0 - a) + np.abs(-1.0 - b))


def _scatter(fig, numbers, x, y, counts, row, col, legend, top):
    names = np.array([f"{p[0]}#{p[1]} vs {p[2]}#{p[3]}" for p in numbers["pairs"]])
    for k, color in enumerate(CORRECT_COLORS):
        keep = counts == k
        fig.add_trace(go.Scatter(
            x=finite_or_none(x[keep]), y=finite_or_none(y[keep]), mode="markers",
            name=f"{k} of 2 left-out points correct (trained)", legendgroup=f"correct{k}",
            showlegend=legend, marker=dict(color=color, size=6, opacity=0.65), text=names[keep],
            hovertemplate="%{text}<br>x %{x:.3g}, y %{y:.3g}<extra></extra>"), row=row, col=col)
    diagonal(fig, 0.0, top, row, col)


def figure(data: dict) -> go.Figure:
    main = data["config"]["main_N"]
    surveys = sorted(data["surveys"], key=lambda s: (s["N"] != main, s["N"]))
    titles = [f"{'B  ' if s['N'] == main else ''}N = {s['N']} ({len(s['pairs'])} pairs)"
              for s in surveys] + [f"trained vs exact NTK error, N = {main}"]
    fig = make_subplots(rows=1, cols=len(titles), subplot_titles=titles, horizontal_spacing=0.06)
    errors = [(_errors(s, "trained"), _values(s, "eps_spectral")) for s in surveys]
    top = max([1.0] + [float(np.nanmax(np.concatenate(e))) for e in errors])
    for col, (s, (trained, spectral)) in enumerate(zip(surveys, errors), start=1):
        counts = ((_values(s, "trained_a") > 0).astype(int)
                  + (_values(s, "trained_b") < 0).astype(int))
        _scatter(fig, s, trained, spectral, counts, 1, col, col == 1, top)
        fig.update_xaxes(title_text="trained error (finite MLP)", range=[0, top * 1.05],
                         row=1, col=col)
        fig.update_yaxes(range=[0, top * 1.05], row=1, col=col)
    fig.update_yaxes(title_text="spectral error ε (NTK, Eq. 7)", row=1, col=1)
    last = len(titles)
    s, (trained, _) = surveys[0], errors[0]
    counts = (_values(s, "trained_a") > 0).astype(int) + (_values(s, "trained_b") < 0).astype(int)
    _scatter(fig, s, trained, _errors(s, "exact"), counts, 1, last, False, top)
    fig.update_xaxes(title_text="trained error (finite MLP)", range=[0, top * 1.05], row=1,
                     col=last)
    fig.update_yaxes(title_text="exact NTK error", range=[0, top * 1.05], row=1, col=last)
    return finish(fig, "Fig. 5B, App. E — trained one-hidden-layer MLPs on digit pairs "
                  "(arXiv 2412.11521)", data["quick"], height=430,
                  width=max(900, 300 * last))
