"""``WidthExplorer``: random finite networks scatter around the infinite-width NTK, and the
scatter shrinks like ``1/√width`` (arXiv 1806.07572, Fig. 1; arXiv 2406.06504, Fig. 1;
docs/theory.md#the-empirical-ntk-and-width).

Controls: the width (a selection slider over the sweep's widths), the depth (hidden layers) and
the activation. Two panels (``widgets.explorer``): the NTK curves ``Θ(x0, x(γ))`` at the
current width and the relative error against width on log-log axes.

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

import contextlib

import ipywidgets as W
import plotly.graph_objects as go

from .. import plots
from ..experiments import width as core
from ..plots.width import error_vs_width, error_vs_width_update, ntk_curves, ntk_curves_update
from .display import value_span
from .explanations import EXPLANATIONS
from .explorer import Control, Explorer

__all__ = ["WidthExplorer"]

#: Panel name → (row, column) in the explorer's figure.
PANELS = {"curves": (1, 1), "errors": (1, 2)}
_P = core.PARAMS
#: Depths offered by the slider (compile time and memory grow with depth).
DEPTHS = _P["depth"].slider[:2]
_C = plots.COLORS


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
    figure : the ``go.Figure`` with the panels ``"curves"`` and ``"errors"`` (``traces(name)``)
    """

    CONTROLS = (
        Control("width", _P["width"], "ntkviz-width", "width_slider", options="widths"),
        # A new depth computes a whole sweep: only where the drag ends, not at every depth passed.
        Control("depth", _P["depth"], "ntkviz-depth", "depth_slider", continuous=False),
        Control("activation", _P["activation"], "ntkviz-activation", "activation_dropdown"),
    )
    PANELS = PANELS
    FIGURE = dict(rows=1, cols=2, height=520, horizontal_spacing=0.1)
    LEGEND = (
        (f'<span style="color:{_C["missing"]}; font-weight:bold">━</span>',
         "infinite-width NTK Θ (deterministic)"),
        (f'<span style="color:{_C["accent"]}">─ ●</span>', "finite networks Θ̂, one per seed"),
        (f'<span style="color:{_C["missing"]}">●─</span>', "mean relative error over seeds"),
        (f'<span style="color:{_C["A"]}">╌</span>', "fitted power law"),
        ('<span style="color:#777">┈</span>', "slope −1/2 reference"),
        (f'<span style="color:{_C["accent"]}">◆</span>', "current width"),
    )
    MAIN_PANEL = "curves"
    EXPLANATION = EXPLANATIONS["width"]
    CSS = "ntkviz-width-explorer"

    def __init__(self, depth: int = 4, width: int = 500, activation: str = "relu", *,
                 widths=core.WIDTHS, seeds=core.SEEDS):
        self.widths = tuple(sorted(set(_P["widths"].check(widths))))
        self.seeds = _P["seeds"].check(seeds)
        self.progress = W.IntProgress(value=0, min=0, max=1, description="computing",
                                      layout=W.Layout(width="100%", visibility="hidden"))
        self.progress.add_class("ntkviz-progress")
        width_control, depth_control, _ = self.CONTROLS  # checked as the controls show them
        super().__init__(depth=depth_control.check(depth),
                         width=width_control.check(width, self.widths), activation=activation)

    def compute(self, width, depth, activation) -> core.WidthState:
        """The state; a sweep not shipped is computed with the progress bar visible, after the
        curves at the current width are drawn (once the figure exists)."""
        if core.is_precomputed(depth, activation, self.widths, self.seeds):  # read, not computed
            return core.width_state(depth, width, activation, widths=self.widths, seeds=self.seeds)
        self.progress.layout.visibility = "visible"
        try:
            if hasattr(self, "figure"):
                gammas = core.GAMMAS
                theta = core.analytic_theta(gammas, depth, activation)
                thetas = core.empirical_thetas(gammas, depth, width, self.seeds, activation)
                self._draw({"curves": ntk_curves_update(gammas, theta, thetas, width, depth,
                                                        activation, self.seeds)})
            return core.width_state(depth, width, activation, widths=self.widths, seeds=self.seeds,
                                    progress=self._report)
        finally:
            self.progress.layout.visibility = "hidden"

    def panels(self, state) -> dict[str, go.Figure]:
        sweep = state.sweep
        return {
            "curves": ntk_curves(state.gammas, state.theta, state.thetas, state.width, state.depth,
                                 state.activation, state.seeds),
            "errors": error_vs_width(sweep.widths, sweep.errors, sweep.slope, sweep.intercept,
                                     state.width, state.errors, state.depth, state.activation),
        }

    def updates(self, state) -> dict[str, dict]:
        sweep = state.sweep
        return {
            "curves": ntk_curves_update(state.gammas, state.theta, state.thetas, state.width,
                                        state.depth, state.activation, state.seeds),
            "errors": error_vs_width_update(sweep.widths, sweep.errors, sweep.slope,
                                            sweep.intercept, state.width, state.errors,
                                            state.depth, state.activation),
        }

    def readout_text(self, state) -> str:
        return (
            f"Mean relative error ‖Θ̂ − Θ‖/‖Θ‖ at width {state.width} = "
            f"{value_span('ntkviz-mean-error', state.mean_error)}<br>"
            f"Spread over {len(state.seeds)} seeds (standard deviation) = "
            f"{value_span('ntkviz-spread', state.spread)}<br>"
            f"Fitted log-log slope = {value_span('ntkviz-slope', state.slope)} (expected −1/2)"
            f'<span class="ntkviz-setting" data-width="{state.width}" data-depth="{state.depth}" '
            f'data-activation="{state.activation}"></span>')

    def extra_controls(self) -> list:
        return [self.progress]

    def finish_figure(self, fig, slices, axes) -> None:
        super().finish_figure(fig, slices, axes)
        fig.update_layout(margin=dict(l=60, r=30, t=60, b=60))
        fig.update_annotations(font_size=12)

    # --- internals ----------------------------------------------------------------------------
    def _update(self, values: dict) -> bool:
        if super()._update(values):
            return True
        with contextlib.suppress(Exception):  # curves may have been drawn ahead: the last good
            self._draw(self.updates(self.state))
        return False

    def _report(self, done: int, total: int):
        self.progress.max = max(total, 1)
        self.progress.value = done
