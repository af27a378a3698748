"""``DynamicsExplorer``: gradient descent in the kernel regime (arXiv 1806.07572;
docs/theory.md#training-in-the-kernel-regime).

Controls: the dataset (unit circle or two MNIST classes), the training time t (a slider over
the log-spaced checkpoints ``experiments.dynamics.TIMES``), the width of the finite networks
shown, the depth, the learning rate ``η λ_max`` and the label noise; a **Train** button.
One figure holds four panels: the outputs f_t (kernel mean μ_t against finite
networks and their linearised predictions), the per-mode residual decay, train/test error of
μ_t against time with the early-stopping point, and the distance to the kernel prediction
against width.

Moving t (or the width) is instant: the kernel part is closed form from a cached
eigen-decomposition and the networks are stored at every checkpoint. A new dataset, depth,
learning rate or noise recomputes the kernel (milliseconds to ~0.3 s) and shows the finite
networks if they exist: the default setting of both datasets is shipped precomputed
(``data/results/dynamics.npz``), anything trained in this session is cached. Otherwise
**Train** trains ``widths × seeds`` networks (the shown width first) in a background thread,
with a progress bar, redrawing as checkpoints arrive (at most every ``STREAM_SECONDS``), so
the page never freezes; ``train(wait=True)`` runs in the caller's thread (scripts, tests).
A failure never reaches the page: the message is shown in place and the last good figure stays
(``widgets.explorer``).
"""

from __future__ import annotations

import dataclasses
import threading
import time

import ipywidgets as W
import plotly.graph_objects as go

from .. import plots
from ..experiments import dynamics as core
from ..params import Param
from .display import value_span
from .explanations import EXPLANATIONS
from .explorer import Control, Explorer

__all__ = ["DynamicsExplorer", "LR_FACTORS", "NOISES"]

PANELS = {"outputs": (1, 1), "modes": (1, 2), "errors": (2, 1), "distance": (2, 2)}
#: Learning rates offered, as η λ_max (the linearised dynamics is stable below 2).
LR_FACTORS = (0.1, 0.25, 0.5, 1.0, 1.5, 1.9)
#: Label noise levels offered (standard deviation added to the training targets).
NOISES = (0.0, 0.5, 1.0)
#: Shortest time between two redraws while training streams.
STREAM_SECONDS = 0.3
#: Panel → its figure in ``plots.dynamics`` (the ``*_update`` twin redraws it).
_FIGURES = {"outputs": "outputs_figure", "modes": "mode_decay", "errors": "error_vs_time",
            "distance": "distance_vs_width"}
_P = core.PARAMS
#: Any time in [0, T_MAX] is accepted and moved to the nearest checkpoint.
_TIME = dataclasses.replace(_P["t"], maximum=float(core.T_MAX))


class DynamicsExplorer(Explorer):
    """Kernel gradient descent against finite networks trained by gradient descent.

    Parameters
    ----------
    dataset : ``"circle"`` or ``"mnist"``;  t : initial time (steps, snapped to a checkpoint)
    width : width shown (one of ``widths``);  depth : hidden layers (1..3)
    lr_factor : η λ_max (one of ``LR_FACTORS``);  noise : label noise (one of ``NOISES``)
    widths, seeds : the finite networks trained (default ``dynamics.WIDTHS``, ``SEEDS``)

    Attributes
    ----------
    widget : the ipywidgets root (CSS class ``ntkviz-dynamics-explorer``);  state : the shown
    ``DynamicsState``;  figure : the ``go.Figure`` (panels ``PANELS``);  redraws : number of
    redraws so far (streaming tests count them);  thread : the running training thread or None
    """

    CONTROLS = (
        Control("dataset", _P["dataset"], "ntkviz-dataset", "dataset_toggle",
                labels=("unit circle", "MNIST 4 vs 9"), buttons=True),
        Control("t", Param("t", "choice", choices=tuple(int(v) for v in core.TIMES),
                           label=_P["t"].label), "ntkviz-time", "time_slider", options="times"),
        Control("width", _P["width"], "ntkviz-width", "width_slider", options="widths"),
        Control("depth", _P["depth"], "ntkviz-depth", "depth_slider", continuous=False),
        Control("lr_factor", _P["lr_factor"], "ntkviz-lr", "lr_slider", continuous=False,
                options="lr_factors"),
        Control("noise", _P["noise"], "ntkviz-noise", "noise_slider", continuous=False,
                options="noises"),
    )
    PANELS = PANELS
    FIGURE = dict(rows=2, cols=2, height=900, horizontal_spacing=0.09,
                  vertical_spacing=0.13)
    MAIN_PANEL = "outputs"
    EXPLANATION = EXPLANATIONS["dynamics"]
    CSS = "ntkviz-dynamics-explorer"
    times = tuple(int(v) for v in core.TIMES)
    lr_factors, noises = LR_FACTORS, NOISES

    def __init__(self, dataset: str = "circle", t: float = 100, width: int = 256, depth: int = 1,
                 lr_factor: float = 0.5, noise: float = 1.0, *, widths=core.WIDTHS, seeds=core.SEEDS):
        self.widths = tuple(sorted(set(_P["widths"].check(widths))))
        self.seeds = _P["seeds"].check(seeds)
        self.redraws, self.thread = 0, None
        self._runs: dict = {}  # setting → {(width, seed): Run}, complete runs only
        self._live: dict = {}  # setting → {(width, seed): Run}, the run being trained
        self._busy, self._status = False, ""
        initial = dict(dataset=dataset, t=_snap(t), width=width, depth=depth,
                       lr_factor=lr_factor, noise=noise)
        for control in self.CONTROLS:  # a selection slider takes only its options
            if control.options:
                control.check(initial[control.name], control.choices(self, initial))
        self.train_button = W.Button(description="Train finite networks", button_style="primary",
                                     icon="play", layout=W.Layout(width="200px"))
        self.progress = W.IntProgress(value=0, min=0, max=1, description="",
                                      layout=W.Layout(width="100%", visibility="hidden"))
        self.train_button.add_class("ntkviz-train")
        self.progress.add_class("ntkviz-progress")
        self.train_button.on_click(lambda _: self.train())
        super().__init__(**initial)
        self.dataset_toggle.style.button_width = "120px"

    # --- public -------------------------------------------------------------------------------
    def set(self, t: float | None = None, **changes) -> bool:
        """Move to a new setting (controls follow); returns whether it succeeded. ``t`` is
        moved to the nearest checkpoint; ``dataset``, ``width``, ``depth``, ``lr_factor``,
        ``noise`` as in the constructor. Bad values are reported in the message line, never
        raised; the last good figure stays."""
        try:
            t = None if t is None else _snap(t)
        except (TypeError, ValueError) as error:
            self.message.error(self.MESSAGE, error)
            return False
        return super().set(t=t, **changes)

    def train(self, wait: bool = False) -> bool:
        """Train the finite networks of the current setting (shown width first), streaming
        plot updates; in a background thread unless ``wait``. Returns False if a training is
        already running or the setting is already trained."""
        if self.thread is not None and self.thread.is_alive():
            self.message.show("Training is already running.")
            return False
        key = _key(self.state)
        if all((w, s) in self._runs.get(key, {}) for w in self.widths for s in self.seeds):
            self.message.show("The finite networks of this setting are already trained.")
            return False
        if wait:
            self._train(key, self.state.width)
        else:
            self.thread = threading.Thread(target=self._train, args=(key, self.state.width),
                                           name="ntkviz-dynamics-train", daemon=True)
            self.thread.start()
        return True

    def join(self, timeout: float | None = None):
        """Wait for a background training to finish (scripts, tests)."""
        if self.thread is not None:
            self.thread.join(timeout)

    # --- the explorer's declarations ----------------------------------------------------------
    def compute(self, dataset, t, width, depth, lr_factor, noise):
        key = (dataset, depth, lr_factor, noise)
        with self._lock:  # the training thread adds runs
            if key not in self._runs and core.is_precomputed(*key, self.widths, self.seeds):
                self._runs[key] = core.finite_runs(dataset, depth, self.widths, self.seeds,
                                                   lr_factor, noise)
            runs = {**self._runs.get(key, {}), **self._live.get(key, {})}
        return core.dynamics_state(dataset, depth, lr_factor, noise, width, t, runs=runs)

    def panels(self, state) -> dict[str, go.Figure]:
        return {name: getattr(plots, f)(state) for name, f in _FIGURES.items()}

    def updates(self, state) -> dict[str, dict]:
        self.redraws += 1
        return {name: getattr(plots, f + "_update")(state) for name, f in _FIGURES.items()}

    def extra_controls(self) -> list:
        return [W.HBox([self.train_button, self.progress])]

    def finish_figure(self, fig, slices, axes) -> None:
        fig.update_layout(margin=dict(l=60, r=30, t=60, b=140),
                          legend=dict(font_size=10, orientation="h", yanchor="top", y=-0.07, x=0.0))
        fig.update_annotations(font_size=12)
        for name, (start, stop) in slices.items():
            for i, trace in enumerate(fig.data[start:stop]):
                # the modes panel lists its predicted lines (their λ), not the markers
                trace.showlegend = name in ("outputs", "errors") or (
                    name == "modes" and i < (stop - start - 1) // 2)

    def readout_text(self, state) -> str:
        s = state.setup
        return (
            f"t = {value_span('ntkviz-t', float(state.t))} steps; "
            f"η = {value_span('ntkviz-eta', state.eta)} (λ_max = "
            f"{value_span('ntkviz-lam-max', s.lam_max)})<br>"
            f"Kernel mean μ_t: train MSE {value_span('ntkviz-train-error', state.train_error_t)}, "
            f"test MSE {value_span('ntkviz-test-error', state.test_error_t)}<br>"
            f"Early stopping: t* = {value_span('ntkviz-stop-time', state.t_stop)}, test MSE "
            f"{value_span('ntkviz-stop-error', state.test_error_stop)} (t → ∞: "
            f"{value_span('ntkviz-inf-error', state.test_error_inf)})<br>"
            f"Distance to the kernel prediction at width {state.width}: {_distance_html(state)} "
            f"({value_span('ntkviz-n-runs', len(state.seeds))} networks at this width)"
            f'<span class="ntkviz-setting" data-dataset="{s.dataset}" data-depth="{s.depth}" '
            f'data-width="{state.width}" data-lr="{state.lr_factor}" data-noise="{s.noise}" '
            f'data-t="{state.t}"></span>')

    def note(self, state) -> str:
        if self._busy:
            return self._status
        return "" if state.has_runs else ("No finite networks for this setting yet: press "
                                          "“Train finite networks”.")

    # --- training -----------------------------------------------------------------------------
    def _train(self, key, first_width):
        """Train every (width, seed) of ``key``: the shown width first, streaming partial runs."""
        dataset, depth, lr_factor, noise = key
        order = [first_width] + [w for w in self.widths if w != first_width]
        with self._lock:
            done = self._runs.setdefault(key, {})
        todo = [(w, s) for w in order for s in self.seeds if (w, s) not in done]
        self.progress.max, self.progress.value = len(todo) * (core.T_MAX // core.CHUNK), 0
        self.progress.bar_style = "info"
        self.progress.layout.visibility = "visible"
        self.train_button.disabled, self._busy = True, True
        self._status = f"Training {len(todo)} networks ({dataset}, depth {depth}) …"
        self.message.show(self._status)
        last = -float("inf")
        try:
            for width, seed in todo:
                for run in core.train_chunks(dataset, depth, width, seed, lr_factor, noise):
                    self.progress.value += 1
                    with self._lock:
                        self._live[key] = {(width, seed): run}
                    if time.monotonic() - last >= STREAM_SECONDS:
                        self._stream(key)
                        last = time.monotonic()
                with self._lock:  # compute copies these dicts while redrawing
                    done[width, seed] = run
                    self._live.pop(key, None)
                self._stream(key)
                last = time.monotonic()
        except Exception as error:
            self.progress.bar_style = "danger"
            self.message.error("Training failed", error)
            return
        finally:
            self._live.pop(key, None)
            self.train_button.disabled, self._busy = False, False
        self.progress.bar_style = "success"
        self.progress.layout.visibility = "hidden"
        diverged = any(r.diverged for r in done.values())
        self.message.show("Trained." + (" Some networks diverged (learning rate too large for "
                                        "their finite-width NTK)." if diverged else ""))

    def _stream(self, key):
        """Redraw if ``key`` is still the shown setting."""
        with self._lock:
            if _key(self.state) == key:
                self.refresh()


def _snap(t) -> int:
    """``t`` checked and moved to the nearest checkpoint."""
    return int(core.TIMES[core.nearest_checkpoint.unchecked(_TIME.check(t))])


def _key(state) -> tuple:
    return (state.setup.dataset, state.setup.depth, state.lr_factor, state.setup.noise)


def _distance_html(state) -> str:
    """The distance readout; without trained networks it is undefined (NaN in the state), which
    the page says in words instead of printing "nan"."""
    if state.distance == state.distance:
        return value_span("ntkviz-distance", state.distance)
    return ('<span class="ntkviz-value ntkviz-distance" data-value="nan">— (no networks trained '
            "for this setting)</span>")
