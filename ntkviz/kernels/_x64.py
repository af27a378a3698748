"""Run JAX code in float64 without touching the user's global JAX configuration."""

from __future__ import annotations

import functools

import numpy as np

from .._jax_compat import enable_x64

__all__ = ["enable_x64", "float64", "to_numpy"]


def float64(function):
    """Decorator: trace and run ``function`` under ``jax.enable_x64(True)``.

    Spectral errors divide by the smallest eigenvalues, so kernels are computed in float64;
    the context manager keeps the switch local to the call (DESIGN: never change the global
    configuration on import).
    """

    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        with enable_x64(True):
            return function(*args, **kwargs)

    return wrapper


def to_numpy(array) -> np.ndarray:
    """A float64 numpy copy of a JAX (or numpy) array."""
    return np.asarray(array, dtype=np.float64)
