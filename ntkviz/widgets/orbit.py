"""``OrbitExplorer``: two MNIST digits, their orbits and an architecture's kernel, live
(arXiv 2412.11521, Sec. 3.3 and 3.5, Fig. 4A–C; docs/theory.md#circularisation).

Controls pick the two seed digits (class and sample), the group action, the orbit size N, the
architecture and NTK/NNGP; every change recomputes ``experiments.orbits.orbit_pair_state``
(cached) and writes the new data into one plotly ``FigureWidget`` in place, in one
``batch_update``. Panels: the orbits as thumbnails (left-out ``A_0`` boxed), the raw kernel K
and its circularisation ``K̃`` on one colour scale, the inverse spectrum of ``K̃`` with the
Eq. 7 rectangle and area, and the spectral against the exact error. A bad setting (an N the
action does not allow) is shown in the message line; the last good figures stay.
"""

from __future__ import annotations

import ipywidgets as W
import plotly.graph_objects as go

from .. import plots
from ..datasets import ACTIONS
from ..experiments import architectures, orbits
from ..plots.orbits import kernel_titles
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

__all__ = ["OrbitExplorer", "PANELS", "ACTION_LABELS"]

#: Panel name → (row, column) in the explorer's figure (the thumbnails span both columns).
PANELS = {"thumbnails": (1, 1), "kernel": (2, 1), "circulant": (2, 2), "spectrum": (3, 1),
          "errors": (3, 2)}

#: How the actions are offered in the dropdown.
ACTION_LABELS = {
    "rotate": "rotation by 360°/N (interpolated)",
    "rot90": "quarter turns (exact, N = 2 or 4)",
    "shift": "cyclic shift along x (N divides the width)",
}


def _digit_name(d) -> str:
    return f"{d[0]} (#{d[1]})"


def _legend_html() -> str:
    c = plots.COLORS
    items = [
        (f'<span style="color:{c["A"]}">▬</span>', "orbit A, label y = +1"),
        (f'<span style="color:{c["B"]}">▬</span>', "orbit B, label y = −1"),
        (f'<span style="color:{c["missing"]}">▢</span>', "left-out A₀ (dotted: B₀, left out in turn for the exact error)"),
        ('<span style="background:rgba(31,119,180,0.25)">&nbsp;&nbsp;&nbsp;</span>', "area under 1/λ<sub>f</sub>"),
        ('<span style="background:rgba(255,127,14,0.30)">&nbsp;&nbsp;&nbsp;</span>',
         "rectangle 1/λ<sub>N</sub>: ε = rectangle / area (Eq. 7)"),
    ]
    return '<div class="ntkviz-legend">' + " &nbsp;·&nbsp; ".join(f"{m} {t}" for m, t in items) + "</div>"


class OrbitExplorer(Explorer):
    """Interactive explorer of one MNIST orbit pair: orbits, K and K̃, inverse spectrum, errors.

    Parameters
    ----------
    a, b : seed digits ``(label, sample)`` of classes A and B
    action : ``"rotate"`` | ``"rot90"`` | ``"shift"``;  N : orbit size
    architecture : a key of ``experiments.architectures.ARCHITECTURES``;  kind : ``"ntk"`` | ``"nngp"``

    Attributes
    ----------
    widget : the top-level ipywidgets container;  state : the ``OrbitPairState`` shown
    figure : the ``FigureWidget`` (``traces(name)`` and ``panel_title(name)`` per panel, names as
    in ``PANELS``);  readout : the HTML readout;  message : the message line
    """

    PANELS = PANELS

    def __init__(self, a=(3, 0), b=(8, 0), action: str = "rotate", N: int = 8,
                 architecture: str = "mlp1", kind: str = "ntk"):
        self.state = orbits.orbit_pair_state(a, b, action, N, architecture, kind)
        self._random_seed = 0
        self._listeners = []
        self._throttle = Throttle(self._apply_controls)
        s = self.state
        wide = dict(style={"description_width": "110px"}, layout=W.Layout(width="330px"))
        classes = [(str(c), c) for c in range(10)]
        self.class_a = W.Dropdown(options=classes, value=s.a[0], description="class A (y = +1)", **wide)
        self.sample_a = W.BoundedIntText(value=s.a[1], min=0, max=orbits.class_size(s.a[0]) - 1,
                                         description="sample A", **wide)
        self.class_b = W.Dropdown(options=classes, value=s.b[0], description="class B (y = −1)", **wide)
        self.sample_b = W.BoundedIntText(value=s.b[1], min=0, max=orbits.class_size(s.b[0]) - 1,
                                         description="sample B", **wide)
        self.random_button = W.Button(description="Random pair", icon="random",
                                      tooltip="two digits of two different classes")
        self.action = W.Dropdown(options=[(ACTION_LABELS[k], k) for k in ACTIONS], value=s.action,
                                 description="action", **wide)
        self.N_slider = W.IntSlider(value=s.N, min=2, max=orbits.MAX_ROTATE_N, step=1,
                                    description="N (orbit size)", continuous_update=True, **wide)
        self.architecture = W.Dropdown(
            options=[(arch.label, key) for key, arch in architectures.ARCHITECTURES.items()],
            value=s.architecture, description="architecture", **wide)
        self.kind = W.ToggleButtons(options=[("NTK", "ntk"), ("NNGP", "nngp")], value=s.kind,
                                    description="kernel", style={"description_width": "110px",
                                                                 "button_width": "70px"})
        self.busy = W.HTML(self._busy_html(False))
        self.readout = W.HTML(layout=W.Layout(min_width="440px"))
        self.message = MessageLine()
        self.figure = self._build_figure(s)
        css = {self.class_a: "class-a", self.sample_a: "sample-a", self.class_b: "class-b",
               self.sample_b: "sample-b", self.random_button: "random-pair", self.action: "action",
               self.N_slider: "N", self.architecture: "architecture", self.kind: "kind"}
        for control, name in css.items():
            control.add_class(f"ntkviz-{name}")
            if control is not self.random_button:
                control.observe(self._on_control, names="value")
        self.N_slider.add_class("ntkviz-slider")
        self.random_button.on_click(self._on_random)
        self._show_readout(s)
        self.message.show(s.note)
        controls = W.VBox([
            W.HBox([self.class_a, self.sample_a]), W.HBox([self.class_b, self.sample_b]),
            W.HBox([self.random_button, self.busy]), self.action, self.N_slider, self.architecture, self.kind,
        ])
        self.widget = W.VBox([
            W.HTML(STYLE),
            W.HBox([controls, W.VBox([self.readout, self.message.widget])]),
            W.HTML(_legend_html()),
            self.figure,
        ])
        self.widget.add_class("ntkviz-orbit-explorer")

    # --- public -------------------------------------------------------------------------------
    def set(self, a=None, b=None, action: str | None = None, N: int | None = None,
            architecture: str | None = None, kind: str | None = None) -> bool:
        """Move to a new setting (controls follow); returns whether it succeeded.

        Arguments left out keep their current value. Bad values are shown in the message line,
        never raised: the controls and the last good figures stay.
        """
        s = self.state
        target = (s.a if a is None else a, s.b if b is None else b, s.action if action is None else action,
                  s.N if N is None else N, s.architecture if architecture is None else architecture,
                  s.kind if kind is None else kind)
        ok = self._update(*target)
        if ok:
            self._sync_controls()
        return ok

    def observe_state(self, callback) -> None:
        """Call ``callback(state)`` after every successful update (e.g. a linked ``PairSurvey``)."""
        self._listeners.append(callback)

    def random_pair(self) -> bool:
        """Load a random pair of digits of two different classes (what the button does)."""
        self._random_seed += 1
        a, b = orbits.random_pair(self._random_seed)
        return self.set(a=a, b=b)

    # --- internals ----------------------------------------------------------------------------
    @staticmethod
    def _busy_html(busy: bool) -> str:
        if busy:
            return '<span class="ntkviz-busy ntkviz-busy-on">⏳ computing the kernel…</span>'
        return '<span class="ntkviz-busy"></span>'

    @guarded("Could not update")
    def _on_control(self, change):
        if self._syncing:
            return
        if change["owner"] in (self.class_a, self.class_b):
            self._fit_sample_range()
        self._throttle()

    @guarded("Could not load a random pair")
    def _on_random(self, _button):
        self.random_pair()

    def _fit_sample_range(self):
        """A new class has its own number of samples: bound the sample box (without redrawing)."""
        with self._moving_controls():
            for cls, sample in ((self.class_a, self.sample_a), (self.class_b, self.sample_b)):
                top = orbits.class_size(cls.value) - 1
                if sample.value > top:
                    sample.value = top
                sample.max = top

    @guarded("Could not update")
    def _apply_controls(self):
        self._update((self.class_a.value, self.sample_a.value), (self.class_b.value, self.sample_b.value),
                     self.action.value, self.N_slider.value, self.architecture.value, self.kind.value)

    def _sync_controls(self):
        s = self.state
        with self._moving_controls():
            self.class_a.value, self.class_b.value = s.a[0], s.b[0]
            self._fit_sample_range()
            self.sample_a.value, self.sample_b.value = s.a[1], s.b[1]
            self.action.value = s.action
            self.N_slider.value = s.N
            self.architecture.value = s.architecture
            self.kind.value = s.kind

    def _update(self, a, b, action, N, architecture, kind) -> bool:
        self.busy.value = self._busy_html(True)
        try:
            state = orbits.orbit_pair_state(a, b, action, N, architecture, kind)
            if state is not self.state:
                self._redraw(state)
        except Exception as error:  # a widget never raises into the page
            self.message.error("Could not update", error)
            return False
        finally:
            self.busy.value = self._busy_html(False)
        self.state = state
        self._show_readout(state)
        self.message.show(state.note)
        for callback in self._listeners:
            try:
                callback(state)
            except Exception as error:  # a listener's failure is shown, never raised
                self.message.error("A linked view failed", error)
        return True

    @staticmethod
    def _panels(s) -> dict[str, go.Figure]:
        title_k, title_kc = kernel_titles(_symbol(s), s.circulant_deviation)
        return {
            "thumbnails": plots.orbit_strip(s.orbit_a, s.orbit_b, (_digit_name(s.a), _digit_name(s.b))),
            "kernel": plots.kernel_heatmap(s.K, title_k),
            "circulant": plots.kernel_heatmap(s.Kc, title_kc),
            "spectrum": plots.inverse_spectrum(s.lam, s.N, s.eps_spectral),
            "errors": plots.error_bars(s.eps_spectral, s.eps_exact, s.prediction_a, s.prediction_b),
        }

    @staticmethod
    def _updates(s) -> dict[str, dict]:
        title_k, title_kc = kernel_titles(_symbol(s), s.circulant_deviation)
        pair = plots.kernel_pair_update(s.K, s.Kc, s.circulant_deviation, _symbol(s))
        return {
            "thumbnails": plots.orbit_strip_update(s.orbit_a, s.orbit_b, (_digit_name(s.a), _digit_name(s.b))),
            "kernel": {"data": pair["data"][:1], "layout": {"title_text": title_k}},
            "circulant": {"data": pair["data"][1:], "layout": {"title_text": title_kc}},
            "spectrum": plots.inverse_spectrum_update(s.lam, s.N, s.eps_spectral),
            "errors": plots.error_bars_update(s.eps_spectral, s.eps_exact, s.prediction_a, s.prediction_b),
        }

    def _build_figure(self, s) -> go.FigureWidget:
        """Compose the ``plots`` figures as subplots of one figure (traces, axes, titles)."""
        specs = [[{"colspan": 2}, None], [{}, {}], [{}, {}]]
        fig, self._slices, self._axes = compose_subplots(
            self._panels(s), PANELS, rows=3, cols=2, specs=specs, height=1250, width=1180,
            row_heights=[0.2, 0.42, 0.38], horizontal_spacing=0.12, vertical_spacing=0.08,
            finish=lambda fig, slices, axes: self._finish(fig, slices, axes, s))
        return fig

    def _finish(self, fig, slices, axes, s):
        """Style the composed figure (before it becomes a widget) and write the first data."""
        self._slices, self._axes = slices, axes
        fig.update_traces(showlegend=False)
        fig.data[slices["kernel"][0]].update(showscale=False)
        fig.data[slices["circulant"][0]].update(colorbar=dict(x=1.0, y=0.6, len=0.35))
        for name in ("kernel", "circulant", "thumbnails"):
            # square pixels and square matrices (compose_subplots drops the anchors)
            x, y = axes[name]
            fig.layout[y].update(scaleanchor=x.replace("axis", ""), constrain="domain")
            fig.layout[x].update(constrain="domain")
        fig.update_layout(showlegend=False, margin=dict(l=60, r=40, t=40, b=50))
        self._redraw_into(fig, s)

    def _redraw_into(self, fig, s):
        titles = {key: i for i, key in enumerate(PANELS)}
        write_panel_update(fig, self._slices, self._axes, titles, self._updates(s))

    def _redraw(self, s):
        """Write the new data into the one FigureWidget: a single batched message."""
        self._redraw_into(self.figure, s)

    def _show_readout(self, s):
        sym = _symbol(s)
        self.readout.value = (
            '<div class="ntkviz-readout">'
            f"Spectral error ε = λ<sub>N</sub>⁻¹/⟨λ⁻¹⟩ of {sym}̃ = {value_span('ntkviz-eps', s.eps_spectral)}<br>"
            f"Exact symmetrised error on {sym} = {value_span('ntkviz-exact', s.eps_exact)}<br>"
            f"Exact predictions ŷ(A₀) = {value_span('ntkviz-prediction-a', s.prediction_a)}, "
            f"ŷ(B₀) = {value_span('ntkviz-prediction-b', s.prediction_b)}<br>"
            f"Circulant deviation ‖{sym} − {sym}̃‖/‖{sym}‖ = {value_span('ntkviz-deviation', s.circulant_deviation)}<br>"
            f"λ<sub>N</sub> = {value_span('ntkviz-lambda-n', s.lam_N)}, "
            f"⟨λ⁻¹⟩ = {value_span('ntkviz-mean-inverse', s.mean_inverse)}<br>"
            f"Orbit separation Δ² = {value_span('ntkviz-separation', s.separation_sq)}, "
            f"radius r = {value_span('ntkviz-radius', s.radius)}"
            f'<span class="ntkviz-setting" data-a="{s.a[0]},{s.a[1]}" data-b="{s.b[0]},{s.b[1]}" '
            f'data-action="{s.action}" data-n="{s.N}" data-architecture="{s.architecture}" '
            f'data-kind="{s.kind}"></span>'
            "</div>"
        )


def _symbol(s) -> str:
    return "Θ" if s.kind == "ntk" else "Σ"
