"""widgets.plot: one plotly.js per kernel, sent only to a page that asks for it; a Plot holds
the figure it shows and reports clicks; the Voila template serves plotly.js with the page: the
cartesian bundle ``make install`` puts in web/, at plotly.py's version."""

from __future__ import annotations

import json

import plotly.graph_objects as go
import pytest

from ntkviz.serve import template
from ntkviz.widgets.plot import (
    CARTESIAN_JS,
    CARTESIAN_TRACES,
    PLOTLY_JS,
    Plot,
    PlotlyLibrary,
    plotly_js,
)


def test_plotly_js_goes_to_the_page_only_when_asked():
    library = PlotlyLibrary.shared()
    first = Plot(go.Figure(go.Scatter(x=[0, 1], y=[1, 2])))
    second = Plot(go.Figure())
    assert first.library is second.library is library   # one per kernel
    assert library.source == ""                          # a page with plotly.js needs nothing
    library._on_message(library, {"request": "other"}, [])
    assert library.source == ""
    library._on_message(library, {"request": "source"}, [])
    assert library.source == plotly_js().read_text(encoding="utf-8")


def test_the_explorers_plotly_js_is_the_cartesian_bundle_at_plotly_pys_version():
    assert plotly_js() == CARTESIAN_JS, (
        f"{CARTESIAN_JS} is missing or not at the version of {PLOTLY_JS}: run `make install` "
        "(npm ci --prefix web), or pin plotly.py's plotly.js version in web/package.json")
    heads = [path.read_text(encoding="utf-8")[:200] for path in (CARTESIAN_JS, PLOTLY_JS)]
    versions = [head.split(" v", 1)[1].split()[0] for head in heads]
    assert "cartesian" in heads[0] and versions[0] == versions[1]
    assert CARTESIAN_JS.stat().st_size < PLOTLY_JS.stat().st_size / 2


def test_a_plot_refuses_a_trace_the_cartesian_bundle_cannot_draw():
    with pytest.raises(ValueError, match=r"fig has trace types \['table'\]"):
        Plot(go.Figure(go.Table(cells=dict(values=[[1, 2]]))))
    plot = Plot(go.Figure([go.Heatmap(z=[[1, 2]]), go.Bar(y=[1]), go.Histogram(x=[1])]))
    kinds = {trace["type"] for trace in json.loads(plot.figure)["data"]}
    assert kinds == {"heatmap", "bar", "histogram"} <= CARTESIAN_TRACES


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
    assert static.read_bytes() == plotly_js().read_bytes()
    page = (folder / "index.html.j2").read_text()
    assert 'id="ntkviz-plotly-page"' in page and "static/plotly.min.js" in page


# --- the lean figure path against plotly.py's own ---------------------------------------------
def _decoded(value):
    """JSON as plotly.js reads it: typed arrays ({"dtype", "bdata"}) as flat lists of floats,
    so that two encodings of the same numbers compare equal."""
    import base64

    import numpy as np

    if isinstance(value, dict) and set(value) - {"shape"} == {"dtype", "bdata"}:
        array = np.frombuffer(base64.b64decode(value["bdata"]), dtype=value["dtype"])
        return [None if not np.isfinite(v) else float(v) for v in array.astype(float)]
    if isinstance(value, dict):
        return {k: _decoded(v) for k, v in value.items()}
    if isinstance(value, list):
        flat = [_decoded(v) for v in value]
        if flat and all(isinstance(v, list) for v in flat) and all(
                not v or not isinstance(v[0], (list, dict, str)) for v in flat):
            flat = [x for v in flat for x in v]     # a 2-D list: compare it flat
        return [float(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else v
                for v in flat]
    return value


def test_figure_json_draws_what_plotly_py_writes():
    import numpy as np
    import plotly.io as pio

    from ntkviz.widgets.plot import figure_json

    fig = go.Figure([
        go.Scatter(x=np.arange(5), y=np.array([1.0, np.nan, np.inf, -2.5, 3.0]), name="a",
                   customdata=np.arange(10.0).reshape(5, 2), text=np.array(["p", "q", "r", "s", "t"])),
        go.Heatmap(z=np.arange(12, dtype=np.int64).reshape(3, 4) * 1000, zmin=0.0, zmax=float("nan")),
        go.Bar(x=[1, 2], y=[np.float32(0.5), 2 ** 40], marker_color=["red", "blue"]),
    ])
    fig.update_layout(xaxis_range=np.array([-0.5, 4.5]), title_text="t")
    assert _decoded(json.loads(figure_json(fig))) == _decoded(json.loads(pio.to_json(fig, validate=False)))
    assert _decoded(json.loads(figure_json(fig.to_plotly_json()))) == _decoded(json.loads(figure_json(fig)))


def test_moves_written_without_plotly_equal_moves_written_by_plotly():
    """Each explorer's figure after moves, written into its plain JSON (``write_panel_update``),
    equals the same updates written through plotly.py's validating ``update`` calls."""
    import plotly.io as pio

    from ntkviz import widgets
    from ntkviz.plots.style import write_traces

    def through_plotly(explorer, fig, updates):
        for key, update in updates.items():
            start, stop = explorer._slices[key]
            write_traces(fig.data[start:stop], update["data"])
            for name, value in update.get("layout", {}).items():
                if name == "title_text":
                    fig.layout.annotations[list(explorer.PANELS).index(key)].text = value
                elif name.startswith(("xaxis_", "yaxis_")):
                    x, y = explorer._axes[key]
                    fig.update_layout({(x if name[0] == "x" else y) + name[5:]: value})
                else:
                    fig.update_layout({name: value})

    moves = {widgets.CircleExplorer: [dict(delta=2.0, N=12), dict(length_scale=0.5)],
             widgets.OrbitExplorer: [dict(N=12), dict(architecture="cnn_flatten", kind="nngp")],
             widgets.WidthExplorer: [dict(depth=3)],
             widgets.DynamicsExplorer: [dict(t=5.0)],
             widgets.AccuracyExplorer: [dict(N=4)],
             widgets.EquivariantKernelsExplorer: [dict(n_train=50)]}
    for make, steps in moves.items():
        explorer = make()
        reference = go.Figure(explorer.figure)
        for step in steps:
            assert explorer.set(**step), (make.__name__, step, explorer.message.widget.value)
            through_plotly(explorer, reference, explorer.updates(explorer.state))
        shown = _decoded(json.loads(explorer.plot.figure))
        assert shown == _decoded(json.loads(pio.to_json(reference, validate=False))), make.__name__
