"""Argument checks shared by every public function.

Each check raises a ``ValueError`` (or ``TypeError``) that names the argument, shows the value
that came and says what is allowed, so a message can be shown as-is to a student.
"""

from __future__ import annotations

import numbers
import os
from collections.abc import Iterable

import numpy as np

__all__ = [
    "check_int",
    "check_real",
    "check_choice",
    "as_finite_array",
    "check_square",
    "check_sequence",
    "check_path",
    "check_allocation",
    "MAX_ARRAY_BYTES",
]

#: The largest array one call may build from its arguments (2 GiB, 2.7·10⁸ float64 entries).
#: A bigger request is refused before any work with a message saying what it would need,
#: instead of a ``MemoryError`` or the machine swapping (a classroom kernel is bounded to 1.5 GB).
MAX_ARRAY_BYTES = 2 * 2**30


def _show(value) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def check_int(name: str, value, *, minimum: int | None = None, maximum: int | None = None) -> int:
    """Return ``value`` as a Python int, or raise if it is not an integer in [minimum, maximum].

    Integral floats (``8.0``) are accepted; booleans are not (``True`` is not a count)."""
    if isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be an integer, got the boolean {value!r}")
    if not isinstance(value, numbers.Integral):
        if isinstance(value, numbers.Real) and float(value).is_integer():
            value = int(value)
        else:
            raise TypeError(f"{name} must be an integer, got {_show(value)}")
    value = int(value)
    if minimum is not None and value < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {value}")
    if maximum is not None and value > maximum:
        raise ValueError(f"{name} must be <= {maximum}, got {value}")
    return value


def check_real(
    name: str,
    value,
    *,
    minimum: float | None = None,
    maximum: float | None = None,
    strict_minimum: bool = False,
) -> float:
    """Return ``value`` as a finite float, or raise naming the allowed range."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {_show(value)}")
    value = float(value)
    if not np.isfinite(value):
        raise ValueError(f"{name} must be finite, got {value}")
    if minimum is not None:
        if strict_minimum and value <= minimum:
            raise ValueError(f"{name} must be > {minimum}, got {value}")
        if not strict_minimum and value < minimum:
            raise ValueError(f"{name} must be >= {minimum}, got {value}")
    if maximum is not None and value > maximum:
        raise ValueError(f"{name} must be <= {maximum}, got {value}")
    return value


def check_choice(name: str, value, choices: Iterable):
    """Raise unless ``value`` is one of ``choices``."""
    choices = tuple(choices)
    if value not in choices:
        allowed = ", ".join(repr(c) for c in choices)
        raise ValueError(f"{name} must be one of {allowed}; got {_show(value)}")
    return value


def as_finite_array(
    name: str,
    value,
    *,
    ndim: int | tuple[int, ...] | None = None,
    min_rows: int = 1,
) -> np.ndarray:
    """Return ``value`` as a float64 array, checking dimensionality and finiteness."""
    if value is None:
        raise TypeError(f"{name} must be an array, got None")
    try:
        array = np.asarray(value)
    except Exception as error:  # ragged lists and the like
        raise TypeError(f"{name} must be array-like, got {_show(value)}") from error
    kind = array.dtype.kind  # b(ool), i(nt), u(int), f(loat) are real numbers
    if kind == "c":
        raise TypeError(f"{name} must hold real numbers, got complex dtype {array.dtype}")
    if kind not in "biuf":
        raise TypeError(f"{name} must hold real numbers, got dtype {array.dtype}")
    # a broadcast view of a million images costs nothing here, but its float64 copy (which the
    # kernels and JAX make) would: refuse what could not fit before anything is copied
    check_allocation(name, array.shape, what="its float64 copy")
    array = array.astype(np.float64, copy=False)
    if ndim is not None:
        allowed = (ndim,) if isinstance(ndim, int) else tuple(ndim)
        if array.ndim not in allowed:
            shown = " or ".join(str(a) for a in allowed)
            raise ValueError(f"{name} must have {shown} dimensions, got shape {array.shape}")
    if array.ndim >= 1 and array.shape[0] < min_rows:
        raise ValueError(f"{name} must have at least {min_rows} row(s), got shape {array.shape}")
    if array.size and not np.all(np.isfinite(array)):
        bad = int(np.size(array) - np.count_nonzero(np.isfinite(array)))
        raise ValueError(f"{name} must be finite, but {bad} entries are NaN or infinite")
    return array


def check_square(name: str, matrix) -> np.ndarray:
    """Return a finite square float64 matrix with at least one row."""
    matrix = as_finite_array(name, matrix, ndim=2)
    if matrix.shape[0] != matrix.shape[1]:
        raise ValueError(f"{name} must be a square matrix, got shape {matrix.shape}")
    return matrix


def check_sequence(name: str, values, check) -> tuple:
    """``tuple(check(v) for v in values)`` for a non-empty sequence (not a string), else a
    ``TypeError``/``ValueError`` naming ``name``; ``check`` validates each entry."""
    if isinstance(values, (str, bytes)) or not hasattr(values, "__iter__"):
        raise TypeError(f"{name} must be a sequence, got {values!r}")
    values = tuple(check(v) for v in values)
    if not values:
        raise ValueError(f"{name} must hold at least one value, got an empty sequence")
    return values


def check_path(name: str, value):
    """``value`` as a ``pathlib.Path``, or a ``TypeError`` naming ``name`` unless it is a
    non-empty str or path-like object."""
    from pathlib import Path

    if isinstance(value, os.PathLike):
        value = os.fspath(value)
    if not isinstance(value, str) or not value or "\x00" in value:
        raise TypeError(f"{name} must be a non-empty str or path-like object, got {_show(value)}")
    return Path(value)


def _bytes(count: float) -> str:
    for unit in ("B", "KiB", "MiB", "GiB", "TiB", "PiB"):
        if count < 1024 or unit == "PiB":
            return f"{count:.3g} {unit}"
        count /= 1024
    raise AssertionError("unreachable")


def check_allocation(name: str, shape: tuple[int, ...], *, itemsize: int = 8,
                     what: str = "the result") -> None:
    """Raise a ``ValueError`` naming ``name`` if an array of ``shape`` (``itemsize`` bytes per
    entry) would exceed :data:`MAX_ARRAY_BYTES`, saying the size it would need."""
    needed = float(itemsize)
    for extent in shape:
        needed *= int(extent)
    if needed > MAX_ARRAY_BYTES:
        dims = " × ".join(f"{int(e):,}" for e in shape)
        raise ValueError(f"{name} is too large: {what} would be a {dims} array needing "
                         f"{_bytes(needed)}; at most MAX_ARRAY_BYTES = "
                         f"{_bytes(MAX_ARRAY_BYTES)} is allowed")
