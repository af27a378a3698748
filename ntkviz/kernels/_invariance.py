"""Compute a kernel that is invariant in each argument on one image per group orbit.

A GAP CNN with circular padding is invariant to cyclic shifts of either input, and the C4 group
CNN also to quarter turns (group pooling). Orbit datasets are full of such pairs (every cyclic
shift of a digit, every quarter turn of a rotated digit), so the Gram matrix has repeated rows:
``K(g·x, y) = K(x, y)``. We find, for each image, an earlier image it is a group transform of
(pixel values equal up to ``RTOL`` of the largest pixel, far below what changes a float64 kernel
value beyond round-off), compute the kernel on the representatives only and copy rows and
columns back. The grouped images are found by a permutation-invariant fingerprint (the sorted
pixel values) and confirmed by trying every group element.
"""

from __future__ import annotations

from typing import Callable

import numpy as np

__all__ = ["GROUPS", "representatives", "invariant_gram"]

#: Images whose pixels differ by at most this fraction of the largest |pixel| count as equal.
RTOL = 1e-12

#: Groups acting on single images of shape (H, W, C): cyclic shifts, or shifts and quarter turns.
GROUPS = ("shifts", "p4")


def _group_orbit(image: np.ndarray, group: str) -> np.ndarray:
    """All images ``g·image`` for g in the group, as ``(|G|, H·W·C)``."""
    H, W = image.shape[:2]
    turns = (image,)
    if group == "p4" and H == W:
        turns = tuple(np.rot90(image, r, axes=(0, 1)) for r in range(4))
    out = []
    for turned in turns:
        for dy in range(H):
            rolled = np.roll(turned, dy, axis=0)
            for dx in range(W):
                out.append(np.roll(rolled, dx, axis=1).ravel())
    return np.stack(out)


def representatives(x: np.ndarray, group: str) -> tuple[np.ndarray, np.ndarray]:
    """Indices of one image per group orbit in ``x`` and, per image, its representative's slot.

    ``x``: ``(n, H, W, C)``. Returns ``(reps, inverse)`` with ``x[reps[inverse[i]]]`` equal to
    ``g·x[i]`` for some group element g (to ``RTOL``); ``reps`` is increasing.
    """
    n = x.shape[0]
    flat = x.reshape(n, -1)
    tol = RTOL * float(np.max(np.abs(flat))) if flat.size else 0.0
    fingerprints = np.sort(flat, axis=1)  # invariant to any pixel permutation
    weights = np.linspace(1.0, 2.0, flat.shape[1])
    keys = fingerprints @ weights
    window = tol * weights.sum()
    order = np.argsort(keys, kind="stable")
    rep_of = np.full(n, -1)
    orbits: dict[int, np.ndarray] = {}
    start = 0
    for pos, i in enumerate(order):
        while keys[order[start]] < keys[i] - window:
            start += 1
        for j in order[start:pos]:
            if rep_of[j] != j or np.max(np.abs(fingerprints[j] - fingerprints[i])) > tol:
                continue
            if j not in orbits:
                orbits[j] = _group_orbit(x[j], group)
            if np.min(np.max(np.abs(orbits[j] - flat[i]), axis=1)) <= tol:
                rep_of[i] = j
                break
        else:
            rep_of[i] = i
    # Each orbit is represented by its first member in input order, so reps increase.
    first = {}
    for i in range(n):
        first.setdefault(rep_of[i], i)
    rep_of = np.array([first[r] for r in rep_of])
    reps = np.unique(rep_of)
    inverse = np.searchsorted(reps, rep_of)
    return reps, inverse


def invariant_gram(compute: Callable, a: np.ndarray, b: np.ndarray | None, group: str):
    """``compute(a, b)`` (a tuple of Gram matrices) for a kernel invariant to ``group`` in
    each argument, evaluated on one image per orbit and expanded back.

    ``b=None`` means ``b = a`` (the result stays exactly symmetric).
    """
    reps_a, inv_a = representatives(a, group)
    if b is None:
        if len(reps_a) == a.shape[0]:
            return compute(a, None)
        return tuple(K[np.ix_(inv_a, inv_a)] for K in compute(a[reps_a], None))
    reps_b, inv_b = representatives(b, group)
    if len(reps_a) == a.shape[0] and len(reps_b) == b.shape[0]:
        return compute(a, b)
    return tuple(K[np.ix_(inv_a, inv_b)] for K in compute(a[reps_a], b[reps_b]))


# --------------------------------------------------------------------------- joint symmetries


def _square_symmetries(x: np.ndarray) -> list[np.ndarray]:
    """``g·x`` for the non-identity symmetries of the square (quarter turns and reflections of
    the image axes) that keep the image shape: all seven for square images, else three."""
    out = [np.flip(x, 1), np.flip(x, 2), np.rot90(x, 2, axes=(1, 2))]
    if x.shape[1] == x.shape[2]:
        t = np.swapaxes(x, 1, 2)
        out += [np.rot90(x, 1, axes=(1, 2)), np.rot90(x, 3, axes=(1, 2)), t, np.rot90(t, 2, axes=(1, 2))]
    return out


def joint_permutations(x: np.ndarray) -> list[np.ndarray]:
    """Permutations ``π`` of the batch with ``x[π(i)] = g·x[i]`` (to ``RTOL``) for every
    symmetry ``g`` of the square that maps the batch onto itself; the identity first.

    These form a group; for a kernel with ``K(g·x, g·x') = K(x, x')`` they give
    ``K[π(i), π(j)] = K[i, j]``. ``x``: (n, H, W, C).
    """
    n = x.shape[0]
    flat = x.reshape(n, -1)
    tol = RTOL * float(np.max(np.abs(flat))) if flat.size else 0.0
    norms = np.einsum("ij,ij->i", flat, flat)
    perms = [np.arange(n)]
    for moved in _square_symmetries(x):
        g = moved.reshape(n, -1)
        # ‖g·x_i − x_j‖² from one product; candidates confirmed pixel by pixel below.
        dist = norms[:, None] + norms[None, :] - 2.0 * (g @ flat.T)
        perm = np.argmin(dist, axis=1)
        if np.unique(perm).size != n or np.max(np.abs(flat[perm] - g)) > tol:
            continue
        perms.append(perm)
    return perms


def pair_orbits(perms: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One pair ``(i, j)`` per orbit of the group ``perms`` acting on pairs, with ``(i, j) ~ (j, i)``.

    Returns ``(rows, cols, slot)``: ``K[i, j] = values[slot[i, j]]`` where ``values[k]`` is the
    kernel on ``(rows[k], cols[k])``.
    """
    n = perms[0].size
    i, j = np.meshgrid(np.arange(n), np.arange(n), indexing="ij")
    codes = np.minimum.reduce([np.minimum(p[i] * n + p[j], p[j] * n + p[i]) for p in perms])
    unique, slot = np.unique(codes, return_inverse=True)
    rows, cols = np.divmod(unique, n)
    return rows, cols, slot.reshape(n, n)


def joint_symmetric_gram(pair_compute: Callable, a: np.ndarray) -> tuple[np.ndarray, ...]:
    """``K(a, a)`` for a kernel invariant under the joint symmetries of the square
    (``K(g·x, g·x') = K(x, x')``, e.g. circular CNNs with square filters), computed on one pair
    per orbit of the symmetries that map the batch ``a`` onto itself.

    ``pair_compute(a, rows, cols)`` returns a tuple of value arrays for the pairs.
    Without such symmetries these are just the pairs ``i ≤ j``.
    """
    rows, cols, slot = pair_orbits(joint_permutations(a))
    return tuple(v[slot] for v in pair_compute(a, rows, cols))
