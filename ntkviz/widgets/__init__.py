"""Interactive explorers built from ``plots`` and the core (ipywidgets + plotly).

Loaded on first use, so importing ``ntkviz.widgets`` does not import ipywidgets or plotly.
"""

from __future__ import annotations

from .._lazy import lazy_exports

_LAZY = {
    "CircleExplorer": "circle",
    "OrbitExplorer": "orbit",
    "PairSurvey": "survey",
    "AccuracyExplorer": "accuracy",
    "WidthExplorer": "width",
    "EquivariantKernelsExplorer": "equivariant",
    "DynamicsExplorer": "dynamics",
    "AugmentationExplorer": "augmentation",
    "Dashboard": "dashboard",
}

__all__ = list(_LAZY)

__getattr__, __dir__ = lazy_exports(__name__, globals(), _LAZY)
