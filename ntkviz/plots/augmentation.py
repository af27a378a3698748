"""Figures of augmentation against equivariance over training (arXiv 2303.13458;
docs/theory.md#augmentation-and-equivariance): the training loss, the accuracy on transformed test
digits and the distance ‖A − Π_E A‖ of every layer from the equivariant subspace E, for up to seven
runs side by side.

Every figure has a fixed set of traces, one per *slot* of ``SLOTS`` (NOMINAL and AUGMENTED from
a generic, an equivariant and a perturbed-equivariant initialisation, and EQUIVARIANT), so an explorer can update
them in place; a slot without a run is an empty trace. Colour = strategy, dash = initialisation
(solid: equivariant start, dashed: generic start, dash-dot: equivariant + 1e-6 off E;
EQUIVARIANT dotted, since it runs exactly on
top of AUGMENTED from an equivariant start); the selected slot is drawn thick.
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from .style import apply_update, finite_or_none, layout


def _check_runs(runs, selected) -> None:
    from ..experiments.augmentation import AugmentationRun

    values = runs.values() if isinstance(runs, dict) else runs
    if isinstance(runs, (str, bytes)) or not hasattr(values, "__iter__") or not all(
            run is None or isinstance(run, AugmentationRun) for run in values):
        raise TypeError("runs must be a sequence of augmentation.AugmentationRun (or None), or a "
                        f"dict (strategy, init) -> run, got {runs!r:.60}")
    if selected is not None and (isinstance(selected, (str, bytes)) or not hasattr(
            selected, "__iter__") or tuple(selected) not in SLOTS):
        raise ValueError(f"selected must be None or one of the slots {SLOTS}, got {selected!r:.60}")

__all__ = ["SLOTS", "STRATEGY_COLORS", "slot_label", "loss_curves", "loss_curves_update",
           "accuracy_curves", "accuracy_curves_update", "distance_curves",
           "distance_curves_update"]

#: (strategy, initialisation) of each trace, in trace order.
SLOTS = (("nominal", "generic"), ("nominal", "equivariant"), ("nominal", "perturbed"),
         ("augmented", "generic"), ("augmented", "equivariant"), ("augmented", "perturbed"),
         ("equivariant", "equivariant"))
#: One colour per strategy (the class colours A/B stay reserved for classes).
STRATEGY_COLORS = {"nominal": "#7f7f7f", "augmented": "#2ca02c", "equivariant": "#9467bd"}
_DASH = {"generic": "dash", "equivariant": "solid", "perturbed": "dashdot"}


def slot_label(strategy: str, init: str) -> str:
    if strategy == "equivariant":
        return "EQUIVARIANT (layers in E)"
    if init == "perturbed":
        return f"{strategy.upper()}, E + 1e-6 init"
    return f"{strategy.upper()}, {init} init"


def _runs_by_slot(runs) -> list:
    """``runs``: a mapping (strategy, init) → run (or None), or a sequence of runs."""
    if isinstance(runs, dict):
        return [runs.get(slot) for slot in SLOTS]
    by = {(r.config.strategy, r.config.init): r for r in runs if r is not None}
    return [by.get(slot) for slot in SLOTS]


def _style(slot, selected) -> dict:
    strategy, init = slot
    thick = selected is None or tuple(selected) == slot
    # EQUIVARIANT dotted: it coincides with AUGMENTED from an equivariant start, both must show
    dash = "dot" if strategy == "equivariant" else _DASH[init]
    return dict(line=dict(color=STRATEGY_COLORS[strategy], dash=dash, width=4 if thick else 2),
                opacity=1.0 if thick else 0.8)


def _empty(name, slot, selected) -> dict:
    return dict(x=[], y=[], customdata=[], name=name, **_style(slot, selected))


def _setting(runs) -> str:
    for run in runs:
        if run is not None:
            c = run.config
            group = f"C{c.N} quarter turns" if c.action == "rot90" else f"C{c.N} x-shifts"
            return f"{group}, depth {c.depth}, η = {c.learning_rate:g}"
    return "no run yet"


# --------------------------------------------------------------------------- loss

def loss_curves_update(runs, selected=None) -> dict:
    """The data of ``loss_curves`` (one dict per slot)."""
    _check_runs(runs, selected)
    data = []
    runs = _runs_by_slot(runs)
    for slot, run in zip(SLOTS, runs):
        name = slot_label(*slot)
        if run is None:
            data.append(_empty(name, slot, selected))
            continue
        data.append(dict(x=run.epochs, y=finite_or_none(run.loss), customdata=run.orbit_loss,
                         name=name, **_style(slot, selected)))
    return {"data": data, "layout": {"title_text": f"Training loss ({_setting(runs)})"}}


def loss_curves(runs, selected=None) -> go.Figure:
    """Training loss against epoch for each slot (log y).

    ``runs``: sequence of ``AugmentationRun`` (or a dict slot → run); ``selected``: the
    (strategy, init) drawn thick. The loss is each strategy's own objective (nominal
    cross-entropy; orbit-averaged for AUGMENTED); the hover also shows the orbit-averaged loss.
    """
    _check_runs(runs, selected)
    fig = go.Figure([go.Scatter(
        mode="lines", hovertemplate=("epoch %{x}<br>loss = %{y:.10g}<br>orbit-averaged loss = "
                                     "%{customdata:.10g}<extra>%{fullData.name}</extra>"))
        for _ in SLOTS])
    layout(fig, "Training loss", xaxis_title="epoch", yaxis_title="cross-entropy (log)",
           yaxis_type="log", yaxis_dtick="D2")
    return apply_update(fig, loss_curves_update(runs, selected))


# --------------------------------------------------------------------------- accuracy

def accuracy_curves_update(runs, selected=None) -> dict:
    """The data of ``accuracy_curves`` (one dict per slot, then the chance line)."""
    _check_runs(runs, selected)
    data = []
    runs = _runs_by_slot(runs)
    classes, last = 10, 1
    for slot, run in zip(SLOTS, runs):
        name = slot_label(*slot)
        if run is None:
            data.append(_empty(name, slot, selected))
            continue
        classes, last = run.config.classes, max(last, int(run.epochs[-1]))
        data.append(dict(x=run.epochs, y=run.accuracy, customdata=run.invariance, name=name,
                         **_style(slot, selected)))
    data.append(dict(x=[0, last], y=[1.0 / classes] * 2))
    word = "rotated" if any(r is not None and r.config.action == "rot90" for r in runs) else \
        "shifted" if any(r is not None for r in runs) else "transformed"
    return {"data": data, "layout": {"title_text": f"Accuracy on {word} test digits"}}


def accuracy_curves(runs, selected=None) -> go.Figure:
    """Accuracy on the transformed test digits against epoch, and the chance level.

    Hover: the accuracy and ``max |f(ρ_0(g)x) − f(x)|`` over test digits (0 up to round-off for
    an invariant network).
    """
    _check_runs(runs, selected)
    fig = go.Figure([go.Scatter(
        mode="lines", hovertemplate=("epoch %{x}<br>accuracy = %{y:.6f}<br>max |f(gx) − f(x)| = "
                                     "%{customdata:.3g}<extra>%{fullData.name}</extra>"))
        for _ in SLOTS])
    fig.add_trace(go.Scatter(mode="lines", name="chance", showlegend=False,
                             line=dict(color="#aaaaaa", dash="dot", width=1),
                             hovertemplate="chance = %{y:.4f}<extra></extra>"))
    layout(fig, "Accuracy on transformed test digits", xaxis_title="epoch",
           yaxis_title="test accuracy", yaxis_range=[0, 1])
    return apply_update(fig, accuracy_curves_update(runs, selected))


# --------------------------------------------------------------------------- distance

def distance_curves_update(runs, selected=None) -> dict:
    """The data of ``distance_curves``: per slot one trace holding every layer's curve,
    separated by gaps (customdata = layer number)."""
    _check_runs(runs, selected)
    data = []
    runs = _runs_by_slot(runs)
    for slot, run in zip(SLOTS, runs):
        name = slot_label(*slot)
        if run is None:
            data.append(_empty(name, slot, selected))
            continue
        T, L = run.distance.shape
        xs = np.concatenate([np.append(run.epochs, np.nan) for _ in range(L)])
        ys = np.concatenate([np.append(run.distance[:, i], np.nan) for i in range(L)])
        ys = np.where(ys > 0, ys, np.nan)   # exact zeros have no place on a log axis
        layer = np.repeat(np.arange(1, L + 1), T + 1)
        data.append(dict(x=finite_or_none(xs), y=finite_or_none(ys), customdata=layer, name=name,
                         **_style(slot, selected)))
    return {"data": data, "layout": {"title_text": "Distance from E, ‖A_i − Π_E A_i‖ per layer"}}


def distance_curves(runs, selected=None) -> go.Figure:
    """‖(A_i, b_i) − Π_E(A_i, b_i)‖ against epoch for every layer i of every slot (log y).

    From an equivariant start it stays at round-off (~1e-15) for AUGMENTED and EQUIVARIANT
    (E is invariant under augmented gradient descent, arXiv 2303.13458, Cor. 1); NOMINAL
    leaves E.
    """
    _check_runs(runs, selected)
    fig = go.Figure([go.Scatter(
        mode="lines", connectgaps=False,
        hovertemplate=("epoch %{x}<br>layer %{customdata}<br>‖A − Π_E A‖ = %{y:.6g}"
                       "<extra>%{fullData.name}</extra>"))
        for _ in SLOTS])
    layout(fig, "Distance from E", xaxis_title="epoch", yaxis_title="‖A − Π_E A‖ (log)",
           yaxis_type="log", yaxis_exponentformat="power")
    return apply_update(fig, distance_curves_update(runs, selected))
