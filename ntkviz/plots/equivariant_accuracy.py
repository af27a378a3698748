"""Figures of the group-CNN against plain and augmented CNN kernels experiment
(``experiments.equivariant_accuracy``).

* ``accuracy_vs_ntrain``: test accuracy of kernel regression against the number of training
  digits, one colour per kernel, the mean over seeds as a line and ± one standard deviation as
  a band.
* ``invariance_bars``: ``max |K(g_θ x, y) − K(x, y)| / max |K|`` per kernel and rotation angle θ
  on a log axis; round-off level (exact invariance) is marked.

Each figure has an ``*_update`` twin with only what changes with the data, and keeps the same
traces whatever is shown (hidden kernels are ``visible=False``), so explorers update in place.
Both validate their arguments first (``TypeError``/``ValueError`` naming the argument). A mean
accuracy or its std may be NaN (not computed for that training-set size): drawn as a gap.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import plotly.graph_objects as go

from .._validate import check_int
from .style import (
    COLORS,
    KERNEL_COLORS,
    MARKS,
    apply_update,
    check_accuracies,
    check_integers,
    check_keys,
    check_mapping,
    check_text,
    check_values,
    layout,
    rgba,
)

__all__ = [
    "KERNEL_COLORS",
    "EXACT_LEVEL",
    "angle_color",
    "accuracy_vs_ntrain",
    "accuracy_vs_ntrain_update",
    "invariance_bars",
    "invariance_bars_update",
]

#: Deviations below this are round-off: the kernel is exactly invariant (drawn as a dotted line).
EXACT_LEVEL = 1e-10
#: Deviations are drawn no lower than this on the log axis (an exact 0 has no logarithm).
_FLOOR = 1e-17
#: Angle bars: darker for larger angles; 90° is the exact quarter turn.
_ANGLE_COLORS = ("#c6dbef", "#6baed6", "#2171b5", "#08306b", "#41ab5d", "#a1d99b")


def angle_color(j: int) -> str:
    """Colour of the bars of the j-th angle."""
    return _ANGLE_COLORS[j % len(_ANGLE_COLORS)]


def _color(key: str) -> str:
    return KERNEL_COLORS.get(key, COLORS["accent"])




def _pct(values) -> list:
    return [None if not np.isfinite(v) else 100.0 * float(v) for v in np.asarray(values, dtype=float)]


# --------------------------------------------------------------------------- argument checks

def _check_shown(shown, keys) -> set:
    """The keys drawn: all ``keys`` for None, else a sequence out of them."""
    if shown is None:
        return set(keys)
    if isinstance(shown, (str, bytes, Mapping)) or not hasattr(shown, "__iter__"):
        raise TypeError(f"shown must be None or a sequence of kernel keys, got {shown!r:.60}")
    shown = list(shown)
    unknown = [k for k in shown if not isinstance(k, str) or k not in keys]
    if unknown:
        raise ValueError(f"shown must hold keys out of {tuple(keys)}, got {unknown!r:.60}")
    return set(shown)


def _check_accuracy(n_train, curves, shown, current, title) -> set:
    """The validated ``shown`` set of ``accuracy_vs_ntrain``."""
    n = check_integers("n_train", n_train, minimum=1)
    if not isinstance(curves, Mapping):
        raise TypeError(f"curves must be a dict {{kernel key: (mean, std)}}, got {curves!r:.60}")
    keys = check_keys("curves", list(curves), "kernel key")
    for key, pair in curves.items():
        if not isinstance(pair, (tuple, list)) or len(pair) != 2:
            raise TypeError(f"curves[{key!r}] must be a pair (mean, std) of accuracies per "
                            f"n_train, got {pair!r:.60}")
        mean, std = pair
        check_accuracies(f"curves[{key!r}] mean", mean, len(n), "n_train")
        name = f"curves[{key!r}] std"
        if (check_values(name, std, ndim=1, length=len(n), like="n_train", allow_nan=True)
                < 0.0).any():  # NaN compares False: allowed
            raise ValueError(f"{name} must be >= 0 (NaN: not computed)")
    shown = _check_shown(shown, keys)
    if current is not None:
        check_int("current", current, minimum=1)
    check_text("title", title, optional=True)
    return shown


def _check_invariance(keys, angles, deviations, shown, labels, title):
    """Validated ``(keys, shown set, deviations (keys × angles))`` of ``invariance_bars``."""
    keys = check_keys("keys", keys, "kernel key")
    angles = check_values("angles", angles, ndim=1)
    deviations = check_values("deviations", deviations, ndim=(1, 2))
    if deviations.size != len(keys) * len(angles) or (
            deviations.ndim == 2 and deviations.shape != (len(keys), len(angles))):
        raise ValueError(f"deviations must have shape ({len(keys)}, {len(angles)}) (keys × angles), "
                         f"got {deviations.shape}")
    if np.any(deviations < 0.0):
        raise ValueError("deviations must be >= 0 (relative deviations, 0 = exactly invariant)")
    shown = _check_shown(shown, keys)
    check_mapping("labels", labels, "kernel")
    check_text("title", title, optional=True)
    return keys, shown, deviations.reshape(len(keys), len(angles))


# --------------------------------------------------------------------------- accuracy vs n_train

def accuracy_vs_ntrain_update(n_train, curves: dict, shown=None, current: int | None = None, *,
                              title: str | None = None) -> dict:
    """The data of ``accuracy_vs_ntrain`` (same arguments; ``curves`` must keep its keys)."""
    shown = _check_accuracy(n_train, curves, shown, current, title)
    n = [int(v) for v in n_train]
    data = []
    for key, (mean, std) in curves.items():
        mean, std = np.asarray(mean, dtype=float), np.asarray(std, dtype=float)
        visible = key in shown
        band_y = _pct(np.concatenate([mean + std, (mean - std)[::-1]]))
        data.append(dict(x=n + n[::-1], y=band_y, visible=visible))
        data.append(dict(x=n, y=_pct(mean), customdata=[[v] for v in _pct(std)],
                         visible=visible))
    data.append(dict(x=[] if current is None else [current, current],
                     y=[] if current is None else [0.0, 100.0]))
    return {"data": data, "layout": {
        "title_text": title or "Test accuracy against the number of training digits",
        "xaxis_tickvals": n,
        "xaxis_range": [np.log10(min(n) / 1.25), np.log10(max(n) * 1.25)]}}


def accuracy_vs_ntrain(n_train, curves: dict, shown=None, current: int | None = None, *,
                       labels: dict | None = None, title: str | None = None) -> go.Figure:
    """Test accuracy (%) of kernel regression against the training-set size, mean ± std.

    Parameters
    ----------
    n_train : (M,) training-set sizes (x, log axis)
    curves : {kernel key: (mean (M,), std (M,))} accuracies in [0, 1] over seeds
    shown : keys drawn (default all); the others stay as invisible traces
    current : a training-set size marked by a vertical line (None: no line)
    labels : {key: legend label}

    A mean or std may be NaN (not computed for that size): the line and band have a gap there.
    Traces: per key in ``curves`` order, the band (mean ± std) then the mean line; last the
    current-size line.
    """
    _check_accuracy(n_train, curves, shown, current, title)
    check_mapping("labels", labels, "kernel")
    labels = labels or {}
    fig = go.Figure()
    for key in curves:
        label = labels.get(key, key)
        fig.add_trace(go.Scatter(
            mode="lines", fill="toself", fillcolor=rgba(_color(key), 0.18), line=dict(width=0),
            name=f"{label} ± 1 std", legendgroup=key, showlegend=False, hoverinfo="skip"))
        fig.add_trace(go.Scatter(
            mode="lines+markers", name=label, legendgroup=key,
            line=dict(color=_color(key), width=2.5,
                      dash="solid" if key in ("gcnn", "augmented_cnn") else "dash"),
            marker=dict(size=8, symbol=MARKS.get(key, "circle")),
            hovertemplate=(f"{label}<br>n<sub>train</sub> = %{{x}}<br>accuracy = %{{y:.6g}} %"
                           "<br>std over seeds = %{customdata[0]:.6g} %<extra></extra>")))
    fig.add_trace(go.Scatter(mode="lines", name="current n<sub>train</sub>", showlegend=False,
                             hoverinfo="skip", line=dict(color="#444", width=1, dash="longdash")))
    layout(fig, "", xaxis=dict(title="training digits n<sub>train</sub> (balanced over 10 classes)",
                               type="log"),
           yaxis=dict(title="test accuracy (%)", range=[0, 100]))
    fig.add_hline(y=10.0, line=dict(color="#999", width=1, dash="dot"),
                  annotation_text="chance (1 in 10)", annotation_position="bottom right")
    return apply_update(fig, accuracy_vs_ntrain_update(n_train, curves, shown, current, title=title))


# --------------------------------------------------------------------------- invariance bars

def invariance_bars_update(keys, angles, deviations, shown=None, *, labels: dict | None = None,
                           title: str | None = None) -> dict:
    """The data of ``invariance_bars`` (same arguments)."""
    keys, shown, deviations = _check_invariance(keys, angles, deviations, shown, labels, title)
    labels = labels or {}
    names = [labels.get(k, k) for k in keys]
    data = []
    for j, angle in enumerate(angles):
        exact = deviations[:, j]
        y = [max(float(v), _FLOOR) if k in shown else None for k, v in zip(keys, exact)]
        text = ["exact" if v <= EXACT_LEVEL else f"{v:.1e}" for v in exact]
        data.append(dict(x=names, y=y, customdata=[[float(v), k] for v, k in zip(exact, keys)],
                         text=[t if k in shown else "" for t, k in zip(text, keys)]))
    data.append(dict(x=[names[0], names[-1]], y=[EXACT_LEVEL, EXACT_LEVEL]))
    return {"data": data, "layout": {"title_text": title or "Invariance to a rotation g<sub>θ</sub>"}}


def invariance_bars(keys, angles, deviations, shown=None, *, labels: dict | None = None,
                    title: str | None = None) -> go.Figure:
    """``max |K(g_θ x, y) − K(x, y)| / max |K(x, y)|`` per kernel and angle, log axis.

    Parameters
    ----------
    keys : kernel keys (x groups);  angles : (A,) rotation angles θ in degrees (one bar each)
    deviations : (len(keys), A) the relative deviations (0 = exactly invariant)
    shown : keys drawn (default all; the others keep an empty slot)
    labels : {key: axis label}

    Traces: one ``go.Bar`` per angle, then the round-off level ``EXACT_LEVEL`` (dotted).
    Exact zeros are drawn at 1e-17; the hover shows the exact number.
    """
    keys, shown, deviations = _check_invariance(keys, angles, deviations, shown, labels, title)
    labels = labels or {}
    fig = go.Figure()
    for j, angle in enumerate(angles):
        kind = "exact quarter turn" if float(angle) % 90.0 == 0 else "interpolated rotation"
        fig.add_trace(go.Bar(
            name=f"θ = {float(angle):g}° ({kind})", marker_color=angle_color(j),
            textposition="outside", cliponaxis=False, textfont=dict(size=9),
            hovertemplate=(f"%{{x}}<br>θ = {float(angle):g}°<br>"
                           "max|K(g<sub>θ</sub>x, y) − K(x, y)| / max|K|"
                           " = %{customdata[0]:.6e}<extra></extra>")))
    fig.add_trace(go.Scatter(
        mode="lines", name=f"round-off ({EXACT_LEVEL:.0e}): exact invariance below",
        line=dict(color="#444", width=1.5, dash="dot"), hoverinfo="skip"))
    layout(fig, "", barmode="group",
           xaxis=dict(title="kernel"),
           yaxis=dict(title="max|K(g<sub>θ</sub>x, y) − K(x, y)| / max|K|", type="log",
                      range=[-17, 0], exponentformat="power"))
    return apply_update(fig, invariance_bars_update(keys, angles, deviations, shown, labels=labels,
                                                    title=title))
