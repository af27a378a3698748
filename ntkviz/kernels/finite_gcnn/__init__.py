"""Finite C4 ⋉ Z² group CNNs and their empirical NNGP and NTK (Equivariant NTKs,
arXiv 2406.06504, Sec. 3 and Fig. 1; docs/theory.md#group-cnn-kernels).

The network is the one :class:`~ntkviz.kernels.group_convolutional.GCNN` describes, layer by
layer (``tests/reference/README.md`` conventions, NTK parameterisation, every parameter drawn
i.i.d. N(0, 1)), with ``n`` channels per rotation:

* lifting ``Z2ConvP4``: ``h¹[r, p, k] = W/√(f²C) Σ_{u, c} w¹[u, c, k] x[p + ρ^r u, c] + b·b¹[k]``;
* ``depth − 1`` group convolutions ``P4ConvP4``:
  ``h[r, p, k] = W/√(4f²n) Σ_{s, u, c} w[s, u, c, k] φ(h⁻)[r + s, p + ρ^r u, c] + b·bias[k]``;
* group pooling, the mean over ``r`` and ``p``: ``g[k] = mean_{r, p} φ(h)[r, p, k]``;
* the width-one readout ``f(x) = W/√n Σ_k v[k] g[k] + b·β``.

Offsets ``u`` run over the f × f window, ``ρ(a, c) = (c, −a)`` turns an offset (row, column) a
quarter turn, pixel indices wrap around (circular padding), rotation indices are taken mod 4.
Each rotated filter is built once and all four rotations run as one ordinary convolution.
This is the network ``kernels.empirical_ntk`` builds for a ``gcnn`` kernel (``finite_width``,
im2col over stacked rotations); the tests check the two agree to round-off on the same weights.

Kernels of one network (parameters θ):

* empirical NTK ``Θ̂(x, x') = Σ_θ ∂f(x)/∂θ · ∂f(x')/∂θ = (J Jᵀ)(x, x')``
  (docs/theory.md#the-empirical-ntk-and-width);
* empirical NNGP ``Σ̂(x, x') = E_{v, β}[f(x) f(x')] = W²/n · g(x)·g(x') + b²``: the mean of
  ``f(x) f(x')`` over random draws of the readout, taken in closed form, given the hidden
  layers. It is also exactly the readout layer's share of ``J Jᵀ``. Averaging it over random
  initialisations of the hidden layers (``mc_nngp``) is the Monte-Carlo NNGP.

As the width grows both tend to the analytic ``kernels.gcnn`` kernels, with relative errors
``∝ n^(−1/2)``. Group pooling makes ``f`` exactly invariant to quarter turns (and cyclic
shifts) of its input, at every width: the lifting layer turns a rotated input into rotated,
cyclically re-indexed features, each group convolution keeps that form, the pooled mean
forgets it.
"""

from __future__ import annotations

from .empirical import (
    FiniteNetwork,
    empirical_kernels,
    finite_network,
    mc_nngp,
    outputs,
    rot90_invariance_gap,
)
from .network import MAX_IN_CHANNELS, MAX_WIDTH, apply, init_params, pooled_features

__all__ = [
    "init_params",
    "apply",
    "pooled_features",
    "outputs",
    "empirical_kernels",
    "mc_nngp",
    "rot90_invariance_gap",
    "FiniteNetwork",
    "finite_network",
    "MAX_WIDTH",
    "MAX_IN_CHANNELS",
]
