"""Datasets made of group orbits (docs/theory.md#two-orbit-datasets) and the bundled MNIST test set.

* ``circle_pair``: the paper's toy model, two interleaved orbits of C_N acting on R³.
* ``transform`` / ``orbit``: an image under the N powers of a group action
  (``"rotate"``, ``"rot90"``, ``"shift"``), centred and put on the unit sphere.
* ``interleave``: two orbits as one dataset with rows A_0, B_0, A_1, B_1, … and labels ±1.
* ``load_mnist``, ``mnist_test_set``, ``digits_per_class``, ``bundled_data_dir``: the bundled
  MNIST test set and a user's own MNIST files (kept in ``ntkviz._mnist``, exported here).
"""

from __future__ import annotations

import numpy as np
from scipy import ndimage

from ._mnist import bundled_data_dir, digits_per_class, load_mnist, mnist_test_set
from ._validate import as_finite_array, check_choice, check_int, check_real

__all__ = [
    "ACTIONS",
    "ORDERS",
    "MAX_N",
    "circle_pair",
    "transform",
    "orbit",
    "normalize",
    "interleave",
    "pool2",
    "load_mnist",
    "digits_per_class",
    "mnist_test_set",
    "bundled_data_dir",
]

ACTIONS = ("rotate", "rot90", "shift")

#: The largest group size N the datasets build (a circle pair of 2N points, an orbit of N
#: images): far above any experiment (N ≤ 64), low enough that a mistyped N is refused at once
#: instead of filling the memory.
MAX_N = 10_000


def circle_pair(N: int = 8, delta: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
    """Two interleaved C_N orbits in R³ and their ±1 labels (docs/theory.md#the-circle-pair).

    Seeds ``x_A = (1, 0, +δ/2)`` and ``x_B = (cos(π/N), sin(π/N), −δ/2)``; row ``2k`` is
    ``g^k x_A``, row ``2k+1`` is ``g^k x_B`` with ``g`` the rotation by ``2π/N`` about z.

    Returns
    -------
    X : (2N, 3) float64
        The points.
    y : (2N,) float64
        The labels ``(+1, −1, +1, …)``.

    Examples
    --------
    >>> X, y = nv.datasets.circle_pair(N=4, delta=1.0)
    >>> X.shape, y.tolist()
    ((8, 3), [1.0, -1.0, 1.0, -1.0, 1.0, -1.0, 1.0, -1.0])
    >>> X[0].tolist()                       # x_A = (1, 0, δ/2)
    [1.0, 0.0, 0.5]
    >>> np.round(X[1], 4).tolist()          # x_B: half a step further round, δ lower
    [0.7071, 0.7071, -0.5]
    """
    N = check_int("N", N, minimum=2, maximum=MAX_N)
    delta = check_real("delta", delta, minimum=0.0)
    angles = np.repeat(2 * np.pi * np.arange(N) / N, 2)
    angles[1::2] += np.pi / N
    heights = np.tile([delta / 2, -delta / 2], N)
    X = np.stack([np.cos(angles), np.sin(angles), heights], axis=1)
    return X, alternating_labels(N)


def alternating_labels(N: int) -> np.ndarray:
    """The label vector ``y = (+1, −1, …)`` of length 2N: the highest DFT frequency."""
    return np.tile([1.0, -1.0], N)


def _check_image(image) -> np.ndarray:
    image = as_finite_array("image", image, ndim=(2, 3))
    if image.shape[0] < 1 or image.shape[1] < 1:
        raise ValueError(f"image must have non-empty height and width, got shape {image.shape}")
    return image


def _check_action(action: str, N: int, image_shape: tuple[int, ...]) -> None:
    check_choice("action", action, ACTIONS)
    height, width = image_shape[0], image_shape[1]
    if action == "rot90":
        if height != width:
            raise ValueError(
                f"action 'rot90' needs a square image, got height {height} and width {width}"
            )
        if 4 % N:
            raise ValueError(f"action 'rot90' allows N in (1, 2, 4) (exact 90° steps), got N={N}")
    if action == "shift" and width % N:
        raise ValueError(
            f"action 'shift' needs N to divide the image width {width}, got N={N} "
            f"(allowed: {[d for d in range(1, width + 1) if width % d == 0]})"
        )


#: Spline orders of the interpolated rotation — 0 nearest pixel, 1 bilinear (the default, as
#: the reference kernels), 3 cubic (the kernel experiments of arXiv 2412.11521).
ORDERS = (0, 1, 3)


def transform(image, k: int, N: int, action: str, *, order: int = 1) -> np.ndarray:
    """The image acted on by the k-th power of the generator of an N-element action.

    ``"rotate"``: ``scipy.ndimage.rotate`` by ``360k/N`` degrees (spline ``order`` in
    ``ORDERS``, zero fill, counter-clockwise as displayed, like ``np.rot90``); ``"rot90"``:
    ``np.rot90`` by ``4k/N`` quarter turns; ``"shift"``: ``np.roll`` by ``kW/N`` pixels along
    the width (x) axis. No normalisation: this is the raw group action.

    Examples
    --------
    >>> strip = np.arange(6.0).reshape(1, 6)                 # a 1 × 6 image
    >>> nv.datasets.transform(strip, 1, N=3, action="shift").tolist()   # rolled by W/N = 2
    [[4.0, 5.0, 0.0, 1.0, 2.0, 3.0]]
    >>> image = np.random.default_rng(0).random((5, 5))
    >>> quarter = nv.datasets.transform(image, 1, N=4, action="rotate")   # 90°, interpolated
    >>> bool(np.allclose(quarter, np.rot90(image)))           # same turn as np.rot90
    True
    """
    image = _check_image(image)
    N = check_int("N", N, minimum=1)
    k = check_int("k", k)
    _check_action(action, N, image.shape)
    check_choice("order", order, ORDERS)
    if action == "rotate":
        angle = 360.0 * (k % N) / N
        if angle == 0.0:
            return image.copy()
        return ndimage.rotate(
            image, angle, axes=(1, 0), reshape=False, order=order, mode="constant", cval=0.0
        )
    if action == "rot90":
        return np.rot90(image, (k * 4 // N) % 4, axes=(0, 1)).copy()
    return np.roll(image, (k * image.shape[1] // N) % image.shape[1], axis=1)


def normalize(images) -> np.ndarray:
    """Centre each image (minus its own mean) and divide by its L2 norm
    (docs/theory.md#image-orbits).

    ``images`` is ``(n, ...)``; each of the n entries becomes a zero-mean unit vector.

    Examples
    --------
    >>> images = np.random.default_rng(0).random((3, 4, 4))
    >>> Z = nv.datasets.normalize(images)
    >>> Z.shape
    (3, 4, 4)
    >>> np.round(np.linalg.norm(Z.reshape(3, -1), axis=1), 4).tolist()
    [1.0, 1.0, 1.0]
    >>> bool(np.allclose(Z.mean(axis=(1, 2)), 0.0))
    True
    """
    images = as_finite_array("images", images)
    if images.ndim < 2:
        raise ValueError(f"images must have a batch axis and feature axes, got shape {images.shape}")
    flat = images.reshape(images.shape[0], -1)
    flat = flat - flat.mean(axis=1, keepdims=True)
    norms = np.linalg.norm(flat, axis=1, keepdims=True)
    if np.any(norms == 0):
        raise ValueError("images must not be constant: a constant image has no direction after centring")
    return (flat / norms).reshape(images.shape)


def orbit(image, N: int = 8, action: str = "rotate", *, normalized: bool = True,
          order: int = 1) -> np.ndarray:
    """The orbit ``(g^0 x, …, g^{N−1} x)`` of one image, centred and unit norm
    (docs/theory.md#image-orbits).

    Parameters
    ----------
    image : ndarray of shape (H, W) or (H, W, C)
        The image.
    N : int
        Number of group elements (≥ 1; ``"rot90"`` needs N | 4, ``"shift"`` needs N | W).
    action : str
        ``"rotate"`` | ``"rot90"`` | ``"shift"``.
    order : int
        Spline order of ``"rotate"`` (``ORDERS``: 0 nearest, 1 bilinear, 3 cubic).

    Returns
    -------
    (N, H, W[, C]) float64
        The orbit.

    Examples
    --------
    >>> digit = nv.datasets.mnist_test_set()[0][0]            # a 7
    >>> O = nv.datasets.orbit(digit, N=8, action="rotate")    # turned by 0°, 45°, …, 315°
    >>> O.shape
    (8, 28, 28)
    >>> print(f"norm {np.linalg.norm(O[3]):.4f}, mean {abs(O[3].mean()):.4f}")
    norm 1.0000, mean 0.0000
    >>> quarters = nv.datasets.orbit(digit, N=4, action="rot90")
    >>> bool(np.allclose(quarters[1], np.rot90(quarters[0])))
    True
    """
    image = _check_image(image)
    N = check_int("N", N, minimum=1, maximum=MAX_N)
    _check_action(action, N, image.shape)
    check_choice("order", order, ORDERS)
    stack = np.stack([transform(image, k, N, action, order=order) for k in range(N)])
    return normalize(stack) if normalized else stack


def interleave(orbit_a, orbit_b) -> tuple[np.ndarray, np.ndarray]:
    """Interleave two orbits: row ``2k`` is ``A_k``, row ``2k+1`` is ``B_k``; ``y = (+1, −1, …)``.

    In this order a jointly invariant kernel gives a block-circulant Gram matrix (two orbits,
    element-major; see ``ntkviz.block_circulant``); a kernel of distances or inner products
    gives a circulant one on the circle pair and a nearly circulant one on image orbits
    (docs/theory.md#interleaving).

    Examples
    --------
    >>> digits = nv.datasets.mnist_test_set()[0]
    >>> A = nv.datasets.orbit(digits[0], N=4, action="rot90")
    >>> B = nv.datasets.orbit(digits[1], N=4, action="rot90")
    >>> X, y = nv.datasets.interleave(A, B)
    >>> X.shape, y.tolist()
    ((8, 28, 28), [1.0, -1.0, 1.0, -1.0, 1.0, -1.0, 1.0, -1.0])
    >>> bool(np.array_equal(X[2], A[1])), bool(np.array_equal(X[3], B[1]))
    (True, True)
    """
    a = as_finite_array("orbit_a", orbit_a)
    b = as_finite_array("orbit_b", orbit_b)
    if a.ndim < 2:
        raise ValueError(f"orbit_a must be a stack of points (N, ...), got shape {a.shape}")
    if a.shape != b.shape:
        raise ValueError(f"orbit_a and orbit_b must have the same shape, got {a.shape} and {b.shape}")
    X = np.empty((2 * a.shape[0],) + a.shape[1:])
    X[0::2] = a
    X[1::2] = b
    return X, alternating_labels(a.shape[0])


def pool2(images) -> np.ndarray:
    """2×2 mean pooling, e.g. 28×28 → 14×14 digits for pixel-pair kernels.

    ``images`` is ``(n, H, W)`` with even H and W.

    Examples
    --------
    >>> nv.datasets.pool2(np.arange(16.0).reshape(1, 4, 4)).tolist()   # means of 2×2 blocks
    [[[2.5, 4.5], [10.5, 12.5]]]
    >>> digits = nv.datasets.mnist_test_set()[0][:5]
    >>> nv.datasets.pool2(digits).shape
    (5, 14, 14)
    """
    images = as_finite_array("images", images, ndim=3)
    n, height, width = images.shape
    if height % 2 or width % 2:
        raise ValueError(f"images must have even height and width for pool2, got {images.shape}")
    return images.reshape(n, height // 2, 2, width // 2, 2).mean(axis=(2, 4))
