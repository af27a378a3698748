"""What every infinite-width network kernel (MLP, CNN, group CNN) validates the same way."""

from __future__ import annotations

import numpy as np

from .._validate import check_choice, check_int, check_real
from . import layers
from .base import as_images, check_same_features

__all__ = ["bucket", "validate_network", "check_b_std", "check_filter_size", "image_inputs"]


def bucket(n: int) -> int:
    """Pad sizes to 8, 16, 32, … so JAX compiles once per bucket, not once per size."""
    return max(8, 1 << (int(n) - 1).bit_length())


def check_filter_size(filter_size, image_shape=None) -> int:
    """An odd filter size ≥ 1 that fits the image (circular padding needs f ≤ H, W)."""
    filter_size = check_int("filter_size", filter_size, minimum=1)
    if filter_size % 2 == 0:
        raise ValueError(f"filter_size must be odd (centred filters), got {filter_size}")
    if image_shape is not None and filter_size > min(image_shape):
        raise ValueError(f"filter_size must be at most the image side {min(image_shape)} of the "
                         f"inputs x1/x2, got {filter_size}")
    return filter_size


def check_b_std(b_std, depth: int, per_layer: bool = False):
    """``b_std`` ≥ 0 as a float; with ``per_layer``, also a sequence of ``depth + 1`` values ≥ 0
    (one per Dense layer, the readout last; 0 is a layer without bias), returned as a tuple."""
    if per_layer and not isinstance(b_std, (str, bytes)) and hasattr(b_std, "__iter__"):
        values = tuple(check_real("b_std", v, minimum=0.0) for v in b_std)
        if len(values) != depth + 1:
            raise ValueError(f"b_std must be one number or {depth + 1} numbers (one per Dense "
                             f"layer of depth {depth}, the readout last), got {len(values)}")
        return values
    return check_real("b_std", b_std, minimum=0.0)


def validate_network(kernel, per_layer_b_std: bool = False) -> None:
    """Check and normalise the fields of a frozen network-kernel dataclass in place:
    ``depth`` (1…100), ``W_std`` > 0, ``b_std`` ≥ 0 (with ``per_layer_b_std`` also one value per
    Dense layer, :func:`check_b_std`), ``activation`` and, where present, ``filter_size``."""
    depth = check_int("depth", kernel.depth, minimum=1, maximum=100)
    values = {
        "depth": depth,
        "W_std": check_real("W_std", kernel.W_std, minimum=0.0, strict_minimum=True),
        "b_std": check_b_std(kernel.b_std, depth, per_layer_b_std),
        "activation": check_choice("activation", kernel.activation, layers.ACTIVATIONS),
    }
    if hasattr(kernel, "filter_size"):
        values["filter_size"] = check_filter_size(kernel.filter_size)
    for name, value in values.items():
        object.__setattr__(kernel, name, value)


def image_inputs(x1, x2, filter_size: int) -> tuple[np.ndarray, np.ndarray | None]:
    """``(x1, x2)`` as (n, H, W, C) float64 batches of the same image shape (x2 may be None)."""
    a = as_images("x1", x1)
    b = None if x2 is None else as_images("x2", x2)
    check_same_features(a, a if b is None else b)
    check_filter_size(filter_size, a.shape[1:3])
    return a, b
