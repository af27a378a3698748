"""Figures of the equivariant-against-plain accuracy experiment (arXiv 2412.11521, Fig. 1 and
6B; docs/theory.md#unseen-upright-digits).

* ``accuracy_curve``: accuracy on the unseen upright digits against the orbit size N, one line
  per architecture (plain networks dashed, networks with a built-in symmetry solid).
* ``accuracy_bars``: the same at one N, one bar per architecture, with each one's ceiling.
* ``digit_thumbnails``: the leave-out test digits, blue when classified correctly, vermillion
  (and marked) when not.

Every figure has an ``*_update`` twin with only what changes with the data. Both validate their
arguments first (``TypeError``/``ValueError`` naming the argument). An accuracy may be NaN (not
computed for that N or architecture): it is drawn as a gap, never as a number.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import plotly.graph_objects as go

from .._validate import check_int
from .style import (
    ARCH_COLORS,
    COLORS,
    MARKS,
    OUTCOME_COLORS,
    apply_update,
    check_accuracies,
    check_integers,
    check_keys,
    check_mapping,
    check_text,
    check_values,
    layout,
)

__all__ = [
    "ARCH_COLORS",
    "OUTCOME_COLORS",
    "accuracy_curve",
    "accuracy_curve_update",
    "accuracy_bars",
    "accuracy_bars_update",
    "digit_thumbnails",
    "digit_thumbnails_update",
    "MAX_COLUMNS",
]


_GAP = 1  # pixels of empty space between thumbnails
#: The mosaic's value between thumbnails: drawn in the page's grey (a number, not a gap, so the
#: mosaic travels as one binary array; correct ink spans [0, 0.49], wrong ink [0.51, 1]).
_BETWEEN = 0.5
_BETWEEN_COLOR = "#e8e8e8"
#: Most thumbnails per row of ``digit_thumbnails`` (the mosaic's width grows with ``ncols``).
MAX_COLUMNS = 1000


def _color(key: str) -> str:
    return ARCH_COLORS.get(key, COLORS["accent"])


def _mark(key: str) -> str:
    return MARKS.get(key, "circle")


def _pct(values) -> list:
    return [None if v is None or not np.isfinite(v) else 100.0 * float(v) for v in values]


# --------------------------------------------------------------------------- argument checks

def _flags(name: str, values, length: int, like: str) -> np.ndarray:
    """``length`` booleans (bool, or 0/1 numbers)."""
    array = check_values(name, values, ndim=1, length=length, like=like)
    if not np.all((array == 0.0) | (array == 1.0)):
        raise ValueError(f"{name} must hold booleans (True/False), got {values!r:.60}")
    return array.astype(bool)


# --------------------------------------------------------------------------- accuracy against N

def accuracy_curve_update(Ns, curves: dict, current_N: int, highlight: str, ceiling=None, *,
                          title: str | None = None) -> dict:
    """The data of ``accuracy_curve`` (same arguments)."""
    Ns = [int(N) for N in check_integers("Ns", Ns, minimum=1)]
    if not isinstance(curves, Mapping):
        raise TypeError(f"curves must be a dict {{architecture key: accuracies per N}}, got "
                        f"{curves!r:.60}")
    check_keys("curves", list(curves), "architecture key")
    curves = {key: check_accuracies(f"curves[{key!r}]", values, len(Ns), "Ns")
              for key, values in curves.items()}
    current_N = check_int("current_N", current_N, minimum=1)
    check_text("highlight", highlight)
    if highlight not in curves:
        raise ValueError(f"highlight must be one of the keys of curves {tuple(curves)}, got "
                         f"{highlight!r:.60}")
    if ceiling is not None:
        check_accuracies("ceiling", ceiling, len(Ns), "Ns")
    check_text("title", title, optional=True)
    data = [dict(x=Ns, y=_pct(values), line_width=4.5 if key == highlight else 2.0,
                 opacity=1.0 if key == highlight else 0.75)
            for key, values in curves.items()]
    ceiling = [None] * len(Ns) if ceiling is None else _pct(ceiling)
    data.append(dict(x=Ns, y=ceiling, line_color=_color(highlight)))
    data.append(dict(x=[current_N, current_N], y=[0.0, 100.0]))
    values = np.asarray(curves[highlight], dtype=float)
    at = float(values[Ns.index(current_N)]) if current_N in Ns else None
    data.append(dict(x=[current_N], y=_pct([at]), marker_color=_color(highlight)))
    return {"data": data, "layout": {
        "title_text": title or f"Accuracy on unseen upright digits against N (current N = {current_N})",
        "xaxis_tickvals": Ns, "xaxis_range": [np.log10(min(Ns) / 1.25), np.log10(max(Ns) * 1.25)]}}


def accuracy_curve(Ns, curves: dict, current_N: int, highlight: str, ceiling=None, *,
                   labels: dict | None = None, symmetric: dict | None = None,
                   title: str | None = None) -> go.Figure:
    """Accuracy (in %) on the leave-out class's upright test digits against the orbit size N.

    Parameters
    ----------
    Ns : orbit sizes (x, log axis);  curves : {architecture key: accuracies in [0, 1] per N}
    current_N : the N marked by a vertical line;  highlight : the key drawn thick, with its
        accuracy at ``current_N`` starred and its ``ceiling`` (accuracy when the upright digits
        are seen, per N) dotted
    labels : {key: legend label};  symmetric : {key: has a built-in symmetry} → solid, else dashed

    Accuracies may be NaN (not computed for that N): drawn as a gap in the line.

    Traces: one per key in ``curves`` order, then the ceiling, the current-N line, the star.
    """
    update = accuracy_curve_update(Ns, curves, current_N, highlight, ceiling, title=title)
    check_mapping("labels", labels, "architecture")
    check_mapping("symmetric", symmetric, "architecture")
    labels = labels or {}
    symmetric = symmetric or {}
    fig = go.Figure()
    for key in curves:
        label = labels.get(key, key)
        fig.add_trace(go.Scatter(
            mode="lines+markers", name=label, line=dict(color=_color(key),
                                                        dash="solid" if symmetric.get(key) else "dash"),
            marker=dict(size=8, symbol=_mark(key)),
            hovertemplate=f"{label}<br>N = %{{x}}<br>accuracy = %{{y:.4g}} %<extra></extra>"))
    fig.add_trace(go.Scatter(
        mode="lines", name="highlighted network, upright digits seen (ceiling)",
        line=dict(dash="dot", width=2),
        hovertemplate="upright digits seen<br>N = %{x}<br>accuracy = %{y:.4g} %<extra>ceiling</extra>"))
    fig.add_trace(go.Scatter(mode="lines", name="current N", hoverinfo="skip", showlegend=False,
                             line=dict(color="#444", width=1, dash="longdash")))
    fig.add_trace(go.Scatter(
        mode="markers", name="current N", showlegend=False,
        marker=dict(symbol="star", size=16, line=dict(width=1, color="#000")),
        hovertemplate="N = %{x}<br>accuracy = %{y:.4g} %<extra>highlighted</extra>"))
    layout(fig, "", xaxis=dict(title="orbit size N (group elements in the training orbits)", type="log"),
           yaxis=dict(title="accuracy on unseen upright digits (%)", range=[-3, 103]))
    fig.add_hline(y=10.0, line=dict(color="#999", width=1, dash="dot"),
                  annotation_text="chance (1 in 10)", annotation_position="bottom right")
    return apply_update(fig, update)


# --------------------------------------------------------------------------- bars at one N

def accuracy_bars_update(keys, values, highlight: str, ceiling=None, *, labels: dict | None = None,
                         title: str | None = None) -> dict:
    """The data of ``accuracy_bars`` (same arguments)."""
    keys = check_keys("keys", keys, "architecture key")
    check_accuracies("values", values, len(keys), "keys")
    check_text("highlight", highlight)
    if highlight not in keys:
        raise ValueError(f"highlight must be one of keys {tuple(keys)}, got {highlight!r:.60}")
    if ceiling is not None:
        check_accuracies("ceiling", ceiling, len(keys), "keys")
    check_mapping("labels", labels, "architecture")
    check_text("title", title, optional=True)
    labels = labels or {}
    names = [labels.get(k, k) for k in keys]
    shown = _pct(np.asarray(values, dtype=float))
    return {"data": [
        dict(x=names, y=shown, customdata=keys,
             text=["" if v is None else f"{v:.1f} %" for v in shown],
             marker_line_width=[3.0 if k == highlight else 0.0 for k in keys]),
        dict(x=names, y=[None] * len(keys) if ceiling is None else _pct(ceiling)),
    ], "layout": {"title_text": title or "Accuracy per architecture"}}


def accuracy_bars(keys, values, highlight: str, ceiling=None, *, labels: dict | None = None,
                  title: str | None = None) -> go.Figure:
    """One bar per architecture: accuracy (%) on the unseen upright digits at one N.

    ``ceiling`` (per key, optional) is the accuracy when the upright digits are seen, drawn as a
    black tick. An accuracy may be NaN (not computed): no bar (no tick) is drawn for it.
    Traces: 0 the bars (the highlighted one outlined), 1 the ceiling ticks.
    """
    update = accuracy_bars_update(keys, values, highlight, ceiling, labels=labels, title=title)
    keys = list(keys)
    fig = go.Figure()
    fig.add_trace(go.Bar(
        marker=dict(color=[_color(k) for k in keys], line=dict(color="#000")), textposition="outside",
        cliponaxis=False, name="upright digits unseen",
        hovertemplate="%{x}<br>accuracy = %{y:.4g} %<extra>upright unseen</extra>"))
    fig.add_trace(go.Scatter(
        mode="markers", name="upright digits seen (ceiling)",
        marker=dict(symbol="line-ew", size=30, line=dict(width=3, color="#000")),
        hovertemplate="%{x}<br>ceiling = %{y:.4g} %<extra>upright seen</extra>"))
    layout(fig, "", xaxis=dict(title="architecture"), yaxis=dict(title="accuracy (%)", range=[0, 110]),
           showlegend=False)
    return apply_update(fig, update)


# --------------------------------------------------------------------------- thumbnails

def _mosaic(images, correct, predicted, true_labels, ncols: int, names=None, outcomes=("correct", "WRONG")):
    images = np.asarray(images, dtype=float)
    m, h, w = images.shape
    nrows = -(-m // ncols)
    H, Wd = nrows * (h + _GAP) - _GAP, ncols * (w + _GAP) - _GAP
    z = np.full((H, Wd), _BETWEEN)
    marks_x, marks_y, marks_text = [], [], []
    centres_x, centres_y, hover = [], [], []
    scale = np.max(images) or 1.0
    for i in range(m):
        r, c = divmod(i, ncols)
        top, left = r * (h + _GAP), c * (w + _GAP)
        ink = np.clip(images[i] / scale, 0.0, 1.0)
        # correct digits on [0, 0.49] (white → blue), wrong ones on [0.51, 1] (white → vermillion)
        z[top:top + h, left:left + w] = 0.49 * ink if correct[i] else 0.51 + 0.49 * ink
        verdict = outcomes[0] if correct[i] else outcomes[1]
        name = "" if names is None else f"{names[i]}<br>"
        labelled = predicted is not None and true_labels is not None
        centres_x.append(left + (w - 1) / 2)
        centres_y.append(top + (h - 1) / 2)
        hover.append(f"{name}true label {int(true_labels[i])}, predicted {int(predicted[i])} ({verdict})"
                     if labelled else f"{name}{verdict}")
        if not correct[i]:  # a mark as well as the ink colour: it reads in greyscale too
            marks_x.append(left + w - 1.5)
            marks_y.append(top + 1.5)
            marks_text.append(f"→{int(predicted[i])}" if labelled else "✗")
    return z, (marks_x, marks_y, marks_text), (centres_x, centres_y, hover), (H, Wd)


def digit_thumbnails_update(images, correct, predicted=None, true_labels=None, *, ncols: int = 8,
                            names=None, outcomes=("correct", "WRONG"), title: str | None = None) -> dict:
    """The data of ``digit_thumbnails`` (same arguments)."""
    images = check_values("images", images, ndim=3)
    m = len(images)
    correct = _flags("correct", correct, m, "images")
    if predicted is not None:
        check_integers("predicted", predicted, length=m, like="images")
    if true_labels is not None:
        check_integers("true_labels", true_labels, length=m, like="images")
    ncols = check_int("ncols", ncols, minimum=1, maximum=MAX_COLUMNS)
    if names is not None:
        if isinstance(names, (str, bytes, Mapping)) or not hasattr(names, "__len__"):
            raise TypeError(f"names must be None or a sequence of {m} names, got {names!r:.60}")
        if len(names) != m:
            raise ValueError(f"names must have one entry per image ({m}), got {len(names)}")
    if not isinstance(outcomes, (tuple, list)) or len(outcomes) != 2 or not all(
            isinstance(word, str) for word in outcomes):
        raise TypeError(f"outcomes must be two strings (right, wrong), got {outcomes!r:.60}")
    check_text("title", title, optional=True)
    z, (mx, my, mt), (cx, cy, hover), (H, Wd) = _mosaic(images, correct, predicted, true_labels,
                                                         ncols, names, outcomes)
    n_right = int(np.sum(correct))
    return {"data": [dict(z=z), dict(x=mx, y=my, text=mt), dict(x=cx, y=cy, text=hover)],
            "layout": {"title_text": title or f"Test digits: {n_right} of {len(correct)} correct",
                       "xaxis_range": [-0.5, Wd - 0.5], "yaxis_range": [H - 0.5, -0.5]}}


def digit_thumbnails(images, correct, predicted=None, true_labels=None, *, ncols: int = 8, names=None,
                     outcomes=("correct", "WRONG"), title: str | None = None) -> go.Figure:
    """Test digits as a grid of thumbnails: blue ink = classified correctly, vermillion ink = wrong
    (and marked in the corner: "→k", the wrong prediction, or "✗" without labels); hover
    shows true and predicted label. The hover text sits on one invisible square marker per thumbnail, not on every pixel of the
    mosaic: a pixel's text made 88 % of the accuracy explorer's figure (535 of 609 kB, sent on
    every move).

    Parameters
    ----------
    images : (m, h, w) digits (any non-negative scale);  correct : (m,) bool
    predicted, true_labels : (m,) ints, or None for thumbnails that are not predictions (then
        the hover shows only ``names`` and the outcome);  ncols : thumbnails per row
    names : optional (m,) strings shown on hover (e.g. the MNIST index)
    outcomes : the hover words for blue and vermillion thumbnails

    Traces: 0 the heatmap mosaic, 1 the marks of the wrong predictions, 2 the hover markers
    (one per thumbnail, at its centre).
    """
    update = digit_thumbnails_update(images, correct, predicted, true_labels, ncols=ncols,
                                     names=names, outcomes=outcomes, title=title)
    scale = [[0.0, "#ffffff"], [0.49, OUTCOME_COLORS["correct"]], [0.495, _BETWEEN_COLOR],
             [0.505, _BETWEEN_COLOR], [0.51, "#ffffff"], [1.0, OUTCOME_COLORS["wrong"]]]
    fig = go.Figure()
    fig.add_trace(go.Heatmap(colorscale=scale, zmin=0.0, zmax=1.0, showscale=False, hoverinfo="skip"))
    fig.add_trace(go.Scatter(mode="text", textposition="bottom left", hoverinfo="skip",
                             textfont=dict(color=OUTCOME_COLORS["wrong"], size=13)))
    # (a marker's hover area is its size: 30 px covers a thumbnail at the explorers' sizes)
    fig.add_trace(go.Scatter(mode="markers", hovertemplate="%{text}<extra></extra>",
                             marker=dict(symbol="square", size=30, opacity=0)))
    layout(fig, "", xaxis=dict(visible=False, constrain="domain"),
           yaxis=dict(visible=False, scaleanchor="x", constrain="domain"),
           plot_bgcolor=_BETWEEN_COLOR, showlegend=False)
    return apply_update(fig, update)
