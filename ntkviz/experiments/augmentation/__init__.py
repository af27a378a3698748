"""Augmentation against equivariance: NOMINAL, AUGMENTED and EQUIVARIANT training of one small
MLP on MNIST, and the distance of each augmented layer from the equivariant subspace E (Equivariant
and augmented optimisation, arXiv 2303.13458; docs/theory.md#augmentation-and-equivariance).

**Group and representations.** A cyclic group C_N acts on 14×14 digits by a pixel permutation
ρ_0 (``datasets.transform``): ``"rot90"`` — quarter turns, N ∈ {2, 4} (C4 by default; 14 is
even, so no pixel is fixed and every pixel orbit has N elements); ``"shift"`` — cyclic shifts
along x by 14/N pixels, N | 14 (C7, shifts by 2 pixels, by default; N = 14 gives every 1-pixel
shift). Each hidden layer has ``blocks`` blocks of N units (width N·blocks); unit ``c·N + j``
is position j of block c, and C_N acts by the regular representation, ``(ρ(g)h)[c·N + j] =
h[c·N + (j − g) mod N]``, i.e. each block of N is permuted cyclically. The 10 logits carry the
trivial representation. Every ρ_i is a permutation, stored as an index array ``P[g]`` with
``ρ_i(g) v = v[P[g]]``; ReLU acts pointwise, so it commutes with every ρ_i.

**Projection** (docs/theory.md#the-equivariant-subspace). For a layer ``A : ℝ^{d_i} → ℝ^{d_{i+1}}``,
``Π_E(A) = (1/|G|) Σ_g ρ_{i+1}(g) A ρ_i(g)⁻¹``, entrywise ``Π_E(A)[a, b] =
mean_g A[P_{i+1}[g][a], P_i[g][b]]``: no dense ``|G|`` matrices. A bias transforms like the layer's
output, so equivariance of ``x ↦ A x + b`` means ``ρ_{i+1}(g) b = b`` for all g and its
projection is ``mean_g b[P_{i+1}[g]]``: a hidden bias becomes constant on each block (the
orbits of the regular representation), the readout bias (trivial representation) is free.
The group acts on the parameters by orthogonal permutations, so Π_E is idempotent and
self-adjoint in the Frobenius inner product (an orthogonal projection).

**Invariant readout (our choice).** The last layer maps the regular representation to the
trivial one. Π_E makes ``A_L[o, c·N + j]`` independent of j: an equivariant readout weighs the
*sum over each block of N units* (group pooling). Hence an EQUIVARIANT model is exactly
invariant, ``f(ρ_0(g) x) = f(x)``.

**Strategies.** NOMINAL: cross-entropy on the upright training digits. AUGMENTED: for each
digit the cross-entropy averaged over its whole orbit (all N transformed copies, every step).
EQUIVARIANT: the nominal loss with every layer kept in E (the gradient is projected, which is
gradient descent on E itself). The optimiser is **plain minibatch gradient descent** (no
momentum, no weight decay) for every claim here: for A ∈ E the augmented gradient equals
Π_E ∇R(A) (Prop. 1 of arXiv 2303.13458, true batch by batch), so E is invariant under augmented
descent from an equivariant start, and AUGMENTED from that start follows the EQUIVARIANT
trajectory up to round-off. (Adam normalises elementwise; that does not commute with Π_E for
general representations. For the permutation representations used here E is the set of
parameters constant on index orbits, which elementwise maps happen to preserve, but the claims
are stated, and tested, for gradient descent only.)

**From a generic start** E is not invariant and the distance is not bound to shrink. For a
linear classifier (``depth=0``) the augmented risk R_aug is convex and invariant under the group
acting on the parameters, so ``R_aug(Π_E A) ≤ mean_g R_aug(g·A) = R_aug(A)`` and convexity gives
``⟨∇R_aug(A), A − Π_E A⟩ ≥ R_aug(A) − R_aug(Π_E A) ≥ 0``: along gradient flow (and small enough
steps) ‖A − Π_E A‖ never increases — the model drifts toward E — but the components of A − Π_E A
that the data never see (orthogonal to every augmented input) do not move, so it does not reach
E. For the MLPs with hidden layers (non-convex) nothing forces this: with these settings the
distance of the hidden layers dips briefly and then *grows* with the weights (the relative
distance ‖A − Π_E A‖/‖A‖ stays near its initial ≈ 0.86) even though the network becomes
nearly invariant on the data. Both are measured (``tests/experiments/test_augmentation.py``).

**Invariant, but not attracting.** E is invariant under augmented descent, but it need not be
stable (arXiv 2303.13458, Prop. 3: equivariant points can be unstable for AUGMENTED while
stable for EQUIVARIANT). The ``"perturbed"`` initialisation starts at the equivariant one plus
``PERTURBATION`` (1e-6) times the E⊥ part of the generic draw: for the MLP the distance from E
grows by orders of magnitude during training (the perturbation is amplified), for the linear
classifier it shrinks (the convex argument above).

**Initialisations.** ``"generic"``: He-normal weights (variance 2/d_in, readout 1/d_in), zero
biases. ``"equivariant"``: ``√|G|`` · Π_E of the generic draw (every index orbit has exactly
``|G|`` elements, so the ``√|G|`` keeps each entry's variance); zero biases are in E.
``"perturbed"``: ``equivariant + PERTURBATION · (generic − Π_E generic)`` (distance from E ≈
1e-6 · ‖generic‖).
The EQUIVARIANT strategy always starts from the equivariant initialisation.

**Data.** ``n_train`` digits per class (classes 0..classes−1) and ``n_test`` further digits per
class from the bundled test set (``datasets.digits_per_class``, seed ``data_seed``), 2×2
mean-pooled to 14×14 (``datasets.pool2``), centred and unit-normed (``datasets.normalize``) and
multiplied by 14 (mean squared pixel 1). Each test digit is transformed by a random group
element (``default_rng(data_seed + 1)``): *rotated test accuracy* (shifted, for shifts).

**Precision.** Everything runs in float64 under ``jax.enable_x64`` inside these functions (the
user's global JAX configuration is untouched), so "distance stays at round-off" means ~1e-15
relative, not float32's 1e-7.

**Modules.** ``config`` (settings and run record), ``group`` (representations, Π_E, distances:
numpy only), ``model`` (initialisations, forward pass, data), ``training`` (the strategies, runs,
``precompute``), ``store`` (runs kept in this process and the shipped results file).
"""

from __future__ import annotations

from .config import (
    ACTIONS,
    INITS,
    PARAMS,
    PERTURBATION,
    STRATEGIES,
    AugmentationRun,
    AugmentConfig,
    curves,
)
from .group import (
    MAX_BLOCKS,
    input_permutations,
    layer_distances,
    layer_permutations,
    project,
    project_params,
    regular_permutations,
)
from .model import forward, init_params, task_data
from .store import cached_run, load_precomputed, precomputed_path, save_runs
from .training import (
    PRECOMPUTED_DEPTHS,
    default_runs,
    parameter_path,
    precompute,
    train,
    warm_up,
)

__all__ = ["ACTIONS", "STRATEGIES", "INITS", "PARAMS", "PERTURBATION", "MAX_BLOCKS",
           "PRECOMPUTED_DEPTHS", "AugmentConfig", "AugmentationRun", "curves", "input_permutations",
           "regular_permutations", "layer_permutations", "project", "project_params",
           "layer_distances", "init_params", "forward", "task_data", "train", "parameter_path",
           "warm_up", "cached_run", "default_runs", "precompute", "save_runs", "load_precomputed",
           "precomputed_path"]
