"""Gram matrices of image kernels, computed over batches of input pairs.

Convolutional kernels are tensors over pixel (pairs) for every pair of inputs. They are
evaluated on fixed-size chunks of input pairs, so memory stays bounded and JAX compiles one
program per chunk size (a power of two) rather than one per dataset size. For ``x2=None``
only the pairs ``i ≤ j`` are computed and mirrored: the Gram matrix is exactly symmetric.
"""

from __future__ import annotations

import jax.numpy as jnp
import numpy as np

from .layers import offsets, rotate_offset
from .fully_connected import bucket

__all__ = ["gram_by_pairs", "patches", "MEMORY_BUDGET_BYTES"]

# Working memory allowed per chunk of pairs (several arrays of this size are alive at once).
MEMORY_BUDGET_BYTES = 192 * 2**20


def chunk_size(n_pairs: int, bytes_per_pair: int) -> int:
    """Pairs per chunk: within the memory budget, little padding, few distinct sizes.

    Small problems use powers of two; larger ones split evenly into chunks rounded up to a
    multiple of 64, so at most a few dozen shapes are ever compiled.
    """
    largest = max(1, MEMORY_BUDGET_BYTES // max(1, bytes_per_pair))
    if n_pairs <= min(largest, 64):
        return bucket(n_pairs) if n_pairs > 1 else 1
    if largest < 64:
        return 1 << (largest.bit_length() - 1)
    chunks = -(-n_pairs // largest)
    even = -(-n_pairs // chunks)
    return min(-(-even // 64) * 64, largest // 64 * 64)


def gram_by_pairs(compute, x1: np.ndarray, x2: np.ndarray | None, bytes_per_pair: int):
    """``(Σ, Θ)`` Gram matrices from ``compute(xa, xb) -> (Σ, Θ)`` on batches of pairs.

    ``x1`` (n1, H, W, C) and ``x2`` (n2, H, W, C) or None; ``compute`` is jitted and receives
    arrays of shape (B, H, W, C).
    """
    symmetric = x2 is None
    other = x1 if symmetric else x2
    n1, n2 = x1.shape[0], other.shape[0]
    if symmetric:
        rows, cols = np.triu_indices(n1)
    else:
        rows, cols = np.divmod(np.arange(n1 * n2), n2)
    n_pairs = rows.size
    size = chunk_size(n_pairs, bytes_per_pair)
    padded = -(-n_pairs // size) * size
    rows = np.concatenate([rows, np.zeros(padded - n_pairs, dtype=rows.dtype)])
    cols = np.concatenate([cols, np.zeros(padded - n_pairs, dtype=cols.dtype)])
    nngp = np.empty(padded)
    ntk = np.empty(padded)
    for start in range(0, padded, size):
        chunk = slice(start, start + size)
        s, t = compute(jnp.asarray(x1[rows[chunk]]), jnp.asarray(other[cols[chunk]]))
        nngp[chunk], ntk[chunk] = np.asarray(s), np.asarray(t)
    rows, cols = rows[:n_pairs], cols[:n_pairs]
    S = np.empty((n1, n2))
    T = np.empty((n1, n2))
    S[rows, cols], T[rows, cols] = nngp[:n_pairs], ntk[:n_pairs]
    if symmetric:
        S[cols, rows], T[cols, rows] = nngp[:n_pairs], ntk[:n_pairs]
    return S, T


def patches(x, filter_size: int, d: int = 0):
    """``P[b, p, (u, c)] = x[b, p + ρ^d u, c]`` with circular wrap: (B, H·W, f²·C).

    Lifting-layer covariances are inner products of such patches:
    ``(1/f²C) Σ_u x[p+u]·x'[p'+ρ^d u] = patches(x, f, 0)[p] · patches(x', f, d)[p'] / (f² C)``.
    """
    shifted = []
    for a in offsets(filter_size):
        for c in offsets(filter_size):
            ra, rc = rotate_offset(a, c, d)
            shifted.append(jnp.roll(x, (-ra, -rc), axis=(1, 2)))
    stacked = jnp.stack(shifted, axis=-1)  # (B, H, W, C, f²)
    B, H, W = x.shape[:3]
    return stacked.reshape(B, H * W, -1)
