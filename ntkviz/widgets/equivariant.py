"""``EquivariantKernelsExplorer``: the C4 group CNN against plain and augmented CNN kernels on
rotated MNIST, with the other results on group CNNs (arXiv 2412.11521, Sec. 4 and App. C;
arXiv 2406.06504, Fig. 1; docs/theory.md#group-cnn-kernels).

One ``FigureWidget`` holds every panel (``widgets._base.compose_subplots``):

* ``accuracy``: kernel-regression test accuracy against the number of training digits, mean ±
  std over seeds (``experiments.equivariant_accuracy``, read from the shipped results file);
* ``invariance``: ``max |K(g_θ x, y) − K(x, y)| / max |K|`` per kernel and angle θ (log axis);
* ``width``: the empirical NTK/NNGP of finite C4 group CNNs against the analytic ``gcnn``
  kernels, relative error against width (``experiments.gcnn_width``; the small sweep
  ``equivariant_accuracy.WIDTH_SWEEP`` stored in the results file);
* ``propositions``: the table of Props. 1–4 (``experiments.propositions.proposition_table``,
  NTK or NNGP, also stored in the results file).

Controls: how the digits are rotated (quarter turns / continuous angles), NTK or NNGP, which
kernels are drawn, and the training-set size the readouts quote. Every control change only
re-reads stored arrays, so it answers in well under a second (10–20 ms in Python, measured); a
failure is shown in the message line and the last good figure stays.
"""

from __future__ import annotations

import html

import ipywidgets as W
import numpy as np
import plotly.graph_objects as go

from .. import plots
from .._validate import check_choice, check_int
from ..experiments import equivariant_accuracy as eq
from ..plots import equivariant_accuracy as eq_plots
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

__all__ = ["EquivariantKernelsExplorer"]

#: Panel name → (row, column) in the explorer's figure.
PANELS = {"accuracy": (1, 1), "invariance": (1, 2), "width": (2, 1), "propositions": (3, 1)}
_MODE_BUTTONS = [("90° multiples (exact)", "rot90"), ("continuous angles", "rotate")]
_KIND_BUTTONS = [("NTK (trained)", "ntk"), ("NNGP (Bayesian)", "nngp")]
_SHORT = {"gcnn": "group CNN", "cnn_gap": "CNN GAP", "cnn_flatten": "CNN flatten",
          "augmented_cnn": "CNN + augmentation"}


def _angle_css(angle: float) -> str:
    return f"{float(angle):g}".replace(".", "p")


class EquivariantKernelsExplorer(Explorer):
    """Group-CNN, plain-CNN and augmented-CNN kernels on rotated MNIST, plus Props. 1–4 and the
    finite-width convergence of group CNNs.

    Parameters
    ----------
    mode : ``"rot90"`` (digits rotated by random multiples of 90°) or ``"rotate"`` (random angles)
    kind : ``"ntk"`` | ``"nngp"``
    shown : kernels drawn (keys of ``experiments.equivariant_accuracy.KERNELS``), default all
    n_train : the training-set size the readouts quote (default the largest)
    results : an ``EquivariantResult`` (default the shipped ``load_precomputed()``); the width
        and proposition panels show its ``companions``, computed here (~30–60 s, with a progress
        bar) only when it has none

    Attributes
    ----------
    widget : the root ipywidgets container (CSS class ``ntkviz-equivariant-explorer``)
    figure : the one ``FigureWidget``;  state : the setting shown (dict)
    """

    PANELS = PANELS

    def __init__(self, mode: str = "rot90", kind: str = "ntk", shown=None, n_train: int | None = None,
                 results: eq.EquivariantResult | None = None):
        self.results = eq.load_precomputed() if results is None else results
        if not isinstance(self.results, eq.EquivariantResult):
            raise TypeError(f"results must be an EquivariantResult, got {type(self.results).__name__}")
        self.keys = self.results.kernels
        self._throttle = Throttle(self._apply_controls)
        self.message = MessageLine()
        self.progress = W.IntProgress(value=0, min=0, max=1, description="computing",
                                      layout=W.Layout(width="420px", visibility="hidden"))
        self.progress.add_class("ntkviz-progress")
        n_grid = self.results.config.n_train
        self.state = self._state(mode, kind, self.keys if shown is None else shown,
                                 n_grid[-1] if n_train is None else n_train)  # raises on bad input
        self.companions = self.results.companions
        if self.companions is None:
            self._progress(0, 1, "group-CNN width, Props.")
            self.companions = eq.companions()
            self._progress(1, 1)

        buttons = dict(style={"description_width": "110px", "button_width": "170px"})
        self.mode_buttons = W.ToggleButtons(options=_MODE_BUTTONS, value=self.state["mode"],
                                            description="digits rotated", **buttons)
        self.kind_buttons = W.ToggleButtons(options=_KIND_BUTTONS, value=self.state["kind"],
                                            description="kernel", **buttons)
        self.n_train_slider = W.SelectionSlider(
            options=list(n_grid), value=self.state["n_train"], description="n_train (readouts)",
            continuous_update=True, style={"description_width": "110px"}, layout=W.Layout(width="420px"))
        self.kernel_boxes = {
            key: W.Checkbox(value=key in self.state["shown"], description=eq.KERNEL_LABELS[key],
                            indent=False, layout=W.Layout(width="340px"))
            for key in self.keys}
        for control, css in ((self.mode_buttons, "ntkviz-mode"), (self.kind_buttons, "ntkviz-kind"),
                             (self.n_train_slider, "ntkviz-n-train")):
            control.add_class(css)
            control.observe(self._on_control, names="value")
        self.n_train_slider.add_class("ntkviz-slider")
        for key, box in self.kernel_boxes.items():
            box.add_class("ntkviz-kernel-toggle")
            box.add_class(f"ntkviz-show-{key.replace('_', '-')}")
            box.observe(self._on_control, names="value")
        self.readout = W.HTML(layout=W.Layout(min_width="520px"))
        self.figure = self._build_figure(self.state)
        self._show_readout(self.state)
        self.widget = W.VBox([
            W.HTML(STYLE),
            W.HTML(_intro_html()),
            W.HTML(_legend_html(self.keys, self.results.config.angles)),
            W.HBox([W.VBox([self.mode_buttons, self.kind_buttons, self.n_train_slider,
                            W.HTML("<b>kernels shown</b>"), *self.kernel_boxes.values()]),
                    W.VBox([self.readout, self.progress, self.message.widget])]),
            self.figure,
        ])
        self.widget.add_class("ntkviz-equivariant-explorer")

    # --- public -------------------------------------------------------------------------------
    def set(self, mode: str | None = None, kind: str | None = None, shown=None,
            n_train: int | None = None) -> bool:
        """Move to a new setting (controls follow); returns whether it succeeded.

        Bad values are shown in the message line, never raised: the controls and the last good
        figure stay.
        """
        s = self.state
        ok = self._update(s["mode"] if mode is None else mode, s["kind"] if kind is None else kind,
                          s["shown"] if shown is None else shown,
                          s["n_train"] if n_train is None else n_train)
        if ok:
            self._sync_controls()
        return ok

    def accuracy(self, key: str, n_train: int | None = None) -> float:
        """The mean test accuracy (in [0, 1]) of kernel ``key`` shown at the current mode and kind."""
        s = self.state
        return self.results.at(s["mode"], s["kind"], key, s["n_train"] if n_train is None else n_train)

    # --- data ---------------------------------------------------------------------------------
    def _state(self, mode, kind, shown, n_train) -> dict:
        """Validated setting (raises ValueError/TypeError)."""
        check_choice("mode", mode, self.results.modes)
        check_choice("kind", kind, self.results.kinds)
        if isinstance(shown, str):
            shown = (shown,)
        if not hasattr(shown, "__iter__"):
            raise TypeError(f"shown must be a sequence of kernel keys, got {type(shown).__name__}")
        shown = tuple(shown)
        for key in shown:
            check_choice("shown", key, self.keys)
        n_train = check_int("n_train", n_train)
        check_choice("n_train", n_train, self.results.config.n_train)
        return dict(mode=mode, kind=kind, shown=tuple(k for k in self.keys if k in shown), n_train=n_train)

    def _progress(self, done: int, total: int, label: str = ""):
        self.progress.max = max(total, 1)
        self.progress.value = done
        self.progress.description = label[:30] if done < total else "done"
        self.progress.layout.visibility = "visible" if done < total else "hidden"

    def _panel_data(self, s) -> dict:
        r, cfg = self.results, self.results.config
        curves = {k: r.curve(s["mode"], s["kind"], k) for k in self.keys}
        deviations = np.array([[r.deviation(s["mode"], s["kind"], k, a) for a in cfg.angles]
                               for k in self.keys])
        table = self.companions["propositions"][s["kind"]]
        w = self.companions["width"]
        mode_text = eq.MODE_LABELS[s["mode"]]
        aug = ("C4" if s["mode"] == "rot90" else f"{cfg.augment_N} angles")
        return {
            "accuracy": dict(n_train=cfg.n_train, curves=curves, shown=s["shown"], current=s["n_train"],
                             title=f"Test accuracy, {mode_text} ({s['kind'].upper()}, "
                                   f"{len(cfg.seeds)} seeds × {cfg.n_test} test digits)"),
            "invariance": dict(keys=self.keys, angles=cfg.angles, deviations=deviations, shown=s["shown"],
                               labels=_SHORT,
                               title=f"Invariance to a rotation g<sub>θ</sub> ({s['kind'].upper()}; "
                                     f"augmented over {aug})"),
            "width": {name: w[name] for name in ("widths", "ntk_errors", "nngp_errors", "ntk_slope",
                                                 "ntk_intercept", "nngp_slope", "nngp_intercept",
                                                 "depth", "seeds")},
            "propositions": dict(header=table["header"], cells=table["cells"], agrees=table["agrees"]),
        }

    # --- figure -------------------------------------------------------------------------------
    def _build_figure(self, s) -> go.FigureWidget:
        d = self._panel_data(s)
        panels = {
            "accuracy": eq_plots.accuracy_vs_ntrain(**d["accuracy"], labels=eq.KERNEL_LABELS),
            "invariance": eq_plots.invariance_bars(**d["invariance"]),
            "width": plots.gcnn_error_vs_width(**d["width"]),
        }
        table = plots.proposition_table_figure(**d["propositions"], title=_table_title(s))
        xy = {k: PANELS[k] for k in panels}
        specs = [[{"type": "xy"}, {"type": "xy"}], [{"type": "xy", "colspan": 2}, None],
                 [{"type": "table", "colspan": 2}, None]]

        def finish(fig, slices, axes):
            self._slices, self._axes = slices, axes
            # (add_hline inspects every trace's axes, so it must come before the Table trace)
            fig.add_hline(y=10.0, line=dict(color="#999", width=1, dash="dot"), row=1, col=1)
            start = len(fig.data)
            fig.add_trace(table.data[0], row=3, col=1)
            slices["propositions"] = (start, len(fig.data))
            # the table is no xy panel, so compose_subplots gave it no title: add the same kind
            # of annotation as the others (titles are read by position in PANELS)
            above = fig.layout.annotations[0]
            fig.add_annotation(text=_table_title(s), x=0.5, xref="paper", xanchor="center",
                               y=fig.data[start].domain.y[1] + 0.004, yref="paper", yanchor="bottom",
                               showarrow=False, font=above.font)
            x, y = (name.replace("axis", "") for name in axes["accuracy"])
            fig.add_annotation(text="chance (1 in 10)", xref=f"{x} domain", x=1.0, xanchor="right",
                               yref=y, y=10.0, yanchor="top", showarrow=False,
                               font=dict(size=10, color="#777"))
            # one HTML legend above the figure serves every panel
            fig.update_traces(showlegend=False, selector=lambda t: t.type != "table")
            fig.update_layout(plot_bgcolor="#ffffff", margin=dict(l=70, r=30, t=50, b=30),
                              showlegend=False, barmode="group")
            self._redraw(fig, s, d)

        figure, _, _ = compose_subplots(
            panels, xy, rows=3, cols=2, specs=specs, height=1750, width=1180,
            row_heights=[0.3, 0.24, 0.46], column_widths=[0.55, 0.45], horizontal_spacing=0.1,
            vertical_spacing=0.08, finish=finish)
        return figure

    def _redraw(self, fig, s, d=None):
        d = d or self._panel_data(s)
        updates = {
            "accuracy": eq_plots.accuracy_vs_ntrain_update(**d["accuracy"]),
            "invariance": eq_plots.invariance_bars_update(**d["invariance"]),
            "width": plots.gcnn_error_vs_width_update(**d["width"]),
            "propositions": plots.proposition_table_figure_update(**d["propositions"]),
        }
        updates["propositions"]["layout"] = {"title_text": _table_title(s)}
        titles = {key: i for i, key in enumerate(PANELS)}
        write_panel_update(fig, self._slices, self._axes, titles, updates)

    # --- events -------------------------------------------------------------------------------
    @guarded("Could not update")
    def _on_control(self, change):
        if not self._syncing:
            self._throttle()

    @guarded("Could not update")
    def _apply_controls(self):
        shown = tuple(k for k, box in self.kernel_boxes.items() if box.value)
        self._update(self.mode_buttons.value, self.kind_buttons.value, shown, self.n_train_slider.value)

    def _sync_controls(self):
        s = self.state
        with self._moving_controls():
            self.mode_buttons.value = s["mode"]
            self.kind_buttons.value = s["kind"]
            self.n_train_slider.value = s["n_train"]
            for key, box in self.kernel_boxes.items():
                box.value = key in s["shown"]

    def _update(self, mode, kind, shown, n_train) -> bool:
        try:
            state = self._state(mode, kind, shown, n_train)
            self._redraw(self.figure, state)
        except Exception as error:  # a widget never raises into the page
            self.progress.layout.visibility = "hidden"
            self.message.error("Could not update", error)
            return False
        self._progress(1, 1)
        self.state = state
        self._show_readout(state)
        self.message.show("" if state["shown"] else "No kernel selected: tick one to draw its curve.")
        return True

    def _show_readout(self, s):
        r, cfg = self.results, self.results.config
        n = s["n_train"]
        rows = []
        for key in self.keys:
            mean, std = r.curve(s["mode"], s["kind"], key)
            i = cfg.n_train.index(n)
            css = key.replace("_", "-")
            inv = " ".join(
                f"{a:g}°: " + value_span(f"ntkviz-inv-{css}-{_angle_css(a)}",
                                         r.deviation(s["mode"], s["kind"], key, a), 3)
                for a in cfg.angles)
            rows.append(
                f"<tr><td>{html.escape(eq.KERNEL_LABELS[key])}</td>"
                f"<td>{value_span(f'ntkviz-acc-{css}', float(mean[i]), 4)} ± "
                f"{value_span(f'ntkviz-acc-std-{css}', float(std[i]), 2)}</td><td>{inv}</td></tr>")
        w = self.companions["width"]
        agrees = all(self.companions["propositions"][s["kind"]]["agrees"])
        self.readout.value = (
            '<div class="ntkviz-readout">'
            f"Test accuracy at n<sub>train</sub> = {value_span('ntkviz-n-train-value', n)} "
            f"({eq.MODE_LABELS[s['mode']]}, {s['kind'].upper()}; mean ± std over {len(cfg.seeds)} seeds) "
            "and invariance max|K(g<sub>θ</sub>x, y) − K(x, y)|/max|K|:"
            '<table style="font-size:13px">'
            "<tr><th align=left>kernel</th><th align=left>accuracy</th><th align=left>invariance</th></tr>"
            + "".join(rows) + "</table>"
            f"Finite group CNNs (depth {w['depth']}): log-log slope of the error against width, NTK "
            f"{value_span('ntkviz-width-slope-ntk', float(w['ntk_slope']), 3)}, NNGP "
            f"{value_span('ntkviz-width-slope-nngp', float(w['nngp_slope']), 3)} (expected −0.5); "
            "largest rot90 invariance gap of the finite networks "
            f"{value_span('ntkviz-width-invariance-gap', float(w['max_invariance_gap']), 2)}<br>"
            f"Props. 1–4 table: every row agrees with its claim: "
            f"{value_span('ntkviz-propositions-agree', bool(agrees))}"
            f'<span class="ntkviz-setting" data-mode="{s["mode"]}" data-kind="{s["kind"]}" '
            f'data-n-train="{n}" data-shown="{",".join(s["shown"])}"></span>'
            "</div>"
        )


def _table_title(s) -> str:
    return f"Props. 1–4 (arXiv 2412.11521, App. C) on two digits' orbits, {s['kind'].upper()}"


def _legend_html(keys, angles) -> str:
    colors = eq_plots.KERNEL_COLORS
    items = [f'<span style="color:{colors[k]}">━━</span> {html.escape(eq.KERNEL_LABELS[k])}'
             for k in keys]
    items.append('<span style="background:rgba(120,120,120,0.25)">&nbsp;&nbsp;&nbsp;</span> '
                 "± 1 std over seeds")
    bars = [f'<span style="color:{eq_plots.angle_color(j)}">■</span> θ = {float(a):g}°'
            for j, a in enumerate(angles)]
    width = ['<span style="color:#ff7f0e">●</span> NTK Θ̂ (finite width)',
             '<span style="color:#2ca02c">■</span> NNGP Σ̂ (finite width)',
             '<span style="color:#777">┈┈</span> slope −1/2']
    return ('<div class="ntkviz-legend">' + " &nbsp;·&nbsp; ".join(items) + "<br>invariance bars: "
            + " &nbsp;·&nbsp; ".join(bars) + " &nbsp;(dotted: round-off level 1e-10)<br>width panel: "
            + " &nbsp;·&nbsp; ".join(width) + "</div>")


def _intro_html() -> str:
    return (
        '<div class="ntkviz-intro">Kernel regression (GP posterior mean, one-hot targets) on MNIST '
        "digits at 14×14, every training and test digit rotated at random. The C4 group CNN (green) "
        "is exactly invariant to quarter turns (its 90° bar sits at round-off), so on 90°-rotated "
        "digits it sees every digit as if upright; its matching plain CNN (same layer, global average "
        "pooling, purple) is not. With continuous angles no kernel on the pixel grid is exactly "
        "invariant (the 30° and 45° bars). Pooled one-layer kernels keep only which 3×3 patches occur, "
        "not where, so the augmented flatten CNN (orbit average, cyan) can still be the most "
        "accurate: compare the curves.</div>"
    )
