"""Experiments: the core (datasets → kernels → spectral / gp) assembled into the quantities a
figure or an explorer shows. Pure numpy/JAX computation; never imports plotly or ipywidgets.

* ``circle``: the paper's toy model, two interleaved circular orbits with an RBF kernel.
"""

from __future__ import annotations

from . import circle

__all__ = ["circle"]
