"""The numerics of exact classification (docs/theory.md#exact-classification): the dataset of
whole orbits in element-major order, the kernel's first block row, and the leave-out identity
``ŷ_S = Y_S − ([A⁻¹]_SS)⁻¹[A⁻¹Y]_S`` (``A = K + λI``) solved densely or block-circulantly."""

from __future__ import annotations

from typing import Callable

import numpy as np
import scipy.linalg

from ... import block_circulant, datasets
from .. import architectures, digits
from .data import PARAMS, samples

__all__ = ["canvas_width", "seed_images", "points", "act", "kernel_function", "dense_leave_outs",
           "chunking", "block_row", "angle0_leave_outs"]

# Kernel calls of the block path hold about this many entries (rows × columns) each.
CHUNK_ENTRIES = 8_000_000


@PARAMS.validated
def canvas_width(resolution: int, N: int, action: str) -> int:
    """Width of the canvas the digits are acted on: for ``"shift"`` the smallest width ≥
    ``resolution`` that N divides (28 → 32 for N = 8, 16, 32), else ``resolution``.

    Examples
    --------
    >>> from ntkviz.experiments import multiclass
    >>> multiclass.canvas_width(28, 8, "shift")  # 28 pixels padded to 32
    32
    >>> multiclass.canvas_width(28, 7, "shift"), multiclass.canvas_width(28, 8, "rotate")
    (28, 28)
    """
    return -(-resolution // N) * N if action == "shift" else resolution


def seed_images(classes, S: int, seed: int, key: str, N: int, action: str) -> np.ndarray:
    """``(M, R, W)`` raw seed images (not normalised), orbit ``m = c·S + i`` (class-major),
    pooled to the architecture's resolution R and, for shifts, zero-padded left/right to the
    canvas width W."""
    resolution = architectures.architecture(key).resolution
    width = canvas_width.unchecked(resolution, N, action)
    left = (width - resolution) // 2
    images = []
    for c, row in zip(classes, samples(S, seed)[list(classes)]):
        for s in row:
            image = digits.digit(c, int(s))
            while image.shape[-1] > resolution:
                image = datasets.pool2(image[None])[0]
            images.append(np.pad(image, ((0, 0), (left, width - resolution - left))))
    return np.stack(images)


def act(X0: np.ndarray, d: int, N: int, action: str) -> np.ndarray:
    """Element d of every orbit: the exact action on the normalised seeds (a pixel permutation,
    so it commutes with centring and normalising; ``datasets.transform`` conventions)."""
    if action == "shift":
        return np.roll(X0, d * X0.shape[-1] // N, axis=-1)
    return np.rot90(X0, (4 * d // N) % 4, axes=(1, 2)).copy()


def points(raw: np.ndarray, N: int, action: str) -> np.ndarray:
    """All ``M·N`` normalised points, element-major (point ``(g, m)`` at row ``g·M + m``).

    An interpolated rotation acts on the raw digit and each element is normalised
    (``datasets.orbit``, as ``digit_orbits.prepared_orbit``); exact actions act on the normalised seed.
    """
    if action == "rotate":
        return block_circulant.element_major(np.stack([datasets.orbit(x, N, action) for x in raw]))
    X0 = datasets.normalize(raw)
    return np.concatenate([act(X0, d, N, action) for d in range(N)])


def kernel_function(key: str, kind: str, action: str, N: int) -> Callable:
    k = architectures.architecture(key).kernel(action, N)
    return k.ntk if kind == "ntk" else k.nngp


def dense_leave_outs(K: np.ndarray, Y: np.ndarray, sets, shift: float,
                     columns=None) -> list[np.ndarray]:
    """``ŷ_S = Y_S − ([A⁻¹]_SS)⁻¹ [A⁻¹Y]_S`` for each S, ``A = K + shift·I`` factorised once;
    all columns of Y, or for the k-th set only column ``columns[k]``."""
    A = K + shift * np.eye(K.shape[0])
    left_out = np.concatenate(sets)
    E = np.zeros((K.shape[0], left_out.size))
    E[left_out, np.arange(left_out.size)] = 1.0
    rhs = np.hstack([Y, E])
    try:
        solved = scipy.linalg.cho_solve(scipy.linalg.cho_factor(A, lower=True), rhs,
                                        check_finite=False)
    except np.linalg.LinAlgError:  # numerically indefinite: a symmetric solve instead
        solved = scipy.linalg.solve(A, rhs, assume_a="sym", check_finite=False)
    T, out, start = Y.shape[1], [], 0
    for k, S in enumerate(sets):
        block = solved[S, T + start:T + start + S.size]
        c = slice(0, T) if columns is None else columns[k]
        out.append(Y[S, c] - np.linalg.solve(0.5 * (block + block.T), solved[S, c]))
        start += S.size
    return out


def chunking(M: int, N: int) -> int:
    """Elements per kernel call of the block path: the smallest divisor of N with at least
    ``CHUNK_ENTRIES`` kernel entries per call (equal shapes: JAX compiles once)."""
    return next(e for e in range(1, N + 1) if N % e == 0 and (e * M * M >= CHUNK_ENTRIES
                                                             or e == N))


def block_row(kernel: Callable, X0: np.ndarray, N: int, action: str, tick) -> np.ndarray:
    """``C_d = K(X_0, X_d)`` ``(N, M, M)`` in a few kernel calls of equal shape (a divisor of N
    elements each): ``block_circulant.first_block_row`` split for memory and progress."""
    M = X0.shape[0]
    per_call = chunking(M, N)
    C = np.empty((N, M, M))
    for start in range(0, N, per_call):
        elements = range(start, start + per_call)
        block = kernel(X0, np.concatenate([act(X0, d, N, action) for d in elements]))
        C[start:start + per_call] = np.asarray(block, dtype=np.float64).reshape(
            M, per_call, M).transpose(1, 0, 2)
        tick()
    if not np.all(np.isfinite(C)):
        raise ValueError("the kernel returned NaN or infinite entries")
    return C


def angle0_leave_outs(bc: block_circulant.BlockCirculantKernel, Y: np.ndarray, sets,
                      ridge: float, tick) -> list[np.ndarray]:
    """``block_circulant.leave_out_predictions(bc, Y, S, ridge, relative=False)`` for every S
    of ``sets``, when all of them are angle-0 points (indices < M), sharing the work.

    The identity ``ŷ_S = Y_S − ([A⁻¹]_SS)⁻¹[A⁻¹Y]_S`` needs ``[A⁻¹Y]_S`` (one solve with the C
    target columns) and the diagonal blocks of ``D_0 = [A⁻¹]_{(0,·),(0,·)} = (1/N) Σ_f
    (K̂_f + λI)⁻¹``. With the Cholesky factor ``K̂_f + λI = L Lᴴ`` (the one ``bc.solve``
    cached), ``[(K̂_f + λI)⁻¹]_SS = WᴴW`` with ``W = L⁻¹E_S``; E_S is zero above its first row,
    so W is one triangular solve on the trailing part of L: about M³/3 per frequency for all
    sets together, instead of a full solve with ``C + |S|`` right-hand sides per set.
    """
    N, M = bc.N, bc.M
    solved = bc.solve(Y, ridge, relative=False)[:M]  # [A⁻¹Y] at the angle-0 points
    factor = bc.factorization(ridge)  # cached by the solve above
    half = len(factor.cholesky)
    weights = np.full(half, 2.0)
    weights[0] = 1.0
    if N % 2 == 0:
        weights[-1] = 1.0  # f = N/2 is its own conjugate
    blocks = [np.zeros((S.size, S.size)) for S in sets]
    for f in range(half):
        if factor.cholesky[f] is not None:
            L = np.tril(factor.cholesky[f][0])
            for k, S in enumerate(sets):
                lo = int(S.min())
                E = np.zeros((M - lo, S.size))
                E[S - lo, np.arange(S.size)] = 1.0
                W = scipy.linalg.solve_triangular(L[lo:, lo:], E, lower=True, check_finite=False)
                # Re(WᴴW) = Wrᵀ Wr + Wiᵀ Wi: one real product on interleaved (re, im) columns
                R = np.ascontiguousarray(W.T).view(np.float64)
                blocks[k] += weights[f] * (R @ R.T)
        else:  # singular block: its Hermitian pseudo-inverse, as bc.solve uses
            for k, S in enumerate(sets):
                blocks[k] += weights[f] * factor.pinv[f][np.ix_(S, S)].real
    out = []
    for S, block in zip(sets, blocks):
        block = 0.5 * (block + block.T) / N
        try:
            correction = scipy.linalg.solve(block, solved[S], assume_a="pos", check_finite=False)
        except (np.linalg.LinAlgError, scipy.linalg.LinAlgError):
            correction = np.linalg.pinv(block, hermitian=True) @ solved[S]
        out.append(Y[S] - correction)
        tick()
    return out
