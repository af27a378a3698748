"""Check Props. 1–4 of Neural kernel theory of symmetry learning (arXiv 2412.11521, Sec. 3.5,
App. C; docs/theory.md#circulant-and-constant-orbit-kernels) numerically, for any kernel and group
action.

Over one orbit ``x, g·x, …, g^{N−1}·x`` (rows ordered by group element) a kernel matrix can be

* **circulant** — ``K_ij`` depends only on ``(j − i) mod N`` (the kernel is invariant when both
  inputs are acted on together): then the spectral theory of Eq. 7 applies;
* **constant** — every entry equal (the kernel is invariant in each argument on its own): then
  the two-orbit matrix is blockwise constant, rank-deficient, ``⟨λ⁻¹⟩ = ∞`` and ``ε = 0``;
* **rank-deficient** — some eigenvalue zero to round-off.

The paper proves (App. C): Prop. 1, a CNN with a flatten ("fully connected") readout
on a translation orbit is circulant, in general neither constant nor rank-deficient; Prop. 2, a
CNN with global average pooling (GAP) on a translation orbit is constant; Prop. 3, the flatten
CNN on a rotation (C4) orbit is circulant, not constant, not rank-deficient; Prop. 4, the GAP
CNN on a rotation orbit likewise. An MLP (dot-product kernel) is circulant over any orbit of an
orthogonal action (Sec. 3.3). ``proposition_table`` reproduces these and extends them to the C4
group CNN and the orbit-averaged MLP, with interpolated rotations (not a group action on the
pixel grid) as the "only approximately" column.

``properties`` computes the numbers (``orbit_properties``, ``pair_properties``, thresholds in
its docstring); ``table`` holds the claims and the table (``proposition_table``).
"""

from .properties import (
    APPROX_RTOL,
    EXACT_RTOL,
    PARAMS,
    VERDICTS,
    OrbitProperties,
    PairProperties,
    orbit_properties,
    pair_properties,
)
from .table import (
    CLAIMS,
    TABLE_ACTIONS,
    TABLE_KERNELS,
    Claim,
    PropositionRow,
    PropositionTable,
    default_images,
    proposition_table,
)

__all__ = ["EXACT_RTOL", "APPROX_RTOL", "VERDICTS", "OrbitProperties", "PairProperties",
           "orbit_properties", "pair_properties", "Claim", "CLAIMS", "TABLE_KERNELS",
           "TABLE_ACTIONS", "PropositionRow", "PropositionTable", "proposition_table",
           "default_images", "PARAMS"]
