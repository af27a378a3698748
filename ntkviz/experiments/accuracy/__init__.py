"""Equivariant against plain kernels on a class whose upright digits were never seen (Neural
kernel theory of symmetry learning, arXiv 2412.11521, Fig. 1 and Fig. 6B;
docs/theory.md#unseen-upright-digits).

The training set is the orbits of a few MNIST digits per class under a group action (rotation by
360°/N, exact quarter turns ``rot90``, cyclic x-shifts), all at 14×14 (``datasets.pool2``) so
every architecture sees the same data. For the *leave-out* class L the upright (identity) copy
of each of its training digits is removed. Kernel regression — the GP posterior mean
``ŷ = K_*ᵀ (K_train + ρ·tr(K_train) I)⁻¹ Y`` with one-hot targets ``Y`` and the package ridge
``ρ = gp.DEFAULT_RIDGE`` — then classifies fresh upright test digits by the largest output.

Three numbers per (architecture, N, L):

* ``accuracy``: fraction of class L's test digits classified as L (the "out" test of Fig. 1);
* ``in_accuracy``: the same for the test digits of every other class (seen upright: "in" test);
* ``full_accuracy``: class L's test digits when nothing is left out (the same kernel's ceiling).

An architecture whose kernel is invariant to a group element present in the orbit (the group CNN
and a half or quarter turn; GAP and a shift; the orbit-averaged MLP and any element of the
data's own group) cannot tell the removed upright copy from the rotated copies it still has, so
its ``accuracy`` equals its ``full_accuracy``.

Kernel work is shared: per (architecture, action) one Gram matrix over the union of every image
any N of the grid needs (the images of N are the rows whose group element is a multiple of 1/N
of a full turn or width), plus the test digits; it is sliced per N and per leave-out class. The
orbit-averaged kernel depends on N, so it gets one Gram per N. NTK and NNGP come from the same
kernel call, so both are cached together.

``config`` holds the configuration and the digits, ``curves`` the computation, ``result`` the
``AccuracyResult`` the explorer reads, ``store`` the shipped file and ``precompute``.
"""

from .config import (
    DEFAULT_ARCHITECTURES,
    FIELDS,
    PARAMS,
    QUICK,
    RESOLUTION,
    Config,
    select_digits,
    test_images,
)
from .curves import accuracy_curves
from .result import AccuracyResult
from .store import (
    FILE,
    compute_results,
    load_precomputed,
    load_results,
    precompute,
    precomputed_path,
    save_results,
)

__all__ = ["Config", "QUICK", "DEFAULT_ARCHITECTURES", "RESOLUTION", "PARAMS", "AccuracyResult",
           "select_digits", "FIELDS", "accuracy_curves", "compute_results",
           "precompute", "save_results", "load_results", "load_precomputed", "precomputed_path",
           "FILE", "test_images"]
