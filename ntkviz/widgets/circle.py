"""``CircleExplorer``: the paper's toy model with live sliders for δ, N and ℓ
(docs/theory.md#the-circle-pair, docs/theory.md#the-spectral-error).

Every slider move recomputes ``experiments.circle`` (cached) and writes the new data into one
plotly ``FigureWidget`` in place, inside one ``batch_update``. The six panels are the figures of
``ntkviz.plots`` composed as subplots of that one widget: each FigureWidget front end loads the
whole plotly bundle before it accepts updates, which on a slow machine took more than 25 s for
the sixth of six separate widgets (their updates were silently lost until then).
Sliders update while they are dragged; redraws are throttled (at most one per
``THROTTLE_SECONDS``, always ending on the latest value), so a fast drag never queues a backlog.
A failure never reaches the page: the message is shown in place and the last good figures stay.
"""

from __future__ import annotations

import ipywidgets as W
import plotly.graph_objects as go

from .. import plots
from .._validate import check_int, check_real
from ..experiments import circle
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

__all__ = ["CircleExplorer"]

#: δ values of the ε-against-δ curve (the current δ is added to them); denser near 0, where ε
#: falls fastest.
DELTA_GRID = (0.0, 0.05, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.75, 1.0, 1.25, 1.5, 1.75, 2.0, 2.5, 3.0)
#: N values of the ε-against-N curve (the current N is added to them).
N_GRID = (2, 3, 4, 5, 6, 8, 10, 12, 14, 16, 20, 24, 28, 32, 40, 48, 56, 64)
#: Panel name → (row, column) in the explorer's figure.
PANELS = {"orbits": (1, 1), "kernel": (1, 2), "spectrum": (2, 1), "posterior": (2, 2),
          "vs_delta": (3, 1), "vs_N": (3, 2)}

def _legend_html() -> str:
    """One legend for all panels (the subplots share colours, so per-panel legends repeat)."""
    c = plots.COLORS
    items = [
        (f'<span style="color:{c["A"]}">●</span>', "orbit A, label y = +1"),
        (f'<span style="color:{c["B"]}">●</span>', "orbit B, label y = −1"),
        (f'<span style="color:{c["missing"]}">◇ ○</span>', "the left-out point A₀ and its true label"),
        (f'<span style="color:{c["accent"]}">★</span>', "prediction ŷ₀ / label frequency f = N / current setting"),
        ('<span style="background:rgba(31,119,180,0.25)">&nbsp;&nbsp;&nbsp;</span>', "area under 1/λ<sub>f</sub>"),
        ('<span style="background:rgba(255,127,14,0.30)">&nbsp;&nbsp;&nbsp;</span>', "rectangle of height 1/λ<sub>N</sub>: ε = rectangle / area (Eq. 7)"),
    ]
    return '<div class="ntkviz-legend">' + " &nbsp;·&nbsp; ".join(f"{m} {t}" for m, t in items) + "</div>"


class CircleExplorer(Explorer):
    """Interactive explorer of the circle toy model: orbits, K, inverse spectrum, posterior, ε.

    Parameters
    ----------
    delta, N, length_scale : initial orbit separation δ, orbit size N and RBF length scale ℓ

    Attributes
    ----------
    widget : the top-level ipywidgets container (display it, or put it in a Tab)
    state : the ``CircleState`` currently shown;  figure : the ``FigureWidget`` with six panels
    (``traces(name)`` gives the traces of one panel, names as in ``PANELS``)
    """

    PANELS = PANELS

    def __init__(self, delta: float = 1.0, N: int = 8, length_scale: float = 1.0):
        self.state = circle.circle_state(N, delta, length_scale)
        self._throttle = Throttle(self._apply_sliders)
        slider = dict(continuous_update=True, style={"description_width": "90px"},
                      layout=W.Layout(width="420px"))
        self.delta_slider = W.FloatSlider(value=delta, min=0.0, max=3.0, step=0.05,
                                          description="δ (separation)", readout_format=".2f", **slider)
        self.N_slider = W.IntSlider(value=N, min=2, max=64, step=1, description="N (orbit size)", **slider)
        self.length_slider = W.FloatLogSlider(value=length_scale, base=10, min=-1.3, max=0.7, step=0.01,
                                              description="ℓ (length scale)", readout_format=".3g", **slider)
        self.readout = W.HTML(layout=W.Layout(min_width="420px"))
        self.message = MessageLine()
        self.figure = self._build_figure(self.state)
        for s in (self.delta_slider, self.N_slider, self.length_slider):
            s.add_class("ntkviz-slider")
            s.observe(self._on_slider, names="value")
        self.delta_slider.add_class("ntkviz-delta")
        self.N_slider.add_class("ntkviz-N")
        self.length_slider.add_class("ntkviz-length-scale")
        self._show_readout(self.state)
        self.widget = W.VBox(
            [
                W.HTML(STYLE),
                W.HBox([W.VBox([self.delta_slider, self.N_slider, self.length_slider]),
                        W.VBox([self.readout, self.message.widget])]),
                W.HTML(_legend_html()),
                self.figure,
            ]
        )
        self.widget.add_class("ntkviz-circle-explorer")

    # --- public -------------------------------------------------------------------------------
    def set(self, delta: float | None = None, N: int | None = None,
            length_scale: float | None = None) -> bool:
        """Move to a new setting (sliders follow); returns whether it succeeded.

        Bad values are reported in the message widget, never raised: the sliders and the last
        good figures stay.
        """
        target = (
            self.state.delta if delta is None else delta,
            self.state.N if N is None else N,
            self.state.length_scale if length_scale is None else length_scale,
        )
        try:  # only what the sliders can show, so the controls always tell the truth
            _check_in_range(target, self.delta_slider, self.N_slider, self.length_slider)
        except (TypeError, ValueError) as error:
            self.message.error("Could not update", error)
            return False
        ok = self._update(*target)
        if ok:
            self._sync_sliders()
        return ok

    # --- internals ----------------------------------------------------------------------------
    @guarded("Could not update")
    def _on_slider(self, change):
        if not self._syncing:
            self._throttle()

    @guarded("Could not update")
    def _apply_sliders(self):
        self._update(self.delta_slider.value, self.N_slider.value, self.length_slider.value)

    def _sync_sliders(self):
        with self._moving_controls():
            self.delta_slider.value = self.state.delta
            self.N_slider.value = self.state.N
            self.length_slider.value = self.state.length_scale

    def _update(self, delta, N, length_scale) -> bool:
        try:
            state = circle.circle_state(N, delta, length_scale)
            sweeps = self._sweeps(state)
            self._redraw(state, *sweeps)
        except Exception as error:  # a widget never raises into the page
            self.message.error("Could not update", error)
            return False
        self.state = state
        self._show_readout(state)
        self.message.show(state.note)
        return True

    @staticmethod
    def _sweeps(state):
        deltas = tuple(sorted(set(DELTA_GRID) | {state.delta}))
        Ns = tuple(sorted(set(N_GRID) | {state.N}))
        return (deltas, circle.error_vs_delta(state.N, state.length_scale, deltas),
                Ns, circle.error_vs_N(state.delta, state.length_scale, Ns))

    @staticmethod
    def _panels(state, deltas, eps_d, Ns, eps_N) -> dict[str, go.Figure]:
        return {
            "orbits": plots.orbits_3d(state.X, state.y, missing=0),
            "kernel": plots.kernel_heatmap(state.K, _kernel_title(state)),
            "spectrum": plots.inverse_spectrum(state.lam, state.N, state.eps_spectral),
            "posterior": plots.posterior_ring(state.ring_angles, state.ring_mean_A, state.ring_mean_B,
                                              state.X, state.y, state.loo_prediction),
            "vs_delta": plots.error_curve(deltas, eps_d, state.delta, "δ", state.eps_spectral,
                                          title=_delta_title(state)),
            "vs_N": plots.error_curve(Ns, eps_N, state.N, "N", state.eps_spectral, title=_N_title(state)),
        }

    def _build_figure(self, state) -> go.FigureWidget:
        """Compose the six ``plots`` figures as subplots of one figure (traces, axes, titles)."""
        panels = self._panels(state, *self._sweeps(state))
        specs = [[{"type": "scene"}, {"type": "xy"}], [{"type": "xy"}] * 2, [{"type": "xy"}] * 2]
        fig, self._slices, self._axes = compose_subplots(
            panels, PANELS, rows=3, cols=2, specs=specs, height=1350, width=1180,
            horizontal_spacing=0.1, vertical_spacing=0.09, finish=_finish_figure)
        return fig

    @staticmethod
    def _updates(state, deltas, eps_d, Ns, eps_N) -> dict[str, dict]:
        return {
            "orbits": plots.orbits_3d_update(state.X, state.y, missing=0),
            "kernel": plots.kernel_heatmap_update(state.K, _kernel_title(state)),
            "spectrum": plots.inverse_spectrum_update(state.lam, state.N, state.eps_spectral),
            "posterior": plots.posterior_ring_update(state.ring_angles, state.ring_mean_A,
                                                     state.ring_mean_B, state.X, state.y,
                                                     state.loo_prediction),
            "vs_delta": plots.error_curve_update(deltas, eps_d, state.delta, "δ", state.eps_spectral,
                                                 title=_delta_title(state)),
            "vs_N": plots.error_curve_update(Ns, eps_N, state.N, "N", state.eps_spectral,
                                             title=_N_title(state)),
        }

    def _redraw(self, state, deltas, eps_d, Ns, eps_N):
        """Write the new data into the one FigureWidget: a single batched message."""
        titles = {key: i for i, key in enumerate(PANELS)}
        write_panel_update(self.figure, self._slices, self._axes, titles,
                           self._updates(state, deltas, eps_d, Ns, eps_N))

    def _show_readout(self, state):
        self.readout.value = (
            '<div class="ntkviz-readout">'
            f"Exact leave-one-out error |ŷ₀ − y₀| = {value_span('ntkviz-loo', state.loo_error)}<br>"
            f"Spectral error ε = λ<sub>N</sub>⁻¹/⟨λ⁻¹⟩ = {value_span('ntkviz-eps', state.eps_spectral)}<br>"
            f"Prediction ŷ₀ = {value_span('ntkviz-prediction', state.loo_prediction)} "
            f"(true label y₀ = +1; Eq. 7: ŷ₀ = 1 − ε)"
            f'<span class="ntkviz-setting" data-delta="{state.delta!r}" data-n="{state.N}" '
            f'data-length-scale="{state.length_scale!r}"></span>'
            "</div>"
        )



def _check_in_range(target, delta_slider, N_slider, length_slider):
    """Raise unless (δ, N, ℓ) lie in the sliders' ranges (ℓ's log ends with 1 % leeway, so
    the round values 0.05 and 5 of the exercises pass)."""
    delta, N, length_scale = target
    check_real("delta", delta, minimum=delta_slider.min, maximum=delta_slider.max)
    check_int("N", N, minimum=N_slider.min, maximum=N_slider.max)
    base = length_slider.base
    check_real("length_scale", length_scale, minimum=round(base ** length_slider.min / 1.01, 4),
               maximum=round(base ** length_slider.max * 1.01, 4))


def _finish_figure(fig, slices, axes):
    fig.update_traces(showlegend=False)
    fig.update_traces(selector=dict(type="heatmap"), colorbar=dict(x=1.0, y=0.86, len=0.3))
    fig.update_layout(showlegend=False, margin=dict(l=60, r=40, t=40, b=50))


def _kernel_title(state) -> str:
    return f"RBF kernel K (ℓ = {state.length_scale:.3g}), 2N = {2 * state.N} points: circulant"


def _delta_title(state) -> str:
    return f"ε against δ (N = {state.N}, ℓ = {state.length_scale:.3g})"


def _N_title(state) -> str:
    return f"ε against N (δ = {state.delta:.3g}, ℓ = {state.length_scale:.3g})"
