"""More seeds, more classes: the spectral error beyond one pair of orbits (Neural kernel
theory of symmetry learning, arXiv 2412.11521, Sec. 3.4, Fig. 6;
docs/theory.md#several-seeds-and-ten-classes).

**Several seeds per class (Fig. 6A).** Class A and class B contribute S digits each, every digit
its whole orbit of N images (``digit_orbits.prepared_orbit``). One Gram matrix over all 2·S·N images
is computed; for every cross-class pair of orbits (A_i, B_j) the interleaved 2N×2N block is
sliced out of it (rows ``A_i0, B_j0, A_i1, …``, class A first as in ``orbits``), circularised
(Eq. 12) and Eq. 7 gives ``ε_ij`` (``orbits.spectral_part``, the same ridge convention as one
pair). The *pair-averaged spectral error* is the mean of ``ε_ij`` over the S×S pairs. The
*exact error* uses the whole dataset at once: the angle-0 images of all S orbits of A are left
out together and predicted by GP regression on the remaining 2SN − S points (labels +1 for A,
−1 for B, ``gp.posterior`` with the package's relative ridge); the error is the mean of
``|ŷ − 1|``; then the same for B (``|ŷ + 1|``) and the two are averaged — with S = 1 this is
``gp.symmetrized_error`` of the pair.

**Ten classes, one versus many (Fig. 6B).** Every class contributes S orbits; one Gram over all
of them is sliced into pair blocks. For an orbit o of a leave-out class A and another class B
the spectral prediction at its angle-0 image is the mean of ``1 − ε`` over the pairs (o, each
orbit of B), with o's orbit first. The orbit is classified correctly if that mean is positive
for every other class B. The accuracy of class A is the fraction of its orbits classified
correctly; the reported accuracy is the mean over leave-out classes.

**Ten classes, exact (docs/theory.md#exact-classification).** ``exact_accuracy`` classifies by exact
GP regression instead: all C·S orbits form one dataset with C one-hot target columns; for each class
its angle-0 images are left out together and predicted from every other point (argmax over the C
outputs). For exact actions (cyclic shifts, quarter turns) the kernel is invariant under the action
on both inputs, the Gram matrix in element-major order is block-circulant and
``ntkviz.block_circulant`` solves it from its first block row only (10 classes × 100 seeds × 32
shifts = 32,000 points in seconds); ``solver="dense"`` is the dense reference.

Digits: a ``numpy`` generator seeded with ``seed`` permutes the digits of each class 0..9 in turn
and the first S of each class are used — the rule of ``accuracy.select_digits``, so with the
same seed both experiments use the same digits, and a class's digits do not depend on which
other classes take part.

Modules: ``data`` (parameters, digits, the Gram over their orbits), ``seeds`` (Fig. 6A),
``one_vs_many`` (Fig. 6B, spectral), ``exact`` (exact classification) and ``leave_out`` (its
dense and block-circulant numerics).
"""


from __future__ import annotations

from .data import MAX_TRIALS, PARAMS, class_samples
from .exact import (
    MAX_DENSE_POINTS,
    MAX_SHIFT_N,
    SOLVERS,
    ExactAccuracy,
    ExactAccuracyCurve,
    exact_accuracy,
    exact_accuracy_vs_N,
)
from .leave_out import canvas_width
from .one_vs_many import (
    SpectralAccuracy,
    SpectralAccuracyCurve,
    spectral_accuracy,
    spectral_accuracy_vs_N,
)
from .seeds import SeedsAgreement, SeedsTrial, seeds_agreement, seeds_trial

__all__ = ["SeedsTrial", "SeedsAgreement", "SpectralAccuracy", "SpectralAccuracyCurve",
           "class_samples", "seeds_trial", "seeds_agreement", "spectral_accuracy",
           "spectral_accuracy_vs_N", "ExactAccuracy", "ExactAccuracyCurve", "SOLVERS",
           "MAX_SHIFT_N", "MAX_DENSE_POINTS", "MAX_TRIALS", "PARAMS", "canvas_width",
           "exact_accuracy", "exact_accuracy_vs_N"]
