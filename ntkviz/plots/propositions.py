"""Figures of the proposition checker (arXiv 2412.11521, App. C, Props. 1–4;
docs/theory.md#circulant-and-constant-orbit-kernels): orbit kernels and the table.

Data in, figure out: the Gram matrices and the table's text come from
``experiments.propositions.PropositionTable.figure_data()`` (or any arrays and strings of the
same shapes); nothing here computes a kernel. Every ``*_update`` validates its arguments first
(``TypeError``/``ValueError`` naming the argument; no NaN), and each figure builds on its update.
"""

from __future__ import annotations

import html
from collections.abc import Mapping

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from .orbits import kernel_color_range
from .style import COLORS, apply_update, check_text, check_values, layout

__all__ = [
    "proposition_table_html",
    "orbit_heatmaps",
    "orbit_heatmaps_update",
    "proposition_table_figure",
    "proposition_table_figure_update",
    "propositions_figure",
    "propositions_figure_update",
]

#: A panel whose entries differ by at most this fraction of max |K| is drawn in one colour.
_FLAT_RTOL = 1e-10
_AGREE_FILL = "#e8f4e8"
_DISAGREE_FILL = "#fbe3e3"
_HOVER = ("%{meta}<br>row i = %{y}, column j = %{x}<br>K<sub>ij</sub> = k(g<sup>i</sup>x, g<sup>j</sup>x) = "
          "%{z:.12g}<extra></extra>")


def _sequence(name: str, values, what: str) -> list:
    """``values`` as a list; a ``TypeError`` naming ``name`` unless it is a sequence (not a
    string or a dict)."""
    if isinstance(values, (str, bytes, Mapping)) or not hasattr(values, "__iter__"):
        raise TypeError(f"{name} must be a sequence of {what}, got {values!r:.60}")
    return list(values)


def _labels(name: str, labels, count: int, of: str) -> None:
    labels = _sequence(name, labels, "strings")
    if not all(isinstance(label, str) for label in labels):
        raise TypeError(f"{name} must hold strings, got {labels!r:.60}")
    if len(labels) != count:
        raise ValueError(f"{name} must have one label per {of} ({count}), got {len(labels)}")


def _grid(grams, row_labels, column_labels) -> list[list[np.ndarray]]:
    """``grams`` as rows of finite square float matrices; the labels name its rows and columns."""
    rows = []
    for row in _sequence("grams", grams, "rows of (N, N) matrices"):
        if isinstance(row, np.ndarray) and row.ndim != 3:
            raise ValueError(f"grams must be rows of (N, N) matrices (nested lists or a 4-d "
                             f"array), got a row of shape {row.shape}")
        rows.append(_sequence("grams", row, "rows of (N, N) matrices"))
    if not rows or not rows[0] or any(len(row) != len(rows[0]) for row in rows):
        raise ValueError("grams must be a non-empty rectangular grid (rows of kernels × columns of orbits)")
    grid = [[check_values(f"grams[{r}][{c}]", K, ndim=2) for c, K in enumerate(row)]
            for r, row in enumerate(rows)]
    for r, row in enumerate(grid):
        for c, K in enumerate(row):
            if K.shape[0] != K.shape[1]:
                raise ValueError(f"grams must hold square (N, N) matrices, got shape {K.shape} "
                                 f"at grams[{r}][{c}]")
    _labels("row_labels", row_labels, len(grid), "row of grams")
    _labels("column_labels", column_labels, len(grid[0]), "column of grams")
    return grid


def _check_table(header, cells, agrees) -> tuple[list, list, list | None]:
    """``(header, cells, agrees)`` as lists (entries of cells are shown with ``str``); the
    update checks the row counts as it builds the columns (``_table_columns``, ``_fills``)."""
    header = _sequence("header", header, "column names")
    if not header:
        raise ValueError("header must name at least one column, got none")
    if not all(isinstance(name, str) for name in header):
        raise TypeError(f"header must hold strings, got {header!r:.60}")
    cells = [_sequence("cells", row, "rows of entries")
             for row in _sequence("cells", cells, "rows of entries")]
    if agrees is not None:
        agrees = _sequence("agrees", agrees, "booleans")
        if not all(isinstance(a, (bool, np.bool_)) for a in agrees):
            raise TypeError(f"agrees must hold booleans (True/False), got {agrees!r:.60}")
    return header, cells, agrees


def color_range(K) -> tuple[float, float]:
    """``plots.orbits.kernel_color_range``, except that a matrix constant to 1e-10 (relative)
    gets a range around its value, so round-off does not paint a pattern."""
    K = np.asarray(K, dtype=float)
    scale = float(np.max(np.abs(K), initial=0.0))
    if float(np.ptp(K)) <= _FLAT_RTOL * scale:
        middle = float(np.mean(K))
        half = max(scale, 1.0)
        return middle - half, middle + half
    return kernel_color_range(K)


def _heatmap_data(grid, row_labels, column_labels) -> list[dict]:
    data = []
    for r, row in enumerate(grid):
        for c, K in enumerate(row):
            lo, hi = color_range(K)
            data.append(dict(z=K, zmin=lo, zmax=hi, meta=f"{row_labels[r]}, {column_labels[c]}",
                             x=np.arange(K.shape[0]), y=np.arange(K.shape[0])))
    return data


def _heatmap_traces(fig, rows: int, cols: int) -> None:
    for r in range(1, rows + 1):
        for c in range(1, cols + 1):
            heatmap = go.Heatmap(colorscale="Viridis", showscale=False, hovertemplate=_HOVER)
            fig.add_trace(heatmap, row=r, col=c)
            index = (r - 1) * cols + c
            fig.update_xaxes(title_text="j" if r == rows else None, row=r, col=c, constrain="domain")
            fig.update_yaxes(title_text="i" if c == 1 else None, autorange="reversed", row=r, col=c,
                             scaleanchor=f"x{'' if index == 1 else index}")


def _titles(row_labels, column_labels) -> list[str]:
    return [f"{rl}<br>{cl}" for rl in row_labels for cl in column_labels]


def orbit_heatmaps_update(grams, row_labels, column_labels) -> dict:
    """The data of ``orbit_heatmaps``."""
    grid = _grid(grams, row_labels, column_labels)
    return {"data": _heatmap_data(grid, row_labels, column_labels), "layout": {}}


def orbit_heatmaps(grams, row_labels, column_labels, *,
                   title: str = "Kernel over one orbit, K_ij = k(gⁱx, gʲx)") -> go.Figure:
    """A grid of orbit kernel heatmaps: rows = kernels, columns = group actions.

    Parameters
    ----------
    grams : rows × columns of (N, N) Gram matrices ``K_ij = k(g^i x, g^j x)`` (N may differ per
        column); row_labels, column_labels : their names

    A circulant K has constant wrapped diagonals, a constant K one colour. Each panel has its
    own colour range, up to the largest off-diagonal entry (``color_range``: the bias makes
    every entry large, the structure is in the differences); a constant panel is one colour. Traces: one heatmap
    per panel, row-major. arXiv 2412.11521, App. C, Props. 1–4. Every matrix must be finite.
    """
    update = orbit_heatmaps_update(grams, row_labels, column_labels)
    check_text("title", title)
    rows, cols = len(row_labels), len(column_labels)
    fig = make_subplots(rows=rows, cols=cols, subplot_titles=_titles(row_labels, column_labels),
                        horizontal_spacing=0.06, vertical_spacing=0.35 / rows)
    _heatmap_traces(fig, rows, cols)
    layout(fig, title)
    fig.update_layout(width=260 * cols + 80, height=230 * rows + 80, margin=dict(l=50, r=20, t=90, b=40))
    fig.update_annotations(font_size=10)
    return apply_update(fig, update)


def _table_columns(header, cells) -> list[list[str]]:
    cells = [list(map(str, row)) for row in cells]
    if any(len(row) != len(header) for row in cells):
        raise ValueError(f"cells must have one entry per header column ({len(header)}) in every row")
    return [list(column) for column in zip(*cells)] if cells else [[] for _ in header]


def _fills(agrees, n_rows: int, n_cols: int):
    if agrees is None:
        return "white"
    colour = [_AGREE_FILL if a else _DISAGREE_FILL for a in agrees]
    if len(colour) != n_rows:
        raise ValueError(f"agrees must have one entry per row of cells ({n_rows}), got {len(colour)}")
    return [colour] * n_cols


def proposition_table_figure_update(header, cells, agrees=None) -> dict:
    """The data of ``proposition_table_figure``."""
    header, cells, agrees = _check_table(header, cells, agrees)
    columns = _table_columns(header, cells)
    return {
        "data": [dict(header=dict(values=list(header)),
                      cells=dict(values=columns, fill_color=_fills(agrees, len(cells), len(header))))],
        "layout": {},
    }


def _table_trace() -> go.Table:
    return go.Table(
        header=dict(fill_color=COLORS["A"], font=dict(color="white", size=11), align="left"),
        cells=dict(align="left", font=dict(size=10), height=22),
        columnwidth=[150, 120, 95, 95, 45, 110, 260, 70],
    )


def proposition_table_html(header, cells, agrees=None, *, title: str | None = None) -> str:
    """The proposition table as an HTML table (rows agreeing with the claim green, others red):
    for pages, where a plotly Table redraws slowly (240 ms per redraw measured in Chromium)."""
    header, cells, agrees = _check_table(header, cells, agrees)
    check_text("title", title, optional=True)
    _table_columns(header, cells)  # (checks the row lengths)
    fills = _fills(agrees, len(cells), len(header))
    rows = [f'<tr style="background:{fills if agrees is None else fills[0][i]}">'
            + "".join(f"<td>{html.escape(str(c))}</td>" for c in row) + "</tr>"
            for i, row in enumerate(cells)]
    head = "".join(f'<th style="background:{COLORS["A"]};color:white">{html.escape(str(h))}</th>'
                   for h in header)
    caption = f"<caption>{html.escape(title)}</caption>" if title else ""
    return (f'<table class="ntkviz-proposition-table">{caption}<tr>{head}</tr>'
            + "".join(rows) + "</table>")


def proposition_table_figure(header, cells, agrees=None, *,
                             title: str = "Props. 1–4 (arXiv 2412.11521, App. C), checked",
                             ) -> go.Figure:
    """The proposition table as a plotly Table; rows that agree with the claim are green, others red.

    Parameters
    ----------
    header : column names;  cells : rows of strings (``PropositionTable.cells()``)
    agrees : per row, whether the numbers agree with the claim (None: no colouring)
    """
    update = proposition_table_figure_update(header, cells, agrees)
    check_text("title", title)
    fig = go.Figure(_table_trace())
    layout(fig, title)
    rows = len(update["data"][0]["cells"]["values"][0])
    fig.update_layout(width=1100, height=90 + 30 * (rows + 1), margin=dict(l=10, r=10, t=50, b=10))
    return apply_update(fig, update)


def propositions_figure_update(grams, row_labels, column_labels, header, cells, agrees=None) -> dict:
    """The data of ``propositions_figure``."""
    heat = orbit_heatmaps_update(grams, row_labels, column_labels)
    table = proposition_table_figure_update(header, cells, agrees)
    return {"data": heat["data"] + table["data"], "layout": {}}


def propositions_figure(grams, row_labels, column_labels, header, cells, agrees=None, *,
                        title: str = ("Kernels over one orbit and Props. 1–4 "
                                      "(arXiv 2412.11521, App. C)"),
                        ) -> go.Figure:
    """The orbit heatmaps (rows = kernels, columns = actions) above the proposition table.

    Arguments as ``orbit_heatmaps`` and ``proposition_table_figure``; pass
    ``**PropositionTable.figure_data()``. Traces: the heatmaps row-major, then the table.
    """
    update = propositions_figure_update(grams, row_labels, column_labels, header, cells, agrees)
    check_text("title", title)
    rows, cols = len(row_labels), len(column_labels)
    n_cells = len(update["data"][-1]["cells"]["values"][0])
    specs = [[{"type": "heatmap"}] * cols for _ in range(rows)]
    specs.append([{"type": "table", "colspan": cols}] + [None] * (cols - 1))
    height = 200 * rows + 52 * (n_cells + 1) + 140
    table_height = 52 * (n_cells + 1) / (height - 110)
    fig = make_subplots(
        rows=rows + 1, cols=cols, specs=specs,
        subplot_titles=_titles(row_labels, column_labels) + [""],
        row_heights=[(1.0 - table_height) / rows] * rows + [table_height],
        horizontal_spacing=0.06, vertical_spacing=0.25 / (rows + 1),
    )
    _heatmap_traces(fig, rows, cols)
    fig.add_trace(_table_trace(), row=rows + 1, col=1)
    layout(fig, title)
    fig.update_layout(width=1100, height=height, margin=dict(l=50, r=20, t=90, b=20))
    fig.update_annotations(font_size=10)
    return apply_update(fig, update)
