"""What each explorer shows, in a few sentences: folded behind "What am I looking at?" in the
dashboard, open above the explorer in the notebooks. Keyed like the dashboard's tabs; cheap to
import (no explorer is loaded)."""

from __future__ import annotations

__all__ = ["EXPLANATIONS"]

EXPLANATIONS = {
    "circle": "Two interleaved orbits on a circle: leave one point out and the GP error is "
              "ε = λ_N⁻¹/⟨λ⁻¹⟩ (Eq. 7). The inverse spectrum shows both terms: the rectangle "
              "1/λ_N at the label frequency over the area under 1/λ_f.",
    "orbit": "Two MNIST digits and their rotations or shifts: the kernel of each architecture, "
             "its circularisation, its inverse spectrum and the spectral error against the exact "
             "one.",
    "survey": "The same over many random digit pairs: spectral against exact error, and what the "
              "geometry of the orbits predicts. Click a point to open that pair.",
    "accuracy": "A class whose upright digits were never seen: accuracy on them against N, for "
                "plain networks and for networks with the symmetry built in.",
    "width": "Random networks of finite width scatter around the infinite-width NTK; the scatter "
             "shrinks like 1/√width.",
    "equivariant": "Kernel regression with the C4 group-CNN kernel against plain and augmented "
                   "CNN kernels as the training set grows; exact invariance to quarter turns "
                   "only; finite group CNNs converging to their kernel; which kernels are "
                   "circulant.",
    "dynamics": "Gradient descent in the kernel regime: the closed form f_t against finite "
                "networks trained from the same start; each eigen-direction of Θ is learnt at "
                "its own rate.",
    "augmentation": "Plain, augmented and equivariant training of the same MLP on rotated "
                    "digits: how far each layer sits from the equivariant subspace E while it "
                    "trains.",
}
