"""``EquivariantKernelsExplorer``: the C4 group CNN against plain and augmented CNN kernels on
rotated MNIST, with the other results on group CNNs (arXiv 2412.11521, Sec. 4 and App. C;
arXiv 2406.06504, Fig. 1; docs/theory.md#group-cnn-kernels).

One figure holds the first three panels (``widgets.explorer``), the table is HTML under it:

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

import dataclasses
import html

import ipywidgets as W
import numpy as np
import plotly.graph_objects as go

from .. import plots
from .._validate import check_choice
from ..experiments import equivariant_accuracy as eq
from ..params import Param
from ..plots import equivariant_accuracy as eq_plots
from ..plots import style as plot_style
from .display import value_span
from .explanations import EXPLANATIONS
from .explorer import Control, Explorer
from .throttle import guarded

__all__ = ["EquivariantKernelsExplorer"]

#: Panel name → (row, column) in the explorer's figure.
PANELS = {"accuracy": (1, 1), "invariance": (1, 2), "width": (2, 1)}
_MODE_LABELS = {"rot90": "90° multiples (exact)", "rotate": "continuous angles"}
_KIND_LABELS = {"ntk": "NTK (trained)", "nngp": "NNGP (Bayesian)"}
_SHORT = {"gcnn": "group CNN", "cnn_gap": "CNN GAP", "cnn_flatten": "CNN flatten",
          "augmented_cnn": "CNN + augmentation"}
_WIDTH_FIELDS = ("widths", "ntk_errors", "nngp_errors", "ntk_slope", "ntk_intercept",
                 "nngp_slope", "nngp_intercept", "depth", "seeds")


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
    figure : the one ``go.Figure``;  state : the setting shown (dict)
    kernel_boxes : kernel key → its checkbox (which kernels are drawn)
    """

    PANELS = PANELS
    FIGURE = dict(rows=2, cols=2, height=960, row_heights=[0.56, 0.44],
                  column_widths=[0.55, 0.45], horizontal_spacing=0.1, vertical_spacing=0.14,
                  specs=[[{"type": "xy"}, {"type": "xy"}], [{"type": "xy", "colspan": 2}, None]])
    MAIN_PANEL = "accuracy"
    EXPLANATION = EXPLANATIONS["equivariant"]
    CSS = "ntkviz-equivariant-explorer"

    def __init__(self, mode: str = "rot90", kind: str = "ntk", shown=None, n_train: int | None = None,
                 results: eq.EquivariantResult | None = None):
        self.results = eq.load_precomputed() if results is None else results
        if not isinstance(self.results, eq.EquivariantResult):
            raise TypeError(f"results must be an EquivariantResult, got {type(self.results).__name__}")
        self.keys, r = self.results.kernels, self.results
        # the choices are those of the results shown
        self.CONTROLS = (
            Control("mode", dataclasses.replace(eq.PARAMS["mode"], choices=r.modes,
                                                label="digits rotated"),
                    "ntkviz-mode", "mode_buttons", labels=_MODE_LABELS.get, buttons=True),
            Control("kind", dataclasses.replace(eq.PARAMS["kind"], choices=r.kinds, label="kernel"),
                    "ntkviz-kind", "kind_buttons", labels=_KIND_LABELS.get, buttons=True),
            Control("n_train", Param("n_train", "int", label="n_train (readouts)"),
                    "ntkviz-n-train", "n_train_slider", options="n_trains"),
        )
        initial = dict(mode=mode, kind=kind, n_train=self.n_trains[-1] if n_train is None else n_train)
        for control in self.CONTROLS:  # before the companions (a minute) are computed
            control.check(initial[control.name], control.options and control.choices(self, initial))
        self._selected = self._check_shown(self.keys if shown is None else shown)
        self.table = W.HTML()   # the Props. 1-4 table, under the figure
        self.progress = W.IntProgress(value=0, min=0, max=1, description="computing",
                                      layout=W.Layout(width="100%", visibility="hidden"))
        self.progress.add_class("ntkviz-progress")
        self.companions = self.results.companions
        if self.companions is None:
            self._progress(0, 1, "group-CNN width, Props.")
            self.companions = eq.companions()
            self._progress(1, 1)
        self.kernel_boxes = {
            key: W.Checkbox(value=key in self._selected, description=eq.KERNEL_LABELS[key],
                            indent=False, layout=W.Layout(width="100%"))
            for key in self.keys}
        for key, box in self.kernel_boxes.items():
            box.add_class("ntkviz-kernel-toggle")
            box.add_class(f"ntkviz-show-{key.replace('_', '-')}")
            box.observe(self._on_box, names="value")
        super().__init__(**initial)
        for buttons in (self.mode_buttons, self.kind_buttons):
            buttons.style.button_width = "170px"

    @property
    def n_trains(self) -> tuple:
        """The training-set sizes of the results (the ``n_train`` slider's options)."""
        return self.results.config.n_train

    # --- public -------------------------------------------------------------------------------
    def set(self, shown=None, **changes) -> bool:
        """Move to a new setting (controls follow); returns whether it succeeded. ``mode``,
        ``kind``, ``shown``, ``n_train`` as in the constructor.

        Bad values are shown in the message line, never raised: the controls and the last good
        figure stay.
        """
        before = self._selected
        try:
            if shown is not None:
                self._selected = self._check_shown(shown)
        except (TypeError, ValueError) as error:
            self.message.error(self.MESSAGE, error)
            return False
        if not super().set(**changes):
            self._selected = before
            return False
        with self._moving_controls():
            for key, box in self.kernel_boxes.items():
                box.value = key in self._selected
        return True

    def accuracy(self, key: str, n_train: int | None = None) -> float:
        """The mean test accuracy (in [0, 1]) of kernel ``key`` shown at the current mode and kind."""
        s = self.state
        return self.results.at(s["mode"], s["kind"], key, s["n_train"] if n_train is None else n_train)

    # --- the explorer's declarations ----------------------------------------------------------
    def compute(self, mode, kind, n_train) -> dict:
        return dict(mode=mode, kind=kind, shown=self._selected, n_train=n_train)

    def _plots(self, s) -> dict:
        """Panel → (figure, its ``*_update``, the arguments both take, the figure's own)."""
        r, cfg, kind = self.results, self.results.config, s["kind"]
        aug = "C4" if s["mode"] == "rot90" else f"{cfg.augment_N} angles"
        deviations = np.array([[r.deviation(s["mode"], kind, k, a) for a in cfg.angles]
                               for k in self.keys])
        return {
            "accuracy": (eq_plots.accuracy_vs_ntrain, eq_plots.accuracy_vs_ntrain_update, dict(
                n_train=cfg.n_train, curves={k: r.curve(s["mode"], kind, k) for k in self.keys},
                shown=s["shown"], current=s["n_train"],
                title=f"Test accuracy, {eq.MODE_LABELS[s['mode']]} ({kind.upper()}, "
                      f"{len(cfg.seeds)} seeds × {cfg.n_test} test digits)"),
                dict(labels=eq.KERNEL_LABELS)),
            "invariance": (eq_plots.invariance_bars, eq_plots.invariance_bars_update, dict(
                keys=self.keys, angles=cfg.angles, deviations=deviations, shown=s["shown"],
                labels=_SHORT,
                title=f"Invariance to a rotation g<sub>θ</sub> ({kind.upper()}; augmented over "
                      f"{aug})"), {}),
            "width": (plots.gcnn_error_vs_width, plots.gcnn_error_vs_width_update,
                      {name: self.companions["width"][name] for name in _WIDTH_FIELDS}, {}),
        }

    def panels(self, s) -> dict[str, go.Figure]:
        return {name: figure(**args, **own) for name, (figure, _, args, own) in self._plots(s).items()}

    def updates(self, s) -> dict[str, dict]:
        return {name: update(**args) for name, (_, update, args, _) in self._plots(s).items()}

    def below_figure(self) -> list:
        return [self.table]

    def _show(self, s) -> None:
        super()._show(s)
        table = self.companions["propositions"][s["kind"]]
        self.table.value = plots.proposition_table_html(
            table["header"], table["cells"], table["agrees"], title=_table_title(s))

    def explanation_body(self) -> str:
        return super().explanation_body() + _details_html()

    def legend_html(self) -> str:
        return _legend_html(self.keys, self.results.config.angles)

    def extra_controls(self) -> list:
        return [W.HTML("<b>kernels shown</b>"), *self.kernel_boxes.values(), self.progress]

    def finish_figure(self, fig, slices, axes) -> None:
        x, y = (name.replace("axis", "") for name in axes["accuracy"])
        fig.add_shape(type="line", xref=f"{x} domain", x0=0, x1=1, yref=y, y0=10.0, y1=10.0,
                      line=dict(color="#999", width=1, dash="dot"))
        fig.add_annotation(text="chance (1 in 10)", xref=f"{x} domain", x=1.0, xanchor="right",
                           yref=y, y=10.0, yanchor="top", showarrow=False,
                           font=dict(size=10, color="#777"))
        # one HTML legend above the figure serves every panel
        fig.update_traces(showlegend=False)
        fig.update_layout(plot_bgcolor="#ffffff", margin=dict(l=70, r=30, t=50, b=45),
                          showlegend=False, barmode="group")

    def readout_text(self, s) -> str:
        r, cfg = self.results, self.results.config
        n, i = s["n_train"], cfg.n_train.index(s["n_train"])
        rows = []
        for key in self.keys:
            mean, std = r.curve(s["mode"], s["kind"], key)
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
        return (
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
            f'data-n-train="{n}" data-shown="{",".join(s["shown"])}"></span>')

    def note(self, s) -> str:
        return "" if s["shown"] else "No kernel selected: tick one to draw its curve."

    # --- internals ----------------------------------------------------------------------------
    def _check_shown(self, shown) -> tuple:
        """The kernels ``shown`` (in the results' order), or the error naming ``shown``."""
        if isinstance(shown, str):
            shown = (shown,)
        if not hasattr(shown, "__iter__"):
            raise TypeError(f"shown must be a sequence of kernel keys, got {type(shown).__name__}")
        shown = tuple(check_choice("shown", key, self.keys) for key in shown)
        return tuple(k for k in self.keys if k in shown)

    @guarded("Could not update")
    def _on_box(self, change):
        if not self._syncing:
            self._selected = tuple(k for k, box in self.kernel_boxes.items() if box.value)
            self._throttle()

    def _progress(self, done: int, total: int, label: str = ""):
        self.progress.max = max(total, 1)
        self.progress.value = done
        self.progress.description = label[:30] if done < total else "done"
        self.progress.layout.visibility = "visible" if done < total else "hidden"


def _angle_css(angle: float) -> str:
    return f"{float(angle):g}".replace(".", "p")


def _table_title(s) -> str:
    return f"Props. 1–4 (arXiv 2412.11521, App. C) on two digits' orbits, {s['kind'].upper()}"


def _legend_html(keys, angles) -> str:
    style = plot_style
    colors = eq_plots.KERNEL_COLORS
    items = [f'<span style="color:{colors[k]}">{"━━" if k in ("gcnn", "augmented_cnn") else "╍╍"}'
             f'{style.GLYPHS[style.MARKS.get(k, "circle")]}</span> {html.escape(eq.KERNEL_LABELS[k])}'
             for k in keys]
    items.append('<span style="background:rgba(120,120,120,0.25)">&nbsp;&nbsp;&nbsp;</span> '
                 "± 1 std over seeds")
    bars = [f'<span style="color:{eq_plots.angle_color(j)}">■</span> θ = {float(a):g}°'
            for j, a in enumerate(angles)]
    ntk, nngp = style.NTK_NNGP_COLORS["ntk"], style.NTK_NNGP_COLORS["nngp"]
    width = [f'<span style="color:{ntk}">● ╌</span> NTK Θ̂ (finite width; fit dashed)',
             f'<span style="color:{nngp}">■ ─·</span> NNGP Σ̂ (finite width; fit dash-dot)',
             '<span style="color:#777">┈┈</span> slope −1/2']
    return ('<div class="ntkviz-legend">' + " &nbsp;·&nbsp; ".join(items) + "<br>invariance bars: "
            + " &nbsp;·&nbsp; ".join(bars) + " &nbsp;(dotted: round-off level 1e-10)<br>width panel: "
            + " &nbsp;·&nbsp; ".join(width) + "</div>")


def _details_html() -> str:
    return (
        '<p>Kernel regression (GP posterior mean, one-hot targets) on MNIST '
        "digits at 14×14, every training and test digit rotated at random. The C4 group CNN (green) "
        "is exactly invariant to quarter turns (its 90° bar sits at round-off), so on 90°-rotated "
        "digits it sees every digit as if upright; its matching plain CNN (same layer, global average "
        "pooling, purple) is not. With continuous angles no kernel on the pixel grid is exactly "
        "invariant (the 30° and 45° bars). Pooled one-layer kernels keep only which 3×3 patches occur, "
        "not where, so the augmented flatten CNN (orbit average, cyan) can still be the most "
        "accurate: compare the curves.</p>"
    )
