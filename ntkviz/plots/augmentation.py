"""Figures of augmentation against equivariance over training (arXiv 2303.13458;
docs/theory.md#augmentation-and-equivariance): the training loss, the accuracy on transformed test
digits and the distance ‖A − Π_E A‖ of every layer from the equivariant subspace E, for up to seven
runs side by side.

Every figure takes ``curves``: a mapping (strategy, init) → the arrays of that run by name
(``epochs``, ``loss``, ``orbit_loss``, ``accuracy``, ``invariance``, ``distance`` (T, L); what
``experiments.augmentation.curves`` gives), a slot missing or None being a run not trained. It
has one trace per *slot* of ``SLOTS``, named by ``slot_label`` (NOMINAL and AUGMENTED from a
generic, an equivariant and a perturbed-equivariant initialisation, and EQUIVARIANT), so an
explorer can update them in place; a slot without a run is an empty trace. Colour = strategy,
dash = initialisation (solid: equivariant start, dashed: generic start, dash-dot: equivariant +
1e-6 off E; EQUIVARIANT dotted, since it runs exactly on top of AUGMENTED from an equivariant
start); the selected slot is drawn thick.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import plotly.graph_objects as go

from .._validate import check_int
from .style import STRATEGY_COLORS, apply_update, finite_or_none, layout

__all__ = ["SLOTS", "STRATEGY_COLORS", "slot_label", "loss_curves", "loss_curves_update",
           "accuracy_curves", "accuracy_curves_update", "distance_curves",
           "distance_curves_update"]

#: (strategy, initialisation) of each trace, in trace order.
SLOTS = (("nominal", "generic"), ("nominal", "equivariant"), ("nominal", "perturbed"),
         ("augmented", "generic"), ("augmented", "equivariant"), ("augmented", "perturbed"),
         ("equivariant", "equivariant"))
_DASH = {"generic": "dash", "equivariant": "solid", "perturbed": "dashdot"}
#: The arrays each panel reads from a run's curves.
_FIELDS = {"loss": ("epochs", "loss", "orbit_loss"),
           "accuracy": ("epochs", "accuracy", "invariance"), "distance": ("epochs", "distance")}


def slot_label(strategy: str, init: str) -> str:
    if strategy == "equivariant":
        return "EQUIVARIANT (layers in E)"
    if init == "perturbed":
        return f"{strategy.upper()}, E + 1e-6 init"
    return f"{strategy.upper()}, {init} init"


def _checked(curves, selected, panel: str) -> tuple[list, tuple | None]:
    """The curves of each slot in trace order (None: no run) and the selected slot, or the
    error naming ``curves`` / ``selected``."""
    if not isinstance(curves, Mapping) or not set(curves) <= set(SLOTS):
        raise TypeError(f"curves must be a mapping (strategy, init) -> arrays with keys among "
                        f"{SLOTS}, got {curves!r:.60}")
    if selected is not None and (isinstance(selected, (str, bytes)) or not hasattr(
            selected, "__iter__") or tuple(selected) not in SLOTS):
        raise ValueError(f"selected must be None or one of the slots {SLOTS}, got {selected!r:.60}")
    out = []
    for slot in SLOTS:
        arrays = curves.get(slot)
        if arrays is not None:
            arrays = {name: _array(f"curves[{slot}][{name!r}]", arrays, name)
                      for name in _FIELDS[panel]}
            if any(len(a) != len(arrays["epochs"]) for a in arrays.values()):
                raise ValueError(f"curves[{slot}] must hold arrays of one length per epoch")
        out.append(arrays)
    return out, None if selected is None else tuple(selected)


def _array(name: str, arrays, key: str) -> np.ndarray:
    try:
        array = np.asarray(arrays[key], dtype=np.float64)
    except (TypeError, ValueError, KeyError, IndexError) as error:
        raise TypeError(f"{name} must be an array of numbers ({type(error).__name__})") from None
    if array.ndim != (2 if key == "distance" else 1) or not len(array):
        raise ValueError(f"{name} must be {'(T, L)' if key == 'distance' else '(T,)'} values, "
                         f"got shape {array.shape}")
    return array


def _style(slot, selected) -> dict:
    strategy, init = slot
    thick = selected is None or selected == slot
    # EQUIVARIANT dotted: it coincides with AUGMENTED from an equivariant start, both must show
    dash = "dot" if strategy == "equivariant" else _DASH[init]
    return dict(name=slot_label(*slot), opacity=1.0 if thick else 0.8,
                line=dict(color=STRATEGY_COLORS[strategy], dash=dash, width=4 if thick else 2))


def _traces(runs, selected, data) -> list[dict]:
    """One dict per slot: ``data(arrays)`` for a run, empty for a missing one."""
    return [dict(data(arrays) if arrays is not None else dict(x=[], y=[], customdata=[]),
                 **_style(slot, selected)) for slot, arrays in zip(SLOTS, runs)]


def _slot_figure(hovertemplate: str, **scatter) -> go.Figure:
    return go.Figure([go.Scatter(mode="lines", hovertemplate=hovertemplate, **scatter)
                      for _ in SLOTS])


# --------------------------------------------------------------------------- loss

def _loss(runs, selected, setting: str) -> dict:
    data = _traces(runs, selected, lambda r: dict(x=r["epochs"], y=finite_or_none(r["loss"]),
                                                  customdata=r["orbit_loss"]))
    title = f"Training loss ({setting})" if setting else "Training loss"
    return {"data": data, "layout": {"title_text": title}}


def loss_curves_update(curves, selected=None, setting: str = "") -> dict:
    """The data of ``loss_curves`` (one dict per slot)."""
    return _loss(*_checked(curves, selected, "loss"), str(setting))


def loss_curves(curves, selected=None, setting: str = "") -> go.Figure:
    """Training loss against epoch for each slot (log y).

    ``curves``: see the module docstring; ``selected``: the (strategy, init) drawn thick;
    ``setting``: text for the title (group, depth, learning rate). The loss is each strategy's
    own objective (nominal cross-entropy; orbit-averaged for AUGMENTED); the hover also shows
    the orbit-averaged loss.
    """
    runs, selected = _checked(curves, selected, "loss")
    fig = _slot_figure("epoch %{x}<br>loss = %{y:.10g}<br>orbit-averaged loss = "
                          "%{customdata:.10g}<extra>%{fullData.name}</extra>")
    layout(fig, "Training loss", xaxis_title="epoch", yaxis_title="cross-entropy (log)",
           yaxis_type="log", yaxis_dtick="D2")
    return apply_update(fig, _loss(runs, selected, str(setting)))


# --------------------------------------------------------------------------- accuracy

def _accuracy(runs, selected, classes: int, transformed: str) -> dict:
    data = _traces(runs, selected, lambda r: dict(x=r["epochs"], y=r["accuracy"],
                                                  customdata=r["invariance"]))
    last = max([1] + [int(r["epochs"][-1]) for r in runs if r is not None])
    data.append(dict(x=[0, last], y=[1.0 / classes] * 2))
    return {"data": data, "layout": {"title_text": f"Accuracy on {transformed} test digits"}}


def accuracy_curves_update(curves, selected=None, classes: int = 10,
                           transformed: str = "transformed") -> dict:
    """The data of ``accuracy_curves`` (one dict per slot, then the chance line)."""
    return _accuracy(*_checked(curves, selected, "accuracy"), check_int("classes", classes, minimum=1), str(transformed))


def accuracy_curves(curves, selected=None, classes: int = 10,
                    transformed: str = "transformed") -> go.Figure:
    """Accuracy on the transformed test digits against epoch, and the chance level
    ``1/classes``; ``transformed`` names the test digits in the title (``"rotated"``).

    Hover: the accuracy and ``max |f(ρ_0(g)x) − f(x)|`` over test digits (0 up to round-off for
    an invariant network).
    """
    runs, selected = _checked(curves, selected, "accuracy")
    fig = _slot_figure("epoch %{x}<br>accuracy = %{y:.6f}<br>max |f(gx) − f(x)| = "
                          "%{customdata:.3g}<extra>%{fullData.name}</extra>")
    fig.add_trace(go.Scatter(mode="lines", name="chance", showlegend=False,
                             line=dict(color="#aaaaaa", dash="dot", width=1),
                             hovertemplate="chance = %{y:.4f}<extra></extra>"))
    layout(fig, "Accuracy on transformed test digits", xaxis_title="epoch",
           yaxis_title="test accuracy", yaxis_range=[0, 1])
    return apply_update(fig, _accuracy(runs, selected, check_int("classes", classes, minimum=1), str(transformed)))


# --------------------------------------------------------------------------- distance

def _layers(r) -> dict:
    """Every layer's curve in one trace, separated by gaps (customdata = layer number)."""
    T, L = r["distance"].shape
    xs = np.concatenate([np.append(r["epochs"], np.nan) for _ in range(L)])
    ys = np.concatenate([np.append(r["distance"][:, i], np.nan) for i in range(L)])
    ys = np.where(ys > 0, ys, np.nan)   # exact zeros have no place on a log axis
    return dict(x=finite_or_none(xs), y=finite_or_none(ys),
                customdata=np.repeat(np.arange(1, L + 1), T + 1))


def _distance(runs, selected) -> dict:
    return {"data": _traces(runs, selected, _layers),
            "layout": {"title_text": "Distance from E, ‖A_i − Π_E A_i‖ per layer"}}


def distance_curves_update(curves, selected=None) -> dict:
    """The data of ``distance_curves``: per slot one trace holding every layer's curve,
    separated by gaps (customdata = layer number)."""
    return _distance(*_checked(curves, selected, "distance"))


def distance_curves(curves, selected=None) -> go.Figure:
    """‖(A_i, b_i) − Π_E(A_i, b_i)‖ against epoch for every layer i of every slot (log y).

    From an equivariant start it stays at round-off (~1e-15) for AUGMENTED and EQUIVARIANT
    (E is invariant under augmented gradient descent, arXiv 2303.13458, Cor. 1); NOMINAL
    leaves E.
    """
    runs, selected = _checked(curves, selected, "distance")
    fig = _slot_figure("epoch %{x}<br>layer %{customdata}<br>‖A − Π_E A‖ = %{y:.6g}"
                          "<extra>%{fullData.name}</extra>", connectgaps=False)
    layout(fig, "Distance from E", xaxis_title="epoch", yaxis_title="‖A − Π_E A‖ (log)",
           yaxis_type="log", yaxis_exponentformat="power")
    return apply_update(fig, _distance(runs, selected))
