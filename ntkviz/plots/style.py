"""Shared look of every figure: one colour per class, sizes, layout, in-place updates."""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping

import numpy as np
import plotly.graph_objects as go
from plotly.basedatatypes import BaseFigure

from .._validate import as_finite_array, check_int, check_real

__all__ = ["OKABE_ITO", "COLORS", "CLASS_SYMBOLS", "CLASS_DASHES", "FILLS", "OUTCOME_COLORS",
           "ARCH_COLORS", "KERNEL_COLORS", "MARKS", "STRATEGY_COLORS", "NTK_NNGP_COLORS",
           "MODE_COLORS", "MODE_DASHES", "MODE_SYMBOLS", "GLYPHS", "CONTRASTS", "rgba", "apply_update", "write_traces", "layout", "finite_or_none", "class_mask", "check_values",
           "check_number", "check_text", "check_index", "check_seeds", "check_integers",
           "check_keys", "check_mapping", "check_accuracies", "check_widths"]

#: Okabe & Ito's palette for readers with a colour-vision deficiency, by name.
OKABE_ITO = {"orange": "#E69F00", "sky blue": "#56B4E9", "bluish green": "#009E73",
             "yellow": "#F0E442", "blue": "#0072B2", "vermillion": "#D55E00",
             "reddish purple": "#CC79A7", "black": "#000000"}
_OI = OKABE_ITO
_PLAIN = "#555555"  # plain networks, NOMINAL training


def rgba(hex_color: str, alpha: float) -> str:
    """``"#rrggbb"`` with opacity ``alpha`` as a CSS/plotly ``rgba(...)`` string."""
    h = hex_color.lstrip("#")
    r, g, b = (int(h[i:i + 2], 16) for i in (0, 2, 4))
    return f"rgba({r},{g},{b},{alpha:g})"


#: One colour per class, used by every figure; ``missing`` marks the left-out point,
#: ``neutral`` the correctly classified pairs of the survey.
COLORS = {"A": _OI["blue"], "B": _OI["vermillion"], "missing": "#111111",
          "accent": _OI["orange"], "neutral": "#444444"}
#: Marker symbol and line dash per class: the classes differ in greyscale too.
CLASS_SYMBOLS = {"A": "circle", "B": "square"}
CLASS_DASHES = {"A": "solid", "B": "dash"}
#: Translucent fills: the area under 1/λ_f and the rectangle 1/λ_N (Eq. 7); finite networks.
FILLS = {"area": rgba(COLORS["A"], 0.25), "rectangle": rgba(COLORS["accent"], 0.3),
         "finite": rgba(COLORS["accent"], 0.55)}
#: Digit thumbnails: ink of a correctly and of a wrongly classified digit.
OUTCOME_COLORS = {"correct": _OI["blue"], "wrong": _OI["vermillion"]}
#: Colour and marker per architecture / kernel (one key, one look, in every figure).
ARCH_COLORS = {"mlp1": _PLAIN, "mlp5": _OI["blue"], "cnn_flatten": _OI["vermillion"],
               "cnn_gap": _OI["reddish purple"], "gcnn": _OI["bluish green"],
               "orbit_mlp": _OI["sky blue"]}
KERNEL_COLORS = {"gcnn": ARCH_COLORS["gcnn"], "cnn_gap": ARCH_COLORS["cnn_gap"],
                 "cnn_flatten": ARCH_COLORS["cnn_flatten"], "augmented_cnn": _OI["sky blue"]}
MARKS = {"mlp1": "circle", "mlp5": "triangle-down", "cnn_flatten": "square", "cnn_gap": "diamond",
         "gcnn": "triangle-up", "orbit_mlp": "cross", "augmented_cnn": "cross"}
#: How a legend written in HTML shows a plotly marker symbol.
GLYPHS = {"circle": "●", "square": "■", "diamond": "◆", "triangle-up": "▲", "triangle-down": "▼",
          "cross": "✚", "x": "✖", "star": "★"}
#: Training strategies of the augmentation figures (the initialisation is the dash).
STRATEGY_COLORS = {"nominal": _PLAIN, "augmented": _OI["sky blue"],
                   "equivariant": _OI["bluish green"]}
#: The empirical NTK and NNGP of finite networks (circles and squares).
NTK_NNGP_COLORS = {"ntk": COLORS["accent"], "nngp": _OI["blue"]}
#: One colour, dash and marker per eigen-direction of the dynamics figures.
MODE_COLORS = (_OI["bluish green"], _OI["reddish purple"], _OI["sky blue"], _PLAIN, _OI["blue"],
               _OI["vermillion"])
MODE_DASHES = ("solid", "dash", "dot", "dashdot", "longdash", "longdashdot")
MODE_SYMBOLS = ("circle-open", "square-open", "diamond-open", "triangle-up-open",
                "triangle-down-open", "x-open")
#: Colours that tell things apart within one panel: every two of a set must stay apart for
#: readers with a colour-vision deficiency (the tests simulate them).
CONTRASTS = {
    "class A / class B": (COLORS["A"], COLORS["B"]),
    "correct / wrong digit": (OUTCOME_COLORS["correct"], OUTCOME_COLORS["wrong"]),
    "NTK / NNGP": (NTK_NNGP_COLORS["ntk"], NTK_NNGP_COLORS["nngp"]),
    "finite / infinite width": (FILLS["finite"], COLORS["missing"]),
    "spectral / exact error": (COLORS["accent"], COLORS["missing"]),
    "area / rectangle": (FILLS["area"], FILLS["rectangle"]),
    "right / wrong sign": (COLORS["neutral"], COLORS["accent"]),
    "architectures": tuple(ARCH_COLORS.values()),
    "equivariant kernels": tuple(KERNEL_COLORS.values()),
    "augmentation strategies": tuple(STRATEGY_COLORS.values()),
    "eigen-directions": MODE_COLORS,
}

_HEIGHT = 430
_WIDTH = 600
_MARGIN = dict(l=60, r=20, t=50, b=110)


def layout(fig: go.Figure, title: str, **kwargs) -> go.Figure:
    fig.update_layout(
        title=dict(text=title, x=0.02, xanchor="left"),
        height=_HEIGHT,
        width=_WIDTH,
        margin=_MARGIN,
        template="plotly_white",
        # below the axis title, so it never covers the title or the data
        legend=dict(orientation="h", yanchor="top", y=-0.2, xanchor="left", x=0.0),
        **kwargs,
    )
    return fig


def check_values(name: str, values, *, ndim=None, length: int | None = None, like: str = "",
                 allow_nan: bool = False) -> np.ndarray:
    """``values`` as a float64 array for a figure, or an error naming ``name``: ``TypeError``
    for non-numeric input, ``ValueError`` for a wrong number of dimensions, no rows, a first
    axis other than ``length`` (the rows of the argument ``like``), or NaN/inf entries (NaN allowed with ``allow_nan``)."""
    if allow_nan:
        try:
            array = np.asarray(values)
        except Exception as error:  # ragged lists
            raise TypeError(f"{name} must be an array of numbers, got {values!r:.60}") from error
        if values is None or array.dtype.kind not in "biuf":
            raise TypeError(f"{name} must be an array of real numbers, got {values!r:.60}")
        array = array.astype(np.float64)
        if np.isinf(array).any():
            raise ValueError(f"{name} must not hold infinite entries")
        if ndim is not None and array.ndim not in ((ndim,) if isinstance(ndim, int) else ndim):
            raise ValueError(f"{name} must have {ndim} dimensions, got shape {array.shape}")
    else:
        array = as_finite_array(name, values, ndim=ndim)
    if array.ndim == 0 or not array.shape[0]:
        raise ValueError(f"{name} must hold at least one row, got shape {array.shape}")
    if length is not None and array.shape[0] != length:
        raise ValueError(f"{name} must have {length} rows{' like ' + like if like else ''}, got "
                         f"shape {array.shape}")
    return array


def check_number(name: str, value, *, allow_nan: bool = False, nan_means: str = "") -> float:
    """A finite real number shown in a figure, or an error naming ``name``. With ``allow_nan``
    NaN is accepted too (``nan_means`` says what it stands for, e.g. "not fitted"); ±inf never."""
    if not allow_nan:
        return check_real(name, value)
    meaning = f" (NaN: {nan_means})" if nan_means else ""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number{meaning}, got {value!r:.60}")
    if math.isinf(float(value)):
        raise ValueError(f"{name} must be finite or NaN{meaning}, got {value}")
    return float(value)


def check_text(name: str, value, *, optional: bool = False) -> str | None:
    """A label or title: a ``str`` (or ``None`` when ``optional``), else a ``TypeError`` naming
    ``name``."""
    if optional and value is None:
        return None
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a string, got {value!r:.60}")
    return value


def check_mapping(name: str, value, keyed_by: str) -> None:
    """``None`` or a dict (``{key: ...}`` options such as legend labels), else a ``TypeError``."""
    if value is not None and not isinstance(value, Mapping):
        raise TypeError(f"{name} must be None or a dict keyed by {keyed_by}, got {value!r:.60}")


def check_accuracies(name: str, values, length: int, like: str) -> np.ndarray:
    """``length`` accuracies in [0, 1]; NaN (not computed) is allowed (figures draw it as a gap)."""
    array = check_values(name, values, ndim=1, length=length, like=like, allow_nan=True)
    if ((array < 0.0) | (array > 1.0)).any():  # NaN compares False: allowed
        raise ValueError(f"{name} must hold accuracies in [0, 1] (NaN: not computed), got "
                         f"values from {np.nanmin(array):.6g} to {np.nanmax(array):.6g}")
    return array


def check_widths(widths) -> np.ndarray:
    """Network widths for a log axis: a 1-d array of positive numbers."""
    widths = check_values("widths", widths, ndim=1)
    if np.any(widths <= 0):
        raise ValueError(f"widths must be positive (log axis), got {widths.min():g}")
    return widths


def check_integers(name: str, values, *, minimum: int | None = None, length: int | None = None,
                   like: str = "") -> np.ndarray:
    """A 1-d array of integers (any integer or integer-valued float dtype, not bool), at least
    ``minimum``, with ``length`` entries like the argument ``like``; else an error naming ``name``."""
    array = check_values(name, values, ndim=1, length=length, like=like)
    if np.asarray(values).dtype == bool:
        raise TypeError(f"{name} must hold integers, got booleans")
    if np.any(array != np.round(array)):
        raise ValueError(f"{name} must hold integers, got {values!r:.60}")
    if minimum is not None and np.any(array < minimum):
        raise ValueError(f"{name} must hold integers >= {minimum}, got {values!r:.60}")
    return array


def check_seeds(seeds, count: int, like: str) -> None:
    """``None``, or ``count`` integer seeds (one per row/column named by ``like``)."""
    if seeds is not None:
        check_integers("seeds", seeds, length=count, like=like)


def check_keys(name: str, keys, what: str = "key") -> list:
    """A non-empty sequence of string keys (``what`` names them in the message), as a list."""
    if isinstance(keys, (str, bytes, Mapping)) or not hasattr(keys, "__iter__"):
        raise TypeError(f"{name} must be a sequence of {what}s (strings), got {keys!r:.60}")
    keys = list(keys)
    if not keys:
        raise ValueError(f"{name} must hold at least one {what}, got none")
    if not all(isinstance(k, str) for k in keys):
        raise TypeError(f"{name} must hold {what}s (strings), got {keys!r:.60}")
    return keys


def check_index(name: str, value, size: int, of: str = "the data") -> int:
    """An index into the ``size`` rows of ``of``, or an error naming ``name`` and ``of``."""
    value = check_int(name, value, minimum=0)
    if value >= size:
        raise ValueError(f"{name} must index the {size} rows of {of}, got {value}")
    return value


def finite_or_none(values) -> list:
    """Plotly-friendly list: non-finite entries (1/0 for a zero eigenvalue) become gaps."""
    values = np.asarray(values, dtype=float)
    if values.ndim != 1:   # (gaps are placed by flat index)
        raise TypeError(f"finite_or_none takes a 1-D sequence of numbers, got shape {values.shape}")
    out = values.tolist()
    for i in np.flatnonzero(~np.isfinite(values)):
        out[i] = None
    return out


def class_mask(y) -> tuple[np.ndarray, np.ndarray]:
    y = np.asarray(y)
    return y > 0, y < 0


def write_traces(traces, data) -> None:
    """Write the ``data`` of an ``*_update`` into ``traces``: a list in trace order, or a dict
    by trace name, the key a figure stores in each trace's ``meta`` (legend names may change;
    plotly reassigns ``uid`` in widgets)."""
    if isinstance(data, dict):
        by_name = {trace.meta: trace for trace in traces}
        for name, values in data.items():
            by_name[name].update(values)
        return
    for trace, values in zip(traces, data):
        trace.update(values)


def apply_update(fig, update: dict):
    """Write an ``*_update`` result into ``fig`` (a ``go.Figure`` or ``go.FigureWidget``; wrap
    the call in ``fig.batch_update()`` for a FigureWidget to send one message)."""
    if not isinstance(fig, BaseFigure):  # (go.FigureWidget itself would import nbformat)
        raise TypeError(f"fig must be a plotly Figure or FigureWidget, got {type(fig).__name__}")
    data = update.get("data") if isinstance(update, dict) else None
    if not isinstance(update, dict) or set(update) != {"data", "layout"} or not isinstance(
            update["layout"], dict) or not isinstance(data, (list, tuple, dict)) or not all(
            isinstance(d, dict) for d in (data.values() if isinstance(data, dict) else data)):
        raise TypeError("update must be the {'data': [dict, ...] or {name: dict}, 'layout': dict} "
                        f"of an *_update function, got {update!r:.60}")
    write_traces(fig.data, data)
    fig.update_layout(update["layout"])
    return fig
