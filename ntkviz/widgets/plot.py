"""``Plot``: a one-way plotly view of a ``go.Figure`` (an anywidget), for the explorers.

The explorers keep their figure as plotly JSON (a dict; ``Explorer.figure`` reads it as a
``go.Figure``) and show it with a ``Plot``. Each ``show(fig)`` sends the figure once, as JSON with its
numeric arrays base64-encoded (plotly's typed-array form), and the browser redraws it with
``Plotly.react``; a redraw still running when the next figure arrives draws only the newest one
(fast drags coalesce). A figure is drawn only while it is on screen (a figure sent to a hidden
tab is drawn when the tab opens), and fits its width to the page as the page changes; where
its panels would be narrower than 400 px (a phone, a laptop with the controls beside) its grid
of panels is drawn as one column. Nothing
is sent back but clicks and "drawn".

Why not plotly's ``FigureWidget``: each one carries plotly.js (about 5 MB) in its own widget
state, so every figure made the page download and run plotly.js again, and after each update
the browser sent the whole figure with all its defaults back to the kernel (measured on the
orbit tab: a 462 kB update, then 19 kB and more echoed back, some rejected by the kernel's
validators). Here plotly.js reaches the page once: with the page itself under ``ntkviz serve``
(its Voila template), else through the kernel (``PlotlyLibrary``): plotly's cartesian bundle
where it is installed (``plotly_js()``), so a ``Plot`` draws only its trace types
(``CARTESIAN_TRACES``: scatter, bar, heatmap, histogram and the other 2-D traces).
"""

from __future__ import annotations

import base64
import json
import math
import re
import threading
from pathlib import Path
from typing import Callable

import anywidget
import numpy as np
import plotly
import traitlets
from plotly.basedatatypes import BaseFigure

__all__ = ["CARTESIAN_TRACES", "Plot", "PlotlyLibrary", "figure_json", "plotly_js"]

#: plotly.js as plotly.py ships it (the version its figures are written for).
PLOTLY_JS = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"
#: plotly's cartesian bundle, installed into ``web/`` by ``npm ci --prefix web`` (``make install``).
CARTESIAN_JS = (Path(__file__).resolve().parents[2] / "web" / "node_modules"
                / "plotly.js-cartesian-dist-min" / "plotly-cartesian.min.js")
#: The trace types the cartesian bundle draws (as its package lists them); the browser test of
#: the dashboard reads them back from the page.
CARTESIAN_TRACES = frozenset({"bar", "box", "contour", "heatmap", "histogram", "histogram2d",
                              "histogram2dcontour", "image", "pie", "scatter", "scatterternary",
                              "violin"})


def _version(script: Path) -> str | None:
    """The ``X.Y.Z`` of a plotly.js bundle's opening comment (``plotly.js … vX.Y.Z``)."""
    with open(script, encoding="utf-8", errors="replace") as f:
        found = re.search(r"plotly\.js\b[^\n]*\bv(\d+\.\d+\.\d+)", f.read(300))
    return found.group(1) if found else None


def plotly_js() -> Path:
    """The plotly.js that draws ``Plot`` figures: plotly's cartesian bundle (1.5 MB) when it is
    installed at the version of plotly.py's own plotly.js, else that full one (4.8 MB).

    A page runs the script before Voila's own (it holds the browser's main thread): 1.5 s for
    the full bundle on the 2-core test machine, 0.5 s for the cartesian one (docs/benchmarks.md).
    ``Plot`` accepts only the cartesian traces, so a figure draws whichever is loaded.
    """
    if CARTESIAN_JS.is_file() and _version(CARTESIAN_JS) == _version(PLOTLY_JS):
        return CARTESIAN_JS
    return PLOTLY_JS

_LIBRARY_ESM = """
// plotly.js from the page (the ntkviz Voila template loads it with the page), else from the kernel
export default {
  initialize({ model }) {
    if (globalThis.Plotly || document.getElementById("ntkviz-plotly")) return;
    const load = () => {
      if (globalThis.Plotly || document.getElementById("ntkviz-plotly") || !model.get("source")) return;
      const script = document.createElement("script");
      script.id = "ntkviz-plotly";
      script.src = URL.createObjectURL(new Blob([model.get("source")], { type: "text/javascript" }));
      document.head.appendChild(script);
    };
    const ask = () => { model.on("change:source", load); model.send({ request: "source" }); };
    const page = document.getElementById("ntkviz-plotly-page");
    if (!page || page.dataset.failed) ask();
    else page.addEventListener("error", ask);
  },
};
"""

_PLOT_ESM = """
const CONFIG = { displaylogo: false, responsive: false };

function plotly() {
  return new Promise((resolve) => {
    const poll = () => (globalThis.Plotly ? resolve(globalThis.Plotly) : setTimeout(poll, 20));
    poll();
  });
}

// A panel narrower than this (px) cannot hold its title and ticks: the figure's panels are
// then stacked in one column, top row first.
const MIN_PANEL_WIDTH = 400;

// The figure to draw at ``width`` px: as it is, or, where its panels would be narrower than
// MIN_PANEL_WIDTH, with its grid of panels (2-D axes and 3-D scenes) restacked as one column
// (each cell keeps its height in pixels, the figure grows; panel titles and colour bars move
// along); panel titles wrapped to their panel's width either way.
function fitted(figure, width) {
  const layout = figure.layout, cells = [];
  const same = (a, b) => Math.abs(a[0] - b[0]) < 1e-9 && Math.abs(a[1] - b[1]) < 1e-9;
  const cell = (x, y) => {
    let c = cells.find((c) => same(c.x, x) && same(c.y, y));
    if (!c) cells.push((c = { x, y }));
    return c;
  };
  const placed = [];   // [object with a domain, its cell, "axis x" | "axis y" | "scene"]
  for (const [key, axis] of Object.entries(layout)) {
    if (!/^xaxis[0-9]*$/.test(key) || !axis.anchor) continue;
    const y = layout["yaxis" + axis.anchor.slice(1)];
    if (!y) continue;
    const c = cell(axis.domain || [0, 1], y.domain || [0, 1]);
    placed.push([axis, c, "x"], [y, c, "y"]);
  }
  for (const [key, scene] of Object.entries(layout)) {
    if (/^scene[0-9]*$/.test(key) && scene.domain) placed.push([scene, cell(scene.domain.x, scene.domain.y), "scene"]);
  }
  const rows = new Set(cells.map((c) => c.y[1].toFixed(6))).size;
  const minWidth = MIN_PANEL_WIDTH * Math.ceil(cells.length / Math.max(rows, 1));
  const stack = !layout.width && cells.length > rows && width < minWidth;   // (a fixed width stays)
  const inside = (c, px, py) => px >= c.x[0] - 1e-6 && px <= c.x[1] + 1e-6 && py >= c.y[0] - 1e-6 && py <= c.y[1] + 0.1;
  const notes = (layout.annotations || []).filter((n) => n.xref === "paper" && n.yref === "paper")
    .map((n) => [n, cells.find((c) => inside(c, n.x, n.y))]).filter(([, c]) => c);
  if (stack) {
    cells.sort((a, b) => b.y[1] - a.y[1] || a.x[0] - b.x[0]);
    const scale = rows / cells.length, used = cells.reduce((t, c) => t + (c.y[1] - c.y[0]) * scale, 0);
    const gap = cells.length > 1 ? Math.max(0, 1 - used) / (cells.length - 1) : 0;
    let top = 1;
    for (const c of cells) { c.top = top; top -= (c.y[1] - c.y[0]) * scale + gap; }
    const y = (c, v) => c.top - (c.y[1] - v) * scale;
    for (const [obj, c, kind] of placed) {
      if (kind === "x") obj.domain = [0, 1];
      else if (kind === "y") obj.domain = [y(c, c.y[0]), y(c, c.y[1])];
      else obj.domain = { x: [0, 1], y: [y(c, c.y[0]), y(c, c.y[1])] };
    }
    for (const [note, c] of notes) {
      note.x = (note.x - c.x[0]) / (c.x[1] - c.x[0]);
      note.y = y(c, Math.min(note.y, c.y[1])) + Math.max(0, note.y - c.y[1]) * scale;
    }
    for (const trace of figure.data) {
      const bar = trace.colorbar;
      if (!bar || bar.y === undefined) continue;
      const axis = layout["xaxis" + (trace.xaxis || "x").slice(1)];
      const c = placed.find(([obj]) => obj === axis);
      if (c) { bar.y = y(c[1], bar.y); bar.len = (bar.len || 1) * scale; bar.x = 1.0; }
    }
    layout.height = (layout.height || 450) / scale;
  }
  // panel titles wrap onto lines as wide as their panel (about 8.5 px a character)
  for (const [note, c] of notes) {
    const chars = Math.max(12, Math.floor(((stack ? 1 : c.x[1] - c.x[0]) * width * 0.9) / 8.5));
    if (typeof note.text === "string") note.text = wrapped(note.text, chars);
  }
  return figure;
}

// ``text`` (plotly's HTML subset) broken at spaces into lines of at most ``chars`` visible
// characters (tags take no room).
function wrapped(text, chars) {
  const visible = (t) => t.replace(/<[^>]*>/g, "").length;
  if (text.includes("<br") || visible(text) <= chars) return text;
  const lines = [""];
  for (const word of text.split(" ")) {
    const line = lines[lines.length - 1];
    if (line && visible(line) + 1 + visible(word) > chars) lines.push(word);
    else lines[lines.length - 1] = line ? line + " " + word : word;
  }
  return lines.join("<br>");
}

export default {
  render({ model, el }) {
    const div = document.createElement("div");
    div.className = "ntkviz-plot";
    el.appendChild(div);
    let drawing = false, stale = true, alive = true, clicks = false, drawnWidth = 0;
    // a figure is drawn only while its div is on screen (a hidden tab has no width to draw at)
    const shown = () => alive && div.isConnected && div.clientWidth > 0;
    const draw = async () => {
      if (drawing) return;
      drawing = true;
      try {
        const Plotly = await plotly();
        while (stale && shown()) {
          stale = false;
          drawnWidth = div.clientWidth;
          const drawn = fitted(JSON.parse(model.get("figure")), drawnWidth);
          // (the config once: given again, plotly rebuilds its context and compares it)
          await Plotly.react(div, drawn.data, drawn.layout, div._fullLayout ? undefined : CONFIG);
        }
        if (!clicks && div._fullLayout && alive) {
          clicks = true;
          model.send({ event: "drawn" });
          div.on("plotly_click", (event) => {
            const point = event.points && event.points[0];
            if (point) model.send({ event: "click", trace: point.curveNumber, point: point.pointNumber });
          });
        }
      } finally {
        drawing = false;   // (a figure that failed to draw leaves the next one free to try)
      }
    };
    const changed = () => { stale = true; draw(); };
    model.on("change:figure", changed);
    // shown, or its width changed (a tab opened, the window resized): draw again, fitted to
    // the new width (plotly sizes a figure without a width to its div)
    const resized = new ResizeObserver(() => {
      if (shown() && (stale || Math.abs(div.clientWidth - drawnWidth) > 1)) { stale = true; draw(); }
    });
    resized.observe(div);
    draw();
    return () => {
      resized.disconnect();
      alive = false;
      model.off("change:figure", changed);
      if (globalThis.Plotly) globalThis.Plotly.purge(div);
    };
  },
};
"""


def figure_json(figure) -> str:
    """``figure`` (a ``go.Figure``, or its plotly JSON as a dict) as the JSON plotly.js draws:
    numeric arrays as base64 typed arrays (``{"dtype": "f8", "bdata": …}``, as plotly.py writes
    them), non-finite numbers as ``null``. Written directly, without plotly.py's copy of the
    figure in ``pio.to_json`` (44 of a circle-tab move's 110 ms under load, measured)."""
    spec = figure.to_plotly_json() if isinstance(figure, BaseFigure) else figure
    if not isinstance(spec, dict) or not isinstance(spec.get("data", []), (list, tuple)):
        raise TypeError(f"figure must be a plotly Figure or its JSON dict, got {type(figure).__name__}")
    return json.dumps(_jsonable(spec), separators=(",", ":"), allow_nan=False)


#: Keys whose arrays plotly.js reads as plain lists (as plotly.py leaves them).
_PLAIN_ARRAYS = frozenset({"range", "geojson", "layer", "layers"})
#: Integer arrays are sent as the smallest of these typed arrays that holds them.
_INT_TYPES = (("i1", np.int8), ("i2", np.int16), ("i4", np.int32))


#: Types a list may hold to be written as it is (after non-finite floats become null).
_SCALARS = frozenset({float, int, str, bool, type(None)})


def _jsonable(value, key=None):
    if isinstance(value, dict):
        return {k: _jsonable(v, k) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        if all(type(v) in _SCALARS for v in value):   # a flat list (the common case): one pass
            if all(type(v) is not float or math.isfinite(v) for v in value):
                return value
            return [None if type(v) is float and not math.isfinite(v) else v for v in value]
        return [_jsonable(v) for v in value]
    if isinstance(value, np.ndarray):
        return _typed_array(value) if key not in _PLAIN_ARRAYS else _jsonable(value.tolist())
    if isinstance(value, np.generic):
        return _jsonable(value.item())
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _typed_array(array: np.ndarray):
    if array.size == 0 or array.dtype.kind not in "fiu":
        return _jsonable(array.tolist())
    if array.dtype.kind == "f":
        dtype, array = "f8", array.astype("<f8", copy=False)
    else:
        low, high = int(array.min()), int(array.max())
        fits = [(name, t) for name, t in _INT_TYPES
                if np.iinfo(t).min <= low and high <= np.iinfo(t).max]
        if not fits:
            return _jsonable(array.tolist())
        dtype, array = fits[0][0], array.astype(fits[0][1])
    spec = {"dtype": dtype, "bdata": base64.b64encode(np.ascontiguousarray(array)).decode("ascii")}
    if array.ndim > 1:
        spec["shape"] = ", ".join(map(str, array.shape))
    return spec


class PlotlyLibrary(anywidget.AnyWidget):
    """Puts plotly.js on the page once (one instance per kernel: ``PlotlyLibrary.shared()``):
    a page without it (JupyterLab, Voila's own templates) asks for ``source``, then runs it."""

    _esm = _LIBRARY_ESM
    source = traitlets.Unicode().tag(sync=True)
    _shared: PlotlyLibrary | None = None
    _lock = threading.Lock()

    def __init__(self):
        super().__init__()
        self.on_msg(self._on_message)

    @classmethod
    def shared(cls) -> PlotlyLibrary:
        with cls._lock:
            if cls._shared is None:
                cls._shared = cls()
            return cls._shared

    def _on_message(self, _widget, content, _buffers) -> None:
        if isinstance(content, dict) and content.get("request") == "source" and not self.source:
            self.source = plotly_js().read_text(encoding="utf-8")


class Plot(anywidget.AnyWidget):
    """Shows a ``go.Figure`` (or its plotly JSON dict); ``show(fig)`` redraws it, ``on_click(callback)`` reports clicks as
    ``callback(trace_index, point_index)``; ``drawn`` is set once a page has drawn it."""

    _esm = _PLOT_ESM
    figure = traitlets.Unicode().tag(sync=True)

    def __init__(self, fig):
        super().__init__()
        self.library = PlotlyLibrary.shared()
        self._clicks: list[Callable[[int, int], None]] = []
        self.drawn = threading.Event()
        self.on_msg(self._on_message)
        self.show(fig)

    def show(self, fig) -> None:
        """Send ``fig`` to every view of this plot (each redraws it). Raises ``ValueError`` for a
        trace type outside ``CARTESIAN_TRACES``."""
        spec = fig.to_plotly_json() if isinstance(fig, BaseFigure) else fig
        if isinstance(spec, dict) and isinstance(spec.get("data"), (list, tuple)):
            kinds = {t.get("type", "scatter") for t in spec["data"] if isinstance(t, dict)}
            if kinds - CARTESIAN_TRACES:
                raise ValueError(f"fig has trace types {sorted(kinds - CARTESIAN_TRACES)}; a Plot draws "
                                 f"only {sorted(CARTESIAN_TRACES)}")
        self.figure = figure_json(spec)

    def on_click(self, callback: Callable[[int, int], None]) -> None:
        self._clicks.append(callback)

    def click(self, trace: int, point: int) -> None:
        """Report a click on point ``point`` of trace ``trace`` (as the browser does)."""
        for callback in self._clicks:
            callback(trace, point)

    def _on_message(self, _widget, content, _buffers) -> None:
        if isinstance(content, dict) and content.get("event") == "click":
            self.click(int(content["trace"]), int(content["point"]))
        elif isinstance(content, dict) and content.get("event") == "drawn":
            self.drawn.set()
