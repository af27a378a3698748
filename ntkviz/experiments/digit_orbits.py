"""One seed digit's orbit under a group action: the orbit sizes N each action allows on each
architecture's input resolution, and the orbit itself, prepared for the kernels (pooled to the
resolution, acted on, centred and of unit norm; ``datasets.orbit``). ``experiments.orbits``
pairs two of them.
"""

from __future__ import annotations

import functools

import numpy as np

from .. import datasets
from ..params import Param, Params
from . import architectures, digits
from ._common import frozen
from .digits import check_digit, digit

__all__ = ["allowed_N", "check_N", "prepared_orbit", "MAX_ROTATE_N", "PARAMS"]

#: Largest orbit size offered for the interpolated rotation.
MAX_ROTATE_N = 64
#: A seed digit's orbit parameters (part of ``experiments.orbits.PARAMS``); ``architecture``
#: offers the live registry (``architectures.PARAMS``).
PARAMS = Params(
    *architectures.PARAMS.values(),
    *digits.PARAMS.values(),
    Param("N", "int", 2, label="N (orbit size)", control=(2, MAX_ROTATE_N, 1)),
    Param("order", "choice", choices=datasets.ORDERS),
)


@PARAMS.validated
def allowed_N(action: str, architecture: str = "mlp1") -> tuple[int, ...]:
    """The orbit sizes N allowed for ``action`` on ``architecture``'s input resolution.

    ``"rotate"``: 2..64 (any angle is interpolated); ``"rot90"``: 2 and 4 (exact quarter
    turns); ``"shift"``: the divisors ≥ 2 of the image width (28, or 14 for the pixel-pair
    kernels), so that N shifts wrap around exactly.

    Examples
    --------
    >>> from ntkviz.experiments import digit_orbits
    >>> digit_orbits.allowed_N("rot90")
    (2, 4)
    >>> digit_orbits.allowed_N("shift")  # divisors of the width 28
    (2, 4, 7, 14, 28)
    >>> digit_orbits.allowed_N("shift", "cnn_gap")  # 14×14 inputs
    (2, 7, 14)
    """
    width = architectures.ARCHITECTURES[architecture].resolution
    if action == "rotate":
        return tuple(range(2, MAX_ROTATE_N + 1))
    if action == "rot90":
        return (2, 4)
    return tuple(d for d in range(2, width + 1) if width % d == 0)


@PARAMS.validated
def check_N(N: int, action: str, architecture: str = "mlp1") -> int:
    """``N`` as an int, or a ``ValueError`` naming N and listing the allowed values.

    Examples
    --------
    >>> from ntkviz.experiments import digit_orbits
    >>> digit_orbits.check_N(7, "shift")
    7
    >>> digit_orbits.check_N(5, "shift")
    Traceback (most recent call last):
    ...
    ValueError: N=5 is not allowed for action 'shift' ...; allowed N: 2, 4, 7, 14, 28
    """
    allowed = allowed_N.unchecked(action, architecture)
    if N not in allowed:
        resolution = architectures.ARCHITECTURES[architecture].resolution
        shown = f"2..{allowed[-1]}" if action == "rotate" else ", ".join(map(str, allowed))
        why = {"rotate": "", "rot90": " (exact quarter turns)",
               "shift": f" (N must divide the image width {resolution})"}[action]
        raise ValueError(
            f"N={N} is not allowed for action {action!r} on architecture {architecture!r} "
            f"({resolution}×{resolution} inputs){why}; allowed N: {shown}"
        )
    return N


# An orbit at N = 64 is 400 KB: keep the cache small (a survey bypasses it).
@functools.lru_cache(maxsize=256)
def _prepared_orbit(label: int, sample: int, action: str, N: int, resolution: int,
                    order: int = 1) -> np.ndarray:
    image = digit.unchecked(label, sample)
    while image.shape[-1] > resolution:
        image = datasets.pool2(image[None])[0]
    return frozen(datasets.orbit(image, N, action, order=order))


@PARAMS.validated
def prepared_orbit(d, action: str = "rotate", N: int = 8, architecture: str = "mlp1",
                   order: int = 1, *, cache: bool = True) -> np.ndarray:
    """The normalised orbit ``(N, R, R)`` of digit ``d = (label, sample)`` at the resolution R of
    ``architecture`` (the seed image is pooled to R first, then acted on); cached, read-only.

    ``order``: spline order of ``"rotate"`` (``datasets.ORDERS``; 3 is the paper's cubic).

    Examples
    --------
    Eight rotations of a 3 by 45°, each centred and of unit norm:

    >>> from ntkviz.experiments import digit_orbits
    >>> orbit = digit_orbits.prepared_orbit((3, 0), "rotate", N=8)
    >>> flat = orbit.reshape(8, -1)
    >>> orbit.shape, bool(np.allclose(flat.mean(axis=1), 0.0))
    ((8, 28, 28), True)
    >>> bool(np.allclose(np.linalg.norm(flat, axis=1), 1.0))
    True
    >>> digit_orbits.prepared_orbit((3, 0), "shift", N=7, architecture="cnn_gap").shape
    (7, 14, 14)
    """
    label, sample = check_digit("d", d)
    check_N.unchecked(N, action, architecture)
    resolution = architectures.ARCHITECTURES[architecture].resolution
    make = _prepared_orbit if cache else _prepared_orbit.__wrapped__
    return make(label, sample, action, N, resolution, order)


prepared_orbit.cache_info = _prepared_orbit.cache_info
