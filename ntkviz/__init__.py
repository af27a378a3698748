"""ntkviz: neural kernel theory of symmetry learning, computed and made interactive.

Submodules load on first use, so ``import ntkviz`` is fast and never changes the global JAX
configuration::

    import ntkviz as nv
    X, y = nv.datasets.circle_pair(N=8, delta=1.0)
    K = nv.kernels.rbf(length_scale=1.0)(X)
    eps = nv.spectral.spectral_error(nv.spectral.circularize(K))
"""

from __future__ import annotations

from ._lazy import lazy_exports

__version__ = "0.1.0"

_SUBMODULES = ("datasets", "kernels", "spectral", "gp", "geometry", "block_circulant", "experiments", "plots",
               "widgets", "reproduction")

__all__ = ["__version__", *_SUBMODULES]

__getattr__, __dir__ = lazy_exports(__name__, globals(), dict.fromkeys(_SUBMODULES))
