"""``AccuracyExplorer``: equivariant against plain networks on digits never seen upright.

The headline of arXiv 2412.11521 (Fig. 1, Fig. 6B; docs/theory.md#unseen-upright-digits): a training
set of digit orbits in which the upright copies of one class are missing; which networks still
recognise fresh upright digits of that class? The explorer reads the precomputed results of
``ntkviz precompute`` (``experiments.accuracy.load_precomputed``), so moving a control is instant;
an architecture, kind or configuration that is not in the file is computed live with a progress bar.

Three panels (``widgets.explorer``): accuracy against N, bars at the current N, thumbnails of
the leave-out test digits. The N slider offers the orbit sizes of the chosen action.
"""

from __future__ import annotations

import dataclasses
import html

import ipywidgets as W
import numpy as np
import plotly.graph_objects as go

from .._validate import check_int
from ..datasets import ACTIONS
from ..experiments import accuracy
from ..experiments.architectures import ARCHITECTURES
from ..params import Param
from ..plots import accuracy as accuracy_plots
from ..plots import style as plot_style
from .display import value_span
from .explanations import EXPLANATIONS
from .explorer import Control, Explorer
from .throttle import guarded

__all__ = ["AccuracyExplorer", "PANELS"]

#: Panel name → (row, column) in the explorer's figure.
PANELS = {"curve": (1, 1), "bars": (1, 2), "digits": (2, 1)}
#: Thumbnail rows when every class is shown (one column per class).
ROWS_PER_CLASS = 4
#: Thumbnails per row when one leave-out class is shown.
COLUMNS_ONE_CLASS = 8

_ACTION_LABELS = {"rotate": "rotation by 360°/N", "rot90": "quarter turns (rot90)",
                  "shift": "cyclic x-shifts"}
_SHORT = {"mlp1": "MLP", "mlp5": "MLP ×5", "cnn_flatten": "CNN (flatten)", "cnn_gap": "CNN (GAP)",
          "gcnn": "group CNN", "orbit_mlp": "orbit-avg MLP"}
_P = accuracy.PARAMS
#: An orbit size (the slider offers those of the configuration's grid for the action).
_N = Param("N", "int", 2, 360, label="N (orbit size)")


def _short(key: str) -> str:
    return _SHORT.get(key, key)


def _controls(architectures: tuple, classes: int) -> tuple[Control, ...]:
    """The controls: the leave-out classes and the highlighted networks are the explorer's."""
    return (
        Control("action", dataclasses.replace(_P["action"], label="group action"),
                "ntkviz-action", "action_buttons", buttons=True,
                labels=tuple(_ACTION_LABELS[a] for a in ACTIONS)),
        Control("N", _N, "ntkviz-N", "N_slider", options="orbit_sizes"),
        Control("leave_out", Param("leave_out", "choice", choices=("all", *range(classes)),
                                   label="leave-out class"),
                "ntkviz-leave-out", "leave_out_dropdown",
                labels=("all classes (mean)", *map(str, range(classes)))),
        Control("highlight", Param("highlight", "choice", choices=architectures,
                                   label="highlighted"),
                "ntkviz-architecture", "architecture_dropdown",
                labels=tuple(ARCHITECTURES[k].label for k in architectures)),
        Control("kind", dataclasses.replace(_P["kind"], label="kernel"), "ntkviz-kind",
                "kind_buttons", labels=("NTK (trained)", "NNGP (Bayesian)"), buttons=True),
    )


def _leave_out(value, classes: int):
    """``"all"`` or a class 0..classes−1 (digit strings accepted), else the error naming it."""
    if value == "all":
        return value
    if isinstance(value, str) and value.isdigit():
        value = int(value)
    return check_int("leave_out", value, minimum=0, maximum=classes - 1)


def _details_html() -> str:
    c = accuracy_plots.OUTCOME_COLORS
    return (
        '<p>Training set: the orbits of a few MNIST digits per class under '
        "the chosen action, <b>minus the upright copies of one leave-out class</b>. Kernel "
        "regression (infinite-width network) must classify fresh upright digits of that class. "
        "Dashed lines: plain networks; solid: networks with a built-in symmetry; dotted: the "
        "highlighted network when the upright digits are seen (its ceiling). Thumbnails: "
        f'<span style="color:{c["correct"]}">blue = correct</span>, '
        f'<span style="color:{c["wrong"]}">vermillion = wrong (→ predicted label)</span>.</p>'
    )


def _legend(architectures) -> tuple:
    """Each architecture's colour and line style, then the marks."""
    line = ('<span style="display:inline-block;width:26px;border-top:{};'
            'vertical-align:middle"></span>')
    style = plot_style
    colour = {k: style.ARCH_COLORS.get(k, style.COLORS["accent"]) for k in architectures}
    items = [(line.format(f"3px {'dashed' if ARCHITECTURES[k].symmetry == 'none' else 'solid'} "
                          f"{colour[k]}")
              + f'<span style="color:{colour[k]}">{style.GLYPHS[style.MARKS.get(k, "circle")]}</span>',
              html.escape(_short(k))) for k in architectures]
    return (*items, (line.format("2px dotted #555"),
                     "highlighted network, upright digits seen (ceiling)"),
            ("★", "highlighted network at the current N"), ("▬", "ceiling (bars)"))


class AccuracyExplorer(Explorer):
    """Accuracy on a class never seen upright, against N, for plain and equivariant kernels.

    Parameters
    ----------
    action : ``"rotate"`` | ``"rot90"`` | ``"shift"``;  N : an orbit size of that action's grid
    leave_out : ``"all"`` (mean over leave-out classes) or a class 0..classes−1
    architectures : keys of ``ARCHITECTURES`` to compare;  highlight : the one in focus
        (default: the group CNN if present, else the first)
    kind : ``"ntk"`` | ``"nngp"``
    config : an ``accuracy.Config``; the default is the one of the shipped results file
    results : precomputed ``{(action, kind): AccuracyResult}`` (default: the shipped file)

    Attributes
    ----------
    widget : the top-level VBox (CSS class ``ntkviz-accuracy-explorer``)
    figure : the ``go.Figure`` (``traces(name)`` per panel, names as in ``PANELS``)
    state : the setting shown (``action``, ``N``, ``leave_out``, ``highlight``, ``kind``) and
        its ``results`` per architecture;  result : the highlighted architecture's
        ``AccuracyResult``;  progress : the bar of a live computation
    """

    PANELS = PANELS
    FIGURE = dict(rows=2, cols=2, specs=[[{"type": "xy"}, {"type": "xy"}],
                                         [{"type": "xy", "colspan": 2}, None]],
                  height=900, column_widths=[0.6, 0.4], row_heights=[0.52, 0.48],
                  horizontal_spacing=0.08, vertical_spacing=0.12)
    MAIN_PANEL = "curve"
    EXPLANATION = EXPLANATIONS["accuracy"]
    CSS = "ntkviz-accuracy-explorer"

    def __init__(self, action: str = "rotate", N: int = 8, leave_out="all",
                 architectures=accuracy.DEFAULT_ARCHITECTURES, highlight: str | None = None,
                 kind: str = "ntk", config: accuracy.Config | None = None, results=None):
        self.architectures = _P["architectures"].check(architectures)
        self.config = _P["config"].check(accuracy.Config() if config is None else config)
        self._precomputed = self._load(results)
        self.CONTROLS = _controls(self.architectures, self.config.classes)
        self.LEGEND = _legend(self.architectures)
        self.progress = W.IntProgress(value=0, min=0, max=1, description="computing",
                                      layout=W.Layout(width="100%", visibility="hidden"))
        self.progress.add_class("ntkviz-progress")
        action = _P["action"].check(action)
        super().__init__(
            action=action, N=self.CONTROLS[1].check(N, self.orbit_sizes({"action": action})),
            leave_out=_leave_out(leave_out, self.config.classes), kind=kind,
            highlight=highlight or ("gcnn" if "gcnn" in self.architectures
                                    else self.architectures[0]))

    # --- public -------------------------------------------------------------------------------
    def set(self, action: str | None = None, N: int | None = None, leave_out=None,
            highlight: str | None = None, kind: str | None = None) -> bool:
        """Move to a new setting (controls follow); returns whether it succeeded.

        When only the action changes and the current N is not in its grid, the nearest N of the
        new grid is used. Bad values are shown in the message line, never raised.
        """
        try:
            leave_out = None if leave_out is None else _leave_out(leave_out, self.config.classes)
        except (TypeError, ValueError) as error:
            self.message.error(self.MESSAGE, error)
            return False
        now = self.state["N"]
        if N is None and isinstance(action, str) and action in ACTIONS:
            grid = self.config.grid(action)
            N = now if now in grid else min(grid, key=lambda n: (abs(np.log(n / now)), n))
        return super().set(action=action, N=N, leave_out=leave_out, highlight=highlight,
                           kind=kind)

    def accuracy(self, key: str | None = None, which: str = "accuracy") -> float:
        """The accuracy shown for architecture ``key`` (default: highlighted) at the current
        setting; ``which``: ``"accuracy"`` (upright unseen), ``"full_accuracy"``, ``"in_accuracy"``."""
        s = self.state
        key = s["highlight"] if key is None else key
        return s["results"][key].at(key, s["N"], s["leave_out"], which)

    @property
    def result(self) -> accuracy.AccuracyResult:
        return self.state["results"][self.state["highlight"]]

    def orbit_sizes(self, values: dict) -> tuple[int, ...]:
        """The orbit sizes the N slider offers for the controls' ``values`` (their action)."""
        return self.config.grid(values["action"])

    # --- data ---------------------------------------------------------------------------------
    def compute(self, action, N, leave_out, highlight, kind) -> dict:
        try:
            results = {key: self._result(key, action, kind) for key in self.architectures}
        finally:
            self.progress.layout.visibility = "hidden"
        return dict(action=action, N=N, leave_out=leave_out, highlight=highlight, kind=kind,
                    results=results)

    def _load(self, results):
        if results is not None:
            return dict(results)
        try:
            return accuracy.load_precomputed()
        except ValueError:
            return {}

    def _result(self, key: str, action: str, kind: str) -> accuracy.AccuracyResult:
        """The precomputed result holding ``key``, else a live computation (cached)."""
        stored = self._precomputed.get((action, kind))
        if stored is not None and stored.config == self.config and key in stored.architectures:
            return stored
        return accuracy.accuracy_curves(self.config, (key,), action, kind, progress=self._progress)

    def _progress(self, done: int, total: int, label: str):
        self.progress.max = max(total, 1)
        self.progress.value = done
        self.progress.description = "computing" if done < total else "done"
        self.progress.layout.visibility = "visible" if done < total else "hidden"

    # --- panels -------------------------------------------------------------------------------
    def _panel_data(self, s) -> dict:
        keys, results = self.architectures, s["results"]
        N, leave_out, hl = s["N"], s["leave_out"], s["highlight"]
        r = results[hl]
        curves = {k: results[k].curve(k, leave_out) for k in keys}
        at = [results[k].at(k, N, leave_out) for k in keys]
        ceilings = [results[k].at(k, N, leave_out, "full_accuracy") for k in keys]
        images = accuracy.test_images(self.config)
        m, C = self.config.n_test, self.config.classes
        predicted = r.leave_out_predictions(hl, N, leave_out)
        if leave_out == "all":
            rows = min(ROWS_PER_CLASS, m)
            index = np.array([c * m + i for i in range(rows) for c in range(C)])
            predicted = predicted[:, :rows].T.ravel()
            ncols = C
            who = "each class left out in turn"
        else:
            index = np.arange(leave_out * m, (leave_out + 1) * m)
            ncols = min(COLUMNS_ONE_CLASS, m)
            who = f"class {leave_out} left out"
        true = r.test_labels[index]
        correct = predicted == true
        names = [f"MNIST test #{int(r.test_index.ravel()[i])}" for i in index]
        label = ARCHITECTURES[hl].label
        where = "mean over classes" if leave_out == "all" else f"class {leave_out} left out"
        return {
            "curve": dict(Ns=r.Ns, curves=curves, current_N=N, highlight=hl,
                          ceiling=r.curve(hl, leave_out, "full_accuracy"),
                          title=f"Accuracy against N ({s['action']}, {s['kind'].upper()}, {where})"),
            "bars": dict(keys=keys, values=at, highlight=hl, ceiling=ceilings,
                         labels={k: _short(k) for k in keys},
                         title=f"At N = {N} (ticks: upright digits seen)"),
            "digits": dict(images=images[index], correct=correct, predicted=predicted, true_labels=true,
                           ncols=ncols, names=names,
                           title=f"{html.escape(label)}, N = {N}, {who}: "
                                 f"{int(correct.sum())} of {len(correct)} upright test digits correct"),
        }

    def panels(self, s) -> dict[str, go.Figure]:
        d = self._panel_data(s)
        return {
            "curve": accuracy_plots.accuracy_curve(
                **d["curve"], labels={k: _short(k) for k in self.architectures},
                symmetric={k: ARCHITECTURES[k].symmetry != "none" for k in self.architectures}),
            "bars": accuracy_plots.accuracy_bars(**d["bars"]),
            "digits": accuracy_plots.digit_thumbnails(**d["digits"]),
        }

    def updates(self, s) -> dict[str, dict]:
        d = self._panel_data(s)
        return {"curve": accuracy_plots.accuracy_curve_update(**d["curve"]),
                "bars": accuracy_plots.accuracy_bars_update(**d["bars"]),
                "digits": accuracy_plots.digit_thumbnails_update(**d["digits"])}

    def readout_text(self, s) -> str:
        hl, N, leave_out = s["highlight"], s["N"], s["leave_out"]
        r = s["results"][hl]
        where = ("mean over the leave-out classes" if leave_out == "all"
                 else f"leave-out class {leave_out}")
        return (
            f"<b>{html.escape(ARCHITECTURES[hl].label)}</b>, {s['action']}, N = {N}, "
            f"{s['kind'].upper()}, {where}:<br>"
            f"accuracy on unseen upright digits = "
            f"{value_span('ntkviz-accuracy', r.at(hl, N, leave_out))}<br>"
            f"same network, upright digits seen = "
            f"{value_span('ntkviz-accuracy-full', r.at(hl, N, leave_out, 'full_accuracy'))}<br>"
            f"other classes (seen upright) = "
            f"{value_span('ntkviz-accuracy-in', r.at(hl, N, leave_out, 'in_accuracy'))}"
            f'<span class="ntkviz-setting" data-action="{s["action"]}" data-n="{N}" '
            f'data-leave-out="{leave_out}" data-architecture="{hl}" data-kind="{s["kind"]}"></span>')

    def explanation_body(self) -> str:
        return super().explanation_body() + _details_html()

    def extra_controls(self) -> list:
        return [self.progress]

    def finish_figure(self, fig, slices, axes) -> None:
        x, y = axes["digits"]  # square pixels (compose_subplots drops the anchors)
        fig.layout[y].update(scaleanchor=x.replace("axis", ""), constrain="domain")
        fig.layout[x].constrain = "domain"
        fig.add_hline(y=10.0, line=dict(color="#999", width=1, dash="dot"), row=1, col=1,
                      annotation_text="chance (1 in 10)", annotation_position="bottom right")
        fig.update_layout(plot_bgcolor="#ffffff", margin=dict(l=60, r=30, t=50, b=40),
                          showlegend=False)
        fig.update_traces(showlegend=False)

    # --- events -------------------------------------------------------------------------------
    @guarded("Could not update")
    def _on_control(self, change):
        if not self._syncing and change["owner"] is self.action_buttons:
            self.set(action=change["new"])  # the N slider's options change with the action
        else:
            super()._on_control(change)
