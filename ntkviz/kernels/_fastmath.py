"""Fast, accurate ``arcsin``/``arccos`` for float64 JAX arrays.

Pixel-pair kernels evaluate one arc-cosine per pixel pair; XLA's own ``arccos`` costs about
20× a multiplication on CPU. Here ``asin(s) = s·g(s²)`` with ``g`` a degree-13 polynomial
(Chebyshev fit on ``s² ∈ [0, 1/4]``, max relative error 9e-16), and the half-angle identity
``acos(|c|) = 2 asin(√((1 − |c|)/2))`` for ``|c| > 1/2``, so one polynomial, one square root
and a few selects replace the library call. Near ``c = 1`` (the kernel diagonal) the
half-angle form is more accurate than ``arccos`` itself.
"""

from __future__ import annotations

import math

import jax.numpy as jnp

__all__ = ["acos", "asin"]

# g(t) = asin(√t)/√t on [0, 1/4], monomial coefficients in t (constant term first).
_G = (
    1.0000000000000002,
    0.16666666666666943,
    0.07499999999683014,
    0.04464285756718985,
    0.030381919965106228,
    0.022372939369859707,
    0.01733739135908697,
    0.014163485361265651,
    0.009817360535061,
    0.02008238509609992,
    -0.032947443612724774,
    0.1143370179230118,
    -0.1566975385720915,
    0.12024430101183738,
)


def _g(t):
    acc = jnp.full_like(t, _G[-1])
    for coefficient in _G[-2::-1]:
        acc = acc * t + coefficient
    return acc


def _split(x):
    """``(|x| ≤ 1/2, asin of the reduced argument)`` shared by asin and acos."""
    ax = jnp.abs(x)
    small = ax <= 0.5
    t = jnp.where(small, x * x, 0.5 * (1.0 - ax))
    root = jnp.where(small, ax, jnp.sqrt(t))
    return small, root * _g(t)


def acos(c):
    """``arccos(c)`` for ``c ∈ [−1, 1]`` (callers clip)."""
    small, a = _split(c)
    near_pm1 = jnp.where(c > 0, 2.0 * a, math.pi - 2.0 * a)
    return jnp.where(small, 0.5 * math.pi - jnp.sign(c) * a, near_pm1)


def asin(x):
    """``arcsin(x)`` for ``x ∈ [−1, 1]`` (callers clip)."""
    small, a = _split(x)
    return jnp.sign(x) * jnp.where(small, a, 0.5 * math.pi - 2.0 * a)
