"""Gram matrices of image kernels, computed over batches of input pairs.

Convolutional kernels are tensors over pixel (pairs) for every pair of inputs. They are
evaluated on fixed-size chunks of input pairs, so memory stays bounded and JAX compiles one
program per chunk size (a power of two) rather than one per dataset size. For ``x2=None``
only the pairs ``i ≤ j`` are computed and mirrored: the Gram matrix is exactly symmetric.
"""

from __future__ import annotations

import jax.numpy as jnp
import numpy as np

from ._network import bucket
from .layers import offsets, rotate_offset, window

__all__ = ["gram_by_pairs", "pair_values", "gram_by_tiles", "patches", "MEMORY_BUDGET_BYTES"]

# Working memory allowed per chunk of pairs (several arrays of this size are alive at once).
MEMORY_BUDGET_BYTES = 192 * 2**20


def chunk_size(n_pairs: int, bytes_per_pair: int, max_pairs: int | None = None) -> int:
    """Pairs per chunk: within the memory budget, little padding, few distinct sizes.

    Small problems use powers of two; larger ones split evenly into chunks rounded up to a
    multiple of 64, so at most a few dozen shapes are ever compiled.
    """
    largest = max(1, MEMORY_BUDGET_BYTES // max(1, bytes_per_pair))
    if max_pairs is not None:
        largest = max(1, min(largest, max_pairs))
    if n_pairs <= min(largest, 64):
        return bucket(n_pairs) if n_pairs > 1 else 1
    if largest < 64:
        return 1 << (largest.bit_length() - 1)
    chunks = -(-n_pairs // largest)
    even = -(-n_pairs // chunks)
    return min(-(-even // 64) * 64, largest // 64 * 64)


def pair_values(compute, x1: np.ndarray, x2: np.ndarray, rows: np.ndarray, cols: np.ndarray,
                bytes_per_pair: int, max_pairs: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """``(Σ, Θ)`` of the input pairs ``(x1[rows[k]], x2[cols[k]])``, each of shape (len(rows),).

    ``compute`` is jitted and receives arrays of shape (B, H, W, C) (numpy, handed to JAX
    directly: cheaper per call than converting them first).
    """
    n_pairs = rows.size
    size = chunk_size(n_pairs, bytes_per_pair, max_pairs)
    padded = -(-n_pairs // size) * size
    rows = np.concatenate([rows, np.zeros(padded - n_pairs, dtype=rows.dtype)])
    cols = np.concatenate([cols, np.zeros(padded - n_pairs, dtype=cols.dtype)])
    nngp = np.empty(padded)
    ntk = np.empty(padded)
    for start in range(0, padded, size):
        chunk = slice(start, start + size)
        s, t = compute(x1[rows[chunk]], x2[cols[chunk]])
        nngp[chunk], ntk[chunk] = np.asarray(s), np.asarray(t)
    return nngp[:n_pairs], ntk[:n_pairs]


def gram_by_pairs(compute, x1: np.ndarray, x2: np.ndarray | None, bytes_per_pair: int,
                  max_pairs: int | None = None):
    """``(Σ, Θ)`` Gram matrices from ``compute(xa, xb) -> (Σ, Θ)`` on batches of pairs.

    ``x1`` (n1, H, W, C) and ``x2`` (n2, H, W, C) or None; ``compute`` is jitted and receives
    arrays of shape (B, H, W, C). ``max_pairs`` caps B (cache-sized blocks can beat big ones).
    """
    symmetric = x2 is None
    other = x1 if symmetric else x2
    n1, n2 = x1.shape[0], other.shape[0]
    if symmetric:
        rows, cols = np.triu_indices(n1)
    else:
        rows, cols = np.divmod(np.arange(n1 * n2), n2)
    nngp, ntk = pair_values(compute, x1, other, rows, cols, bytes_per_pair, max_pairs)
    S = np.empty((n1, n2))
    T = np.empty((n1, n2))
    S[rows, cols], T[rows, cols] = nngp, ntk
    if symmetric:
        S[cols, rows], T[cols, rows] = nngp, ntk
    return S, T


def _pad_rows(x: np.ndarray, multiple: int) -> np.ndarray:
    """Repeat the first input until the batch is a multiple of ``multiple`` (cut off later)."""
    extra = -len(x) % multiple
    return np.concatenate([x, np.repeat(x[:1], extra, axis=0)]) if extra else x


def gram_by_tiles(compute, x1: np.ndarray, x2: np.ndarray | None, tile: int):
    """``(Σ, Θ)`` Gram matrices from ``compute(xa, xb) -> (Σ, Θ)`` on ``tile × tile`` blocks.

    For kernels whose per-pair state is small (flatten readouts: the pixel diagonal), whole
    blocks of the Gram matrix are computed at once, pixel-major, so elementwise work runs along
    the contiguous pair axes. Tiles have fixed power-of-two shapes (stable compilation); with
    ``x2=None`` only tiles on and above the diagonal are computed, and the result is symmetric.
    """
    symmetric = x2 is None
    other = x1 if symmetric else x2
    n1, n2 = len(x1), len(other)
    t1 = min(tile, bucket(n1))
    t2 = t1 if symmetric else min(tile, bucket(n2))
    a, b = _pad_rows(x1, t1), _pad_rows(other, t2)
    S = np.empty((len(a), len(b)))
    T = np.empty((len(a), len(b)))
    for i in range(0, len(a), t1):
        for j in range(i if symmetric else 0, len(b), t2):
            s, t = compute(a[i:i + t1], b[j:j + t2])
            S[i:i + t1, j:j + t2], T[i:i + t1, j:j + t2] = np.asarray(s), np.asarray(t)
            if symmetric and j != i:
                S[j:j + t2, i:i + t1], T[j:j + t2, i:i + t1] = S[i:i + t1, j:j + t2].T, T[i:i + t1, j:j + t2].T
    S, T = S[:n1, :n2], T[:n1, :n2]
    if symmetric:  # diagonal tiles: the two orders of a product may differ in the last bit
        S, T = 0.5 * (S + S.T), 0.5 * (T + T.T)
    return S, T


def patches(x, filter_size: int, d: int = 0, stride: int = 1):
    """``P[b, p, (u, c)] = x[b, p + ρ^d u, c]`` with circular wrap: (B, H·W, f²·C).

    Lifting-layer covariances are inner products of such patches:
    ``(1/f²C) Σ_u x[p+u]·x'[p'+ρ^d u] = patches(x, f, 0)[p] · patches(x', f, d)[p'] / (f² C)``.
    With ``stride`` s > 1 (``d = 0`` only) the rows are the output pixels of a stride-s
    circular conv (``layers.window``): (B, H'·W', f²·C) with ``H' = ⌈H/s⌉``, ``W' = ⌈W/s⌉``.
    """
    B, H, W = x.shape[:3]
    if stride != 1:
        if d:
            raise ValueError(f"rotated patches (d={d}) have stride 1, got stride={stride}")
        (first_h, out_h), (first_w, out_w) = (window(H, filter_size, stride),
                                              window(W, filter_size, stride))
        shifted = [jnp.roll(x, (-(first_h + a), -(first_w + c)), axis=(1, 2))[:, ::stride, ::stride]
                   for a in range(filter_size) for c in range(filter_size)]
        return jnp.stack(shifted, axis=-1).reshape(B, out_h * out_w, -1)
    shifted = []
    for a in offsets(filter_size):
        for c in offsets(filter_size):
            ra, rc = rotate_offset(a, c, d)
            shifted.append(jnp.roll(x, (-ra, -rc), axis=(1, 2)))
    stacked = jnp.stack(shifted, axis=-1)  # (B, H, W, C, f²)
    return stacked.reshape(B, H * W, -1)
