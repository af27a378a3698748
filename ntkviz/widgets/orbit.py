"""``OrbitExplorer``: two MNIST digits, their orbits and an architecture's kernel, live
(arXiv 2412.11521, Sec. 3.3 and 3.5, Fig. 4A–C; docs/theory.md#circularisation).

Controls pick the two seed digits (class and sample), the group action, the orbit size N, the
architecture and NTK/NNGP; every change recomputes ``experiments.orbits.orbit_pair_state``
(cached; where a setting takes ``AHEAD_SECONDS`` or more, the next N in the direction of the
last move is computed in the background while the figures are drawn, ``widgets.ahead``).
Panels: the orbits as thumbnails (left-out ``A_0`` boxed), the raw kernel K and its
circularisation ``K̃`` on one colour scale, the inverse spectrum of ``K̃`` with the Eq. 7
rectangle and area, and the spectral against the exact error. A bad setting (an N the action
does not allow) is shown in the message line; the last good figures stay.
"""

from __future__ import annotations

import dataclasses
import time

import ipywidgets as W
import plotly.graph_objects as go

from .. import plots
from ..datasets import ACTIONS
from ..experiments import architectures, digits, orbits
from ..params import Param
from ..plots.orbits import kernel_color_range, kernel_titles
from .ahead import Ahead
from .display import value_span
from .explanations import EXPLANATIONS
from .explorer import Control, Explorer
from .throttle import guarded

__all__ = ["OrbitExplorer", "PANELS", "ACTION_LABELS", "AHEAD_SECONDS"]

#: Panel name → (row, column) in the explorer's figure, row by row (the thumbnails span both
#: columns); the inverse spectrum comes before the kernels, so it shows beside the controls.
PANELS = {"thumbnails": (1, 1), "spectrum": (2, 1), "errors": (2, 2), "kernel": (3, 1),
          "circulant": (3, 2)}

#: How the actions are offered in the dropdown.
ACTION_LABELS = {
    "rotate": "rotation by 360°/N (interpolated)",
    "rot90": "quarter turns (exact, N = 2 or 4)",
    "shift": "cyclic shift along x (N divides the width)",
}

#: An architecture whose last computed setting took this long (seconds) has its next N computed
#: ahead (the group and GAP CNNs at 14×14: 0.3–1.9 s; the MLPs take milliseconds).
AHEAD_SECONDS = 0.1

_P = orbits.PARAMS
_C = plots.COLORS
_CLASS = Param("class", "choice", choices=tuple(range(10)))
#: A sample within one class of the 10,000 test digits (the box is bounded to its class).
_SAMPLE = Param("sample", "int", 0, 9_999)
_BUSY = ('<span class="ntkviz-busy"></span>',
         '<span class="ntkviz-busy ntkviz-busy-on">⏳ computing the kernel…</span>')


def _digit_controls(which: str, sign: str) -> tuple[Control, Control]:
    return (Control(f"class_{which}", dataclasses.replace(_CLASS, label=f"class {which.upper()} "
                                                          f"(y = {sign}1)"),
                    f"ntkviz-class-{which}", f"class_{which}", labels=str),
            Control(f"sample_{which}", dataclasses.replace(_SAMPLE, label=f"sample {which.upper()}"),
                    f"ntkviz-sample-{which}", f"sample_{which}", box=True))


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
    figure : the ``go.Figure`` (``traces(name)`` and ``panel_title(name)`` per panel, names as
    in ``PANELS``);  readout : the HTML readout;  message : the message line
    """

    CONTROLS = (
        *_digit_controls("a", "+"), *_digit_controls("b", "−"),
        Control("action", _P["action"], "ntkviz-action", "action",
                labels=tuple(ACTION_LABELS[a] for a in ACTIONS)),
        Control("N", _P["N"], "ntkviz-N", "N_slider"),
        Control("architecture", _P["architecture"], "ntkviz-architecture", "architecture",
                labels=lambda key: architectures.ARCHITECTURES[key].label),
        Control("kind", _P["kind"], "ntkviz-kind", "kind", labels=("NTK", "NNGP"), buttons=True),
    )
    PANELS = PANELS
    FIGURE = dict(rows=3, cols=2, specs=[[{"colspan": 2}, None], [{}, {}], [{}, {}]], height=1250,
                  row_heights=[0.18, 0.38, 0.44], horizontal_spacing=0.12,
                  vertical_spacing=0.07)
    MAIN_PANEL = "spectrum"
    EXPLANATION = EXPLANATIONS["orbit"]
    LEGEND = (
        (f'<span style="color:{_C["A"]}">━ ●</span>', "orbit A, label y = +1 (solid, circle)"),
        (f'<span style="color:{_C["B"]}">╍ ■</span>', "orbit B, label y = −1 (dashed, square)"),
        (f'<span style="color:{_C["missing"]}">▢</span>',
         "left-out A₀ (dotted: B₀, left out in turn for the exact error)"),
        (f'<span style="background:{plots.style.FILLS["area"]}">&nbsp;&nbsp;&nbsp;</span>',
         "area under 1/λ<sub>f</sub>"),
        (f'<span style="background:{plots.style.FILLS["rectangle"]}">&nbsp;&nbsp;&nbsp;</span>',
         "rectangle 1/λ<sub>N</sub>: ε = rectangle / area (Eq. 7)"),
    )
    CSS = "ntkviz-orbit-explorer"

    def __init__(self, a=(3, 0), b=(8, 0), action: str = "rotate", N: int = 8,
                 architecture: str = "mlp1", kind: str = "ntk"):
        (class_a, sample_a), (class_b, sample_b) = (digits.check_digit("a", a),
                                                    digits.check_digit("b", b))
        self._random_seed = 0
        self._listeners = []
        self._seconds: dict[str, float] = {}   # architecture → its last computation's time
        self._step, self._last_N = 1, N        # the direction of the last move of N, and N
        self.ahead = Ahead(self._timed_state, name="ntkviz-orbit-ahead")
        self.busy = W.HTML(_BUSY[0])
        self.random_button = W.Button(description="Random pair", icon="random",
                                      tooltip="two digits of two different classes")
        self.random_button.add_class("ntkviz-random-pair")
        self.random_button.on_click(self._on_random)
        super().__init__(class_a=class_a, sample_a=sample_a, class_b=class_b, sample_b=sample_b,
                         action=action, N=N, architecture=architecture, kind=kind)
        self._fit_sample_range()

    # --- public -------------------------------------------------------------------------------
    def set(self, a=None, b=None, **changes) -> bool:
        """Move to a new setting (controls follow); returns whether it succeeded. ``a``, ``b``:
        digits ``(label, sample)``; ``action``, ``N``, ``architecture``, ``kind`` as in the
        constructor. Arguments left out keep their value; bad values are shown in the message
        line, never raised: the controls and the last good figures stay."""
        try:
            for which, digit in (("a", a), ("b", b)):
                if digit is not None:
                    changes[f"class_{which}"], changes[f"sample_{which}"] = digits.check_digit(
                        which, digit)
        except (TypeError, ValueError) as error:
            self.message.error(self.MESSAGE, error)
            return False
        return super().set(**changes)

    def observe_state(self, callback) -> None:
        """Call ``callback(state)`` after every successful update (e.g. a linked ``PairSurvey``)."""
        self._listeners.append(callback)

    def random_pair(self) -> bool:
        """Load a random pair of digits of two different classes (what the button does)."""
        self._random_seed += 1
        a, b = digits.random_pair(self._random_seed)
        return self.set(a=a, b=b)

    # --- the explorer's declarations ----------------------------------------------------------
    def compute(self, class_a, sample_a, class_b, sample_b, action, N, architecture, kind):
        self.busy.value = _BUSY[1]
        try:
            return self.ahead.get(((class_a, sample_a), (class_b, sample_b), action, N,
                                   architecture, kind))
        finally:
            self.busy.value = _BUSY[0]

    def panels(self, s) -> dict[str, go.Figure]:
        title_k, title_kc = kernel_titles(_symbol(s), s.circulant_deviation)
        zrange = kernel_color_range(s.K)
        return {
            "thumbnails": plots.orbit_strip(s.orbit_a, s.orbit_b, _names(s)),
            "kernel": plots.kernel_heatmap(s.K, title_k, zrange=zrange),
            "circulant": plots.kernel_heatmap(s.Kc, title_kc, zrange=zrange),
            "spectrum": plots.inverse_spectrum(s.lam, s.N, s.eps_spectral),
            "errors": plots.error_bars(s.eps_spectral, s.eps_exact, s.prediction_a, s.prediction_b),
        }

    def updates(self, s) -> dict[str, dict]:
        title_k, title_kc = kernel_titles(_symbol(s), s.circulant_deviation)
        zrange = kernel_color_range(s.K)
        return {
            "thumbnails": plots.orbit_strip_update(s.orbit_a, s.orbit_b, _names(s)),
            "kernel": plots.kernel_heatmap_update(s.K, title_k, zrange=zrange),
            "circulant": plots.kernel_heatmap_update(s.Kc, title_kc, zrange=zrange),
            "spectrum": plots.inverse_spectrum_update(s.lam, s.N, s.eps_spectral),
            "errors": plots.error_bars_update(s.eps_spectral, s.eps_exact, s.prediction_a,
                                              s.prediction_b),
        }

    def readout_text(self, s) -> str:
        sym = _symbol(s)
        return (
            f"Spectral error ε = λ<sub>N</sub>⁻¹/⟨λ⁻¹⟩ of {sym}̃ = "
            f"{value_span('ntkviz-eps', s.eps_spectral)}<br>"
            f"Exact symmetrised error on {sym} = {value_span('ntkviz-exact', s.eps_exact)}<br>"
            f"Exact predictions ŷ(A₀) = {value_span('ntkviz-prediction-a', s.prediction_a)}, "
            f"ŷ(B₀) = {value_span('ntkviz-prediction-b', s.prediction_b)}<br>"
            f"Circulant deviation ‖{sym} − {sym}̃‖/‖{sym}‖ = "
            f"{value_span('ntkviz-deviation', s.circulant_deviation)}<br>"
            f"λ<sub>N</sub> = {value_span('ntkviz-lambda-n', s.lam_N)}, "
            f"⟨λ⁻¹⟩ = {value_span('ntkviz-mean-inverse', s.mean_inverse)}<br>"
            f"Orbit separation Δ² = {value_span('ntkviz-separation', s.separation_sq)}, "
            f"radius r = {value_span('ntkviz-radius', s.radius)}"
            f'<span class="ntkviz-setting" data-a="{s.a[0]},{s.a[1]}" data-b="{s.b[0]},{s.b[1]}" '
            f'data-action="{s.action}" data-n="{s.N}" data-architecture="{s.architecture}" '
            f'data-kind="{s.kind}"></span>')

    def note(self, s) -> str:
        return s.note

    def extra_controls(self) -> list:
        return [W.HBox([self.random_button, self.busy])]

    def finish_figure(self, fig, slices, axes) -> None:
        super().finish_figure(fig, slices, axes)
        fig.data[slices["kernel"][0]].update(showscale=False)
        fig.data[slices["circulant"][0]].update(colorbar=dict(x=1.0, y=0.2, len=0.35))
        for name in ("kernel", "circulant", "thumbnails"):
            # square pixels and square matrices (compose_subplots drops the anchors)
            x, y = axes[name]
            fig.layout[y].update(scaleanchor=x.replace("axis", ""), constrain="domain")
            fig.layout[x].update(constrain="domain")

    # --- events -------------------------------------------------------------------------------
    @guarded("Could not update")
    def _on_control(self, change):
        if change["owner"] in (self.class_a, self.class_b):
            self._fit_sample_range()
        super()._on_control(change)

    @guarded("Could not load a random pair")
    def _on_random(self, _button):
        self.random_pair()

    def _fit_sample_range(self):
        """A class has its own number of samples: bound the sample boxes (without redrawing)."""
        with self._moving_controls():
            for cls, sample in ((self.class_a, self.sample_a), (self.class_b, self.sample_b)):
                top = digits.class_size(cls.value) - 1
                sample.value = min(sample.value, top)
                sample.max = top

    def _timed_state(self, key):
        start = time.perf_counter()
        state = orbits.orbit_pair_state(*key)
        seconds = time.perf_counter() - start
        if seconds > 0.01:   # (a cache hit takes microseconds)
            self._seconds[key[4]] = seconds
        return state

    def _show(self, state) -> None:
        if state.N != self._last_N:
            self._step = 1 if state.N > self._last_N else -1
        self._last_N = state.N
        following = state.N + self._step
        if (self._seconds.get(state.architecture, 0.0) >= AHEAD_SECONDS
                and self.N_slider.min <= following <= self.N_slider.max):
            self.ahead.ahead([(state.a, state.b, state.action, following, state.architecture,
                               state.kind)])
        super()._show(state)
        for callback in self._listeners:
            try:
                callback(state)
            except Exception as error:  # a listener's failure is shown, never raised
                self.message.error("A linked view failed", error)


def _symbol(s) -> str:
    return "Θ" if s.kind == "ntk" else "Σ"


def _names(s) -> tuple[str, str]:
    return f"{s.a[0]} (#{s.a[1]})", f"{s.b[0]} (#{s.b[1]})"
