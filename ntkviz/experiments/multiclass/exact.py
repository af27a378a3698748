"""Ten classes, one versus many, by exact GP regression (docs/theory.md#exact-classification):
each class's angle-0 images left out together and classified from every other point."""

from __future__ import annotations

import contextvars
import dataclasses
import functools
import time
import types
from typing import Callable

import numpy as np

from ... import block_circulant, datasets, gp
from ..._validate import check_choice
from .. import architectures
from .._common import check_progress, frozen
from .data import NS, PARAMS, checked_classes, checked_N, samples
from .leave_out import (
    angle0_leave_outs,
    block_row,
    canvas_width,
    chunking,
    dense_leave_outs,
    kernel_function,
    points,
    seed_images,
)

__all__ = ["SOLVERS", "MAX_SHIFT_N", "MAX_DENSE_POINTS", "ExactAccuracy", "ExactAccuracyCurve",
           "exact_accuracy", "exact_accuracy_vs_N"]

#: Solvers of ``exact_accuracy``: the structured one, the dense reference, or chosen by the action.
SOLVERS = ("auto", "block", "dense")
#: Largest orbit size of ``exact_accuracy`` for cyclic shifts (N not dividing the width pads).
MAX_SHIFT_N = 64
#: Largest number of points for which a dense Gram matrix is built (solver ``"dense"``, and the
#: block-circularised path of ``"rotate"``): 8000² float64 entries are 512 MB.
MAX_DENSE_POINTS = 8000


@dataclasses.dataclass(frozen=True)
class ExactAccuracy:
    """Exact GP one-versus-many classification of the angle-0 images of every class
    (docs/theory.md#exact-classification).

    Arrays are read-only; C = ``len(classes)``, S = ``seeds_per_class``, M = C·S orbits.

    Attributes
    ----------
    classes : tuple of int
        The setting.
    seeds_per_class, N, seed : int
        The setting.
    action, architecture, kind : str
        The setting.
    solver : str
        ``"block"`` (block-circulant, ``ntkviz.block_circulant``) or ``"dense"`` (the
        solver that ran; ``"auto"`` is resolved).
    circularized : bool
        True when the block solver ran on the block-circularised Gram matrix ``K̃``
        of an interpolated (not exact) action.
    resolution : int
        Side R of the digits the kernel sees (28, or 14 for pixel-pair kernels).
    canvas_width : int
        Width W of the canvas (``canvas_width``; W > R only for shifts with N ∤ R:
        the digit is zero-padded left and right, then centred and normalised on the canvas).
    points : int
        M·N, the size of the dataset.
    ridge : float
        The absolute ridge λ = ρ·tr(K) of the full matrix (ρ = ``gp.DEFAULT_RIDGE``).
    samples : ndarray of shape (C, S)
        Sample indices of the digits (``class_samples(S, seed)``, the digits of
        ``spectral_accuracy``).
    predictions : ndarray of shape (C, S, C)
        GP outputs at the angle-0 image of orbit i of class c (all S of
        class c left out together, predicted from the other M·N − S points); column d is the
        one-hot target of ``classes[d]``.
    predicted : ndarray of shape (C, S)
        The digit class ``classes[argmax]`` of each prediction.
    correct : bool ndarray of shape (C, S)
        ``predicted == classes[c]``.
    per_class : ndarray of shape (C,)
        Fraction of the left-out images of each class classified correctly.
    accuracy : float
        Mean of ``per_class``.
    wall_time : float
        Seconds the computation took (a cached call returns the same result).
    timings : mapping
        Read-only mapping ``{"kernel", "solve", "leave-out"}`` → seconds. Block path:
        "kernel" = the first block row, "solve" = the N/2+1 frequency-block factorisations and
        the dual weights, "leave-out" = the C leave-outs on those factors. Dense path:
        "kernel" = the full Gram, "solve" = one Cholesky and every leave-out, "leave-out" = 0.
        The circularised path adds the block factorisation to "solve".
    circulant_deviation : float or None
        ``‖K − K̃‖_F/‖K‖_F`` on the circularised path, else None.
    prediction_difference : float or None
        Max ``|ŷ_block(K̃) − ŷ_dense(K)|`` on the circularised path, else None.
    """

    classes: tuple[int, ...]
    seeds_per_class: int
    N: int
    action: str
    architecture: str
    kind: str
    seed: int
    solver: str
    circularized: bool
    resolution: int
    canvas_width: int
    points: int
    ridge: float
    samples: np.ndarray
    predictions: np.ndarray
    predicted: np.ndarray
    correct: np.ndarray
    per_class: np.ndarray
    accuracy: float
    wall_time: float
    timings: types.MappingProxyType = dataclasses.field(repr=False)
    circulant_deviation: float | None = None
    prediction_difference: float | None = None

    def of_class(self, label: int) -> float:
        """The accuracy of leave-out class ``label`` (a digit in ``classes``)."""
        return float(self.per_class[self.classes.index(check_choice("label", label,
                                                                    self.classes))])


def _compute(classes, S, N, action, key, kind, seed, solver, progress) -> ExactAccuracy:
    """The uncached work of ``exact_accuracy`` on validated arguments."""
    start = time.perf_counter()
    C, M = len(classes), len(classes) * S
    raw = seed_images(classes, S, seed, key, N, action)
    kernel = kernel_function(key, kind, action, N)
    # element-major one-hot targets: point g·M + m has the class of orbit m = c·S + i
    Y = np.tile(np.repeat(np.eye(C), S, axis=0), (N, 1))
    sets = [block_circulant.point_index(0, c * S + np.arange(S), M) for c in range(C)]
    exact = action in ("shift", "rot90")
    if solver == "block" and exact:
        total = N // chunking(M, N) + 1 + C
    else:
        total = 2 + C + (1 if solver == "block" else 0)
    done = [0]

    def tick():
        done[0] += 1
        if progress is not None:
            progress(done[0], total)

    timings = {}
    deviation = difference = dense = None
    t0 = time.perf_counter()
    if solver == "block" and exact:
        X0 = datasets.normalize(raw)
        bc = block_circulant.BlockCirculantKernel(block_row(kernel, X0, N, action, tick))
        timings["kernel"] = time.perf_counter() - t0
        ridge = bc.ridge_shift(gp.DEFAULT_RIDGE)
    else:
        K = np.asarray(kernel(points(raw, N, action)), dtype=np.float64)
        timings["kernel"] = time.perf_counter() - t0
        tick()
        ridge = gp.DEFAULT_RIDGE * float(np.trace(K))
        t0 = time.perf_counter()
        dense = dense_leave_outs(K, Y, sets, ridge)
        timings["solve"] = time.perf_counter() - t0
        tick()
        if solver == "block":  # interpolated action: the block path on the circularised Gram
            deviation = block_circulant.block_circulant_deviation(K, M, N)
            bc = block_circulant.BlockCirculantKernel(block_circulant.block_row_average(K, M, N))
        del K
    if solver == "block":
        t0 = time.perf_counter()
        bc.solve(Y, ridge, relative=False)  # factorises the N/2+1 blocks once (cached per ridge)
        timings["solve"] = timings.get("solve", 0.0) + time.perf_counter() - t0
        tick()
        t0 = time.perf_counter()
        predictions = angle0_leave_outs(bc, Y, sets, ridge, tick)
        timings["leave-out"] = time.perf_counter() - t0
        if dense is not None:
            difference = max(float(np.abs(a - b).max()) for a, b in zip(predictions, dense))
    else:
        predictions = dense
        timings["leave-out"] = 0.0  # inside "solve": one factorisation serves every class
        for _ in range(C):
            tick()
    predictions = np.stack(predictions)  # (C, S, C)
    predicted = np.asarray(classes)[predictions.argmax(axis=2)]
    correct = predicted == np.asarray(classes)[:, None]
    per_class = correct.mean(axis=1)
    resolution = architectures.architecture(key).resolution
    return ExactAccuracy(
        classes=classes, seeds_per_class=S, N=N, action=action, architecture=key, kind=kind,
        seed=seed, solver=solver, circularized=deviation is not None, resolution=resolution,
        canvas_width=canvas_width.unchecked(resolution, N, action), points=M * N, ridge=float(ridge),
        samples=frozen(samples(S, seed)[list(classes)], np.int64),
        predictions=frozen(predictions), predicted=frozen(predicted, np.int64),
        correct=frozen(correct, bool), per_class=frozen(per_class),
        accuracy=float(per_class.mean()), wall_time=time.perf_counter() - start,
        timings=types.MappingProxyType(timings), circulant_deviation=deviation,
        prediction_difference=difference)


# The progress callback of the call in flight: not part of the cache key.
_PROGRESS: contextvars.ContextVar = contextvars.ContextVar("exact_accuracy_progress",
                                                           default=None)


# A result is small (predictions (C, S, C)); the block row and Gram matrix are not kept.
@functools.lru_cache(maxsize=16)
def _exact_accuracy(classes, S, N, action, key, kind, seed, solver) -> ExactAccuracy:
    return _compute(classes, S, N, action, key, kind, seed, solver, _PROGRESS.get())


def _setting(S, N, action, key, kind, classes, seed, solver) -> tuple:
    """The cache key of ``exact_accuracy``: N allowed for the action (shifts: 2..MAX_SHIFT_N,
    padded), the solver resolved, and the dense Gram within ``MAX_DENSE_POINTS``."""
    classes = checked_classes(classes)
    if action != "shift":
        N = checked_N(N, action, key)
    elif not 2 <= N <= MAX_SHIFT_N:
        resolution = architectures.architecture(key).resolution
        raise ValueError(
            f"N={N} is not allowed for action 'shift' in exact_accuracy; allowed N: "
            f"2..{MAX_SHIFT_N} (N that do not divide the image width {resolution} are "
            f"zero-padded to the next multiple of N)")
    if solver == "auto":
        solver = "block" if action in ("shift", "rot90") else "dense"
    points = len(classes) * S * N
    if (solver == "dense" or action == "rotate") and points > MAX_DENSE_POINTS:
        why = ("solver='dense'" if solver == "dense" else
               "solver='block' on interpolated rotations (block-circularises the dense Gram)")
        raise ValueError(
            f"{why} needs the dense Gram matrix of all {points} points "
            f"({8 * points**2 / 2**30:.1f} GiB); allowed up to {MAX_DENSE_POINTS} points: lower "
            "seeds_per_class or N, or use solver='block' with an exact action (shift, rot90)")
    return classes, S, N, action, key, kind, seed, solver


@PARAMS.validated
def exact_accuracy(seeds_per_class: int = 3, N: int = 8, action: str = "shift",
                   architecture: str = "mlp1", kind: str = "ntk", classes=range(10),
                   seed: int = 0, solver: str = "auto",
                   progress: Callable[[int, int], None] | None = None) -> ExactAccuracy:
    """Exact GP one-versus-many accuracy: each class's angle-0 images left out together and
    classified by GP regression on every other point (docs/theory.md#exact-classification).

    Dataset: the digits of ``class_samples(S, seed)`` (those of ``spectral_accuracy``), each
    expanded to its whole orbit of N images at the architecture's resolution R (the seed is
    pooled to R, centred and put on the unit sphere, docs/theory.md#image-orbits; an exact action
    permutes pixels, so every element is normalised too). Shifts need N to divide the width: for
    other N (e.g. 8, 16, 32 on 28-pixel digits) the digit is first zero-padded symmetrically
    left and right (one column more on the right if the padding is odd) to the smallest canvas
    width ≥ R that N divides (28 → 32) and normalised on that canvas, then shifted by
    ``width/N`` pixels per element (``result.canvas_width``). M = C·S orbits, M·N points,
    element-major (``block_circulant.point_index``).

    Targets: C one-hot columns (a ±1 one-versus-rest coding gives the same argmax: it is
    ``2·onehot − 1`` and the posterior mean is linear in the targets, so every column moves by
    the same amount). For each leave-out class c, the angle-0 images of its S orbits are left
    out together and predicted from all other points by the exact identity of
    ``block_circulant.leave_out_predictions``, ``ŷ_S = Y_S − ([A⁻¹]_SS)⁻¹[A⁻¹Y]_S`` with
    ``A = K + λI`` and the absolute ridge ``λ = ρ·tr(K)`` of the full matrix
    (ρ = ``gp.DEFAULT_RIDGE``); a prediction's class is the argmax over the C outputs. The
    accuracy of c is the fraction of its S images predicted as c; ``accuracy`` is their mean.

    Cost of the block path: O(M²N) kernel entries, O(N M³) for the factorisations and the
    leave-outs, memory O(N M²) (the first block row). 10 classes × 100 seeds × 32 shifts
    (32,000 points, MLP NTK) took 9–10 s on this machine's 2 shared cores with
    ``OPENBLAS_NUM_THREADS=1`` and ~30 s with the default BLAS threads while other processes
    loaded the cores (``benchmarks/results_block_circulant.md``); peak RSS ~1.2 GB.

    Parameters
    ----------
    seeds_per_class : int
        S ≥ 1 orbits per class.
    N : int
        Orbit size: ``"rot90"`` 2 or 4; ``"rotate"`` 2..64; ``"shift"`` 2..64 (padded as above).
    action : str
        ``"shift"`` | ``"rot90"`` | ``"rotate"``.
    architecture : str
        A key of ``architectures.ARCHITECTURES``.
    kind : str
        ``"ntk"`` | ``"nngp"``.
    classes : sequence of int
        At least two different digit classes (default all ten).
    seed : int
        Which digits.
    solver : str
        ``"block"``: the block-circulant solver (``BlockCirculantKernel``) on the first
        block row ``K(X_0, X_d)`` only (M × MN kernel entries, never the dense Gram), exact
        for the exact actions, whose kernels are invariant under the action on both inputs;
        for ``"rotate"`` (interpolated, not exact) it runs on the block-circularised dense
        Gram ``K̃`` (``block_row_average``) and records ``circulant_deviation`` and
        ``prediction_difference`` against the dense solve on K.
        ``"dense"``: the full M·N × M·N Gram and a dense Cholesky. ``"auto"``: block for
        shift and rot90, dense for rotate. Dense Grams are limited to ``MAX_DENSE_POINTS``.
    progress : callable or None
        ``progress(done, total)`` after each kernel chunk, the factorisation and each
        leave-out class; a cached result calls ``progress(1, 1)`` once.

    Returns
    -------
    ExactAccuracy
        Cached on the validated arguments; ``progress`` is not part of the key.

    Examples
    --------
    Ten classes, two digits each, seven cyclic shifts (the block-circulant solver): the plain
    MLP classifies none of the left-out unshifted digits correctly, the MLP averaged over the
    shifts all of them; the dense solver gives the same predictions:

    >>> from ntkviz.experiments import multiclass
    >>> plain = multiclass.exact_accuracy(seeds_per_class=2, N=7, action="shift")
    >>> plain.solver, plain.points, plain.predictions.shape
    ('block', 140, (10, 2, 10))
    >>> invariant = multiclass.exact_accuracy(seeds_per_class=2, N=7, action="shift",
    ...                                       architecture="orbit_mlp")
    >>> plain.accuracy, invariant.accuracy
    (0.0, 1.0)
    >>> dense = multiclass.exact_accuracy(seeds_per_class=2, N=7, action="shift", solver="dense")
    >>> bool(np.allclose(dense.predictions, plain.predictions))
    True
    """
    setting = _setting(seeds_per_class, N, action, architecture, kind, classes, seed, solver)
    progress = check_progress(progress, allow_bar=False)
    calls = [0]

    def counting(done, total):
        calls[0] += 1
        if progress is not None:
            progress(done, total)

    token = _PROGRESS.set(counting)
    try:
        result = _exact_accuracy(*setting)
    finally:
        _PROGRESS.reset(token)
    if progress is not None and calls[0] == 0:
        progress(1, 1)
    return result


@dataclasses.dataclass(frozen=True)
class ExactAccuracyCurve:
    """``exact_accuracy`` against N.

    Attributes
    ----------
    Ns : tuple of int
        The orbit sizes.
    classes : tuple of int
        The digit classes.
    solver : str
        The solver that ran.
    per_class : ndarray of shape (len(Ns), C)
        Accuracy of each leave-out class.
    accuracy : ndarray of shape (len(Ns),)
        Mean of ``per_class`` over the classes.
    wall_time : ndarray of shape (len(Ns),)
        Seconds of each computation.
    results : tuple of ExactAccuracy
        The ``ExactAccuracy`` of each N.
    """

    Ns: tuple[int, ...]
    classes: tuple[int, ...]
    solver: str
    per_class: np.ndarray
    accuracy: np.ndarray
    wall_time: np.ndarray
    results: tuple[ExactAccuracy, ...] = dataclasses.field(repr=False)


@PARAMS.validated
def exact_accuracy_vs_N(Ns=(4, 8, 16, 32), seeds_per_class: int = 3, action: str = "shift",
                        architecture: str = "mlp1", kind: str = "ntk", classes=range(10),
                        seed: int = 0, solver: str = "auto",
                        progress: Callable[[int, int], None] | None = None
                        ) -> ExactAccuracyCurve:
    """``exact_accuracy`` for each N of ``Ns`` (the same digits at every N); ``progress(done,
    total)`` is called after each N.

    Examples
    --------
    The plain MLP on ten classes, two digits each, under 4, 8 and 16 rotations (interpolated:
    the dense solver):

    >>> from ntkviz.experiments import multiclass
    >>> curve = multiclass.exact_accuracy_vs_N(Ns=(4, 8, 16), seeds_per_class=2, action="rotate")
    >>> curve.solver, curve.per_class.shape, curve.accuracy.tolist()
    ('dense', (3, 10), [0.1, 0.25, 0.25])
    """
    Ns = NS.check((Ns,) if isinstance(Ns, (int, np.integer)) else Ns)
    if len(set(Ns)) != len(Ns):
        raise ValueError(f"Ns must not repeat, got {Ns}")
    settings = [_setting(seeds_per_class, N, action, architecture, kind, classes, seed, solver)
                for N in Ns]
    progress = check_progress(progress, allow_bar=False)
    results = []
    for n, setting in enumerate(settings):
        results.append(_exact_accuracy(*setting))
        if progress is not None:
            progress(n + 1, len(Ns))
    return ExactAccuracyCurve(
        Ns=Ns, classes=settings[0][0], solver=settings[0][7],
        per_class=frozen([r.per_class for r in results]),
        accuracy=frozen([r.accuracy for r in results]),
        wall_time=frozen([r.wall_time for r in results]), results=tuple(results))
