"""ntkviz: neural kernel theory of symmetry learning, computed and made interactive.

Submodules load on first use, so ``import ntkviz`` is fast and never changes the global JAX
configuration::

    import ntkviz as nv
    X, y = nv.datasets.circle_pair(N=8, delta=1.0)
    K = nv.kernels.rbf(length_scale=1.0)(X)
    eps = nv.spectral.spectral_error(nv.spectral.circularize(K))
"""

from __future__ import annotations

import importlib

__version__ = "0.1.0"

_SUBMODULES = ("datasets", "kernels", "spectral", "gp", "geometry", "experiments", "plots", "widgets")

__all__ = ["__version__", *_SUBMODULES]


def __getattr__(name: str):
    if name in _SUBMODULES:
        module = importlib.import_module(f"{__name__}.{name}")
        globals()[name] = module
        return module
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return sorted(__all__)
