"""``WidthExplorer``: random finite networks scatter around the infinite-width NTK, and the
scatter shrinks like ``1/√width`` (arXiv 1806.07572, Fig. 1; arXiv 2406.06504, Fig. 1;
docs/theory.md#the-empirical-ntk-and-width).

Controls: the width (a selection slider over the sweep's widths), the depth (hidden layers) and
the activation. One ``FigureWidget`` holds both panels (``compose_subplots``): the NTK curves
``Θ(x0, x(γ))`` at the current width and the relative error against width on log-log axes.

With the default widths and seeds every depth (1..4) and activation is shipped precomputed
(``experiments.width.load_precomputed``, written by ``ntkviz precompute --only width``), so
construction (~0.1–0.4 s, mostly building the figure) and every move of the controls are
instant, with no network computed. Other widths or seeds compute: a new (depth, activation)
then costs one compilation per width and ``len(widths) · len(seeds)`` networks (seconds to tens
of seconds); the curves at the current width are drawn first, then the sweep runs with a
progress bar. Everything is cached in ``experiments.width``, so moving back to a computed
setting, or along the widths of a computed sweep, is instant.
A failure never reaches the page: the message is shown in place and the last good figure stays.
"""

from __future__ import annotations

import ipywidgets as W
import plotly.graph_objects as go

from .. import plots
from .._validate import check_choice, check_int
from ..experiments import width as core
from ..plots.width import error_vs_width, error_vs_width_update, ntk_curves, ntk_curves_update
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

__all__ = ["WidthExplorer"]

#: Panel name → (row, column) in the explorer's figure.
PANELS = {"curves": (1, 1), "errors": (1, 2)}
#: Depths offered by the slider (compile time and memory grow with depth).
DEPTHS = (1, 4)


def _legend_html() -> str:
    c = plots.COLORS
    items = [
        (f'<span style="color:{c["missing"]}; font-weight:bold">━</span>', "infinite-width NTK Θ (deterministic)"),
        ('<span style="color:rgba(255,127,14,0.8)">─ ●</span>', "finite networks Θ̂, one per seed"),
        (f'<span style="color:{c["missing"]}">●─</span>', "mean relative error over seeds"),
        (f'<span style="color:{c["A"]}">╌</span>', "fitted power law"),
        ('<span style="color:#777">┈</span>', "slope −1/2 reference"),
        (f'<span style="color:{c["accent"]}">◆</span>', "current width"),
    ]
    return '<div class="ntkviz-legend">' + " &nbsp;·&nbsp; ".join(f"{m} {t}" for m, t in items) + "</div>"


class WidthExplorer(Explorer):
    """Interactive comparison of finite-width empirical NTKs with the infinite-width NTK.

    Parameters
    ----------
    depth : hidden layers (1..4);  width : initial width (one of ``widths``)
    activation : ``"relu"`` or ``"erf"``
    widths : the widths of the sweep and of the width slider (default ``experiments.width.WIDTHS``)
    seeds : the random initialisations (default ten, ``experiments.width.SEEDS``)

    Attributes
    ----------
    widget : the top-level ipywidgets container;  state : the ``WidthState`` shown
    figure : the ``FigureWidget`` with the panels ``"curves"`` and ``"errors"`` (``traces(name)``)
    """

    PANELS = PANELS

    def __init__(self, depth: int = 4, width: int = 500, activation: str = "relu", *,
                 widths=core.WIDTHS, seeds=core.SEEDS):
        self.widths = tuple(sorted(set(core.PARAMS["widths"].check(widths))))
        self.seeds = core.PARAMS["seeds"].check(seeds)
        self.progress = W.IntProgress(value=0, min=0, max=1, description="computing",
                                      layout=W.Layout(width="420px", visibility="hidden"))
        self.progress.add_class("ntkviz-progress")
        depth, width, activation = self._check(depth, width, activation)
        self.state = self._compute(depth, width, activation)
        self._throttle = Throttle(self._apply_controls)
        slider = dict(continuous_update=True, style={"description_width": "110px"},
                      layout=W.Layout(width="420px"))
        self.width_slider = W.SelectionSlider(options=list(self.widths), value=width,
                                              description="width n", **slider)
        # A new depth computes a whole sweep: only where the drag ends, not at every depth passed.
        self.depth_slider = W.IntSlider(value=depth, min=DEPTHS[0], max=DEPTHS[1], step=1,
                                        description="depth (hidden layers)",
                                        **{**slider, "continuous_update": False})
        self.activation_dropdown = W.Dropdown(options=list(core.ACTIVATIONS), value=activation,
                                              description="activation φ",
                                              style={"description_width": "110px"})
        self.readout = W.HTML(layout=W.Layout(min_width="460px"))
        self.message = MessageLine()
        self.figure = self._build_figure(self.state)
        for control, css in ((self.width_slider, "ntkviz-width"), (self.depth_slider, "ntkviz-depth"),
                             (self.activation_dropdown, "ntkviz-activation")):
            control.add_class(css)
            control.observe(self._on_control, names="value")
        self.width_slider.add_class("ntkviz-slider")
        self.depth_slider.add_class("ntkviz-slider")
        self._show_readout(self.state)
        self.widget = W.VBox([
            W.HTML(STYLE),
            W.HBox([W.VBox([self.width_slider, self.depth_slider, self.activation_dropdown, self.progress]),
                    W.VBox([self.readout, self.message.widget])]),
            W.HTML(_legend_html()),
            self.figure,
        ])
        self.widget.add_class("ntkviz-width-explorer")

    # --- public -------------------------------------------------------------------------------
    def set(self, width: int | None = None, depth: int | None = None,
            activation: str | None = None) -> bool:
        """Move to a new setting (controls follow); returns whether it succeeded.

        Bad values are reported in the message line, never raised; the last good figure stays.
        """
        ok = self._update(self.state.width if width is None else width,
                          self.state.depth if depth is None else depth,
                          self.state.activation if activation is None else activation)
        if ok:
            self._sync_controls()
        return ok

    # --- internals ----------------------------------------------------------------------------
    def _check(self, depth, width, activation):
        depth = check_int("depth", depth, minimum=DEPTHS[0], maximum=DEPTHS[1])
        width = check_int("width", width, minimum=1)
        if width not in self.widths:
            allowed = ", ".join(str(w) for w in self.widths)
            raise ValueError(f"width must be one of {allowed}; got {width}")
        check_choice("activation", activation, core.ACTIVATIONS)
        return depth, width, activation

    @guarded("Could not update")
    def _on_control(self, change):
        if not self._syncing:
            self._throttle()

    @guarded("Could not update")
    def _apply_controls(self):
        self._update(self.width_slider.value, self.depth_slider.value, self.activation_dropdown.value)

    def _sync_controls(self):
        with self._moving_controls():
            self.width_slider.value = self.state.width
            self.depth_slider.value = self.state.depth
            self.activation_dropdown.value = self.state.activation

    def _report(self, done: int, total: int):
        self.progress.max = max(total, 1)
        self.progress.value = done

    def _compute(self, depth, width, activation, draw_curves=None) -> core.WidthState:
        """The state, computing the current width's networks first (drawn at once through
        ``draw_curves`` when given) and then the sweep, with the progress bar visible."""
        if core.is_precomputed(depth, activation, self.widths, self.seeds):  # read, not computed
            return core.width_state(depth, width, activation, widths=self.widths, seeds=self.seeds)
        self.progress.layout.visibility = "visible"
        try:
            if draw_curves is not None:
                gammas = core.GAMMAS
                theta = core.analytic_theta(gammas, depth, activation)
                thetas = core.empirical_thetas(gammas, depth, width, self.seeds, activation)
                draw_curves(gammas, theta, thetas, width, depth, activation)
            return core.width_state(depth, width, activation, widths=self.widths, seeds=self.seeds,
                                    progress=self._report)
        finally:
            self.progress.layout.visibility = "hidden"

    def _update(self, width, depth, activation) -> bool:
        try:
            depth, width, activation = self._check(depth, width, activation)
        except Exception as error:
            self.message.error("Could not update", error)
            return False
        try:
            state = self._compute(depth, width, activation, self._draw_curves)
            self._redraw(state)
        except Exception as error:  # a widget never raises into the page
            self.message.error("Could not update", error)
            try:  # the curves may have been drawn ahead: back to the last good state
                self._redraw(self.state)
            except Exception:
                pass
            return False
        self.state = state
        self._show_readout(state)
        self.message.show("")
        return True

    def _draw_curves(self, gammas, theta, thetas, width, depth, activation):
        update = ntk_curves_update(gammas, theta, thetas, width, depth, activation, self.seeds)
        write_panel_update(self.figure, self._slices, self._axes, {"curves": 0}, {"curves": update})

    @staticmethod
    def _panels(state) -> dict[str, go.Figure]:
        sweep = state.sweep
        return {
            "curves": ntk_curves(state.gammas, state.theta, state.thetas, state.width, state.depth,
                                 state.activation, state.seeds),
            "errors": error_vs_width(sweep.widths, sweep.errors, sweep.slope, sweep.intercept,
                                     state.width, state.errors, state.depth, state.activation),
        }

    @staticmethod
    def _updates(state) -> dict[str, dict]:
        sweep = state.sweep
        return {
            "curves": ntk_curves_update(state.gammas, state.theta, state.thetas, state.width,
                                        state.depth, state.activation, state.seeds),
            "errors": error_vs_width_update(sweep.widths, sweep.errors, sweep.slope, sweep.intercept,
                                            state.width, state.errors, state.depth, state.activation),
        }

    def _build_figure(self, state) -> go.FigureWidget:
        figure, self._slices, self._axes = compose_subplots(
            self._panels(state), PANELS, rows=1, cols=2, height=520, width=1180,
            horizontal_spacing=0.1, finish=_finish_figure)
        return figure

    def _redraw(self, state):
        titles = {key: i for i, key in enumerate(PANELS)}
        write_panel_update(self.figure, self._slices, self._axes, titles, self._updates(state))

    def _show_readout(self, state):
        self.readout.value = (
            '<div class="ntkviz-readout">'
            f"Mean relative error ‖Θ̂ − Θ‖/‖Θ‖ at width {state.width} = "
            f"{value_span('ntkviz-mean-error', state.mean_error)}<br>"
            f"Spread over {len(state.seeds)} seeds (standard deviation) = "
            f"{value_span('ntkviz-spread', state.spread)}<br>"
            f"Fitted log-log slope = {value_span('ntkviz-slope', state.slope)} (expected −1/2)"
            f'<span class="ntkviz-setting" data-width="{state.width}" data-depth="{state.depth}" '
            f'data-activation="{state.activation}"></span>'
            "</div>"
        )


def _finish_figure(fig, slices, axes):
    fig.update_traces(showlegend=False)
    fig.update_layout(showlegend=False, margin=dict(l=60, r=30, t=60, b=60))
    fig.update_annotations(font_size=12)
