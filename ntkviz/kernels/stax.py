"""Any neural-tangents ``stax`` kernel function as an ntkviz kernel
(docs/theory.md#kernels-from-neural-tangents).

``from_stax(kernel_fn)`` wraps the third return value of ``neural_tangents.stax.serial(...)``
(or any callable with its signature, ``kernel_fn(x1, x2, get)`` with ``get`` one of ``"nngp"``,
``"ntk"``, ``("nngp", "ntk")``) in a frozen, hashable ``NeuralKernel``: it is called like every
other kernel, returns float64 numpy Gram matrices and can be passed to ``spectral``, ``gp``,
the experiments and (through ``experiments.architectures.register_architecture``) the explorers.
This module never imports neural-tangents: the callable is used as it is.

How inputs reach ``kernel_fn`` (``inputs=``):

* ``"vectors"``: ``(n, d)``; images ``(n, H, W[, C])`` are flattened (a stax network that starts
  with ``Dense``, like ``ntkviz.kernels.mlp``).
* ``"images"``: ``(n, H, W, C)`` NHWC; ``(n, H, W)`` gains one channel (a network that starts
  with ``Conv``; neural-tangents' convolutions read NHWC by default).
* ``"auto"`` (default): ``(n, d)`` inputs go as vectors, ``(n, H, W[, C])`` as NHWC images if
  ``kernel_fn`` returns a ``(1, 1)`` kernel for one image, else flattened. The choice is made
  once per image shape by calling ``kernel_fn`` on one fixed random image (a dense stax
  network given images keeps their pixel axes and returns more than ``(1, 1)``; a
  convolutional one given vectors fails), and remembered.

Every call runs under ``enable_x64(True)`` (only for the call), so a JAX ``kernel_fn`` computes
in float64 without touching the global configuration. A jitted ``kernel_fn``
(``jax.jit(kernel_fn, static_argnames="get")``) works too and is faster on repeated shapes.
"""

from __future__ import annotations

import dataclasses
import functools
import warnings
from collections.abc import Callable

import numpy as np

from .._validate import check_choice, check_int
from ._x64 import enable_x64
from .base import NeuralKernel, as_finite_array, as_images, as_vectors, check_same_features

__all__ = ["INPUTS", "StaxKernel", "from_stax"]

#: How inputs are passed to the wrapped ``kernel_fn`` (see the module docstring).
INPUTS = ("auto", "vectors", "images")

_GETS = {"nngp": "nngp", "ntk": "ntk", "both": ("nngp", "ntk")}


def _show_shape(value) -> str:
    shape = getattr(value, "shape", None)
    return f"shape {tuple(shape)}" if shape is not None else f"a {type(value).__name__}"


def _as_gram(value, what: str, shape: tuple[int, int]) -> np.ndarray:
    """One returned kernel as a finite float64 ``(n1, n2)`` array, or a ``ValueError``."""
    if value is None:
        raise ValueError(f"kernel_fn returned None for the {what} (does the network define it?)")
    array = np.asarray(value)
    if array.dtype.kind == "f" and array.dtype.itemsize < 8:
        warnings.warn(
            f"kernel_fn returned the {what} in {array.dtype}, not float64: its precision is "
            "limited by that dtype (is kernel_fn forced to float32?)", RuntimeWarning, stacklevel=4)
    if array.dtype.kind not in "biuf":
        raise ValueError(f"kernel_fn must return real numbers for the {what}, got dtype {array.dtype}")
    array = array.astype(np.float64)
    if array.shape != shape:
        raise ValueError(
            f"kernel_fn returned the {what} with shape {array.shape}, expected {shape} (one "
            "scalar per pair of inputs): the network must end in a readout to one output, e.g. "
            "Flatten() or GlobalAvgPool() then Dense(1); for a network starting with Dense pass "
            "inputs='vectors'")
    if not np.all(np.isfinite(array)):
        bad = int(array.size - np.count_nonzero(np.isfinite(array)))
        raise ValueError(f"kernel_fn returned {bad} NaN or infinite entries in the {what} "
                         f"(of {array.size}) for inputs of shape {shape}")
    return array


@dataclasses.dataclass(frozen=True)
class StaxKernel(NeuralKernel):
    """NNGP and NTK of a network given by a stax ``kernel_fn(x1, x2, get)``.

    Two ``StaxKernel`` are equal when they wrap the *same* callable object (identity, not
    value) with the same settings, so caches keyed by kernels stay correct.

    Attributes
    ----------
    kernel_fn : callable
        The wrapped callable (compared by identity).
    label : str or None
        The name shown in legends (``None``: "stax kernel").
    inputs : str
        ``"auto"`` | ``"vectors"`` | ``"images"`` (module docstring).
    batch_size : int or None
        None, or the largest number of rows of x1 and of x2 per call of ``kernel_fn``
        (the Gram matrix is assembled from blocks, bounding memory).
    """

    kernel_fn: Callable = dataclasses.field(compare=False)
    label: str | None = None
    inputs: str = "auto"
    batch_size: int | None = None
    function_id: int = dataclasses.field(init=False, repr=False)

    def __post_init__(self):
        if not callable(self.kernel_fn):
            raise TypeError(
                f"kernel_fn must be a callable kernel_fn(x1, x2, get) as returned by "
                f"neural_tangents.stax, got {type(self.kernel_fn).__name__}")
        if self.label is not None and not isinstance(self.label, str):
            raise TypeError(f"name must be a string or None, got {self.label!r}")
        check_choice("inputs", self.inputs, INPUTS)
        if self.batch_size is not None:
            object.__setattr__(self, "batch_size", check_int("batch_size", self.batch_size, minimum=1))
        # The kernel holds kernel_fn, so its id is unique among living objects.
        object.__setattr__(self, "function_id", id(self.kernel_fn))

    @property
    def name(self) -> str:
        return self.label if self.label is not None else "stax kernel"

    # --- inputs ---------------------------------------------------------------------------
    def _layout(self, x: np.ndarray) -> str:
        if self.inputs != "auto":
            return self.inputs
        return "vectors" if x.ndim == 2 else _probe_layout(self, x.shape[1:])

    def _prepare(self, x1, x2):
        a = as_finite_array("x1", x1, ndim=(2, 3, 4))
        b = None if x2 is None else as_finite_array("x2", x2, ndim=(2, 3, 4))
        check_same_features(a, a if b is None else b)  # also caps the Gram size
        layout = self._layout(a)
        if layout == "images":
            if a.ndim == 2:
                raise ValueError(
                    f"x1 must be images (n, H, W) or (n, H, W, C) for this kernel "
                    f"(inputs='images'), got shape {a.shape}")
            convert = as_images
        else:
            convert = as_vectors
        return convert("x1", a), None if b is None else convert("x2", b)

    # --- calls ----------------------------------------------------------------------------
    def _call(self, a, b, which: str) -> list[np.ndarray]:
        """``kernel_fn(a, b, get)`` as a list of float64 Gram matrices (NNGP first)."""
        with enable_x64(True):
            result = self.kernel_fn(a, b, _GETS[which])
        shape = (a.shape[0], (a if b is None else b).shape[0])
        if which != "both":
            return [_as_gram(result, which.upper(), shape)]
        if isinstance(result, (tuple, list)) and len(result) == 2:
            nngp, ntk = result
        elif hasattr(result, "nngp") and hasattr(result, "ntk"):
            nngp, ntk = result.nngp, result.ntk
        else:
            raise ValueError(
                "kernel_fn(x1, x2, ('nngp', 'ntk')) must return the pair (nngp, ntk), "
                f"got {_show_shape(result)}")
        return [_as_gram(nngp, "NNGP", shape), _as_gram(ntk, "NTK", shape)]

    def _grams(self, x1, x2, which: str) -> list[np.ndarray]:
        a, b = self._prepare(x1, x2)
        step = self.batch_size
        n1 = a.shape[0]
        if step is None or (n1 <= step and (b is None or b.shape[0] <= step)):
            grams = self._call(a, b, which)
        elif b is None:
            grams = [np.empty((n1, n1)) for _ in range(2 if which == "both" else 1)]
            starts = range(0, n1, step)
            for i in starts:
                for j in starts:
                    if j < i:
                        continue
                    rows, cols = slice(i, i + step), slice(j, j + step)
                    blocks = self._call(a[rows], None if i == j else a[cols], which)
                    for gram, block in zip(grams, blocks):
                        gram[rows, cols] = block
                        gram[cols, rows] = block.T
        else:
            n2 = b.shape[0]
            grams = [np.empty((n1, n2)) for _ in range(2 if which == "both" else 1)]
            for i in range(0, n1, step):
                for j in range(0, n2, step):
                    rows, cols = slice(i, i + step), slice(j, j + step)
                    for gram, block in zip(grams, self._call(a[rows], b[cols], which)):
                        gram[rows, cols] = block
        if b is None:  # exactly symmetric, whatever the wrapped function's round-off
            grams = [0.5 * (g + g.T) for g in grams]
        return grams

    def nngp_ntk(self, x1, x2=None):
        nngp, ntk = self._grams(x1, x2, "both")
        return nngp, ntk

    def ntk(self, x1, x2=None):
        return self._grams(x1, x2, "ntk")[0]

    def nngp(self, x1, x2=None):
        return self._grams(x1, x2, "nngp")[0]


@functools.lru_cache(maxsize=64)
def _probe_layout(kernel: StaxKernel, feature_shape: tuple[int, ...]) -> str:
    """``"images"`` if ``kernel_fn`` maps one NHWC image of this shape to a ``(1, 1)`` NNGP,
    else ``"vectors"`` if it does so for the flattened image; else a ``ValueError``."""
    probe = np.random.default_rng(0).standard_normal((1, *feature_shape))
    attempts = []
    for layout, convert in (("images", as_images), ("vectors", as_vectors)):
        x = convert("x1", probe)
        try:
            with enable_x64(True):
                value = np.shape(kernel.kernel_fn(x, None, "nngp"))
        except Exception as error:  # noqa: BLE001 - any failure means "not this layout"
            attempts.append(f"as {layout} {x.shape}: {type(error).__name__}: {str(error)[:120]}")
            continue
        if value == (1, 1):
            return layout
        attempts.append(f"as {layout} {x.shape}: returned shape {value}")
    raise ValueError(
        f"kernel_fn accepts inputs of feature shape {feature_shape} neither as NHWC images nor "
        f"as flat vectors ({'; '.join(attempts)}); pass inputs='images' or inputs='vectors' to "
        "from_stax, and check that the network ends in a readout to one output")


def from_stax(kernel_fn: Callable, *, name: str | None = None, inputs: str = "auto",
              batch_size: int | None = None) -> StaxKernel:
    """The ntkviz kernel of a neural-tangents stax ``kernel_fn`` (NTK when called, ``.nngp``).

    Parameters
    ----------
    kernel_fn : callable
        ``kernel_fn(x1, x2, get)`` with ``get`` in ``"nngp"``, ``"ntk"``,
        ``("nngp", "ntk")`` (the third value of ``neural_tangents.stax.serial(...)``), returning
        ``(n1, n2)`` kernels; ``x2=None`` means ``x2 = x1``.
    name : str or None
        Label for legends and dropdowns (default "stax kernel").
    inputs : str
        ``"auto"`` | ``"vectors"`` (flattened, for Dense-first networks) | ``"images"``
        (NHWC, for Conv-first networks); see the module docstring.
    batch_size : int or None
        At most this many rows of x1 and x2 per call (None: one call).

    Returns
    -------
    StaxKernel
        ``k(x1, x2=None)`` the NTK ``Θ`` and ``k.nngp`` the NNGP ``Σ`` as float64 numpy
        ``(n1, n2)`` arrays (exactly symmetric for ``x2=None``), in the conventions of the
        wrapped network (docs/theory.md#conventions).

    Examples
    --------
    With neural-tangents installed, ``kernel_fn`` is the third value of ``stax.serial``, e.g.
    ``_, _, kernel_fn = stax.serial(stax.Dense(512), stax.Relu(), stax.Dense(1))``. Any callable
    with the same signature works as well; here the kernels of ``stax.Dense(1, b_std=1.0)``
    written out, ``Σ = Θ = x·x'/d + 1``:

    >>> def kernel_fn(x1, x2, get):
    ...     gram = x1 @ (x1 if x2 is None else x2).T / x1.shape[1] + 1.0
    ...     return (gram, gram) if isinstance(get, tuple) else gram
    >>> k = nv.kernels.from_stax(kernel_fn, name="linear")
    >>> X, y = nv.datasets.circle_pair(N=4)
    >>> K = k(X)                                  # the NTK; k.nngp(X) gives the NNGP
    >>> K.shape, k.name, bool(np.allclose(K, X @ X.T / 3 + 1))
    ((8, 8), 'linear', True)
    """
    return StaxKernel(kernel_fn, name, inputs, batch_size)
