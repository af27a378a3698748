"""``AccuracyExplorer``: equivariant against plain networks on digits never seen upright.

The headline of arXiv 2412.11521 (Fig. 1, Fig. 6B; docs/theory.md#unseen-upright-digits): a training
set of digit orbits in which the upright copies of one class are missing; which networks still
recognise fresh upright digits of that class? The explorer reads the precomputed results of
``ntkviz precompute`` (``experiments.accuracy.load_precomputed``), so moving a control is instant;
an architecture, kind or configuration that is not in the file is computed live with a progress bar.

One plotly ``FigureWidget`` holds the three panels (accuracy against N, bars at the current N,
thumbnails of the leave-out test digits), updated in place in one ``batch_update``. Controls
redraw while dragged (throttled, the last value always lands); failures are shown in the
message line and the last good figure stays.
"""

from __future__ import annotations

import html

import ipywidgets as W
import numpy as np

from ..datasets import ACTIONS
from ..experiments import accuracy
from ..experiments.architectures import ARCHITECTURES, KINDS
from ..plots import accuracy as accuracy_plots
from ._base import (
    STYLE,
    Explorer,
    MessageLine,
    Throttle,
    compose_subplots,
    guarded,
    value_span,
    write_panel_update,
)

__all__ = ["AccuracyExplorer", "PANELS"]

#: Panel name → (row, column) in the explorer's figure.
PANELS = {"curve": (1, 1), "bars": (1, 2), "digits": (2, 1)}
#: Thumbnail rows when every class is shown (one column per class).
ROWS_PER_CLASS = 4
#: Thumbnails per row when one leave-out class is shown.
COLUMNS_ONE_CLASS = 8

_ACTION_LABELS = {"rotate": "rotation by 360°/N", "rot90": "quarter turns (rot90)",
                  "shift": "cyclic x-shifts"}


def _short(key: str) -> str:
    return {"mlp1": "MLP", "mlp5": "MLP ×5", "cnn_flatten": "CNN (flatten)", "cnn_gap": "CNN (GAP)",
            "gcnn": "group CNN", "orbit_mlp": "orbit-avg MLP"}.get(key, key)


def _intro_html() -> str:
    c = accuracy_plots.OUTCOME_COLORS
    return (
        '<div class="ntkviz-intro">Training set: the orbits of a few MNIST digits per class under '
        "the chosen action, <b>minus the upright copies of one leave-out class</b>. Kernel "
        "regression (infinite-width network) must classify fresh upright digits of that class. "
        "Dashed lines: plain networks; solid: networks with a built-in symmetry; dotted: the "
        "highlighted network when the upright digits are seen (its ceiling). Thumbnails: "
        f'<span style="color:{c["correct"]}">green = correct</span>, '
        f'<span style="color:{c["wrong"]}">red = wrong (→ predicted label)</span>.</div>'
    )


def _legend_html(architectures) -> str:
    """One legend for the panels: each architecture's colour and line style, then the marks."""
    items = []
    for key in architectures:
        style = "solid" if ARCHITECTURES[key].symmetry != "none" else "dashed"
        colour = accuracy_plots.ARCH_COLORS.get(key, "#ff7f0e")
        items.append(f'<span style="display:inline-block;width:26px;border-top:3px {style} {colour};'
                     f'vertical-align:middle"></span> {html.escape(_short(key))}')
    items += ['<span style="display:inline-block;width:26px;border-top:2px dotted #555;'
              'vertical-align:middle"></span> highlighted network, upright digits seen (ceiling)',
              "★ highlighted network at the current N", "▬ ceiling (bars)"]
    return '<div class="ntkviz-legend">' + " &nbsp;·&nbsp; ".join(items) + "</div>"


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
    figure : the ``FigureWidget`` (``traces(name)`` per panel, names as in ``PANELS``)
    result : the ``AccuracyResult`` the highlighted architecture's numbers come from
    """

    PANELS = PANELS

    def __init__(self, action: str = "rotate", N: int = 8, leave_out="all",
                 architectures=accuracy.DEFAULT_ARCHITECTURES, highlight: str | None = None,
                 kind: str = "ntk", config: accuracy.Config | None = None, results=None):
        self.architectures = accuracy.PARAMS["architectures"].check(architectures)
        self.config = accuracy.Config() if config is None else config
        if not isinstance(self.config, accuracy.Config):
            raise TypeError(f"config must be an accuracy.Config, got {type(self.config).__name__}")
        self._precomputed = self._load(results)
        self._throttle = Throttle(self._apply_controls)
        self.message = MessageLine()
        self.progress = W.IntProgress(value=0, min=0, max=1, description="computing",
                                      layout=W.Layout(width="420px", visibility="hidden"))
        self.progress.add_class("ntkviz-progress")
        highlight = highlight or ("gcnn" if "gcnn" in self.architectures else self.architectures[0])
        self.state = self._state(action, N, leave_out, highlight, kind)  # raises on bad input

        control = dict(style={"description_width": "110px"}, layout=W.Layout(width="420px"))
        self.action_buttons = W.ToggleButtons(
            options=[(_ACTION_LABELS[a], a) for a in ACTIONS], value=self.state["action"],
            description="group action", style={"description_width": "110px", "button_width": "150px"})
        self.N_slider = W.SelectionSlider(options=list(self.config.grid(self.state["action"])),
                                          value=self.state["N"], description="N (orbit size)",
                                          continuous_update=True, **control)
        self.leave_out_dropdown = W.Dropdown(
            options=[("all classes (mean)", "all")] + [(str(c), c) for c in range(self.config.classes)],
            value=self.state["leave_out"], description="leave-out class", **control)
        self.architecture_dropdown = W.Dropdown(
            options=[(ARCHITECTURES[k].label, k) for k in self.architectures],
            value=self.state["highlight"], description="highlighted", **control)
        self.kind_buttons = W.ToggleButtons(options=[("NTK (trained)", "ntk"), ("NNGP (Bayesian)", "nngp")],
                                            value=self.state["kind"], description="kernel",
                                            style={"description_width": "110px", "button_width": "150px"})
        for control_widget, css in ((self.action_buttons, "ntkviz-action"), (self.N_slider, "ntkviz-N"),
                                    (self.leave_out_dropdown, "ntkviz-leave-out"),
                                    (self.architecture_dropdown, "ntkviz-architecture"),
                                    (self.kind_buttons, "ntkviz-kind")):
            control_widget.add_class(css)
            control_widget.observe(self._on_control, names="value")
        self.N_slider.add_class("ntkviz-slider")
        self.readout = W.HTML(layout=W.Layout(min_width="440px"))
        self.figure = self._build_figure(self.state)
        self._show_readout(self.state)
        self.widget = W.VBox([
            W.HTML(STYLE),
            W.HTML(_intro_html()),
            W.HTML(_legend_html(self.architectures)),
            W.HBox([W.VBox([self.action_buttons, self.N_slider, self.leave_out_dropdown,
                            self.architecture_dropdown, self.kind_buttons]),
                    W.VBox([self.readout, self.progress, self.message.widget])]),
            self.figure,
        ])
        self.widget.add_class("ntkviz-accuracy-explorer")

    # --- public -------------------------------------------------------------------------------
    def set(self, action: str | None = None, N: int | None = None, leave_out=None,
            highlight: str | None = None, kind: str | None = None) -> bool:
        """Move to a new setting (controls follow); returns whether it succeeded.

        When only the action changes and the current N is not in its grid, the nearest N of the
        new grid is used. Bad values are shown in the message line, never raised.
        """
        s = self.state
        new_action = s["action"] if action is None else action
        if N is None and new_action != s["action"] and new_action in ACTIONS:
            grid = self.config.grid(new_action)
            N = s["N"] if s["N"] in grid else min(grid, key=lambda n: (abs(np.log(n / s["N"])), n))
        ok = self._update(new_action, s["N"] if N is None else N,
                          s["leave_out"] if leave_out is None else leave_out,
                          s["highlight"] if highlight is None else highlight,
                          s["kind"] if kind is None else kind)
        if ok:
            self._sync_controls()
        return ok

    def accuracy(self, key: str | None = None, which: str = "accuracy") -> float:
        """The accuracy shown for architecture ``key`` (default: highlighted) at the current
        setting; ``which``: ``"accuracy"`` (upright unseen), ``"full_accuracy"``, ``"in_accuracy"``."""
        s = self.state
        key = s["highlight"] if key is None else key
        return s["results"][key].at(key, s["N"], s["leave_out"], which)

    # --- data ---------------------------------------------------------------------------------
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

    def _state(self, action, N, leave_out, highlight, kind) -> dict:
        """Validated setting and the results it shows (raises ValueError/TypeError)."""
        from .._validate import check_choice, check_int

        check_choice("action", action, ACTIONS)
        check_choice("kind", kind, KINDS)
        check_choice("highlight", highlight, self.architectures)
        N = check_int("N", N)
        check_choice("N", N, self.config.grid(action))
        if leave_out != "all":
            if isinstance(leave_out, str) and leave_out.isdigit():
                leave_out = int(leave_out)
            leave_out = check_int("leave_out", leave_out, minimum=0, maximum=self.config.classes - 1)
        results = {key: self._result(key, action, kind) for key in self.architectures}
        return dict(action=action, N=N, leave_out=leave_out, highlight=highlight, kind=kind, results=results)

    # --- figure -------------------------------------------------------------------------------
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

    def _build_figure(self, s):
        d = self._panel_data(s)
        labels = {k: _short(k) for k in self.architectures}
        symmetric = {k: ARCHITECTURES[k].symmetry != "none" for k in self.architectures}
        panels = {
            "curve": accuracy_plots.accuracy_curve(**d["curve"], labels=labels, symmetric=symmetric),
            "bars": accuracy_plots.accuracy_bars(**d["bars"]),
            "digits": accuracy_plots.digit_thumbnails(**d["digits"]),
        }
        specs = [[{"type": "xy"}, {"type": "xy"}], [{"type": "xy", "colspan": 2}, None]]

        def finish(fig, slices, axes):
            self._slices, self._axes = slices, axes
            x_name, y_name = axes["digits"]
            fig.layout[y_name].scaleanchor = x_name.replace("axis", "")
            fig.layout[y_name].constrain = "domain"
            fig.layout[x_name].constrain = "domain"
            fig.add_hline(y=10.0, line=dict(color="#999", width=1, dash="dot"), row=1, col=1,
                          annotation_text="chance (1 in 10)", annotation_position="bottom right")
            # the legend is HTML above the figure (one for all panels, never squeezing the plots)
            fig.update_layout(plot_bgcolor="#ffffff", margin=dict(l=60, r=30, t=50, b=40), showlegend=False)
            fig.update_traces(showlegend=False)
            self._redraw(fig, s, d)

        figure, _, _ = compose_subplots(
            panels, PANELS, rows=2, cols=2, specs=specs, height=900, width=1180,
            column_widths=[0.6, 0.4], row_heights=[0.52, 0.48], horizontal_spacing=0.08,
            vertical_spacing=0.12, finish=finish)
        return figure

    def _redraw(self, fig, s, d=None):
        d = d or self._panel_data(s)
        updates = {
            "curve": accuracy_plots.accuracy_curve_update(**d["curve"]),
            "bars": accuracy_plots.accuracy_bars_update(**d["bars"]),
            "digits": accuracy_plots.digit_thumbnails_update(**d["digits"]),
        }
        titles = {key: i for i, key in enumerate(PANELS)}
        write_panel_update(fig, self._slices, self._axes, titles, updates)

    # --- events -------------------------------------------------------------------------------
    @guarded("Could not update")
    def _on_control(self, change):
        if self._syncing:
            return
        if change["owner"] is self.action_buttons:
            self.set(action=change["new"])  # the N slider's options change with the action
            return
        self._throttle()

    @guarded("Could not update")
    def _apply_controls(self):
        self._update(self.action_buttons.value, self.N_slider.value, self.leave_out_dropdown.value,
                     self.architecture_dropdown.value, self.kind_buttons.value)

    def _sync_controls(self):
        s = self.state
        with self._moving_controls():
            self.action_buttons.value = s["action"]
            grid = list(self.config.grid(s["action"]))
            if list(self.N_slider.options) != grid:
                self.N_slider.options = grid
            self.N_slider.value = s["N"]
            self.leave_out_dropdown.value = s["leave_out"]
            self.architecture_dropdown.value = s["highlight"]
            self.kind_buttons.value = s["kind"]

    def _update(self, action, N, leave_out, highlight, kind) -> bool:
        try:
            state = self._state(action, N, leave_out, highlight, kind)
            self._redraw(self.figure, state)
        except Exception as error:  # a widget never raises into the page
            self.progress.layout.visibility = "hidden"
            self.message.error("Could not update", error)
            return False
        self.state = state
        self._show_readout(state)
        self.message.show("")
        return True

    @property
    def result(self) -> accuracy.AccuracyResult:
        return self.state["results"][self.state["highlight"]]

    def _show_readout(self, s):
        hl = s["highlight"]
        r = s["results"][hl]
        out = r.at(hl, s["N"], s["leave_out"])
        full = r.at(hl, s["N"], s["leave_out"], "full_accuracy")
        within = r.at(hl, s["N"], s["leave_out"], "in_accuracy")
        where = ("mean over the leave-out classes" if s["leave_out"] == "all"
                 else f"leave-out class {s['leave_out']}")
        self.readout.value = (
            '<div class="ntkviz-readout">'
            f"<b>{html.escape(ARCHITECTURES[hl].label)}</b>, {s['action']}, N = {s['N']}, "
            f"{s['kind'].upper()}, {where}:<br>"
            f"accuracy on unseen upright digits = {value_span('ntkviz-accuracy', out)}<br>"
            f"same network, upright digits seen = {value_span('ntkviz-accuracy-full', full)}<br>"
            f"other classes (seen upright) = {value_span('ntkviz-accuracy-in', within)}"
            f'<span class="ntkviz-setting" data-action="{s["action"]}" data-n="{s["N"]}" '
            f'data-leave-out="{s["leave_out"]}" data-architecture="{hl}" data-kind="{s["kind"]}"></span>'
            "</div>"
        )
