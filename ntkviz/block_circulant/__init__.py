"""Exact GP regression on whole orbits of a cyclic action: the block-circulant solver
(docs/theory.md#the-block-circulant-solver).

Setting (docs/theory.md#two-orbit-datasets, docs/theory.md#several-seeds-and-ten-classes): ``M``
orbits (seeds, possibly of several classes) of an exact cyclic action ``g`` with ``N`` elements
(cyclic shifts, 90° rotations, the circle pair's rotation), and a kernel invariant under the
action applied to *both* inputs, ``k(g·x, g·x') = k(x, x')``.
Points are ordered **element-major**: point ``(g, m)`` (element ``g`` of orbit ``m``) has index
``g·M + m``. Then

    K[(g, m), (g', m')] = k(gˣ x_m, g'ˣ x_m') = k(x_m, (g'−g)ˣ x_m') = C_{(g'−g) mod N}[m, m'],

with ``C_d = K(X_0, X_d)`` the ``M×M`` blocks of the first block row (``X_d`` = every orbit at
element ``d``): the Gram matrix is **block-circulant** and only ``M × MN`` kernel entries are
needed. Symmetry of k gives ``C_{−d} = C_dᵀ``.

Block-diagonalisation. For a vector ``v = (v_0, …, v_{N−1})`` with ``v_g ∈ R^M`` and its DFT
over the group ``v̂_f = Σ_g v_g e^{−2πi f g/N}``,

    (K v)^_f = K̂_f v̂_f,    K̂_f = Σ_d C_d e^{+2πi f d/N}   (N Hermitian M×M blocks),

(the other sign convention, ``Σ_d C_d e^{−2πi f d/N}``, is ``K̂_{−f} = conj(K̂_f)``: the same
set of blocks up to relabelling f → −f, hence the same eigenvalues). So the eigenvalues of K
are those of the ``K̂_f``; ``(K + λI)⁻¹`` is block-circulant with blocks
``D_d = (1/N) Σ_f (K̂_f + λI)⁻¹ e^{−2πi f d/N}``; one ``(MN)×(MN)`` solve becomes ``N`` solves
of size ``M×M`` (only ``⌊N/2⌋+1`` of them, since ``K̂_{N−f} = conj(K̂_f)`` for real C). Cost
``O(N M³)`` instead of ``O(N³ M³)``, memory ``O(N M²)`` instead of ``O(N² M²)``.

Ridge convention: the same as :func:`ntkviz.gp.dual_weights` — ``relative=True`` adds
``λ = ρ · tr(K)`` with ``tr(K) = N · tr(C_0)`` (the trace of the *whole* matrix, not its mean
diagonal), ``relative=False`` adds ``λ = ρ``.

Leave-out predictions (:func:`leave_out_predictions`) use the exact identity, for ``A = K + λI``
and a left-out set S with complement R,

    ŷ_S = K_SR (K_RR + λI)⁻¹ Y_R = Y_S − ([A⁻¹]_SS)⁻¹ [A⁻¹ Y]_S,

i.e. the model trained on all points but S **with the absolute ridge λ computed from the full
matrix** (so it equals ``gp.posterior(K, Y_R, R, S, ridge=λ, relative=False)``, not
``gp.posterior(..., relative=True)``, which would recompute λ from ``tr(K_RR)``).
"""

from __future__ import annotations

from .layout import (
    block_circulant_dense,
    block_circulant_deviation,
    block_circulant_matvec,
    block_circularize,
    block_row_average,
    element_major,
    first_block_row,
    from_gram,
    point_index,
)
from .solver import BlockCirculantKernel, leave_out_predictions

__all__ = [
    "element_major",
    "point_index",
    "first_block_row",
    "from_gram",
    "block_circulant_deviation",
    "block_row_average",
    "block_circularize",
    "block_circulant_dense",
    "block_circulant_matvec",
    "BlockCirculantKernel",
    "leave_out_predictions",
]
