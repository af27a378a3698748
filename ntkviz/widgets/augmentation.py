"""``AugmentationExplorer``: NOMINAL, AUGMENTED and EQUIVARIANT training side by side, and the
distance of every layer from the equivariant subspace E (arXiv 2303.13458;
docs/theory.md#augmentation-and-equivariance).

Controls: the strategy and the initialisation (which run is highlighted and read out), the
group (C4 quarter turns or C7 cyclic x-shifts), the depth (hidden layers; 0 = a linear
classifier), the learning rate and the number of epochs, a **Train** button (trains the selected
run) and **Train all** (every run of the current setting that is still missing). One
``FigureWidget`` holds three panels (``compose_subplots``): loss, accuracy on transformed test
digits, and ‖A − Π_E A‖ per layer, with the seven runs of the current setting drawn together
(NOMINAL and AUGMENTED from a generic, an equivariant and a perturbed-equivariant start, and
EQUIVARIANT).

Moving a control only redraws from cache (``experiments.augmentation.cached_run``; the default
settings of both groups at depths 0 and 2 are shipped in ``data/results/augmentation.npz``), so
it answers in well under a second. Training runs in a background thread, so the page never
freezes: the progress bar counts epochs and the curves grow as the epochs arrive (redrawn at
most every ``REDRAW_SECONDS``). A failure never reaches the page: the message is shown in place
and the last good figure stays.
"""

from __future__ import annotations

import dataclasses
import threading
import time

import ipywidgets as W
import plotly.graph_objects as go

from .._validate import check_choice, check_int, check_real
from ..experiments import augmentation as core
from ..plots.augmentation import (
    SLOTS,
    accuracy_curves,
    accuracy_curves_update,
    distance_curves,
    distance_curves_update,
    loss_curves,
    loss_curves_update,
    slot_label,
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

__all__ = ["AugmentationExplorer"]

#: Panel name → (row, column) in the explorer's figure.
PANELS = {"loss": (1, 1), "accuracy": (1, 2), "distance": (1, 3)}
#: Depths offered by the slider; learning rates offered (exact values, so a run found by the
#: slider is the run found by ``set``); epochs range and step.
DEPTHS = (0, 3)
LEARNING_RATES = (0.003, 0.005, 0.01, 0.02, 0.03, 0.05, 0.1, 0.2, 0.3, 0.5, 1.0)
EPOCHS = (5, 300)
EPOCH_STEP = 5
#: Shortest time between two redraws while a run streams in.
REDRAW_SECONDS = 0.25
GROUPS = {"C4 quarter turns (rot90)": "rot90", "C7 cyclic x-shifts (2 px)": "shift"}


class AugmentationExplorer(Explorer):
    """Interactive comparison of augmentation and equivariance during training.

    Parameters
    ----------
    strategy : ``"nominal"`` | ``"augmented"`` | ``"equivariant"`` (the highlighted run)
    init : ``"equivariant"`` | ``"generic"`` | ``"perturbed"`` (equivariant + 1e-6 off E; the
        EQUIVARIANT strategy always starts in E)
    action : ``"rot90"`` (C4) | ``"shift"`` (C7);  depth : hidden layers 0..3
    learning_rate : plain gradient-descent step, one of ``LEARNING_RATES``
    epochs : passes over the training digits, a multiple of 5 in 5..300
    base : the ``AugmentConfig`` the other settings start from (sizes, seeds)
    warm_up : compile the training of the current network shape in a background thread (at
        construction and after every change of group or depth), so Train starts at once

    Attributes
    ----------
    widget : the top-level ipywidgets container;  config : the selected run's ``AugmentConfig``
    run : the selected run's ``AugmentationRun`` (None while it is not trained)
    figure : the ``FigureWidget`` with panels ``"loss"``, ``"accuracy"``, ``"distance"``
    """

    PANELS = PANELS

    def __init__(self, strategy: str = "augmented", init: str = "generic", action: str = "rot90",
                 depth: int = 2, learning_rate: float | None = None, epochs: int | None = None,
                 *, base: core.AugmentConfig | None = None, warm_up: bool = True):
        self.base = core.AugmentConfig() if base is None else base
        if not isinstance(self.base, core.AugmentConfig):
            raise TypeError(f"base must be an AugmentConfig, got {type(self.base).__name__}")
        lr = self.base.learning_rate if learning_rate is None else learning_rate
        epochs = self.base.epochs if epochs is None else epochs
        self.config = self._check(strategy, init, action, depth, lr, epochs)
        self._lock = threading.RLock()
        self._live: dict[core.AugmentConfig, core.AugmentationRun] = {}
        self._stop = False
        self.thread: threading.Thread | None = None
        self._last_redraw = -float("inf")
        self._warm_up = warm_up
        self._warmed: set = set()
        self.warm_up_thread: threading.Thread | None = None

        style = {"description_width": "110px"}
        self.strategy_buttons = W.ToggleButtons(options=[(s.upper(), s) for s in core.STRATEGIES],
                                                value=self.config.strategy, description="strategy",
                                                style={**style, "button_width": "110px"})
        self.init_buttons = W.ToggleButtons(options=[("equivariant init", "equivariant"),
                                                     ("generic init", "generic"),
                                                     ("E + 10⁻⁶ init", "perturbed")],
                                            value=init, description="initialisation",
                                            style={**style, "button_width": "130px"})
        self.group_dropdown = W.Dropdown(options=list(GROUPS.items()), value=self.config.action,
                                         description="group", style=style,
                                         layout=W.Layout(width="380px"))
        slider = dict(continuous_update=True, style=style, layout=W.Layout(width="420px"))
        self.depth_slider = W.IntSlider(value=self.config.depth, min=DEPTHS[0], max=DEPTHS[1],
                                        description="depth (hidden)", **slider)
        self.lr_slider = W.SelectionSlider(options=list(LEARNING_RATES),
                                           value=self.config.learning_rate,
                                           description="learning rate η", **slider)
        self.epochs_slider = W.IntSlider(value=self.config.epochs, min=EPOCHS[0], max=EPOCHS[1],
                                         step=EPOCH_STEP, description="epochs", **slider)
        self.train_button = W.Button(description="Train", button_style="primary", icon="play",
                                     tooltip="train the selected run (background thread)")
        self.train_all_button = W.Button(description="Train all", icon="forward",
                                         tooltip="train every missing run of this setting")
        self.progress = W.IntProgress(value=0, min=0, max=self.config.epochs,
                                      description="training", style=style,
                                      layout=W.Layout(width="420px", visibility="hidden"))
        self.readout = W.HTML(layout=W.Layout(min_width="520px"))
        self.message = MessageLine()
        self._throttle = Throttle(self._apply_controls)
        self.figure = self._build_figure()
        controls = ((self.strategy_buttons, "ntkviz-strategy"), (self.init_buttons, "ntkviz-init"),
                    (self.group_dropdown, "ntkviz-group"), (self.depth_slider, "ntkviz-depth"),
                    (self.lr_slider, "ntkviz-learning-rate"),
                    (self.epochs_slider, "ntkviz-epochs"))
        for control, css in controls:
            control.add_class(css)
            control.observe(self._on_control, names="value")
        for slider_ in (self.depth_slider, self.lr_slider, self.epochs_slider):
            slider_.add_class("ntkviz-slider")
        self.train_button.add_class("ntkviz-train")
        self.train_all_button.add_class("ntkviz-train-all")
        self.progress.add_class("ntkviz-progress")
        self.train_button.on_click(lambda _: self.train(block=False))
        self.train_all_button.on_click(lambda _: self.train(all_runs=True, block=False))
        self._show_readout()
        self.widget = W.VBox([
            W.HTML(STYLE),
            W.HBox([W.VBox([self.strategy_buttons, self.init_buttons, self.group_dropdown,
                            self.depth_slider, self.lr_slider, self.epochs_slider,
                            W.HBox([self.train_button, self.train_all_button]), self.progress]),
                    W.VBox([self.readout, self.message.widget])]),
            self.figure,
        ])
        self.widget.add_class("ntkviz-augmentation-explorer")
        self._start_warm_up()

    # --- public -------------------------------------------------------------------------------
    @property
    def run(self) -> core.AugmentationRun | None:
        return self._run_of(self.config)

    @property
    def training(self) -> bool:
        """True while a background training thread runs."""
        return self.thread is not None and self.thread.is_alive()

    def set(self, strategy: str | None = None, init: str | None = None, action: str | None = None,
            depth: int | None = None, learning_rate: float | None = None,
            epochs: int | None = None) -> bool:
        """Move to a new setting (controls follow; nothing is trained); returns whether it
        succeeded. Bad values are reported in the message line, never raised."""
        c = self.config
        ok = self._update(c.strategy if strategy is None else strategy,
                          self.init_buttons.value if init is None else init,
                          c.action if action is None else action,
                          c.depth if depth is None else depth,
                          c.learning_rate if learning_rate is None else learning_rate,
                          c.epochs if epochs is None else epochs)
        if ok:
            self._sync_controls(init)
        return ok

    def train(self, *, all_runs: bool = False, block: bool = True) -> bool:
        """Train the selected run (``all_runs``: every missing run of the current setting).

        ``block=False`` trains in a background thread (what the buttons do) and returns at
        once; ``block=True`` waits. Returns False (with a message) if a run is already going.
        """
        if self.training:
            self.message.show("A run is still training: wait for it to finish.")
            return False
        if all_runs:
            configs = [c for c in self._setting_configs() if self._run_of(c) is None]
        else:
            configs = [self.config] if self._run_of(self.config) is None else []
        if not configs:
            self.message.show("Already trained: the curves shown are the finished runs.")
            return True
        self._set_busy(True)
        self.thread = threading.Thread(target=self._train_all, args=(configs,),
                                       name="ntkviz-augmentation-train", daemon=True)
        self.thread.start()
        if block:
            self.thread.join()
        return True

    def wait(self, timeout: float | None = None) -> None:
        """Wait for a background run to end."""
        if self.thread is not None:
            self.thread.join(timeout)

    # --- internals: settings ------------------------------------------------------------------
    def _check(self, strategy, init, action, depth, learning_rate, epochs) -> core.AugmentConfig:
        check_choice("strategy", strategy, core.STRATEGIES)
        check_choice("init", init, core.INITS)
        check_choice("action", action, core.ACTIONS)
        depth = check_int("depth", depth, minimum=DEPTHS[0], maximum=DEPTHS[1])
        learning_rate = check_real("learning_rate", learning_rate)
        if learning_rate not in LEARNING_RATES:
            allowed = ", ".join(f"{v:g}" for v in LEARNING_RATES)
            raise ValueError(f"learning_rate must be one of {allowed}; got {learning_rate:g}")
        epochs = check_int("epochs", epochs, minimum=EPOCHS[0], maximum=EPOCHS[1])
        if epochs % EPOCH_STEP:
            raise ValueError(f"epochs must be a multiple of {EPOCH_STEP}, got {epochs}")
        return self.base.replace(strategy=strategy, init=init, action=action, depth=depth,
                                 learning_rate=learning_rate, epochs=epochs)

    def _setting_configs(self, config=None) -> tuple:
        config = self.config if config is None else config
        return tuple(config.replace(strategy=s, init=i) for s, i in SLOTS)

    def _run_of(self, config):
        with self._lock:
            live = self._live.get(config)
        return live if live is not None else core.cached_run(config)

    @guarded("Could not update")
    def _on_control(self, change):
        if not self._syncing:
            self._throttle()

    @guarded("Could not update")
    def _apply_controls(self):
        self._update(self.strategy_buttons.value, self.init_buttons.value,
                     self.group_dropdown.value, self.depth_slider.value, self.lr_slider.value,
                     self.epochs_slider.value)

    def _sync_controls(self, init=None):
        c = self.config
        with self._moving_controls():
            self.strategy_buttons.value = c.strategy
            if init is not None:
                self.init_buttons.value = init
            self.group_dropdown.value = c.action
            self.depth_slider.value = c.depth
            self.lr_slider.value = c.learning_rate
            self.epochs_slider.value = c.epochs

    def _update(self, strategy, init, action, depth, learning_rate, epochs) -> bool:
        try:
            config = self._check(strategy, init, action, depth, learning_rate, epochs)
        except Exception as error:
            self.message.error("Could not update", error)
            return False
        try:
            self._redraw(config, force=True)
        except Exception as error:  # a widget never raises into the page
            self.message.error("Could not update", error)
            try:
                self._redraw(self.config, force=True)
            except Exception:
                pass
            return False
        self.config = config
        self._show_readout()
        self._start_warm_up()
        if self._run_of(config) is None and not self.training:
            self.message.show(f"{slot_label(config.strategy, config.init)} is not trained for this "
                              "setting yet: press Train (or Train all).")
        elif not self.training:
            self.message.show("")
        return True

    # --- internals: training ------------------------------------------------------------------
    @staticmethod
    def _shape(config):
        return dataclasses.replace(config, strategy="nominal", init="equivariant",
                                   learning_rate=1.0, epochs=1, seed=0)

    def _start_warm_up(self):
        """Compile the current shape's three strategies in the background (once per shape)."""
        shape = self._shape(self.config)
        if not self._warm_up or shape in self._warmed:
            return
        if self.warm_up_thread is not None and self.warm_up_thread.is_alive():
            return  # the running warm-up calls back here when it ends
        self._warmed.add(shape)
        config = self.config
        first = (config.strategy,) + tuple(s for s in core.STRATEGIES if s != config.strategy)

        def work():
            try:
                core.warm_up(config, first)
            except Exception:  # noqa: BLE001 - a failed warm-up only costs time later
                pass
            self._start_warm_up()

        self.warm_up_thread = threading.Thread(target=work, name="ntkviz-augmentation-warm-up",
                                               daemon=True)
        self.warm_up_thread.start()

    def _set_busy(self, busy: bool):
        self.train_button.disabled = busy
        self.train_all_button.disabled = busy
        self.progress.layout.visibility = "visible" if busy else "hidden"

    def _train_all(self, configs):
        try:
            for i, config in enumerate(configs):
                self.progress.value = 0
                self.progress.max = config.epochs
                self.progress.description = f"run {i + 1}/{len(configs)}"
                self.message.show(f"Training {slot_label(config.strategy, config.init)} "
                                  f"({config.epochs} epochs; the first run of a new shape "
                                  "compiles for a few seconds)…")
                core.train(config, callback=lambda run: self._on_epoch(run))
                with self._lock:
                    self._live.pop(config, None)
            self.message.show("")
        except Exception as error:  # a widget never raises into the page
            self.message.error("Training failed", error)
        finally:
            with self._lock:
                self._live.clear()
            self._set_busy(False)
            try:
                self._redraw(self.config, force=True)
                self._show_readout()
            except Exception as error:
                self.message.error("Could not draw", error)

    def _on_epoch(self, run):
        with self._lock:
            self._live[run.config] = run
        self.progress.value = int(run.epochs[-1])
        if run.config in self._setting_configs():
            self._redraw(self.config, force=run.complete)
            if run.config == self.config:
                self._show_readout()

    # --- internals: drawing -------------------------------------------------------------------
    def _runs(self, config) -> dict:
        return {slot: self._run_of(c) for slot, c in zip(SLOTS, self._setting_configs(config))}

    @staticmethod
    def _selected(config):
        return (config.strategy, config.init)

    def _build_figure(self) -> go.FigureWidget:
        runs, selected = self._runs(self.config), self._selected(self.config)
        panels = {"loss": loss_curves(runs, selected), "accuracy": accuracy_curves(runs, selected),
                  "distance": distance_curves(runs, selected)}
        figure, self._slices, self._axes = compose_subplots(
            panels, PANELS, rows=1, cols=3, height=470, width=1250, horizontal_spacing=0.07,
            finish=_finish_figure)
        return figure

    def _redraw(self, config, force: bool = False):
        now = time.monotonic()
        if not force and now - self._last_redraw < REDRAW_SECONDS:
            return
        runs, selected = self._runs(config), self._selected(config)
        updates = {"loss": loss_curves_update(runs, selected),
                   "accuracy": accuracy_curves_update(runs, selected),
                   "distance": distance_curves_update(runs, selected)}
        titles = {key: i for i, key in enumerate(PANELS)}
        with self._lock:
            write_panel_update(self.figure, self._slices, self._axes, titles, updates)
            self._last_redraw = time.monotonic()

    def _show_readout(self):
        c, run = self.config, self.run
        name = slot_label(c.strategy, c.init)
        setting = (f'<span class="ntkviz-setting" data-strategy="{c.strategy}" '
                   f'data-init="{c.init}" '
                   f'data-action="{c.action}" data-N="{c.N}" data-depth="{c.depth}" '
                   f'data-learning-rate="{c.learning_rate!r}" data-epochs="{c.epochs}"></span>')
        if run is None:
            self.readout.value = (f'<div class="ntkviz-readout"><b>{name}</b>: not trained yet '
                                  f"{value_span('ntkviz-aug-status', 'untrained')}{setting}</div>")
            return
        status = "trained" if run.complete else "training"
        self.readout.value = (
            f'<div class="ntkviz-readout"><b>{name}</b> '
            f"({value_span('ntkviz-aug-status', status)}, epoch "
            f"{value_span('ntkviz-aug-epoch', int(run.epochs[-1]))} of {c.epochs})<br>"
            f"Training loss = {value_span('ntkviz-aug-loss', run.final_loss)}<br>"
            f"Accuracy on {'rotated' if c.action == 'rot90' else 'shifted'} test digits = "
            f"{value_span('ntkviz-aug-accuracy', run.final_accuracy)}<br>"
            f"Distance from E, max over layers: start "
            f"{value_span('ntkviz-aug-distance-start', float(run.distance[0].max()), 4)} → now "
            f"{value_span('ntkviz-aug-distance', run.final_distance, 4)}<br>"
            f"Invariance error max |f(gx) − f(x)| = "
            f"{value_span('ntkviz-aug-invariance', float(run.invariance[-1]), 4)}"
            f"{setting}</div>"
        )


def _finish_figure(fig, slices, axes):
    for key, (a, b) in slices.items():
        for i, trace in enumerate(fig.data[a:b]):
            trace.legendgroup = f"slot{i}"
            trace.showlegend = key == "loss" and i < len(SLOTS)
    fig.update_layout(showlegend=True, margin=dict(l=60, r=30, t=60, b=60),
                      legend=dict(orientation="h", yanchor="top", y=-0.14, x=0.0))
    fig.update_annotations(font_size=12)
