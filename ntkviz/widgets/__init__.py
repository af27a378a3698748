"""Interactive explorers built from ``plots`` and the core (ipywidgets + plotly FigureWidgets).

Loaded on first use, so importing ``ntkviz.widgets`` does not import ipywidgets or plotly.
"""

from __future__ import annotations

import importlib

__all__ = ["CircleExplorer"]

_LAZY = {"CircleExplorer": "circle"}


def __getattr__(name: str):
    if name in _LAZY:
        value = getattr(importlib.import_module(f"{__name__}.{_LAZY[name]}"), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return sorted(__all__)
