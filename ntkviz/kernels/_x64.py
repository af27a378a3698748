"""Run JAX code in float64 without touching the user's global JAX configuration."""

from __future__ import annotations

import functools

import jax
import numpy as np

__all__ = ["enable_x64", "float64", "to_numpy"]


def enable_x64(enabled: bool = True):
    """A context manager switching JAX's 64-bit mode for the enclosed code only.

    ``jax.enable_x64`` on current JAX; ``jax.experimental.enable_x64`` on JAX 0.4.30, the
    version the neural-tangents extra pins.
    """
    if hasattr(jax, "enable_x64"):
        return jax.enable_x64(enabled)
    from jax.experimental import disable_x64
    from jax.experimental import enable_x64 as legacy

    return legacy() if enabled else disable_x64()


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
