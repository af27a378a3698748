"""``DynamicsExplorer``: gradient descent in the kernel regime (arXiv 1806.07572;
docs/theory.md#training-in-the-kernel-regime).

Controls: the dataset (unit circle or two MNIST classes), the training time t (a slider over
the log-spaced checkpoints ``experiments.dynamics.TIMES``), the width of the finite networks
shown, the depth, the learning rate ``η λ_max`` and the label noise; a **Train** button.
One ``FigureWidget`` holds four panels: the outputs f_t (kernel mean μ_t against finite
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
A failure never reaches the page: the message is shown in place and the last good figure stays.
"""

from __future__ import annotations

import threading
import time

import ipywidgets as W
import plotly.graph_objects as go

from .._validate import check_choice, check_int, check_real
from ..experiments import dynamics as core
from ..plots.dynamics import (
    distance_vs_width,
    distance_vs_width_update,
    error_vs_time,
    error_vs_time_update,
    mode_decay,
    mode_decay_update,
    outputs_figure,
    outputs_figure_update,
)
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

__all__ = ["DynamicsExplorer", "LR_FACTORS", "NOISES"]

PANELS = {"outputs": (1, 1), "modes": (1, 2), "errors": (2, 1), "distance": (2, 2)}
#: Learning rates offered, as η λ_max (the linearised dynamics is stable below 2).
LR_FACTORS = (0.1, 0.25, 0.5, 1.0, 1.5, 1.9)
#: Label noise levels offered (standard deviation added to the training targets).
NOISES = (0.0, 0.5, 1.0)
#: Shortest time between two redraws while training streams.
STREAM_SECONDS = 0.3


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
    ``DynamicsState``;  figure : the FigureWidget (panels ``PANELS``);  updates : number of
    redraws so far (streaming tests count them);  thread : the running training thread or None
    """

    PANELS = PANELS

    def __init__(self, dataset: str = "circle", t: float = 100, width: int = 256, depth: int = 1,
                 lr_factor: float = 0.5, noise: float = 1.0, *, widths=core.WIDTHS, seeds=core.SEEDS):
        self.widths = tuple(sorted(set(core.PARAMS["widths"].check(widths))))
        self.seeds = core.PARAMS["seeds"].check(seeds)
        self.updates = 0
        self.thread = None
        self._lock = threading.RLock()
        self._runs: dict = {}  # setting → {(width, seed): Run}, complete runs only
        setting = self._check(dataset, t, width, depth, lr_factor, noise)
        self.state = self._compute(*setting)
        slider = dict(continuous_update=True, style={"description_width": "130px"},
                      layout=W.Layout(width="430px"))
        self.dataset_toggle = W.ToggleButtons(options=[("unit circle", "circle"), ("MNIST 4 vs 9", "mnist")],
                                              value=setting[0], description="dataset",
                                              style={"description_width": "130px", "button_width": "120px"})
        self.time_slider = W.SelectionSlider(options=[int(v) for v in core.TIMES], value=int(setting[1]),
                                             description="time t (steps, log)", **slider)
        self.width_slider = W.SelectionSlider(options=list(self.widths), value=setting[2],
                                              description="width n", **slider)
        self.depth_slider = W.IntSlider(value=setting[3], min=1, max=core.MAX_DEPTH,
                                        description="depth (hidden layers)",
                                        **{**slider, "continuous_update": False})
        self.lr_slider = W.SelectionSlider(options=list(LR_FACTORS), value=setting[4],
                                           description="learning rate ηλ_max",
                                           **{**slider, "continuous_update": False})
        self.noise_slider = W.SelectionSlider(options=list(NOISES), value=setting[5],
                                              description="label noise σ",
                                              **{**slider, "continuous_update": False})
        self.train_button = W.Button(description="Train finite networks", button_style="primary",
                                     icon="play", layout=W.Layout(width="200px"))
        self.progress = W.IntProgress(value=0, min=0, max=1, description="",
                                      layout=W.Layout(width="220px", visibility="hidden"))
        self.readout = W.HTML(layout=W.Layout(min_width="520px"))
        self.message = MessageLine()
        self.figure = self._build_figure(self.state)
        self._throttle = Throttle(self._apply_controls)
        for control, css in ((self.dataset_toggle, "ntkviz-dataset"), (self.time_slider, "ntkviz-time"),
                             (self.width_slider, "ntkviz-width"), (self.depth_slider, "ntkviz-depth"),
                             (self.lr_slider, "ntkviz-lr"), (self.noise_slider, "ntkviz-noise")):
            control.add_class(css)
            control.observe(self._on_control, names="value")
        for control in (self.time_slider, self.width_slider, self.depth_slider, self.lr_slider,
                        self.noise_slider):
            control.add_class("ntkviz-slider")
        self.train_button.add_class("ntkviz-train")
        self.progress.add_class("ntkviz-progress")
        self.train_button.on_click(lambda _: self.train())
        self._show_readout(self.state)
        self._note_runs(self.state)
        self.widget = W.VBox([
            W.HTML(STYLE),
            W.HBox([W.VBox([self.dataset_toggle, self.time_slider, self.width_slider, self.depth_slider,
                            self.lr_slider, self.noise_slider,
                            W.HBox([self.train_button, self.progress])]),
                    W.VBox([self.readout, self.message.widget])]),
            self.figure,
        ])
        self.widget.add_class("ntkviz-dynamics-explorer")

    # --- public -------------------------------------------------------------------------------
    def set(self, dataset: str | None = None, t: float | None = None, width: int | None = None,
            depth: int | None = None, lr_factor: float | None = None, noise: float | None = None) -> bool:
        """Move to a new setting (controls follow); returns whether it succeeded. Bad values
        are reported in the message line, never raised; the last good figure stays."""
        s = self.state
        ok = self._update(s.setup.dataset if dataset is None else dataset, s.t if t is None else t,
                          s.width if width is None else width, s.setup.depth if depth is None else depth,
                          s.lr_factor if lr_factor is None else lr_factor,
                          s.setup.noise if noise is None else noise)
        if ok:
            self._sync_controls()
        return ok

    def train(self, wait: bool = False) -> bool:
        """Train the finite networks of the current setting (shown width first), streaming
        plot updates; in a background thread unless ``wait``. Returns False if a training is
        already running or the setting is already trained."""
        if self.thread is not None and self.thread.is_alive():
            self.message.show("Training is already running.")
            return False
        key = self._key(self.state)
        if self._complete(key):
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

    # --- internals ----------------------------------------------------------------------------
    def _check(self, dataset, t, width, depth, lr_factor, noise):
        check_choice("dataset", dataset, core.DATASETS)
        t = check_real("t", t, minimum=0.0, maximum=float(core.T_MAX))
        t = int(core.TIMES[core.nearest_checkpoint(t)])
        width = check_int("width", width, minimum=1)
        if width not in self.widths:
            raise ValueError(f"width must be one of {', '.join(map(str, self.widths))}; got {width}")
        depth = check_int("depth", depth, minimum=1, maximum=core.MAX_DEPTH)
        lr_factor = check_real("lr_factor", lr_factor)
        check_choice("lr_factor", lr_factor, LR_FACTORS)
        noise = check_real("noise", noise)
        check_choice("noise", noise, NOISES)
        return dataset, t, width, depth, lr_factor, noise

    @staticmethod
    def _key(state):
        return (state.setup.dataset, state.setup.depth, state.lr_factor, state.setup.noise)

    def _complete(self, key) -> bool:
        runs = self._runs.get(key, {})
        return all((w, s) in runs for w in self.widths for s in self.seeds)

    def _stored_runs(self, dataset, depth, lr_factor, noise) -> dict:
        key = (dataset, depth, lr_factor, noise)
        if key not in self._runs and core.is_precomputed(dataset, depth, lr_factor, noise,
                                                         self.widths, self.seeds):
            self._runs[key] = core.finite_runs(dataset, depth, self.widths, self.seeds, lr_factor, noise)
        return self._runs.get(key, {})

    def _compute(self, dataset, t, width, depth, lr_factor, noise, runs=None):
        if runs is None:
            with self._lock:
                runs = dict(self._stored_runs(dataset, depth, lr_factor, noise))
        return core.dynamics_state(dataset, depth, lr_factor, noise, width, t, runs=runs)

    @guarded("Could not update")
    def _on_control(self, change):
        if not self._syncing:
            self._throttle()

    @guarded("Could not update")
    def _apply_controls(self):
        self._update(self.dataset_toggle.value, self.time_slider.value, self.width_slider.value,
                     self.depth_slider.value, self.lr_slider.value, self.noise_slider.value)

    def _sync_controls(self):
        s = self.state
        with self._moving_controls():
            self.dataset_toggle.value = s.setup.dataset
            self.time_slider.value = int(s.t)
            self.width_slider.value = s.width
            self.depth_slider.value = s.setup.depth
            self.lr_slider.value = s.lr_factor
            self.noise_slider.value = s.setup.noise

    def _update(self, dataset, t, width, depth, lr_factor, noise) -> bool:
        try:
            setting = self._check(dataset, t, width, depth, lr_factor, noise)
        except Exception as error:
            self.message.error("Could not update", error)
            return False
        try:
            with self._lock:
                state = self._compute(*setting)
                self._redraw(state)
                self.state = state
                self._show_readout(state)
        except Exception as error:  # a widget never raises into the page
            self.message.error("Could not update", error)
            try:
                self._redraw(self.state)
            except Exception:
                pass
            return False
        self._note_runs(state)
        return True

    def _note_runs(self, state):
        if self.thread is not None and self.thread.is_alive():
            return
        if state.has_runs:
            self.message.show("")
        else:
            self.message.show("No finite networks for this setting yet: press “Train finite networks”.")

    def _train(self, key, first_width):
        """Train every (width, seed) of ``key``: the shown width first, streaming partial runs."""
        dataset, depth, lr_factor, noise = key
        order = [first_width] + [w for w in self.widths if w != first_width]
        todo = [(w, s) for w in order for s in self.seeds if (w, s) not in self._runs.get(key, {})]
        done_runs = self._runs.setdefault(key, {})
        self.progress.max, self.progress.value = len(todo) * (core.T_MAX // core.CHUNK), 0
        self.progress.bar_style = "info"
        self.progress.layout.visibility = "visible"
        self.train_button.disabled = True
        self.message.show(f"Training {len(todo)} networks ({dataset}, depth {depth}) …")
        last = -float("inf")
        try:
            for width, seed in todo:
                for run in core.train_chunks(dataset, depth, width, seed, lr_factor, noise):
                    self.progress.value += 1
                    now = time.monotonic()
                    if now - last >= STREAM_SECONDS:
                        with self._lock:
                            partial = {**done_runs, (width, seed): run}
                        self._stream(key, partial)
                        last = now
                with self._lock:  # the main thread copies this dict while redrawing
                    done_runs[width, seed] = run
                self._stream(key, dict(done_runs))
                last = time.monotonic()
        except Exception as error:
            self.progress.bar_style = "danger"
            self.message.error("Training failed", error)
            return
        finally:
            self.train_button.disabled = False
        self.progress.bar_style = "success"
        self.progress.layout.visibility = "hidden"
        diverged = any(r.diverged for r in done_runs.values())
        self.message.show("Trained." + (" Some networks diverged (learning rate too large for "
                                        "their finite-width NTK)." if diverged else ""))

    def _stream(self, key, runs):
        """Redraw with ``runs`` if ``key`` is still the shown setting."""
        with self._lock:
            s = self.state
            if self._key(s) != key:
                return
            try:
                state = self._compute(s.setup.dataset, s.t, s.width, s.setup.depth, s.lr_factor,
                                      s.setup.noise, runs=runs)
                self._redraw(state)
                self.state = state
                self._show_readout(state)
            except Exception as error:
                self.message.error("Could not draw the training", error)

    @staticmethod
    def _panels(state) -> dict[str, go.Figure]:
        return {"outputs": outputs_figure(state), "modes": mode_decay(state),
                "errors": error_vs_time(state), "distance": distance_vs_width(state)}

    @staticmethod
    def _updates(state) -> dict[str, dict]:
        return {"outputs": outputs_figure_update(state), "modes": mode_decay_update(state),
                "errors": error_vs_time_update(state), "distance": distance_vs_width_update(state)}

    def _build_figure(self, state) -> go.FigureWidget:
        figure, self._slices, self._axes = compose_subplots(
            self._panels(state), PANELS, rows=2, cols=2, height=900, width=1200,
            horizontal_spacing=0.09, vertical_spacing=0.13, finish=_finish_figure)
        return figure

    def _redraw(self, state):
        titles = {key: i for i, key in enumerate(PANELS)}
        write_panel_update(self.figure, self._slices, self._axes, titles, self._updates(state))
        self.updates += 1

    def _show_readout(self, state):
        s = state.setup
        self.readout.value = (
            '<div class="ntkviz-readout">'
            f"t = {value_span('ntkviz-t', float(state.t))} steps; "
            f"η = {value_span('ntkviz-eta', state.eta)} (λ_max = {value_span('ntkviz-lam-max', s.lam_max)})<br>"
            f"Kernel mean μ_t: train MSE {value_span('ntkviz-train-error', state.train_error_t)}, "
            f"test MSE {value_span('ntkviz-test-error', state.test_error_t)}<br>"
            f"Early stopping: t* = {value_span('ntkviz-stop-time', state.t_stop)}, test MSE "
            f"{value_span('ntkviz-stop-error', state.test_error_stop)} (t → ∞: "
            f"{value_span('ntkviz-inf-error', state.test_error_inf)})<br>"
            f"Distance to the kernel prediction at width {state.width}: {_distance_html(state)} "
            f"({value_span('ntkviz-n-runs', len(state.seeds))} networks at this width)"
            f'<span class="ntkviz-setting" data-dataset="{s.dataset}" data-depth="{s.depth}" '
            f'data-width="{state.width}" data-lr="{state.lr_factor}" data-noise="{s.noise}" '
            f'data-t="{state.t}"></span>'
            "</div>"
        )


def _distance_html(state) -> str:
    """The distance readout; without trained networks it is undefined (NaN in the state), which
    the page says in words instead of printing "nan"."""
    if state.distance == state.distance:
        return value_span("ntkviz-distance", state.distance)
    return ('<span class="ntkviz-value ntkviz-distance" data-value="nan">— (no networks trained '
            "for this setting)</span>")


def _finish_figure(fig, slices, axes):
    fig.update_layout(margin=dict(l=60, r=30, t=60, b=140),
                      legend=dict(font_size=10, orientation="h", yanchor="top", y=-0.07, x=0.0))
    fig.update_annotations(font_size=12)
    shown = {"outputs", "errors"}
    for name, (start, stop) in slices.items():
        for i, trace in enumerate(fig.data[start:stop]):
            # the modes panel lists its predicted lines (their λ), not the markers
            trace.showlegend = name in shown or (name == "modes" and i < (stop - start - 1) // 2)
