"""``AugmentationExplorer``: NOMINAL, AUGMENTED and EQUIVARIANT training side by side, and the
distance of every layer from the equivariant subspace E (arXiv 2303.13458;
docs/theory.md#augmentation-and-equivariance).

Controls: the strategy and the initialisation (which run is highlighted and read out), the
group (C4 quarter turns or C7 cyclic x-shifts), the depth (hidden layers; 0 = a linear
classifier), the learning rate and the number of epochs, a **Train** button (trains the selected
run) and **Train all** (every run of the current setting that is still missing). Three panels:
loss, accuracy on transformed test digits, and ‖A − Π_E A‖ per layer, with the seven runs of
the current setting drawn together (NOMINAL and AUGMENTED from a generic, an equivariant and a
perturbed-equivariant start, and EQUIVARIANT).

Moving a control only redraws from cache (``experiments.augmentation.cached_run``; the default
settings of both groups at depths 0 and 2 are shipped in ``data/results/augmentation.npz``), so
it answers in well under a second. Training runs in a background thread, so the page never
freezes: the progress bar counts epochs and the curves grow as the epochs arrive (redrawn at
most every ``REDRAW_SECONDS``).
"""

from __future__ import annotations

import dataclasses
import threading
import time

import ipywidgets as W
import plotly.graph_objects as go

from .. import plots
from ..experiments import augmentation as core
from ..params import Param
from ..plots.augmentation import SLOTS, slot_label
from .display import value_span
from .explanations import EXPLANATIONS
from .explorer import Control, Explorer

__all__ = ["AugmentationExplorer"]

#: Learning rates offered (exact values, so a run found by the slider is the run found by
#: ``set``); epochs are a multiple of ``EPOCH_STEP``.
LEARNING_RATES = (0.003, 0.005, 0.01, 0.02, 0.03, 0.05, 0.1, 0.2, 0.3, 0.5, 1.0)
EPOCH_STEP = 5
#: Shortest time between two redraws while a run streams in.
REDRAW_SECONDS = 0.25
GROUPS = {"C4 quarter turns (rot90)": "rot90", "C7 cyclic x-shifts (2 px)": "shift"}
_P = core.PARAMS


@dataclasses.dataclass(frozen=True)
class Setting:
    """What the explorer shows: the selected run's ``config`` and the runs of its setting by
    slot (None: not trained)."""

    config: core.AugmentConfig
    runs: dict


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
    figure : the ``go.Figure`` with panels ``"loss"``, ``"accuracy"``, ``"distance"``
    """

    CONTROLS = (
        Control("strategy", _P["strategy"], "ntkviz-strategy", "strategy_buttons",
                labels=tuple(s.upper() for s in core.STRATEGIES), buttons=True),
        Control("init", _P["init"], "ntkviz-init", "init_buttons", buttons=True,
                labels=("equivariant init", "generic init", "E + 10⁻⁶ init")),
        Control("action", _P["action"], "ntkviz-group", "group_dropdown", labels=tuple(GROUPS)),
        Control("depth", dataclasses.replace(_P["depth"], maximum=3), "ntkviz-depth",
                "depth_slider"),
        Control("learning_rate", Param("learning_rate", "choice", choices=LEARNING_RATES,
                                       label=_P["learning_rate"].label),
                "ntkviz-learning-rate", "lr_slider", options="learning_rates"),
        Control("epochs", dataclasses.replace(_P["epochs"], minimum=5, maximum=300),
                "ntkviz-epochs", "epochs_slider"),
    )
    # the distance to E (the lesson) first: on a narrow page the panels stack in this order
    PANELS = {"distance": (1, 1), "loss": (1, 2), "accuracy": (1, 3)}
    FIGURE = dict(rows=1, cols=3, height=470, horizontal_spacing=0.07)
    MAIN_PANEL = "distance"
    EXPLANATION = EXPLANATIONS["augmentation"]
    CSS = "ntkviz-augmentation-explorer"
    learning_rates = LEARNING_RATES

    def __init__(self, strategy: str = "augmented", init: str = "generic", action: str = "rot90",
                 depth: int = 2, learning_rate: float | None = None, epochs: int | None = None,
                 *, base: core.AugmentConfig | None = None, warm_up: bool = True):
        self.base = core.AugmentConfig() if base is None else base
        if not isinstance(self.base, core.AugmentConfig):
            raise TypeError(f"base must be an AugmentConfig, got {type(self.base).__name__}")
        self._live: dict = {}
        self._busy, self._status, self._last_redraw = False, "", -float("inf")
        self.thread: threading.Thread | None = None
        self._warm_up, self._warmed = warm_up, set()
        self.warm_up_thread: threading.Thread | None = None
        self.train_button = W.Button(description="Train", button_style="primary", icon="play",
                                     tooltip="train the selected run (background thread)")
        self.train_all_button = W.Button(description="Train all", icon="forward",
                                         tooltip="train every missing run of this setting")
        self.progress = W.IntProgress(value=0, min=0, description="training",
                                      layout=W.Layout(width="100%", visibility="hidden"))
        for widget, css in ((self.train_button, "ntkviz-train"),
                            (self.train_all_button, "ntkviz-train-all"),
                            (self.progress, "ntkviz-progress")):
            widget.add_class(css)
        self.train_button.on_click(lambda _: self.train(block=False))
        self.train_all_button.on_click(lambda _: self.train(all_runs=True, block=False))
        super().__init__(strategy=strategy, init=init, action=action, depth=depth,
                         learning_rate=self.base.learning_rate if learning_rate is None
                         else learning_rate,
                         epochs=self.base.epochs if epochs is None else epochs)

    # --- the setting ------------------------------------------------------------------------
    def compute(self, strategy, init, action, depth, learning_rate, epochs) -> Setting:
        if epochs % EPOCH_STEP:
            raise ValueError(f"epochs must be a multiple of {EPOCH_STEP}, got {epochs}")
        config = self.base.replace(strategy=strategy, init=init, action=action, depth=depth,
                                   learning_rate=learning_rate, epochs=epochs)
        setting = Setting(config, {slot: self._run_of(c)
                                   for slot, c in zip(SLOTS, self._setting_configs(config))})
        self._start_warm_up(config)
        return setting

    @property
    def config(self) -> core.AugmentConfig:
        return self.state.config

    @property
    def run(self) -> core.AugmentationRun | None:
        return self._run_of(self.config)

    @property
    def training(self) -> bool:
        """True while a background training thread runs."""
        return self.thread is not None and self.thread.is_alive()

    @staticmethod
    def _setting_configs(config) -> tuple:
        return tuple(config.replace(strategy=s, init=i) for s, i in SLOTS)

    def _run_of(self, config):
        live = self._live.get(config)
        return live if live is not None else core.cached_run(config)

    # --- panels -------------------------------------------------------------------------------
    def _plots(self, s: Setting) -> dict[str, tuple]:
        """Panel → (plot function name, its arguments) for the setting ``s``."""
        c, trained = s.config, any(r is not None for r in s.runs.values())
        group = f"C{c.N} quarter turns" if c.action == "rot90" else f"C{c.N} x-shifts"
        setting = f"{group}, depth {c.depth}, η = {c.learning_rate:g}" if trained else "no run yet"
        word = ("rotated" if c.action == "rot90" else "shifted") if trained else "transformed"
        curves, selected = core.curves(s.runs.values()), (c.strategy, c.init)
        return {"loss": ("loss_curves", (curves, selected, setting)),
                "accuracy": ("augmentation_accuracy_curves",
                             (curves, selected, c.classes if trained else 10, word)),
                "distance": ("distance_curves", (curves, selected))}

    def panels(self, s) -> dict[str, go.Figure]:
        return {k: getattr(plots, f)(*args) for k, (f, args) in self._plots(s).items()}

    def updates(self, s) -> dict[str, dict]:
        return {k: getattr(plots, f + "_update")(*args) for k, (f, args) in self._plots(s).items()}

    def extra_controls(self) -> list:
        return [W.HBox([self.train_button, self.train_all_button]), self.progress]

    def finish_figure(self, fig, slices, axes) -> None:
        for key, (a, b) in slices.items():
            for i, trace in enumerate(fig.data[a:b]):
                trace.legendgroup = f"slot{i}"
                trace.showlegend = key == "loss" and i < len(SLOTS)
        fig.update_layout(showlegend=True, margin=dict(l=60, r=30, t=60, b=60),
                          legend=dict(orientation="h", yanchor="top", y=-0.14, x=0.0))
        fig.update_annotations(font_size=12)

    def readout_text(self, s) -> str:
        c, run = s.config, s.runs[(s.config.strategy, s.config.init)]
        name = slot_label(c.strategy, c.init)
        setting = (f'<span class="ntkviz-setting" data-strategy="{c.strategy}" '
                   f'data-init="{c.init}" '
                   f'data-action="{c.action}" data-N="{c.N}" data-depth="{c.depth}" '
                   f'data-learning-rate="{c.learning_rate!r}" data-epochs="{c.epochs}"></span>')
        if run is None:
            return (f"<b>{name}</b>: not trained yet "
                    f"{value_span('ntkviz-aug-status', 'untrained')}{setting}")
        status = "trained" if run.complete else "training"
        return (f"<b>{name}</b> ({value_span('ntkviz-aug-status', status)}, epoch "
                f"{value_span('ntkviz-aug-epoch', int(run.epochs[-1]))} of {c.epochs})<br>"
                f"Training loss = {value_span('ntkviz-aug-loss', run.final_loss)}<br>"
                f"Accuracy on {'rotated' if c.action == 'rot90' else 'shifted'} test digits = "
                f"{value_span('ntkviz-aug-accuracy', run.final_accuracy)}<br>"
                f"Distance from E, max over layers: start "
                f"{value_span('ntkviz-aug-distance-start', float(run.distance[0].max()), 4)} "
                f"→ now {value_span('ntkviz-aug-distance', run.final_distance, 4)}<br>"
                f"Invariance error max |f(gx) − f(x)| = "
                f"{value_span('ntkviz-aug-invariance', float(run.invariance[-1]), 4)}{setting}")

    def note(self, s) -> str:
        if self._busy:
            return self._status
        if s.runs[(s.config.strategy, s.config.init)] is None:
            return (f"{slot_label(s.config.strategy, s.config.init)} is not trained for this "
                    "setting yet: press Train (or Train all).")
        return ""

    # --- training -----------------------------------------------------------------------------
    def train(self, *, all_runs: bool = False, block: bool = True) -> bool:
        """Train the selected run (``all_runs``: every missing run of the current setting).

        ``block=False`` trains in a background thread (what the buttons do) and returns at
        once; ``block=True`` waits. Returns False (with a message) if a run is already going.
        """
        if self.training:
            self.message.show("A run is still training: wait for it to finish.")
            return False
        configs = self._setting_configs(self.config) if all_runs else (self.config,)
        configs = [c for c in configs if self._run_of(c) is None]
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

    def _set_busy(self, busy: bool):
        self._busy = busy
        self.train_button.disabled = self.train_all_button.disabled = busy
        self.progress.layout.visibility = "visible" if busy else "hidden"

    def _train_all(self, configs):
        failure = None
        try:
            for i, config in enumerate(configs):
                self.progress.value, self.progress.max = 0, config.epochs
                self.progress.description = f"run {i + 1}/{len(configs)}"
                self._status = (f"Training {slot_label(config.strategy, config.init)} "
                                f"({config.epochs} epochs; the first run of a new shape "
                                "compiles for a few seconds)…")
                self.message.show(self._status)
                core.train(config, callback=self._on_epoch)
                self._live.pop(config, None)
        except Exception as error:  # a widget never raises into the page
            failure = error
        finally:
            self._live.clear()
            self._set_busy(False)
            self.refresh()
            if failure is not None:
                self.message.error("Training failed", failure)

    def _on_epoch(self, run):
        self._live[run.config] = run
        self.progress.value = int(run.epochs[-1])
        now = time.monotonic()
        if run.config in self._setting_configs(self.config) and (
                run.complete or now - self._last_redraw >= REDRAW_SECONDS):
            self._last_redraw = now
            self.refresh()

    def _start_warm_up(self, config):
        """Compile ``config``'s shape for the three strategies in the background (once per
        shape; a warm-up still running starts the next shape when it ends)."""
        shape = dataclasses.replace(config, strategy="nominal", init="equivariant",
                                    learning_rate=1.0, epochs=1, seed=0)
        if not self._warm_up or shape in self._warmed or (
                self.warm_up_thread is not None and self.warm_up_thread.is_alive()):
            return
        self._warmed.add(shape)
        first = (config.strategy,) + tuple(s for s in core.STRATEGIES if s != config.strategy)

        def work():
            try:
                core.warm_up(config, first)
            except Exception:  # noqa: BLE001 - a failed warm-up only costs time later
                pass
            state = getattr(self, "state", None)
            if state is not None:
                self._start_warm_up(state.config)

        self.warm_up_thread = threading.Thread(target=work, name="ntkviz-augmentation-warm-up",
                                               daemon=True)
        self.warm_up_thread.start()
