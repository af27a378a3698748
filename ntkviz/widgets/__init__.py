"""Interactive explorers built from ``plots`` and the core (ipywidgets + plotly FigureWidgets).

Loaded on first use, so importing ``ntkviz.widgets`` does not import ipywidgets or plotly.
"""

from __future__ import annotations

from .._lazy import lazy_exports

__all__ = ["CircleExplorer", "OrbitExplorer", "PairSurvey", "AccuracyExplorer", "WidthExplorer", "Dashboard"]

_LAZY = {
    "CircleExplorer": "circle",
    "OrbitExplorer": "orbit",
    "PairSurvey": "survey",
    "AccuracyExplorer": "accuracy",
    "WidthExplorer": "width",
    "Dashboard": "dashboard",
    "DynamicsExplorer": "dynamics",
}

__all__.append("AugmentationExplorer"); _LAZY["AugmentationExplorer"] = "augmentation"  # noqa: E702
__all__.append("EquivariantKernelsExplorer"); _LAZY["EquivariantKernelsExplorer"] = "equivariant"  # noqa: E702
__getattr__, __dir__ = lazy_exports(__name__, globals(), _LAZY)
