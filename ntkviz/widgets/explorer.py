"""The explorer base: what every explorer shares, so each one only declares its controls, its
computation and its panels.

An explorer subclass declares

* ``CONTROLS``: :class:`Control` records (an argument of ``compute``, its declared ``Param``,
  a CSS class, whether it updates while dragged, and for selections where its options come from);
* ``PANELS``: panel name → (row, column) of the one figure (``FIGURE`` holds the subplot
  layout; its width follows the page), ``MAIN_PANEL``: the panel the lesson is about (in the
  figure's first rows, so it shows beside the controls on a projector), ``LEGEND``: the shared
  legend entries and ``EXPLANATION``: what the explorer shows, folded behind "What am I looking
  at?" (open by default);
* ``compute(**values)`` → state (the experiment's result for the controls' values),
  ``panels(state)`` → initial plotly figures by panel name, ``updates(state)`` → their
  ``*_update`` dicts by name (only these are sent when a control moves), ``readout_text(state)``
  → HTML of the numbers shown, and optionally ``note(state)``.

The base builds the controls from the declarations, composes the figure (``self.figure``, a
``go.Figure``, shown by ``self.plot``, a ``widgets.plot.Plot``), throttles drags (at
most one redraw per ``THROTTLE_SECONDS``, always ending on the latest value), guards every
event (a failure shows in the message line; the last good figure stays), keeps the controls in
sync with ``set(**values)`` and checks ``set``'s values against the controls' ranges.

Layout: the controls, readout, message line and legend form a column beside the figure; on a
narrow screen (a tablet upright, a phone) the column wraps above the figure.
"""

from __future__ import annotations

import contextlib
import dataclasses
import html
import threading
from typing import Callable

import ipywidgets as W
import plotly.graph_objects as go

from ..params import Param
from .a11y import AccessibleNames
from .display import STYLE, MessageLine, explanation_html, legend_html
from .figure import compose_subplots, write_panel_update
from .plot import Plot
from .throttle import Throttle, guarded

__all__ = ["Control", "Explorer"]


@dataclasses.dataclass(frozen=True)
class Control:
    """One control: ``name`` is the argument of ``compute`` it sets, ``param`` its declaration
    (type, bounds or choices, label, slider range), ``css`` its class in the page and ``attr``
    the explorer attribute holding the widget (``N_slider``). ``continuous``: update while
    dragged (else where the drag ends). ``options``: for a selection slider, the attribute of
    the explorer holding its values (e.g. ``"widths"``), or a method giving them for a setting
    (``options(values)``, e.g. the orbit sizes of the chosen action). For a choice: ``labels``
    shown for its choices (in their order, or a function of the choice when the choices can
    grow), ``buttons`` toggle buttons instead of a dropdown. For an int: ``box`` a number box
    instead of a slider."""

    name: str
    param: Param
    css: str
    attr: str
    continuous: bool = True
    options: str | None = None
    labels: tuple[str, ...] | Callable = ()
    buttons: bool = False
    box: bool = False

    def choices(self, owner, values: dict) -> list:
        """What the selection slider offers when the controls show ``values``."""
        source = getattr(owner, self.options)
        return list(source(values) if callable(source) else source)

    def build(self, value, owner, values: dict) -> W.ValueWidget:
        p, style = self.param, {"description_width": "130px"}
        common = dict(description=p.label or p.name, continuous_update=self.continuous,
                      style=style, layout=W.Layout(width="100%"))
        if self.options is not None:
            widget = W.SelectionSlider(options=self.choices(owner, values), value=value, **common)
        elif p.kind == "choice":
            labels = [self.labels(c) for c in p.choices] if callable(self.labels) else self.labels
            options = list(zip(labels, p.choices)) if labels else list(p.choices)
            kind = W.ToggleButtons if self.buttons else W.Dropdown
            widget = kind(options=options, value=value, description=common["description"],
                          style=style, layout=W.Layout(width="100%"))
        elif p.kind == "flag":
            widget = W.Checkbox(value=value, description=common["description"], indent=False)
        elif p.log:
            low, high, step = p.slider
            widget = W.FloatLogSlider(value=value, base=10, min=low, max=high, step=step,
                                      readout_format=".3g", **common)
        elif p.kind == "int" and self.box:
            low, high, _ = p.slider
            widget = W.BoundedIntText(value=value, min=low, max=high, description=p.label or p.name,
                                      style=style, layout=common["layout"])
        elif p.kind == "int":
            low, high, step = p.slider
            widget = W.IntSlider(value=value, min=low, max=high, step=step or 1, **common)
        else:
            low, high, step = p.slider
            widget = W.FloatSlider(value=value, min=low, max=high, step=step or 0.01,
                                   readout_format=".3g", **common)
        widget.add_class(self.css)
        if isinstance(widget, (W.IntSlider, W.FloatSlider, W.FloatLogSlider, W.SelectionSlider)):
            widget.add_class("ntkviz-slider")
        return widget

    def check(self, value, options=None):
        """``value`` if the control can show it (a selection slider: one of ``options``), else
        the error naming the control."""
        if self.options is not None:
            if value not in options:
                allowed = ", ".join(str(o) for o in options)
                raise ValueError(f"{self.name} must be one of {allowed}; got {value!r}")
        if self.options is not None or self.param.kind in ("choice", "flag"):
            return self.param.check(value, self.name)
        low, high, _ = self.param.slider
        if self.param.log:  # log sliders store exponents; 1 % leeway keeps round ends legal
            low, high = round(10**low / 1.01, 4), round(10**high * 1.01, 4)
        return dataclasses.replace(self.param, minimum=low, maximum=high).check(value, self.name)


class Explorer:
    """Base of the explorers (see the module docstring). Subclasses call
    ``super().__init__(**initial)`` after setting anything ``compute`` needs."""

    CONTROLS: tuple[Control, ...] = ()
    PANELS: dict[str, tuple[int, int]] = {}
    FIGURE: dict = {}
    LEGEND: tuple[tuple[str, str], ...] = ()
    #: The panel the lesson is about (default: the first of ``PANELS``).
    MAIN_PANEL = ""
    EXPLANATION = ""
    CSS = "ntkviz-explorer"
    MESSAGE = "Could not update"
    #: True while code (not the user) moves the controls: their observers then do nothing.
    _syncing = False

    def __init__(self, **initial):
        self._lock = threading.RLock()
        values = {c.name: c.param.check(initial[c.name], c.name) for c in self.CONTROLS}
        self.state, self._shown = self.compute(**values), values
        self.message = MessageLine()
        self.readout = W.HTML(layout=W.Layout(max_width="100%"))
        self.controls = {c.name: c.build(values[c.name], self, values) for c in self.CONTROLS}
        for control in self.CONTROLS:
            setattr(self, control.attr, self.controls[control.name])
        self._syncing = False
        self._throttle = Throttle(self._apply_controls)
        for widget in self.controls.values():
            widget.add_class("ntkviz-control")
            widget.observe(self._on_control, names="value")
        self._build_figure()
        self._show(self.state)
        self.explanation = W.HTML(explanation_html(self.explanation_body(), open_=True))
        side = W.VBox([*self.controls.values(), *self.extra_controls(), self.readout,
                       self.message.widget, W.HTML(self.legend_html())],
                      layout=W.Layout(flex="0 1 380px", min_width="0", max_width="100%"))
        main = W.VBox([self.plot, *self.below_figure()],
                      layout=W.Layout(flex="1 1 560px", min_width="0", max_width="100%"))
        side.add_class("ntkviz-side")
        main.add_class("ntkviz-main")
        self.widget = W.VBox([
            W.HTML(STYLE), AccessibleNames.shared(), self.explanation,
            W.HBox([side, main], layout=W.Layout(flex_flow="row wrap", align_items="flex-start",
                                                 width="100%", grid_gap="4px 16px")),
        ])
        self.widget.add_class(self.CSS)

    # --- what a subclass declares ----------------------------------------------------------
    def compute(self, **values):
        raise NotImplementedError

    def panels(self, state) -> dict[str, go.Figure]:
        raise NotImplementedError

    def updates(self, state) -> dict[str, dict]:
        raise NotImplementedError

    def readout_text(self, state) -> str:
        return ""

    def note(self, state) -> str:
        return ""

    def extra_controls(self) -> list:
        """Widgets shown under the controls (buttons, progress bars)."""
        return []

    def explanation_body(self) -> str:
        """HTML behind "What am I looking at?": ``EXPLANATION`` (explorers may add details)."""
        return html.escape(self.EXPLANATION)

    def legend_html(self) -> str:
        """HTML of the legend shown beside the figure (``LEGEND``'s entries)."""
        return legend_html(self.LEGEND)

    def below_figure(self) -> list:
        """Widgets shown under the figure (tables kept out of plotly, which redraws slowly)."""
        return []

    def finish_figure(self, fig, slices, axes) -> None:
        """Style the composed figure before it becomes a widget."""
        fig.update_traces(showlegend=False)
        fig.update_layout(showlegend=False, margin=dict(l=60, r=40, t=40, b=50))

    def figure_built(self) -> None:
        """Called each time ``self.plot`` is a new ``Plot`` (attach click callbacks)."""

    # --- public --------------------------------------------------------------------------------
    def values(self) -> dict:
        """The controls' current values, by name."""
        return {name: widget.value for name, widget in self.controls.items()}

    def set(self, **changes) -> bool:
        """Move to a new setting (the controls follow); returns whether it succeeded. A bad
        value is reported in the message line, never raised; the last good figure stays."""
        try:
            unknown = set(changes) - set(self.controls)
            if unknown:
                raise TypeError(f"set() got unknown controls {sorted(unknown)}; "
                                f"allowed: {sorted(self.controls)}")
            target = self.values()
            for control in self.CONTROLS:  # in order: options may follow the controls before
                if changes.get(control.name) is not None:
                    options = control.options and control.choices(self, target)
                    target[control.name] = control.check(changes[control.name], options)
        except (TypeError, ValueError) as error:
            self.message.error(self.MESSAGE, error)
            return False
        ok = self._update(target)
        if ok:
            with self._moving_controls():
                for control in self.CONTROLS:
                    widget = self.controls[control.name]
                    if control.options and list(widget.options) != control.choices(self, target):
                        widget.options = control.choices(self, target)
                    widget.value = target[control.name]
        return ok

    def refresh(self) -> bool:
        """Recompute and redraw the setting shown (e.g. when a background job brings new
        data); returns whether it succeeded (a failure is shown, never raised)."""
        return self._update(self._shown)

    def traces(self, name: str) -> tuple:
        """The traces of one panel (names as in ``PANELS``)."""
        start, stop = self._slices[name]
        return self.figure.data[start:stop]

    def panel_title(self, name: str) -> str:
        """The current title of one panel."""
        return self.figure.layout.annotations[list(self.PANELS).index(name)].text

    def fold_explanation(self, folded: bool = True) -> None:
        """Fold (the dashboard) or open (the default, for notebooks) "What am I looking at?"."""
        self.explanation.value = explanation_html(self.explanation_body(), open_=not folded)

    def display(self):
        from IPython.display import display

        display(self.widget)

    def _ipython_display_(self):
        self.display()

    @property
    def figure(self) -> go.Figure:
        """The figure shown, as a ``go.Figure`` (built from the figure's JSON when read)."""
        with self._lock:
            if self._figure is None:
                self._figure = go.Figure(self._spec)
            return self._figure

    def _build_figure(self) -> None:
        figure, self._slices, self._axes = compose_subplots(
            self.panels(self.state), self.PANELS, finish=self.finish_figure, **self.FIGURE)
        # The figure lives as plain plotly JSON: moves write into it and send it without
        # plotly.py's validation and copies (``figure.write_panel_update``, ``plot.figure_json``).
        self._spec, self._figure = figure.to_plotly_json(), figure
        self.plot = Plot(self._spec)
        self.figure_built()

    def _draw(self, updates: dict) -> None:
        """Write ``updates`` (``updates(state)``'s form) into the figure and show it."""
        titles = {key: i for i, key in enumerate(self.PANELS)}
        write_panel_update(self._spec, self._slices, self._axes, titles, updates)
        self._figure = None
        self.plot.show(self._spec)

    # --- the event path ------------------------------------------------------------------------
    @contextlib.contextmanager
    def _moving_controls(self):
        """Move controls from code without their observers redrawing (nests safely)."""
        before, self._syncing = self._syncing, True
        try:
            yield
        finally:
            self._syncing = before

    @guarded("Could not update")
    def _on_control(self, change):
        if not self._syncing:
            self._throttle()

    @guarded("Could not update")
    def _apply_controls(self):
        self._update(self.values())

    def _update(self, values: dict) -> bool:
        with self._lock:  # events and background jobs (``refresh``) redraw one at a time
            try:
                state = self.compute(**values)
                self._draw(self.updates(state))
            except Exception as error:  # a widget never raises into the page
                self.message.error(self.MESSAGE, error)
                return False
            self.state, self._shown = state, dict(values)
            self._show(state)
            return True

    def _show(self, state) -> None:
        # (the message line first: a page showing the new readout has the old error cleared)
        self.message.show(self.note(state))
        self.readout.value = f'<div class="ntkviz-readout">{self.readout_text(state)}</div>'

