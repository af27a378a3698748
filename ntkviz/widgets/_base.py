"""What every explorer shares: throttled controls, an in-place message line, readable values.

* ``Throttle``: a control moved while dragging redraws at most once per ``THROTTLE_SECONDS``,
  always ending on the latest value, so a fast drag never queues a backlog.
* ``MessageLine``: errors and notes shown in place (``.ntkviz-message-error`` /
  ``.ntkviz-message-note``); a widget never raises into the page.
* ``format_number`` / ``value_span``: a readout number rounded to what a student needs
  (3 significant digits; integers stay integers), the full value on hover (``title``) and
  exactly in ``data-value`` for tests.
* ``compose_subplots``: several ``ntkviz.plots`` figures as the panels of one FigureWidget
  (each FigureWidget front end loads the whole plotly bundle before it accepts updates; with
  many separate widgets the late ones silently lost their first updates in Voila).
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import functools
import html
import math
import numbers
import time
from typing import Callable

import ipywidgets as W
import plotly.graph_objects as go
from plotly.subplots import make_subplots

__all__ = ["STYLE", "THROTTLE_SECONDS", "READOUT_DIGITS", "Explorer", "Throttle", "MessageLine",
           "format_number", "value_span", "compose_subplots", "write_panel_update",
           "sync_initial_state", "guarded"]

#: Significant digits a readout shows by default (the full value is in its hover title).
READOUT_DIGITS = 3

#: Shortest time between two redraws while a control is dragged (the last value always lands).
THROTTLE_SECONDS = 0.06

STYLE = """<style>
.ntkviz-readout { font-size: 15px; line-height: 1.6; }
.ntkviz-readout .ntkviz-value { font-family: monospace; font-weight: bold; }
.ntkviz-readout .ntkviz-value[title] { cursor: help; text-decoration: underline dotted #999; }
.ntkviz-message-error { color: #b00020; font-weight: bold; }
.ntkviz-message-note { color: #555; }
.ntkviz-intro { font-size: 14px; color: #333; margin-bottom: 4px; }
</style>"""


def format_number(value, digits: int = READOUT_DIGITS) -> str:
    """``value`` as a readout shows it: integers (and integral floats below 1e15) in full;
    other reals to ``digits`` significant digits (``0.0459``), whole units from ``10**digits``
    to 1e6 (``12346``), beyond that with a short exponent (``1.34e-5``, ``2.5e7``); ``∞``,
    ``−∞`` and ``nan``. Anything else (text, booleans) is ``str(value)``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        return str(value)
    if isinstance(value, numbers.Integral):
        return str(int(value))
    value = float(value)
    if math.isinf(value):
        return "∞" if value > 0 else "−∞"
    if math.isfinite(value) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    text = f"{value:.{digits}g}"
    if 10**digits <= abs(float(text)) < 1e6:
        return f"{value:.0f}"
    mantissa, e, exponent = text.partition("e")
    return f"{mantissa}e{int(exponent)}" if e else text


def value_span(css: str, value, digits: int = READOUT_DIGITS) -> str:
    """A readout number: rounded text (``format_number``), the full value on hover (``title``)
    and the exact ``repr`` in ``data-value`` for tests. Text values are escaped, without title."""
    exact = html.escape(repr(value))
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        text = html.escape(str(value))
        return f'<span class="ntkviz-value {css}" data-value="{exact}">{text}</span>'
    full = str(int(value)) if isinstance(value, numbers.Integral) else repr(float(value))
    return (f'<span class="ntkviz-value {css}" data-value="{exact}" title="{html.escape(full)}">'
            f"{format_number(value, digits)}</span>")


class Explorer:
    """What every explorer shows the world: ``widget`` (the ipywidgets root), ``figure`` (one
    FigureWidget whose panels are named by the class's ``PANELS``, name → (row, column)), and
    the panels' traces and titles for tests and scripts."""

    PANELS: dict[str, tuple[int, int]] = {}
    #: True while code (not the user) moves the controls: their observers then do nothing.
    _syncing = False

    @contextlib.contextmanager
    def _moving_controls(self):
        """Move controls from code without their observers redrawing (nests safely)."""
        before, self._syncing = self._syncing, True
        try:
            yield
        finally:
            self._syncing = before

    def traces(self, name: str) -> tuple:
        """The traces of one panel (names as in ``PANELS``)."""
        start, stop = self._slices[name]
        return self.figure.data[start:stop]

    def panel_title(self, name: str) -> str:
        """The current title of one panel."""
        return self.figure.layout.annotations[list(self.PANELS).index(name)].text

    def display(self):
        """Display the explorer in a notebook."""
        from IPython.display import display

        display(self.widget)

    def _ipython_display_(self):
        self.display()


def guarded(what: str):
    """Decorate an explorer's event handler (a control observer, a button or click callback):
    any exception it raises is shown in the explorer's ``message`` line (``what: Type: text``)
    instead of reaching the page as a traceback; the figure is left as it was.

    The explorers' ``_update`` methods already catch their own failures; this is the safety net
    for everything between a browser event and them (reading controls, resizing ranges, linked
    callbacks), so no event handler can raise into the kernel's comm handler.
    """

    def wrap(method):
        @functools.wraps(method)
        def handler(self, *args, **kwargs):
            try:
                return method(self, *args, **kwargs)
            except Exception as error:  # a widget never raises into the page
                message = getattr(self, "message", None)
                if message is not None:
                    with contextlib.suppress(Exception):
                        message.error(what, error)
                return False

        return handler

    return wrap


class Throttle:
    """Call ``apply()`` now, or once later (trailing edge) if the last call was too recent."""

    def __init__(self, apply: Callable[[], None], seconds: float = THROTTLE_SECONDS):
        self._apply = apply
        self.seconds = seconds
        self._scheduled = False
        self._last = -float("inf")

    def __call__(self, *_):
        wait = self._last + self.seconds - time.monotonic()
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:  # no event loop (plain Python, tests): apply at once
            loop = None
        if loop is None or wait <= 0:
            self._run()
        elif not self._scheduled:
            self._scheduled = True
            loop.call_later(wait, self._run)

    def _run(self):
        self._scheduled = False
        self._last = time.monotonic()
        self._apply()


class MessageLine:
    """An HTML line for notes and errors, shown in place of a traceback."""

    def __init__(self):
        self.widget = W.HTML(layout=W.Layout(min_height="1.5em"))
        self.show("")

    def show(self, text: str, error: bool = False):
        if not text:
            self.widget.value = '<div class="ntkviz-message"></div>'
            return
        css = "ntkviz-message-error" if error else "ntkviz-message-note"
        self.widget.value = f'<div class="ntkviz-message {css}">{html.escape(text)}</div>'

    def error(self, what: str, error: Exception):
        self.show(f"{what}: {type(error).__name__}: {error}", error=True)

    @property
    def value(self) -> str:
        return self.widget.value


def compose_subplots(panels: dict[str, go.Figure], grid: dict[str, tuple[int, int]], *, rows: int,
                     cols: int, specs=None, height: int, width: int, finish=None, **subplot_args):
    """Copy the traces, axes and titles of ``panels`` into one ``go.FigureWidget``.

    ``finish(fig, slices, axes)``, if given, edits the composed ``go.Figure`` before it becomes a
    widget: edits made to a FigureWidget before it is displayed did not all reach the browser
    in Voila, so every styling belongs there.

    Returns ``(figure, slices, axes)``: ``slices[name]`` is the (start, stop) range of that
    panel's traces, ``axes[name]`` its (xaxis, yaxis) layout names (absent for 3-D scenes).
    """
    fig = make_subplots(rows=rows, cols=cols, specs=specs,
                        subplot_titles=[panels[k].layout.title.text for k in grid], **subplot_args)
    slices, axes = {}, {}
    for key, (row, col) in grid.items():
        panel = panels[key]
        start = len(fig.data)
        fig.add_traces(list(panel.data), rows=row, cols=col)
        slices[key] = (start, len(fig.data))
        if panel.layout.scene and panel.data and panel.data[0].type == "scatter3d":
            scene = panel.layout.scene.to_plotly_json()
            scene.pop("domain", None)
            fig.update_scenes(scene, row=row, col=col)
            continue
        sub = fig.get_subplot(row, col)
        axes[key] = (sub.xaxis.plotly_name, sub.yaxis.plotly_name)
        for axis, source in ((sub.xaxis, panel.layout.xaxis), (sub.yaxis, panel.layout.yaxis)):
            settings = {k: v for k, v in source.to_plotly_json().items()
                        if k not in ("domain", "anchor", "scaleanchor", "constrain")}
            axis.update(settings)
    fig.update_layout(height=height, width=width, template="plotly_white", uirevision="explorer")
    if finish is not None:
        finish(fig, slices, axes)
    return go.FigureWidget(fig), slices, axes


def write_panel_update(fig, slices, axes, titles_index: dict[str, int], updates: dict[str, dict]):
    """Write per-panel ``*_update`` dicts into a composed figure, in one batched message
    (and into its initial state while it has no view yet, see ``sync_initial_state``).

    ``titles_index[name]`` is the annotation holding that panel's title; layout keys
    ``xaxis_…``/``yaxis_…`` go to the panel's own axes, anything else (``scene_…``) as given.
    """
    layout = {}
    with fig.batch_update():
        for key, update in updates.items():
            start, stop = slices[key]
            for trace, values in zip(fig.data[start:stop], update["data"]):
                trace.update(values)
            for name, value in update.get("layout", {}).items():
                if name == "title_text":
                    fig.layout.annotations[titles_index[key]].text = value
                elif name.startswith(("xaxis_", "yaxis_")):
                    x, y = axes[key]
                    layout[(x if name.startswith("xaxis_") else y) + name[5:]] = value
                else:
                    layout[name] = value
        if layout:
            fig.update_layout(layout)
    sync_initial_state(fig)


def sync_initial_state(fig) -> None:
    """Make edits to a FigureWidget that is not displayed yet part of its initial state.

    A FigureWidget sends each edit as a message that only views existing at that moment apply
    (and that is lost while its front end is still loading); a view created later draws the
    synced initial state. Seen in Voila: explorers built, then set up or run before they were
    shown, came up with stale traces and legends. Once a view exists (``_view_count`` > 0) the
    edits reach it and nothing is copied.
    """
    if isinstance(fig, go.FigureWidget) and not getattr(fig, "_view_count", 0):
        fig._widget_data = copy.deepcopy(fig._data)
        fig._widget_layout = copy.deepcopy(fig._layout_obj._props)
