"""``CircleExplorer``: the paper's toy model with live sliders for δ, N and ℓ
(docs/theory.md#the-circle-pair, docs/theory.md#the-spectral-error).

Every slider move recomputes ``experiments.circle`` (cached) and writes the new data of the six
panels into the one figure (``widgets.explorer``).
"""

from __future__ import annotations

import plotly.graph_objects as go

from .. import plots
from ..experiments import circle
from .display import value_span
from .explanations import EXPLANATIONS
from .explorer import Control, Explorer

__all__ = ["CircleExplorer"]

#: δ values of the ε-against-δ curve (the current δ is added to them); denser near 0, where ε
#: falls fastest.
DELTA_GRID = (0.0, 0.05, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.75, 1.0, 1.25, 1.5, 1.75, 2.0, 2.5, 3.0)
#: N values of the ε-against-N curve (the current N is added to them).
N_GRID = (2, 3, 4, 5, 6, 8, 10, 12, 14, 16, 20, 24, 28, 32, 40, 48, 56, 64)
_C = plots.COLORS


class CircleExplorer(Explorer):
    """Interactive explorer of the circle toy model: orbits, K, inverse spectrum, posterior, ε.

    Parameters
    ----------
    delta, N, length_scale : initial orbit separation δ, orbit size N and RBF length scale ℓ

    Attributes
    ----------
    widget : the top-level ipywidgets container (display it, or put it in a Tab)
    state : the ``CircleState`` currently shown;  figure : the ``go.Figure`` with six panels
    (``traces(name)`` gives the traces of one panel, names as in ``PANELS``)
    """

    CONTROLS = (
        Control("delta", circle.PARAMS["delta"], "ntkviz-delta", "delta_slider"),
        Control("N", circle.PARAMS["N"], "ntkviz-N", "N_slider"),
        Control("length_scale", circle.PARAMS["length_scale"], "ntkviz-length-scale",
                "length_slider"),
    )
    # row by row; the inverse spectrum (Eq. 7) first, so it shows beside the controls
    PANELS = {"spectrum": (1, 1), "posterior": (1, 2), "orbits": (2, 1), "kernel": (2, 2),
              "vs_delta": (3, 1), "vs_N": (3, 2)}
    FIGURE = dict(rows=3, cols=2, height=1350, horizontal_spacing=0.1, vertical_spacing=0.09)
    MAIN_PANEL = "spectrum"
    EXPLANATION = EXPLANATIONS["circle"]
    LEGEND = (
        (f'<span style="color:{_C["A"]}">● ━</span>', "orbit A, label y = +1 (circles, solid)"),
        (f'<span style="color:{_C["B"]}">■ ╍</span>', "orbit B, label y = −1 (squares, dashed)"),
        (f'<span style="color:{_C["missing"]}">◇ ○</span>',
         "the left-out point A₀ and its true label"),
        (f'<span style="color:{_C["accent"]}">★</span>',
         "prediction ŷ₀ / label frequency f = N / current setting"),
        (f'<span style="background:{plots.style.FILLS["area"]}">&nbsp;&nbsp;&nbsp;</span>',
         "area under 1/λ<sub>f</sub>"),
        (f'<span style="background:{plots.style.FILLS["rectangle"]}">&nbsp;&nbsp;&nbsp;</span>',
         "rectangle of height 1/λ<sub>N</sub>: ε = rectangle / area (Eq. 7)"),
    )
    CSS = "ntkviz-circle-explorer"

    def __init__(self, delta: float = 1.0, N: int = 8, length_scale: float = 1.0):
        super().__init__(delta=delta, N=N, length_scale=length_scale)

    def compute(self, delta, N, length_scale):
        state = circle.circle_state(N, delta, length_scale)
        self._deltas = tuple(sorted(set(DELTA_GRID) | {state.delta}))
        self._Ns = tuple(sorted(set(N_GRID) | {state.N}))
        self._sweeps = (circle.error_vs_delta(state.N, state.length_scale, self._deltas),
                        circle.error_vs_N(state.delta, state.length_scale, self._Ns))
        return state

    def panels(self, s) -> dict[str, go.Figure]:
        eps_d, eps_N = self._sweeps
        return {
            "orbits": plots.orbits_3d(s.X, s.y, missing=0),
            "kernel": plots.kernel_heatmap(s.K, _kernel_title(s)),
            "spectrum": plots.inverse_spectrum(s.lam, s.N, s.eps_spectral),
            "posterior": plots.posterior_ring(s.ring_angles, s.ring_mean_A, s.ring_mean_B,
                                              s.X, s.y, s.loo_prediction),
            "vs_delta": plots.error_curve(self._deltas, eps_d, s.delta, "δ", s.eps_spectral,
                                          title=_delta_title(s)),
            "vs_N": plots.error_curve(self._Ns, eps_N, s.N, "N", s.eps_spectral,
                                      title=_N_title(s)),
        }

    def updates(self, s) -> dict[str, dict]:
        eps_d, eps_N = self._sweeps
        return {
            "orbits": plots.orbits_3d_update(s.X, s.y, missing=0),
            "kernel": plots.kernel_heatmap_update(s.K, _kernel_title(s)),
            "spectrum": plots.inverse_spectrum_update(s.lam, s.N, s.eps_spectral),
            "posterior": plots.posterior_ring_update(s.ring_angles, s.ring_mean_A, s.ring_mean_B,
                                                     s.X, s.y, s.loo_prediction),
            "vs_delta": plots.error_curve_update(self._deltas, eps_d, s.delta, "δ",
                                                 s.eps_spectral, title=_delta_title(s)),
            "vs_N": plots.error_curve_update(self._Ns, eps_N, s.N, "N", s.eps_spectral,
                                             title=_N_title(s)),
        }

    def readout_text(self, s) -> str:
        return (
            f"Exact leave-one-out error |ŷ₀ − y₀| = {value_span('ntkviz-loo', s.loo_error)}<br>"
            f"Spectral error ε = λ<sub>N</sub>⁻¹/⟨λ⁻¹⟩ = {value_span('ntkviz-eps', s.eps_spectral)}"
            f"<br>Prediction ŷ₀ = {value_span('ntkviz-prediction', s.loo_prediction)} "
            f"(true label y₀ = +1; Eq. 7: ŷ₀ = 1 − ε)"
            f'<span class="ntkviz-setting" data-delta="{s.delta!r}" data-n="{s.N}" '
            f'data-length-scale="{s.length_scale!r}"></span>')

    def note(self, s) -> str:
        return s.note

    def finish_figure(self, fig, slices, axes) -> None:
        super().finish_figure(fig, slices, axes)
        fig.update_traces(selector=dict(type="heatmap"), colorbar=dict(x=1.0, y=0.5, len=0.3))


def _kernel_title(state) -> str:
    return f"RBF kernel K (ℓ = {state.length_scale:.3g}), 2N = {2 * state.N} points: circulant"


def _delta_title(state) -> str:
    return f"ε against δ (N = {state.N}, ℓ = {state.length_scale:.3g})"


def _N_title(state) -> str:
    return f"ε against N (δ = {state.delta:.3g}, ℓ = {state.length_scale:.3g})"
