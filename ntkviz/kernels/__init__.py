"""Kernel objects: RBF, infinite-width NNGP/NTK of MLPs, CNNs and C4 group CNNs, orbit
averages and empirical NTKs of finite networks.

Every kernel is called as ``k(x1, x2=None)`` and returns a float64 numpy Gram matrix; neural
kernels also have ``.ntk`` and ``.nngp``. The JAX-based kernels load on first use.
"""

from __future__ import annotations

from .._lazy import lazy_exports
from .base import Kernel, NeuralKernel
from .stationary import rbf

__all__ = [
    "Kernel",
    "NeuralKernel",
    "rbf",
    "mlp",
    "cnn",
    "gcnn",
    "orbit_average",
    "empirical_ntk",
    "from_stax",
]

_LAZY = {
    "mlp": "fully_connected",
    "cnn": "convolutional",
    "gcnn": "group_convolutional",
    "orbit_average": "orbit_averaged",
    "empirical_ntk": "finite_width",
    "from_stax": "stax",  # any neural-tangents stax kernel_fn (duck-typed, no import of NT)
    "finite_gcnn": None,  # submodule: finite C4 group CNNs, empirical NNGP/NTK (width convergence)
}

__getattr__, __dir__ = lazy_exports(__name__, globals(), _LAZY)
