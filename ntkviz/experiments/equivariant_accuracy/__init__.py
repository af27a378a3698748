"""Kernel regression with the C4 group-CNN NTK against plain and augmented CNN kernels on rotated
MNIST, as a function of the number of training digits (arXiv 2412.11521, Sec. 3.5 and 4;
Equivariant NTKs, arXiv 2406.06504; docs/theory.md#unseen-upright-digits).

Data. ``n_train`` training digits, balanced over the ten classes (``datasets.digits_per_class``:
the first ``n_train / 10`` of each class), and ``n_test`` test digits of the same selection,
all at 14×14 (``datasets.pool2``; the pixel-pair kernels of GAP and group pooling cost
``O(n²·14⁴)``). Every digit, training and test alike, is rotated at random in one of two ways:

* ``"rot90"`` — by a random multiple of 90° (``np.rot90`` of the 14×14 digit; equal to rotating
  the 28×28 digit first, since a quarter turn maps 2×2 pooling blocks onto blocks): an *exact*
  symmetry of the pixel grid;
* ``"rotate"`` — by a random whole number of degrees in [0°, 360°) (``scipy.ndimage.rotate``
  of the 28×28 digit, bilinear, zero fill, via ``datasets.transform``, then ``pool2``): not a
  symmetry of the pixel grid, so no kernel built from the grid is exactly invariant to it.

Each image is then centred and scaled to unit norm (``datasets.normalize``).

Kernels (``KERNELS``), all one hidden layer of 3×3 circular convolutions (depth 1, filter 3):

* ``gcnn``: the C4 ⋉ Z² group CNN, lifting conv + group pooling (a global mean over rotations
  *and* positions) + dense readout. Invariant to quarter turns and cyclic shifts.
* ``cnn_gap``: the plain CNN with the *matching* readout, global average pooling over positions
  (the same depth, filter size and pooled readout as the group CNN, without the rotated
  filters): the fair plain baseline.
* ``cnn_flatten``: the plain CNN with a flatten readout, for contrast (not even shift invariant).
* ``augmented_cnn``: ``cnn_flatten`` trained with data augmentation in the infinite-width limit,
  the orbit-averaged kernel ``k_G(x, x') = (1/|G|) Σ_g k(x, g·x')``
  (docs/theory.md#orbit-averaged-kernels, ``kernels.orbit_average``). For ``"rot90"`` data G is C4
  (``action="rot90"``, N = 4) and the average is exact; for ``"rotate"`` data G is the rotation
  group discretised to ``Config.augment_N`` angles (``action="rotate"``, interpolated 14×14
  rotations): an approximation of augmenting with every angle.
  We average the *flatten* CNN rather than the GAP CNN because, at depth 1, the orbit average of
  the GAP CNN over C4 *is* the group CNN kernel (the group-pooled network is the mean of the GAP
  network over the four rotated copies of its input, with shared weights; equal to ~1e-15,
  checked in ``tests/experiments/test_equivariant_accuracy.py``), so it would only repeat the ``gcnn`` curve;
  and averaging the flatten readout is what augmentation gives a network without any built-in
  invariance.

Each kernel is used as its NTK (the trained network) or its NNGP (the Bayesian network).
Kernel regression is the GP posterior mean ``ŷ = K_*ᵀ (K_train + ρ·tr(K_train) I)⁻¹ Y`` with
one-hot targets ``Y`` (n, 10) and the package ridge ``ρ = gp.DEFAULT_RIDGE`` (``gp.dual_weights``);
the predicted class is the largest output. Accuracy is the fraction of the ``n_test`` test
digits classified correctly, for each ``n_train`` and seed (mean ± standard deviation over seeds).

Invariance numbers. For each kernel and angle θ: ``max |K(g_θ x, y) − K(x, y)| / max |K(x, y)|``
over ``Config.invariance_digits`` upright digits x and as many others y (the upright test digits
of seed 0), with ``g_θ`` the exact quarter turn for θ = 90° and the interpolated rotation of the
28×28 digit (then pooled and normalised, as the data are made) otherwise. The group CNN (and its
augmented relatives on ``"rot90"``) is invariant to round-off at 90°; no kernel is exactly
invariant at 30° or 45°.

Cost. One Gram matrix per (kernel, mode, seed) over the whole train + test pool
(``max(n_train) + n_test`` digits) gives both kinds and every ``n_train`` by slicing, so a whole
curve costs one kernel computation per kernel. Measured on 2 cores shared with other jobs (load
6–7, November 2026), 300 digits: group CNN ~80–100 s, GAP CNN ~20–25 s, flatten and augmented
flatten CNNs 1–5 s; the default ``Config()`` (2 modes × 3 seeds) ~690 s, plus ~60 s for the
``companions``. ``precompute`` ships all of it in ``data/results/equivariant_accuracy.npz``.

Result (shipped file, n_train = 200, mean of 3 seeds): NTK on quarter turns — group CNN 44 %,
GAP CNN 42 %, flatten CNN 54 %, augmented flatten CNN 74 %; NNGP — 64 %, 51 %, 44 %, 73 %. The
group CNN beats its matching GAP CNN, but one-layer pooled kernels only see which 3×3 patches
occur, not where, so the augmented flatten CNN, which keeps positions, is the most accurate.

**Modules.** ``config`` (modes, kernels, ``Config``, the declared parameters), ``kernels``
(rotated digits, kernels, Gram matrices, accuracy and invariance), ``store`` (the results of a
configuration, the companions and the shipped file).
"""

from __future__ import annotations

from .config import (
    KERNEL_LABELS,
    KERNELS,
    MODE_LABELS,
    MODES,
    PARAMS,
    QUICK,
    RESOLUTION,
    Config,
)
from .kernels import accuracy_curves, gram, invariance, kernel, rotated_pool
from .store import (
    RESULTS,
    WIDTH_SWEEP,
    EquivariantResult,
    companions,
    compute,
    load_precomputed,
    load_results,
    precompute,
    precomputed_path,
    save_results,
)

__all__ = ["Config", "QUICK", "MODES", "MODE_LABELS", "KERNELS", "KERNEL_LABELS", "RESOLUTION",
           "PARAMS", "RESULTS", "EquivariantResult", "kernel", "rotated_pool", "gram",
           "accuracy_curves", "invariance", "compute", "companions", "WIDTH_SWEEP", "precompute",
           "save_results", "load_results", "load_precomputed", "precomputed_path"]
