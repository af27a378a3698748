"""One figure for all panels of an explorer: ``ntkviz.plots`` figures composed as subplots, and
per-panel updates written into it (``widgets.plot.Plot`` shows it)."""

from __future__ import annotations

import plotly.graph_objects as go
from plotly.subplots import make_subplots

from ..plots.style import write_traces

__all__ = ["compose_subplots", "write_panel_update"]


def compose_subplots(panels: dict[str, go.Figure], grid: dict[str, tuple[int, int]], *, rows: int,
                     cols: int, specs=None, height: int, width: int, finish=None, **subplot_args):
    """Copy the traces, axes and titles of ``panels`` into one ``go.Figure``.

    ``finish(fig, slices, axes)``, if given, styles the composed figure.

    Returns ``(figure, slices, axes)``: ``slices[name]`` is the (start, stop) range of that
    panel's traces, ``axes[name]`` its (xaxis, yaxis) layout names (absent for 3-D scenes and
    domain panels such as tables).
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
        if not hasattr(sub, "xaxis"):  # a domain panel (a table) has no axes
            continue
        axes[key] = (sub.xaxis.plotly_name, sub.yaxis.plotly_name)
        for axis, source in ((sub.xaxis, panel.layout.xaxis), (sub.yaxis, panel.layout.yaxis)):
            settings = {k: v for k, v in source.to_plotly_json().items()
                        if k not in ("domain", "anchor", "scaleanchor", "constrain")}
            axis.update(settings)
    fig.update_layout(height=height, width=width, template="plotly_white", uirevision="explorer")
    # Each redraw of a figure with fixed margins: no margins pushed by long tick labels (a
    # second full redraw whenever they change) and no measuring of which labels overflow the
    # page (together 10-30 % of a redraw's time in Chromium, measured on the explorers).
    fig.update_xaxes(automargin=False, ticklabeloverflow="allow")
    fig.update_yaxes(automargin=False, ticklabeloverflow="allow")
    if finish is not None:
        finish(fig, slices, axes)
    return fig, slices, axes


def write_panel_update(fig, slices, axes, titles_index: dict[str, int], updates: dict[str, dict]):
    """Write per-panel ``*_update`` dicts into a composed figure.

    ``titles_index[name]`` is the annotation holding that panel's title; an update's ``data``
    addresses the panel's traces in order or by name (``plots.style.write_traces``); layout keys
    ``xaxis_…``/``yaxis_…`` go to the panel's own axes, anything else (``scene_…``) as given.
    """
    layout = {}
    for key, update in updates.items():
        start, stop = slices[key]
        write_traces(fig.data[start:stop], update["data"])
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
