"""One figure for all panels of an explorer: ``ntkviz.plots`` figures composed as subplots, and
per-panel updates written into it (``widgets.plot.Plot`` shows it)."""

from __future__ import annotations

import plotly.graph_objects as go
from plotly.subplots import make_subplots

__all__ = ["compose_subplots", "write_panel_update"]


def compose_subplots(panels: dict[str, go.Figure], grid: dict[str, tuple[int, int]], *, rows: int,
                     cols: int, specs=None, height: int, width: int | None = None, finish=None,
                     **subplot_args):
    """Copy the traces, axes and titles of ``panels`` into one ``go.Figure``, ``height`` pixels
    high and ``width`` wide (None: as wide as the page gives it when drawn).

    ``finish(fig, slices, axes)``, if given, styles the composed figure.

    Returns ``(figure, slices, axes)``: ``slices[name]`` is the (start, stop) range of that
    panel's traces, ``axes[name]`` its (xaxis, yaxis) layout names (absent for domain panels
    such as tables).
    """
    fig = make_subplots(rows=rows, cols=cols, specs=specs,
                        subplot_titles=[panels[k].layout.title.text for k in grid], **subplot_args)
    fig.update_annotations(font_size=14)  # the panel titles: long ones fit narrower panels
    slices, axes = {}, {}
    for key, (row, col) in grid.items():
        panel = panels[key]
        start = len(fig.data)
        fig.add_traces(list(panel.data), rows=row, cols=col)
        slices[key] = (start, len(fig.data))
        sub = fig.get_subplot(row, col)
        if not hasattr(sub, "xaxis"):  # a domain panel (a table) has no axes
            continue
        axes[key] = (sub.xaxis.plotly_name, sub.yaxis.plotly_name)
        for axis, source in ((sub.xaxis, panel.layout.xaxis), (sub.yaxis, panel.layout.yaxis)):
            settings = {k: v for k, v in source.to_plotly_json().items()
                        if k not in ("domain", "anchor", "scaleanchor", "constrain")}
            axis.update(settings)
    fig.update_layout(height=height, template="plotly_white", uirevision="explorer")
    fig.update_layout(width=width) if width is not None else fig.update_layout(autosize=True)
    # Each redraw of a figure with fixed margins: no margins pushed by long tick labels (a
    # second full redraw whenever they change) and no measuring of which labels overflow the
    # page (together 10-30 % of a redraw's time in Chromium, measured on the explorers).
    fig.update_xaxes(automargin=False, ticklabeloverflow="allow")
    fig.update_yaxes(automargin=False, ticklabeloverflow="allow")
    if finish is not None:
        finish(fig, slices, axes)
    return fig, slices, axes


def write_panel_update(spec: dict, slices, axes, titles_index: dict[str, int], updates: dict[str, dict]):
    """Write per-panel ``*_update`` dicts into ``spec``, a composed figure as plain plotly JSON
    (``{"data": [...], "layout": {...}}``, from ``fig.to_plotly_json()``).

    Written without plotly's validation (which costs more than the redraw's own computation:
    50-65 ms of a circle-tab move, measured): the panels' ``*_update`` functions are checked by
    the tests, which build a ``go.Figure`` from the result. ``titles_index[name]`` is the
    annotation holding that panel's title; an update's ``data`` addresses the panel's traces in
    order or by name (the ``meta`` of each trace); keys are plotly's underscore paths
    (``marker_color``); layout keys ``xaxis_…``/``yaxis_…`` go to the panel's own axes,
    anything else as given.
    """
    layout = spec["layout"]
    for key, update in updates.items():
        start, stop = slices[key]
        traces = spec["data"][start:stop]
        data = update["data"]
        if isinstance(data, dict):
            by_name = {trace.get("meta"): trace for trace in traces}
            pairs = [(by_name[name], values) for name, values in data.items()]
        else:
            pairs = zip(traces, data)
        for trace, values in pairs:
            _merge(trace, values)
        for name, value in update.get("layout", {}).items():
            if name == "title_text":
                layout["annotations"][titles_index[key]]["text"] = value
            elif name.startswith(("xaxis_", "yaxis_")):
                x, y = axes[key]
                _merge(layout, {(x if name.startswith("xaxis_") else y) + name[5:]: value})
            else:
                _merge(layout, {name: value})


#: Plotly property names holding an underscore of their own (not a path).
_UNDERSCORED = ("error_x", "error_y", "error_z")


def _merge(target: dict, values: dict) -> None:
    """``target.update(values)`` as plotly does it: ``a_b_c`` keys are paths, dict values are
    merged into the dicts they meet."""
    for key, value in values.items():
        head = next((u for u in _UNDERSCORED if key == u or key.startswith(u + "_")), None)
        parts = [head, *key[len(head) + 1:].split("_")] if head else key.split("_")
        parts = [p for p in parts if p]
        node = target
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        if isinstance(value, dict) and isinstance(node.get(parts[-1]), dict):
            _merge(node[parts[-1]], value)
        else:
            node[parts[-1]] = value
