"""Finite C4 group CNNs converge to their infinite-width kernels (Equivariant NTKs,
arXiv 2406.06504, Fig. 1; docs/theory.md#the-empirical-ntk-and-width).

A few MNIST digits of different classes and a quarter turn of each are fed to finite group
CNNs (lifting conv, ``depth − 1`` group convs, group pooling, width-one readout; NTK
parameterisation; ``kernels.finite_gcnn``) with ``n`` channels per rotation, one network per
random initialisation (seed). For each network we compare with the analytic ``kernels.gcnn``
kernels ``Σ`` (NNGP) and ``Θ`` (NTK) of the same architecture:

* ``Θ̂ = J Jᵀ``, the empirical NTK;
* ``Σ̂ = E_readout[f(x) f(x')]``, the NNGP given the network's hidden layers (the readout's
  draws averaged in closed form); the mean of Σ̂ over the seeds is the Monte-Carlo NNGP;

by the relative Frobenius error ``‖K̂ − K‖_F / ‖K‖_F`` over the whole Gram matrix. Both errors
fall like ``n^(−1/2)`` (fitted log-log slope ≈ −1/2); the seed-averaged Monte-Carlo NNGP is
closer still (``1/√(n · seeds)``, plus an O(1/n) bias beyond one hidden layer). Every
network's output is also checked to be invariant to quarter turns of its input
(``finite_network(...).invariance_gap``, round-off only): group pooling makes it so at every
width, while the kernels only become deterministic as ``n → ∞``.

Inputs: the first digit of each of the classes ``0 … n_digits − 1`` in
``datasets.digits_per_class(1, digit_seed)``, 2×2 mean-pooled to 14×14 (the ``gcnn``
architecture's resolution; ``resolution=7`` pools once more), centred, unit norm, then scaled by
the image side (mean square pixel 1, the reference ``_scaled`` inputs: with unit-norm inputs
every kernel entry is dominated by ``b²`` and the kernels of different networks look alike).
Row ``2i`` is digit i, row ``2i + 1`` its quarter turn (``np.rot90``).

Cached per network (depth, activation, W_std, b_std, inputs, width, seed) and per sweep.
Measured (2 cores shared with other jobs, load 2–6, November 2026; depth 2, 14×14, 6 inputs):
each new width compiles one program (gradients, Gram matrices, rotated outputs) in ~2–8 s;
a network then takes ~0.02 s (width 4) to ~0.6–2 s (width 128). The default sweep, 6 widths ×
8 seeds, took 44–73 s the first time (about half of it compilation), microseconds afterwards;
depth 1 takes ~12 s. With eight seeds the mean error of one width scatters by ~±30 % (the
error matrix is dominated by one random direction, the kernels' common offset), so fitted
slopes come out between about −0.3 and −0.6; 40 seeds give −0.52 (depth 1, 7×7).
"""

from __future__ import annotations

import dataclasses
import functools

import numpy as np

from .. import datasets
from .._validate import as_finite_array, check_choice
from ..kernels import gcnn
from ..kernels.finite_gcnn import MAX_WIDTH, finite_network
from ..params import Param, Params
from ._common import check_progress, frozen, progress_callback

__all__ = ["ACTIVATIONS", "DEPTH", "MAX_DEPTH", "RESOLUTIONS", "SEEDS", "WIDTHS", "PARAMS",
           "GCNNWidthSweep", "gcnn_images", "relative_error", "relative_errors"]

#: Nonlinearities of the network (those of ``kernels.gcnn``).
ACTIVATIONS = ("relu", "erf")
#: Channels per rotation compared, doubling from 4 to 128.
WIDTHS = (4, 8, 16, 32, 64, 128)
#: Random initialisations per width.
SEEDS = tuple(range(8))
#: Default depth — the lifting layer and one group convolution (then group pooling, readout).
DEPTH = 2
#: Largest depth accepted (each group convolution costs 36 · width² weights per input pixel).
MAX_DEPTH = 3
#: Image sides — 14 (the ``gcnn`` architecture's, 2×2 pooled MNIST) or 7 (pooled once more).
RESOLUTIONS = (14, 7)

#: The arguments of the public functions.
PARAMS = Params(
    Param("depth", "int", 1, MAX_DEPTH),
    Param("activation", "choice", choices=ACTIVATIONS),
    Param("W_std", "real", 0.0, strict=True),
    Param("b_std", "real", 0.0),
    Param("widths", "ints", 1, MAX_WIDTH),
    Param("seeds", "ints", 0),
    Param("n_digits", "int", 1, 10),
    Param("digit_seed", "int", 0),
    Param("resolution", "choice", choices=RESOLUTIONS),
)


# --- inputs and cached cores ----------------------------------------------------------------
@PARAMS.validated
@functools.lru_cache(maxsize=16)
def gcnn_images(n_digits: int = 3, digit_seed: int = 0, resolution: int = 14) -> np.ndarray:
    """The inputs (2·n_digits, resolution, resolution): each digit followed by its quarter turn.

    Digit i is the first of class i in ``datasets.digits_per_class(1, digit_seed)``, mean-pooled
    to ``resolution`` (14 or 7), centred, of unit norm, times the side (mean square pixel 1).
    Read-only and cached.

    Examples
    --------
    >>> from ntkviz.experiments import gcnn_width
    >>> x = gcnn_width.gcnn_images(n_digits=2)
    >>> x.shape
    (4, 14, 14)
    >>> bool(np.allclose(x[1], np.rot90(x[0]))), round(float(np.mean(x[0] ** 2)), 6)
    (True, 1.0)
    """
    images, _ = datasets.load_mnist()
    chosen = images[datasets.digits_per_class(1, digit_seed)[:n_digits, 0]].astype(np.float64)
    while chosen.shape[-1] > resolution:
        chosen = datasets.pool2(chosen)
    chosen = datasets.normalize(chosen) * resolution  # mean square pixel 1
    pairs = np.stack([chosen, np.rot90(chosen, 1, axes=(1, 2))], axis=1)
    return frozen(pairs.reshape(2 * n_digits, resolution, resolution))


def relative_error(estimate, exact) -> float:
    """``‖estimate − exact‖_F / ‖exact‖_F`` (the error measure of arXiv 2406.06504, Fig. 1).

    Examples
    --------
    >>> from ntkviz.experiments import gcnn_width
    >>> exact = np.array([[2.0, 1.0], [1.0, 2.0]])
    >>> round(gcnn_width.relative_error(exact + 0.1, exact), 4)   # 0.2 / √10
    0.0632
    """
    estimate = as_finite_array("estimate", estimate, min_rows=0)
    exact = as_finite_array("exact", exact, min_rows=0)
    if not np.any(exact):
        raise ValueError("exact must not be all zeros: the relative error divides by its norm")
    if estimate.shape != exact.shape:
        raise ValueError("estimate and exact must have the same shape, "
                         f"got {estimate.shape} and {exact.shape}")
    return float(np.linalg.norm(estimate - exact) / np.linalg.norm(exact))


@functools.lru_cache(maxsize=32)
def _analytic(depth, activation, W_std, b_std, inputs) -> tuple[np.ndarray, np.ndarray]:
    kernel = gcnn(depth=depth, W_std=W_std, b_std=b_std, activation=activation)
    nngp, ntk = kernel.nngp_ntk(gcnn_images.unchecked(*inputs))
    return frozen(nngp), frozen(ntk)


@functools.lru_cache(maxsize=2048)
def _network(depth, activation, W_std, b_std, inputs, width, seed):
    """``(Σ̂, Θ̂, invariance gap)`` of one finite network."""
    arch = gcnn(depth=depth, W_std=W_std, b_std=b_std, activation=activation)
    x = gcnn_images.unchecked(*inputs)
    network = finite_network(arch, x, width=width, seed=seed)
    return network.nngp, network.ntk, network.invariance_gap


def _fit(widths, mean) -> tuple[float, float]:
    if len(widths) < 2 or not np.all(mean > 0):
        return float("nan"), float("nan")
    slope, intercept = np.polyfit(np.log(widths), np.log(mean), 1)
    return float(slope), float(intercept)


def _spread(errors: np.ndarray) -> np.ndarray:
    return errors.std(axis=-1, ddof=1) if errors.shape[-1] > 1 else np.zeros(errors.shape[:-1])


# --- the sweep ------------------------------------------------------------------------------
@dataclasses.dataclass(frozen=True)
class GCNNWidthSweep:
    """Empirical against analytic kernels of C4 group CNNs over widths; arrays are read-only.

    Attributes
    ----------
    depth : int
        Depth of the network (``kernels.gcnn`` settings).
    activation : str
        Activation of the network (``kernels.gcnn`` settings).
    W_std, b_std : float
        Weight and bias scales of the network (``kernels.gcnn`` settings).
    widths : ndarray of shape (W,)
        Channels per rotation.
    seeds : tuple of int
        The S initialisations.
    images : ndarray of shape (n, H, H)
        The inputs (``gcnn_images``: digit, quarter turn, digit, …).
    nngp, ntk : ndarray of shape (n, n)
        Analytic ``Σ`` and ``Θ`` (``kernels.gcnn``).
    nngp_hat, ntk_hat : ndarray of shape (W, S, n, n)
        Empirical ``Σ̂`` and ``Θ̂`` of each network.
    nngp_errors, ntk_errors : ndarray of shape (W, S)
        Relative Frobenius errors ``‖K̂ − K‖_F/‖K‖_F``.
    nngp_mean, ntk_mean : ndarray of shape (W,)
        Means of ``nngp_errors`` and ``ntk_errors`` over seeds.
    nngp_spread, ntk_spread : ndarray of shape (W,)
        Sample standard deviations over seeds (0 with one seed).
    nngp_slope, nngp_intercept, ntk_slope, ntk_intercept : float
        Least-squares fits ``log mean = intercept + slope · log width`` (≈ −1/2 expected); NaN
        with one width.
    mc_nngp_errors : ndarray of shape (W,)
        Relative error of the Monte-Carlo NNGP, the mean of Σ̂ over all seeds.
    invariance_gaps : ndarray of shape (W, S)
        ``max_k max_i |f(rot90^k x_i) − f(x_i)|`` of each network over the inputs (round-off,
        ~1e-15, with ``|f|`` ~ 1).
    """

    depth: int
    activation: str
    W_std: float
    b_std: float
    widths: np.ndarray
    seeds: tuple
    images: np.ndarray
    nngp: np.ndarray
    ntk: np.ndarray
    nngp_hat: np.ndarray
    ntk_hat: np.ndarray
    nngp_errors: np.ndarray
    ntk_errors: np.ndarray
    nngp_mean: np.ndarray
    ntk_mean: np.ndarray
    nngp_spread: np.ndarray
    ntk_spread: np.ndarray
    nngp_slope: float
    nngp_intercept: float
    ntk_slope: float
    ntk_intercept: float
    mc_nngp_errors: np.ndarray
    invariance_gaps: np.ndarray

    @property
    def max_invariance_gap(self) -> float:
        """The largest ``|f(rot90^k x) − f(x)|`` over every network of the sweep."""
        return float(np.max(self.invariance_gaps))

    def fitted(self, kind: str, widths) -> np.ndarray:
        """The fitted power law ``exp(intercept) · width^slope`` of ``kind`` ("ntk"/"nngp")."""
        check_choice("kind", kind, ("ntk", "nngp"))
        slope, intercept = ((self.ntk_slope, self.ntk_intercept) if kind == "ntk"
                            else (self.nngp_slope, self.nngp_intercept))
        return np.exp(intercept) * np.asarray(widths, dtype=float) ** slope


@functools.lru_cache(maxsize=32)
def _sweep(depth, activation, W_std, b_std, inputs, widths, seeds) -> GCNNWidthSweep:
    nngp, ntk = _analytic(depth, activation, W_std, b_std, inputs)
    cells = [[_network(depth, activation, W_std, b_std, inputs, w, s) for s in seeds]
             for w in widths]
    nngp_hat = np.array([[c[0] for c in row] for row in cells])
    ntk_hat = np.array([[c[1] for c in row] for row in cells])
    gaps = np.array([[c[2] for c in row] for row in cells])

    def errors(hat, exact):
        return np.linalg.norm(hat - exact, axis=(-2, -1)) / np.linalg.norm(exact)

    nngp_errors, ntk_errors = errors(nngp_hat, nngp), errors(ntk_hat, ntk)
    nngp_mean, ntk_mean = nngp_errors.mean(axis=1), ntk_errors.mean(axis=1)
    return GCNNWidthSweep(
        depth=depth, activation=activation, W_std=W_std, b_std=b_std, widths=frozen(widths, np.int64),
        seeds=seeds, images=gcnn_images.unchecked(*inputs), nngp=nngp, ntk=ntk,
        nngp_hat=frozen(nngp_hat), ntk_hat=frozen(ntk_hat),
        nngp_errors=frozen(nngp_errors), ntk_errors=frozen(ntk_errors),
        nngp_mean=frozen(nngp_mean), ntk_mean=frozen(ntk_mean),
        nngp_spread=frozen(_spread(nngp_errors)), ntk_spread=frozen(_spread(ntk_errors)),
        nngp_slope=_fit(widths, nngp_mean)[0], nngp_intercept=_fit(widths, nngp_mean)[1],
        ntk_slope=_fit(widths, ntk_mean)[0], ntk_intercept=_fit(widths, ntk_mean)[1],
        mc_nngp_errors=frozen(errors(nngp_hat.mean(axis=1), nngp)),
        invariance_gaps=frozen(gaps),
    )


@PARAMS.validated
def relative_errors(depth: int = DEPTH, widths=WIDTHS, seeds=SEEDS, *, n_digits: int = 3,
                    digit_seed: int = 0, resolution: int = 14, activation: str = "relu",
                    W_std: float = 1.0, b_std: float = 1.0, progress=None) -> GCNNWidthSweep:
    """Empirical NTK and NNGP of finite C4 group CNNs against ``kernels.gcnn``, per width and seed.

    Parameters
    ----------
    depth : int
        Lifting layer + ``depth − 1`` group convolutions (1…``MAX_DEPTH``).
    widths : sequence of int
        Channels per rotation (1…``finite_gcnn.MAX_WIDTH``), sorted, duplicates dropped.
    seeds : sequence of int
        Distinct initialisations (one network each).
    n_digits, digit_seed, resolution : int
        The inputs (``gcnn_images``).
    activation : str
        ``"relu"`` or ``"erf"`` (as ``kernels.gcnn``).
    W_std, b_std : float
        Weight and bias scales (as ``kernels.gcnn``).
    progress : bool, callable or None
        None; True for a ``tqdm.auto`` bar; or a callable ``progress(done, total)``
        after each network (cached networks count at once).

    Returns
    -------
    GCNNWidthSweep
        Cached. Expected (arXiv 2406.06504, Fig. 1): both mean errors fall like
        ``width^(−1/2)`` (slopes ≈ −0.5) and every invariance gap is round-off.

    Examples
    --------
    Two widths, two seeds, two digits and their quarter turns at 7×7: the wider networks are
    closer to the analytic NTK, and every network is invariant to quarter turns:

    >>> from ntkviz.experiments import gcnn_width
    >>> sweep = gcnn_width.relative_errors(depth=1, widths=(4, 64), seeds=(0, 1), n_digits=2,
    ...                                    resolution=7)
    >>> sweep.ntk_errors.shape, sweep.images.shape
    ((2, 2), (4, 7, 7))
    >>> bool(sweep.ntk_mean[1] < sweep.ntk_mean[0]), bool(sweep.max_invariance_gap < 1e-12)
    (True, True)
    """
    if len(set(seeds)) != len(seeds):
        raise ValueError(f"seeds must be distinct, got {seeds}")
    check_progress(progress)
    widths, inputs = tuple(sorted(set(widths))), (n_digits, digit_seed, resolution)
    report = progress_callback(progress, len(widths) * len(seeds), "finite group CNNs")
    _analytic(depth, activation, W_std, b_std, inputs)
    done = 0
    for width in widths:
        for seed in seeds:
            _network(depth, activation, W_std, b_std, inputs, width, seed)
            done += 1
            report(done)
    return _sweep(depth, activation, W_std, b_std, inputs, widths, seeds)
