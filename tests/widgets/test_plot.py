"""widgets.plot: one plotly.js per kernel, sent only to a page that asks for it; a Plot holds
the figure it shows and reports clicks; the Voila template serves plotly.js with the page."""

from __future__ import annotations

import json

import plotly.graph_objects as go

from ntkviz.serve import template
from ntkviz.widgets.plot import PLOTLY_JS, Plot, PlotlyLibrary


def test_plotly_js_goes_to_the_page_only_when_asked():
    library = PlotlyLibrary.shared()
    first = Plot(go.Figure(go.Scatter(x=[0, 1], y=[1, 2])))
    second = Plot(go.Figure())
    assert first.library is second.library is library   # one per kernel
    assert library.source == ""                          # a page with plotly.js needs nothing
    library._on_message(library, {"request": "other"}, [])
    assert library.source == ""
    library._on_message(library, {"request": "source"}, [])
    assert library.source.startswith(PLOTLY_JS.read_text(encoding="utf-8")[:200])


def test_a_plot_holds_its_figure_and_reports_clicks():
    figure = go.Figure(go.Scatter(x=[0.5, 1.5], y=[1.0, 2.0], name="points"))
    plot = Plot(figure)
    shown = json.loads(plot.figure)
    assert shown["data"][0]["name"] == "points" and shown["data"][0]["type"] == "scatter"
    figure.data[0].name = "moved"
    plot.show(figure)
    assert json.loads(plot.figure)["data"][0]["name"] == "moved"
    clicks = []
    plot.on_click(lambda trace, point: clicks.append((trace, point)))
    plot._on_message(plot, {"event": "click", "trace": 0, "point": 1}, [])
    plot._on_message(plot, {"event": "hover", "trace": 0, "point": 0}, [])
    assert clicks == [(0, 1)]
    assert not plot.drawn.is_set()
    plot._on_message(plot, {"event": "drawn"}, [])    # a page drew it
    assert plot.drawn.is_set()


def test_the_voila_template_serves_plotly_js_with_the_page():
    root = template.template_root()
    folder = root / "voila" / "templates" / template.TEMPLATE
    static = folder / "static" / "plotly.min.js"
    assert static.is_file() and not static.is_symlink()   # (Voila refuses links out)
    assert static.stat().st_size == PLOTLY_JS.stat().st_size
    page = (folder / "index.html.j2").read_text()
    assert 'id="ntkviz-plotly-page"' in page and "static/plotly.min.js" in page
